import { describe, expect, it } from 'vitest'
import {
  type CaseFacts,
  caseState,
  daysToReplace,
  extraCost,
  financialYearEnd,
  gapDays,
  responseFigures,
  weeksToYearEnd,
} from './rules.ts'

const waiting: CaseFacts = { outcome: null, requestStatus: null, offers: 0, replacement: null }

describe('a person’s state', () => {
  it('follows the request until a re-placement, which wins over what was recorded', () => {
    expect(caseState(waiting)).toBe('to_resource')
    expect(caseState({ ...waiting, requestStatus: 'submitted' })).toBe('to_resource')
    expect(caseState({ ...waiting, requestStatus: 'published' })).toBe('published')
    expect(caseState({ ...waiting, requestStatus: 'published', offers: 2 })).toBe('offers_in')
    expect(caseState({ ...waiting, requestStatus: 'closed', offers: 1 })).toBe('offers_in')
    expect(caseState({ ...waiting, requestStatus: 'published', outcome: 'in_hospital' })).toBe('in_hospital')
    expect(caseState({ ...waiting, outcome: 'died' })).toBe('died')
    const rePlaced = {
      ...waiting,
      outcome: 'in_hospital' as const,
      requestStatus: 'awarded',
      replacement: { startDate: '2026-03-11', awardedOn: '2026-03-09', weeklyCostPence: 1 },
    }
    expect(caseState(rePlaced)).toBe('re_placed')
  })
})

describe('days and gaps', () => {
  const placed = (startDate: string, awardedOn: string) => ({
    ...waiting,
    replacement: { startDate, awardedOn, weeklyCostPence: 0 },
  })

  it('counts no gap when care follows on the day after the last day, and each day missed otherwise', () => {
    expect(gapDays('re_placed', placed('2026-03-11', '2026-03-05'), '2026-03-10', '2026-03-20')).toBe(0)
    expect(gapDays('re_placed', placed('2026-03-14', '2026-03-12'), '2026-03-10', '2026-03-20')).toBe(3)
    // Still waiting: every day from the 11th to today.
    expect(gapDays('published', waiting, '2026-03-10', '2026-03-10')).toBe(0)
    expect(gapDays('published', waiting, '2026-03-10', '2026-03-11')).toBe(1)
    expect(gapDays('in_hospital', waiting, '2026-03-10', '2026-03-13')).toBe(3)
    expect(gapDays('died', waiting, '2026-03-10', '2026-03-13')).toBe(0)
  })

  it('counts days from notice to the award', () => {
    expect(daysToReplace(placed('2026-03-11', '2026-03-05'), '2026-03-02')).toBe(3)
    expect(daysToReplace(waiting, '2026-03-02')).toBeNull()
  })
})

describe('the extra cost', () => {
  it('knows the end of the financial year', () => {
    expect(financialYearEnd('2026-03-31')).toBe('2026-03-31')
    expect(financialYearEnd('2026-04-01')).toBe('2027-03-31')
    expect(financialYearEnd('2027-01-15')).toBe('2027-03-31')
    expect(weeksToYearEnd('2026-03-25')).toBe(1)
    expect(weeksToYearEnd('2026-04-01')).toBe(365 / 7)
  })

  it('adds (new − old) × weeks to the year’s end over the re-placed, then the one-off costs', () => {
    const lines = [
      { oldWeeklyPence: 90_000, replacement: { startDate: '2026-03-11', weeklyCostPence: 100_000 } },
      { oldWeeklyPence: 85_000, replacement: { startDate: '2026-03-25', weeklyCostPence: 80_000 } },
      { oldWeeklyPence: 70_000, replacement: null },
    ]
    // 10,000 × 3 weeks − 5,000 × 1 week + 12,500
    expect(extraCost(lines, 12_500)).toBe(30_000 - 5_000 + 12_500)
    expect(extraCost([], 0)).toBe(0)
    // A cheaper market never makes the failure a saving.
    expect(extraCost([lines[1] as (typeof lines)[number]], 0)).toBe(0)
  })
})

describe('the figures', () => {
  it('counts re-placed of all, the median days to re-place and the people with a gap', () => {
    const figures = responseFigures([
      { state: 're_placed', daysToReplace: 2, gapDays: 0 },
      { state: 're_placed', daysToReplace: 9, gapDays: 4 },
      { state: 'published', daysToReplace: null, gapDays: 1 },
      { state: 'died', daysToReplace: null, gapDays: 0 },
    ])
    expect(figures).toMatchObject({ people: 4, rePlaced: 2, medianDaysToReplace: 5.5, withGap: 2 })
    expect(figures.byState).toMatchObject({ re_placed: 2, published: 1, died: 1, to_resource: 0 })
    expect(responseFigures([]).medianDaysToReplace).toBeNull()
  })
})
