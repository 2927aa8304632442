// Quality and restriction rules: pure functions, no I/O. Dates are 'YYYY-MM-DD' strings, which
// compare correctly as strings.
import { formatDate, londonDate } from '../../shared/dates.ts'
import {
  CQC_RATINGS,
  type CqcRating,
  RESTRICTION_KIND_LABELS,
  RESTRICTION_KINDS,
  type RestrictionKind,
  SERVICE_TYPE_LABELS,
} from '../vocabulary.ts'

export const NOT_YET_RATED = 'Not yet rated'
export type EffectiveRatingValue = CqcRating | typeof NOT_YET_RATED
export type RatingSource = 'cqc' | 'pamms'

/** Where an effective rating comes from: a stored rating, or the council's accreditation in place of CQC's. */
export type EffectiveSource = RatingSource | 'accreditation'

export const RATING_SOURCE_LABELS: Record<EffectiveSource, string> = {
  cqc: 'CQC inspection',
  pamms: 'PAMMS audit',
  accreditation: 'Council accreditation',
}

/** The labels of the council's own audit tool (PAMMS), in the order of CQC_RATINGS. */
export const PAMMS_RATINGS = ['Excellent', 'Good', 'Requires improvement', 'Poor'] as const
export type PammsRating = (typeof PAMMS_RATINGS)[number]

const PAMMS_TO_CQC: Record<PammsRating, CqcRating> = {
  Excellent: 'Outstanding',
  Good: 'Good',
  'Requires improvement': 'Requires improvement',
  Poor: 'Inadequate',
}
const CQC_TO_PAMMS: Record<CqcRating, PammsRating> = {
  Outstanding: 'Excellent',
  Good: 'Good',
  'Requires improvement': 'Requires improvement',
  Inadequate: 'Poor',
}

/** PAMMS ratings are stored on the CQC scale so that the two sources compare directly. */
export function pammsToCqc(rating: PammsRating): CqcRating {
  return PAMMS_TO_CQC[rating]
}

export function cqcToPamms(rating: CqcRating): PammsRating {
  return CQC_TO_PAMMS[rating]
}

/** How a stored rating is shown: PAMMS audits in PAMMS's own words, CQC ratings as CQC publishes them. */
export function ratingLabel(source: EffectiveSource, rating: CqcRating): string {
  if (source === 'accreditation') return `Accredited (counts as ${rating})`
  return source === 'pamms' ? cqcToPamms(rating) : rating
}

export interface DatedRating {
  rating: CqcRating
  /** When the rating was given; null when the register holds a rating without its date. */
  ratedOn: string | null
}

export interface EffectiveRating {
  rating: EffectiveRatingValue
  source: EffectiveSource | null
  ratedOn: string | null
  /** Why this rating was chosen, so a broker can answer "why was this location scored so?". */
  explanation: string
  /** The latest rating from each source, as considered. */
  cqc: DatedRating | null
  pamms: DatedRating | null
  /** For a council-accredited service: its accreditation as judged on the day; absent for CQC's. */
  accreditation?: AccreditationStanding
  /** Why the location may not be invited or chosen at all, beyond its rating; absent when it may. */
  ineligible?: string
}

/** Higher is worse: the position on the CQC scale, Outstanding first. */
function severity(rating: CqcRating): number {
  return CQC_RATINGS.indexOf(rating)
}

function describe(source: RatingSource, r: DatedRating): string {
  const label = ratingLabel(source, r.rating)
  const name = source === 'cqc' ? 'CQC rating' : 'PAMMS audit'
  return r.ratedOn ? `${name} ${label} of ${formatDate(r.ratedOn)}` : `${name} ${label} (date not known)`
}

/**
 * The effective rating is the more recent of the latest CQC rating and the latest PAMMS audit.
 * A rating without a date counts as older than any dated one.
 *
 * On the same date the worse of the two wins: two bodies looked at the service on the same day
 * and disagree, and placing people with a service that one of them found failing is the risk the
 * council must not take. The better rating can win again with the next inspection or audit.
 */
