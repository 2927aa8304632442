import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parse as parseCsv } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { type Cell, odsBuffer, type Sheet, xlsxBuffer } from '../../../test/workbooks.ts'
import { ValidationError } from '../../errors.ts'
import { parseCqcFile, workbookLayout } from './parse.ts'
import type { CqcLocationRecord, CqcParseSummary, RejectedRow } from './records.ts'
import { writeHscaXlsx } from './write.ts'

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../test/fixtures/cqc/${name}`, import.meta.url)), 'utf8')

/** The bytes in chunks, as a file is read. */
function chunked(bytes: Buffer, size = 16 * 1024): Readable {
  const chunks: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
  return Readable.from(chunks)
}

async function parse(bytes: Buffer | string) {
  const rows = parseCqcFile(chunked(Buffer.from(bytes)))
  const records: CqcLocationRecord[] = []
  const rejected: RejectedRow[] = []
  for (;;) {
    const next = await rows.next()
    if (next.done) return { records, rejected, summary: next.value as CqcParseSummary }
    if (next.value.ok) records.push(next.value.record)
    else rejected.push(next.value.rejected)
  }
}

async function refusal(bytes: Buffer): Promise<string> {
  const error = await parse(bytes).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return (error as ValidationError).errors.map((e) => e.message).join(' ')
}

const withoutLines = (records: CqcLocationRecord[]) => records.map(({ line: _line, ...rest }) => rest)

// The HSCA fixture as a workbook would hold it: numbers and dates as such, not as text.
const hscaCsv = parseCsv(fixture('hsca-active-locations.csv'), { relax_column_count: true }) as string[][]
const hscaHeader = hscaCsv[0] as string[]
const numeric = new Set(['Care homes beds', 'Location Latitude', 'Location Longitude'])
function typed(row: string[]): Cell[] {
  return row.map((text, i) => {
    const column = hscaHeader[i] ?? ''
    if (text === '') return null
    if (numeric.has(column) && /^-?\d+(\.\d+)?$/.test(text)) return Number(text)
    const dmy = column === 'Publication Date' ? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text) : null
    return dmy ? new Date(Date.UTC(Number(dmy[3]), Number(dmy[2]) - 1, Number(dmy[1]))) : text
  })
}
const notes: Sheet = {
  name: 'Notes',
  rows: [['About this file'], [], ['Issues with our care directory files']],
}
const register: Sheet = {
  name: 'HSCA_Active_Locations',
  rows: [
    ['HSCA Active Locations'],
    [],
    ['Produced 1 September 2026'],
    [],
    hscaHeader,
    ...hscaCsv.slice(1).map(typed),
  ],
}

const careDirectoryCsv = fixture('care-directory.csv')
const careDirectory: Sheet = {
  name: 'CQC_care_directory',
  rows: parseCsv(careDirectoryCsv, { relax_column_count: true, skip_empty_lines: false }) as string[][],
}

describe.each([
  ['.xlsx', (sheets: Sheet[]) => xlsxBuffer(sheets)],
  ['.ods', (sheets: Sheet[]) => odsBuffer(sheets)],
  ['.ods with data descriptors', (sheets: Sheet[]) => odsBuffer(sheets, { streamFiles: true })],
])('%s workbooks', (_kind, workbook) => {
  it('reads the HSCA register from the sheet whose header row matches, past the notes and title rows', async () => {
    const fromCsv = await parse(fixture('hsca-active-locations.csv'))
    const fromWorkbook = await parse(await workbook([notes, register]))
    expect(fromWorkbook.summary).toMatchObject({ format: 'hsca-active-locations', accepted: 5, rejected: 3 })
    expect(withoutLines(fromWorkbook.records)).toEqual(withoutLines(fromCsv.records))
    // Rows are numbered as the spreadsheet numbers them: the header is on row 5.
    expect(fromWorkbook.records[0]?.line).toBe(6)
    expect(fromWorkbook.rejected.map((r) => r.reason)).toEqual(fromCsv.rejected.map((r) => r.reason))
  })

  it('reads a care directory saved as a workbook', async () => {
    const fromCsv = await parse(careDirectoryCsv)
    const fromWorkbook = await parse(await workbook([careDirectory]))
    expect(fromWorkbook.summary.format).toBe('care-directory')
    expect(withoutLines(fromWorkbook.records)).toEqual(withoutLines(fromCsv.records))
  })

  it('refuses a workbook with no register sheet, naming the nearest header', async () => {
    const header = hscaHeader.filter((name) => name !== 'Provider ID')
    const message = await refusal(await workbook([notes, { name: 'Data', rows: [header, []] }]))
    expect(message).toContain('The file is not a CQC register file. Row 1 of sheet "Data" looks like a')
    expect(message).toContain('has no column "Provider ID"')
  })

  it('says what the register sheet lacks when it lacks a column the import needs', async () => {
    const header = hscaHeader.map((name) => (name === 'Care homes beds' ? 'Beds' : name))
    const message = await refusal(await workbook([{ name: 'HSCA', rows: [['Title'], header] }]))
    expect(message).toMatch(/header on row 2 of sheet "HSCA"\) but has no column "Care homes beds"/)
  })

  it('finds the format from the header row alone', async () => {
    expect(await workbookLayout(Readable.from([await workbook([notes, register])]))).toBe(
      'hsca-active-locations',
    )
  })
})

describe('workbooks that cannot be read', () => {
  // Big enough that the archive is read in many chunks, so it fails part-way through reading a sheet.
  const big: Sheet = {
    name: 'HSCA_Active_Locations',
    rows: [hscaHeader, ...Array.from({ length: 20 }, () => hscaCsv.slice(1).map(typed)).flat()],
  }

  it.each([
    ['.xlsx', () => xlsxBuffer([notes, big])],
    ['.ods', () => odsBuffer([notes, big])],
  ])('refuses a %s that ends part-way with a ValidationError, wherever it ends', async (_kind, workbook) => {
    const whole = await workbook()
    for (const fraction of [0.2, 0.5, 0.9, 0.999])
      expect(await refusal(whole.subarray(0, Math.floor(whole.length * fraction)))).toContain(
        'could not be read: the file ends part-way through the workbook',
      )
  })

  it('refuses bytes that only start like a workbook', async () => {
    const bytes = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(4096, 7)])
    expect(await refusal(bytes)).toMatch(/workbook could not be read/)
  })

  it('names an old .xls workbook and says how to save it', async () => {
    const bytes = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)])
    expect(await refusal(bytes)).toContain('Excel 97-2003 workbook (.xls)')
  })
})

describe('the HSCA workbook writer', () => {
  it('writes a workbook that reads back as the locations written', async () => {
    const { records } = await parse(fixture('hsca-active-locations.csv'))
    const chunks: Buffer[] = []
    const out = new (await import('node:stream')).PassThrough()
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    await writeHscaXlsx(records, out)
    const back = await parse(Buffer.concat(chunks))
    expect(back.summary.format).toBe('hsca-active-locations')
    expect(withoutLines(back.records)).toEqual(withoutLines(records))
  })
})
