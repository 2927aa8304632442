CREATE TABLE "icl_spells" (
	"council_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"on_at" timestamp with time zone NOT NULL,
	"off_at" timestamp with time zone,
	CONSTRAINT "icl_spells_request_id_on_at_pk" PRIMARY KEY("request_id","on_at")
);
--> statement-breakpoint
ALTER TABLE "icl_spells" ADD CONSTRAINT "icl_spells_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "icl_spells" ADD CONSTRAINT "icl_spells_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "icl_spells_council_id_off_at_index" ON "icl_spells" USING btree ("council_id","off_at");--> statement-breakpoint
CREATE INDEX "icl_spells_open_index" ON "icl_spells" USING btree ("council_id") WHERE "icl_spells"."off_at" is null;