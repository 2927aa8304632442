import { sql } from 'drizzle-orm'
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { councilKey } from '../accounts/keys.ts'

/** Where a council's case system wants to hear about its requests and packages. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    url: text().notNull(),
    /** Signs each delivery (HMAC-SHA256); the receiver holds the same secret. */
    secret: text().notNull(),
    eventTypes: text().array().notNull().default(sql`'{}'`),
    description: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdBy: text().notNull(),
  },
  (t) => [index().on(t.councilId)],
)

/**
 * One event for one endpoint, written in the same transaction as the change it tells of (the
 * outbox), and delivered by the sender job. The body is kept as sent, so a delivery sent again is
 * byte for byte the same event with the same ID.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    endpointId: integer()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid().notNull(),
    eventType: text().notNull(),
    payload: jsonb().notNull(),
    /** pending, delivered or failed. */
    status: text().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** After this, a failure is final: retries last 24 hours from the event (or from "Send again"). */
    retryUntil: timestamp({ withTimezone: true }).notNull(),
    /** A short outcome of the last attempt ("HTTP 500", "timed out"), never the response body. */
    lastOutcome: text(),
    lastResponseStatus: integer(),
    lastAttemptAt: timestamp({ withTimezone: true }),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex().on(t.endpointId, t.eventId),
    index().on(t.status, t.nextAttemptAt),
    index().on(t.endpointId, t.id),
  ],
)
