ALTER TABLE "packages" ADD COLUMN "person_ref" text;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "case_ref" text;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "person_ref" text;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "case_ref" text;--> statement-breakpoint
CREATE INDEX "packages_person_ref_lower" ON "packages" USING btree ("council_id",lower("person_ref"));--> statement-breakpoint
CREATE INDEX "packages_case_ref_lower" ON "packages" USING btree ("council_id",lower("case_ref"));--> statement-breakpoint
CREATE INDEX "sourcing_requests_person_ref_lower" ON "sourcing_requests" USING btree ("council_id",lower("person_ref"));--> statement-breakpoint
CREATE INDEX "sourcing_requests_case_ref_lower" ON "sourcing_requests" USING btree ("council_id",lower("case_ref"));