CREATE TABLE "icl_spells_pending" (
	"council_id" integer PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "icl_spells_pending" ADD CONSTRAINT "icl_spells_pending_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Every council there is now has history the spells must be made from; see src/market/schema.ts.
INSERT INTO "icl_spells_pending" ("council_id") SELECT "id" FROM "councils";