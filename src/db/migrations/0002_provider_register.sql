CREATE TABLE "api_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"role" text NOT NULL,
	"provider_organisation_id" integer,
	"created_by_user_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_tokenHash_unique" UNIQUE("token_hash"),
	CONSTRAINT "api_tokens_provider_scope" CHECK (("api_tokens"."role" = 'provider_user') = ("api_tokens"."provider_organisation_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "bed_vacancy_reports" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "bed_vacancy_reports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"bed_type" text NOT NULL,
	"vacancies" integer NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reported_by" text NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "bed_vacancy_reports_non_negative" CHECK ("bed_vacancy_reports"."vacancies" >= 0),
	CONSTRAINT "bed_vacancy_reports_source_valid" CHECK ("bed_vacancy_reports"."source" in ('web', 'csv', 'api'))
);
--> statement-breakpoint
CREATE TABLE "cqc_imports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cqc_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"file_name" text NOT NULL,
	"format" text,
	"full" boolean DEFAULT false NOT NULL,
	"local_authority" text,
	"status" text DEFAULT 'running' NOT NULL,
	"bytes_total" bigint,
	"bytes_read" bigint DEFAULT 0 NOT NULL,
	"added" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"deactivated" integer DEFAULT 0 NOT NULL,
	"rejected" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"started_by" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "cqc_imports_status_valid" CHECK ("cqc_imports"."status" in ('running', 'completed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "framework_lots" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "framework_lots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"name" text NOT NULL,
	"procurement" text NOT NULL,
	"service_type" text,
	"description" text DEFAULT '' NOT NULL,
	"questions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"opens_on" date NOT NULL,
	"closes_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "framework_lots_councilId_name_unique" UNIQUE("council_id","name"),
	CONSTRAINT "framework_lots_procurement_valid" CHECK ("framework_lots"."procurement" in ('framework', 'dps'))
);
--> statement-breakpoint
CREATE TABLE "home_care_capacity_reports" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "home_care_capacity_reports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"outcode" text NOT NULL,
	"spare_minutes_per_week" integer NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reported_by" text NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "home_care_capacity_non_negative" CHECK ("home_care_capacity_reports"."spare_minutes_per_week" >= 0),
	CONSTRAINT "home_care_capacity_source_valid" CHECK ("home_care_capacity_reports"."source" in ('web', 'csv', 'api'))
);
--> statement-breakpoint
CREATE TABLE "location_coverage" (
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"outcode" text NOT NULL,
	CONSTRAINT "location_coverage_locationId_outcode_unique" UNIQUE("location_id","outcode")
);
--> statement-breakpoint
CREATE TABLE "location_ratings" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "location_ratings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"source" text NOT NULL,
	"rating" text NOT NULL,
	"rated_on" date NOT NULL,
	"reference" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "location_ratings_locationId_source_ratedOn_unique" UNIQUE("location_id","source","rated_on"),
	CONSTRAINT "location_ratings_source_valid" CHECK ("location_ratings"."source" in ('cqc', 'pamms')),
	CONSTRAINT "location_ratings_rating_valid" CHECK ("location_ratings"."rating" in ('Outstanding', 'Good', 'Requires improvement', 'Inadequate'))
);
--> statement-breakpoint
CREATE TABLE "lot_membership_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lot_membership_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"membership_id" integer NOT NULL,
	"status" text NOT NULL,
	"effective_on" date NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lot_memberships" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lot_memberships_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"lot_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"status" text NOT NULL,
	"answers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lot_memberships_lotId_locationId_unique" UNIQUE("lot_id","location_id"),
	CONSTRAINT "lot_memberships_status_valid" CHECK ("lot_memberships"."status" in ('applied', 'admitted', 'rejected', 'suspended', 'removed'))
);
--> statement-breakpoint
CREATE TABLE "provider_contacts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "provider_contacts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"name" text NOT NULL,
	"job_title" text,
	"email" text,
	"phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "restrictions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "restrictions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"kind" text NOT NULL,
	"monthly_limit" integer,
	"starts_on" date NOT NULL,
	"ends_on" date,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"lifted_at" timestamp with time zone,
	"lifted_by" text,
	"lift_reason" text,
	CONSTRAINT "restrictions_kind_valid" CHECK ("restrictions"."kind" in ('contact_quality_team', 'placement_limit', 'no_new_placements')),
	CONSTRAINT "restrictions_limit_only_for_limits" CHECK (("restrictions"."kind" = 'placement_limit') = ("restrictions"."monthly_limit" is not null) and ("restrictions"."monthly_limit" is null or "restrictions"."monthly_limit" >= 0)),
	CONSTRAINT "restrictions_dates_ordered" CHECK ("restrictions"."ends_on" is null or "restrictions"."ends_on" >= "restrictions"."starts_on")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"kind" text NOT NULL,
	"to_address" text NOT NULL,
	"subject" text NOT NULL,
	"body_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "geo_source" text;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "languages" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "male_care_workers" boolean;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "female_care_workers" boolean;--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "deactivated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bed_vacancy_reports" ADD CONSTRAINT "bed_vacancy_reports_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bed_vacancy_reports" ADD CONSTRAINT "bed_vacancy_reports_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cqc_imports" ADD CONSTRAINT "cqc_imports_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "framework_lots" ADD CONSTRAINT "framework_lots_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "home_care_capacity_reports" ADD CONSTRAINT "home_care_capacity_reports_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "home_care_capacity_reports" ADD CONSTRAINT "home_care_capacity_reports_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_coverage" ADD CONSTRAINT "location_coverage_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_coverage" ADD CONSTRAINT "location_coverage_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_ratings" ADD CONSTRAINT "location_ratings_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_ratings" ADD CONSTRAINT "location_ratings_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_membership_events" ADD CONSTRAINT "lot_membership_events_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_membership_events" ADD CONSTRAINT "lot_membership_events_membership_id_lot_memberships_id_fk" FOREIGN KEY ("membership_id") REFERENCES "public"."lot_memberships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_memberships" ADD CONSTRAINT "lot_memberships_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_memberships" ADD CONSTRAINT "lot_memberships_lot_id_framework_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."framework_lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lot_memberships" ADD CONSTRAINT "lot_memberships_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_contacts" ADD CONSTRAINT "provider_contacts_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_contacts" ADD CONSTRAINT "provider_contacts_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restrictions" ADD CONSTRAINT "restrictions_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restrictions" ADD CONSTRAINT "restrictions_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_council_id_index" ON "api_tokens" USING btree ("council_id");--> statement-breakpoint
