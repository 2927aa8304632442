// Reads the rows of a spreadsheet workbook (.xlsx or .ods) as text cells, one row at a time,
// without holding the workbook in memory. CQC publishes the HSCA Active Locations register and
// the ratings as workbooks; councils also save the care directory CSV as one.
//
// .xlsx: exceljs's streaming WorkbookReader. Shared strings are kept in memory (the format makes a
// reader look them up by number); sheets that come before them in the archive wait in temporary
// files, not in memory.
// .ods: no maintained package reads OpenDocument spreadsheets as a stream (SheetJS and officeparser
// load the whole file), so content.xml is taken from the archive as a stream (unzipper, which
// exceljs also uses) and read with a SAX parser (saxes). See docs/decisions.md.

import { PassThrough, pipeline, type Readable, type Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import unzipper from 'unzipper'
import { ValidationError } from '../errors.ts'

export type WorkbookKind = 'xlsx' | 'ods'

/** One row of a sheet that has something in it; `line` is its row number, as a spreadsheet shows it. */
export interface SheetRow {
  sheet: string
  line: number
  cells: string[]
}

const ZIP = Buffer.from('PK\x03\x04', 'latin1')
const OLE2 = Buffer.from('d0cf11e0a1b11ae1', 'hex')
const ODS_MIMETYPE = 'application/vnd.oasis.opendocument.spreadsheet'
// Beyond any real register (CQC's widest sheet has about 130 columns); guards against a crafted file.
const MAX_COLUMNS = 16_384
// Programs repeat an empty row to the sheet's last row; a filled row repeated this often is not a register.
const MAX_REPEATED_ROWS = 10_000

function invalid(message: string): ValidationError {
  return new ValidationError([{ field: 'file', message }])
}

/**
 * Which kind of workbook a file is, from its first bytes; undefined for anything that is not a zip
 * archive (a text file). An old .xls workbook or another OpenDocument file is refused by name.
 */
export function workbookKind(head: Buffer): WorkbookKind | undefined {
  if (head.subarray(0, OLE2.length).equals(OLE2))
    throw invalid(
      'The file is an Excel 97-2003 workbook (.xls), which Caremarket cannot read. ' +
        'Save it as an Excel workbook (.xlsx), an OpenDocument spreadsheet (.ods) or CSV and upload that.',
    )
  if (!head.subarray(0, ZIP.length).equals(ZIP)) return undefined
  // An OpenDocument file starts with an uncompressed "mimetype" entry naming what it is.
  const start = head.subarray(0, 200).toString('latin1')
  if (start.includes('mimetypeapplication/vnd.oasis.opendocument.')) {
    if (start.includes(`mimetype${ODS_MIMETYPE}`)) return 'ods'
    throw invalid('The file is an OpenDocument file but not a spreadsheet.')
  }
  return 'xlsx'
}

/** Whether the first bytes of a file are those of a workbook (a zip archive). */
export function looksLikeWorkbook(head: Buffer): boolean {
  return head.subarray(0, ZIP.length).equals(ZIP) || head.subarray(0, OLE2.length).equals(OLE2)
}

/** The rows of every sheet of a workbook, in order. Throws a ValidationError when it cannot be read. */
export async function* workbookRows(input: Readable, kind: WorkbookKind): AsyncGenerator<SheetRow> {
  try {
    yield* kind === 'xlsx' ? xlsxRows(input) : odsRows(input)
  } catch (error) {
    if (error instanceof ValidationError) throw error
    const message = error instanceof Error ? error.message : String(error)
    // unzipper's word for an archive that stops part-way.
    const reason = message === 'FILE_ENDED' ? 'the file ends part-way through the workbook' : message
    throw invalid(`The ${kind === 'xlsx' ? 'Excel' : 'OpenDocument'} workbook could not be read: ${reason}`)
  } finally {
    input.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// .xlsx

async function* xlsxRows(input: Readable): AsyncGenerator<SheetRow> {
  // exceljs pipes the input into a zip reader of its own and does not hear that reader fail: an
  // archive that stops part-way would leave it waiting for the rest of a sheet for ever. The input
  // goes through a stream that catches that pipe, so a failure there (or of the input) ends the
  // wait for the next row. (Not Promise.race with one failure promise: each race would leave a
  // reaction on it, holding every row read.)
  let failed: Error | undefined
  let rejectWaiting: ((error: Error) => void) | undefined
  const fail = (error: Error) => {
    failed ??= error
    rejectWaiting?.(error)
  }
  const next = <T>(iterator: AsyncIterator<T>) =>
    new Promise<IteratorResult<T>>((resolve, reject) => {
      if (failed) return reject(failed)
      rejectWaiting = reject
      iterator.next().then(resolve, reject)
    })
  const source = new PassThrough()
  const pipe = source.pipe.bind(source)
  source.pipe = ((destination: Writable, options?: { end?: boolean }) => {
    destination.on('error', fail)
    return pipe(destination, options)
  }) as typeof source.pipe
  pipeline(input, source, (error) => {
    if (error) fail(error)
  })
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    // Needed to tell a date from a number.
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  })
  const worksheets = reader[Symbol.asyncIterator]()
  let sheets = 0
  try {
    for (let worksheet = await next(worksheets); !worksheet.done; worksheet = await next(worksheets)) {
      sheets++
      const name = (worksheet.value as unknown as { name?: string }).name ?? `Sheet${sheets}`
      const rows = (worksheet.value as unknown as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator]()
      for (let row = await next(rows); !row.done; row = await next(rows)) {
        const values = row.value.values as unknown[]
        const cells: string[] = []
        const width = Math.min(values.length, MAX_COLUMNS + 1)
        for (let i = 1; i < width; i++) cells.push(xlsxText(values[i]))
        if (cells.some((cell) => cell !== '')) yield { sheet: name, line: row.value.number, cells }
      }
    }
  } finally {
    source.destroy()
  }
  if (sheets === 0) throw invalid('The file is not an Excel workbook (.xlsx): it has no sheets.')
}

function xlsxText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString()
  if (typeof value !== 'object') return String(value)
  const cell = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: unknown }
  if (Array.isArray(cell.richText)) return cell.richText.map((part) => part.text).join('')
  if ('result' in cell) return xlsxText(cell.result)
  if (cell.text !== undefined) return xlsxText(cell.text)
  return ''
}

