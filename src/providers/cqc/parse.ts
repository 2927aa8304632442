import { type Duplex, pipeline, Readable } from 'node:stream'
import { CsvError, parse as csvParse } from 'csv-parse'
import { pick } from 'stream-json/filters/pick.js'
import { streamArray } from 'stream-json/streamers/stream-array.js'
import { streamValues } from 'stream-json/streamers/stream-values.js'
import { ValidationError } from '../../errors.ts'
import { countLineBreaks } from '../../spreadsheets/rows.ts'
import { type WorkbookKind, workbookKind, workbookRows } from '../../spreadsheets/workbook.ts'
import { unstorableText } from '../../storable.ts'
import { COUNCIL_ID_PREFIX, KEY_QUESTION_LABELS } from '../vocabulary.ts'
import {
  CARE_DIRECTORY_FIELDS,
  HSCA_FIELDS,
  HSCA_SERVICE_TYPE_PREFIX,
  HSCA_SERVICE_USER_BAND_PREFIX,
  locateColumns,
  prefixedColumns,
} from './columns.ts'
import {
  type Candidate,
  type CqcLayout,
  expectFormat,
  HEADER_SEARCH_LINES,
  headerCandidates,
  notARegister,
  registerLayout,
  sniffCqcFile,
} from './detect.ts'
import {
  isYes,
  joinAddress,
  labelKey,
  mapServiceType,
  mapServiceTypes,
  mapSpecialisms,
  parseBeds,
  parseCoordinate,
  parseCqcDate,
  parseKeyQuestion,
  parsePostcode,
  parseRating,
  splitMultiValue,
  text,
} from './mapping.ts'
import type {
  CqcFormat,
  CqcLocationRecord,
  CqcParseSummary,
  KeyQuestionRating,
  ParsedRow,
} from './records.ts'

export interface CqcParseOptions {
  /** How the bytes are encoded. Old care directory files were Windows-1252: use 'latin1' for those. */
  encoding?: 'utf8' | 'latin1'
  /** Called for every chunk read: the chunk's size and the running total, for a progress bar. */
  onBytes?: (bytes: number, totalBytes: number) => void
  /** Called once per file for each CQC value with no Caremarket equivalent. */
  onUnmapped?: (kind: 'serviceType' | 'specialism', value: string) => void
  /** Called once the format is known, before the first row: a workbook's once its register sheet is found. */
  onFormat?: (format: CqcFormat) => void
}

export type CqcRowStream = AsyncGenerator<ParsedRow, CqcParseSummary, undefined>

/**
 * Parses any of the three CQC register files, recognised from its first bytes, yielding one row
 * at a time. The care directory and HSCA sheet may also come as an .xlsx or .ods workbook: the
 * register is the first sheet with a register's header row in its first rows. Memory stays flat
 * however long the file is. Throws a ValidationError when the file is not a CQC register file or
 * is malformed beyond one row (unbalanced quotes, broken JSON, a workbook that cannot be read).
 */
export function parseCqcFile(input: Readable, options: CqcParseOptions = {}): CqcRowStream {
  return parseAs(input, undefined, options)
}

/** Parses a CQC care directory CSV (title lines, then "Name, Also known as, Address, ..."). */
export function parseCareDirectoryCsv(input: Readable, options: CqcParseOptions = {}): CqcRowStream {
  return parseAs(input, 'care-directory', options)
}

/** Parses the HSCA Active Locations sheet saved as CSV. */
export function parseHscaCsv(input: Readable, options: CqcParseOptions = {}): CqcRowStream {
  return parseAs(input, 'hsca-active-locations', options)
}

/** Parses CQC API location objects: a JSON array, {"locations": [...]}, or one object per line. */
export function parseApiJson(input: Readable, options: CqcParseOptions = {}): CqcRowStream {
  return parseAs(input, 'api-json', options)
}

// ---------------------------------------------------------------------------------------------

