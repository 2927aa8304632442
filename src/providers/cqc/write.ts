import { once } from 'node:events'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { stringify } from 'csv-stringify'
import ExcelJS from 'exceljs'
import { MONTH_NAMES } from '../../shared/dates.ts'
import type { ClientGroup, ServiceType, Specialism } from '../vocabulary.ts'
import {
  CARE_DIRECTORY_COLUMNS,
  HSCA_COLUMNS,
  HSCA_SERVICE_TYPE_PREFIX,
  HSCA_SERVICE_USER_BAND_PREFIX,
} from './columns.ts'
import {
  CARE_DIRECTORY_SERVICE_TYPE_NAMES,
  CARE_DIRECTORY_SPECIALISM_NAMES,
  HSCA_SERVICE_TYPE_NAMES,
  HSCA_SERVICE_USER_BAND_NAMES,
} from './mapping.ts'
import type { CqcLocationRecord } from './records.ts'

/** A location to write: a parsed record, or one built from Caremarket's own data. */
export type CqcLocationWriteInput = Omit<
  CqcLocationRecord,
  'line' | 'providerName' | 'lastInspectionDate' | 'keyQuestionRatings'
> & {
  /** Not written: neither file CQC publishes for the register carries them. */
  keyQuestionRatings?: CqcLocationRecord['keyQuestionRatings']
  line?: number
  providerName?: string | null
  lastInspectionDate?: string | null
  phone?: string | null
  website?: string | null
  region?: string | null
  /** 'YYYY-MM-DD' the location was registered (HSCA "Location HSCA start date"). */
  registrationDate?: string | null
}

type Locations = Iterable<CqcLocationWriteInput> | AsyncIterable<CqcLocationWriteInput>

export interface WriteOptions {
  /** The date the file says it was produced (care directory title block). Defaults to today. */
  producedOn?: Date
}

function isoParts(date: string | null | undefined): [string, string, string] | undefined {
  const match = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null
  return match ? [match[1] ?? '', match[2] ?? '', match[3] ?? ''] : undefined
}

/** The care directory's "09/Jan/2026 - 00:00". */
function directoryDate(date: string | null | undefined): string {
  const parts = isoParts(date)
  if (!parts) return ''
  const [year, month, day] = parts
  return `${day}/${MONTH_NAMES[Number(month) - 1]?.slice(0, 3)}/${year} - 00:00`
}

/** Spreadsheet exports' dd/mm/yyyy. */
function sheetDate(date: string | null | undefined): string {
  const parts = isoParts(date)
  return parts ? `${parts[2]}/${parts[1]}/${parts[0]}` : ''
}

function longDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCFullYear()}`
}

const value = (item: string | number | null | undefined) =>
  item === null || item === undefined ? '' : String(item)

/**
 * These files are the CQC's own formats, written from the demo's made-up register for the import's
 * tests and benchmarks, never from what people typed. They are not neutralised as the CSVs that
 * people download are (src/web/csv.ts): the CQC writes "-" and negative longitudes as they are, and
 * the import must read back exactly what it would read from the CQC.
 */
async function writeRows(rows: AsyncIterable<string[]> | Iterable<string[]>, out: Writable): Promise<void> {
  // csv-stringify quotes fields holding its record delimiter, not a bare "\n": quote those too.
  const stringifier = stringify({ record_delimiter: 'windows', quoted_match: /[\r\n]/ })
  await pipeline(Readable.from(rows), stringifier, out)
}

const CARE_HOMES: readonly ServiceType[] = ['residential_home', 'nursing_home']

/**
 * Writes a CQC care directory CSV: the title block, the header row, one row per location.
 * Streams with back-pressure and ends `out`.
 */
export async function writeCareDirectoryCsv(
  locations: Locations,
  out: Writable,
  options: WriteOptions = {},
): Promise<void> {
  const producedOn = options.producedOn ?? new Date()
  async function* rows(): AsyncGenerator<string[]> {
    yield ['CQC Locations data']
    yield []
    yield [`This data was produced on ${longDate(producedOn)}`]
    yield []
    yield [...CARE_DIRECTORY_COLUMNS]
    for await (const location of locations) {
      const needs: (Specialism | ClientGroup)[] = [...location.clientGroups, ...location.specialisms]
      const row: Record<(typeof CARE_DIRECTORY_COLUMNS)[number], string> = {
        Name: location.name,
        'Also known as': '',
        Address: location.address,
        Postcode: value(location.postcode),
        'Phone number': value(location.phone),
        "Service's website (if available)": value(location.website),
        'Service types': location.serviceTypes
          .map((type) => CARE_DIRECTORY_SERVICE_TYPE_NAMES[type])
          .join('|'),
        'Date of latest check': directoryDate(location.lastInspectionDate),
        'Specialisms/services': needs.map((need) => CARE_DIRECTORY_SPECIALISM_NAMES[need]).join('|'),
        'Provider name': value(location.providerName),
        'Local authority': value(location.localAuthority),
        Region: value(location.region),
        'Location URL': `https://www.cqc.org.uk/location/${location.cqcLocationId}`,
        'CQC Location ID (for office use only)': location.cqcLocationId,
        'CQC Provider ID (for office use only)': location.cqcProviderId,
      }
      yield CARE_DIRECTORY_COLUMNS.map((name) => row[name])
    }
  }
  await writeRows(rows(), out)
}

