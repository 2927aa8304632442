// Choosing an offer (DOMAIN.md §7): a ranked shortlist whose every number a broker can check.
//
// total = (qualityWeight × quality score + priceWeight × price score + distanceWeight × distance score) / 100
//
// - Quality score: Outstanding 100, Good 75, Not yet rated 50, Requires improvement 40; an
//   Inadequate location is not eligible and its offer is excluded, not scored. A council-accredited
//   service's accreditation in force counts as Good (its basis is shown); one not in force is
//   excluded like an Inadequate one.
// - Price score: lowest valid price ÷ this price × 100, so the cheapest offer scores 100. Prices
//   are integer pence in one unit per request (weekly for care homes, hourly for home care).
// - Distance score: 100 × (1 − miles ÷ maximum distance), clamped to 0..100: 100 on the person's
//   doorstep, 0 at the limit or beyond (a home care office outside the limit that covers the
//   district) or when the distance is unknown. It is measured against the request's own limit
//   rather than the nearest offer, so one offer next door does not push all the others to nothing.
// - Scores and weighted parts are rounded to 2 decimal places, and the total is the sum of the
//   rounded parts, so the numbers on the page add up and explain the order.
// - Late start: an offer starting after the date care is needed loses the council's points per
//   day late (lateStartPointsPerDay) from its total, never below 0, and is flagged with the days.
// - No vacancy: an offer from a location whose latest capacity report shows no vacancy of the bed
//   type (or no spare home care hours in the district) is flagged; eligibility already ranked it
//   lower when inviting, and the report may be stale, so it is not excluded.
// - Ties on the total go to the higher quality score, then the lower price, then the earlier
//   submission, then the lower offer id, so the ranking is a total order and never depends on the
//   order the offers were read in.

import type { RestrictionKind } from '../../providers/vocabulary.ts'
import { formatDate, formatLondonDate } from '../../shared/dates.ts'
import { formatPounds } from '../../shared/money.ts'
import { calendarDaysBetween } from './deadlines.ts'
import { plural } from './format.ts'
import type { BrokerageSettings } from './settings.ts'
import { NOT_YET_RATED, PRICE_UNIT_LABELS, type PriceUnit, type RatingValue } from './vocabulary.ts'

export const QUALITY_SCORES: Readonly<Record<RatingValue, number | null>> = {
  Outstanding: 100,
  Good: 75,
  [NOT_YET_RATED]: 50,
  'Requires improvement': 40,
  Inadequate: null,
}

/** The quality score of an effective rating; null when the location may not be chosen at all. */
export function qualityScore(rating: RatingValue): number | null {
  return QUALITY_SCORES[rating]
}

const round2 = (n: number) => Math.round(n * 100) / 100

/** lowest ÷ price × 100. */
export function priceScore(pricePence: number, lowestPricePence: number): number {
  return round2((lowestPricePence / pricePence) * 100)
}

/** 100 × (1 − miles ÷ limit), clamped to 0..100; 0 when the distance is unknown. */
export function distanceScore(distanceMiles: number | null, maxDistanceMiles: number): number {
  if (distanceMiles === null || !Number.isFinite(distanceMiles) || maxDistanceMiles <= 0) return 0
  return round2(Math.min(100, Math.max(0, 100 * (1 - distanceMiles / maxDistanceMiles))))
}

export type ScoringWeights = Pick<BrokerageSettings, 'qualityWeight' | 'priceWeight' | 'distanceWeight'>
export type ScoringSettings = ScoringWeights &
  Pick<BrokerageSettings, 'capacityStaleDays' | 'lateStartPointsPerDay'>

/** Throws if the weights are not whole numbers from 0 to 100 adding up to 100. */
export function assertWeights(weights: ScoringWeights): void {
  const all = [weights.qualityWeight, weights.priceWeight, weights.distanceWeight]
  if (all.some((w) => !Number.isInteger(w) || w < 0 || w > 100)) {
    throw new RangeError(`Weights must be whole numbers from 0 to 100: ${all.join(', ')}`)
  }
  const total = all.reduce((a, b) => a + b, 0)
  if (total !== 100) throw new RangeError(`Weights must add up to 100, not ${total}`)
}

