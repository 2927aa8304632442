// The jobs that time drives: closing requests at their deadline, starting them when care starts,
// the Interim Care List's daily snapshot, and recording as failed the CQC imports whose process
// ended (a killed process cannot say so itself). Their state lives in the database, not in timers, so
// each run catches up on whatever came due while the service was down, and each job is safe to run
// from several instances at once. Each domain's module brings its own jobs (src/modules.ts), so the
// scheduler names no domain and no domain depends on another only to be scheduled.
import type { Logger } from 'pino'
import type { Job } from './module.ts'

export interface SchedulerOptions {
  /** The jobs to run: every module's (`scheduledJobs` in src/modules.ts). */
  jobs: readonly Job[]
  logger: Pick<Logger, 'info' | 'error'>
  /** How often the jobs run: the longest anything due waits. Default a minute. */
  intervalMs?: number
  /** The clock; tests give their own. */
  now?: () => Date
}

/**
 * Runs every job at once (catching up on what came due while the service was down) and then every
 * interval. Runs never overlap, and one job failing does not keep the others from running. The
 * returned function stops the schedule and resolves when any run in progress has finished.
 */
export function startScheduler(options: SchedulerOptions): () => Promise<void> {
  const { jobs, logger } = options
  const clock = options.now ?? (() => new Date())
  let running: Promise<void> | null = null
  let stopped = false

  const run = () => {
    if (running || stopped) return
    running = (async () => {
      for (const job of jobs) {
        try {
          const done = await job.run(clock())
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
