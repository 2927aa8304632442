CREATE TABLE "notification_preferences" (
	"council_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text NOT NULL,
	"delivery" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_preferences_user_id_kind_pk" PRIMARY KEY("user_id","kind"),
	CONSTRAINT "notification_preferences_delivery_valid" CHECK ("notification_preferences"."delivery" in ('immediate', 'digest', 'off'))
);
--> statement-breakpoint
CREATE TABLE "staff_notifications" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "staff_notifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"council_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"kind" text NOT NULL,
	"request_id" integer,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"link" text NOT NULL,
	"email" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	"digested_at" timestamp with time zone,
	"once_key" text,
	CONSTRAINT "staff_notifications_email_valid" CHECK ("staff_notifications"."email" in ('immediate', 'digest', 'none'))
);
--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_notifications" ADD CONSTRAINT "staff_notifications_council_id_councils_id_fk" FOREIGN KEY ("council_id") REFERENCES "public"."councils"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_notifications" ADD CONSTRAINT "staff_notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "staff_notifications_user_id_id_index" ON "staff_notifications" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "staff_notifications_request_id_kind_index" ON "staff_notifications" USING btree ("request_id","kind");--> statement-breakpoint
CREATE INDEX "staff_notifications_unread" ON "staff_notifications" USING btree ("user_id") WHERE "staff_notifications"."read_at" is null;--> statement-breakpoint
CREATE INDEX "staff_notifications_digest_due" ON "staff_notifications" USING btree ("created_at") WHERE "staff_notifications"."email" = 'digest' and "staff_notifications"."digested_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "staff_notifications_once" ON "staff_notifications" USING btree ("user_id","once_key");