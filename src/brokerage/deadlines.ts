// Requests close by themselves at their deadline (DOMAIN.md §6). Deadlines live in the database,
// not in timers, so they survive restarts: each run closes every published request whose deadline
// has passed, including those that passed while the service was down. Several instances may run
// at once: a request is closed by a conditional update on its version, so exactly one of them
// closes it and the others skip it. The same schedule starts awarded requests when their care
// starts (care-starts.ts), which is robust in the same ways.
import { and, asc, eq, gt, lte } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Database } from '../db/connection.ts'
import { ConflictError } from '../errors.ts'
import { startDueRequests } from './care-starts.ts'
import { transitionRequest } from './requests/service.ts'
import { findRequestRow } from './requests/store.ts'
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
          const row = await findRequestRow(tx, councilId, id)
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

export interface DeadlineSchedulerOptions {
  db: Database
  logger: Pick<Logger, 'info' | 'error'>
  /** How often to look for passed deadlines and start dates: the longest either waits. Default a minute. */
  intervalMs?: number
  /** The clock; tests give their own. */
  now?: () => Date
}

/**
 * Runs closeDueRequests() and startDueRequests() at once (catching up on deadlines and start dates
 * that passed while the service was down) and then every interval. Runs never overlap, and one job
 * failing does not keep the other from running. The returned function stops the schedule and
 * resolves when any run in progress has finished.
 */
export function startDeadlineScheduler(options: DeadlineSchedulerOptions): () => Promise<void> {
  const { db, logger } = options
  const clock = options.now ?? (() => new Date())
  let running: Promise<void> | null = null
  let stopped = false

  const run = () => {
    if (running || stopped) return
    running = (async () => {
      try {
        const result = await closeDueRequests(db, clock())
        if (result.closed.length > 0)
          logger.info(
            { closed: result.closed.map((c) => c.requestId), skipped: result.skipped },
            'closed requests whose deadline passed',
          )
      } catch (error) {
        logger.error({ err: error }, 'closing requests at their deadline failed; will try again')
      }
      try {
        const result = await startDueRequests(db, clock())
        if (result.started.length > 0)
          logger.info(
            { started: result.started.map((s) => s.requestId), skipped: result.skipped },
            'started requests whose care started',
          )
      } catch (error) {
        logger.error({ err: error }, 'starting requests whose care started failed; will try again')
      } finally {
        running = null
      }
    })()
  }

  run()
  const timer = setInterval(run, options.intervalMs ?? 60_000)
  // The schedule alone should not keep a process alive (the CLI, tests); the web server does.
  timer.unref()
  return async () => {
    stopped = true
    clearInterval(timer)
    await running
  }
}
