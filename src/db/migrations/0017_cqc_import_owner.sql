ALTER TABLE "cqc_imports" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "cqc_imports" ADD COLUMN "heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL;