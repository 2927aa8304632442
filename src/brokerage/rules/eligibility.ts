// Who is invited to offer (DOMAIN.md §5), with the reasons a broker reads when asking "why was
// location X not invited?". Every rule is checked, not just the first that fails, so the answer
// is complete.
//
// Exclusions (reasons): service type, client group, every required specialism, reach (distance
// for care homes and day services; district coverage or an office within the distance for home
// care and supported living), Inadequate, a council accreditation not in force, "no new placements", a placement limit already reached
// this month, not admitted to the request's DPS lot, and a required carer gender the location says
// it cannot supply.
//
// Eligible but noted (flags), some lowering the rank through rankPenalty:
// - an up-to-date report of no vacancies (or no spare hours) lowers the rank but does not exclude,
//   because vacancy data goes stale;
// - a capacity report older than capacityStaleDays, or none at all, is flagged with its age;
// - a language preference no care worker is listed for lowers the rank: interpreters exist and
//   few registers record languages, so excluding would shut out most of the market;
// - a preferred (not required) carer gender the location cannot supply lowers the rank;
// - a carer gender the location has not stated is flagged for the provider to confirm;
// - "contact quality team" and an unreached placement limit are flagged.

import { normaliseOutcode } from '../../geography/rules.ts'
import {
  BED_TYPE_LABELS,
  type BedType,
  CLIENT_GROUP_LABELS,
  type ClientGroup,
  type RestrictionKind,
  SPECIALISM_LABELS,
  type Specialism,
} from '../../providers/vocabulary.ts'
import { formatLondonDate } from '../../shared/dates.ts'
import { greatCircleMiles, type Point } from '../../shared/distance.ts'
import { listOf, miles, milesAgainst, plural } from './format.ts'
import type { BrokerageSettings } from './settings.ts'
import {
  type CarerGender,
  type RatingValue,
  REGISTER_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPE_MAP,
  type RegisterServiceType,
  type RequestServiceType,
  reachRule,
} from './vocabulary.ts'

export interface EligibilityRequest {
  serviceType: RequestServiceType
  clientGroup: ClientGroup
  /** Needs beyond those the service type implies (a dementia bed already implies dementia). */
  specialisms: readonly Specialism[]
  /** The person's preferred postcode district, e.g. "NR3". */
  outcode: string
  /** The centre of the preferred postcode; null if it could not be located. */
  coordinates: Point | null
  /** The request's own limit; the council's setting when absent. */
  maxDistanceMiles?: number | null
  /** The DPS lot the request is sourced through; null when it is not DPS-sourced. */
  lotId: number | null
  lotName?: string | null
  /** Gender of care worker the person asks for; `required` makes it a condition, not a preference. */
  carerGender?: { gender: CarerGender; required: boolean } | null
  /** Language the person would like their care workers to speak; English is always met. */
  language?: string | null
  startDate: string
  /** Provider organisations left out whatever they offer (a failing provider, when its people are re-sourced). */
  excludedProviderIds?: readonly number[]
}

export interface CandidateRestriction {
  kind: RestrictionKind
  /** N in "limit N placements per month"; null for the other kinds. */
  monthlyLimit: number | null
  /** Awards to the location in the current calendar month. */
  awardsThisMonth: number
}

interface CandidateCapacity {
  /** Vacancies for the request's bed type, or spare home care minutes a week in the person's district. */
  available: number
  reportedAt: Date
}

export interface EligibilityCandidate {
  locationId: number
  /** The location's provider; only needed when the request excludes providers. */
  providerOrganisationId?: number
  serviceTypes: readonly string[]
  specialisms: readonly string[]
  clientGroups: readonly string[]
  /** The location (or home care office); null when the register could not place it. */
  coordinates: Point | null
  /**
   * Miles from the person's postcode when the caller has measured it already (e.g. in SQL for a
   * national register); otherwise the rules measure it from the coordinates.
   */
  distanceMiles?: number | null
  /** Postcode districts a home care location serves. */
  coverageOutcodes: readonly string[]
  effectiveRating: RatingValue
  /**
   * Why the location's quality rules it out whatever its rating: a council-accredited service
   * whose accreditation is not in force. Absent or null when nothing does.
   */
  qualityExclusion?: string | null
  /** Restrictions in force on the day of the decision. */
  restrictions: readonly CandidateRestriction[]
  /** Admitted to the request's lot: true, false, or null when not a member at all. Ignored without a lot. */
  admittedToLot: boolean | null
  /** The latest capacity report; null when the location never reported. */
  capacity: CandidateCapacity | null
  /** Whether the provider can supply male / female care workers; null when not stated. */
  maleCareWorkers: boolean | null
  femaleCareWorkers: boolean | null
  languages: readonly string[]
}

type ExclusionReasonCode =
  | 'service_type'
  | 'client_group'
  | 'specialism_missing'
  | 'distance_unknown'
  | 'too_far'
  | 'not_covering_district'
  | 'inadequate'
  | 'accreditation_not_in_force'
  | 'no_new_placements'
  | 'placement_limit_reached'
  | 'not_on_lot'
  | 'carer_gender'
  | 'excluded_provider'

/** Each exclusion as a broker reads it in a count ("12 further away than the maximum distance"). */
export const EXCLUSION_REASON_LABELS: Readonly<Record<ExclusionReasonCode, string>> = {
  service_type: 'do not offer this type of care',
  client_group: 'do not support this client group',
  specialism_missing: 'do not meet every need asked for',
  distance_unknown: 'cannot be measured from the preferred postcode',
  too_far: 'are further away than the maximum distance',
  not_covering_district: 'do not cover the district and their office is too far',
  inadequate: 'are rated Inadequate',
  accreditation_not_in_force: 'have a council accreditation that is not in force',
  no_new_placements: 'have a “no new placements” restriction',
  placement_limit_reached: 'have reached their placement limit this month',
  not_on_lot: 'are not admitted to the DPS lot',
  carer_gender: 'cannot supply the carer gender required',
  excluded_provider: 'are run by a provider this request leaves out',
}

interface Reason {
  code: ExclusionReasonCode
  text: string
}

export type FlagCode =
  | 'quality_team_sign_off'
  | 'placement_limit'
  | 'no_vacancy_reported'
  | 'stale_capacity'
  | 'carer_gender_preference'
  | 'carer_gender_unconfirmed'
  | 'language'

interface Flag {
  code: FlagCode
  text: string
  /** What this flag adds to the decision's rankPenalty. */
  rankPenalty: number
}

/**
 * How much each flag lowers an eligible location among those invited (0 = not at all). A report of
 * no vacancies counts most, since the provider is least likely to offer.
 */
export const RANK_PENALTIES: Readonly<Record<FlagCode, number>> = {
  no_vacancy_reported: 20,
  carer_gender_preference: 10,
  language: 10,
  quality_team_sign_off: 0,
  placement_limit: 0,
  stale_capacity: 0,
  carer_gender_unconfirmed: 0,
}

export interface EligibilityDecision {
  locationId: number
  eligible: boolean
  /** Why the location is not invited; empty when it is. */
  reasons: Reason[]
  /** Notes on an invited location, e.g. stale capacity; empty for an excluded one. */
  flags: Flag[]
  /** Sum of the flags' penalties; lower ranks higher among invited locations. */
  rankPenalty: number
  /** Miles from the person's postcode; null when unknown. */
  distanceMiles: number | null
  /** Days since the last capacity report; null if never reported. */
  capacityAgeDays: number | null
  /** One line for the broker: "Invited: ..." or "Not invited: ...". */
  summary: string
}

export type EligibilitySettings = Pick<BrokerageSettings, 'maxDistanceMiles' | 'capacityStaleDays'>

const DAY_MS = 86_400_000

/**
 * What a request asks of every location, worked out once. The service can use it to narrow a large
 * register in SQL (service type, specialisms, a box around the distance) before deciding the rest
 * here, so both agree on what is required.
 */
