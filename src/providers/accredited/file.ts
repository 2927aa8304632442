// An accreditation list as a file: CSV, or an Excel (.xlsx) or OpenDocument (.ods) workbook's
// first sheet. Whole-file problems throw; each row keeps its line for the import's report.
import { Readable } from 'node:stream'
import { parse } from 'csv-parse/sync'
import { ValidationError } from '../../errors.ts'
import { nulByteProblem } from '../../storable.ts'
import { csvText } from '../../web/csv.ts'
import { workbookKind, workbookRows } from '../cqc/workbook.ts'
import { type AccreditedServiceInput, columnKey, IMPORT_COLUMNS, REQUIRED_IMPORT_COLUMNS } from './rules.ts'

export const MAX_IMPORT_ROWS = 5_000
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024

export interface ImportRow {
  line: number
  entry: AccreditedServiceInput
}

function fileProblem(message: string): ValidationError {
  return new ValidationError([{ field: 'file', message }])
}

async function cellsOf(content: Buffer): Promise<{ line: number; cells: string[] }[]> {
  const kind = workbookKind(content)
  if (kind) {
    const rows: { line: number; cells: string[] }[] = []
    let firstSheet: string | null = null
    for await (const row of workbookRows(Readable.from([content]), kind)) {
      firstSheet ??= row.sheet
      if (row.sheet !== firstSheet) break
      rows.push({ line: row.line, cells: row.cells })
      if (rows.length > MAX_IMPORT_ROWS + 1) break
    }
    return rows
  }
  const notText = nulByteProblem(content)
  if (notText) throw fileProblem(notText)
  try {
    const records = parse(content, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[]
    return records.map(({ record, info }) => ({ line: info.lines, cells: record }))
  } catch (error) {
    const line = (error as { lines?: number }).lines
    throw fileProblem(
      `The file is not valid CSV${line ? ` (line ${line})` : ''}: ${(error as Error).message}. Save it as CSV or .xlsx and try again`,
    )
  }
}

/** The file's rows as entries, each with its line; the header must name every column of the template. */
export async function readAccreditationFile(content: Buffer): Promise<ImportRow[]> {
  if (content.length === 0) throw fileProblem('The file is empty')
  const [header, ...body] = await cellsOf(content)
  if (!header) throw fileProblem('The file is empty')
  const columns = header.cells.map(columnKey)
  const missing = REQUIRED_IMPORT_COLUMNS.filter((c) => !columns.includes(c))
  if (missing.length > 0) {
    throw fileProblem(
      `The first line must name the columns ${REQUIRED_IMPORT_COLUMNS.join(', ')}. Missing: ${missing.join(', ')}`,
    )
  }
  if (body.length > MAX_IMPORT_ROWS) {
    throw fileProblem(`The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-GB')} rows; split it`)
  }
  if (body.length === 0) throw fileProblem('The file has a header but no services')
  return body.map(({ line, cells }) => {
    const entry: Record<string, string> = {}
    for (const [column, fieldName] of Object.entries(IMPORT_COLUMNS)) {
      entry[fieldName] = (cells[columns.indexOf(column)] ?? '').trim()
    }
    return { line, entry: entry as AccreditedServiceInput }
  })
}

/** The template a commissioner fills in, with one example row. */
export function importTemplate(): string {
  return csvText([
    REQUIRED_IMPORT_COLUMNS,
    [
      'DS-001',
      'ORG-001',
      'Riverside Community Trust',
      'day_opportunities',
      'Riverside Day Centre',
      '1 Riverside Road, Norwich',
      'NR1 1AA',
      'day_opportunities',
      'dementia; learning_disability',
      'older_people; younger_adults',
      'safeguarding; dbs_checks; insurance',
      '2026-04-01',
      '2027-03-31',
      'Quality and Market Development Team',
    ],
  ])
}
