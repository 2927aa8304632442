import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { createDemo, type DemoResult, MAX_DEMO_SCALE, NOT_YET_RATED } from '../demo/generate.ts'
import { type CliContext, parseInteger, printJson } from './context.ts'

export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('Create fictional demo councils with providers, care homes and demo sign-ins')
    .option(
      '--scale <n>',
      `how many councils, 1 to ${MAX_DEMO_SCALE}; each has about 600 locations`,
      parseInteger('--scale', 1, MAX_DEMO_SCALE),
      1,
    )
    .option(
      '--seed <n>',
      'the same seed always gives the same data',
      parseInteger('--seed', 0, Number.MAX_SAFE_INTEGER),
      1,
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { scale: number; seed: number; json?: boolean }) => {
      const config = context.config()
      // The bar is for people watching a terminal; it would garble piped or JSON output.
      const bar =
        process.stderr.isTTY && !options.json
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'Creating demo councils [{bar}] {value}/{total} {duration_formatted}',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined
      const started = performance.now()
      let result: DemoResult
      try {
        result = await context.withDatabase(({ db }) =>
          createDemo(db, {
            scale: options.scale,
            seed: options.seed,
            password: config.demoPassword,
            passwordCostLog2: config.passwordCostLog2,
            onProgress: (done, total) => {
              if (!bar) return
              if (done === 0) bar.start(total, 0)
              else bar.update(done)
            },
          }),
        )
      } finally {
        bar?.stop()
      }
      const seconds = Math.round((performance.now() - started) / 100) / 10
      if (options.json) {
        printJson({ scale: options.scale, seed: options.seed, seconds, ...result })
        return
      }
      process.stdout.write(formatSummary(result, options.seed, seconds))
    })
}

const number = new Intl.NumberFormat('en-GB')

function formatSummary(result: DemoResult, seed: number, seconds: number): string {
  const { totals } = result
  const lines = [
    `Created ${totals.councils} demo ${totals.councils === 1 ? 'council' : 'councils'} (seed ${seed}) in ${seconds} s: ` +
      `${number.format(totals.providers)} providers at ${number.format(totals.locations)} locations.`,
    '',
  ]
  // Beyond a handful of councils a line each is as much as anyone reads.
  const detailed = result.councils.length <= 5
  for (const c of result.councils) {
    if (!detailed) {
      lines.push(
        `  ${c.code.padEnd(8)} ${c.name}: ${number.format(c.locations)} locations, ${number.format(c.providers)} providers`,
      )
      continue
    }
    const ratings = ['Outstanding', 'Good', 'Requires improvement', 'Inadequate', NOT_YET_RATED]
      .map((r) => `${r} ${c.ratings[r] ?? 0}`)
      .join(', ')
    lines.push(
      `  ${c.code}  ${c.name}`,
      `    ${c.localities} localities, ${c.pcnAreas} PCN areas`,
      `    ${number.format(c.providers)} providers at ${number.format(c.locations)} locations: ` +
        `${c.careHomes} care homes (${c.olderPeoplesCareHomes} for older people, ${number.format(c.beds)} beds), ` +
        `${c.homeCareOffices} home care offices`,
      `    CQC ratings: ${ratings}`,
      '',
    )
  }
  if (!detailed) lines.push('')

  const first = result.councils[0]?.code
  lines.push('Demo sign-ins (password: the value of CAREMARKET_DEMO_PASSWORD, "caremarket-demo" unless set):')
  for (const user of result.users.filter((u) => u.councilCode === first)) {
    lines.push(`  ${user.role.padEnd(14)} ${user.email}`)
  }
  if (result.councils.length > 1) {
    lines.push(
      `  and the same roles in every other demo council, e.g. broker@${result.councils[1]?.code.toLowerCase()}.caremarket.example`,
    )
  }
  return `${lines.join('\n')}\n`
}
