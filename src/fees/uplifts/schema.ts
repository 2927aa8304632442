import { sql } from 'drizzle-orm'
import { bigint, check, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { councilKey } from '../../accounts/keys.ts'

/**
 * A fee uplift the council applied: once a financial year (from 1 April `year`), with the scenario
 * it applied and what it changed. Its package price changes are brokerage's (package_price_changes,
 * change_ref fee-uplift/<year>); its new rates are rows of fee_rates from 1 April.
 */
export const feeUpliftApplications = pgTable(
  'fee_uplift_applications',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    year: integer().notNull(),
    /** The scenario as given (JSON), which rules.ts parseScenario reads. */
    scenario: jsonb().$type<Record<string, unknown>>().notNull(),
    packagesChanged: integer().notNull(),
    ratesAdded: integer().notNull(),
    providersWritten: integer().notNull(),
    /** The year's cost of the packages changed, before and after, pro rata from their effective dates. */
    annualCostBeforePence: bigint({ mode: 'number' }).notNull(),
    annualCostAfterPence: bigint({ mode: 'number' }).notNull(),
    appliedBy: text().notNull(),
    appliedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('fee_uplift_applications_once_a_year').on(t.councilId, t.year),
    check('fee_uplift_applications_counts', sql`${t.packagesChanged} >= 0 and ${t.ratesAdded} >= 0`),
  ],
)
