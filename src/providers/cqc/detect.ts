import { parse } from 'csv-parse/sync'
import { ValidationError } from '../../errors.ts'
import {
  API_LOCATION_FIELDS,
  CARE_DIRECTORY_COLUMNS,
  CARE_DIRECTORY_FIELDS,
  CARE_DIRECTORY_IDENTITY,
  CARE_DIRECTORY_PREAMBLE_LINES,
  HSCA_FIELDS,
  HSCA_IDENTITY,
  HSCA_REQUIRED_FLAG_COLUMNS,
  locateColumns,
} from './columns.ts'
import { CQC_FORMAT_LABELS, type CqcFormat } from './records.ts'

/** Where the data starts in a file, as far as its first bytes tell. */
export type CqcLayout =
  | { format: 'care-directory' | 'hsca-active-locations'; headerLine: number; header: string[] }
  | { format: 'api-json'; shape: 'array' | 'wrapped' | 'lines' }

// Header rows sit on line 1 (HSCA) or after a short title block (care directory); allow some slack.
export const HEADER_SEARCH_LINES = 20

function expectedFormats(): string {
  const hscaColumns = [...Object.values(HSCA_FIELDS).map((names) => names[0]), ...HSCA_REQUIRED_FLAG_COLUMNS]
  return (
    [
      `${CQC_FORMAT_LABELS['care-directory']}: ${CARE_DIRECTORY_PREAMBLE_LINES} title lines, then the header row ` +
        `"${CARE_DIRECTORY_COLUMNS.join(', ')}"`,
      `${CQC_FORMAT_LABELS['hsca-active-locations']}: a header row with the columns "${hscaColumns.join(', ')}"`,
      `${CQC_FORMAT_LABELS['api-json']}: an array of location objects (or {"locations": [...]}, or one object ` +
        `per line) with the fields "${API_LOCATION_FIELDS.join(', ')}"`,
    ].join('; ') +
    '. The care directory and HSCA sheet may also be .xlsx or .ods workbooks, whose register sheet has that header row'
  )
}

function invalid(message: string): ValidationError {
  return new ValidationError([{ field: 'file', message }])
}

function csvFields(line: string): string[] | undefined {
  try {
    const [fields] = parse(line, { relax_quotes: true, relax_column_count: true }) as string[][]
    return fields?.map((field) => field.trim())
  } catch {
    return undefined
  }
}

/** A row that may be a register's header row, with the identity columns of one format it lacks. */
export interface Candidate {
  format: 'care-directory' | 'hsca-active-locations'
  line: number
  /** Where the row is, for messages: 'line 5', 'row 7 of sheet "HSCA_Active_Locations"'. */
  place: string
  header: string[]
  missingIdentity: string[]
}

/** How a row reads as the header of each format. */
export function headerCandidates(header: string[], line: number, place = `line ${line}`): Candidate[] {
  if (header.length < 2) return []
  const directory = locateColumns(header, pick(CARE_DIRECTORY_FIELDS, CARE_DIRECTORY_IDENTITY))
  const hsca = locateColumns(header, pick(HSCA_FIELDS, HSCA_IDENTITY))
  return [
    { format: 'care-directory', line, place, header, missingIdentity: directory.missing },
    { format: 'hsca-active-locations', line, place, header, missingIdentity: hsca.missing },
  ]
}

function candidates(lines: string[]): Candidate[] {
  return lines.slice(0, HEADER_SEARCH_LINES).flatMap((text, i) => {
    const header = csvFields(text)
    return header ? headerCandidates(header, i + 1) : []
  })
}

/**
 * The layout a header row gives, when it has every identity column of a format; throws a
 * ValidationError naming what is missing when it has those but lacks another column the import needs.
 */
export function registerLayout(found: Candidate[]): Extract<CqcLayout, { headerLine: number }> | undefined {
  const match = found.find((candidate) => candidate.missingIdentity.length === 0)
  if (!match) return undefined
  const missing = missingColumns(match.format, match.header)
  if (missing.length > 0)
    throw invalid(
      `The file looks like a ${CQC_FORMAT_LABELS[match.format]} (header on ${match.place}) but has no ` +
        `column ${missing.map((name) => `"${name}"`).join(', ')}. Expected one of: ${expectedFormats()}.`,
    )
  return { format: match.format, headerLine: match.line, header: match.header }
}

/** The refusal of a file none of whose rows is a register's header row, with the nearest miss. */
export function notARegister(found: Candidate[]): ValidationError {
  const closest = found
    .filter((candidate) => candidate.missingIdentity.length <= 3)
    .sort((a, b) => a.missingIdentity.length - b.missingIdentity.length)[0]
  const hint = closest
    ? ` ${closest.place[0]?.toUpperCase()}${closest.place.slice(1)} looks like a ${CQC_FORMAT_LABELS[closest.format]} ` +
      `header but has no column ${closest.missingIdentity.map((name) => `"${name}"`).join(', ')}.`
    : ''
  return invalid(`The file is not a CQC register file.${hint} Expected one of: ${expectedFormats()}.`)
}

function pick<F extends Record<string, readonly string[]>>(
  fields: F,
  keys: readonly (keyof F)[],
): Partial<F> {
  return Object.fromEntries(keys.map((key) => [key, fields[key]])) as Partial<F>
}

function missingColumns(format: Candidate['format'], header: string[]): string[] {
  if (format === 'care-directory') return locateColumns(header, CARE_DIRECTORY_FIELDS).missing
  const flags = Object.fromEntries(HSCA_REQUIRED_FLAG_COLUMNS.map((name) => [name, [name]]))
  return [...locateColumns(header, HSCA_FIELDS).missing, ...locateColumns(header, flags).missing]
}

function jsonShape(text: string): 'array' | 'wrapped' | 'lines' | undefined {
  const first = text.trimStart()[0]
  if (first === '[') return 'array'
  if (first !== '{') return undefined
  // The API's paged list responses put scalar keys (total, page, ...) before "locations".
  return /^\s*\{[^{}[\]]*"locations"\s*:\s*\[/.test(text) ? 'wrapped' : 'lines'
}

/**
 * Recognises a CQC register file from its first bytes (64 KiB is plenty) and says where its data
 * starts. Throws a ValidationError naming each format's expected headers when it is none of them,
 * or when it is not `expected`.
 */
export function sniffCqcFile(firstBytes: string, expected?: CqcFormat): CqcLayout {
  const text = firstBytes.replace(/^\uFEFF/, '')
  if (text.trim() === '') throw invalid('The file is empty.')
  return expectFormat(sniff(text), expected)
}

/** The layout, or a ValidationError when it is not of the format a caller expects. */
export function expectFormat<L extends CqcLayout>(layout: L, expected: CqcFormat | undefined): L {
  if (expected && layout.format !== expected)
    throw invalid(
      `Expected a ${CQC_FORMAT_LABELS[expected]} but the file is a ${CQC_FORMAT_LABELS[layout.format]}.`,
    )
  return layout
}

function sniff(text: string): CqcLayout {
  const shape = jsonShape(text)
  if (shape) return { format: 'api-json', shape }

  const found = candidates(text.split(/\r?\n/))
  const layout = registerLayout(found)
  if (layout) return layout
  throw notARegister(found)
}

/** Which CQC register format a file is, from its first bytes; see sniffCqcFile. */
export function detectFormat(firstBytes: string): CqcFormat {
  return sniffCqcFile(firstBytes).format
}
