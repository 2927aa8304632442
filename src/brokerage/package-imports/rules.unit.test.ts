import { describe, expect, it } from 'vitest'
import { cqcLocationIdOf, locatePackageColumns, readPackageRow } from './rules.ts'

const TODAY = '2026-06-15'
const TITLES = [
  'person_ref',
  'date_of_birth',
  'age_band',
  'postcode_district',
  'client_group',
  'service_type',
  'location_ref',
  'weekly_cost',
  'hours_per_week',
  'start_date',
  'end_date',
  'funding',
]
const located = locatePackageColumns(TITLES)
const index = located.ok ? located.index : {}
const row = (values: Partial<Record<string, string>>) =>
  TITLES.map(
    (title) =>
      values[title] ??
      {
        person_ref: 'P1',
        age_band: '85+',
        postcode_district: 'NR3',
        client_group: 'older_people',
        service_type: 'home_care',
        location_ref: '1-123456789',
        weekly_cost: '300',
        hours_per_week: '10',
        start_date: '2025-01-01',
        funding: 'council',
      }[title] ??
      '',
  )

describe('reading a row of the council’s book', () => {
  it('takes CQC location IDs as people write them', () => {
    expect(cqcLocationIdOf(' 1 - 123 456 789 ')).toBe('1-123456789')
    expect(cqcLocationIdOf('1–123456789')).toBe('1-123456789')
    expect(cqcLocationIdOf('rxx12')).toBe('RXX12')
    expect(cqcLocationIdOf('not an id!')).toBeNull()
  })

  it('finds the columns by title in any case and order, and names the missing ones', () => {
    expect(locatePackageColumns(['\uFEFFPerson Ref', ...TITLES.slice(1).reverse()]).ok).toBe(true)
    const missing = locatePackageColumns(['person_ref', 'service_type'])
    expect(missing.ok).toBe(false)
    if (!missing.ok) expect(missing.problem).toContain('date_of_birth or age_band')
  })

  it('reduces a date of birth to an age band, and reads UK dates and pounds as typed', () => {
    const read = readPackageRow(
      2,
      row({ age_band: '', date_of_birth: '15/06/1961', weekly_cost: '£1,234.50', start_date: '1/4/2025' }),
      index,
      TODAY,
    )
    expect(read).toMatchObject({
      ok: true,
      row: { ageBand: '65–74', weeklyCostPence: 123_450, startDate: '2025-04-01', minutesPerWeek: 600 },
    })
    expect(readPackageRow(2, row({ age_band: '18 to 64' }), index, TODAY)).toMatchObject({
      row: { ageBand: '18–64' },
    })
  })

  it('gives every reason a row cannot be read, in one line', () => {
    const read = readPackageRow(
      9,
      row({ person_ref: 'Mr Smith', postcode_district: 'Norwich', end_date: '2024-12-31', funding: '' }),
      index,
      TODAY,
    )
    expect(read.ok).toBe(false)
    if (!read.ok) {
      expect(read.reason).toContain('person_ref has no digits')
      expect(read.reason).toContain('postcode_district "Norwich" is not a postcode district')
      expect(read.reason).toContain('end_date is before start_date')
      expect(read.reason).toContain('funding "" is not one of')
    }
  })
})
