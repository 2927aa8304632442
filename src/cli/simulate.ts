import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { isCalendarDate } from '../shared/dates.ts'
import {
  type ClosureSummary,
  type HandbacksSummary,
  simulateClosure,
  simulateHandbacks,
} from '../simulator/scenarios.ts'
import { type SimulationSummary, simulate } from '../simulator/simulate.ts'
import { type CliContext, CliUsageError, parseInteger, printJson } from './context.ts'

const SCENARIOS = ['closure', 'handbacks'] as const
type ScenarioName = (typeof SCENARIOS)[number]

function parseScenario(value: string): ScenarioName {
  if (!(SCENARIOS as readonly string[]).includes(value))
    throw new CliUsageError(`--scenario must be closure or handbacks, not "${value}"`)
  return value as ScenarioName
}

function parseLastDay(value: string): string {
  const text = value.trim()
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !isCalendarDate(text))
    throw new CliUsageError(`--last-day must be a date like 2027-03-31, not "${value}"`)
  return text
}

interface SimulateCliOptions {
  council: string
  weeks?: number
  seed: number
  volume: number
  scenario?: ScenarioName
  residents: number
  lastDay?: string
  rePlace: number
  percent: number
  packages: number
  reSource: number
  json?: boolean
}

function parseVolume(value: string): number {
  const parsed = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(parsed > 0) || parsed > 10)
    throw new CliUsageError(`--volume must be a number more than 0 and at most 10, not "${value}"`)
  return parsed
}

export function registerSimulateCommand(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description(
      'Run weeks of simulated brokerage in a council through the real services: requests, offers, awards. ' +
        'The weeks end at the start of this week; requests published in the last week may still be open.',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .option('--weeks <n>', 'how many weeks to simulate, 1 to 52', parseInteger('--weeks', 1, 52))
    .option(
      '--scenario <name>',
      'instead of weeks: "closure" (a large care home closes with its residents) or "handbacks" (a home care agency hands back part of its hours)',
      parseScenario,
    )
    .option(
      '--residents <n>',
      'closure: people living at the home, 1 to 200',
      parseInteger('--residents', 1, 200),
      20,
    )
    .option(
      '--last-day <date>',
      'closure: the last day of care, YYYY-MM-DD (two weeks from today by default)',
      parseLastDay,
    )
    .option(
      '--re-place <percent>',
      'closure: share of the re-sourcing requests re-placed at once',
      parseInteger('--re-place', 0, 100),
      30,
    )
    .option(
      '--percent <n>',
      'handbacks: share of the agency’s hours handed back',
      parseInteger('--percent', 1, 100),
      25,
    )
    .option(
      '--packages <n>',
      'handbacks: packages the agency has at least (more are placed with it first)',
      parseInteger('--packages', 1, 200),
      12,
    )
    .option(
      '--re-source <percent>',
      'handbacks: share of the hand-backs a broker re-sources at once',
      parseInteger('--re-source', 0, 100),
      50,
    )
    .option(
      '--seed <n>',
      'the same seed always gives the same history on the same data',
      parseInteger('--seed', 0, Number.MAX_SAFE_INTEGER),
      1,
    )
    .option(
      '--volume <fraction>',
      'share of the council’s usual rate of requests (1 is the full rate)',
      parseVolume,
      1,
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: SimulateCliOptions) => {
      const councilCode = options.council.trim().toUpperCase()
      if (options.scenario) {
        if (options.weeks !== undefined)
          throw new CliUsageError('Give either --weeks or --scenario, not both')
        const scenario = options.scenario
        const summary = await context.withDatabase<ClosureSummary | HandbacksSummary>(({ db }) =>
          scenario === 'closure'
            ? simulateClosure(db, {
                councilCode,
                seed: options.seed,
                residents: options.residents,
                lastDay: options.lastDay,
                rePlacePercent: options.rePlace,
              })
            : simulateHandbacks(db, {
                councilCode,
                seed: options.seed,
                percent: options.percent,
                packages: options.packages,
                reSourcePercent: options.reSource,
              }),
        )
        if (options.json) printJson(summary)
        else
          process.stdout.write(
            summary.scenario === 'closure' ? formatClosure(summary) : formatHandbacks(summary),
          )
        return
      }
      const weeks = options.weeks
      if (weeks === undefined)
        throw new CliUsageError('Give --weeks (how many weeks to simulate) or --scenario')
      // The bar is for people watching a terminal; it would garble piped or JSON output.
      const bar =
        process.stderr.isTTY && !options.json
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'Simulating weeks [{bar}] {value}/{total} {duration_formatted}',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined
      let summary: SimulationSummary
      try {
        bar?.start(weeks, 0)
        summary = await context.withDatabase(({ db }) =>
          simulate(db, {
            councilCode,
            weeks,
            seed: options.seed,
            volume: options.volume,
            onProgress: (done) => bar?.update(done),
          }),
        )
      } finally {
        bar?.stop()
      }
      if (options.json) {
        printJson(summary)
        return
      }
      process.stdout.write(formatSummary(summary))
    })
}

const number = new Intl.NumberFormat('en-GB')
const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 0 })

function formatSummary(s: SimulationSummary): string {
  return [
    `Simulated ${s.weeks} ${s.weeks === 1 ? 'week' : 'weeks'} (seed ${s.seed}):`,
    `  ${number.format(s.requests)} requests, ${number.format(s.published)} published, ${number.format(s.cancelled)} cancelled`,
    `  ${number.format(s.withOffers)} got at least one offer (${percent.format(s.responseRate)}); ${number.format(s.offers)} offers, ${s.meanOffersPerRequest} per published request`,
    `  ${number.format(s.awarded)} awarded (care started for ${number.format(s.started)}), ${number.format(s.unsourced)} unsourced (on the Interim Care List)`,
    `  ${number.format(s.marketEvents)} market events recorded (failures, openings, changes in capacity)`,
    '',
  ].join('\n')
}

function formatClosure(s: ClosureSummary): string {
  return [
    `Closed ${s.locationName} (location ${s.locationId}), seed ${s.seed}: market event ${s.marketEventId}, response ${s.responseId}, last day of care ${s.lastDay}`,
    ...(s.placedFirst > 0
      ? [`  ${number.format(s.placedFirst)} people placed there first, through the exchange`]
      : []),
    `  ${number.format(s.cases)} people affected; ${number.format(s.requests.length)} re-sourcing requests, ${number.format(s.published)} published`,
    `  ${number.format(s.rePlaced.length)} re-placed at once: requests ${s.rePlaced.join(', ') || 'none'}`,
    ...(s.needReferral > 0
      ? [
          `  ${number.format(s.needReferral)} known only from the council’s own book: their social worker makes the request`,
        ]
      : []),
    `  The tracker: /failure-responses/${s.responseId}`,
    '',
  ].join('\n')
}

function formatHandbacks(s: HandbacksSummary): string {
  return [
    `${s.providerName} (provider ${s.providerOrganisationId}) hands back ${s.hoursHandedBack} of its ${s.hoursBefore} hours a week, seed ${s.seed}; last day of care ${s.lastDay}`,
    ...(s.placedFirst > 0
      ? [`  ${number.format(s.placedFirst)} packages placed with it first, through the exchange`]
      : []),
    `  ${number.format(s.handBacks.length)} packages handed back: ${s.handBacks.map((h) => h.packageId).join(', ')}`,
    `  ${number.format(s.requests.length)} re-sourced (requests ${s.requests.join(', ') || 'none'}), ${number.format(s.published)} published`,
    '',
  ].join('\n')
}
