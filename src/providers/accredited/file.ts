// An accreditation list as a file: CSV, or an Excel (.xlsx) or OpenDocument (.ods) workbook's
// first sheet. Whole-file problems throw; each row keeps its line for the import's report.
import { Readable } from 'node:stream'
import { ValidationError } from '../../errors.ts'
import { type TableRow, tableRows } from '../../spreadsheets/rows.ts'
import { csvText } from '../../web/csv.ts'
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

/** The file's rows, as many as the limit allows and one more, so that a longer file is refused. */
async function cellsOf(content: Buffer): Promise<TableRow[]> {
  const rows: TableRow[] = []
  for await (const row of tableRows(Readable.from([content]))) {
    rows.push(row)
    if (rows.length > MAX_IMPORT_ROWS + 1) break
  }
  return rows
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
