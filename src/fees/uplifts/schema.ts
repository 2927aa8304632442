import { sql } from 'drizzle-orm'
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { councilKey } from '../../accounts/keys.ts'

/**
 * Named uplift scenarios a council keeps for a financial year (`year`: the year it starts 1 April),
 * as the JSON the commissioner gave (read again by parseScenario whenever it is costed). At most
 * one of a year is chosen: the one the council decided, with why; the partial unique index holds
 * it to that whatever writes. Names are unique within a year, ignoring case.
 */
export const upliftScenarios = pgTable(
  'uplift_scenarios',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    year: integer().notNull(),
    name: text().notNull(),
    scenario: jsonb().$type<Record<string, unknown>>().notNull(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedBy: text().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** When the council chose it; null for a scenario only modelled. */
    chosenAt: timestamp({ withTimezone: true }),
    chosenBy: text(),
    /** How the uplift was decided, as published in the Market Position Statement. */
    rationale: text(),
  },
  (t) => [
    index().on(t.councilId, t.year),
    uniqueIndex('uplift_scenarios_name_unique').on(t.councilId, t.year, sql`lower(${t.name})`),
    uniqueIndex('uplift_scenarios_one_chosen').on(t.councilId, t.year).where(sql`${t.chosenAt} is not null`),
    check('uplift_scenarios_name_length', sql`length(${t.name}) between 1 and 100`),
    check('uplift_scenarios_chosen_with_rationale', sql`(${t.chosenAt} is null) = (${t.rationale} is null)`),
  ],
)

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
