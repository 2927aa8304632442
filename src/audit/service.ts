import { and, desc, eq, lt } from 'drizzle-orm'
import type { Queryable } from '../db/connection.ts'
import { auditLog } from './schema.ts'

/**
 * Who is acting: a signed-in user, or the service itself (CLI, start-up, scheduled work). `via`
 * names the system a person acted through: their own API token, or a case-management system's
 * token acting on their behalf.
 */
export type Actor =
  | { kind: 'user'; userId: number | null; councilId: number; email: string; via?: string }
  | { kind: 'system'; label: string }

export interface AuditEntry {
  councilId: number | null
  action: string
  entityType?: string
  entityId?: string | number
  details?: Record<string, unknown>
}

/**
 * The audit columns that say who acted. Exported for a hot path that writes its change and its
 * audit row in one SQL statement (a data-modifying WITH); everything else calls recordAudit.
 */
export function actorColumns(actor: Actor | null): {
  actorUserId: number | null
  actor: string
  via: string | null
} {
  return {
    actorUserId: actor?.kind === 'user' ? actor.userId : null,
    actor: actor === null ? 'anonymous' : actor.kind === 'user' ? actor.email : actor.label,
    via: actor?.kind === 'user' ? (actor.via ?? null) : null,
  }
}

/** Appends one entry. Call it inside the same transaction as the change it records. */
export async function recordAudit(db: Queryable, actor: Actor | null, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    councilId: entry.councilId,
    ...actorColumns(actor),
    action: entry.action,
    entityType: entry.entityType ?? null,
    entityId: entry.entityId === undefined ? null : String(entry.entityId),
    details: entry.details ?? null,
  })
}

export type AuditRow = typeof auditLog.$inferSelect

/** The newest entries of one council, a page at a time (keyset pagination on id). */
export async function listAudit(
  db: Queryable,
  councilId: number,
  options: { before?: number; limit: number },
): Promise<AuditRow[]> {
  const conditions = [eq(auditLog.councilId, councilId)]
  if (options.before !== undefined) conditions.push(lt(auditLog.id, options.before))
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(options.limit)
}
