import { createReadStream, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { ValidationError } from '../errors.ts'
import { FIRST_COST_YEAR, UNIT_LABELS } from '../fees/costs/rules.ts'
import { applicationJson } from '../fees/uplifts/apply.ts'
import { parseScenarioJson, type UpliftModel } from '../fees/uplifts/rules.ts'
import { isCalendarDate, londonDate } from '../shared/dates.ts'
import { formatPounds, parsePounds } from '../shared/money.ts'
import { type CliContext, CliUsageError, parseInteger, printJson } from './context.ts'
import { fileToRead } from './import.ts'

function parseAt(value: string): string {
  const text = value.trim()
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !isCalendarDate(text))
    throw new CliUsageError(`--at must be a date like 2027-04-01, not "${value}"`)
  return text
}

function readScenario(file: string, option: string) {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new CliUsageError(`${option}: cannot read the scenario file "${file}"`)
  }
  return parseScenarioJson(text, option)
}

const pounds = (pence: number) => `£${Math.round(pence / 100).toLocaleString('en-GB')}`
const percent = (n: number | null) =>
  n === null ? '' : `${n.toLocaleString('en-GB', { maximumFractionDigits: 2 })}%`

function formatModel(model: UpliftModel, name: string): string {
  const lines = [`${name}, ${model.label} (${model.from} to ${model.to}):`]
  for (const s of [...model.sectors, model.total])
    lines.push(
      `  ${s.label.padEnd(44)}\t${(percent(s.upliftPercent) + (s.newRate ? ` ≥ ${formatPounds(s.newRate.pence)}/${s.newRate.unit === 'weekly' ? 'week' : 'hour'}` : '')).padStart(6)}\t${pounds(s.annualCostBeforePence).padStart(14)}\t${pounds(s.annualCostAfterPence).padStart(14)}\t1p NLW: ${s.nlwPennyCostPence === null ? 'no NLW given' : pounds(s.nlwPennyCostPence)}`,
    )
  return lines.join('\n')
}