export interface OfferForScoring {
  offerId: number
  locationId: number
  /** Integer pence, in the request's price unit. */
  pricePence: number
  /** The location's effective rating when the offers are evaluated. */
  rating: RatingValue
  /** What the rating stands on when it is not a CQC rating, e.g. the council's accreditation; null otherwise. */
  ratingBasis?: string | null
  /** Why the location may not be chosen whatever its rating (a council accreditation not in force); null when it may. */
  qualityExclusion?: string | null
  /** Miles from the person's postcode; null when unknown. */
  distanceMiles: number | null
  submittedAt: Date
  /** Kinds of the location's restrictions in force now. */
  restrictions: readonly RestrictionKind[]
  /** When the location last reported capacity (for the bed type, or spare hours); null if never. */
  capacityReportedAt: Date | null
  /** What that report said: vacancies of the bed type, or spare minutes a week in the district. */
  capacityAvailable: number | null
  /** The offer's start date, 'YYYY-MM-DD'. */
  earliestStart: string
}

export interface ScoringContext {
  /** The council's usual price for this care, in the same unit; null when there is none. */
  usualPricePence: number | null
  /** The request's maximum distance, for the distance score. */
  maxDistanceMiles: number
  priceUnit: PriceUnit
  /** When the evaluation happens, for the age of capacity data. */
  now: Date
  /** The date care is needed from, 'YYYY-MM-DD'. */
  neededStart: string
  /** What capacity is counted in: vacancies of a bed type (care homes), or spare hours. */
  capacityMeasure: 'vacancies' | 'spare_hours'
}

interface ScoreComponent {
  /** 0..100 */
  score: number
  /** 0..100, the weights adding up to 100 */
  weight: number
  /** weight × score ÷ 100 */
  weighted: number
}

interface OfferFlags {
  /** Above the council's usual price: the broker agrees the rate with a reason, or (care homes) records a top-up. */
  aboveUsualPrice: boolean
  /** A "contact quality team" restriction is in force: the award needs the quality team's sign-off. */
  qualityTeamSignOff: boolean
  /** The location's capacity report is older than the council's limit, or missing. */
  staleCapacity: boolean
  /** The location's latest capacity report shows no vacancy of the bed type (or no spare hours). */
  noVacancy: boolean
  /** The offer starts after the date care is needed. */
  lateStart: boolean
}

interface OfferNote {
  code:
    | 'above_usual_price'
    | 'quality_team_sign_off'
    | 'stale_capacity'
    | 'no_vacancy'
    | 'late_start'
    | 'tie_break'
  text: string
}

export interface ScoredOffer {
  offerId: number
  locationId: number
  /** 1 is the best. Ranks are never shared. */
  rank: number
  total: number
  quality: ScoreComponent & { rating: RatingValue; basis: string | null }
  price: ScoreComponent & { pricePence: number; lowestPricePence: number }
  distance: ScoreComponent & { miles: number | null }
  /** Days the offer starts after the needed date (0 when on time) and the points that cost. */
  lateStart: { days: number; pointsPerDay: number; penalty: number }
  flags: OfferFlags
  /** How far above the usual price, in pence; null when not above it. */
  aboveUsualPriceByPence: number | null
  /** Whole days since the last capacity report; null if never reported. */
  capacityAgeDays: number | null
  /** Plain-English lines for the flags, and for how a tie on the total was broken. */
  notes: OfferNote[]
  submittedAt: Date
}

type OfferExclusionCode = 'inadequate' | 'accreditation_not_in_force' | 'no_new_placements' | 'invalid_price'

interface ExcludedOffer {
  offerId: number
  locationId: number
  code: OfferExclusionCode
  text: string
}

export interface Shortlist {
  ranked: ScoredOffer[]
  excluded: ExcludedOffer[]
  /** The lowest valid price, which scores 100; null when no offer is eligible. */
  lowestPricePence: number | null
  weights: ScoringWeights
}

const DAY_MS = 86_400_000

function exclusion(offer: OfferForScoring): ExcludedOffer | null {
  const base = { offerId: offer.offerId, locationId: offer.locationId }
  if (!Number.isSafeInteger(offer.pricePence) || offer.pricePence <= 0) {
    return { ...base, code: 'invalid_price', text: 'The price is not a positive amount in pence' }
  }
  if (qualityScore(offer.rating) === null) {
    return { ...base, code: 'inadequate', text: 'Rated Inadequate: an inadequate service cannot be chosen' }
  }
  if (offer.qualityExclusion) {
    return { ...base, code: 'accreditation_not_in_force', text: offer.qualityExclusion }
  }
  if (offer.restrictions.includes('no_new_placements')) {
    return { ...base, code: 'no_new_placements', text: 'A “no new placements” restriction is now in force' }
  }
  return null
}

