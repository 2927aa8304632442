import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { councilKey, userKey } from '../accounts/keys.ts'

/**
 * Who did what, and when. Append-only: a trigger in the migrations refuses UPDATE and DELETE.
 * council_id is empty only for events that belong to no council (a failed sign-in by an unknown e-mail).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().references(councilKey),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    actorUserId: integer().references(userKey),
    actor: text().notNull(),
    /** The system the person acted through (an API token); null when they acted themselves. */
    via: text(),
    action: text().notNull(),
    entityType: text(),
    entityId: text(),
    details: jsonb().$type<Record<string, unknown>>(),
  },
  (t) => [index().on(t.councilId, t.at)],
)
