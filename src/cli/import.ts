import { createReadStream, statSync } from 'node:fs'
import path from 'node:path'
import cliProgress from 'cli-progress'
import type { Command } from 'commander'
import { cqcApiKey, cqcApiKeyVariable } from '../config.ts'
import { ValidationError } from '../errors.ts'
import { createCqcApiClient } from '../providers/cqc/api-client.ts'
import type { CqcApiImportSummary } from '../providers/cqc/api-import.ts'
import { parseSince } from '../providers/cqc/api-rules.ts'
import type { importCqcFile } from '../providers/cqc/import.ts'
import { CQC_FORMAT_LABELS } from '../providers/cqc/records.ts'
import { formatLondonDateTime } from '../shared/dates.ts'
import { type CliContext, CliUsageError, printJson } from './context.ts'

interface ImportCqcOptions {
  council: string
  api?: boolean
  since?: string
  localAuthority?: string
  allLocalAuthorities?: boolean
  full?: boolean
  encoding: string
  json?: boolean
}

/** The size of a file to read, or a usage error that names it. */
export function fileToRead(file: string): number {
  try {
    const stats = statSync(file)
    if (!stats.isFile()) throw new CliUsageError(`${file} is not a file`)
    return stats.size
  } catch (error) {
    if (error instanceof CliUsageError) throw error
    throw new CliUsageError(`cannot read ${file}: no such file`)
  }
}

/** A progress bar on stderr, only for a person watching a terminal: it would garble piped or JSON output. */
export function progressBar(format: string, json: boolean | undefined) {
  if (!process.stderr.isTTY || json) return undefined
  return new cliProgress.SingleBar(
    { stream: process.stderr, format, hideCursor: true },
    cliProgress.Presets.shades_classic,
  )
}

const number = new Intl.NumberFormat('en-GB')
const plural = (n: number, one: string, many = `${one}s`) => `${number.format(n)} ${n === 1 ? one : many}`

export function registerImportCommands(program: Command, context: CliContext): void {
  const imports = program
    .command('import')
    .description('Import register data and the council’s book of packages from files')

  imports
    .command('cqc')
    .description(
      'Import a CQC register file into a council’s provider register: the care directory CSV, the HSCA ' +
        'Active Locations workbook (.xlsx or .ods, as CQC publishes it) or CSV, or CQC API location JSON ' +
        '(recognised from the file; a workbook’s register is the sheet whose header row matches). ' +
        'Importing the same file again changes nothing. With --api instead of a file: the locations CQC’s API ' +
        'lists as changed since the last run (CAREMARKET_CQC_API_URL, CAREMARKET_CQC_API_KEY).',
    )
    .argument('[file]', 'the CQC file (not with --api)')
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .option(
      '--api',
      'read CQC’s API instead of a file: the changes since the last run, carrying on an interrupted one',
    )
    .option(
      '--since <date>',
      'with --api: read the changes from this date (2026-12-01) or date and time (2026-12-01T06:00:00Z), starting over',
    )
    .option(
      '--local-authority <name>',
      'keep the rows of this local authority, as CQC names it (default: the council’s own, from its name)',
    )
    .option('--all-local-authorities', 'keep every row of the file, whatever its local authority')
    .option('--full', 'the file is the whole register: mark active locations missing from it as inactive')
    .option(
      '--encoding <encoding>',
      'utf8, or latin1 for old Windows-1252 care directory files (CSV only)',
      'utf8',
    )
    .option('--json', 'print the report as JSON')
    .action(async (file: string | undefined, options: ImportCqcOptions) => {
      if (options.api) return importFromApi(context, file, options)
      if (options.since !== undefined) throw new CliUsageError('--since goes with --api')
      if (file === undefined) throw new CliUsageError('give the CQC file to import, or --api')
      if (options.localAuthority !== undefined && options.allLocalAuthorities)
        throw new CliUsageError('give --local-authority or --all-local-authorities, not both')
      if (options.encoding !== 'utf8' && options.encoding !== 'latin1')
        throw new CliUsageError(`--encoding must be utf8 or latin1, not "${options.encoding}"`)
      const bytesTotal = fileToRead(file)
      const bar = progressBar(
        `Importing ${path.basename(file)} [{bar}] {percentage}% | {rows} rows | {duration_formatted}`,
        options.json,
      )
      await context.withServices(async ({ accounts, cqcImports }) => {
        const council = await accounts.getCouncilByCode(options.council)
        bar?.start(bytesTotal, 0, { rows: 0 })
        let summary: Awaited<ReturnType<typeof importCqcFile>>
        try {
          summary = await cqcImports.importCqcFile({
            councilId: council.id,
            input: createReadStream(file),
            fileName: path.basename(file),
            bytesTotal,
            localAuthority: options.allLocalAuthorities ? null : options.localAuthority,
            full: Boolean(options.full),
            actor: { kind: 'system', label: 'cli' },
            encoding: options.encoding as 'utf8' | 'latin1',
            onProgress: (progress) =>
              bar?.update(progress.bytesRead, { rows: number.format(progress.rowsRead) }),
          })
        } finally {
          bar?.stop()
        }
        const { importId, added, updated, unchanged, deactivated, rejected } = summary
        if (options.json) {
          printJson({ importId, added, updated, unchanged, deactivated, ended: deactivated, rejected })
          return
        }
        const lines = [
          `Imported ${path.basename(file)} (${CQC_FORMAT_LABELS[summary.format]}) into ${council.name} (${council.code}), ` +
            (summary.localAuthority
              ? `keeping local authority ${summary.localAuthority}:`
              : 'keeping every local authority:'),
          `  ${number.format(added)} added, ${number.format(updated)} updated, ${number.format(unchanged)} unchanged, ` +
            `${number.format(deactivated)} marked inactive, ${plural(rejected.length, 'row')} rejected.`,
        ]
        const { otherLocalAuthority, notCareService } = summary.skipped
        if (otherLocalAuthority > 0)
          lines.push(`  Left out ${plural(otherLocalAuthority, 'row')} of other local authorities.`)
        if (notCareService > 0)
          lines.push(`  Left out ${plural(notCareService, 'row')} for services Caremarket does not broker.`)
        if (rejected.length > 0) {
          lines.push('', 'Rejected rows:')
          for (const row of rejected) lines.push(`  line ${row.line}: ${row.reason}`)
        }
        process.stdout.write(`${lines.join('\n')}\n`)
      })
    })

  imports
    .command('packages')
    .description(
      'Load a council’s current book of packages from its case or finance system: a CSV file or an Excel ' +
        '(.xlsx) or OpenDocument (.ods) workbook whose first sheet has the columns the README lists. If any ' +
        'row is rejected, nothing is imported and every rejected row is listed. Importing the same file again ' +
        'changes nothing.',
    )
    .argument('<file>', 'the CSV file or workbook')
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .option('--full', 'the file is the whole book: active imported packages missing from it are ended')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: { council: string; full?: boolean; json?: boolean }) => {
      fileToRead(file)
      await context.withServices(async ({ accounts, packageImports }) => {
        const council = await accounts.getCouncilByCode(options.council)
        const report = await packageImports.importPackages({
          councilId: council.id,
          input: createReadStream(file),
          fileName: path.basename(file),
          full: Boolean(options.full),
          actor: { kind: 'system', label: 'cli' },
        })
        const { importId, added, updated, unchanged, ended, rejected } = report
        if (options.json) printJson({ importId, added, updated, unchanged, ended, rejected })
        else if (rejected.length > 0) {
          const lines = [
            `Nothing was imported from ${path.basename(file)}: ${plural(rejected.length, 'row')} rejected.`,
            '',
            'Rejected rows:',
            ...rejected.map((row) => `  line ${row.line}: ${row.reason}`),
          ]
          process.stdout.write(`${lines.join('\n')}\n`)
        } else
          process.stdout.write(
            `Imported ${path.basename(file)} into ${council.name} (${council.code}):\n` +
              `  ${number.format(added)} added, ${number.format(updated)} updated, ${number.format(unchanged)} unchanged, ` +
              `${number.format(ended)} ended.\n`,
          )
        // Nothing was written: the command failed, whatever it printed.
        if (rejected.length > 0)
          throw new ValidationError([
            { field: 'file', message: `${plural(rejected.length, 'row')} rejected; nothing was imported` },
          ])
      })
    })
}