const HEAD_BYTES = 64 * 1024

interface Source {
  head: string
  headBytes: Buffer
  stream: Readable
  bytes: () => number
}

/** Reads enough of the input to recognise it, then hands back a stream of the whole input. */
async function openSource(input: Readable, options: CqcParseOptions): Promise<Source> {
  const encoding = options.encoding ?? 'utf8'
  const iterator: AsyncIterator<unknown> = input[Symbol.asyncIterator]()
  const toBuffer = (chunk: unknown) => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), encoding))
  const head: Buffer[] = []
  let headSize = 0
  while (headSize < HEAD_BYTES) {
    const next = await iterator.next()
    if (next.done) break
    const chunk = toBuffer(next.value)
    head.push(chunk)
    headSize += chunk.length
  }
  let total = 0
  const counted = (chunk: Buffer) => {
    total += chunk.length
    options.onBytes?.(chunk.length, total)
    return chunk
  }
  async function* chunks() {
    try {
      while (head.length > 0) {
        const chunk = head.shift()
        if (chunk) yield counted(chunk)
      }
      for (;;) {
        const next = await iterator.next()
        if (next.done) return
        yield counted(toBuffer(next.value))
      }
    } finally {
      // Stopping early (a consumer's break) must release the file.
      await iterator.return?.()
    }
  }
  const headBytes = Buffer.concat(head)
  return {
    head: headBytes.toString(encoding),
    headBytes,
    stream: Readable.from(chunks(), { objectMode: false }),
    bytes: () => total,
  }
}

interface RunState {
  accepted: number
  rejected: number
  seen: Map<string, number>
  unmappedServiceTypes: Set<string>
  unmappedSpecialisms: Set<string>
  options: CqcParseOptions
}

async function* parseAs(
  input: Readable,
  expected: CqcFormat | undefined,
  options: CqcParseOptions,
): CqcRowStream {
  const source = await openSource(input, options)
  let layout: CqcLayout | undefined
  let kind: WorkbookKind | undefined
  try {
    kind = workbookKind(source.headBytes)
    if (!kind) {
      layout = sniffCqcFile(source.head, expected)
      options.onFormat?.(layout.format)
    }
  } catch (error) {
    source.stream.destroy()
    input.destroy()
    throw error
  }
  const state: RunState = {
    accepted: 0,
    rejected: 0,
    seen: new Map(),
    unmappedServiceTypes: new Set(),
    unmappedSpecialisms: new Set(),
    options,
  }
  const rows = kind
    ? sheetRows(source.stream, kind, (found) => {
        layout = expectFormat(found, expected)
        options.onFormat?.(found.format)
      })
    : layout?.format === 'api-json'
      ? jsonRows(source.stream, layout.shape)
      : csvRows(source.stream, layout as CsvLayout, options)
  for await (const raw of rows) {
    const row = 'rejected' in raw ? raw : normalise(raw, state)
    if (row.ok) state.accepted++
    else state.rejected++
    yield row
  }
  return {
    format: (layout as CqcLayout).format,
    accepted: state.accepted,
    rejected: state.rejected,
    bytes: source.bytes(),
    unmapped: { serviceTypes: [...state.unmappedServiceTypes], specialisms: [...state.unmappedSpecialisms] },
  }
}

/** One location as read from a file, before validation. */
interface RawLocation {
  line: number
  locationId: unknown
  providerId: unknown
  providerName: unknown
  name: unknown
  address: string
  postcode: unknown
  latitude: unknown
  longitude: unknown
  beds: unknown
  /** CQC labels; for the API each is [description, name] so either may match. */
  serviceTypes: (string | [string | null, string | null])[]
  specialisms: string[]
  rating: unknown
  ratingDate: unknown
  lastInspectionDate: unknown
  localAuthority: unknown
  /** Each key question's name, rating and date as the file gives them. */
  keyQuestions: { name: unknown; rating: unknown; date: unknown }[]
}

