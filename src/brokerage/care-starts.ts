// Awarded requests start by themselves when their care does (DOMAIN.md §4: awarded -> started).
// As with deadlines, the start lives in the database (the packages' start dates), not in timers:
// each run starts every awarded request whose first package has started by the run's London
// calendar date, including those whose start date came while the service was down, and a request
// awarded with a start date today or in the past starts on the next run. Several instances may run
// at once: transitionRequest() updates on the request's version, so exactly one of them starts it
// and the others skip it.
//
// Home care split between providers starts when its first package starts: that is when the person
// begins to receive care. Visits still unfilled stay on the Interim Care List and may still be
// awarded (canAwardSlot() allows it once started); their packages start on their own dates.

import { and, asc, eq, exists, gt, lte, ne, sql } from 'drizzle-orm'
import type { Database, Queryable } from '../db/connection.ts'
import { ConflictError } from '../errors.ts'
import { formatDate, londonDate } from '../shared/dates.ts'
import { transitionRequest } from './requests/service.ts'
import { findRequestRow } from './requests/store.ts'
import { packages, sourcingRequests } from './schema.ts'

const SCHEDULER = { kind: 'system', label: 'care start scheduler' } as const
const BATCH = 200

export interface StartDueResult {
  /** Requests this run started. */
  started: { councilId: number; requestId: number }[]
  /** Due requests someone else started (or changed) first. */
  skipped: number
}

/** The package a request's care starts with: the one with the earliest start date. */
async function firstPackage(db: Queryable, requestId: number) {
  const [first] = await db
    .select({ id: packages.id, startDate: packages.startDate })
    .from(packages)
    // A package its provider declined never starts.
    .where(and(eq(packages.requestId, requestId), ne(packages.confirmation, 'declined')))
    .orderBy(asc(packages.startDate), asc(packages.id))
    .limit(1)
  return first
}

/**
 * Starts every awarded request whose first package starts on or before `now`'s London date, each
 * in its own transaction through transitionRequest(), which writes the history and the audit entry.
 * `councilId` keeps a run to one council: the simulator's clock must not start anyone else's care.
 */
export async function startDueRequests(
  db: Database,
  now: Date = new Date(),
  options: { councilId?: number } = {},
): Promise<StartDueResult> {
  const today = londonDate(now)
  const result: StartDueResult = { started: [], skipped: 0 }
  let afterId = 0
  for (;;) {
    const due = await db
      .select({ id: sourcingRequests.id, councilId: sourcingRequests.councilId })
      .from(sourcingRequests)
      .where(
        and(
          eq(sourcingRequests.status, 'awarded'),
          options.councilId === undefined ? undefined : eq(sourcingRequests.councilId, options.councilId),
          gt(sourcingRequests.id, afterId),
          exists(
            db
              .select({ one: sql`1` })
              .from(packages)
              .where(
                and(
                  eq(packages.requestId, sourcingRequests.id),
                  lte(packages.startDate, today),
                  ne(packages.confirmation, 'declined'),
                ),
              ),
          ),
        ),
      )
      .orderBy(asc(sourcingRequests.id))
      .limit(BATCH)
    for (const { id, councilId } of due) {
      afterId = id
      try {
        const started = await db.transaction(async (tx) => {
          const row = await findRequestRow(tx, councilId, id)
          if (row?.status !== 'awarded') return false
          const first = await firstPackage(tx, id)
          if (!first || first.startDate > today) return false
          await transitionRequest(tx, row, 'start', SCHEDULER, {
            now,
            reason: `Package ${first.id} started on ${formatDate(first.startDate)}`,
            details: { packageId: first.id, startDate: first.startDate },
          })
          return true
        })
        if (started) result.started.push({ councilId, requestId: id })
        else result.skipped++
      } catch (error) {
        // Another instance got there first (or a broker changed the request): skip it.
        if (error instanceof ConflictError) result.skipped++
        else throw error
      }
    }
    if (due.length < BATCH) return result
  }
}
