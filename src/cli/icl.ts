import type { Command } from 'commander'
import { endOfLondonDay, hoursPerWeek } from '../market/icl/rules.ts'
import type { IclList } from '../market/icl/service.ts'
import { formatLondonDate, isCalendarDate, londonClockTime } from '../shared/dates.ts'
import { type CliContext, CliUsageError, printJson } from './context.ts'

/** A London date (the list at the end of that day) or an ISO instant. */
function parseAt(value: string): Date {
  const text = value.trim()
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && isCalendarDate(text)) return endOfLondonDay(text)
  const instant = new Date(text)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(instant.getTime()))
    throw new CliUsageError(
      `--at must be a date like 2026-03-31 or an instant like 2026-03-31T12:00:00Z, not "${value}"`,
    )
  return instant
}

export function registerIclCommand(program: Command, context: CliContext): void {
  program
    .command('icl')
    .description('Show a council’s Interim Care List as it stood at an instant (now unless --at is given)')
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .option('--at <date>', 'a date (the end of that London day) or an ISO instant', parseAt)
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; at?: Date; json?: boolean }) => {
      const list = await context.withServices(async ({ accounts, icl }) => {
        const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
        return icl.iclAt(council.id, options.at ?? new Date())
      })
      if (options.json) {
        printJson({
          at: list.at.toISOString(),
          people: list.people,
          unfilledHoursPerWeek: hoursPerWeek(list.unfilledMinutesPerWeek),
          meanDaysWaiting: list.meanDaysWaiting,
          medianDaysWaiting: list.medianDaysWaiting,
          breakdowns: list.breakdowns,
          entries: list.entries.map(({ submittedAt, ...entry }) => ({
            ...entry,
            submittedAt: submittedAt.toISOString(),
            unfilledHoursPerWeek: hoursPerWeek(entry.unfilledMinutesPerWeek),
          })),
        })
        return
      }
      process.stdout.write(formatList(list))
    })
}

const number = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 })

function formatList(list: IclList): string {
  const lines = [
    `Interim Care List at ${londonClockTime(list.at)} on ${formatLondonDate(list.at)}:`,
    `  ${number.format(list.people)} people, ${number.format(hoursPerWeek(list.unfilledMinutesPerWeek))} unfilled hours a week`,
  ]
  if (list.meanDaysWaiting !== null && list.medianDaysWaiting !== null)
    lines.push(
      `  waiting ${number.format(list.meanDaysWaiting)} days on average (median ${number.format(list.medianDaysWaiting)})`,
    )
  for (const e of list.entries)
    lines.push(
      `  ${e.requestId}\t${e.personName}\t${e.daysWaiting} days\t${number.format(hoursPerWeek(e.unfilledMinutesPerWeek))} h/week\t${e.locality}\t${e.ageGroup}\t${e.careType}${e.inHospital ? '\tin hospital' : ''}`,
    )
  return `${lines.join('\n')}\n`
}
