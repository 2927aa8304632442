CREATE TABLE "imported_packages" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "imported_packages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"person_ref" text NOT NULL,
	"age_band" text NOT NULL,
	"outcode" text NOT NULL,
	"locality_id" integer,
	"pcn_area_id" integer,
	"client_group" text NOT NULL,
	"service_type" text NOT NULL,
	"location_id" integer NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"weekly_cost_pence" integer NOT NULL,
	"minutes_per_week" integer,
	"start_date" date NOT NULL,
	"end_date" date,
	"funding" text NOT NULL,
	"import_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "imported_packages_figures_valid" CHECK ("imported_packages"."weekly_cost_pence" >= 0 and coalesce("imported_packages"."minutes_per_week", 0) >= 0 and ("imported_packages"."end_date" is null or "imported_packages"."end_date" >= "imported_packages"."start_date")),
	CONSTRAINT "imported_packages_funding_valid" CHECK ("imported_packages"."funding" in ('council', 'health', 'joint', 'self_funder'))
);
--> statement-breakpoint
CREATE TABLE "package_imports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "package_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"file_name" text NOT NULL,
	"full" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"added" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"ended" integer DEFAULT 0 NOT NULL,
	"rejected" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_by" text NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "package_imports_status_valid" CHECK ("package_imports"."status" in ('completed', 'rejected'))
);
--> statement-breakpoint
ALTER TABLE "imported_packages" ADD CONSTRAINT "imported_packages_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_packages" ADD CONSTRAINT "imported_packages_locality_id_localities_id_fk" FOREIGN KEY ("locality_id") REFERENCES "public"."localities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_packages" ADD CONSTRAINT "imported_packages_pcn_area_id_pcn_areas_id_fk" FOREIGN KEY ("pcn_area_id") REFERENCES "public"."pcn_areas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_packages" ADD CONSTRAINT "imported_packages_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_packages" ADD CONSTRAINT "imported_packages_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imported_packages" ADD CONSTRAINT "imported_packages_import_id_package_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."package_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_imports" ADD CONSTRAINT "package_imports_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "imported_packages_natural_key" ON "imported_packages" USING btree ("council_id",lower("person_ref"),"location_id","service_type","start_date");--> statement-breakpoint
CREATE INDEX "imported_packages_council_id_service_type_start_date_index" ON "imported_packages" USING btree ("council_id","service_type","start_date");--> statement-breakpoint
CREATE INDEX "imported_packages_council_id_location_id_index" ON "imported_packages" USING btree ("council_id","location_id");--> statement-breakpoint
CREATE INDEX "package_imports_council_id_finished_at_index" ON "package_imports" USING btree ("council_id","finished_at");--> statement-breakpoint
CREATE VIEW "public"."brokerage_care_packages" AS (select 'brokered'::text as source, p.id, p.council_id,
      coalesce('ref:' || lower(p.person_ref), 'person:' || p.person_id) as person_key,
      p.location_id, p.provider_organisation_id, p.service_type, r.client_group, p.start_date, p.end_date,
      p.created_at as recorded_at, p.minutes_per_week, p.weekly_cost_pence, pe.locality_id, pe.pcn_area_id
    from "packages" p
    join "sourcing_requests" r on r.id = p.request_id
    join "people" pe on pe.id = p.person_id
    union all
    select 'imported'::text, i.id, i.council_id, 'ref:' || lower(i.person_ref), i.location_id,
      i.provider_organisation_id, i.service_type, i.client_group, i.start_date, i.end_date,
      null::timestamptz, i.minutes_per_week, i.weekly_cost_pence, i.locality_id, i.pcn_area_id
    from "imported_packages" i
    where not exists (
      select 1 from "packages" b
      where b.council_id = i.council_id and lower(b.person_ref) = lower(i.person_ref)
        and b.location_id = i.location_id and b.service_type = i.service_type
        and b.start_date <= coalesce(i.end_date, 'infinity'::date)
        and coalesce(b.end_date, 'infinity'::date) >= i.start_date));--> statement-breakpoint
CREATE VIEW "public"."brokerage_package_import_facts" AS (select id, council_id, finished_at from "package_imports" where status = 'completed');