ALTER TABLE "packages" ADD COLUMN "usual_price_pence" integer;--> statement-breakpoint
-- Packages awarded before this migration take their request's usual price as it is now.
UPDATE "packages" AS k SET "usual_price_pence" = r."usual_price_pence" FROM "sourcing_requests" AS r WHERE r."id" = k."request_id";
