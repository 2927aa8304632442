CREATE TABLE "awarded_slots" (
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"slot" integer NOT NULL,
	"package_id" integer NOT NULL,
	CONSTRAINT "awarded_slots_request_id_slot_pk" PRIMARY KEY("request_id","slot")
);
--> statement-breakpoint
CREATE TABLE "bank_holidays" (
	"council_id" integer NOT NULL,
	"day" date NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "bank_holidays_council_id_day_pk" PRIMARY KEY("council_id","day")
);
--> statement-breakpoint
CREATE TABLE "council_settings" (
	"council_id" integer PRIMARY KEY NOT NULL,
	"brokerage" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "eligibility_decisions" (
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"round" integer NOT NULL,
	"location_id" integer NOT NULL,
	"eligible" boolean NOT NULL,
	"reasons" jsonb NOT NULL,
	"flags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"rank_penalty" integer DEFAULT 0 NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "eligibility_decisions_request_id_round_location_id_pk" PRIMARY KEY("request_id","round","location_id")
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "inbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"provider_organisation_id" integer,
	"user_id" integer,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"link" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "offers" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "offers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"price_pence" integer NOT NULL,
	"earliest_start" date NOT NULL,
	"meets_all_needs" boolean NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"visit_ids" integer[] DEFAULT '{}' NOT NULL,
	"status" text DEFAULT 'submitted' NOT NULL,
	"idempotency_key" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "offers_requestId_providerOrganisationId_idempotencyKey_unique" UNIQUE("request_id","provider_organisation_id","idempotency_key"),
	CONSTRAINT "offers_price_non_negative" CHECK ("offers"."price_pence" >= 0),
	CONSTRAINT "offers_status_valid" CHECK ("offers"."status" in ('submitted', 'withdrawn', 'accepted', 'declined'))
);
--> statement-breakpoint
CREATE TABLE "packages" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "packages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"offer_id" integer NOT NULL,
	"person_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"service_type" text NOT NULL,
	"agreed_price_pence" integer NOT NULL,
	"weekly_cost_pence" integer NOT NULL,
	"minutes_per_week" integer,
	"visit_ids" integer[] DEFAULT '{}' NOT NULL,
	"top_up_pence_per_week" integer,
	"above_usual_price_reason" text,
	"choice_reason" text,
	"quality_sign_off_by" text,
	"start_date" date NOT NULL,
	"end_date" date,
	"end_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "packages_prices_non_negative" CHECK ("packages"."agreed_price_pence" >= 0 and "packages"."weekly_cost_pence" >= 0)
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "people_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"name" text NOT NULL,
	"date_of_birth" date NOT NULL,
	"sex" text,
	"postcode" text NOT NULL,
	"outcode" text NOT NULL,
	"locality_id" integer,
	"pcn_area_id" integer,
	"nhs_number" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_sex_valid" CHECK ("people"."sex" is null or "people"."sex" in ('female', 'male'))
);
--> statement-breakpoint
CREATE TABLE "request_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "request_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "request_visits" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "request_visits_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"days" text[] NOT NULL,
	"window_start" text NOT NULL,
	"window_end" text NOT NULL,
	"duration_minutes" integer NOT NULL,
	"carers" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "request_visits_positive" CHECK ("request_visits"."duration_minutes" > 0 and "request_visits"."carers" between 1 and 4)
);
--> statement-breakpoint
CREATE TABLE "sourcing_requests" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sourcing_requests_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"person_id" integer NOT NULL,
	"created_by_user_id" integer,
	"service_type" text NOT NULL,
	"client_group" text NOT NULL,
	"specialisms" text[] DEFAULT '{}' NOT NULL,
	"needs_summary" text NOT NULL,
	"latitude" double precision,
	"longitude" double precision,
	"max_distance_miles" double precision NOT NULL,
	"start_date" date NOT NULL,
	"urgency" text NOT NULL,
	"emergency_hours" integer,
	"in_hospital" boolean DEFAULT false NOT NULL,
	"usual_price_pence" integer,
	"budget_pence" integer,
	"notes_for_providers" text DEFAULT '' NOT NULL,
	"carer_gender" text,
	"language" text,
	"lot_id" integer,
	"status" text DEFAULT 'draft' NOT NULL,
	"published_at" timestamp with time zone,
	"deadline_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"cancel_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sourcing_requests_urgency_valid" CHECK ("sourcing_requests"."urgency" in ('routine', 'urgent', 'emergency')),
	CONSTRAINT "sourcing_requests_status_valid" CHECK ("sourcing_requests"."status" in ('draft', 'submitted', 'published', 'closed', 'awarded', 'started', 'unsourced', 'cancelled')),
	CONSTRAINT "sourcing_requests_prices_non_negative" CHECK (coalesce("sourcing_requests"."usual_price_pence", 0) >= 0 and coalesce("sourcing_requests"."budget_pence", 0) >= 0)
);
--> statement-breakpoint
ALTER TABLE "awarded_slots" ADD CONSTRAINT "awarded_slots_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awarded_slots" ADD CONSTRAINT "awarded_slots_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "awarded_slots" ADD CONSTRAINT "awarded_slots_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_holidays" ADD CONSTRAINT "bank_holidays_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "council_settings" ADD CONSTRAINT "council_settings_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_decisions" ADD CONSTRAINT "eligibility_decisions_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_decisions" ADD CONSTRAINT "eligibility_decisions_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_decisions" ADD CONSTRAINT "eligibility_decisions_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbox" ADD CONSTRAINT "inbox_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbox" ADD CONSTRAINT "inbox_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbox" ADD CONSTRAINT "inbox_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offers" ADD CONSTRAINT "offers_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_locality_id_localities_id_fk" FOREIGN KEY ("locality_id") REFERENCES "public"."localities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_pcn_area_id_pcn_areas_id_fk" FOREIGN KEY ("pcn_area_id") REFERENCES "public"."pcn_areas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_events" ADD CONSTRAINT "request_events_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_events" ADD CONSTRAINT "request_events_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_visits" ADD CONSTRAINT "request_visits_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_visits" ADD CONSTRAINT "request_visits_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD CONSTRAINT "sourcing_requests_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD CONSTRAINT "sourcing_requests_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD CONSTRAINT "sourcing_requests_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "eligibility_decisions_council_id_location_id_index" ON "eligibility_decisions" USING btree ("council_id","location_id");--> statement-breakpoint
CREATE INDEX "inbox_council_id_provider_organisation_id_created_at_index" ON "inbox" USING btree ("council_id","provider_organisation_id","created_at");--> statement-breakpoint
CREATE INDEX "offers_request_id_index" ON "offers" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "offers_council_id_provider_organisation_id_index" ON "offers" USING btree ("council_id","provider_organisation_id");--> statement-breakpoint
CREATE INDEX "packages_council_id_provider_organisation_id_index" ON "packages" USING btree ("council_id","provider_organisation_id");--> statement-breakpoint
CREATE INDEX "packages_request_id_index" ON "packages" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "people_council_id_index" ON "people" USING btree ("council_id");--> statement-breakpoint
CREATE INDEX "request_events_request_id_at_index" ON "request_events" USING btree ("request_id","at");--> statement-breakpoint
CREATE INDEX "request_visits_request_id_index" ON "request_visits" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "sourcing_requests_council_id_status_index" ON "sourcing_requests" USING btree ("council_id","status");--> statement-breakpoint
CREATE INDEX "sourcing_requests_status_deadline_at_index" ON "sourcing_requests" USING btree ("status","deadline_at");