export function effectiveRating(cqc: DatedRating | null, pamms: DatedRating | null): EffectiveRating {
  const considered = { cqc, pamms }
  if (!cqc && !pamms) {
    return {
      rating: NOT_YET_RATED,
      source: null,
      ratedOn: null,
      explanation: 'No CQC rating or PAMMS audit is recorded.',
      ...considered,
    }
  }
  const pick = (source: RatingSource, chosen: DatedRating, explanation: string): EffectiveRating => ({
    rating: chosen.rating,
    source,
    ratedOn: chosen.ratedOn,
    explanation,
    ...considered,
  })
  if (!pamms && cqc) return pick('cqc', cqc, `The ${describe('cqc', cqc)}; no PAMMS audit is recorded.`)
  if (!cqc && pamms)
    return pick('pamms', pamms, `The ${describe('pamms', pamms)}; no CQC rating is recorded.`)
  const c = cqc as DatedRating
  const p = pamms as DatedRating
  const cDate = c.ratedOn ?? ''
  const pDate = p.ratedOn ?? ''
  if (cDate > pDate)
    return pick('cqc', c, `The ${describe('cqc', c)} is more recent than the ${describe('pamms', p)}.`)
  if (pDate > cDate)
    return pick('pamms', p, `The ${describe('pamms', p)} is more recent than the ${describe('cqc', c)}.`)
  const tie = `The ${describe('cqc', c)} and the ${describe('pamms', p)} are equally recent; the worse rating counts.`
  return severity(p.rating) > severity(c.rating) ? pick('pamms', p, tie) : pick('cqc', c, tie)
}

// ---------------------------------------------------------------------------------------------
// Rating histories

/** One CQC rating or PAMMS audit of a location, as its history lists it. */
export interface RatingEntry {
  /** Null for the register's current CQC rating when no history row holds it (data from before history was kept). */
  id: number | null
  source: RatingSource
  /** On the CQC scale, as stored. */
  rating: CqcRating
  /** As people say it: PAMMS's own words for audits. */
  label: string
  ratedOn: string | null
  reference: string | null
  recordedBy: string | null
  recordedAt: Date | null
}

/** A rating as the history stores it. */
export interface StoredRating {
  id: number
  source: string
  rating: string
  ratedOn: string | null
  reference: string | null
  recordedBy: string | null
  recordedAt: Date | null
}

/** The register's latest CQC rating, from the location's own columns. */
export interface RegisterCqcColumns {
  cqcRating: string | null
  cqcRatingDate: string | null
}

/** The register's latest CQC rating when the history does not hold it yet. */
function registerCqcEntry(
  location: RegisterCqcColumns,
  cqcRows: { ratedOn: string | null }[],
): RatingEntry | null {
  if (!location.cqcRating) return null
  if (location.cqcRatingDate && cqcRows.some((r) => r.ratedOn === location.cqcRatingDate)) return null
  if (!location.cqcRatingDate && cqcRows.length > 0) return null
  const rating = location.cqcRating as CqcRating
  return {
    id: null,
    source: 'cqc',
    rating,
    label: rating,
    ratedOn: location.cqcRatingDate,
    reference: null,
    recordedBy: null,
    recordedAt: null,
  }
}

function entryOf(row: StoredRating): RatingEntry {
  const rating = row.rating as CqcRating
  const source = row.source as RatingSource
  return {
    id: row.id,
    source,
    rating,
    label: ratingLabel(source, rating),
    ratedOn: row.ratedOn,
    reference: row.reference,
    recordedBy: row.recordedBy,
    recordedAt: row.recordedAt,
  }
}

function newestFirst(a: RatingEntry, b: RatingEntry): number {
  return (b.ratedOn ?? '').localeCompare(a.ratedOn ?? '') || a.source.localeCompare(b.source)
}

