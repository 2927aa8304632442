// The rows of a table people upload: a CSV file, or the first sheet of a workbook (.xlsx or .ods,
// read as a stream by workbook.ts), each row with its line as the file or the spreadsheet numbers
// it. Column titles are compared by headerKey, so imports take titles as people type them.
import { Readable } from 'node:stream'
import { CsvError, parse as csvParse } from 'csv-parse'
import { ValidationError } from '../errors.ts'
import { nulByteProblem } from '../storable.ts'
import { looksLikeWorkbook, type SheetRow, workbookKind, workbookRows } from './workbook.ts'

/**
 * The key a column title is compared by: capitals, spacing (NBSP included), a BOM or zero-width
 * characters and punctuation (brackets, balanced or not, "?", "/", "-", "_") make no difference.
 */
export function headerKey(title: string): string {
  return title
    .normalize('NFKC')
    .replace(/[\uFEFF\u200B-\u200D]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/** One row of a table with something in it: `line` is where it starts in the file or sheet. */
export interface TableRow {
  line: number
  cells: string[]
}

function invalid(message: string): ValidationError {
  return new ValidationError([{ field: 'file', message }])
}

// csv-parse's raw text keeps only the "\r" of a "\r\n" record delimiter, so count any of the three.
export function countLineBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0
}

async function* csvTableRows(input: AsyncIterable<Buffer>): AsyncGenerator<TableRow> {
  const parser = csvParse({
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
  })
  const source = Readable.from(input)
  source.on('error', (error) => parser.destroy(error))
  source.pipe(parser)
  // Physical lines are counted from the raw text, which includes skipped blank lines and the line
  // breaks inside quoted fields; csv-parse's own counters do not give a record's first line.
  let linesBefore = 0
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const leadingBlank = countLineBreaks(/^[\r\n]*/.exec(raw)?.[0] ?? '')
      const line = linesBefore + 1 + leadingBlank
      linesBefore += countLineBreaks(raw)
      const cells = record.map((cell) => cell.trim())
      if (cells.some((cell) => cell !== '')) yield { line, cells }
    }
  } catch (error) {
    if (error instanceof CsvError) throw invalid(`The CSV file could not be read: ${error.message}`)
    throw error
  } finally {
    source.destroy()
  }
}

/**
 * The rows of a CSV file (UTF-8, with or without a BOM) or of a workbook's first sheet, as text
 * trimmed of surrounding spaces. A workbook's dates come as ISO instants ("2024-04-01T00:00:00.000Z").
 * Throws a ValidationError for a file that is neither, or cannot be read.
 */
export async function* tableRows(input: Readable): AsyncGenerator<TableRow> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const first = await iterator.next()
  if (first.done) return
  const head = Buffer.isBuffer(first.value) ? first.value : Buffer.from(String(first.value))
  let offset = 0
  async function* whole(checkText: boolean): AsyncGenerator<Buffer> {
    for (let next: IteratorResult<Buffer> = first; !next.done; next = await iterator.next()) {
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value))
      if (checkText) {
        const notText = nulByteProblem(chunk, offset)
        if (notText) throw invalid(notText)
      }
      offset += chunk.length
      yield chunk
    }
  }
  if (!looksLikeWorkbook(head)) {
    yield* csvTableRows(whole(true))
    return
  }
  const kind = workbookKind(head) as 'xlsx' | 'ods'
  let sheet: string | undefined
  for await (const row of workbookRows(Readable.from(whole(false)), kind) as AsyncIterable<SheetRow>) {
    sheet ??= row.sheet
    // The first sheet is the table; a workbook's other sheets are notes or lists.
    if (row.sheet !== sheet) break
    yield { line: row.line, cells: row.cells.map((cell) => cell.trim()) }
  }
}

/**
 * A whole uploaded file held in memory, read as a table: its first row (the column titles), and up
 * to `maxRows` rows after it. `more` says the file had more rows than that, which were not read.
 */
export async function readTable(
  content: Buffer | string,
  maxRows: number,
): Promise<{ header: string[] | undefined; body: TableRow[]; more: boolean }> {
  let header: string[] | undefined
  const body: TableRow[] = []
  for await (const row of tableRows(
    Readable.from([Buffer.isBuffer(content) ? content : Buffer.from(content)]),
  )) {
    if (header === undefined) header = row.cells
    else if (body.length === maxRows) return { header, body, more: true }
    else body.push(row)
  }
  return { header, body, more: false }
}
