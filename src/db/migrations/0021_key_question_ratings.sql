CREATE TABLE "location_key_question_ratings" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "location_key_question_ratings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"location_id" integer NOT NULL,
	"key_question" text NOT NULL,
	"rating" text NOT NULL,
	"rated_on" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "location_key_question_ratings_locationId_keyQuestion_ratedOn_unique" UNIQUE("location_id","key_question","rated_on"),
	CONSTRAINT "location_key_question_ratings_key_question_valid" CHECK ("location_key_question_ratings"."key_question" in ('safe', 'effective', 'caring', 'responsive', 'well_led')),
	CONSTRAINT "location_key_question_ratings_rating_valid" CHECK ("location_key_question_ratings"."rating" in ('Outstanding', 'Good', 'Requires improvement', 'Inadequate'))
);
--> statement-breakpoint
ALTER TABLE "location_key_question_ratings" ADD CONSTRAINT "location_key_question_ratings_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "location_key_question_ratings" ADD CONSTRAINT "location_key_question_ratings_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "location_key_question_ratings_council_id_location_id_index" ON "location_key_question_ratings" USING btree ("council_id","location_id");