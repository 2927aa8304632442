// PCN sufficiency (DOMAIN.md §9): how hard it is to place people from each Primary Care Network
// area, for each kind of placement, rated the way Norfolk publishes it (seed 002).

import { REQUEST_SERVICE_TYPE_MAP, type RequestServiceType } from '../../brokerage/rules/vocabulary.ts'
import type { BedType } from '../../providers/vocabulary.ts'
import { median } from '../../shared/statistics.ts'

/**
 * The placement types rated: the four kinds of care home a request can ask for, and home care.
 * Each is one request service type, so a request counts in exactly one column. Supported living
 * and day opportunities are not placements made by PCN area, so they are not rated.
 */
export const PLACEMENT_TYPES = [
  'residential',
  'dementia_residential',
  'nursing',
  'dementia_nursing',
  'home_care',
] as const satisfies readonly RequestServiceType[]
export type PlacementType = (typeof PLACEMENT_TYPES)[number]

export const PLACEMENT_TYPE_LABELS: Record<PlacementType, string> = {
  residential: 'Residential',
  dementia_residential: 'Dementia (enhanced) residential',
  nursing: 'Nursing',
  dementia_nursing: 'Dementia nursing',
  home_care: 'Home care',
}

/** The bed type whose vacancies count for a care home placement; null for home care (spare hours). */
export function bedTypeFor(type: PlacementType): BedType | null {
  return REQUEST_SERVICE_TYPE_MAP[type].bedType
}

export const RATINGS = ['sufficient', 'medium', 'low', 'not_enough_data'] as const
export type SufficiencyRating = (typeof RATINGS)[number]

export const RATING_LABELS: Record<SufficiencyRating, string> = {
  sufficient: 'Sufficient',
  medium: 'Medium',
  low: 'Low',
  not_enough_data: 'Not enough data',
}

/** GOV.UK tag colours; the tag always carries the word too. */
export const RATING_TAG_COLOURS: Record<SufficiencyRating, string> = {
  sufficient: 'green',
  medium: 'yellow',
  low: 'red',
  not_enough_data: 'grey',
}

/** Settings a council admin can change; stored in market_settings. */
export interface SufficiencyThresholds {
  /** How many days back from today the requests are counted. */
  periodDays: number
  /** Fewer decided requests than this in a cell gives "Not enough data". */
  minRequests: number
  /** Sufficient needs at least this % of decided requests sourced... */
  sufficientSuccessPercent: number
  /** ...and Low is anything below this %. */
  lowSuccessPercent: number
  /** Sufficient needs a median time to source of at most this many days... */
  sufficientMedianDays: number
  /** ...and Low is any median above this many days. */
  lowMedianDays: number
}

/**
 * Defaults: a placement that is found for four people in five within a week, with a bed or hour
 * to spare, is sufficient; one found for fewer than half, or taking over three weeks, is low.
 * Five decided requests is the fewest that make a percentage worth reading.
 */
export const DEFAULT_SUFFICIENCY_THRESHOLDS: SufficiencyThresholds = {
  periodDays: 90,
  minRequests: 5,
  sufficientSuccessPercent: 80,
  lowSuccessPercent: 50,
  sufficientMedianDays: 7,
  lowMedianDays: 21,
}

export const THRESHOLD_LIMITS: Record<keyof SufficiencyThresholds, { min: number; max: number }> = {
  periodDays: { min: 7, max: 730 },
  minRequests: { min: 1, max: 100 },
  sufficientSuccessPercent: { min: 1, max: 100 },
  lowSuccessPercent: { min: 0, max: 100 },
  sufficientMedianDays: { min: 0, max: 365 },
  lowMedianDays: { min: 1, max: 365 },
}

export interface SufficiencyInputs {
  /** Requests awarded. */
  sourced: number
  /** Requests marked unsourced, or cancelled without a single offer. */
  notSourced: number
  /** Median days from submission to award of the sourced requests; null when none was. */
  medianDaysToSource: number | null
  /** Vacant beds of that type, or spare home care hours a week; null when nobody reported. */
  vacancies: number | null
}

export function successPercent(inputs: Pick<SufficiencyInputs, 'sourced' | 'notSourced'>): number | null {
  const decided = inputs.sourced + inputs.notSourced
  return decided === 0 ? null : (inputs.sourced / decided) * 100
}

/**
 * The rating of one PCN area for one placement type:
 * - Not enough data: fewer than minRequests decided (sourced or not sourced) requests.
 * - Low: success below lowSuccessPercent, or median time to source above lowMedianDays.
 * - Sufficient: success at least sufficientSuccessPercent, median at most sufficientMedianDays,
 *   and some vacancy reported (no vacancy means the next person may well wait).
 * - Medium: anything else.
 */
export function rateSufficiency(inputs: SufficiencyInputs, t: SufficiencyThresholds): SufficiencyRating {
  const decided = inputs.sourced + inputs.notSourced
  if (decided < t.minRequests || decided === 0) return 'not_enough_data'
  const success = (inputs.sourced / decided) * 100
  const median = inputs.medianDaysToSource
  if (success < t.lowSuccessPercent || (median !== null && median > t.lowMedianDays)) return 'low'
  if (
    success >= t.sufficientSuccessPercent &&
    median !== null &&
    median <= t.sufficientMedianDays &&
    (inputs.vacancies ?? 0) > 0
  )
    return 'sufficient'
  return 'medium'
}

/** What became of a request by the end of the period, from its status history. */
export interface RequestHistory {
  submittedAt: Date
  awardedAt: Date | null
  everUnsourced: boolean
  cancelled: boolean
  offers: number
}

export type RequestOutcome = 'sourced' | 'not_sourced' | 'undecided'

/**
 * Awarded counts as sourced, even after an unsourced round. Unsourced, or cancelled without any
 * offer, is not sourced. Cancelled after offers came (the person's plans changed) and requests
 * still in brokerage say nothing about the market yet, so they are left out.
 */
export function requestOutcome(h: RequestHistory): RequestOutcome {
  if (h.awardedAt) return 'sourced'
  if (h.everUnsourced) return 'not_sourced'
  if (h.cancelled && h.offers === 0) return 'not_sourced'
  return 'undecided'
}

const DAY_MS = 86_400_000

/** Sourced/not sourced counts and the median days to source of one cell's requests. */
export function sourcingFigures(
  histories: readonly RequestHistory[],
): Pick<SufficiencyInputs, 'sourced' | 'notSourced' | 'medianDaysToSource'> {
  let sourced = 0
  let notSourced = 0
  const days: number[] = []
  for (const h of histories) {
    const outcome = requestOutcome(h)
    if (outcome === 'sourced' && h.awardedAt) {
      sourced++
      days.push((h.awardedAt.getTime() - h.submittedAt.getTime()) / DAY_MS)
    } else if (outcome === 'not_sourced') notSourced++
  }
  return { sourced, notSourced, medianDaysToSource: median(days) }
}
