CREATE TABLE "market_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "market_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"kind" text NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"location_id" integer,
	"occurred_on" date NOT NULL,
	"beds_lost" integer DEFAULT 0 NOT NULL,
	"beds_gained" integer DEFAULT 0 NOT NULL,
	"home_care_minutes_lost" integer DEFAULT 0 NOT NULL,
	"home_care_minutes_gained" integer DEFAULT 0 NOT NULL,
	"people_affected" integer DEFAULT 0 NOT NULL,
	"people_counted" integer,
	"extra_cost_pence" bigint,
	"notes" text DEFAULT '' NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"cqc_import_id" integer,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"recorded_by" text NOT NULL,
	"updated_at" timestamp with time zone,
	"updated_by" text,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" text,
	"withdraw_reason" text,
	CONSTRAINT "market_events_kind_valid" CHECK ("market_events"."kind" in ('provider_exit', 'closure', 'deregistration', 'opening', 'capacity_change')),
	CONSTRAINT "market_events_exit_has_no_location" CHECK (("market_events"."kind" = 'provider_exit') = ("market_events"."location_id" is null)),
	CONSTRAINT "market_events_figures_non_negative" CHECK ("market_events"."beds_lost" >= 0 and "market_events"."beds_gained" >= 0 and "market_events"."home_care_minutes_lost" >= 0
        and "market_events"."home_care_minutes_gained" >= 0 and "market_events"."people_affected" >= 0
        and ("market_events"."people_counted" is null or "market_events"."people_counted" >= 0)
        and ("market_events"."extra_cost_pence" is null or "market_events"."extra_cost_pence" >= 0)),
	CONSTRAINT "market_events_source_valid" CHECK ("market_events"."source" in ('manual', 'cqc_import')),
	CONSTRAINT "market_events_import_source" CHECK (("market_events"."source" = 'cqc_import') = ("market_events"."cqc_import_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "market_events" ADD CONSTRAINT "market_events_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market_events" ADD CONSTRAINT "market_events_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market_events" ADD CONSTRAINT "market_events_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market_events" ADD CONSTRAINT "market_events_cqc_import_id_cqc_imports_id_fk" FOREIGN KEY ("cqc_import_id") REFERENCES "public"."cqc_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "market_events_council_id_occurred_on_index" ON "market_events" USING btree ("council_id","occurred_on");--> statement-breakpoint
CREATE INDEX "market_events_council_id_location_id_index" ON "market_events" USING btree ("council_id","location_id");--> statement-breakpoint
CREATE UNIQUE INDEX "market_events_one_per_import_location" ON "market_events" USING btree ("cqc_import_id","location_id") WHERE "market_events"."cqc_import_id" is not null;