CREATE TABLE "page_visits" (
	"user_id" integer NOT NULL,
	"council_id" integer NOT NULL,
	"page" text NOT NULL,
	"visited_at" timestamp with time zone NOT NULL,
	CONSTRAINT "page_visits_user_id_page_pk" PRIMARY KEY("user_id","page")
);
--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "assigned_broker_id" integer;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD COLUMN "assigned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "page_visits" ADD CONSTRAINT "page_visits_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "page_visits" ADD CONSTRAINT "page_visits_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sourcing_requests" ADD CONSTRAINT "sourcing_requests_assigned_broker_id_users_id_fk" FOREIGN KEY ("assigned_broker_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sourcing_requests_assigned_broker" ON "sourcing_requests" USING btree ("council_id","assigned_broker_id");