/** Best first; see the top of this file. */
export function compareScored(a: ScoredOffer, b: ScoredOffer): number {
  return (
    b.total - a.total ||
    b.quality.score - a.quality.score ||
    a.price.pricePence - b.price.pricePence ||
    a.submittedAt.getTime() - b.submittedAt.getTime() ||
    a.offerId - b.offerId
  )
}

function tieBreakText(previous: ScoredOffer, offer: ScoredOffer): string {
  const why =
    offer.quality.score < previous.quality.score
      ? 'its quality score is lower'
      : offer.price.pricePence > previous.price.pricePence
        ? 'its price is higher'
        : offer.submittedAt.getTime() > previous.submittedAt.getTime()
          ? 'it was submitted later'
          : 'its offer number is higher'
  return `Same total as the offer ranked ${previous.rank}; placed after it because ${why}`
}

function component(value: number, weight: number): ScoreComponent {
  return { score: value, weight, weighted: round2((weight * value) / 100) }
}

function score(
  offer: OfferForScoring,
  lowestPricePence: number,
  context: ScoringContext,
  weights: ScoringWeights,
  settings: ScoringSettings,
): ScoredOffer {
  const staleDays = settings.capacityStaleDays
  const quality = component(qualityScore(offer.rating) ?? 0, weights.qualityWeight)
  const price = component(priceScore(offer.pricePence, lowestPricePence), weights.priceWeight)
  const distance = component(
    distanceScore(offer.distanceMiles, context.maxDistanceMiles),
    weights.distanceWeight,
  )

  const notes: OfferNote[] = []
  const above =
    context.usualPricePence !== null && offer.pricePence > context.usualPricePence
      ? offer.pricePence - context.usualPricePence
      : null
  if (above !== null && context.usualPricePence !== null) {
    notes.push({
      code: 'above_usual_price',
      text: `${describePrice(offer.pricePence, context.priceUnit)} is ${formatPounds(above)} above the usual price of ${formatPounds(context.usualPricePence)}`,
    })
  }
  const qualityTeamSignOff = offer.restrictions.includes('contact_quality_team')
  if (qualityTeamSignOff) {
    notes.push({
      code: 'quality_team_sign_off',
      text: 'A “contact quality team before placing” restriction is in force: the quality team must sign off the award',
    })
  }
  const reportedAt = offer.capacityReportedAt
  const ageMs = reportedAt ? context.now.getTime() - reportedAt.getTime() : null
  const capacityAgeDays = ageMs === null ? null : Math.max(0, Math.floor(ageMs / DAY_MS))
  const staleCapacity = ageMs === null || ageMs > staleDays * DAY_MS
  if (staleCapacity) {
    notes.push({
      code: 'stale_capacity',
      text:
        reportedAt === null || capacityAgeDays === null
          ? 'The location has never reported its capacity'
          : `Capacity last reported ${plural(capacityAgeDays, 'day')} ago, on ${formatLondonDate(reportedAt)}; reports older than ${plural(staleDays, 'day')} may be out of date`,
    })
  }

  const noVacancy = offer.capacityAvailable !== null && offer.capacityAvailable <= 0 && reportedAt !== null
  if (noVacancy && reportedAt) {
    notes.push({
      code: 'no_vacancy',
      text:
        context.capacityMeasure === 'vacancies'
          ? `The latest capacity report, on ${formatLondonDate(reportedAt)}, shows no vacancy of this bed type`
          : `The latest capacity report, on ${formatLondonDate(reportedAt)}, shows no spare hours in the district`,
    })
  }

  const parts = round2(quality.weighted + price.weighted + distance.weighted)
  const daysLate = Math.max(0, calendarDaysBetween(context.neededStart, offer.earliestStart))
  const pointsPerDay = settings.lateStartPointsPerDay
  // Never below 0, so the total is still the sum of the parts less the penalty shown.
  const penalty = round2(Math.min(parts, daysLate * pointsPerDay))
  if (daysLate > 0) {
    notes.push({
      code: 'late_start',
      text: `Starts ${formatDate(offer.earliestStart)}, ${plural(daysLate, 'day')} after care is needed (${formatDate(context.neededStart)})${penalty > 0 ? `: ${penalty} points off the total (${pointsPerDay} a day)` : ''}`,
    })
  }

  return {
    offerId: offer.offerId,
    locationId: offer.locationId,
    rank: 0,
    total: round2(parts - penalty),
    quality: { ...quality, rating: offer.rating, basis: offer.ratingBasis ?? null },
    price: { ...price, pricePence: offer.pricePence, lowestPricePence },
    distance: { ...distance, miles: offer.distanceMiles },
    lateStart: { days: daysLate, pointsPerDay, penalty },
    flags: {
      aboveUsualPrice: above !== null,
      qualityTeamSignOff,
      staleCapacity,
      noVacancy,
      lateStart: daysLate > 0,
    },
    aboveUsualPriceByPence: above,
    capacityAgeDays,
    notes,
    submittedAt: offer.submittedAt,
  }
}

