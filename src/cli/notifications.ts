import type { Command } from 'commander'
import { type CliContext, CliUsageError, printJson } from './context.ts'

/** `outbox send` and `capacity remind`: the sender loop's work, run once, for cron or a person. */
export function registerNotificationCommands(program: Command, context: CliContext): void {
  program
    .command('outbox')
    .description('Email that Caremarket sends')
    .command('send')
    .description('Deliver the messages in the outbox that are due, over the configured SMTP server')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const smtp = context.config().smtp
      if (!smtp) throw new CliUsageError('SMTP is not configured: set SMTP_URL (or SMTP_HOST) and SMTP_FROM')
      await context.withServices(async ({ notifications }) => {
        try {
          const total = { sent: 0, failed: 0 }
          for (;;) {
            const round = await notifications.sendDueEmails()
            total.sent += round.sent
            total.failed += round.failed
            if (round.sent + round.failed < 50) break
          }
          if (options.json) printJson(total)
          else
            process.stdout.write(`Sent ${total.sent} messages; ${total.failed} failed and will be retried.\n`)
        } finally {
          notifications.mailer?.close?.()
        }
      })
    })

  program
    .command('capacity')
    .description('The capacity tracker')
    .command('remind')
    .description('Put a reminder in the outbox for each provider whose capacity is more than 7 days old')
    .option('--council <code>', 'one council only; every council when left out')
    .option('--json', 'print the result as JSON')
    .action(async (options: { council?: string; json?: boolean }) => {
      await context.withServices(async ({ accounts, capacityReminders }) => {
        const results = options.council
          ? [
              await capacityReminders.remindStaleProviders(
                (await accounts.getCouncilByCode(options.council)).id,
              ),
            ]
          : await capacityReminders.remindAllStaleProviders()
        if (options.json) return printJson({ councils: results })
        const reminded = results.flatMap((r) => r.reminded)
        const lines = reminded.map((r) => `  ${r.name}: ${r.to.join(', ')}`)
        process.stdout.write(
          [`Reminded ${reminded.length} provider organisations.`, ...lines].join('\n').concat('\n'),
        )
      })
    })
}
