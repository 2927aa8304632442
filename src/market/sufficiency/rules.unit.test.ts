import { describe, expect, it } from 'vitest'
import {
  bedTypeFor,
  type RequestHistory,
  rateSufficiency,
  requestOutcome,
  type SufficiencyInputs,
  sourcingFigures,
  DEFAULT_SUFFICIENCY_THRESHOLDS as T,
} from './rules.ts'

/** Inputs with `decided` requests of which `percent`% were sourced. */
function inputs(decided: number, percent: number, medianDays: number | null, vacancies: number | null) {
  const sourced = Math.round((decided * percent) / 100)
  return { sourced, notSourced: decided - sourced, medianDaysToSource: medianDays, vacancies }
}

describe('rateSufficiency', () => {
  const good = (over: Partial<SufficiencyInputs> = {}) => ({ ...inputs(10, 100, 3, 2), ...over })

  it('needs enough decided requests', () => {
    expect(rateSufficiency({ ...good(), sourced: T.minRequests - 1, notSourced: 0 }, T)).toBe(
      'not_enough_data',
    )
    expect(rateSufficiency({ ...good(), sourced: T.minRequests, notSourced: 0 }, T)).toBe('sufficient')
    expect(rateSufficiency({ ...good(), sourced: 0, notSourced: T.minRequests - 1 }, T)).toBe(
      'not_enough_data',
    )
    expect(rateSufficiency({ ...good(), sourced: 0, notSourced: 0 }, { ...T, minRequests: 1 })).toBe(
      'not_enough_data',
    )
  })

  it('is sufficient from the success threshold up, medium just below it', () => {
    expect(rateSufficiency(inputs(100, T.sufficientSuccessPercent, 3, 1), T)).toBe('sufficient')
    expect(rateSufficiency(inputs(100, T.sufficientSuccessPercent + 1, 3, 1), T)).toBe('sufficient')
    expect(rateSufficiency(inputs(100, T.sufficientSuccessPercent - 1, 3, 1), T)).toBe('medium')
  })

  it('is low below the low success threshold, medium at it', () => {
    expect(rateSufficiency(inputs(100, T.lowSuccessPercent, 3, 1), T)).toBe('medium')
    expect(rateSufficiency(inputs(100, T.lowSuccessPercent - 1, 3, 1), T)).toBe('low')
    expect(rateSufficiency(inputs(100, T.lowSuccessPercent + 1, 3, 1), T)).toBe('medium')
  })

  it('is sufficient up to the sufficient median, medium just over it', () => {
    expect(rateSufficiency(good({ medianDaysToSource: T.sufficientMedianDays }), T)).toBe('sufficient')
    expect(rateSufficiency(good({ medianDaysToSource: T.sufficientMedianDays - 0.5 }), T)).toBe('sufficient')
    expect(rateSufficiency(good({ medianDaysToSource: T.sufficientMedianDays + 0.5 }), T)).toBe('medium')
  })

  it('is low over the low median, medium at it, whatever the success', () => {
    expect(rateSufficiency(good({ medianDaysToSource: T.lowMedianDays }), T)).toBe('medium')
    expect(rateSufficiency(good({ medianDaysToSource: T.lowMedianDays + 0.5 }), T)).toBe('low')
    expect(rateSufficiency(good({ medianDaysToSource: T.lowMedianDays - 0.5 }), T)).toBe('medium')
  })

  it('needs a vacancy for sufficient', () => {
    expect(rateSufficiency(good({ vacancies: 0 }), T)).toBe('medium')
    expect(rateSufficiency(good({ vacancies: null }), T)).toBe('medium')
    expect(rateSufficiency(good({ vacancies: 0.5 }), T)).toBe('sufficient')
    // Vacancies never lift a low rating.
    expect(rateSufficiency(inputs(10, 0, null, 50), T)).toBe('low')
  })

  it('uses the council’s thresholds, not the defaults', () => {
    const strict = { ...T, sufficientSuccessPercent: 95, lowSuccessPercent: 90, minRequests: 2 }
    expect(rateSufficiency(inputs(100, 92, 3, 1), strict)).toBe('medium')
    expect(rateSufficiency(inputs(100, 89, 3, 1), strict)).toBe('low')
    expect(rateSufficiency(inputs(2, 100, 3, 1), strict)).toBe('sufficient')
  })
})

describe('request outcomes and sourcing figures', () => {
  const at = (day: number) => new Date(Date.UTC(2026, 5, day))
  const h = (over: Partial<RequestHistory>): RequestHistory => ({
    submittedAt: at(1),
    awardedAt: null,
    everUnsourced: false,
    cancelled: false,
    offers: 0,
    ...over,
  })

  it('sorts requests into sourced, not sourced and undecided', () => {
    expect(requestOutcome(h({ awardedAt: at(3), everUnsourced: true }))).toBe('sourced')
    expect(requestOutcome(h({ everUnsourced: true }))).toBe('not_sourced')
    expect(requestOutcome(h({ everUnsourced: true, cancelled: true, offers: 2 }))).toBe('not_sourced')
    expect(requestOutcome(h({ cancelled: true }))).toBe('not_sourced')
    expect(requestOutcome(h({ cancelled: true, offers: 1 }))).toBe('undecided')
    expect(requestOutcome(h({ offers: 3 }))).toBe('undecided')
  })

  it('counts and times a cell’s requests', () => {
    expect(
      sourcingFigures([
        h({ awardedAt: at(3) }),
        h({ awardedAt: at(11) }),
        h({ everUnsourced: true }),
        h({ cancelled: true, offers: 1 }),
        h({}),
      ]),
    ).toEqual({ sourced: 2, notSourced: 1, medianDaysToSource: 6 })
  })

  it('reads vacancies of the bed type for care homes, spare hours for home care', () => {
    expect(bedTypeFor('dementia_nursing')).toBe('dementia_nursing')
    expect(bedTypeFor('residential')).toBe('residential')
    expect(bedTypeFor('home_care')).toBeNull()
  })
})
