import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { parse as parseCsv } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../errors.ts'
import { SERVICE_TYPES, SPECIALISMS } from '../vocabulary.ts'
import { HSCA_COLUMNS } from './columns.ts'
import { detectFormat } from './detect.ts'
import {
  CARE_DIRECTORY_SPECIALISM_NAMES,
  HSCA_SERVICE_TYPE_NAMES,
  mapServiceTypes,
  mapSpecialisms,
  parseBeds,
  parseCoordinate,
  parseCqcDate,
  parsePostcode,
  parseRating,
  splitMultiValue,
} from './mapping.ts'
import {
  type CqcParseOptions,
  type CqcRowStream,
  parseApiJson,
  parseCareDirectoryCsv,
  parseCqcFile,
  parseHscaCsv,
} from './parse.ts'
import type { CqcLocationRecord, CqcParseSummary, ParsedRow } from './records.ts'
import { type CqcLocationWriteInput, writeCareDirectoryCsv, writeHscaCsv, writeHscaXlsx } from './write.ts'

const fixtures = fileURLToPath(new URL('../../../test/fixtures/cqc/', import.meta.url))
const fixturePath = (name: string) => join(fixtures, name)
const fixtureText = (name: string) => readFileSync(fixturePath(name), 'utf8')

async function collect(rows: CqcRowStream) {
  const all: ParsedRow[] = []
  for (;;) {
    const next = await rows.next()
    if (next.done) return { rows: all, summary: next.value as CqcParseSummary, ...split(all) }
    all.push(next.value)
  }
}

function split(rows: ParsedRow[]) {
  return {
    records: rows.flatMap((row) => (row.ok ? [row.record] : [])),
    rejected: rows.flatMap((row) => (row.ok ? [] : [row.rejected])),
  }
}

const parseFixture = (name: string, options?: CqcParseOptions) =>
  collect(parseCqcFile(createReadStream(fixturePath(name)), options))

const parseText = (text: string, options?: CqcParseOptions) =>
  collect(parseCqcFile(Readable.from([Buffer.from(text)]), options))