/**
 * The ranked shortlist of a request's offers. Offers from Inadequate locations, from locations now
 * under "no new placements", or with a price that is not a positive whole number of pence are
 * listed as excluded with the reason, and take no part in the lowest price.
 */
export function rankOffers(
  offers: readonly OfferForScoring[],
  context: ScoringContext,
  settings: ScoringSettings,
): Shortlist {
  const weights: ScoringWeights = {
    qualityWeight: settings.qualityWeight,
    priceWeight: settings.priceWeight,
    distanceWeight: settings.distanceWeight,
  }
  assertWeights(weights)
  const excluded: ExcludedOffer[] = []
  const valid: OfferForScoring[] = []
  for (const offer of offers) {
    const reason = exclusion(offer)
    if (reason) excluded.push(reason)
    else valid.push(offer)
  }
  if (valid.length === 0) return { ranked: [], excluded, lowestPricePence: null, weights }

  const lowestPricePence = Math.min(...valid.map((o) => o.pricePence))
  const ranked = valid.map((o) => score(o, lowestPricePence, context, weights, settings)).sort(compareScored)
  ranked.forEach((offer, i) => {
    offer.rank = i + 1
    const previous = ranked[i - 1]
    if (previous && previous.total === offer.total) {
      offer.notes.push({ code: 'tie_break', text: tieBreakText(previous, offer) })
    }
  })
  return { ranked, excluded, lowestPricePence, weights }
}

// ---------------------------------------------------------------------------------------------
// Home care, visit by visit

export type SlotId = number | string

export interface SlotOffer extends OfferForScoring {
  /** The visits (slots) this offer covers. */
  slotIds: readonly SlotId[]
}

interface SlotShortlist {
  slotId: SlotId
  /** The offers covering this slot, scored against each other: the lowest price is this slot's. */
  shortlist: Shortlist
  /** The top-ranked offer, which a greedy allocation would award; null when no offer covers the slot. */
  top: ScoredOffer | null
}

export interface SlotRanking {
  slots: SlotShortlist[]
  /** Slots no eligible offer covers: they stay on the Interim Care List. */
  unfilled: SlotId[]
}

/**
 * The ranked offers for each visit of a home care request. Each slot is scored on its own, among
 * the offers that cover it, since each slot is awarded on its own (one accepted offer per slot).
 * Taking each slot's top offer is the greedy allocation; it may split a package across more
 * providers than the person would like, so the broker still chooses.
 */
export function rankPerSlot(
  slotIds: readonly SlotId[],
  offers: readonly SlotOffer[],
  context: ScoringContext,
  settings: ScoringSettings,
): SlotRanking {
  const slots = slotIds.map((slotId): SlotShortlist => {
    const shortlist = rankOffers(
      offers.filter((o) => o.slotIds.includes(slotId)),
      context,
      settings,
    )
    return { slotId, shortlist, top: shortlist.ranked[0] ?? null }
  })
  return { slots, unfilled: slots.filter((s) => s.top === null).map((s) => s.slotId) }
}

/** A price as pages show it: "£1,050.00 per week". */
export function describePrice(pricePence: number, unit: PriceUnit): string {
  return `${formatPounds(pricePence)} ${PRICE_UNIT_LABELS[unit]}`
}
