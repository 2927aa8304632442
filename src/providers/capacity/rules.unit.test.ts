import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bedTotalProblem,
  bedTypesFor,
  freshness,
  minutesToHours,
  parseSpareHours,
  parseVacancies,
  summariseAvailability,
} from './rules.ts'

const DAY = 24 * 60 * 60 * 1000

describe('parsing figures', () => {
  it('takes vacancies as whole numbers of 0 or more', () => {
    expect(parseVacancies('3')).toEqual({ ok: true, value: 3 })
    expect(parseVacancies(' 0 ')).toEqual({ ok: true, value: 0 })
    expect(parseVacancies(7)).toEqual({ ok: true, value: 7 })
    expect(parseVacancies('-1')).toEqual({ ok: false, problem: 'vacancies cannot be negative' })
    expect(parseVacancies(-2)).toEqual({ ok: false, problem: 'vacancies cannot be negative' })
    expect(parseVacancies('2.5')).toMatchObject({ ok: false })
    expect(parseVacancies('two')).toMatchObject({ ok: false })
    expect(parseVacancies('')).toEqual({ ok: false, problem: 'enter the number of vacant beds' })
    expect(parseVacancies(undefined)).toMatchObject({ ok: false })
  })

  it('stores spare hours as whole minutes, from up to 2 decimal places', () => {
    expect(parseSpareHours('12.5')).toEqual({ ok: true, value: 750 })
    expect(parseSpareHours('0.01')).toEqual({ ok: true, value: 1 })
    expect(parseSpareHours(3.75)).toEqual({ ok: true, value: 225 })
    expect(parseSpareHours('8400')).toEqual({ ok: true, value: 504_000 })
    expect(parseSpareHours('8400.01')).toMatchObject({ ok: false })
    expect(parseSpareHours('1.234')).toMatchObject({ ok: false })
    expect(parseSpareHours('-0.5')).toEqual({ ok: false, problem: 'spare hours cannot be negative' })
    expect(parseSpareHours('1e3')).toMatchObject({ ok: false })
  })

  it('shows minutes as hours that read back as the same minutes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 504_000 }), (minutes) => {
        const shown = minutesToHours(minutes)
        expect(parseSpareHours(shown)).toEqual({ ok: true, value: minutes })
      }),
    )
  })
})

describe('registered beds', () => {
  it('lets bed types other than respite add up to the registered beds, and no more', () => {
    expect(
      bedTotalProblem(
        30,
        new Map([
          ['residential', 20],
          ['dementia_residential', 10],
        ]),
      ),
    ).toBeNull()
    expect(
      bedTotalProblem(
        30,
        new Map([
          ['residential', 20],
          ['dementia_residential', 11],
        ]),
      ),
    ).toBe('vacancies other than respite add up to 31, more than its 30 registered beds')
  })

  it('checks respite on its own, as a respite bed is also offered as another type', () => {
    expect(
      bedTotalProblem(
        10,
        new Map([
          ['residential', 10],
          ['respite', 10],
        ]),
      ),
    ).toBeNull()
    expect(bedTotalProblem(10, new Map([['respite', 11]]))).toBe(
      'respite vacancies of 11 are more than its 10 registered beds',
    )
  })

  it('asks each home about the bed types it is registered for', () => {
    expect(bedTypesFor({ serviceTypes: ['residential_home'], specialisms: [] })).toEqual([
      'residential',
      'respite',
    ])
    expect(
      bedTypesFor({
        serviceTypes: ['nursing_home', 'residential_home'],
        specialisms: ['dementia', 'mental_health'],
      }),
    ).toEqual([
      'residential',
      'nursing',
      'dementia_residential',
      'dementia_nursing',
      'mental_health',
      'respite',
    ])
    expect(bedTypesFor({ serviceTypes: [], specialisms: [] })).toEqual(['residential', 'nursing', 'respite'])
  })
})

describe('staleness', () => {
  const now = new Date('2025-06-10T12:00:00Z')
  it('is current for 7 days, then stale; missing when never reported', () => {
    expect(freshness(new Date(now.getTime() - 7 * DAY + 1), now)).toBe('current')
    expect(freshness(new Date(now.getTime() - 7 * DAY), now)).toBe('stale')
    expect(freshness(null, now)).toBe('missing')
  })
})

describe('availability', () => {
  it('divides vacancies by the registered beds of the homes that reported, by locality', () => {
    const homes = [
      { id: 1, localityId: 10, registeredBeds: 40 },
      { id: 2, localityId: 10, registeredBeds: 20 },
      { id: 3, localityId: 20, registeredBeds: 50 },
      { id: 4, localityId: null, registeredBeds: 10 },
    ]
    const current = [
      { locationId: 1, bedType: 'residential', vacancies: 4 },
      { locationId: 1, bedType: 'respite', vacancies: 2 },
      { locationId: 3, bedType: 'nursing', vacancies: 3 },
      { locationId: 3, bedType: 'dementia_nursing', vacancies: 2 },
    ]
    const result = summariseAvailability(homes, current, [
      { id: 20, name: 'West' },
      { id: 10, name: 'North' },
    ])
    expect(
      result.localities.map((l) => [
        l.locality,
        l.homes,
        l.reportingHomes,
        l.registeredBedsOfReportingHomes,
        l.vacancies,
        l.percentAvailable,
      ]),
    ).toEqual([
      ['North', 2, 1, 40, 4, 10],
      ['West', 1, 1, 50, 5, 10],
      ['No locality recorded', 1, 0, 0, 0, null],
    ])
    expect(result.total).toMatchObject({
      homes: 4,
      reportingHomes: 2,
      reportingPercent: 50,
      registeredBedsOfReportingHomes: 90,
      vacancies: 9,
      percentAvailable: 10,
    })
    expect(result.total.byBedType.find((t) => t.bedType === 'respite')).toMatchObject({
      vacancies: 2,
      percentAvailable: 2.2,
    })
    expect(result.total.byBedType.find((t) => t.bedType === 'nursing')).toMatchObject({
      vacancies: 3,
      percentAvailable: 3.3,
    })
  })
})
