// Requests close by themselves at their deadline (DOMAIN.md §6). Deadlines live in the database,
// not in timers, so they survive restarts: each run closes every published request whose deadline
// has passed, including those that passed while the service was down. Several instances may run
// at once: a request is closed by a conditional update on its version, so exactly one of them
// closes it and the others skip it. src/scheduler.ts runs it with the other time-driven jobs.
// A close is stamped with the run's time, which is at or after the deadline: offers are refused from
// the deadline on by the clock that stamps them, so every offer is earlier than the close.
import { and, asc, eq, gt, lte } from 'drizzle-orm'
import type { Database } from '../db/connection.ts'
import { ConflictError } from '../errors.ts'
import { transitionRequest } from './requests/service.ts'
import { lockRequestRow } from './requests/store.ts'
import { sourcingRequests } from './schema.ts'

const SCHEDULER = { kind: 'system', label: 'deadline scheduler' } as const
const BATCH = 200
export const DEADLINE_REASON = 'The deadline for offers passed'

export interface CloseDueResult {
  /** Requests this run closed. */
  closed: { councilId: number; requestId: number }[]
  /** Due requests someone else closed (or changed) first. */
  skipped: number
}

/** Closes every published request whose deadline is at or before `now`, each in its own transaction. */
export async function closeDueRequests(db: Database, now: Date = new Date()): Promise<CloseDueResult> {
  const result: CloseDueResult = { closed: [], skipped: 0 }
  let afterId = 0
  for (;;) {
    const due = await db
      .select({ id: sourcingRequests.id, councilId: sourcingRequests.councilId })
      .from(sourcingRequests)
      .where(
        and(
          eq(sourcingRequests.status, 'published'),
          lte(sourcingRequests.deadlineAt, now),
          gt(sourcingRequests.id, afterId),
        ),
      )
      .orderBy(asc(sourcingRequests.id))
      .limit(BATCH)
    for (const { id, councilId } of due) {
      afterId = id
      try {
        const closed = await db.transaction(async (tx) => {
          const row = await lockRequestRow(tx, councilId, id)
          if (row?.status !== 'published' || !row.deadlineAt || row.deadlineAt > now) return false
          await transitionRequest(tx, row, 'close', SCHEDULER, {
            now,
            reason: DEADLINE_REASON,
            set: { closedAt: now },
            details: { deadlineAt: row.deadlineAt.toISOString() },
          })
          return true
        })
        if (closed) result.closed.push({ councilId, requestId: id })
        else result.skipped++
      } catch (error) {
        // Another instance (or a broker) got there first: the request is closed either way.
        if (error instanceof ConflictError) result.skipped++
        else throw error
      }
    }
    if (due.length < BATCH) return result
  }
}
