CREATE TABLE "accreditation_imports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "accreditation_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"file_name" text NOT NULL,
	"full" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"added" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"ended" integer DEFAULT 0 NOT NULL,
	"rejected" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accreditation_imports_status_valid" CHECK ("accreditation_imports"."status" in ('completed', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "day_place_reports" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "day_place_reports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"places_per_day" integer NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reported_by" text NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "day_place_reports_non_negative" CHECK ("day_place_reports"."places_per_day" >= 0),
	CONSTRAINT "day_place_reports_source_valid" CHECK ("day_place_reports"."source" in ('web', 'csv', 'api'))
);
--> statement-breakpoint
CREATE TABLE "location_accreditations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "location_accreditations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"criteria_met" text[] NOT NULL,
	"accredited_from" date NOT NULL,
	"accredited_to" date NOT NULL,
	"accredited_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "location_accreditations_locationId_accreditedFrom_unique" UNIQUE("location_id","accredited_from"),
	CONSTRAINT "location_accreditations_dates_ordered" CHECK ("location_accreditations"."accredited_to" >= "location_accreditations"."accredited_from"),
	CONSTRAINT "location_accreditations_criteria_given" CHECK (cardinality("location_accreditations"."criteria_met") > 0)
);
--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "regulator" text DEFAULT 'cqc' NOT NULL;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "accredited_kind" text;--> statement-breakpoint
ALTER TABLE "provider_organisations" ADD COLUMN "regulator" text DEFAULT 'cqc' NOT NULL;--> statement-breakpoint
ALTER TABLE "accreditation_imports" ADD CONSTRAINT "accreditation_imports_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "day_place_reports" ADD CONSTRAINT "day_place_reports_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "day_place_reports" ADD CONSTRAINT "day_place_reports_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_accreditations" ADD CONSTRAINT "location_accreditations_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_accreditations" ADD CONSTRAINT "location_accreditations_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accreditation_imports_council_id_imported_at_index" ON "accreditation_imports" USING btree ("council_id","imported_at");--> statement-breakpoint
CREATE INDEX "day_place_reports_council_id_location_id_reported_at_index" ON "day_place_reports" USING btree ("council_id","location_id","reported_at");--> statement-breakpoint
CREATE INDEX "location_accreditations_council_id_location_id_index" ON "location_accreditations" USING btree ("council_id","location_id");--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_regulator_valid" CHECK ("locations"."regulator" in ('cqc', 'council'));--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_id_matches_regulator" CHECK (("locations"."regulator" = 'council') = ("locations"."cqc_location_id" like 'CA-%'));--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_accredited_kind_valid" CHECK (("locations"."regulator" = 'council') = ("locations"."accredited_kind" is not null)
        and ("locations"."accredited_kind" is null or "locations"."accredited_kind" in ('day_opportunities', 'micro_provider', 'community_group')));--> statement-breakpoint
ALTER TABLE "provider_organisations" ADD CONSTRAINT "provider_organisations_regulator_valid" CHECK ("provider_organisations"."regulator" in ('cqc', 'council'));--> statement-breakpoint
ALTER TABLE "provider_organisations" ADD CONSTRAINT "provider_organisations_id_matches_regulator" CHECK (("provider_organisations"."regulator" = 'council') = ("provider_organisations"."cqc_provider_id" like 'CA-%'));