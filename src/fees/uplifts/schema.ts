import { sql } from 'drizzle-orm'
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
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