/** A location's history, newest first: its stored ratings, and the register's CQC rating if they lack it. */
export function ratingHistoryOf(location: RegisterCqcColumns, rows: readonly StoredRating[]): RatingEntry[] {
  const entries = rows.map(entryOf)
  const fromRegister = registerCqcEntry(
    location,
    rows.filter((r) => r.source === 'cqc'),
  )
  if (fromRegister) entries.push(fromRegister)
  return entries.sort(newestFirst)
}

function latestOf(entries: RatingEntry[], source: RatingSource): DatedRating | null {
  const latest = entries.find((e) => e.source === source)
  return latest ? { rating: latest.rating, ratedOn: latest.ratedOn } : null
}

/** The effective rating of a location, from a history sorted newest first. */
export function effectiveFrom(history: RatingEntry[]): EffectiveRating {
  return effectiveRating(latestOf(history, 'cqc'), latestOf(history, 'pamms'))
}

/** CQC's latest rating: the register's columns hold it, unless the history has a newer one. */
export function latestCqc(history: DatedRating | null, register: DatedRating | null): DatedRating | null {
  return history && (!register || (history.ratedOn ?? '') > (register.ratedOn ?? '')) ? history : register
}

// ---------------------------------------------------------------------------------------------
// Council accreditation: the council's own standard for the services CQC does not register

/** One period of a service's accreditation by the council. Dates are 'YYYY-MM-DD'; `to` is the last day. */
export interface AccreditationFacts {
  accreditedFrom: string
  accreditedTo: string
  criteriaMet: readonly string[]
  accreditedBy: string
}

type AccreditationStatus = 'in_force' | 'expired' | 'not_started' | 'none'

export interface AccreditationStanding {
  status: AccreditationStatus
  /** The accreditation in force, or else the latest; null when there is none. */
  accreditation: AccreditationFacts | null
  explanation: string
}

/**
 * What an accreditation in force counts as, in place of a CQC rating: Good. The council accredits
 * a service when it meets the council's criteria, which is the standard a Good service meets; it
 * never says a service is outstanding, so it never scores above Good.
 */
export const ACCREDITED_EQUIVALENT: CqcRating = 'Good'

/**
 * A council-accredited service's standing on a date: in force when one of its accreditations
 * covers the date (the latest to start, if several do); otherwise its latest accreditation has
 * expired or has not started yet.
 */
export function accreditationStanding(
  accreditations: readonly AccreditationFacts[],
  onDate: string,
): AccreditationStanding {
  const latestFirst = [...accreditations].sort((a, b) => b.accreditedFrom.localeCompare(a.accreditedFrom))
  const inForce = latestFirst.find((a) => a.accreditedFrom <= onDate && onDate <= a.accreditedTo)
  const period = (a: AccreditationFacts) => `${formatDate(a.accreditedFrom)} to ${formatDate(a.accreditedTo)}`
  if (inForce) {
    return {
      status: 'in_force',
      accreditation: inForce,
      explanation: `Accredited by the council from ${period(inForce)}, by ${inForce.accreditedBy}.`,
    }
  }
  const latest = latestFirst[0]
  if (!latest) {
    return {
      status: 'none',
      accreditation: null,
      explanation: 'The council has not accredited this service.',
    }
  }
  if (latest.accreditedFrom > onDate) {
    return {
      status: 'not_started',
      accreditation: latest,
      explanation: `The council’s accreditation starts on ${formatDate(latest.accreditedFrom)}; it is not in force yet.`,
    }
  }
  return {
    status: 'expired',
    accreditation: latest,
    explanation: `The council’s accreditation expired on ${formatDate(latest.accreditedTo)}.`,
  }
}

/**
 * The effective rating of a service the council accredits itself. Its accreditation stands where
 * a CQC rating would: in force, it counts as Good (ACCREDITED_EQUIVALENT), dated from when it
 * started, and a more recent PAMMS audit wins over it as one wins over a CQC rating (the worse on
 * the same day). Not in force (expired, not started, never given), the service may not be invited
 * or chosen whatever its audits say: the accreditation is the council's licence to buy from it.
 */
