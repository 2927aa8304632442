import { bigint, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { councilKey } from '../accounts/keys.ts'

/**
 * Every email Caremarket sends is first written here, in the same transaction as the change that
 * caused it. A sender delivers it over SMTP when SMTP is configured; without SMTP the outbox is
 * the mail log people read in the UI.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    kind: text().notNull(),
    toAddress: text().notNull(),
    subject: text().notNull(),
    bodyText: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp({ withTimezone: true }),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
  },
  (t) => [index().on(t.councilId, t.createdAt), index().on(t.sentAt, t.nextAttemptAt)],
)