CREATE INDEX "bed_vacancy_reports_council_id_location_id_reported_at_index" ON "bed_vacancy_reports" USING btree ("council_id","location_id","reported_at");--> statement-breakpoint
CREATE INDEX "cqc_imports_council_id_started_at_index" ON "cqc_imports" USING btree ("council_id","started_at");--> statement-breakpoint
CREATE INDEX "home_care_capacity_reports_council_id_location_id_reported_at_index" ON "home_care_capacity_reports" USING btree ("council_id","location_id","reported_at");--> statement-breakpoint
CREATE INDEX "location_coverage_council_id_outcode_index" ON "location_coverage" USING btree ("council_id","outcode");--> statement-breakpoint
CREATE INDEX "location_ratings_council_id_location_id_index" ON "location_ratings" USING btree ("council_id","location_id");--> statement-breakpoint
CREATE INDEX "lot_membership_events_membership_id_effective_on_index" ON "lot_membership_events" USING btree ("membership_id","effective_on");--> statement-breakpoint
CREATE INDEX "lot_memberships_council_id_lot_id_index" ON "lot_memberships" USING btree ("council_id","lot_id");--> statement-breakpoint
CREATE INDEX "provider_contacts_council_id_provider_organisation_id_index" ON "provider_contacts" USING btree ("council_id","provider_organisation_id");--> statement-breakpoint
CREATE INDEX "restrictions_council_id_location_id_index" ON "restrictions" USING btree ("council_id","location_id");--> statement-breakpoint
CREATE INDEX "outbox_council_id_created_at_index" ON "outbox" USING btree ("council_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_sent_at_next_attempt_at_index" ON "outbox" USING btree ("sent_at","next_attempt_at");--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_geo_source_valid" CHECK ("locations"."geo_source" is null or "locations"."geo_source" in ('postcode', 'district', 'manual'));