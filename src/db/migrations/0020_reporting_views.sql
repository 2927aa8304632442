CREATE VIEW "public"."brokerage_offer_facts" AS (select id, council_id, request_id, created_at as made_at from "offers");--> statement-breakpoint
CREATE VIEW "public"."brokerage_package_facts" AS (select id, council_id, request_id, person_id, location_id, provider_organisation_id, service_type,
      start_date, end_date, created_at as awarded_at, minutes_per_week, weekly_cost_pence,
      agreed_price_pence, usual_price_pence
    from "packages");--> statement-breakpoint
CREATE VIEW "public"."brokerage_person_facts" AS (select id, council_id, locality_id, pcn_area_id from "people");--> statement-breakpoint
CREATE VIEW "public"."brokerage_request_facts" AS (select id, council_id, person_id, service_type, client_group, preferred_outcode
    from "sourcing_requests");--> statement-breakpoint
CREATE VIEW "public"."brokerage_slot_fills" AS (select s.council_id, s.request_id, s.slot, p.created_at as filled_at
    from "awarded_slots" s join "packages" p on p.id = s.package_id);--> statement-breakpoint
CREATE VIEW "public"."brokerage_status_changes" AS (select id, council_id, request_id, to_status, at from "request_events");--> statement-breakpoint
CREATE VIEW "public"."brokerage_visit_facts" AS (select id, council_id, request_id, days, duration_minutes, carers from "request_visits");--> statement-breakpoint
CREATE VIEW "public"."providers_import_facts" AS (select id, council_id, file_name, status, finished_at from "cqc_imports");--> statement-breakpoint
CREATE VIEW "public"."providers_location_facts" AS (select id, council_id, provider_organisation_id, name, postcode, registered_beds, service_types,
      specialisms, client_groups, locality_id, pcn_area_id, active, deactivated_at
    from "locations");--> statement-breakpoint
CREATE VIEW "public"."providers_organisation_facts" AS (select id, council_id, name from "provider_organisations");