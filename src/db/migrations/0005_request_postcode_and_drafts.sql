ALTER TABLE "sourcing_requests" ALTER COLUMN "service_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ALTER COLUMN "client_group" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ALTER COLUMN "needs_summary" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ALTER COLUMN "start_date" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "preferred_postcode" text;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "preferred_outcode" text;--> statement-breakpoint
-- A draft kept a placeholder for each question not yet answered; now it keeps NULL.
UPDATE "sourcing_requests" SET
  "service_type" = nullif("service_type", ''),
  "client_group" = nullif("client_group", ''),
  "needs_summary" = nullif("needs_summary", ''),
  "start_date" = nullif("start_date", '1900-01-01')
WHERE "status" = 'draft';--> statement-breakpoint
-- Only the preferred postcode's coordinates were kept. A request whose coordinates are where the
-- person's postcode is placed (its centre, else its district's) was measured from the person's
-- postcode, as the service decided before.
UPDATE "sourcing_requests" AS r
SET "preferred_postcode" = p."postcode", "preferred_outcode" = p."outcode"
FROM "people" AS p
LEFT JOIN "postcodes" AS pc ON pc."postcode" = p."postcode"
LEFT JOIN "outcodes" AS oc ON oc."outcode" = p."outcode"
WHERE p."id" = r."person_id"
  AND r."latitude" IS NOT DISTINCT FROM coalesce(pc."latitude", oc."latitude")
  AND r."longitude" IS NOT DISTINCT FROM coalesce(pc."longitude", oc."longitude");--> statement-breakpoint
-- Any other: the postcode whose centre the coordinates are, when exactly one postcode's is.
-- The rest keep NULL: their postcode cannot be known.
WITH "found" AS (
  SELECT r."id", min(pc."postcode") AS "postcode"
  FROM "sourcing_requests" AS r
  JOIN "postcodes" AS pc ON pc."latitude" = r."latitude" AND pc."longitude" = r."longitude"
  WHERE r."preferred_postcode" IS NULL
  GROUP BY r."id"
  HAVING count(*) = 1
)
UPDATE "sourcing_requests" AS r
SET "preferred_postcode" = f."postcode", "preferred_outcode" = split_part(f."postcode", ' ', 1)
FROM "found" AS f
WHERE r."id" = f."id";--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD CONSTRAINT "sourcing_requests_answered_unless_draft" CHECK ("sourcing_requests"."status" in ('draft', 'cancelled') or ("sourcing_requests"."service_type" is not null and "sourcing_requests"."client_group" is not null and "sourcing_requests"."needs_summary" is not null and "sourcing_requests"."start_date" is not null));