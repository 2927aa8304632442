CREATE TABLE "uplift_scenarios" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "uplift_scenarios_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"year" integer NOT NULL,
	"name" text NOT NULL,
	"scenario" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"chosen_at" timestamp with time zone,
	"chosen_by" text,
	"rationale" text,
	CONSTRAINT "uplift_scenarios_name_length" CHECK (length("uplift_scenarios"."name") between 1 and 100),
	CONSTRAINT "uplift_scenarios_chosen_with_rationale" CHECK (("uplift_scenarios"."chosen_at" is null) = ("uplift_scenarios"."rationale" is null))
);
--> statement-breakpoint
ALTER TABLE "uplift_scenarios" ADD CONSTRAINT "uplift_scenarios_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "uplift_scenarios_council_id_year_index" ON "uplift_scenarios" USING btree ("council_id","year");--> statement-breakpoint
CREATE UNIQUE INDEX "uplift_scenarios_name_unique" ON "uplift_scenarios" USING btree ("council_id","year",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "uplift_scenarios_one_chosen" ON "uplift_scenarios" USING btree ("council_id","year") WHERE "uplift_scenarios"."chosen_at" is not null;