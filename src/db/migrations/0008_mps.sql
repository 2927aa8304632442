CREATE TABLE "market_settings" (
	"council_id" integer PRIMARY KEY NOT NULL,
	"suppression_threshold" integer DEFAULT 5 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "market_settings_threshold_valid" CHECK ("market_settings"."suppression_threshold" between 2 and 100)
);
--> statement-breakpoint
CREATE TABLE "mps_narratives" (
	"council_id" integer NOT NULL,
	"sector" text NOT NULL,
	"supply_and_demand" text DEFAULT '' NOT NULL,
	"commissioning_intentions" text DEFAULT '' NOT NULL,
	"messages_to_providers" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "mps_narratives_council_id_sector_pk" PRIMARY KEY("council_id","sector")
);
--> statement-breakpoint
ALTER TABLE "market_settings" ADD CONSTRAINT "market_settings_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mps_narratives" ADD CONSTRAINT "mps_narratives_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;