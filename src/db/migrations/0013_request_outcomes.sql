CREATE TABLE "request_outcomes" (
	"request_id" integer PRIMARY KEY NOT NULL,
	"council_id" integer NOT NULL,
	"person_id" integer NOT NULL,
	"service_type" text,
	"preferred_outcode" text,
	"submitted_at" timestamp with time zone,
	"published_at" timestamp with time zone,
	"awarded_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "request_outcomes" ADD CONSTRAINT "request_outcomes_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_outcomes" ADD CONSTRAINT "request_outcomes_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_outcomes" ADD CONSTRAINT "request_outcomes_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_outcomes_council_id_published_at_index" ON "request_outcomes" USING btree ("council_id","published_at");--> statement-breakpoint
CREATE INDEX "request_outcomes_council_id_awarded_at_index" ON "request_outcomes" USING btree ("council_id","awarded_at");--> statement-breakpoint
-- Backfill from the raw history, by the same rules as rebuildRequestOutcomes().
INSERT INTO "request_outcomes" ("request_id", "council_id", "person_id", "service_type", "preferred_outcode", "submitted_at", "published_at", "awarded_at", "cancelled_at")
SELECT r.id, r.council_id, r.person_id, r.service_type, r.preferred_outcode, e.submitted_at, e.published_at, k.awarded_at, e.cancelled_at
FROM "sourcing_requests" r
LEFT JOIN (
  SELECT request_id,
    min(at) FILTER (WHERE to_status = 'submitted') AS submitted_at,
    min(at) FILTER (WHERE to_status = 'published') AS published_at,
    min(at) FILTER (WHERE to_status = 'cancelled') AS cancelled_at
  FROM "request_events" GROUP BY request_id
) e ON e.request_id = r.id
LEFT JOIN (SELECT request_id, min(created_at) AS awarded_at FROM "packages" GROUP BY request_id) k ON k.request_id = r.id
WHERE coalesce(e.submitted_at, e.published_at, k.awarded_at, e.cancelled_at) IS NOT NULL;
