CREATE TABLE "demo_histories" (
	"council_id" integer PRIMARY KEY NOT NULL,
	"seed" integer NOT NULL,
	"weeks" integer NOT NULL,
	"requests" integer NOT NULL,
	"capacity_updates" integer NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"first_ids" jsonb NOT NULL,
	"reserved_ids" jsonb NOT NULL,
	"weeks_written" integer DEFAULT 0 NOT NULL,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "demo_histories" ADD CONSTRAINT "demo_histories_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;