import { sql } from 'drizzle-orm'
import {
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core'
import { councilKey } from '../accounts/keys.ts'
import { requestKey } from '../brokerage/keys.ts'
import type { IclBreakdowns } from './icl/rules.ts'

/**
 * The Interim Care List as it stood at the end of each London date, append-only. The key makes a
 * day's snapshot impossible to take twice, however many instances try.
 */
export const iclSnapshots = pgTable(
  'icl_snapshots',
  {
    councilId: integer().notNull().references(councilKey),
    date: date().notNull(),
    people: integer().notNull(),
    unfilledMinutesPerWeek: integer().notNull(),
    meanDaysWaiting: doublePrecision(),
    medianDaysWaiting: doublePrecision(),
    /** People who came onto the list during the date, and who left it. */
    added: integer().notNull(),
    removed: integer().notNull(),
    breakdowns: jsonb().$type<IclBreakdowns>().notNull().default(sql`'{}'::jsonb`),
    takenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.councilId, t.date] })],
)

/**
 * Each stretch of time a request kept its person on the Interim Care List, from `onAt` until
 * `offAt` (null while still on it): a rollup of the request's history by the list's rules
 * (listIntervals), rewritten in the same transaction as every change that can move it. It lets a
 * period's list read only the requests on it during the period.
 */
export const iclSpells = pgTable(
  'icl_spells',
  {
    councilId: integer().notNull().references(councilKey),
    requestId: integer().notNull().references(requestKey),
    onAt: timestamp({ withTimezone: true }).notNull(),
    offAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.onAt] }),
    index().on(t.councilId, t.offAt),
    index('icl_spells_open_index').on(t.councilId).where(sql`${t.offAt} is null`),
  ],
)

/**
 * Councils whose spells are still to be made from their history: every council there was when
 * icl_spells was added (the migration lists them). Each is rebuilt the first time its list is
 * read, and its row removed in the same transaction; a council made later keeps its spells from
 * its first request.
 */
export const iclSpellsPending = pgTable('icl_spells_pending', {
  councilId: integer().primaryKey().references(councilKey),
})

/** The council's Market Position Statement settings; a council without a row uses the defaults. */
export const marketSettings = pgTable(
  'market_settings',
  {
    councilId: integer().primaryKey().references(councilKey),
    /** Published counts below this are shown as "fewer than N". */
    suppressionThreshold: integer().notNull().default(5),
    // PCN sufficiency thresholds (src/market/sufficiency/rules.ts explains each).
    sufficiencyPeriodDays: integer().notNull().default(90),
    sufficiencyMinRequests: integer().notNull().default(5),
    sufficiencySufficientSuccessPercent: integer().notNull().default(80),
    sufficiencyLowSuccessPercent: integer().notNull().default(50),
    sufficiencySufficientMedianDays: integer().notNull().default(7),
    sufficiencyLowMedianDays: integer().notNull().default(21),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedBy: text(),
  },
  (t) => [
    check('market_settings_threshold_valid', sql`${t.suppressionThreshold} between 2 and 100`),
    check(
      'market_settings_sufficiency_valid',
      sql`${t.sufficiencyPeriodDays} between 7 and 730 and ${t.sufficiencyMinRequests} between 1 and 100
        and ${t.sufficiencyLowSuccessPercent} between 0 and 100 and ${t.sufficiencySufficientSuccessPercent} between 1 and 100
        and ${t.sufficiencyLowSuccessPercent} < ${t.sufficiencySufficientSuccessPercent}
        and ${t.sufficiencySufficientMedianDays} between 0 and 365 and ${t.sufficiencyLowMedianDays} between 1 and 365
        and ${t.sufficiencySufficientMedianDays} < ${t.sufficiencyLowMedianDays}`,
    ),
  ],
)

/** Commissioners' narrative for one sector of the Market Position Statement, in Markdown. */
export const mpsNarratives = pgTable(
  'mps_narratives',
  {
    councilId: integer().notNull().references(councilKey),
    sector: text().notNull(),
    supplyAndDemand: text().notNull().default(''),
    commissioningIntentions: text().notNull().default(''),
    messagesToProviders: text().notNull().default(''),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedBy: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.councilId, t.sector] })],
)

export * from './events/schema.ts'
export * from './failures/schema.ts'
export * from './insights/schema.ts'