/** The same bytes in small chunks, so record and line breaks fall across chunk boundaries. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
  return Readable.from(chunks)
}

const byId = (records: CqcLocationRecord[], id: string) => {
  const record = records.find((r) => r.cqcLocationId === id)
  if (!record) throw new Error(`no record ${id}`)
  return record
}

async function expectValidation(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return (error as ValidationError).message
}

describe('care directory CSV', () => {
  it('parses each location into Caremarket vocabulary', async () => {
    const { records, summary } = await parseFixture('care-directory.csv')
    expect(summary).toMatchObject({ format: 'care-directory', accepted: 5, rejected: 4 })
    expect(byId(records, '1-9000000001')).toEqual({
      line: 6,
      cqcLocationId: '1-9000000001',
      cqcProviderId: '1-8000000001',
      providerName: 'Example Care Homes Ltd',
      name: 'Brambleford House',
      address: '12 Imaginary Lane, Little Fictonham',
      postcode: 'NR19 9ZX',
      latitude: null,
      longitude: null,
      registeredBeds: null,
      serviceTypes: ['residential_home', 'nursing_home'],
      specialisms: ['dementia'],
      clientGroups: ['older_people'],
      cqcRating: null,
      cqcRatingDate: null,
      lastInspectionDate: '2026-01-09',
      localAuthority: 'Norfolk',
      keyQuestionRatings: [],
    })
  })

  it('maps the multi-valued Service types and Specialisms/services fields', async () => {
    const { records } = await parseFixture('care-directory.csv')
    expect(byId(records, '1-9000000002')).toMatchObject({
      serviceTypes: ['home_care', 'supported_living'],
      specialisms: ['dementia', 'physical_disability'],
      clientGroups: ['older_people', 'younger_adults'],
    })
    expect(byId(records, '1-9000000003')).toMatchObject({
      serviceTypes: ['extra_care_housing'],
      specialisms: ['learning_disability', 'mental_health'],
      clientGroups: [],
      address: 'Flat 1 Heron Reach, 3 Notreal Road, Fabletown',
    })
    expect(byId(records, '1-9000000009')).toMatchObject({
      specialisms: ['sensory_impairment', 'substance_misuse', 'eating_disorder'],
      clientGroups: ['older_people'],
      lastInspectionDate: null,
    })
  })

  it('keeps locations from every local authority in the file', async () => {
    const { records } = await parseFixture('care-directory.csv')
    expect(new Set(records.map((r) => r.localAuthority))).toEqual(new Set(['Norfolk', 'Suffolk']))
  })

  it('rejects bad rows with their physical line numbers, past the title block and a two-line address', async () => {
    const { rejected, records } = await parseFixture('care-directory.csv')
    expect(rejected).toEqual([
      { line: 10, reason: 'missing CQC location ID' },
      { line: 11, reason: 'invalid postcode "NOT A CODE"' },
      { line: 14, reason: 'missing CQC provider ID; invalid date "31/Feb/2025 - 00:00"' },
      { line: 15, reason: 'duplicate CQC location ID 1-9000000001 (first on line 6)' },
    ])
    expect(records.map((r) => r.line)).toEqual([6, 7, 8, 13, 16])
  })

  it('reports CQC values with no Caremarket equivalent once per file', async () => {
    const seen: string[] = []
    const { summary } = await parseFixture('care-directory.csv', {
      onUnmapped: (kind, value) => seen.push(`${kind}:${value}`),
    })
    expect(summary.unmapped).toEqual({
      serviceTypes: ['Dentist'],
      specialisms: [
        'Accommodation for persons who require nursing or personal care',
        'Personal care',
        'Caring for children',
        'Services for everyone',
      ],
    })
    expect(seen).toHaveLength(5)
  })

  it('reads Windows-1252 files when told to', async () => {
    const text = fixtureText('care-directory.csv').replace('Brambleford House,', 'Brambleford Caf\u00e9,')
    const { records } = await collect(
      parseCqcFile(Readable.from([Buffer.from(text, 'latin1')]), { encoding: 'latin1' }),
    )
    expect(records[0]?.name).toBe('Brambleford Caf\u00e9')
  })

  it('releases the file when the caller stops early', async () => {
    const input = createReadStream(fixturePath('care-directory.csv'), { highWaterMark: 256 })
    for await (const row of parseCqcFile(input)) {
      expect(row.ok).toBe(true)
      break
    }
    await new Promise((resolve) => setImmediate(resolve))
    expect(input.destroyed).toBe(true)
  })

  it('rejects a row whose field count differs from the header', async () => {
    const text = `${fixtureText('care-directory.csv').split('\n').slice(0, 5).join('\n')}\nToo,few,fields\n`
    const { rejected } = await parseText(text)
    expect(rejected).toEqual([{ line: 6, reason: 'has 3 fields but the header has 15' }])
  })
})

describe('HSCA Active Locations CSV', () => {
  it('parses the flag columns and ratings of each location', async () => {
    const { records, summary } = await parseFixture('hsca-active-locations.csv')
    expect(summary).toMatchObject({ format: 'hsca-active-locations', accepted: 5, rejected: 3 })
    expect(byId(records, '1-7000000001')).toEqual({
      line: 2,
      cqcLocationId: '1-7000000001',
      cqcProviderId: '1-6000000001',
      providerName: 'Larkspur Example Care Ltd',
      name: 'Larkspur Nursing Home',
      address: '1 Imaginary Close, Little Fictonham, Norwich, Norfolk',
      postcode: 'NR4 9ZA',
      latitude: 52.612345,
      longitude: 1.254321,
      registeredBeds: 40,
      serviceTypes: ['nursing_home'],
      specialisms: ['dementia', 'physical_disability'],
      clientGroups: ['older_people'],
      cqcRating: 'Good',
      cqcRatingDate: '2025-02-01',
      lastInspectionDate: null,
      localAuthority: 'Norfolk',
      keyQuestionRatings: [],
    })
    expect(byId(records, '1-7000000002')).toMatchObject({
      postcode: 'IP1 9ZB',
      cqcRating: 'Requires improvement',
      cqcRatingDate: '2024-09-17',
      serviceTypes: ['residential_home'],
      specialisms: ['mental_health', 'sensory_impairment'],
      localAuthority: 'Suffolk',
    })
    expect(byId(records, '1-7000000003')).toMatchObject({
      cqcRating: null,
      cqcRatingDate: null,
      registeredBeds: 0,
      serviceTypes: ['home_care', 'supported_living'],
      specialisms: ['learning_disability', 'substance_misuse', 'eating_disorder'],
      clientGroups: ['younger_adults'],
    })
    expect(byId(records, '1-7000000007')).toMatchObject({
      line: 8,
      address: 'Unit 3, Fictional Court, Dune Lane, Seashanty, Suffolk',
      serviceTypes: ['extra_care_housing'],
      cqcRating: 'Outstanding',
    })
    expect(byId(records, '1-7000000008')).toMatchObject({
      line: 10,
      postcode: null,
      latitude: null,
      cqcRating: 'Inadequate',
      cqcRatingDate: '2024-02-29',
    })
    expect(summary.unmapped).toEqual({ serviceTypes: ['Shared Lives'], specialisms: ['Whole Population'] })
  })

  it('rejects unknown ratings and negative or non-numeric beds on the right lines', async () => {
    const { rejected } = await parseFixture('hsca-active-locations.csv')
    expect(rejected).toEqual([
      { line: 5, reason: 'unknown rating "Brilliant"' },
      { line: 6, reason: 'negative registered beds "-4"' },
      { line: 7, reason: 'registered beds not a whole number "twelve"' },
    ])
  })
})

describe('line numbers do not depend on how the input is chunked', () => {
  for (const name of ['care-directory.csv', 'hsca-active-locations.csv']) {
    it(name, async () => {
      const whole = await parseFixture(name)
      const bytes = readFileSync(fixturePath(name))
      for (const size of [1, 3, 64]) {
        const pieces = await collect(parseCqcFile(chunked(bytes, size)))
        expect(pieces.rows).toEqual(whole.rows)
      }
    })
  }
})

describe('CQC API location JSON', () => {
  const expectedRecords = async () => (await parseFixture('api-locations.json')).records

  it('parses an array of location objects', async () => {
    const { records, rejected, summary } = await parseFixture('api-locations.json')
    expect(summary).toMatchObject({ format: 'api-json', accepted: 4, rejected: 2 })
    expect(records[0]).toEqual({
      line: 1,
      cqcLocationId: '1-5000000001',
      cqcProviderId: '1-4000000001',
      providerName: null,
      name: 'Willowmere Care Centre',
      address: '7 Imaginary Avenue, Little Fictonham, Norwich, Norfolk',
      postcode: 'NR6 9ZH',
      latitude: 52.654321,
      longitude: 1.276543,
      registeredBeds: 48,
      serviceTypes: ['residential_home', 'nursing_home'],
      specialisms: ['dementia'],
      clientGroups: ['older_people'],
      cqcRating: 'Good',
      cqcRatingDate: '2025-06-12',
      lastInspectionDate: '2025-04-30',
      localAuthority: 'Norfolk',
      keyQuestionRatings: [{ keyQuestion: 'safe', rating: 'Good', ratedOn: '2025-06-12' }],
    })
    expect(byId(records, '1-5000000002')).toMatchObject({
      postcode: 'IP2 9ZJ',
      latitude: 52.041111,
      serviceTypes: ['home_care'],
      specialisms: ['learning_disability', 'mental_health'],
      clientGroups: ['younger_adults'],
      cqcRating: 'Requires improvement',
    })
    expect(byId(records, '1-5000000003')).toMatchObject({
      serviceTypes: ['supported_living'],
      specialisms: ['physical_disability', 'sensory_impairment'],
      cqcRating: null,
      cqcRatingDate: null,
    })
    expect(byId(records, '1-5000000006')).toMatchObject({
      serviceTypes: ['extra_care_housing'],
      cqcRating: 'Outstanding',
    })
    expect(rejected).toEqual([
      { line: 4, reason: 'registration status is "Deregistered" since 2024-11-30' },
      { line: 5, reason: 'missing CQC provider ID' },
    ])
  })

  it('reads the five key questions’ ratings, each with its own date or the overall rating’s', async () => {
    const location = {
      locationId: '1-5000000101',
      providerId: '1-4000000101',
      name: 'Key Question House',
      postalCode: 'NR6 9ZH',
      registrationStatus: 'Registered',
      gacServiceTypes: [{ name: 'Residential homes', description: 'Care home service without nursing' }],
      currentRatings: {
        overall: {
          rating: 'Requires improvement',
          reportDate: '2025-03-01',
          keyQuestionRatings: [
            { name: 'Safe', rating: 'Inadequate', reportDate: '2025-03-01' },
            { name: 'Effective', rating: 'Good', reportDate: '2023-10-09' },
            { name: 'Caring', rating: 'Outstanding' },
            { name: 'Responsive', rating: 'Not rated' },
            { name: 'Well-led', rating: 'Requires Improvement', reportDate: '2025-03-01' },
          ],
        },
      },
    }
    const { records } = await parseText(JSON.stringify([location]))
    expect(records[0]?.keyQuestionRatings).toEqual([
      { keyQuestion: 'safe', rating: 'Inadequate', ratedOn: '2025-03-01' },
      { keyQuestion: 'effective', rating: 'Good', ratedOn: '2023-10-09' },
      { keyQuestion: 'caring', rating: 'Outstanding', ratedOn: '2025-03-01' },
      { keyQuestion: 'well_led', rating: 'Requires improvement', ratedOn: '2025-03-01' },
    ])
    const wrong = structuredClone(location)
    wrong.currentRatings.overall.keyQuestionRatings[0] = {
      name: 'Safe',
      rating: 'Superb',
      reportDate: '2025-03-01',
    }
    const { rejected } = await parseText(JSON.stringify([wrong]))
    expect(rejected).toEqual([{ line: 1, reason: 'Safe: unknown rating "Superb"' }])
  })

  it('parses {"locations": [...]} and one object per line the same way', async () => {
    const items = JSON.parse(fixtureText('api-locations.json')) as unknown[]
    const wrapped = JSON.stringify({ total: items.length, page: 1, locations: items })
    const lines = `${items.map((item) => JSON.stringify(item)).join('\n')}\n`
    expect((await parseText(wrapped)).records).toEqual(await expectedRecords())
    expect((await parseText(lines)).records).toEqual(await expectedRecords())
    expect((await collect(parseApiJson(chunked(Buffer.from(lines), 5)))).records).toEqual(
      await expectedRecords(),
    )
  })

  it('rejects items that are not location objects', async () => {
    const { rejected } = await parseText('[1, {"organisationType": "Provider", "providerId": "1-1"}]')
    expect(rejected).toEqual([
      { line: 1, reason: 'not a JSON object' },
      { line: 2, reason: 'not a location (organisationType "Provider")' },
    ])
  })

  it('turns broken JSON into a ValidationError', async () => {
    const message = await expectValidation(
      parseText('[{"locationId": "1-1", "providerId": "1-2", "name": "A"}, {"loc'),
    )
    expect(message).toMatch(/not valid JSON/)
  })
})

describe('format detection', () => {
  it('recognises each format from its first bytes', () => {
    expect(detectFormat(fixtureText('care-directory.csv'))).toBe('care-directory')
    expect(detectFormat(fixtureText('hsca-active-locations.csv').slice(0, 20_000))).toBe(
      'hsca-active-locations',
    )
    expect(detectFormat(fixtureText('api-locations.json').slice(0, 100))).toBe('api-json')
    expect(detectFormat('\uFEFF{"locationId": "1-1"}\n')).toBe('api-json')
  })

  it('names the expected headers of every format when the headers are wrong', async () => {
    const wrong = 'Home,Town,Postcode\nA,B,NR1 9ZZ\n'
    expect(() => detectFormat(wrong)).toThrow(ValidationError)
    const message = await expectValidation(parseText(wrong))
    for (const header of [
      'Name, Also known as, Address, Postcode',
      'CQC Location ID (for office use only)',
      'CQC Provider ID (for office use only)',
      'Location ID',
      'Location Postal Code',
      'Care homes beds',
      'Service user band - Dementia',
      'locationId',
      'gacServiceTypes',
    ])
      expect(message).toContain(header)
  })

  it('names the missing column when a recognised file lacks one it needs', async () => {
    const text = fixtureText('hsca-active-locations.csv').replace('Care homes beds', 'Beds')
    const message = await expectValidation(parseText(text))
    expect(message).toMatch(/looks like a CQC HSCA Active Locations sheet .* has no column "Care homes beds"/)
  })

  it('per-format parsers read their own format', async () => {
    const { summary } = await collect(
      parseCareDirectoryCsv(createReadStream(fixturePath('care-directory.csv'))),
    )
    expect(summary).toMatchObject({ format: 'care-directory', accepted: 5 })
  })

  it('refuses a file of another format in a per-format parser', async () => {
    const message = await expectValidation(
      collect(parseHscaCsv(createReadStream(fixturePath('care-directory.csv')))),
    )
    expect(message).toContain(
      'Expected a CQC HSCA Active Locations sheet but the file is a CQC care directory.',
    )
  })

  it('refuses an empty file', async () => {
    expect(await expectValidation(parseText('  \n'))).toContain('The file is empty.')
  })

  it('turns unbalanced quotes into a ValidationError', async () => {
    const text = `${fixtureText('care-directory.csv')}"Unclosed,,,`
    expect(await expectValidation(parseText(text))).toMatch(/Quote Not Closed/i)
  })
})

describe('progress', () => {
  it('reports every byte read', async () => {
    let total = 0
    let last = 0
    const { summary } = await parseFixture('hsca-active-locations.csv', {
      onBytes: (bytes, running) => {
        total += bytes
        last = running
      },
    })
    const size = statSync(fixturePath('hsca-active-locations.csv')).size
    expect(total).toBe(size)
    expect(last).toBe(size)
    expect(summary.bytes).toBe(size)
  })
})

describe('mapping', () => {
  it('maps CQC service type names, descriptions and care directory values', () => {
    expect(mapServiceTypes(splitMultiValue('Homecare agencies|Residential homes|Nursing homes'))).toEqual({
      serviceTypes: ['residential_home', 'nursing_home', 'home_care'],
      unmapped: [],
    })
    expect(
      mapServiceTypes([
        'Care home service with nursing',
        'Care home service without nursing',
        'Domiciliary care service',
        'Supported living service',
        'Extra Care housing services',
        'Doctors/GPs',
      ]),
    ).toEqual({ serviceTypes: [...SERVICE_TYPES], unmapped: ['Doctors/GPs'] })
  })

  it('maps specialisms and service user bands to specialisms and client groups', () => {
    expect(
      mapSpecialisms([
        'Dementia',
        'Caring for people with learning disabilities or autistic spectrum disorder',
        'Mental Health',
        'Physical disabilities',
        'Sensory impairments',
        'Substance misuse problems',
        'Eating disorders',
        'Older People',
        'Caring for adults under 65 yrs',
        'Caring for children',
      ]),
    ).toEqual({
      specialisms: [...SPECIALISMS],
      clientGroups: ['older_people', 'younger_adults'],
      unmapped: ['Caring for children'],
    })
  })

  it('accepts CQC ratings exactly as published and nothing else', () => {
    expect(parseRating('Requires improvement')).toEqual({ ok: true, value: 'Requires improvement' })
    expect(parseRating('Requires Improvement')).toEqual({ ok: true, value: 'Requires improvement' })
    expect(parseRating('Outstanding')).toEqual({ ok: true, value: 'Outstanding' })
    expect(parseRating('Not yet rated')).toEqual({ ok: true, value: null })
    expect(parseRating('')).toEqual({ ok: true, value: null })
    expect(parseRating('Excellent')).toEqual({ ok: false, reason: 'unknown rating "Excellent"' })
  })

  it('reads every date style CQC uses', () => {
    expect(parseCqcDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' })
    expect(parseCqcDate('2024-02-29T00:00:00Z')).toEqual({ ok: true, value: '2024-02-29' })
    expect(parseCqcDate('05/03/2024')).toEqual({ ok: true, value: '2024-03-05' })
    expect(parseCqcDate('05/03/2024 00:00:00')).toEqual({ ok: true, value: '2024-03-05' })
    expect(parseCqcDate('09/Jan/2026 - 00:00')).toEqual({ ok: true, value: '2026-01-09' })
    expect(parseCqcDate('1 January 2023')).toEqual({ ok: true, value: '2023-01-01' })
    expect(parseCqcDate(' ')).toEqual({ ok: true, value: null })
    expect(parseCqcDate('30/02/2024')).toEqual({ ok: false, reason: 'invalid date "30/02/2024"' })
    expect(parseCqcDate('soon')).toEqual({ ok: false, reason: 'invalid date "soon"' })
  })

  it('validates postcodes, beds and coordinates', () => {
    expect(parsePostcode(' nr1  9zz ')).toEqual({ ok: true, value: 'NR1 9ZZ' })
    expect(parsePostcode('NR1')).toEqual({ ok: false, reason: 'invalid postcode "NR1"' })
    expect(parseBeds('12')).toEqual({ ok: true, value: 12 })
    expect(parseBeds('12.0')).toEqual({ ok: true, value: 12 })
    expect(parseBeds(7)).toEqual({ ok: true, value: 7 })
    expect(parseBeds('-1')).toEqual({ ok: false, reason: 'negative registered beds "-1"' })
    expect(parseBeds('1.5')).toEqual({ ok: false, reason: 'registered beds not a whole number "1.5"' })
    expect(parseCoordinate('52.5', 'latitude')).toEqual({ ok: true, value: 52.5 })
    expect(parseCoordinate('95', 'latitude')).toEqual({ ok: false, reason: 'invalid latitude "95"' })
  })
})

// What each format can carry, so round trips compare like with like.
const careDirectoryView = (record: CqcLocationRecord) => ({
  ...record,
  line: 0,
  latitude: null,
  longitude: null,
  registeredBeds: null,
  cqcRating: null,
  cqcRatingDate: null,
  keyQuestionRatings: [],
})
// Neither register file carries the key questions' ratings.
const hscaView = (record: CqcLocationRecord) => ({
  ...record,
  line: 0,
  lastInspectionDate: null,
  keyQuestionRatings: [],
})

async function roundTrip(
  records: CqcLocationRecord[],
  write: (records: CqcLocationRecord[], out: PassThrough) => Promise<void>,
) {
  const out = new PassThrough()
  const [parsed] = await Promise.all([collect(parseCqcFile(out)), write(records, out)])
  return parsed
}

describe('round trips through the writers', () => {
  it('care directory: write then parse gives the same locations', async () => {
    const sources = [
      ...(await parseFixture('care-directory.csv')).records,
      ...(await parseFixture('api-locations.json')).records,
    ]
    const parsed = await roundTrip(sources, (records, out) =>
      writeCareDirectoryCsv(records, out, { producedOn: new Date('2026-03-02') }),
    )
    expect(parsed.summary.format).toBe('care-directory')
    expect(parsed.rejected).toEqual([])
    // The API fixture has no provider names; the care directory writes them blank.
    expect(parsed.records.map(careDirectoryView)).toEqual(sources.map(careDirectoryView))
    expect(parsed.records[0]?.line).toBe(6)
  })

  it('HSCA: write then parse gives the same locations', async () => {
    const sources = [
      ...(await parseFixture('hsca-active-locations.csv')).records,
      ...(await parseFixture('api-locations.json')).records,
      ...(await parseFixture('care-directory.csv')).records,
    ]
    const parsed = await roundTrip(sources, (records, out) => writeHscaCsv(records, out))
    expect(parsed.summary.format).toBe('hsca-active-locations')
    expect(parsed.rejected).toEqual([])
    expect(parsed.records.map(hscaView)).toEqual(sources.map(hscaView))
  })

  it('HSCA: the writer emits every column of the real sheet', async () => {
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    await writeHscaCsv([], out)
    expect(parseCsv(Buffer.concat(chunks))).toEqual([[...HSCA_COLUMNS]])
  })
})

// ---------------------------------------------------------------------------------------------

const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'

function* syntheticLocations(count: number): Generator<CqcLocationWriteInput> {
  for (let i = 0; i < count; i++) {
    const careHome = i % 3 !== 0
    const provider = Math.floor(i / 4)
    // Field lengths like the real register's, so that buffering the file would show in the heap.
    yield {
      cqcLocationId: `1-${String(1_000_000_000 + i)}`,
      cqcProviderId: `1-${String(2_000_000_000 + provider)}`,
      providerName: `Synthetic Provider ${provider} Healthcare Services Limited`,
      name: `Synthetic Location ${i} ${careHome ? 'Residential and Nursing Care Home' : 'Home Care Services'}`,
      address: `Unit ${i % 40}, Generated Business Park, ${i} Generated Road, Synthetic Village ${i % 500}, Testville`,
      website: `https://www.synthetic-provider-${provider}.example/our-services/location-${i}`,
      postcode: `NR${1 + (i % 30)} ${i % 10}${INWARD_LETTERS[i % 20]}${INWARD_LETTERS[(i >> 3) % 20]}`,
      latitude: 52 + (i % 1000) / 10_000,
      longitude: 1 + (i % 997) / 10_000,
      registeredBeds: careHome ? 10 + (i % 90) : null,
      serviceTypes: careHome ? (i % 2 ? ['nursing_home'] : ['residential_home']) : ['home_care'],
      specialisms: i % 5 ? ['dementia'] : ['learning_disability', 'mental_health'],
      clientGroups: ['older_people'],
      cqcRating: i % 7 ? 'Good' : null,
      cqcRatingDate: i % 7 ? '2025-01-15' : null,
      localAuthority: i % 2 ? 'Norfolk' : 'Suffolk',
      phone: '01234 000000',
      region: 'East of England',
      registrationDate: '2015-06-01',
    }
  }
}

/** The locations as a CQC API JSON array, a chunk at a time. */
function* apiJsonArray(locations: Iterable<CqcLocationWriteInput>): Generator<string> {
  let first = true
  for (const location of locations) {
    const [street, town] = location.address.split(', ').slice(-2)
    const item = {
      locationId: location.cqcLocationId,
      providerId: location.cqcProviderId,
      organisationType: 'Location',
      name: location.name,
      registrationStatus: 'Registered',
      numberOfBeds: location.registeredBeds,
      postalAddressLine1: street,
      postalAddressTownCity: town,
      postalCode: location.postcode,
      onspdLatitude: location.latitude,
      onspdLongitude: location.longitude,
      localAuthority: location.localAuthority,
      gacServiceTypes: location.serviceTypes.map((type) => ({ description: HSCA_SERVICE_TYPE_NAMES[type] })),
      specialisms: location.specialisms.map((need) => ({ name: CARE_DIRECTORY_SPECIALISM_NAMES[need] })),
      currentRatings: {
        overall: { rating: location.cqcRating ?? 'Not yet rated', reportDate: location.cqcRatingDate },
      },
    }
    yield `${first ? '[' : ','}\n${JSON.stringify(item)}`
    first = false
  }
  yield first ? '[]' : '\n]\n'
}

