// What other domains need to tell council staff about a request: who made it and in which team,
// how many live offers it has, and which unsourced requests are due to be tried again. Read with the
// caller's transaction, so a listener of brokerage's events sees the change it is told about.
import { and, count, eq, max, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import { offers, requestEvents, sourcingRequests } from '../schema.ts'

/** An unsourced request is due to be published again this many days after it was marked unsourced. */
const REPUBLISH_AFTER_DAYS = 7

export interface RequestNotice {
  id: number
  councilId: number
  status: string
  createdByUserId: number | null
  teamId: number | null
  /** The broker the request is assigned to, if any. */
  assignedBrokerId: number | null
  /** Live offers: made and neither withdrawn nor yet decided (an earlier round's were declined). */
  offers: number
}

/** A request's facts for a notice about it, or null when the council has no such request. */
export async function requestNotice(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<RequestNotice | null> {
  const [row] = await db
    .select({
      id: sourcingRequests.id,
      councilId: sourcingRequests.councilId,
      status: sourcingRequests.status,
      createdByUserId: sourcingRequests.createdByUserId,
      teamId: sourcingRequests.teamId,
      assignedBrokerId: sourcingRequests.assignedBrokerId,
    })
    .from(sourcingRequests)
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
  if (!row) return null
  const [offered] = await db
    .select({ n: count() })
    .from(offers)
    .where(
      and(eq(offers.councilId, councilId), eq(offers.requestId, requestId), eq(offers.status, 'submitted')),
    )
  return { ...row, offers: offered?.n ?? 0 }
}

/**
 * Every unsourced request, across councils, whose republish date has come: REPUBLISH_AFTER_DAYS
 * after it was last marked unsourced. `unsourcedAt` tells one unsourced spell from the next.
 */
export async function listRepublishDue(
  db: Queryable,
  now: Date,
): Promise<{ councilId: number; requestId: number; unsourcedAt: Date; dueAt: Date }[]> {
  const unsourcedAt = max(requestEvents.at)
  const rows = await db
    .select({ councilId: sourcingRequests.councilId, requestId: sourcingRequests.id, unsourcedAt })
    .from(sourcingRequests)
    .innerJoin(
      requestEvents,
      and(
        eq(requestEvents.councilId, sourcingRequests.councilId),
        eq(requestEvents.requestId, sourcingRequests.id),
        eq(requestEvents.toStatus, 'unsourced'),
      ),
    )
    .where(eq(sourcingRequests.status, 'unsourced'))
    .groupBy(sourcingRequests.councilId, sourcingRequests.id)
    .having(
      sql`${unsourcedAt} + make_interval(days => ${REPUBLISH_AFTER_DAYS}) <= ${now.toISOString()}::timestamptz`,
    )
    .orderBy(sourcingRequests.councilId, sourcingRequests.id)
  return rows.flatMap((r) => {
    if (!r.unsourcedAt) return []
    const at = new Date(r.unsourcedAt)
    return [{ ...r, unsourcedAt: at, dueAt: new Date(at.getTime() + REPUBLISH_AFTER_DAYS * 86_400_000) }]
  })
}
