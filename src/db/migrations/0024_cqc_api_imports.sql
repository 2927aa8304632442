CREATE TABLE "cqc_api_syncs" (
	"council_id" integer PRIMARY KEY NOT NULL,
	"next_from" timestamp with time zone,
	"window_from" timestamp with time zone,
	"window_to" timestamp with time zone,
	"per_page" integer,
	"pages_done" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cqc_imports" ADD COLUMN "source" text DEFAULT 'file' NOT NULL;--> statement-breakpoint
ALTER TABLE "cqc_imports" ADD COLUMN "changes_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cqc_imports" ADD COLUMN "changes_to" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cqc_api_syncs" ADD CONSTRAINT "cqc_api_syncs_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cqc_imports" ADD CONSTRAINT "cqc_imports_source_valid" CHECK ("cqc_imports"."source" in ('file', 'api'));