type Rejected = { ok: false; rejected: { line: number; reason: string } }

function reject(line: number, reason: string): Rejected {
  return { ok: false, rejected: { line, reason } }
}

function normalise(raw: RawLocation, state: RunState): ParsedRow {
  // API JSON can spell any character with an escape; the reasons below quote some values.
  const unstorable = unstorableValue(raw)
  if (unstorable) return reject(raw.line, unstorable)
  const problems: string[] = []
  const locationId = text(raw.locationId)
  const providerId = text(raw.providerId)
  const name = text(raw.name)
  if (!locationId) problems.push('missing CQC location ID')
  if (!providerId) problems.push('missing CQC provider ID')
  if (!name) problems.push('missing location name')
  // The council's own IDs never come from CQC: such a row would overwrite an accredited service.
  for (const [what, id] of [
    ['location', locationId],
    ['provider', providerId],
  ] as const) {
    if (id?.toUpperCase().startsWith(COUNCIL_ID_PREFIX))
      problems.push(
        `${what} ID ${id.slice(0, 40)} is one the council issues (${COUNCIL_ID_PREFIX}...), not CQC's`,
      )
  }
  const firstLine = locationId ? state.seen.get(locationId) : undefined
  if (locationId && firstLine !== undefined)
    problems.push(`duplicate CQC location ID ${locationId} (first on line ${firstLine})`)

  const postcode = parsePostcode(raw.postcode)
  const latitude = parseCoordinate(raw.latitude, 'latitude')
  const longitude = parseCoordinate(raw.longitude, 'longitude')
  const beds = parseBeds(raw.beds)
  const rating = parseRating(raw.rating)
  const ratingDate = parseCqcDate(raw.ratingDate)
  const lastInspection = parseCqcDate(raw.lastInspectionDate)
  for (const result of [postcode, latitude, longitude, beds, rating, ratingDate, lastInspection])
    if (!result.ok) problems.push(result.reason)
  const keyQuestionRatings = parseKeyQuestions(raw, problems)

  if (
    problems.length > 0 ||
    !locationId ||
    !providerId ||
    !name ||
    !postcode.ok ||
    !latitude.ok ||
    !longitude.ok ||
    !beds.ok ||
    !rating.ok ||
    !ratingDate.ok ||
    !lastInspection.ok
  )
    return reject(raw.line, problems.join('; '))

  state.seen.set(locationId, raw.line)
  const serviceTypes = mapRawServiceTypes(raw.serviceTypes)
  const needs = mapSpecialisms(raw.specialisms)
  for (const value of serviceTypes.unmapped) noteUnmapped(state, 'serviceType', value)
  for (const value of needs.unmapped) noteUnmapped(state, 'specialism', value)

  const record: CqcLocationRecord = {
    line: raw.line,
    cqcLocationId: locationId,
    cqcProviderId: providerId,
    providerName: text(raw.providerName),
    name,
    address: raw.address,
    postcode: postcode.value,
    latitude: latitude.value,
    longitude: longitude.value,
    registeredBeds: beds.value,
    serviceTypes: serviceTypes.serviceTypes,
    specialisms: needs.specialisms,
    clientGroups: needs.clientGroups,
    cqcRating: rating.value,
    // A date without a rating would say nothing.
    cqcRatingDate: rating.value ? ratingDate.value : null,
    lastInspectionDate: lastInspection.value,
    localAuthority: text(raw.localAuthority),
    keyQuestionRatings,
  }
  return { ok: true, record }
}

