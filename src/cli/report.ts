import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { ValidationError } from '../errors.ts'
import { renderMarketReportHtml } from '../market/report/render.ts'
import { formatDate, isCalendarDate } from '../shared/dates.ts'
import { ChromiumMissingError, chromiumPath, htmlToPdf } from '../shared/pdf.ts'
import { type CliContext, CliUsageError, parseInteger } from './context.ts'

function parseDate(name: string) {
  return (value: string): string => {
    const text = value.trim()
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !isCalendarDate(text))
      throw new CliUsageError(`${name} must be a date like 2026-03-31, not "${value}"`)
    return text
  }
}

function outputKind(file: string): 'html' | 'pdf' {
  const extension = path.extname(file).toLowerCase()
  if (extension === '.html' || extension === '.htm') return 'html'
  if (extension === '.pdf') return 'pdf'
  throw new CliUsageError(`--out must name a .html or .pdf file, not "${file}"`)
}

export function registerReportCommands(program: Command, context: CliContext): void {
  const report = program.command('report').description('Produce reports for the council’s committees')
  report
    .command('market')
    .description(
      'Write the "Social care market update" committee report for a period, as HTML or (with Chromium) PDF',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .requiredOption('--from <date>', 'the first day of the period, e.g. 2026-01-01', parseDate('--from'))
    .requiredOption('--to <date>', 'the last day of the period, e.g. 2026-03-31', parseDate('--to'))
    .requiredOption('--out <file>', 'where to write it: a .html or .pdf file')
    .option(
      '--fees-year <year>',
      'the financial year of the fees section, by the year it starts (default: the one starting on the 1 April on or after --to)',
      parseInteger('--fees-year', 2000, 2100),
    )
    .exitOverride()
    .action(
      async (options: { council: string; from: string; to: string; out: string; feesYear?: number }) => {
        const kind = outputKind(options.out)
        if (options.from > options.to)
          throw new CliUsageError(
            `--from (${formatDate(options.from)}) must be on or before --to (${formatDate(options.to)})`,
          )
        const html = await context.withServices(async ({ accounts, marketReport }) => {
          const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
          try {
            return await renderMarketReportHtml(
              await marketReport.marketReport(council, {
                from: options.from,
                to: options.to,
                feesYear: options.feesYear,
              }),
            )
          } catch (error) {
            if (error instanceof ValidationError)
              throw new CliUsageError(error.errors.map((e) => e.message).join('; '))
            throw error
          }
        })
        if (kind === 'html') {
          await writeFile(options.out, html)
          process.stdout.write(`Wrote ${options.out}\n`)
          return
        }
        // The HTML is written whatever happens to the printing, so there is always a report.
        const htmlFile = `${options.out.slice(0, -path.extname(options.out).length)}.html`
        await writeFile(htmlFile, html)
        try {
          await writeFile(options.out, await htmlToPdf(html, chromiumPath()))
        } catch (error) {
          if (error instanceof ChromiumMissingError)
            throw new ChromiumMissingError(`${error.message} The HTML report was written to ${htmlFile}.`)
          throw error
        }
        process.stdout.write(`Wrote ${options.out} and ${htmlFile}\n`)
      },
    )
}
