CREATE TABLE "cost_returns" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cost_returns_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"year" integer NOT NULL,
	"sector" text NOT NULL,
	"hourly_wage_pence" integer,
	"lines" jsonb NOT NULL,
	"total_pence" integer NOT NULL,
	"submitted_by" integer,
	"submitted_by_name" text NOT NULL,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_returns_councilId_locationId_year_unique" UNIQUE("council_id","location_id","year"),
	CONSTRAINT "cost_returns_sector" CHECK ("cost_returns"."sector" in ('older-people-residential', 'older-people-nursing', 'home-support')),
	CONSTRAINT "cost_returns_total_positive" CHECK ("cost_returns"."total_pence" > 0),
	CONSTRAINT "cost_returns_wage_not_negative" CHECK ("cost_returns"."hourly_wage_pence" is null or "cost_returns"."hourly_wage_pence" >= 0)
);
--> statement-breakpoint
ALTER TABLE "cost_returns" ADD CONSTRAINT "cost_returns_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_returns" ADD CONSTRAINT "cost_returns_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_returns" ADD CONSTRAINT "cost_returns_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_returns" ADD CONSTRAINT "cost_returns_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;