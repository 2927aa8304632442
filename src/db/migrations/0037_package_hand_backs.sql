CREATE TABLE "package_hand_backs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "package_hand_backs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"package_id" integer NOT NULL,
	"request_id" integer NOT NULL,
	"provider_organisation_id" integer NOT NULL,
	"reason" text NOT NULL,
	"last_day" date NOT NULL,
	"notice_days" integer NOT NULL,
	"short_notice_reason" text,
	"resourcing_request_id" integer,
	"resourced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "package_hand_backs_packageId_unique" UNIQUE("package_id")
);
--> statement-breakpoint
ALTER TABLE "package_hand_backs" ADD CONSTRAINT "package_hand_backs_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_hand_backs" ADD CONSTRAINT "package_hand_backs_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_hand_backs" ADD CONSTRAINT "package_hand_backs_request_id_sourcing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_hand_backs" ADD CONSTRAINT "package_hand_backs_provider_organisation_id_provider_organisations_id_fk" FOREIGN KEY ("provider_organisation_id") REFERENCES "public"."provider_organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_hand_backs" ADD CONSTRAINT "package_hand_backs_resourcing_request_id_sourcing_requests_id_fk" FOREIGN KEY ("resourcing_request_id") REFERENCES "public"."sourcing_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "package_hand_backs_council_id_last_day_index" ON "package_hand_backs" USING btree ("council_id","last_day");