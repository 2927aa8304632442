import type { Command } from 'commander'
import { addAccreditedDemoServices } from '../demo/accredited.ts'
import { fillDemoHistory, planDemoHistory, unfinishedDemoHistories } from '../demo/background.ts'
import { createDemo, type DemoResult } from '../demo/generate.ts'
import { createLogger } from '../logging.ts'
import { MODULES, scheduledJobs } from '../modules.ts'
import { startOutboxSender } from '../notifications/sender.ts'
import { capacityReminderJob } from '../providers/capacity/service.ts'
import { startScheduler } from '../scheduler.ts'
import { createServices } from '../services.ts'
import { buildApp } from '../web/app.ts'
import { type CliContext, openConfiguredDatabase } from './context.ts'

export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('Run the web service (the embedded database unless DATABASE_URL is set)')
    .option('--demo', 'create the demo council when the database has no council, even on a PostgreSQL server')
    .action(async (options: { demo?: boolean }) => {
      await serve(context, { demo: options.demo ?? false })
    })
}

/** What a person starting the service sees, as it happens: plain lines, beside the JSON log. */
function progress(line: string): void {
  process.stdout.write(`${line}\n`)
}

async function serve(context: CliContext, options: { demo: boolean }): Promise<void> {
  const config = context.config()
  const logger = createLogger({ level: config.logLevel })
  progress('Opening the database…')
  const database = await openConfiguredDatabase(config)
  progress('Bringing the database up to date…')
  await database.migrate()
  logger.info({ database: database.description }, 'database migrated')
  const services = createServices({ database, config })

  // The embedded database is for trying Caremarket out, so it starts with a demo council.
  // A production server gets demo data only when asked.
  let demo: DemoResult | undefined
  const wantsDemo = options.demo || !config.databaseUrl
  if (wantsDemo && (await services.accounts.listCouncils()).length === 0) {
    progress('No council yet: creating the demo council…')
    logger.info('no council yet: creating the demo council')
    demo = await createDemo(database.db, {
      scale: 1,
      seed: 1,
      password: config.demoPassword,
      passwordCostLog2: config.passwordCostLog2,
    })
    const code = demo.councils[0]?.code
    if (code) {
      const council = await services.accounts.getCouncilByCode(code)
      const accredited = await addAccreditedDemoServices(services, council.id)
      logger.info({ accredited }, 'added the demo council’s accredited day services')
      // Weeks of brokerage behind it, so that no page of the demo is empty: written once the
      // service answers (below), and kept a block of ids now, before anyone can add a row.
      await planDemoHistory(database.db, council.id, { weeks: config.demoWeeks, seed: 1 })
    }
  }

  progress('Starting the web service…')
  const app = await buildApp(services, { modules: MODULES, logger })
  await app.listen({ port: config.port, host: config.host })
  // Email goes out through the outbox; the same loop runs the daily capacity reminders.
  const stopSender = startOutboxSender({
    db: database.db,
    config,
    logger,
    dailyJobs: [capacityReminderJob],
    transport: services.notifications.mailer,
  })
  const bound = app.server.address()
  const address = `http://localhost:${typeof bound === 'object' && bound ? bound.port : config.port}`
  const lines = [`Caremarket is running at ${address} on ${database.description}`]
  if (demo) {
    lines.push(
      `${demo.councils[0]?.name}, council code ${demo.councils[0]?.code}. Sign in with password "${config.demoPassword}" as:`,
    )
    for (const user of demo.users) lines.push(`  ${user.role.padEnd(14)} ${user.email}`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)

  // The demo's history, or what a start stopped part-way left of it, is written while the service
  // answers; a stop between weeks leaves whole weeks, and the next start finishes it.
  let closing = false
  let stoppingHistory = false
  const history = (async () => {
    for (const councilId of await unfinishedDemoHistories(database.db)) {
      progress('Filling in the demo council’s history in the background…')
      const summary = await fillDemoHistory(database.db, councilId, {
        onProgress: (done, total) => progress(`  history: week ${done} of ${total}`),
        beforeWeek: async () => {
          if (stoppingHistory) throw new HistoryStopped()
        },
      })
      if (summary) {
        logger.info({ summary }, 'demo history written')
        progress(
          `The demo council’s history is complete: ${summary.requests} requests over ${summary.weeks} weeks.`,
        )
      }
    }
  })().catch((error: unknown) => {
    if (error instanceof HistoryStopped)
      logger.info('demo history stopped part-way: the next start finishes it')
    else logger.error({ err: error }, 'demo history failed: the next start tries again')
  })

  // Closes requests at their deadlines, starts awarded ones when care starts and takes the Interim
  // Care List's daily snapshot; its first run catches up on what came due while we were down. It
  // starts once any demo history is written, so that no day's snapshot is taken of half a history.
  let stopJobs: (() => Promise<void>) | undefined
  void history.then(() => {
    if (!closing) stopJobs = startScheduler({ jobs: scheduledJobs(services), logger, intervalMs: 60_000 })
  })
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down: finishing requests in flight')
    try {
      await app.close()
      stoppingHistory = true
      await history
      await stopSender()
      await stopJobs?.()
      await database.close()
      logger.info('shut down cleanly')
      process.exit(0)
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))
}

class HistoryStopped extends Error {
  constructor() {
    super('the service is stopping')
  }
}
