ALTER TABLE "packages" ADD COLUMN "confirmation" text DEFAULT 'confirmed' NOT NULL;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "confirm_by" date;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "responded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "responded_by" text;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "decline_reason" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "address_line1" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "address_line2" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "town" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "representative" jsonb;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "sharing_consent" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX "packages_council_id_confirmation_confirm_by_index" ON "packages" USING btree ("council_id","confirmation","confirm_by");--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_confirmation_valid" CHECK ("packages"."confirmation" in ('awaiting', 'confirmed', 'declined'));