import { sql } from 'drizzle-orm'
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { councilKey, userKey } from '../accounts/keys.ts'

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

/**
 * Council staff's in-app inbox: one row for each person told of something (a request submitted,
 * closed, awarded …). Subject and body name the request by its reference, never the person. How
 * the row was emailed is kept with it: at once, in the next daily digest (until `digestedAt`), or not.
 */
export const staffNotifications = pgTable(
  'staff_notifications',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    userId: integer().notNull().references(userKey),
    kind: text().notNull(),
    requestId: integer(),
    subject: text().notNull(),
    body: text().notNull(),
    /** A path in Caremarket ("/requests/12"), where the person acts on it. */
    link: text().notNull(),
    /** immediate, digest or none: how it was emailed, chosen by the person's preference for its kind. */
    email: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp({ withTimezone: true }),
    digestedAt: timestamp({ withTimezone: true }),
    /** Set for a notice that must be given once only (a republish falling due), unique per person. */
    onceKey: text(),
  },
  (t) => [
    index().on(t.userId, t.id),
    index().on(t.requestId, t.kind),
    index('staff_notifications_unread').on(t.userId).where(sql`${t.readAt} is null`),
    index('staff_notifications_digest_due')
      .on(t.createdAt)
      .where(sql`${t.email} = 'digest' and ${t.digestedAt} is null`),
    uniqueIndex('staff_notifications_once').on(t.userId, t.onceKey),
    check('staff_notifications_email_valid', sql`${t.email} in ('immediate', 'digest', 'none')`),
  ],
)

/** Each person's choice, for each kind of notification, of how to be told; a kind not here takes its default. */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    councilId: integer().notNull().references(councilKey),
    userId: integer().notNull().references(userKey),
    kind: text().notNull(),
    /** immediate, digest or off. */
    delivery: text().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.kind] }),
    check('notification_preferences_delivery_valid', sql`${t.delivery} in ('immediate', 'digest', 'off')`),
  ],
)
