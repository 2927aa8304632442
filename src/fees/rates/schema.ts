import { sql } from 'drizzle-orm'
import { check, date, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { councilKey } from '../../accounts/keys.ts'
import { localities } from '../../geography/schema.ts'

/**
 * The council's rate book: the usual price it pays for a service type, client group and band,
 * council-wide (no locality) or in one locality, from one date to another (both inclusive; an open
 * end while effectiveTo is null). Rates of the same key never overlap in time (src/fees/rates/service.ts).
 * The price is in pence, in the service type's unit: a week in care homes, an hour of home care or
 * supported living, a session of day services.
 */
export const feeRates = pgTable(
  'fee_rates',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    serviceType: text().notNull(),
    clientGroup: text().notNull(),
    /** standard, enhanced or complex */
    band: text().notNull(),
    localityId: integer().references(() => localities.id),
    pricePence: integer().notNull(),
    effectiveFrom: date().notNull(),
    effectiveTo: date(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.councilId, t.serviceType, t.clientGroup, t.band),
    check('fee_rates_price_positive', sql`${t.pricePence} > 0`),
    check(
      'fee_rates_dates_in_order',
      sql`${t.effectiveTo} is null or ${t.effectiveTo} >= ${t.effectiveFrom}`,
    ),
    check('fee_rates_band', sql`${t.band} in ('standard', 'enhanced', 'complex')`),
  ],
)
