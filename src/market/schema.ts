import { sql } from 'drizzle-orm'
import { date, doublePrecision, integer, jsonb, pgTable, primaryKey, timestamp } from 'drizzle-orm/pg-core'
import { councils } from '../accounts/schema.ts'
import type { IclBreakdowns } from './icl/rules.ts'

/**
 * The Interim Care List as it stood at the end of each London date, append-only. The key makes a
 * day's snapshot impossible to take twice, however many instances try.
 */
export const iclSnapshots = pgTable(
  'icl_snapshots',
  {
    councilId: integer()
      .notNull()
      .references(() => councils.id),
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