export function registerFeesCommands(program: Command, context: CliContext): void {
  const fees = program
    .command('fees')
    .description('The council’s fees: the rate book, uplift modelling and the cost of care')
  const rates = fees.command('rates').description('The council’s rate book: the usual prices it pays')
  rates
    .command('export')
    .description(
      'Write the rate book as CSV to standard output, in the columns `fees rates import` takes (plus the unit)',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .option('--at <date>', 'only the rates in force on this date, e.g. 2027-04-01', parseAt)
    .action(async (options: { council: string; at?: string }) => {
      const csv = await context.withServices(async ({ accounts, feeRates }) => {
        const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
        return feeRates.exportRates(council.id, { at: options.at })
      })
      process.stdout.write(csv)
    })
  rates
    .command('import')
    .description(
      'Add rates to the rate book from a CSV file (or a workbook’s first sheet) with the columns service_type, ' +
        'client_group, band, locality, price, effective_from, effective_to. Every row is added, or none: each ' +
        'rejected row is listed with its line and reason.',
    )
    .argument('<file>', 'the CSV file or workbook')
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: { council: string; json?: boolean }) => {
      fileToRead(file)
      const report = await context.withServices(async ({ accounts, feeRates }) => {
        const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
        return feeRates.importRates(council.id, createReadStream(file), { kind: 'system', label: 'cli' })
      })
      if (options.json) printJson(report)
      else if (report.status === 'rejected')
        process.stdout.write(
          [
            `No rates were loaded from ${path.basename(file)}: ${report.rejected.length} of ${report.rowsRead} rows rejected.`,
            '',
            'Rejected rows:',
            ...report.rejected.map((row) => `  line ${row.line}: ${row.reason}`),
            '',
          ].join('\n'),
        )
      else process.stdout.write(`Loaded ${report.added} rates from ${path.basename(file)}.\n`)
      // Nothing was written: the command failed, whatever it printed.
      if (report.status === 'rejected')
        throw new ValidationError([
          { field: 'file', message: `${report.rejected.length} rows rejected; no rates were loaded` },
        ])
    })

  fees
    .command('uplift')
    .description(
      'Cost a scenario of fee uplifts for the financial year starting 1 April --year, by sector, against the live book of packages',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .requiredOption(
      '--year <year>',
      'the year the financial year starts, e.g. 2027',
      parseInteger('--year', 2000, 2100),
    )
    .requiredOption('--scenario <file>', 'the scenario as a JSON file, e.g. {"default": 5}')
    .option('--compare <file...>', 'one or two more scenario files to cost beside it')
    .option('--budget <pounds>', 'also find the largest uniform uplift whose extra cost fits this budget')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        year: number
        scenario: string
        compare?: string[]
        budget?: string
        json?: boolean
      }) => {
        const compare = options.compare ?? []
        if (compare.length > 2) throw new CliUsageError('--compare takes one or two more scenario files')
        const scenarios = [
          readScenario(options.scenario, '--scenario'),
          ...compare.map((f) => readScenario(f, '--compare')),
        ]
        let budgetPence: number | undefined
        if (options.budget !== undefined) {
          const parsed = parsePounds(options.budget)
          if (!parsed.ok)
            throw new CliUsageError(
              `--budget must be an amount in pounds, like 5350000, not "${options.budget}"`,
            )
          budgetPence = parsed.pence
        }
        const { models, budget } = await context.withServices(async ({ accounts, uplifts }) => {
          const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
          return uplifts.modelUplifts(council.id, options.year, scenarios, budgetPence)
        })
        if (options.json) {
          const [first, ...others] = models as [UpliftModel, ...UpliftModel[]]
          printJson({ ...first, budget, ...(others.length > 0 ? { compared: others } : {}) })
          return
        }
        const text = models.map((m, i) => formatModel(m, `Scenario ${i + 1}`))
        if (budget)
          text.push(
            `A budget of ${pounds(budget.budgetPence)} allows ${percent(budget.upliftPercent)} for every sector (costing ${pounds(budget.increasePence)} more)${budget.capped ? ', and more than 100% would fit' : ''}.`,
          )
        process.stdout.write(`${text.join('\n\n')}\n`)
      },
    )
  fees
    .command('apply-uplift')
    .description(
      'Apply a scenario of fee uplifts from 1 April --year: new rates, a new weekly price for every live package, and a letter to each provider (once a year)',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .requiredOption(
      '--year <year>',
      'the year the financial year starts, e.g. 2027',
      parseInteger('--year', 2000, 2100),
    )
    .requiredOption('--scenario <file>', 'the scenario as a JSON file, e.g. {"default": 5}')
    .option('--json', 'print the applied uplift and its price changes as JSON')
    .option('--csv', 'print the price changes as CSV, for finance')
    .action(
      async (options: { council: string; year: number; scenario: string; json?: boolean; csv?: boolean }) => {
        readScenario(options.scenario, '--scenario')
        const scenario = JSON.parse(readFileSync(options.scenario, 'utf8')) as unknown
        const { applied, csv } = await context.withServices(async ({ accounts, uplifts }) => {
          const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
          const applied = await uplifts.applyUplift(council.id, options.year, scenario, {
            kind: 'system',
            label: 'command line',
          })
          return { applied, csv: options.csv ? await uplifts.applicationCsv(council.id, options.year) : null }
        })
        if (options.json) return printJson(applicationJson(applied))
        if (csv !== null) return void process.stdout.write(csv)
        process.stdout.write(
          `Applied the ${applied.label} uplift from ${applied.effectiveFrom}: ${applied.packagesChanged} package prices changed, ${applied.ratesAdded} rates added, ${applied.providersWritten} letters to providers queued. The year’s cost: ${pounds(applied.annualCostBeforePence)} before, ${pounds(applied.annualCostAfterPence)} after.\n`,
        )
      },
    )
  fees
    .command('cost-of-care')
    .description(
      'The cost of care for the financial year starting 1 April --year, from providers’ returns: the quartiles per sector (suppressed when few) and the gap to the fees paid',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .requiredOption(
      '--year <year>',
      'the year the financial year starts, e.g. 2026',
      parseInteger('--year', FIRST_COST_YEAR, 2100),
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; year: number; json?: boolean }) => {
      const summary = await context.withServices(async ({ accounts, costOfCare, clock }) => {
        const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
        return costOfCare.costOfCareSummary(council.id, options.year, londonDate(clock()))
      })
      if (options.json) {
        printJson(summary)
        return
      }
      const lines = [`Cost of care, ${summary.yearLabel} (fees paid as on ${summary.at}):`]
      for (const s of summary.sectors) {
        const figures = s.total
          ? `${s.returns} returns\tlower quartile ${formatPounds(s.total.lowerQuartilePence)}\tmedian ${formatPounds(s.total.medianPence)}\tupper quartile ${formatPounds(s.total.upperQuartilePence)}`
          : `fewer than ${summary.minReturnsPublished} returns: suppressed`
        const paid =
          s.paid.averagePence === null ? 'no packages' : `fees paid ${formatPounds(s.paid.averagePence)}`
        const gap = s.gap ? `\tgap a year ${pounds(s.gap.annualPence)}` : ''
        lines.push(`  ${`${s.label} (${UNIT_LABELS[s.kind]})`.padEnd(50)}\t${figures}\t${paid}${gap}`)
      }
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}