export function effectiveRatingOfAccredited(
  standing: AccreditationStanding,
  pamms: DatedRating | null,
): EffectiveRating {
  const base = { cqc: null, pamms, accreditation: standing }
  const accreditation = standing.accreditation
  if (standing.status !== 'in_force' || !accreditation) {
    return {
      ...base,
      rating: NOT_YET_RATED,
      source: null,
      ratedOn: null,
      explanation: `${standing.explanation} A council-accredited service is invited and chosen only while its accreditation is in force.`,
      ineligible: `Council accreditation not in force: ${standing.explanation.replace(/^The council’s /, '').replace(/[.]$/, '')}`,
    }
  }
  const accredited = `council accreditation of ${formatDate(accreditation.accreditedFrom)} (counts as ${ACCREDITED_EQUIVALENT})`
  const pDate = pamms?.ratedOn ?? ''
  const pammsWins =
    pamms !== null &&
    (pDate > accreditation.accreditedFrom ||
      (pDate === accreditation.accreditedFrom && severity(pamms.rating) > severity(ACCREDITED_EQUIVALENT)))
  if (pamms && pammsWins) {
    return {
      ...base,
      rating: pamms.rating,
      source: 'pamms',
      ratedOn: pamms.ratedOn,
      explanation: `The ${describe('pamms', pamms)} is more recent than the ${accredited}.`,
    }
  }
  return {
    ...base,
    rating: ACCREDITED_EQUIVALENT,
    source: 'accreditation',
    ratedOn: accreditation.accreditedFrom,
    explanation: `${standing.explanation} An accreditation in force counts as ${ACCREDITED_EQUIVALENT} in place of a CQC rating${pamms ? `; the ${describe('pamms', pamms)} is older` : ''}.`,
  }
}

/** The quality part of an offer's score (DOMAIN.md §7); null means the location may not be chosen at all. */
export function qualityScore(rating: EffectiveRatingValue): number | null {
  switch (rating) {
    case 'Outstanding':
      return 100
    case 'Good':
      return 75
    case NOT_YET_RATED:
      return 50
    case 'Requires improvement':
      return 40
    case 'Inadequate':
      return null
  }
}

/** Only good or outstanding providers may bid for a Prime Provider contract (seed 002, item 9). */
export function mayBidForPrimeProvider(effective: Pick<EffectiveRating, 'rating'>): boolean {
  return effective.rating === 'Outstanding' || effective.rating === 'Good'
}

// ---------------------------------------------------------------------------------------------
// Restrictions

export interface RestrictionFacts {
  kind: RestrictionKind
  monthlyLimit: number | null
  startsOn: string
  /** The last day the restriction applies; null while open-ended. */
  endsOn: string | null
  liftedAt: Date | null
}

/**
 * In force on a date: started, not yet ended (the end date is the last day it applies), and not
 * lifted on or before that date. Lifting takes effect at once, so it counts for the whole day.
 */
export function isInForce(restriction: RestrictionFacts, onDate: string): boolean {
  if (restriction.startsOn > onDate) return false
  if (restriction.endsOn !== null && restriction.endsOn < onDate) return false
  if (restriction.liftedAt && londonDate(restriction.liftedAt) <= onDate) return false
  return true
}

/** Where a restriction stands now, for pages: scheduled, in force, or over (ended or lifted). */
export function restrictionStatus(
  restriction: RestrictionFacts,
  today: string,
): 'scheduled' | 'in_force' | 'lifted' | 'ended' {
  if (restriction.liftedAt) return 'lifted'
  if (restriction.endsOn !== null && restriction.endsOn < today) return 'ended'
  if (restriction.startsOn > today) return 'scheduled'
  return 'in_force'
}

/** How restrictive each kind is, for choosing which one describes a location. Higher is stricter. */
const RESTRICTION_SEVERITY: Record<RestrictionKind, number> = {
  contact_quality_team: 1,
  placement_limit: 2,
  no_new_placements: 3,
}