/** The key questions' ratings with a date; a rating CQC does not use is a problem of the row. */
function parseKeyQuestions(raw: RawLocation, problems: string[]): KeyQuestionRating[] {
  const ratings: KeyQuestionRating[] = []
  for (const item of raw.keyQuestions) {
    const keyQuestion = parseKeyQuestion(item.name)
    if (!keyQuestion || ratings.some((r) => r.keyQuestion === keyQuestion)) continue
    const rating = parseRating(item.rating)
    // A key question without its own date was rated with the overall rating.
    const ratedOn = parseCqcDate(text(item.date) ?? raw.ratingDate)
    if (!rating.ok) problems.push(`${KEY_QUESTION_LABELS[keyQuestion]}: ${rating.reason}`)
    else if (!ratedOn.ok) problems.push(`${KEY_QUESTION_LABELS[keyQuestion]}: ${ratedOn.reason}`)
    else if (rating.value && ratedOn.value)
      ratings.push({ keyQuestion, rating: rating.value, ratedOn: ratedOn.value })
  }
  return ratings
}

function unstorableValue(raw: RawLocation): string | undefined {
  for (const [field, value] of Object.entries(raw)) {
    const texts = [value].flat(2).filter((v): v is string => typeof v === 'string')
    for (const text of texts) {
      const problem = unstorableText(text)
      if (problem) return `${field} ${problem}`
    }
  }
  return undefined
}

function mapRawServiceTypes(labels: RawLocation['serviceTypes']) {
  const names = labels.map((label) => {
    if (typeof label === 'string') return label
    const [description, name] = label
    if (description && mapServiceType(description)) return description
    return name ?? description ?? ''
  })
  return mapServiceTypes(names)
}

function noteUnmapped(state: RunState, kind: 'serviceType' | 'specialism', value: string) {
  const seen = kind === 'serviceType' ? state.unmappedServiceTypes : state.unmappedSpecialisms
  if (seen.has(value)) return
  seen.add(value)
  state.options.onUnmapped?.(kind, value)
}

// ---------------------------------------------------------------------------------------------
// CSV

function piped(source: Readable, ...stages: Duplex[]): Duplex {
  const last = stages.at(-1)
  if (!last) throw new Error('no stages')
  // pipeline destroys every stage on error, so the consumer's for-await sees the failure.
  pipeline(source, ...(stages as [Duplex]), () => {})
  return last
}

type CsvLayout = Extract<CqcLayout, { headerLine: number }>

async function* csvRows(
  source: Readable,
  layout: CsvLayout,
  options: CqcParseOptions,
): AsyncGenerator<RawLocation | Rejected> {
  const parser = csvParse({
    bom: true,
    encoding: options.encoding ?? 'utf8',
    from_line: layout.headerLine,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
  })
  const records = piped(source, parser) as AsyncIterable<{ record: string[]; raw: string }>
  // Physical lines are counted from the raw text, which includes skipped blank lines and the
  // line breaks inside quoted fields; csv-parse's own counters do not give the start line.
  let linesBefore = layout.headerLine - 1
  let toRow: ((fields: string[], line: number) => RawLocation) | undefined
  let width = 0
  try {
    for await (const { record, raw } of records) {
      const leadingBlank = countLineBreaks(/^[\r\n]*/.exec(raw)?.[0] ?? '')
      const line = linesBefore + 1 + leadingBlank
      linesBefore += countLineBreaks(raw)
      if (!toRow) {
        width = record.length
        toRow = layout.format === 'care-directory' ? careDirectoryRow(record) : hscaRow(record)
        continue
      }
      const fields = record.map((field) => field.trim())
      if (fields.every((field) => field === '')) continue
      if (fields.length !== width) {
        yield reject(line, `has ${fields.length} fields but the header has ${width}`)
        continue
      }
      yield toRow(fields, line)
    }
  } catch (error) {
    if (error instanceof CsvError) throw new ValidationError([{ field: 'file', message: error.message }])
    throw error
  }
}

function column(fields: string[], index: number | undefined): string | null {
  return index === undefined ? null : (fields[index] ?? null)
}

