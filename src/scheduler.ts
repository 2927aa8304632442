// The jobs that time drives: closing requests at their deadline, starting them when care starts,
// the Interim Care List's daily snapshot, and recording as failed the CQC imports whose process
// ended (a killed process cannot say so itself). Their state lives in the database, not in timers, so
// each run catches up on whatever came due while the service was down, and each job is safe to run
// from several instances at once. Composed here, like the web app, so no domain depends on another
// only to be scheduled.
import type { Logger } from 'pino'
import { startDueRequests } from './brokerage/care-starts.ts'
import { closeDueRequests } from './brokerage/deadlines.ts'
import type { Database } from './db/connection.ts'
import { takeDueSnapshots } from './market/icl/service.ts'
import { failAbandonedImports } from './providers/cqc/import.ts'

export interface SchedulerOptions {
  db: Database
  logger: Pick<Logger, 'info' | 'error'>
  /** How often the jobs run: the longest anything due waits. Default a minute. */
  intervalMs?: number
  /** The clock; tests give their own. */
  now?: () => Date
}

interface Job {
  /** What failed, for the log. */
  failure: string
  /** Does what is due; returns what to log, or null when there was nothing to do. */
  run: (db: Database, now: Date) => Promise<{ message: string; details: Record<string, unknown> } | null>
}

const JOBS: Job[] = [
  {
    failure: 'recording abandoned CQC imports as failed failed; will try again',
    run: async (db) => {
      const failed = await failAbandonedImports(db)
      if (failed.length === 0) return null
      return {
        message: 'recorded CQC imports whose process ended as failed',
        details: { imports: failed.map((f) => f.id) },
      }
    },
  },
  {
    failure: 'closing requests at their deadline failed; will try again',
    run: async (db, now) => {
      const result = await closeDueRequests(db, now)
      if (result.closed.length === 0) return null
      return {
        message: 'closed requests whose deadline passed',
        details: { closed: result.closed.map((c) => c.requestId), skipped: result.skipped },
      }
    },
  },
  {
    failure: 'starting requests whose care started failed; will try again',
    run: async (db, now) => {
      const result = await startDueRequests(db, now)
      if (result.started.length === 0) return null
      return {
        message: 'started requests whose care started',
        details: { started: result.started.map((s) => s.requestId), skipped: result.skipped },
      }
    },
  },
  {
    failure: 'taking the Interim Care List’s daily snapshots failed; will try again',
    run: async (db, now) => {
      const result = await takeDueSnapshots(db, now)
      if (result.taken.length === 0) return null
      return {
        message: 'took the Interim Care List’s daily snapshots',
        details: { snapshots: result.taken.length },
      }
    },
  },
]

/**
 * Runs every job at once (catching up on what came due while the service was down) and then every
 * interval. Runs never overlap, and one job failing does not keep the others from running. The
 * returned function stops the schedule and resolves when any run in progress has finished.
 */
export function startScheduler(options: SchedulerOptions): () => Promise<void> {
  const { db, logger } = options
  const clock = options.now ?? (() => new Date())
  let running: Promise<void> | null = null
  let stopped = false

  const run = () => {
    if (running || stopped) return
    running = (async () => {
      for (const job of JOBS) {
        try {
          const done = await job.run(db, clock())
          if (done) logger.info(done.details, done.message)
        } catch (error) {
          logger.error({ err: error }, job.failure)
        }
      }
      running = null
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