export function describeRestriction(r: Pick<RestrictionFacts, 'kind' | 'monthlyLimit'>): string {
  if (r.kind === 'placement_limit') {
    const n = r.monthlyLimit ?? 0
    return `Limit of ${n} ${n === 1 ? 'placement' : 'placements'} per month`
  }
  return RESTRICTION_KIND_LABELS[r.kind]
}

export interface RestrictionEffect {
  /** Whether the location may be asked to offer and be awarded a placement on the date. */
  eligible: boolean
  /**
   * What a broker must heed while the location stays eligible: `contact_quality_team` means an
   * award needs the quality team's sign-off; `placement_limit` means a monthly limit applies and
   * is not yet reached. Absent when nothing applies or the location is not eligible.
   */
  flag?: 'contact_quality_team' | 'placement_limit'
  requiresQualityTeamSignOff: boolean
  /** Placements still allowed this month under the tightest limit in force; absent without a limit. */
  placementsLeftThisMonth?: number
  explanation: string
}

/**
 * What the restrictions in force on a date mean for placing someone (DOMAIN.md §5).
 * `awardsThisMonth` is the number of awards already made to the location in the calendar month
 * of `onDate`; brokerage counts them.
 */
export function restrictionEffect(
  restrictions: readonly RestrictionFacts[],
  onDate: string,
  awardsThisMonth: number,
): RestrictionEffect {
  const inForce = restrictions.filter((r) => isInForce(r, onDate))
  if (inForce.length === 0) {
    return { eligible: true, requiresQualityTeamSignOff: false, explanation: 'No restriction is in force.' }
  }
  if (inForce.some((r) => r.kind === 'no_new_placements')) {
    return {
      eligible: false,
      requiresQualityTeamSignOff: false,
      explanation: 'A “no new placements” restriction is in force.',
    }
  }
  const limits = inForce.filter((r) => r.kind === 'placement_limit').map((r) => r.monthlyLimit ?? 0)
  const signOff = inForce.some((r) => r.kind === 'contact_quality_team')
  let placementsLeftThisMonth: number | undefined
  const reasons: string[] = []
  if (limits.length > 0) {
    const limit = Math.min(...limits)
    placementsLeftThisMonth = Math.max(0, limit - awardsThisMonth)
    const made = `${awardsThisMonth} of the ${limit} placements allowed this month ${awardsThisMonth === 1 ? 'has' : 'have'} been made`
    if (placementsLeftThisMonth === 0) {
      return {
        eligible: false,
        requiresQualityTeamSignOff: signOff,
        placementsLeftThisMonth,
        explanation: `The monthly placement limit is reached: ${made}.`,
      }
    }
    reasons.push(`a monthly placement limit is in force (${made})`)
  }
  if (signOff) reasons.push('an award needs the quality team’s sign-off: contact them before placing')
  const explanation = `Eligible, but ${reasons.join('; ')}.`
  return {
    eligible: true,
    flag: signOff ? 'contact_quality_team' : 'placement_limit',
    requiresQualityTeamSignOff: signOff,
    ...(placementsLeftThisMonth === undefined ? {} : { placementsLeftThisMonth }),
    explanation,
  }
}

// ---------------------------------------------------------------------------------------------
// The register's restriction summary, as Norfolk's Market Position Statement reports it (seed 002).

const SECTORS = ['residential_home', 'nursing_home', 'home_care', 'supported_living', 'other'] as const
export type Sector = (typeof SECTORS)[number]

const SECTOR_LABELS: Record<Sector, string> = {
  residential_home: 'Care homes (residential)',
  nursing_home: 'Care homes (nursing)',
  home_care: SERVICE_TYPE_LABELS.home_care,
  supported_living: SERVICE_TYPE_LABELS.supported_living,
  other: 'Other services',
}

/**
 * The one sector a location is counted in. A care home registered for both nursing and
 * residential care counts as a nursing home, as CQC's "care home service with nursing" does.
 */
