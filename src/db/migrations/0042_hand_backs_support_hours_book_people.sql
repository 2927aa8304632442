ALTER TABLE "people" ALTER COLUMN "date_of_birth" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "people" ALTER COLUMN "postcode" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "support_minutes_per_week" integer;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD CONSTRAINT "sourcing_requests_support_minutes_positive" CHECK ("sourcing_requests"."support_minutes_per_week" is null or "sourcing_requests"."support_minutes_per_week" > 0);--> statement-breakpoint
CREATE VIEW "public"."brokerage_hand_backs" AS (select h.id, h.council_id, h.package_id, h.provider_organisation_id, p.location_id, p.service_type,
      h.reason, h.last_day, h.created_at as given_at, h.short_notice_reason is not null as short_notice,
      p.minutes_per_week, pe.locality_id
    from "package_hand_backs" h
    join "packages" p on p.id = h.package_id
    join "people" pe on pe.id = p.person_id);