import { and, asc, eq, inArray, isNull, lt, lte, type SQL, sql } from 'drizzle-orm'
import nodemailer from 'nodemailer'
import type { Config, SmtpSettings } from '../config.ts'
import type { Database } from '../db/connection.ts'
import { MAX_SEND_ATTEMPTS, retryDelayMs, SEND_LEASE_MS } from './rules.ts'
import { outbox } from './schema.ts'

/** What the sender needs of a mail transport; a nodemailer transporter is one. */
export interface MailTransport {
  sendMail(message: {
    to: string
    subject: string
    text: string
    headers?: Record<string, string>
  }): Promise<unknown>
  close?(): void
}

/** Work the sender loop runs about once a day, such as reminding providers whose capacity is stale. */
export interface ScheduledJob {
  name: string
  run(db: Database, now: Date): Promise<unknown>
}

type Logger = {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

export function createSmtpTransport(smtp: SmtpSettings): MailTransport {
  return nodemailer.createTransport(
    {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      // A relay that hangs must not hold a claimed batch for long.
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    },
    { from: smtp.from },
  )
}

/**
 * Delivers the messages that are due, a batch at a time. Each message is first claimed: it is
 * leased for a while, in one statement that skips rows another sender has locked. Several
 * instances can run this at once and no message goes out twice, unless a sender dies between
 * sending and recording, when the lease runs out and it is retried. An attempt is counted with its
 * outcome, so a sender that dies mid-send never uses up a message's last attempt unknown.
 */
export async function sendDueEmails(
  db: Database,
  transport: MailTransport,
  options: { now?: Date; limit?: number } = {},
): Promise<{ sent: number; failed: number }> {
  // The database's clock by default, so senders on machines whose clocks differ agree on what is due.
  const at = (offsetMs: number): Date | SQL =>
    options.now
      ? new Date(options.now.getTime() + offsetMs)
      : sql`now() + make_interval(secs => ${offsetMs / 1000})`
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(
      and(isNull(outbox.sentAt), lt(outbox.attempts, MAX_SEND_ATTEMPTS), lte(outbox.nextAttemptAt, at(0))),
    )
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(options.limit ?? 50)
    .for('update', { skipLocked: true })
  const claimed = await db
    .update(outbox)
    .set({ nextAttemptAt: at(SEND_LEASE_MS) })
    .where(inArray(outbox.id, due))
    .returning()

  let sent = 0
  let failed = 0
  for (const message of claimed.sort((a, b) => a.id - b.id)) {
    try {
      await transport.sendMail({
        to: message.toAddress,
        subject: message.subject,
        text: message.bodyText,
        headers: { 'X-Caremarket-Outbox-Id': String(message.id) },
      })
      await db
        .update(outbox)
        .set({ sentAt: at(0), attempts: sql`${outbox.attempts} + 1`, lastError: null })
        .where(eq(outbox.id, message.id))
      sent++
    } catch (error) {
      await db
        .update(outbox)
        .set({
          attempts: sql`${outbox.attempts} + 1`,
          lastError: describeError(error),
          nextAttemptAt: at(retryDelayMs(message.attempts + 1)),
        })
        .where(eq(outbox.id, message.id))
      failed++
    }
  }
  return { sent, failed }
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown }).code
  const text = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
  return text.slice(0, 1000)
}

const DAY_MS = 24 * 60 * 60_000

/**
 * Starts delivering the outbox in the background (when SMTP is configured) and running the daily
 * jobs. Returns a function that stops both and waits for the round in progress to finish.
 */
export function startOutboxSender({
  db,
  config,
  logger,
  dailyJobs = [],
  intervalMs = 30_000,
  transport = config.smtp ? createSmtpTransport(config.smtp) : undefined,
}: {
  db: Database
  config: Config
  logger: Logger
  dailyJobs?: ScheduledJob[]
  intervalMs?: number
  transport?: MailTransport
}): () => Promise<void> {
  if (!transport)
    logger.info({}, 'SMTP is not configured: emails stay in the outbox, readable at /admin/outbox')
  const lastRun = new Map<string, number>()
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let round: Promise<void> = Promise.resolve()

  const runRound = async () => {
    const now = new Date()
    for (const job of dailyJobs) {
      const last = lastRun.get(job.name)
      if (last !== undefined && now.getTime() - last < DAY_MS) continue
      lastRun.set(job.name, now.getTime())
      try {
        const result = await job.run(db, now)
        logger.info({ job: job.name, result }, 'daily job finished')
      } catch (error) {
        logger.error({ err: error, job: job.name }, 'daily job failed')
      }
    }
    if (!transport) return
    try {
      // Keep going while whole batches come back, so a backlog drains without waiting a round each.
      for (;;) {
        const result = await sendDueEmails(db, transport)
        if (result.sent + result.failed > 0) logger.info(result, 'outbox delivered')
        if (stopped || result.sent + result.failed < 50) break
      }
    } catch (error) {
      logger.error({ err: error }, 'outbox delivery failed')
    }
  }

  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => {
      round = runRound().finally(schedule)
    }, intervalMs)
    timer.unref()
  }
  round = runRound().finally(schedule)

  return async () => {
    stopped = true
    if (timer) clearTimeout(timer)
    await round
    transport?.close?.()
  }
}