export interface EligibilityRequirements {
  serviceType: RegisterServiceType
  /** The bed type whose vacancies count; null outside care homes. */
  bedType: BedType | null
  /** Every specialism the location must offer: those the request lists and those its type implies. */
  specialisms: Specialism[]
  clientGroup: ClientGroup
  /** The person's postcode district, normalised. */
  outcode: string
  maxDistanceMiles: number
  /** Distance from the person (care homes, day services) or district coverage (care at home). */
  reach: 'distance' | 'coverage'
  lotId: number | null
}

export function eligibilityRequirements(
  request: EligibilityRequest,
  settings: Pick<EligibilitySettings, 'maxDistanceMiles'>,
): EligibilityRequirements {
  const mapped = REQUEST_SERVICE_TYPE_MAP[request.serviceType]
  return {
    serviceType: mapped.serviceType,
    bedType: mapped.bedType,
    specialisms: [...new Set([...mapped.specialisms, ...request.specialisms])],
    clientGroup: request.clientGroup,
    // A district that is not one (never written by the request forms) is kept as recorded: it
    // names the person's place in the reasons, and no location covers it.
    outcode: normaliseOutcode(request.outcode) ?? request.outcode,
    maxDistanceMiles: request.maxDistanceMiles ?? settings.maxDistanceMiles,
    reach: reachRule(request.serviceType),
    lotId: request.lotId,
  }
}

interface PreparedRequest extends EligibilityRequirements {
  request: EligibilityRequest
  serviceLabel: string
  bedLabel: string | null
  language: string | null
  settings: EligibilitySettings
  now: Date
  // The same for every location, so written once (a national register has tens of thousands).
  serviceTypeReason: Reason
  clientGroupReason: Reason
}

function prepare(request: EligibilityRequest, settings: EligibilitySettings, now: Date): PreparedRequest {
  const r = eligibilityRequirements(request, settings)
  const serviceLabel = REGISTER_SERVICE_TYPE_LABELS[r.serviceType]
  const language = request.language?.trim().toLowerCase() || null
  // Every field written out: an object spread here would leave V8 a slow dictionary-mode object,
  // read once per location.
  return {
    serviceType: r.serviceType,
    bedType: r.bedType,
    specialisms: r.specialisms,
    clientGroup: r.clientGroup,
    outcode: r.outcode,
    maxDistanceMiles: r.maxDistanceMiles,
    reach: r.reach,
    lotId: r.lotId,
    request,
    serviceLabel,
    bedLabel: r.bedType ? BED_TYPE_LABELS[r.bedType].toLowerCase() : null,
    language: language === 'english' ? null : language,
    settings,
    now,
    serviceTypeReason: { code: 'service_type', text: `Does not offer ${serviceLabel.toLowerCase()}` },
    clientGroupReason: {
      code: 'client_group',
      text: `Does not list the client group ${CLIENT_GROUP_LABELS[request.clientGroup].toLowerCase()}`,
    },
  }
}

function distanceOf(p: PreparedRequest, candidate: EligibilityCandidate): number | null {
  if (typeof candidate.distanceMiles === 'number') return candidate.distanceMiles
  if (!p.request.coordinates || !candidate.coordinates) return null
  return greatCircleMiles(p.request.coordinates, candidate.coordinates)
}

function limitText(p: PreparedRequest): string {
  return `the limit is ${miles(p.maxDistanceMiles)} miles`
}

function reachReason(
  p: PreparedRequest,
  candidate: EligibilityCandidate,
  distance: number | null,
): Reason | null {
  if (p.reach === 'coverage') {
    if (candidate.coverageOutcodes.some((o) => normaliseOutcode(o) === p.outcode)) return null
    if (distance !== null && distance <= p.maxDistanceMiles) return null
    const office =
      distance === null
        ? 'the distance to its office is not known'
        : `its office is ${milesAgainst(distance, p.maxDistanceMiles)} miles away, ${limitText(p)}`
    return { code: 'not_covering_district', text: `Does not cover ${p.outcode}, and ${office}` }
  }
  if (distance === null) {
    const missing = p.request.coordinates
      ? 'the register has no coordinates for this location'
      : `${p.outcode} could not be located`
    return { code: 'distance_unknown', text: `Distance from ${p.outcode} cannot be measured: ${missing}` }
  }
  if (distance > p.maxDistanceMiles) {
    return {
      code: 'too_far',
      text: `Too far: ${milesAgainst(distance, p.maxDistanceMiles)} miles from ${p.outcode}, ${limitText(p)}`,
    }
  }
  return null
}