// ---------------------------------------------------------------------------------------------
// .ods

interface OdsState {
  sheet: string
  line: number
  cells: string[]
  /** Empty cells not yet added: trailing ones never are. */
  pendingEmpty: number
  rowRepeat: number
  cellRepeat: number
  cellValue: string | null
  text: string[]
  paragraphs: number
  inCell: boolean
  /** Inside an annotation (a comment), whose text is not the cell's. */
  annotation: number
}

async function* odsRows(input: Readable): AsyncGenerator<SheetRow> {
  const zip = input.pipe(unzipper.Parse({ forceStream: true }))
  input.once('error', (error) => zip.destroy(error))
  // A file that ends inside an entry fails the archive, not the entry: end the entry's read with it.
  // It may fail before the entry is reached (entries are announced ahead of their data).
  let reading: unzipper.Entry | undefined
  let failed: Error | undefined
  zip.on('error', (error) => {
    failed ??= error
    reading?.destroy(error)
  })
  let content = false
  for await (const entry of zip as AsyncIterable<unzipper.Entry>) {
    if (entry.path !== 'content.xml' || content) {
      entry.autodrain()
      continue
    }
    content = true
    if (failed) throw failed
    reading = entry
    yield* odsContentRows(entry)
    reading = undefined
  }
  if (!content) throw invalid('The file is not an OpenDocument spreadsheet (.ods): it has no content.xml.')
}

