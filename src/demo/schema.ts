import { integer, jsonb, pgTable, timestamp } from 'drizzle-orm/pg-core'
import { councilKey } from '../accounts/keys.ts'

/**
 * The history a demo council is given on its first start, written in the background once the
 * service answers: what it is (so that a later start works out the same rows), the block of ids
 * kept for it, and how far it got. A start that finds it unfinished finishes it.
 */
export const demoHistories = pgTable('demo_histories', {
  councilId: integer().primaryKey().references(councilKey),
  seed: integer().notNull(),
  weeks: integer().notNull(),
  requests: integer().notNull(),
  capacityUpdates: integer().notNull(),
  /** The history ends here: the moment the demo was created. */
  endsAt: timestamp({ withTimezone: true }).notNull(),
  /** The last id in each table before the history's own, and how many after it are kept for it. */
  firstIds: jsonb().$type<Record<string, number>>().notNull(),
  reservedIds: jsonb().$type<Record<string, number>>().notNull(),
  weeksWritten: integer().notNull().default(0),
  completedAt: timestamp({ withTimezone: true }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
