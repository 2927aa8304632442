ALTER TABLE "users" DROP CONSTRAINT "users_email_unique";--> statement-breakpoint
DROP INDEX "users_council_id_index";--> statement-breakpoint
CREATE UNIQUE INDEX "users_council_id_email_index" ON "users" USING btree ("council_id","email");--> statement-breakpoint
CREATE INDEX "users_email_index" ON "users" USING btree ("email");