async function* odsContentRows(entry: Readable): AsyncGenerator<SheetRow> {
  const parser = new SaxesParser({ xmlns: false })
  const ready: SheetRow[] = []
  const state: OdsState = {
    sheet: '',
    line: 0,
    cells: [],
    pendingEmpty: 0,
    rowRepeat: 1,
    cellRepeat: 1,
    cellValue: null,
    text: [],
    paragraphs: 0,
    inCell: false,
    annotation: 0,
  }
  let sheets = 0
  let failure: Error | undefined
  parser.on('error', (error) => {
    failure ??= error
  })
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const attributes = tag.attributes as Record<string, string>
    switch (tag.name) {
      case 'table:table':
        sheets++
        state.sheet = attributes['table:name'] ?? `Sheet${sheets}`
        state.line = 0
        break
      case 'table:table-row':
        state.cells = []
        state.pendingEmpty = 0
        state.rowRepeat = repeat(attributes['table:number-rows-repeated'])
        break
      case 'table:table-cell':
      case 'table:covered-table-cell':
        state.inCell = true
        state.cellRepeat = repeat(attributes['table:number-columns-repeated'])
        state.cellValue = odsValue(attributes)
        state.text = []
        state.paragraphs = 0
        if (tag.isSelfClosing) endCell(state)
        break
      case 'office:annotation':
        state.annotation++
        break
      case 'text:p':
      case 'text:h':
        if (state.inCell && !state.annotation && state.paragraphs++ > 0) state.text.push('\n')
        break
      case 'text:s':
        if (state.inCell && !state.annotation)
          state.text.push(' '.repeat(Math.min(repeat(attributes['text:c']), 1000)))
        break
      case 'text:tab':
        if (state.inCell && !state.annotation) state.text.push('\t')
        break
      case 'text:line-break':
        if (state.inCell && !state.annotation) state.text.push('\n')
        break
    }
  })
  parser.on('text', (text) => {
    if (state.inCell && !state.annotation) state.text.push(text)
  })
  parser.on('closetag', (tag) => {
    switch (tag.name) {
      case 'table:table-cell':
      case 'table:covered-table-cell':
        if (!tag.isSelfClosing) endCell(state)
        break
      case 'office:annotation':
        state.annotation--
        break
      case 'table:table-row': {
        const filled = state.cells.some((cell) => cell !== '')
        if (filled && state.rowRepeat > MAX_REPEATED_ROWS)
          failure ??= new Error(
            `row ${state.line + 1} of sheet "${state.sheet}" is repeated ${state.rowRepeat} times`,
          )
        for (let i = 0; i < Math.min(state.rowRepeat, MAX_REPEATED_ROWS); i++) {
          state.line++
          // Sheets end with a row repeated to the last row the program allows: only count those.
          if (filled) ready.push({ sheet: state.sheet, line: state.line, cells: state.cells })
          else {
            state.line += state.rowRepeat - 1
            break
          }
        }
        break
      }
    }
  })
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    parser.write(decoder.decode(chunk, { stream: true }))
    if (failure) throw failure
    yield* ready.splice(0)
  }
  parser.write(decoder.decode())
  parser.close()
  if (failure) throw failure
  yield* ready.splice(0)
}

function repeat(value: string | undefined): number {
  const count = value === undefined ? 1 : Number.parseInt(value, 10)
  return Number.isFinite(count) && count > 0 ? count : 1
}

/** A cell's value from its attributes, where the type gives one; its text otherwise. */
function odsValue(attributes: Record<string, string>): string | null {
  switch (attributes['office:value-type']) {
    case 'float':
    case 'percentage':
    case 'currency':
      return attributes['office:value'] ?? null
    case 'date':
      return attributes['office:date-value'] ?? null
    case 'boolean':
      return attributes['office:boolean-value'] ?? null
    default:
      return null
  }
}

function endCell(state: OdsState) {
  state.inCell = false
  const value = state.cellValue ?? state.text.join('')
  const room = MAX_COLUMNS - state.cells.length - state.pendingEmpty
  const count = Math.max(0, Math.min(state.cellRepeat, room))
  if (value === '') {
    state.pendingEmpty += count
    return
  }
  for (let i = 0; i < state.pendingEmpty; i++) state.cells.push('')
  state.pendingEmpty = 0
  for (let i = 0; i < count; i++) state.cells.push(value)
}
