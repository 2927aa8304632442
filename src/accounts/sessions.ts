// A person's own sessions: which devices are signed in, and signing out of all of them.
import { and, desc, eq, gt } from 'drizzle-orm'
import { recordAudit } from '../audit/service.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { sessions } from './schema.ts'
import { actorOf, hashToken, type SessionPolicy, type SessionUser } from './service.ts'

export interface SessionSummary {
  startedAt: Date
  lastSeenAt: Date
  userAgent: string | null
  ipAddress: string | null
  /** The session this request came with. */
  current: boolean
}

/** The user's live sessions, the most recently used first. */
export async function listSessions(
  db: Queryable,
  user: SessionUser,
  currentToken: string | null,
  policy: SessionPolicy,
): Promise<SessionSummary[]> {
  const now = Date.now()
  const currentHash = currentToken ? hashToken(currentToken) : null
  const rows = await db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, user.id),
        gt(sessions.expiresAt, new Date(now)),
        gt(sessions.lastSeenAt, new Date(now - policy.idleMinutes * 60_000)),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt))
  return rows.map((row) => ({
    startedAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    userAgent: row.userAgent,
    ipAddress: row.ipAddress,
    current: row.tokenHash === currentHash,
  }))
}

/** Signs the user out everywhere, this session included. */
export async function endAllSessions(db: Database, user: SessionUser): Promise<number> {
  return db.transaction(async (tx) => {
    const ended = await tx
      .delete(sessions)
      .where(eq(sessions.userId, user.id))
      .returning({ tokenHash: sessions.tokenHash })
    await recordAudit(tx, actorOf(user), {
      councilId: user.councilId,
      action: 'sign_out.everywhere',
      entityType: 'user',
      entityId: user.id,
      details: { sessionsEnded: ended.length },
    })
    return ended.length
  })
}