/** Street, line 2 and city from a "a, b, c" address, so that the parser joins them back unchanged. */
function splitAddress(address: string): { street: string; line2: string; city: string } {
  const parts = address.split(', ')
  if (parts.length < 2) return { street: address, line2: '', city: '' }
  const city = parts.pop() ?? ''
  const line2 = parts.length >= 2 ? (parts.pop() ?? '') : ''
  return { street: parts.join(', '), line2, city }
}

/**
 * Writes the HSCA Active Locations sheet as CSV, with every column of the 2026 edition.
 * Streams with back-pressure and ends `out`.
 */
export async function writeHscaCsv(locations: Locations, out: Writable): Promise<void> {
  async function* rows(): AsyncGenerator<string[]> {
    yield [...HSCA_COLUMNS]
    yield* hscaRows(locations)
  }
  await writeRows(rows(), out)
}

/** The HSCA sheet's rows, one per location, as text. */
async function* hscaRows(locations: Locations): AsyncGenerator<string[]> {
  for await (const location of locations) {
    const careHome = location.serviceTypes.some((type) => CARE_HOMES.includes(type))
    const personalCare = location.serviceTypes.some((type) => !CARE_HOMES.includes(type))
    const { street, line2, city } = splitAddress(location.address)
    const row = new Map<string, string>([
      ['Location ID', location.cqcLocationId],
      ['Location HSCA start date', sheetDate(location.registrationDate)],
      ['Dormant (Y/N)', 'N'],
      ['Care home?', careHome ? 'Y' : 'N'],
      ['Location Name', location.name],
      ['Location Telephone Number', value(location.phone)],
      ['Location Web Address', value(location.website)],
      ['Care homes beds', value(location.registeredBeds)],
      ['Location Type/Sector', 'Social Care Org'],
      ['Location Inspection Directorate', 'Adult social care'],
      [
        'Location Primary Inspection Category',
        careHome ? 'Residential social care' : 'Community based adult social care services',
      ],
      ['Location Latest Overall Rating', value(location.cqcRating)],
      ['Publication Date', sheetDate(location.cqcRatingDate)],
      ['Inherited Rating (Y/N)', location.cqcRating ? 'N' : ''],
      ['Location Region', value(location.region)],
      ['Location Local Authority', value(location.localAuthority)],
      ['Location Street Address', street],
      ['Location Address Line 2', line2],
      ['Location City', city],
      ['Location Postal Code', value(location.postcode)],
      ['Location Latitude', value(location.latitude)],
      ['Location Longitude', value(location.longitude)],
      ['Brand ID', '-'],
      ['Brand Name', '-'],
      ['Provider ID', location.cqcProviderId],
      ['Provider Name', value(location.providerName)],
      ['Provider Type/Sector', 'Social Care Org'],
      ['Provider Inspection Directorate', 'Adult social care'],
      ['Provider Ownership Type', 'Organisation'],
      [
        'Regulated activity - Accommodation for persons who require nursing or personal care',
        careHome ? 'Y' : '',
      ],
      ['Regulated activity - Nursing care', location.serviceTypes.includes('nursing_home') ? 'Y' : ''],
      ['Regulated activity - Personal care', personalCare ? 'Y' : ''],
    ])
    for (const type of location.serviceTypes)
      row.set(HSCA_SERVICE_TYPE_PREFIX + HSCA_SERVICE_TYPE_NAMES[type], 'Y')
    for (const need of [...location.specialisms, ...location.clientGroups])
      row.set(HSCA_SERVICE_USER_BAND_PREFIX + HSCA_SERVICE_USER_BAND_NAMES[need], 'Y')
    yield HSCA_COLUMNS.map((name) => row.get(name) ?? '')
  }
}

// Cells CQC's workbooks hold as numbers and dates rather than text.
const HSCA_NUMBER_COLUMNS = new Set(['Care homes beds', 'Location Latitude', 'Location Longitude'])
const HSCA_DATE_COLUMNS = new Set(['Location HSCA start date', 'Publication Date'])

function hscaCell(column: string, text: string): string | number | Date | null {
  if (text === '') return null
  if (HSCA_NUMBER_COLUMNS.has(column)) return Number(text)
  const dmy = HSCA_DATE_COLUMNS.has(column) ? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text) : null
  if (dmy) return new Date(Date.UTC(Number(dmy[3]), Number(dmy[2]) - 1, Number(dmy[1])))
  return text
}

/**
 * Writes the HSCA Active Locations workbook (.xlsx) as CQC lays it out: a notes sheet first, then
 * the register sheet, whose header row follows a few title rows. Numbers and dates are real
 * numbers and dates. Streams, and ends `out`; resolves once it has finished.
 */
export async function writeHscaXlsx(locations: Locations, out: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true })
  const notes = workbook.addWorksheet('Notes')
  notes.addRow(['Care Quality Commission: HSCA Active Locations']).commit()
  notes.addRow(['Locations registered under the Health and Social Care Act 2008']).commit()
  notes.commit()
  const sheet = workbook.addWorksheet('HSCA_Active_Locations')
  sheet.addRow(['HSCA Active Locations']).commit()
  sheet.addRow([]).commit()
  sheet.addRow(['This data was produced from the register']).commit()
  sheet.addRow([]).commit()
  sheet.addRow([...HSCA_COLUMNS]).commit()
  for await (const row of hscaRows(locations))
    sheet.addRow(row.map((text, i) => hscaCell(HSCA_COLUMNS[i] ?? '', text))).commit()
  sheet.commit()
  await workbook.commit()
  if (!out.writableFinished) await once(out, 'finish')
}
