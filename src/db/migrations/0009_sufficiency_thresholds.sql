ALTER TABLE "market_settings" ADD COLUMN "sufficiency_period_days" integer DEFAULT 90 NOT NULL;--> statement-breakpoint
ALTER TABLE "market_settings" ADD COLUMN "sufficiency_min_requests" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "market_settings" ADD COLUMN "sufficiency_sufficient_success_percent" integer DEFAULT 80 NOT NULL;--> statement-breakpoint
ALTER TABLE "market_settings" ADD COLUMN "sufficiency_low_success_percent" integer DEFAULT 50 NOT NULL;--> statement-breakpoint
ALTER TABLE "market_settings" ADD COLUMN "sufficiency_sufficient_median_days" integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE "market_settings" ADD COLUMN "sufficiency_low_median_days" integer DEFAULT 21 NOT NULL;--> statement-breakpoint
ALTER TABLE "market_settings" ADD CONSTRAINT "market_settings_sufficiency_valid" CHECK ("market_settings"."sufficiency_period_days" between 7 and 730 and "market_settings"."sufficiency_min_requests" between 1 and 100
        and "market_settings"."sufficiency_low_success_percent" between 0 and 100 and "market_settings"."sufficiency_sufficient_success_percent" between 1 and 100
        and "market_settings"."sufficiency_low_success_percent" < "market_settings"."sufficiency_sufficient_success_percent"
        and "market_settings"."sufficiency_sufficient_median_days" between 0 and 365 and "market_settings"."sufficiency_low_median_days" between 1 and 365
        and "market_settings"."sufficiency_sufficient_median_days" < "market_settings"."sufficiency_low_median_days");