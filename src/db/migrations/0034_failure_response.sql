CREATE TABLE "failure_cases" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "failure_cases_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"response_id" integer NOT NULL,
	"person_key" text NOT NULL,
	"person_id" integer,
	"package_ids" integer[] DEFAULT '{}' NOT NULL,
	"imported_package_ids" integer[] DEFAULT '{}' NOT NULL,
	"location_id" integer NOT NULL,
	"service_type" text NOT NULL,
	"minutes_per_week" integer,
	"weekly_cost_pence" integer NOT NULL,
	"funding" text NOT NULL,
	"request_id" integer,
	"resourced_at" timestamp with time zone,
	"outcome" text,
	"outcome_note" text DEFAULT '' NOT NULL,
	"outcome_at" timestamp with time zone,
	"outcome_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "failure_cases_one_per_person" UNIQUE("response_id","person_key"),
	CONSTRAINT "failure_cases_outcome_valid" CHECK ("failure_cases"."outcome" is null or "failure_cases"."outcome" in ('moved_elsewhere', 'self_arranged', 'in_hospital', 'died'))
);
--> statement-breakpoint
CREATE TABLE "failure_responses" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "failure_responses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"market_event_id" integer,
	"provider_organisation_id" integer NOT NULL,
	"location_id" integer,
	"last_day" date NOT NULL,
	"notice_on" date NOT NULL,
	"one_off_cost_pence" bigint DEFAULT 0 NOT NULL,
	"extra_cost_pence" bigint DEFAULT 0 NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"opened_by" text NOT NULL,
	CONSTRAINT "failure_responses_costs_non_negative" CHECK ("failure_responses"."one_off_cost_pence" >= 0)
);
--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "excluded_provider_ids" integer[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "failure_cases" ADD CONSTRAINT "failure_cases_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_cases" ADD CONSTRAINT "failure_cases_response_id_failure_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."failure_responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_cases" ADD CONSTRAINT "failure_cases_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_cases" ADD CONSTRAINT "failure_cases_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_cases" ADD CONSTRAINT "failure_cases_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_responses" ADD CONSTRAINT "failure_responses_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_responses" ADD CONSTRAINT "failure_responses_market_event_id_market_events_id_fk" FOREIGN KEY ("market_event_id") REFERENCES "public"."market_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_responses" ADD CONSTRAINT "failure_responses_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "failure_responses" ADD CONSTRAINT "failure_responses_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "failure_cases_one_per_request" ON "failure_cases" USING btree ("request_id") WHERE "failure_cases"."request_id" is not null;--> statement-breakpoint
CREATE INDEX "failure_cases_council_id_response_id_index" ON "failure_cases" USING btree ("council_id","response_id");--> statement-breakpoint
CREATE UNIQUE INDEX "failure_responses_one_per_event" ON "failure_responses" USING btree ("market_event_id") WHERE "failure_responses"."market_event_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "failure_responses_one_per_place_at_risk" ON "failure_responses" USING btree ("council_id","provider_organisation_id",coalesce("location_id", 0)) WHERE "failure_responses"."market_event_id" is null;--> statement-breakpoint
CREATE INDEX "failure_responses_council_id_opened_at_index" ON "failure_responses" USING btree ("council_id","opened_at");