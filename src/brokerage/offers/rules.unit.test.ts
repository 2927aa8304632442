import { describe, expect, it } from 'vitest'
import {
  ageBand,
  chooseVisits,
  londonMonthStart,
  offerChangeProblem,
  offerWindowProblem,
  packageStartDate,
  packageState,
  parsePrice,
  slotsOf,
  weeklyCostPence,
} from './rules.ts'

describe('what providers see before award', () => {
  it('gives the age band of the Interim Care List, on the day', () => {
    expect(ageBand('1938-04-17', '2026-04-16')).toBe('85+')
    expect(ageBand('1941-04-17', '2026-04-16')).toBe('75–84')
    expect(ageBand('1941-04-17', '2026-04-17')).toBe('85+')
    expect(ageBand('1961-06-01', '2026-06-01')).toBe('65–74')
    expect(ageBand('1961-06-02', '2026-06-01')).toBe('18–64')
    expect(ageBand('2010-01-01', '2026-06-01')).toBe('Under 18')
  })
})

describe('weekly cost', () => {
  const visits = [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], durationMinutes: 30, carers: 2 },
    { days: ['mon', 'wed', 'fri'], durationMinutes: 45, carers: 1 },
  ]

  it('is the weekly price for care homes, and the hourly price × paid hours for home care', () => {
    expect(weeklyCostPence('weekly', 105_000, [])).toBe(105_000)
    expect(weeklyCostPence('hourly', 2_400, visits)).toBe(Math.round((2_400 * 555) / 60))
    expect(weeklyCostPence('daily', 6_000, visits)).toBe(6_000 * 7)
    expect(weeklyCostPence('daily', 6_000, [])).toBe(6_000)
    // Supported living: the hourly price × the hours of support a week.
    expect(weeklyCostPence('hourly', 2_400, [], 20 * 60)).toBe(2_400 * 20)
    expect(weeklyCostPence('hourly', 2_400, [])).toBe(0)
  })

  it('has one slot for a placement and one per visit for home care', () => {
    expect(slotsOf('nursing', [])).toEqual([0])
    expect(slotsOf('home_care', [4, 7])).toEqual([4, 7])
  })
})

describe('prices typed in pounds', () => {
  it('reads pounds and pence, and says what is wrong', () => {
    expect(parsePrice('£1,050.5')).toEqual({ ok: true, value: 105_050 })
    expect(parsePrice('24')).toEqual({ ok: true, value: 2_400 })
    expect(parsePrice('')).toEqual({ ok: false, problem: 'Enter the price' })
    expect(parsePrice('-3')).toEqual({ ok: false, problem: 'The price cannot be negative' })
    expect(parsePrice('0')).toEqual({ ok: false, problem: 'The price must be more than £0' })
    expect(parsePrice('12.345').ok).toBe(false)
    expect(parsePrice('ten').ok).toBe(false)
  })
})

describe('when an offer can change', () => {
  const deadline = new Date('2026-03-03T14:00:00Z')

  it('is while the request is published and before its deadline', () => {
    expect(offerWindowProblem('published', deadline, new Date('2026-03-03T13:59:59Z'))).toBeNull()
    expect(offerWindowProblem('published', deadline, deadline)).toBe(
      'The deadline for offers passed on 3 March 2026 at 14:00: offers can no longer be made, changed or withdrawn.',
    )
    expect(offerWindowProblem('closed', deadline, new Date('2026-03-01T00:00:00Z'))).toMatch(/has closed/)
    expect(offerWindowProblem('cancelled', null, new Date())).toBe('This request is not open for offers.')
  })
})

describe('packages', () => {
  it('start on the later of the request’s start and the provider’s earliest start', () => {
    expect(packageStartDate('2026-05-01', '2026-04-20')).toBe('2026-05-01')
    expect(packageStartDate('2026-05-01', '2026-05-04')).toBe('2026-05-04')
  })

  it('are active from the start date to the end date', () => {
    expect(packageState({ startDate: '2026-05-01', endDate: null }, '2026-04-30')).toBe('starting')
    expect(packageState({ startDate: '2026-05-01', endDate: null }, '2026-05-01')).toBe('active')
    expect(packageState({ startDate: '2026-05-01', endDate: '2026-06-01' }, '2026-06-01')).toBe('active')
    expect(packageState({ startDate: '2026-05-01', endDate: '2026-06-01' }, '2026-06-02')).toBe('ended')
  })

  it('count placements per London calendar month', () => {
    expect(londonMonthStart(new Date('2026-07-15T12:00:00Z')).toISOString()).toBe('2026-06-30T23:00:00.000Z')
    expect(londonMonthStart(new Date('2026-01-31T23:30:00Z')).toISOString()).toBe('2026-01-01T00:00:00.000Z')
  })
})

describe('changing an offer', () => {
  it('covers some of the request’s visits, each once and in order, or none when it has none', () => {
    const visits = [{ id: 4 }, { id: 7 }]
    expect(chooseVisits([7, 4, 7], visits)).toEqual({ ok: true, value: [4, 7] })
    expect(chooseVisits([], [])).toEqual({ ok: true, value: [] })
    expect(chooseVisits([4], [])).toEqual({ ok: false, problem: 'This request has no visits to choose' })
    expect(chooseVisits([5], visits)).toEqual({
      ok: false,
      problem: 'Choose visits from this request’s visits',
    })
    expect(chooseVisits([], visits)).toEqual({
      ok: false,
      problem: 'Choose at least one visit you can cover',
    })
  })

  it('is only for a submitted offer, and says why another cannot change', () => {
    expect(offerChangeProblem('submitted', 'revised')).toBeNull()
    expect(offerChangeProblem('withdrawn', 'revised')).toBe(
      'This offer cannot be revised: it has been withdrawn: make a new offer instead',
    )
    expect(offerChangeProblem('accepted', 'withdrawn')).toBe(
      'This offer cannot be withdrawn: it has been accepted',
    )
    expect(offerChangeProblem('declined', 'withdrawn')).toBe(
      'This offer cannot be withdrawn: the request has been decided',
    )
  })
})