/** Forces a full collection where the flag can be set, so heap figures show what is retained. */
function collector(): () => void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined
  return gc ?? (() => {})
}

describe('streaming', () => {
  const ROWS = 30_000
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caremarket-cqc-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  for (const [name, write] of [
    ['hsca.csv', (out: Writable) => writeHscaCsv(syntheticLocations(ROWS), out)],
    ['directory.csv', (out: Writable) => writeCareDirectoryCsv(syntheticLocations(ROWS), out)],
    ['api.json', (out: Writable) => pipeline(Readable.from(apiJsonArray(syntheticLocations(ROWS))), out)],
    ['hsca.xlsx', (out: Writable) => writeHscaXlsx(syntheticLocations(ROWS), out)],
  ] as const) {
    it(`parses a generated ${ROWS}-row ${name} with bounded heap growth`, async () => {
      const path = join(dir, name)
      await write(createWriteStream(path))
      const size = statSync(path).size
      expect(size).toBeGreaterThan(ROWS * 100)

      const gc = collector()
      gc()
      const base = process.memoryUsage().heapUsed
      let peak = 0
      let accepted = 0
      let bytesSeen = 0
      const rows = parseCqcFile(createReadStream(path), { onBytes: (_n, total) => (bytesSeen = total) })
      for await (const row of rows) {
        if (row.ok) accepted++
        else throw new Error(`line ${row.rejected.line}: ${row.rejected.reason}`)
        if (accepted % 5_000 === 0) {
          gc()
          peak = Math.max(peak, process.memoryUsage().heapUsed - base)
        }
      }
      expect(accepted).toBe(ROWS)
      expect(bytesSeen).toBe(size)
      expect(peak).toBeLessThan(60 * 1024 * 1024)
    })
  }
})
