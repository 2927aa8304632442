ALTER TABLE "people" ALTER COLUMN "date_of_birth" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "people" ALTER COLUMN "postcode" DROP NOT NULL;