/** The decision for one location. `now` dates the capacity data; restrictions come already filtered to the day. */
export function decideEligibility(
  request: EligibilityRequest,
  candidate: EligibilityCandidate,
  settings: EligibilitySettings,
  now: Date,
): EligibilityDecision {
  return decide(prepare(request, settings, now), candidate)
}

function addFlag(flags: Flag[], code: FlagCode, text: string): void {
  flags.push({ code, text, rankPenalty: RANK_PENALTIES[code] })
}

function decide(p: PreparedRequest, candidate: EligibilityCandidate): EligibilityDecision {
  const { request } = p
  const reasons: Reason[] = []
  const flags: Flag[] = []

  // What the location offers
  if (!candidate.serviceTypes.includes(p.serviceType)) reasons.push(p.serviceTypeReason)
  if (!candidate.clientGroups.includes(request.clientGroup)) reasons.push(p.clientGroupReason)
  const missing = p.specialisms.filter((s) => !candidate.specialisms.includes(s))
  if (missing.length > 0) {
    const names = listOf(missing.map((s) => SPECIALISM_LABELS[s].toLowerCase()))
    reasons.push({
      code: 'specialism_missing',
      text: `Does not offer the required ${missing.length === 1 ? 'specialism' : 'specialisms'}: ${names}`,
    })
  }

  // Where it is
  const distance = distanceOf(p, candidate)
  const reach = reachReason(p, candidate, distance)
  if (reach) reasons.push(reach)

  // Quality and restrictions
  if (candidate.effectiveRating === 'Inadequate') {
    reasons.push({ code: 'inadequate', text: 'Rated Inadequate: inadequate services are not invited' })
  }
  if (candidate.qualityExclusion) {
    reasons.push({ code: 'accreditation_not_in_force', text: candidate.qualityExclusion })
  }
  for (const r of candidate.restrictions) {
    if (r.kind === 'no_new_placements') {
      reasons.push({ code: 'no_new_placements', text: 'A “no new placements” restriction is in force' })
    } else if (r.kind === 'contact_quality_team') {
      addFlag(
        flags,
        'quality_team_sign_off',
        'A “contact quality team before placing” restriction is in force: an award needs the quality team’s sign-off',
      )
    } else if (r.monthlyLimit !== null) {
      const used = `${r.awardsThisMonth} of ${plural(r.monthlyLimit, 'placement')} allowed this month`
      if (r.awardsThisMonth >= r.monthlyLimit) {
        reasons.push({ code: 'placement_limit_reached', text: `Placement limit reached: ${used}` })
      } else {
        addFlag(flags, 'placement_limit', `Placement limit: ${used}`)
      }
    }
  }

  // A provider the request leaves out (the failing provider, when its people are re-sourced)
  if (
    candidate.providerOrganisationId !== undefined &&
    request.excludedProviderIds?.includes(candidate.providerOrganisationId)
  ) {
    reasons.push({
      code: 'excluded_provider',
      text: 'Run by a provider this request leaves out: the provider whose care is being replaced',
    })
  }

  // Framework
  if (request.lotId !== null && candidate.admittedToLot !== true) {
    const lot = request.lotName ? `“${request.lotName}”` : 'the DPS lot this request is sourced through'
    const state = candidate.admittedToLot === false ? 'Not admitted to' : 'Not a member of'
    reasons.push({ code: 'not_on_lot', text: `${state} ${lot}` })
  }

  // Care workers
  const wanted = request.carerGender
  if (wanted) {
    const canSupply = wanted.gender === 'female' ? candidate.femaleCareWorkers : candidate.maleCareWorkers
    if (canSupply === false) {
      if (wanted.required) {
        reasons.push({
          code: 'carer_gender',
          text: `Cannot supply ${wanted.gender} care workers, which the person requires`,
        })
      } else {
        addFlag(
          flags,
          'carer_gender_preference',
          `Cannot supply ${wanted.gender} care workers, which the person prefers`,
        )
      }
    } else if (canSupply === null) {
      addFlag(
        flags,
        'carer_gender_unconfirmed',
        `Has not said whether it can supply ${wanted.gender} care workers`,
      )
    }
  }
  if (p.language && !candidate.languages.some((l) => l.trim().toLowerCase() === p.language)) {
    addFlag(
      flags,
      'language',
      `No care workers listed who speak ${request.language?.trim()}, the person’s preference`,
    )
  }

  // Capacity. Flags only matter for an invited location, and an excluded one (most of a national
  // register) skips writing them.
  const eligible = reasons.length === 0
  if (!eligible) flags.length = 0
  const capacity = candidate.capacity
  const ageMs = capacity ? p.now.getTime() - capacity.reportedAt.getTime() : null
  const capacityAgeDays = ageMs === null ? null : Math.max(0, Math.floor(ageMs / DAY_MS))
  const staleLimit = p.settings.capacityStaleDays
  if (eligible) {
    if (!capacity || capacityAgeDays === null || ageMs === null) {
      addFlag(flags, 'stale_capacity', 'Has never reported its capacity')
    } else if (ageMs > staleLimit * DAY_MS) {
      addFlag(
        flags,
        'stale_capacity',
        `Capacity last reported ${plural(capacityAgeDays, 'day')} ago, on ${formatLondonDate(capacity.reportedAt)}; reports older than ${plural(staleLimit, 'day')} may be out of date`,
      )
    } else if (capacity.available <= 0) {
      const what = p.bedLabel
        ? `no ${p.bedLabel} vacancies`
        : p.serviceType === 'day_opportunities'
          ? 'no spare places a day'
          : 'no spare hours'
      addFlag(flags, 'no_vacancy_reported', `Reported ${what} on ${formatLondonDate(capacity.reportedAt)}`)
    }
  }

  const rankPenalty = flags.reduce((sum, f) => sum + f.rankPenalty, 0)
  return {
    locationId: candidate.locationId,
    eligible,
    reasons,
    flags,
    rankPenalty,
    distanceMiles: distance,
    capacityAgeDays,
    summary: eligible
      ? `Invited: ${invitedBecause(p, candidate, distance)}`
      : `Not invited: ${reasons.map((r) => r.text).join('; ')}`,
  }
}

