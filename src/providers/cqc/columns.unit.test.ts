import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parse as parseCsv } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../errors.ts'
import { headerKey } from '../../spreadsheets/rows.ts'
import { CARE_DIRECTORY_COLUMNS, CARE_DIRECTORY_FIELDS, HSCA_FIELDS, locateColumns } from './columns.ts'
import { parseCqcFile } from './parse.ts'
import type { CqcLocationRecord } from './records.ts'

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../test/fixtures/cqc/${name}`, import.meta.url)), 'utf8')

async function parse(text: string) {
  const rows = parseCqcFile(Readable.from([Buffer.from(text)]))
  const records: CqcLocationRecord[] = []
  for await (const row of rows) if (row.ok) records.push(row.record)
  return records
}

async function refusal(text: string): Promise<string> {
  const error = await parse(text).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return (error as ValidationError).errors.map((e) => e.message).join(' ')
}

const quoted = (names: readonly string[]) => names.map((name) => `"${name}"`).join(',')

/** A care directory file as CQC lays it out (four title lines), with the header row given. */
function careDirectory(header: readonly string[]) {
  return [
    'CQC Locations data,,,',
    ',,,',
    'This data was produced on 23 August 2017,,,',
    ',,,',
    quoted(header),
    'Old Mill House,,"1 Fake Street,Fictonham",NR2 9AA,,,Homecare agencies|Residential homes,' +
      '23/08/2017 - 00:00,Dementia,Old Mill Ltd,Norfolk,East of England,,1-100,1-200',
  ].join('\r\n')
}

const renamed = (header: readonly string[], from: string, to: string) =>
  header.map((name) => (name === from ? to : name))

const hscaText = fixture('hsca-active-locations.csv')
const hscaHeader = hscaText.slice(0, hscaText.indexOf('\n'))
const hscaColumns = (parseCsv(hscaHeader) as string[][])[0] as string[]
const withHscaHeader = (header: string) => `${header}${hscaText.slice(hscaText.indexOf('\n'))}`

describe('care directory column titles CQC has published', () => {
  const variants = Object.entries(CARE_DIRECTORY_FIELDS).flatMap(([field, names]) =>
    names.slice(1).map((variant) => ({ field, current: names[0] as string, variant })),
  )

  it.each(variants)('reads $field from a file titled "$variant"', async ({ current, variant }) => {
    const records = await parse(careDirectory(renamed(CARE_DIRECTORY_COLUMNS, current, variant)))
    expect(records).toEqual([
      expect.objectContaining({
        cqcLocationId: '1-100',
        cqcProviderId: '1-200',
        localAuthority: 'Norfolk',
        lastInspectionDate: '2017-08-23',
      }),
    ])
  })

  it('reads the 2017 to 2020 header row, with its malformed location ID title', async () => {
    const header = renamed(
      renamed(CARE_DIRECTORY_COLUMNS, 'Local authority', 'Local Authority'),
      'CQC Location ID (for office use only)',
      'CQC Location (for office use only',
    )
    expect(await parse(careDirectory(header))).toEqual([
      expect.objectContaining({
        line: 6,
        cqcLocationId: '1-100',
        serviceTypes: ['residential_home', 'home_care'],
      }),
    ])
  })

  it('tolerates capitals, doubled spaces, NBSPs, a BOM and unbalanced brackets', async () => {
    const header = CARE_DIRECTORY_COLUMNS.map((name) =>
      name === 'CQC Location ID (for office use only)'
        ? 'cqc\u00a0location  ID (for office use only))'
        : name === 'Postcode'
          ? ' POSTCODE '
          : name,
    )
    const text = `\uFEFF${careDirectory(header)}`
    expect(await parse(text)).toEqual([
      expect.objectContaining({ cqcLocationId: '1-100', postcode: 'NR2 9AA' }),
    ])
  })

  it('still refuses a file that is not a CQC register, however like one it looks', async () => {
    const text = `${quoted(['Name', 'Postcode', 'Location', 'Provider name'])}\r\nA,NR1 9ZZ,1-1,B\r\n`
    expect(await refusal(text)).toContain('The file is not a CQC register file.')
  })
})

describe('HSCA Active Locations column titles CQC has published', () => {
  const variants = Object.entries(HSCA_FIELDS).flatMap(([field, names]) =>
    names.slice(1).map((variant) => ({ field, current: names[0] as string, variant })),
  )

  it.each(variants)('reads $field from a file titled "$variant"', async ({ current, variant }) => {
    const header = quoted(hscaColumns.map((name) => (name === current ? variant : name)))
    expect(header).toContain(variant)
    const records = await parse(withHscaHeader(header))
    expect(records.find((r) => r.cqcLocationId === '1-7000000001')).toMatchObject({
      postcode: 'NR4 9ZA',
      registeredBeds: 40,
      serviceTypes: ['nursing_home'],
    })
  })

  it('reads flag columns whatever the spacing around their dash', async () => {
    const header = hscaHeader.replaceAll(' - ', '\u00a0-\u00a0').replace('Location ID', '\uFEFFLocation ID')
    const records = await parse(withHscaHeader(header))
    expect(records.find((r) => r.cqcLocationId === '1-7000000001')).toMatchObject({
      serviceTypes: ['nursing_home'],
      specialisms: ['dementia', 'physical_disability'],
      clientGroups: ['older_people'],
    })
  })
})

describe('header matching', () => {
  it('compares titles without capitals, spacing or punctuation', () => {
    expect(headerKey('\uFEFFCQC Location ID (for office use only)')).toBe(
      'cqc location id for office use only',
    )
    expect(headerKey('Care\u00a0home?')).toBe(headerKey('care home'))
  })

  it('takes a title without "ID" for the same column, but only when no title matches exactly', () => {
    const fields = { location: ['Location ID'], name: ['Location Name'] }
    expect(locateColumns(['Location', 'Location Name'], fields).index).toEqual({ location: 0, name: 1 })
    expect(locateColumns(['Location', 'Location ID'], fields)).toEqual({
      index: { location: 1 },
      missing: ['Location Name'],
    })
  })
})
