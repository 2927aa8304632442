import { sql } from 'drizzle-orm'
import { check, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { councilKey, userKey } from '../../accounts/keys.ts'
import { locationKey, providerOrganisationKey } from '../../providers/keys.ts'

/**
 * A provider's cost return: what one location's care costs it in a financial year (`year`, the
 * year it starts), line by line as the fair cost of care exercise asks, in pence per resident a
 * week (care homes) or per contact hour (home care). One per location and year: a resubmission
 * replaces it (src/fees/costs/service.ts), and the audit log keeps what it replaced.
 */
export const costReturns = pgTable(
  'cost_returns',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    locationId: integer().notNull().references(locationKey),
    year: integer().notNull(),
    /** older-people-residential, older-people-nursing or home-support */
    sector: text().notNull(),
    /** The care worker's hourly wage: given for home care, optional for care homes. */
    hourlyWagePence: integer(),
    /** Each line of the sector, in pence: { staff: 52000, food: 4500, … } (src/fees/costs/rules.ts). */
    lines: jsonb().$type<Record<string, number>>().notNull(),
    totalPence: integer().notNull(),
    submittedBy: integer().references(userKey),
    submittedByName: text().notNull(),
    submittedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.councilId, t.locationId, t.year),
    check(
      'cost_returns_sector',
      sql`${t.sector} in ('older-people-residential', 'older-people-nursing', 'home-support')`,
    ),
    check('cost_returns_total_positive', sql`${t.totalPence} > 0`),
    check('cost_returns_wage_not_negative', sql`${t.hourlyWagePence} is null or ${t.hourlyWagePence} >= 0`),
  ],
)
