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
ALTER TABLE "packages" ADD CONSTRAINT "packages_confirmation_valid" CHECK ("packages"."confirmation" in ('awaiting', 'confirmed', 'declined'));--> statement-breakpoint
DROP VIEW "public"."brokerage_care_packages";--> statement-breakpoint
DROP VIEW "public"."brokerage_package_facts";--> statement-breakpoint
CREATE VIEW "public"."brokerage_care_packages" AS (select 'brokered'::text as source, p.id, p.council_id,
      coalesce('ref:' || lower(p.person_ref), 'person:' || p.person_id) as person_key,
      p.location_id, p.provider_organisation_id, p.service_type, r.client_group, p.start_date, p.end_date,
      p.created_at as recorded_at, p.minutes_per_week, p.weekly_cost_pence, pe.locality_id, pe.pcn_area_id
    from "packages" p
    join "sourcing_requests" r on r.id = p.request_id
    join "people" pe on pe.id = p.person_id
    where p.confirmation <> 'declined'
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
CREATE VIEW "public"."brokerage_package_facts" AS (select id, council_id, request_id, person_id, location_id, provider_organisation_id, service_type,
      start_date, end_date, created_at as awarded_at, minutes_per_week, weekly_cost_pence,
      agreed_price_pence, usual_price_pence
    from "packages"
    where confirmation <> 'declined');