function careDirectoryRow(header: string[]) {
  const { index } = locateColumns(header, CARE_DIRECTORY_FIELDS)
  return (fields: string[], line: number): RawLocation => ({
    line,
    locationId: column(fields, index.locationId),
    providerId: column(fields, index.providerId),
    providerName: column(fields, index.providerName),
    name: column(fields, index.name),
    address: joinAddress([column(fields, index.address)]),
    postcode: column(fields, index.postcode),
    latitude: null,
    longitude: null,
    beds: null,
    serviceTypes: splitMultiValue(column(fields, index.serviceTypes)),
    specialisms: splitMultiValue(column(fields, index.specialisms)),
    // The care directory carries no ratings; "Date of latest check" is the last inspection.
    rating: null,
    ratingDate: null,
    lastInspectionDate: column(fields, index.latestCheck),
    localAuthority: column(fields, index.localAuthority),
    keyQuestions: [],
  })
}

function hscaRow(header: string[]) {
  const { index } = locateColumns(header, HSCA_FIELDS)
  const serviceTypeColumns = prefixedColumns(header, HSCA_SERVICE_TYPE_PREFIX)
  const bandColumns = prefixedColumns(header, HSCA_SERVICE_USER_BAND_PREFIX)
  const flagged = (fields: string[], columns: [number, string][]) =>
    columns.filter(([position]) => isYes(fields[position])).map(([, label]) => label)
  return (fields: string[], line: number): RawLocation => ({
    line,
    locationId: column(fields, index.locationId),
    providerId: column(fields, index.providerId),
    providerName: column(fields, index.providerName),
    name: column(fields, index.name),
    address: joinAddress([
      column(fields, index.street),
      column(fields, index.addressLine2),
      column(fields, index.city),
      column(fields, index.county),
    ]),
    postcode: column(fields, index.postcode),
    latitude: column(fields, index.latitude),
    longitude: column(fields, index.longitude),
    beds: column(fields, index.beds),
    serviceTypes: flagged(fields, serviceTypeColumns),
    specialisms: flagged(fields, bandColumns),
    rating: column(fields, index.rating),
    ratingDate: column(fields, index.ratingDate),
    lastInspectionDate: null,
    localAuthority: column(fields, index.localAuthority),
    // CQC's HSCA sheet carries the overall rating only; the key questions are in its ratings workbook.
    keyQuestions: [],
  })
}

// ---------------------------------------------------------------------------------------------
// Workbooks

/**
 * The locations on a workbook's register sheet: the first sheet with a register's header row
 * among its first rows (HSCA workbooks begin with a notes sheet; title rows may come before the
 * header). Reading stops at the end of that sheet. `onLayout` hears the header before any row.
 */
async function* sheetRows(
  source: Readable,
  kind: WorkbookKind,
  onLayout: (layout: CsvLayout) => void,
): AsyncGenerator<RawLocation | Rejected> {
  const found: Candidate[] = []
  let register: string | undefined
  let toRow: ((fields: string[], line: number) => RawLocation) | undefined
  let width = 0
  for await (const row of workbookRows(source, kind)) {
    if (register !== undefined && row.sheet !== register) return
    if (toRow) {
      const fields = row.cells.slice(0, width).map((cell) => cell.trim())
      while (fields.length < width) fields.push('')
      // A cell past the header's last column means the row's cells have shifted, as a CSV row
      // with too many fields; empty ones are only formatting.
      if (row.cells.slice(width).some((cell) => cell.trim() !== ''))
        yield reject(row.line, `has ${row.cells.length} cells but the header has ${width}`)
      else yield toRow(fields, row.line)
      continue
    }
    if (row.line > HEADER_SEARCH_LINES) continue
    const candidates = headerCandidates(
      row.cells.map((cell) => cell.trim()),
      row.line,
      `row ${row.line} of sheet "${row.sheet}"`,
    )
    found.push(...candidates)
    const layout = registerLayout(candidates)
    if (!layout) continue
    onLayout(layout)
    register = row.sheet
    width = layout.header.length
    toRow = layout.format === 'care-directory' ? careDirectoryRow(layout.header) : hscaRow(layout.header)
  }
  if (!toRow) throw notARegister(found)
}

