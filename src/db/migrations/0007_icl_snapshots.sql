CREATE TABLE "icl_snapshots" (
	"council_id" integer NOT NULL,
	"date" date NOT NULL,
	"people" integer NOT NULL,
	"unfilled_minutes_per_week" integer NOT NULL,
	"mean_days_waiting" double precision,
	"median_days_waiting" double precision,
	"added" integer NOT NULL,
	"removed" integer NOT NULL,
	"breakdowns" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "icl_snapshots_council_id_date_pk" PRIMARY KEY("council_id","date")
);
--> statement-breakpoint
ALTER TABLE "icl_snapshots" ADD CONSTRAINT "icl_snapshots_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;