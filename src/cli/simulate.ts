import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { type SimulationSummary, simulate } from '../simulator/simulate.ts'
import { type CliContext, CliUsageError, parseInteger, printJson } from './context.ts'

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
    .requiredOption('--weeks <n>', 'how many weeks to simulate, 1 to 52', parseInteger('--weeks', 1, 52))
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
    .action(
      async (options: { council: string; weeks: number; seed: number; volume: number; json?: boolean }) => {
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
          bar?.start(options.weeks, 0)
          summary = await context.withDatabase(({ db }) =>
            simulate(db, {
              councilCode: options.council.trim().toUpperCase(),
              weeks: options.weeks,
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
      },
    )
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