/**
 * The layout of a workbook's register sheet, read only as far as its header row; throws the
 * ValidationError an import of the workbook would.
 */
export async function workbookLayout(input: Readable): Promise<CqcFormat> {
  let format: CqcFormat | undefined
  const rows = parseCqcFile(input, { onFormat: (found) => (format = found) })
  try {
    while (format === undefined) {
      const next = await rows.next()
      if (next.done) return next.value.format
    }
    return format
  } finally {
    await rows.return(undefined as never)
    input.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

async function* jsonRows(
  source: Readable,
  shape: 'array' | 'wrapped' | 'lines',
): AsyncGenerator<RawLocation | Rejected> {
  const stages: Duplex[] =
    shape === 'array'
      ? [streamArray.withParserAsStream()]
      : shape === 'wrapped'
        ? [pick.withParserAsStream({ filter: 'locations' }), streamArray.asStream()]
        : [streamValues.withParserAsStream({ jsonStreaming: true })]
  const items = piped(source, ...stages) as AsyncIterable<{ key: number; value: unknown }>
  let line = 0
  try {
    for await (const { value } of items) {
      line++
      yield apiRow(value, line)
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new ValidationError([
      { field: 'file', message: `The file is not valid JSON (${line} items read): ${message}` },
    ])
  }
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : []
}

/**
 * One location object as CQC's API answers it, checked as a row of a file would be. `line` is its
 * place in the caller's list. A deregistered location is rejected here, as it is in a file.
 */
export function parseApiLocation(value: unknown, line: number): ParsedRow {
  const raw = apiRow(value, line)
  if ('rejected' in raw) return raw
  return normalise(raw, {
    accepted: 0,
    rejected: 0,
    seen: new Map(),
    unmappedServiceTypes: new Set(),
    unmappedSpecialisms: new Set(),
    options: {},
  })
}

function apiRow(value: unknown, line: number): RawLocation | Rejected {
  if (!isObject(value)) return reject(line, 'not a JSON object')
  const organisationType = text(value.organisationType)
  if (organisationType && labelKey(organisationType) !== 'location')
    return reject(line, `not a location (organisationType "${organisationType}")`)
  const status = text(value.registrationStatus)
  if (status && labelKey(status) !== 'registered') {
    const since = text(value.deregistrationDate)
    return reject(line, `registration status is "${status}"${since ? ` since ${since}` : ''}`)
  }
  const overall = isObject(value.currentRatings) ? value.currentRatings.overall : undefined
  const lastInspection = isObject(value.lastInspection) ? value.lastInspection : {}
  return {
    line,
    locationId: value.locationId,
    providerId: value.providerId,
    // Not part of CQC's location object; read when an export adds it.
    providerName: value.providerName,
    name: value.name,
    address: joinAddress([
      value.postalAddressLine1,
      value.postalAddressLine2,
      value.postalAddressTownCity,
      value.postalAddressCounty,
    ]),
    postcode: value.postalCode,
    latitude: value.onspdLatitude,
    longitude: value.onspdLongitude,
    beds: value.numberOfBeds,
    serviceTypes: objects(value.gacServiceTypes).map((type) => [text(type.description), text(type.name)]),
    specialisms: objects(value.specialisms).flatMap((item) => text(item.name) ?? []),
    rating: isObject(overall) ? overall.rating : null,
    ratingDate: isObject(overall) ? overall.reportDate : null,
    lastInspectionDate: lastInspection.date,
    localAuthority: value.localAuthority,
    keyQuestions: isObject(overall)
      ? objects(overall.keyQuestionRatings).map((item) => ({
          name: item.name,
          rating: item.rating,
          date: item.reportDate,
        }))
      : [],
  }
}
