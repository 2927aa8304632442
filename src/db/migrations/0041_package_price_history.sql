CREATE TABLE "package_price_changes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "package_price_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"source" text NOT NULL,
	"package_id" integer NOT NULL,
	"effective_from" date NOT NULL,
	"weekly_cost_pence" integer NOT NULL,
	"previous_weekly_cost_pence" integer NOT NULL,
	"reason" text NOT NULL,
	"change_ref" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "package_price_changes_source" CHECK ("package_price_changes"."source" in ('brokered', 'imported')),
	CONSTRAINT "package_price_changes_non_negative" CHECK ("package_price_changes"."weekly_cost_pence" >= 0 and "package_price_changes"."previous_weekly_cost_pence" >= 0)
);
--> statement-breakpoint
CREATE TABLE "fee_uplift_applications" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fee_uplift_applications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"year" integer NOT NULL,
	"scenario" jsonb NOT NULL,
	"packages_changed" integer NOT NULL,
	"rates_added" integer NOT NULL,
	"providers_written" integer NOT NULL,
	"annual_cost_before_pence" bigint NOT NULL,
	"annual_cost_after_pence" bigint NOT NULL,
	"applied_by" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fee_uplift_applications_once_a_year" UNIQUE("council_id","year"),
	CONSTRAINT "fee_uplift_applications_counts" CHECK ("fee_uplift_applications"."packages_changed" >= 0 and "fee_uplift_applications"."rates_added" >= 0)
);
--> statement-breakpoint
DROP VIEW "public"."brokerage_care_packages";--> statement-breakpoint
ALTER TABLE "package_price_changes" ADD CONSTRAINT "package_price_changes_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fee_uplift_applications" ADD CONSTRAINT "fee_uplift_applications_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "package_price_changes_one_a_day" ON "package_price_changes" USING btree ("council_id","source","package_id","effective_from");--> statement-breakpoint
CREATE INDEX "package_price_changes_council_id_change_ref_index" ON "package_price_changes" USING btree ("council_id","change_ref");--> statement-breakpoint
CREATE VIEW "public"."brokerage_package_price_changes" AS (select council_id, source, package_id as id, effective_from, weekly_cost_pence,
      previous_weekly_cost_pence, reason, change_ref, created_at
    from "package_price_changes");--> statement-breakpoint
CREATE VIEW "public"."brokerage_package_prices" AS (select source, id, council_id, effective_from, effective_to, weekly_cost_pence
    from (
      select source, id, council_id, effective_from, weekly_cost_pence,
        (lead(effective_from) over (partition by council_id, source, id order by effective_from, rank)
          - 1) as effective_to
      from (
        select 'brokered'::text as source, p.id, p.council_id, p.start_date as effective_from,
          p.weekly_cost_pence, 0 as rank
        from "packages" p where p.confirmation <> 'declined'
        union all
        select 'imported'::text, i.id, i.council_id, i.start_date, i.weekly_cost_pence, 0
        from "imported_packages" i
        union all
        select c.source, c.package_id, c.council_id, c.effective_from, c.weekly_cost_pence, 1
        from "package_price_changes" c
      ) prices
    ) periods
    -- A change from a package's first day replaces its first price: that period is empty.
    where effective_to is null or effective_to >= effective_from);--> statement-breakpoint
CREATE VIEW "public"."brokerage_care_packages" AS (select 'brokered'::text as source, p.id, p.council_id,
      coalesce('ref:' || lower(p.person_ref), 'person:' || p.person_id) as person_key,
      p.location_id, p.provider_organisation_id, p.service_type, r.client_group, p.start_date, p.end_date,
      p.created_at as recorded_at, p.minutes_per_week, coalesce((select c.weekly_cost_pence from "package_price_changes" c
      where c.council_id = p.council_id and c.source = 'brokered' and c.package_id = p.id
        and c.effective_from <= current_date
      order by c.effective_from desc limit 1), p.weekly_cost_pence) as weekly_cost_pence, pe.locality_id, pe.pcn_area_id
    from "packages" p
    join "sourcing_requests" r on r.id = p.request_id
    join "people" pe on pe.id = p.person_id
    where p.confirmation <> 'declined'
    union all
    select 'imported'::text, i.id, i.council_id, 'ref:' || lower(i.person_ref), i.location_id,
      i.provider_organisation_id, i.service_type, i.client_group, i.start_date, i.end_date,
      null::timestamptz, i.minutes_per_week, coalesce((select c.weekly_cost_pence from "package_price_changes" c
      where c.council_id = i.council_id and c.source = 'imported' and c.package_id = i.id
        and c.effective_from <= current_date
      order by c.effective_from desc limit 1), i.weekly_cost_pence) as weekly_cost_pence, i.locality_id, i.pcn_area_id
    from "imported_packages" i
    where not exists (
      select 1 from "packages" b
      where b.council_id = i.council_id and lower(b.person_ref) = lower(i.person_ref)
        and b.location_id = i.location_id and b.service_type = i.service_type
        and b.start_date <= coalesce(i.end_date, 'infinity'::date)
        and coalesce(b.end_date, 'infinity'::date) >= i.start_date));