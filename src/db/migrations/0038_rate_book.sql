CREATE TABLE "fee_rates" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fee_rates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"service_type" text NOT NULL,
	"client_group" text NOT NULL,
	"band" text NOT NULL,
	"locality_id" integer,
	"price_pence" integer NOT NULL,
	"effective_from" date NOT NULL,
	"effective_to" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fee_rates_price_positive" CHECK ("fee_rates"."price_pence" > 0),
	CONSTRAINT "fee_rates_dates_in_order" CHECK ("fee_rates"."effective_to" is null or "fee_rates"."effective_to" >= "fee_rates"."effective_from"),
	CONSTRAINT "fee_rates_band" CHECK ("fee_rates"."band" in ('standard', 'enhanced', 'complex'))
);
--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "band" text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "usual_price_override_pence" integer;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "usual_price_override_reason" text;--> statement-breakpoint
ALTER TABLE "fee_rates" ADD CONSTRAINT "fee_rates_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fee_rates" ADD CONSTRAINT "fee_rates_locality_id_localities_id_fk" FOREIGN KEY ("locality_id") REFERENCES "public"."localities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fee_rates_council_id_service_type_client_group_band_index" ON "fee_rates" USING btree ("council_id","service_type","client_group","band");