DROP INDEX "locations_active_latitude";--> statement-breakpoint
CREATE INDEX "locations_active_position" ON "locations" USING gist (point("longitude", "latitude")) WHERE "locations"."active";--> statement-breakpoint
CREATE INDEX "locations_active_unplaced" ON "locations" USING btree ("council_id") WHERE "locations"."active" and ("locations"."latitude" is null or "locations"."longitude" is null);