/** `import cqc --api`: CQC's changes since the last run, into the council's register. */
async function importFromApi(
  context: CliContext,
  file: string | undefined,
  options: ImportCqcOptions,
): Promise<void> {
  if (file !== undefined) throw new CliUsageError('give a file or --api, not both')
  if (options.full || options.localAuthority !== undefined || options.allLocalAuthorities)
    throw new CliUsageError(
      '--api keeps the council’s own local authority and changes only what CQC changed: leave out --full, --local-authority and --all-local-authorities',
    )
  let since: Date | undefined
  if (options.since !== undefined) {
    const parsed = parseSince(options.since, new Date())
    if (!parsed.ok) throw new CliUsageError(parsed.problem)
    since = parsed.since
  }
  const config = context.config()
  await context.withServices(async ({ accounts, cqcApiImports }) => {
    const council = await accounts.getCouncilByCode(options.council)
    const subscriptionKey = cqcApiKey(config, council.code)
    if (!subscriptionKey)
      throw new CliUsageError(
        `no CQC API subscription key for ${council.code}: set CAREMARKET_CQC_API_KEY, or ${cqcApiKeyVariable(council.code)} for this council alone`,
      )
    const summary: CqcApiImportSummary = await cqcApiImports.importCqcApiChanges({
      councilId: council.id,
      client: createCqcApiClient({ baseUrl: config.cqcApi.baseUrl, subscriptionKey }),
      since,
      actor: { kind: 'system', label: 'cli' },
    })
    const { importId, added, updated, unchanged, deactivated, rejected } = summary
    if (options.json) {
      printJson({ importId, added, updated, unchanged, deactivated, ended: deactivated, rejected })
      return
    }
    const { first, written, total } = summary.pages
    const lines = [
      `Imported CQC’s changes from ${formatLondonDateTime(summary.changesFrom)} to ${formatLondonDateTime(summary.changesTo)} ` +
        `into ${council.name} (${council.code}), keeping local authority ${summary.localAuthority ?? 'any'}:`,
      `  ${written === 0 ? 'no pages' : `pages ${first} to ${first + written - 1}`} of ${plural(total, 'page')}` +
        (first > 1 ? ' (carrying on an interrupted run).' : '.'),
      `  ${number.format(added)} added, ${number.format(updated)} updated, ${number.format(unchanged)} unchanged, ` +
        `${number.format(deactivated)} marked inactive, ${plural(rejected.length, 'location')} rejected.`,
    ]
    const { otherLocalAuthority, notCareService } = summary.skipped
    if (otherLocalAuthority > 0)
      lines.push(`  Left out ${plural(otherLocalAuthority, 'location')} of other local authorities.`)
    if (notCareService > 0)
      lines.push(`  Left out ${plural(notCareService, 'location')} for services Caremarket does not broker.`)
    if (rejected.length > 0) {
      lines.push('', 'Rejected locations:')
      for (const row of rejected)
        lines.push(`  ${row.line}${row.locationId ? ` (${row.locationId})` : ''}: ${row.reason}`)
    }
    process.stdout.write(`${lines.join('\n')}\n`)
  })
}
