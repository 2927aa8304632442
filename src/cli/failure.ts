import type { Command } from 'commander'
import { isCalendarDate } from '../shared/dates.ts'
import { type CliContext, CliUsageError, printJson } from './context.ts'

function parseLastDay(value: string): string {
  const text = value.trim()
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !isCalendarDate(text))
    throw new CliUsageError(`--last-day must be a date like 2027-03-31, not "${value}"`)
  return text
}

function parseEvent(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim()))
    throw new CliUsageError(`--event must be a market event's number, not "${value}"`)
  return Number(value)
}

function parseUrgency(value: string): string {
  if (!['emergency', 'urgent', 'routine'].includes(value))
    throw new CliUsageError(`--urgency must be emergency, urgent or routine, not "${value}"`)
  return value
}

export function registerFailureCommands(program: Command, context: CliContext): void {
  const failure = program
    .command('failure')
    .description('Respond to a provider failure: re-source the people affected')
  failure
    .command('respond')
    .description(
      'Open the response to a market event (a closure, exit or deregistration) and re-source everyone affected: one urgent request each, exactly once. Running it again makes nothing twice.',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .requiredOption('--event <number>', 'the market event', parseEvent)
    .requiredOption('--last-day <date>', 'the last day of care, YYYY-MM-DD', parseLastDay)
    .option('--urgency <urgency>', 'emergency (the default), urgent or routine', parseUrgency)
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        event: number
        lastDay: string
        urgency?: string
        json?: boolean
      }) => {
        const outcome = await context.withServices(async ({ accounts, failures }) => {
          const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
          const actor = { kind: 'system', label: 'command line' } as const
          const opened = await failures.openResponse(
            council.id,
            options.event,
            { lastDay: options.lastDay },
            actor,
          )
          const resourced = await failures.resourceResponse(
            { kind: 'system', label: 'command line', councilId: council.id },
            options.event,
            { urgency: options.urgency },
            actor,
            // Progress on stderr, so --json's one document on stdout stays whole.
            { onBatch: (made) => process.stderr.write(`re-sourcing: ${made} requests made\n`) },
          )
          const view = await failures.getResponse(council.id, options.event)
          return { opened, resourced, view }
        })
        const { opened, resourced, view } = outcome
        if (options.json) {
          printJson({
            responseId: view.response.id,
            marketEventId: options.event,
            opened: opened.created,
            lastDay: view.response.lastDay,
            resourced,
            figures: view.figures,
            extraCostPence: view.extraCostPence,
            cases: view.cases.map((c) => ({
              id: c.id,
              person: c.person,
              state: c.state,
              requestId: c.requestId,
              daysToReplace: c.daysToReplace,
              gapDays: c.gapDays,
            })),
          })
          return
        }
        const lines = [
          `${opened.created ? 'Opened' : 'Already open:'} response ${view.response.id} to market event ${options.event}, last day of care ${view.response.lastDay}`,
          `  ${view.figures.people} people; requests made now ${resourced.created}, before ${resourced.alreadyMade}; published ${resourced.published}`,
          `  re-placed ${view.figures.rePlaced} of ${view.figures.people}; ${view.figures.withGap} with a gap in care`,
        ]
        if (resourced.needReferral > 0)
          lines.push(
            `  ${resourced.needReferral} known only from the council's own book: their draft request waits for a social worker to complete their details`,
          )
        for (const n of resourced.notPublished)
          lines.push(`  request ${n.requestId} not published: ${n.reason}`)
        process.stdout.write(`${lines.join('\n')}\n`)
      },
    )
}