function invitedBecause(
  p: PreparedRequest,
  candidate: EligibilityCandidate,
  distance: number | null,
): string {
  const service = `offers ${p.serviceLabel.toLowerCase()}`
  const away = distance === null ? '' : `${miles(distance)} miles from ${p.outcode}`
  if (p.reach === 'distance') return `${service}, ${away}`
  if (candidate.coverageOutcodes.some((o) => normaliseOutcode(o) === p.outcode)) {
    return `${service} and covers ${p.outcode}`
  }
  return `${service}, with an office ${away}`
}

/**
 * Invited locations first, then fewer penalties, then nearer, then by location id: the order in
 * which a broker reads the decisions, and in which invitations go out.
 */
export function compareDecisions(a: EligibilityDecision, b: EligibilityDecision): number {
  if (a.eligible !== b.eligible) return a.eligible ? -1 : 1
  return (
    a.rankPenalty - b.rankPenalty ||
    (a.distanceMiles ?? Number.POSITIVE_INFINITY) - (b.distanceMiles ?? Number.POSITIVE_INFINITY) ||
    a.locationId - b.locationId
  )
}

/** Decisions for every candidate, in compareDecisions order. */
export function decideAll(
  request: EligibilityRequest,
  candidates: readonly EligibilityCandidate[],
  settings: EligibilitySettings,
  now: Date,
): EligibilityDecision[] {
  const prepared = prepare(request, settings, now)
  return candidates.map((c) => decide(prepared, c)).sort(compareDecisions)
}