export function sectorOf(serviceTypes: readonly string[]): Sector {
  for (const sector of ['nursing_home', 'residential_home', 'home_care', 'supported_living'] as const) {
    if (serviceTypes.includes(sector)) return sector
  }
  return 'other'
}

export interface SectorTotals {
  serviceTypes: string[]
  services: number
  beds: number
}

export interface RestrictedLocation {
  locationId: number
  serviceTypes: string[]
  registeredBeds: number | null
  /** Every restriction in force at the location. */
  kinds: RestrictionKind[]
}

interface SummaryLine {
  services: number
  beds: number
  /** Percentages of the sector's (or register's) services and beds, one decimal place. */
  servicesPercent: number | null
  bedsPercent: number | null
}

export interface RestrictionSummary {
  total: SummaryLine & { allServices: number; allBeds: number }
  sectors: {
    sector: Sector
    label: string
    allServices: number
    allBeds: number
    restricted: SummaryLine
    /** Restricted services by their strictest restriction, so the kinds add up to the sector's total. */
    byKind: { kind: RestrictionKind; label: string; services: number; beds: number }[]
  }[]
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10
}

/**
 * Counts restricted services and the registered beds they hold, by sector and by strictest
 * restriction, against the live register's totals. A service with several restrictions is
 * counted once, under its strictest one, as the Norfolk report counts homes.
 */
export function summariseRestrictions(
  register: readonly SectorTotals[],
  restricted: readonly RestrictedLocation[],
): RestrictionSummary {
  type Tally = { services: number; beds: number }
  const kinds = [...RESTRICTION_KINDS].sort((a, b) => RESTRICTION_SEVERITY[a] - RESTRICTION_SEVERITY[b])
  const all = {} as Record<Sector, Tally>
  const counts = {} as Record<Sector, Record<RestrictionKind, Tally>>
  for (const sector of SECTORS) {
    all[sector] = { services: 0, beds: 0 }
    counts[sector] = {} as Record<RestrictionKind, Tally>
    for (const kind of kinds) counts[sector][kind] = { services: 0, beds: 0 }
  }
  for (const group of register) {
    const totals = all[sectorOf(group.serviceTypes)]
    totals.services += group.services
    totals.beds += group.beds
  }
  for (const location of restricted) {
    const [first, ...rest] = location.kinds
    if (!first) continue
    const strictest = rest.reduce(
      (a, b) => (RESTRICTION_SEVERITY[b] > RESTRICTION_SEVERITY[a] ? b : a),
      first,
    )
    const line = counts[sectorOf(location.serviceTypes)][strictest]
    line.services += 1
    line.beds += location.registeredBeds ?? 0
  }
  const sectors = SECTORS.map((sector) => {
    const byKind = kinds.map((kind) => ({
      kind,
      label: RESTRICTION_KIND_LABELS[kind],
      ...counts[sector][kind],
    }))
    const services = byKind.reduce((n, k) => n + k.services, 0)
    const beds = byKind.reduce((n, k) => n + k.beds, 0)
    return {
      sector,
      label: SECTOR_LABELS[sector],
      allServices: all[sector].services,
      allBeds: all[sector].beds,
      restricted: {
        services,
        beds,
        servicesPercent: percent(services, all[sector].services),
        bedsPercent: percent(beds, all[sector].beds),
      },
      byKind,
    }
  })
  const allServices = sectors.reduce((n, s) => n + s.allServices, 0)
  const allBeds = sectors.reduce((n, s) => n + s.allBeds, 0)
  const services = sectors.reduce((n, s) => n + s.restricted.services, 0)
  const beds = sectors.reduce((n, s) => n + s.restricted.beds, 0)
  return {
    total: {
      allServices,
      allBeds,
      services,
      beds,
      servicesPercent: percent(services, allServices),
      bedsPercent: percent(beds, allBeds),
    },
    sectors,
  }
}
