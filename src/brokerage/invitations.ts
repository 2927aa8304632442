// Who is invited to offer on a request (DOMAIN.md §5), and why each location was or was not.
//
// A national register has tens of thousands of locations, and most are ruled out by the service
// type or by place alone. So SQL narrows the register first (the service type; a box around the
// maximum distance, or coverage of the person's district for care at home), the rules decide the
// few left with every fact from the register, and every other active location gets its one
// deciding reason written by the same INSERT ... SELECT that narrows, without ever leaving the
// database. Every active location therefore has a stored, explainable decision for every round.

import { and, eq, type SQL, sql } from 'drizzle-orm'
import { type Actor, recordAudit } from '../audit/service.ts'
import { inIds } from '../db/conditions.ts'
import type { Queryable, Transaction } from '../db/connection.ts'
import { UnprocessableError } from '../errors.ts'
import {
  type LatestCapacity,
  latestDayPlaces,
  latestSpareMinutesInDistrict,
  latestVacanciesForBedType,
} from '../providers/capacity/service.ts'
import { admittedLocations, getLot, listMemberships } from '../providers/frameworks/service.ts'
import { activeRestrictions, effectiveRatings } from '../providers/quality/service.ts'
import { locations } from '../providers/schema.ts'
import {
  activeLocationsWhere,
  type CandidateRow,
  coversDistrictCondition,
  getLocation,
  type LocationSummary,
  locationSummaries,
  searchLocations,
} from '../providers/service.ts'
import {
  type ClientGroup,
  DAY_OPPORTUNITIES,
  type RestrictionKind,
  type Specialism,
} from '../providers/vocabulary.ts'
import { formatDate, londonDate } from '../shared/dates.ts'
import { EARTH_RADIUS_MILES, type Point, toRadians } from '../shared/distance.ts'
import { brokerageEvents } from './events.ts'
import { ageBand, deadlineText, londonMonthStart } from './offers/rules.ts'
import { type LoadedRequest, loadRequest, notifyOrganisations, readTogether } from './offers/store.ts'
import { carerGenderOf } from './requests/input.ts'
import { miles } from './rules/format.ts'
import {
  type BrokerageSettings,
  type CandidateRestriction,
  decideAll,
  type EligibilityCandidate,
  type EligibilityDecision,
  type EligibilityRequest,
  type EligibilityRequirements,
  EXCLUSION_REASON_LABELS,
  eligibilityRequirements,
  type RatingValue,
  REGISTER_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPE_LABELS,
  weeklyHours,
  weeklyHoursText,
} from './rules/index.ts'
import { eligibilityDecisions, packages } from './schema.ts'
import { getBrokerageSettings } from './settings/service.ts'

const SYSTEM: Actor = { kind: 'system', label: 'eligibility' }
const INVITATION_EMAIL_KIND = 'brokerage_invitation'

// ---------------------------------------------------------------------------------------------
// The request as the eligibility rules see it

function eligibilityRequestOf(loaded: LoadedRequest, lotName: string | null): EligibilityRequest {
  const { request, person } = loaded
  return {
    serviceType: request.serviceType,
    clientGroup: request.clientGroup as ClientGroup,
    specialisms: request.specialisms as Specialism[],
    outcode: person.outcode,
    coordinates:
      request.latitude !== null && request.longitude !== null
        ? { latitude: request.latitude, longitude: request.longitude }
        : null,
    maxDistanceMiles: request.maxDistanceMiles,
    lotId: request.lotId,
    lotName,
    carerGender: carerGenderOf(request.carerGender),
    language: request.language,
    startDate: request.startDate,
    excludedProviderIds: request.excludedProviderIds,
  }
}

// ---------------------------------------------------------------------------------------------
// The SQL pre-filter

interface Box {
  minLat: number
  maxLat: number
  minLon: number
  maxLon: number
}

const toDegrees = (r: number) => (r * 180) / Math.PI

/** A latitude/longitude box that holds every point within `limit` miles of the centre, with a little to spare. */
function boundingBox(centre: Point, limitMiles: number): Box {
  const angle = Math.min(Math.PI / 2, (limitMiles / EARTH_RADIUS_MILES) * 1.001)
  const dLat = toDegrees(angle)
  const cosLat = Math.cos(toRadians(centre.latitude))
  const dLon = cosLat <= Math.sin(angle) ? 180 : toDegrees(Math.asin(Math.sin(angle) / cosLat))
  return {
    minLat: centre.latitude - dLat,
    maxLat: centre.latitude + dLat,
    minLon: centre.longitude - dLon,
    maxLon: centre.longitude + dLon,
  }
}

interface Prefilter {
  /** True for the locations the rules decide in full. */
  candidate: SQL
  /** The stored reason for every other active location, as a jsonb expression. */
  reasonOf: SQL
}

/**
 * Miles between a location and a point, in SQL: greatCircleMiles (src/shared/distance.ts) with
 * the same radius and the same haversine through atan2, so the database and the rules agree.
 */
function sqlMiles(point: Point): SQL {
  const lat = sql`radians(${locations.latitude})`
  const lon = sql`radians(${locations.longitude})`
  const pLat = toRadians(point.latitude)
  const pLon = toRadians(point.longitude)
  const h = sql`(power(sin((${lat} - ${pLat}::float8) / 2), 2)
    + cos(${pLat}::float8) * cos(${lat}) * power(sin((${lon} - ${pLon}::float8) / 2), 2))`
  return sql`(2 * ${EARTH_RADIUS_MILES}::float8 * atan2(sqrt(${h}), sqrt(greatest(0, 1 - ${h}))))`
}

/** A distance as the rules write it against a limit: one decimal place, two when one would round onto the limit. */
function sqlMilesText(distance: SQL, limit: number): SQL {
  return sql`(case when round(${distance}::numeric, 1) > ${limit}::numeric
    then trim_scale(round(${distance}::numeric, 1))::text
    else round(${distance}::numeric, 2)::text end)`
}

function reasonJson(code: string, text: SQL | string): SQL {
  return sql`jsonb_build_array(jsonb_build_object('code', ${code}::text, 'text', ${text}::text))`
}

function prefilterOf(councilId: number, req: EligibilityRequirements, centre: Point | null): Prefilter {
  const offersService = sql`(${req.serviceType}::text = any(${locations.serviceTypes}))`
  const serviceLabel = REGISTER_SERVICE_TYPE_LABELS[req.serviceType].toLowerCase()
  const serviceReason = reasonJson('service_type', `Does not offer ${serviceLabel}`)
  const limitText = `the limit is ${miles(req.maxDistanceMiles)} miles`
  const unplaced = sql`(${locations.latitude} is null or ${locations.longitude} is null)`

  let inReach: SQL
  let reachReason: SQL
  if (!centre) {
    // Without the person's coordinates nothing can be measured: the rules decide distance-based
    // requests in full, and coverage decides care at home.
    if (req.reach === 'distance') {
      inReach = sql`true`
      reachReason = sql`null`
    } else {
      inReach = coversDistrictCondition(councilId, req.outcode)
      reachReason = reasonJson(
        'not_covering_district',
        `Does not cover ${req.outcode}, and the distance to its office is not known`,
      )
    }
  } else {
    const box = boundingBox(centre, req.maxDistanceMiles)
    // Written as the indexes are (locations_active_position, locations_active_unplaced), so the
    // planner can combine them instead of scanning every location of the council.
    const inBox = sql`(point(${locations.longitude}, ${locations.latitude}) <@ box(
      point(${box.minLon}::float8, ${box.minLat}::float8), point(${box.maxLon}::float8, ${box.maxLat}::float8)))`
    const distanceText = sqlMilesText(sqlMiles(centre), req.maxDistanceMiles)
    if (req.reach === 'distance') {
      inReach = sql`(${unplaced} or ${inBox})`
      reachReason = reasonJson(
        'too_far',
        sql`'Too far: ' || ${distanceText} || ${` miles from ${req.outcode}, ${limitText}`}::text`,
      )
    } else {
      inReach = sql`(${unplaced} or ${inBox} or ${coversDistrictCondition(councilId, req.outcode)})`
      reachReason = reasonJson(
        'not_covering_district',
        sql`${`Does not cover ${req.outcode}, and its office is `}::text || ${distanceText} || ${` miles away, ${limitText}`}::text`,
      )
    }
  }
  return {
    candidate: sql`(${offersService} and ${inReach})`,
    reasonOf: sql`(case when not ${offersService} then ${serviceReason} else ${reachReason} end)`,
  }
}

// ---------------------------------------------------------------------------------------------
// Assembling the facts and deciding

export interface EligibilityRun {
  loaded: LoadedRequest
  request: EligibilityRequest
  requirements: EligibilityRequirements
  settings: BrokerageSettings
  /** Decisions for the locations the rules decided in full, in compareDecisions order. */
  decisions: EligibilityDecision[]
  /** The provider organisation of each decided location. */
  organisationOf: Map<number, number>
  /** How the decided locations were chosen: narrowed in SQL, or every active location. */
  mode: 'prefiltered' | 'full-scan'
  /** Milliseconds spent in each phase, for the benchmark to report where the time goes. */
  phases: { request: number; candidates: number; facts: number; decide: number }
}

/**
 * Decides eligibility for a request without writing anything. `fullScan` decides every active
 * location in full (the naive baseline the benchmark compares with); otherwise SQL narrows first.
 */
export async function assembleEligibility(
  db: Queryable,
  options: { councilId: number; requestId: number; now: Date; fullScan?: boolean; loaded?: LoadedRequest },
): Promise<EligibilityRun> {
  const { councilId, now } = options
  const clock = stopwatch()
  const [loaded, settings] = await readTogether(db, [
    async () => options.loaded ?? loadRequest(db, councilId, options.requestId),
    () => getBrokerageSettings(db, councilId),
  ])
  const lotName = loaded.request.lotId ? (await getLot(db, councilId, loaded.request.lotId)).name : null
  const request = eligibilityRequestOf(loaded, lotName)
  const requirements = eligibilityRequirements(request, settings)
  const today = londonDate(now)

  const requestMs = clock()
  const condition = options.fullScan
    ? sql`true`
    : prefilterOf(councilId, requirements, request.coordinates).candidate
  const rows = await activeLocationsWhere(db, councilId, condition, {
    withCoverage: requirements.reach === 'coverage',
  })
  const ids = rows.map((r) => r.id)
  const candidatesMs = clock()
  const [ratings, restrictions, lot, capacity] = await readTogether(db, [
    () => effectiveRatings(db, councilId, ids, today),
    () => activeRestrictions(db, councilId, ids, today),
    () => lotStandings(db, councilId, requirements.lotId, today),
    () => capacityFor(db, councilId, ids, requirements),
  ])
  const limited = [...restrictions]
    .filter(([, list]) => list.some((r) => r.kind === 'placement_limit'))
    .map(([id]) => id)
  const awards = await awardsThisMonth(db, councilId, limited, now)
  const factsMs = clock()

  const candidates = rows.map(
    (row): EligibilityCandidate =>
      candidateOf(row, {
        rating: ratings.get(row.id)?.rating ?? 'Not yet rated',
        qualityExclusion: ratings.get(row.id)?.ineligible ?? null,
        restrictions: (restrictions.get(row.id) ?? []).map(
          (r): CandidateRestriction => ({
            kind: r.kind as RestrictionKind,
            monthlyLimit: r.monthlyLimit,
            awardsThisMonth: awards.get(row.id) ?? 0,
          }),
        ),
        admittedToLot: lot
          ? lot.admitted.has(row.id)
            ? true
            : lot.members.has(row.id)
              ? false
              : null
          : null,
        capacity: capacity.get(row.id) ?? null,
      }),
  )
  const decisions = decideAll(request, candidates, settings, now)
  return {
    loaded,
    request,
    requirements,
    settings,
    decisions,
    organisationOf: new Map(rows.map((r) => [r.id, r.providerOrganisationId])),
    mode: options.fullScan ? 'full-scan' : 'prefiltered',
    phases: { request: requestMs, candidates: candidatesMs, facts: factsMs, decide: clock() },
  }
}

/** Milliseconds since the last call (or since it was made). */
function stopwatch(): () => number {
  let last = performance.now()
  return () => {
    const now = performance.now()
    const elapsed = now - last
    last = now
    return Math.round(elapsed * 100) / 100
  }
}

function candidateOf(
  row: CandidateRow,
  facts: Pick<EligibilityCandidate, 'restrictions' | 'admittedToLot' | 'capacity' | 'qualityExclusion'> & {
    rating: RatingValue
  },
): EligibilityCandidate {
  return {
    locationId: row.id,
    providerOrganisationId: row.providerOrganisationId,
    serviceTypes: row.serviceTypes,
    specialisms: row.specialisms,
    clientGroups: row.clientGroups,
    coordinates:
      row.latitude !== null && row.longitude !== null
        ? { latitude: row.latitude, longitude: row.longitude }
        : null,
    coverageOutcodes: row.coverage,
    effectiveRating: facts.rating,
    qualityExclusion: facts.qualityExclusion,
    restrictions: facts.restrictions,
    admittedToLot: facts.admittedToLot,
    capacity: facts.capacity,
    maleCareWorkers: row.maleCareWorkers,
    femaleCareWorkers: row.femaleCareWorkers,
    languages: row.languages,
  }
}

async function lotStandings(
  db: Queryable,
  councilId: number,
  lotId: number | null,
  today: string,
): Promise<{ admitted: Set<number>; members: Set<number> } | null> {
  if (lotId === null) return null
  const admitted = new Set(await admittedLocations(db, councilId, lotId, today))
  const members = new Set((await listMemberships(db, councilId, lotId)).map((m) => m.locationId))
  return { admitted, members }
}

async function capacityFor(
  db: Queryable,
  councilId: number,
  ids: number[],
  requirements: EligibilityRequirements,
): Promise<Map<number, LatestCapacity>> {
  if (requirements.bedType) return latestVacanciesForBedType(db, councilId, ids, requirements.bedType)
  if (requirements.serviceType === DAY_OPPORTUNITIES) return latestDayPlaces(db, councilId, ids)
  if (requirements.serviceType === 'home_care' || requirements.serviceType === 'supported_living') {
    return latestSpareMinutesInDistrict(db, councilId, ids, requirements.outcode)
  }
  return new Map()
}

/** Awards (packages) made to each location since the start of this London month. */
export async function awardsThisMonth(
  db: Queryable,
  councilId: number,
  locationIds: number[],
  now: Date,
): Promise<Map<number, number>> {
  if (locationIds.length === 0) return new Map()
  const rows = await db
    .select({ locationId: packages.locationId, count: sql<number>`count(*)::int` })
    .from(packages)
    .where(
      and(
        eq(packages.councilId, councilId),
        inIds(packages.locationId, locationIds),
        sql`${packages.createdAt} >= ${londonMonthStart(now).toISOString()}::timestamptz`,
      ),
    )
    .groupBy(packages.locationId)
  return new Map(rows.map((r) => [r.locationId, Number(r.count)]))
}

// ---------------------------------------------------------------------------------------------
// Publishing: store every decision and tell the invited

/** How many locations one reason keeps out: each location counted once, by its first reason. */
export interface ExclusionCount {
  code: string
  label: string
  count: number
}

export interface InvitationResult {
  round: number
  invited: number
  excluded: number
  /** Why the others are not invited, most common first. */
  exclusions: ExclusionCount[]
  invitedLocationIds: number[]
  /** Locations decided in full by the rules (the rest were ruled out by the SQL pre-filter). */
  decidedInFull: number
  organisationsNotified: number
  emails: number
}

const INSERT_CHUNK = 2000

/**
 * Decides, for every active location of the council, whether it is invited to offer on a request
 * that is being published; stores each decision with its reasons; and tells each invited provider
 * organisation once, in the app and by email. Called by the request service inside the publishing
 * transaction, after the request has its deadline.
 */
export async function inviteEligibleLocations(
  tx: Transaction,
  input: {
    councilId: number
    requestId: number
    round: number
    now: Date
    /** Locations already told of the request (a change re-deciding it): only the others are told. */
    alreadyInvited?: ReadonlySet<number>
  },
): Promise<InvitationResult> {
  const { councilId, requestId, round, now } = input
  const run = await assembleEligibility(tx, { councilId, requestId, now })
  const decidedAt = now

  for (let i = 0; i < run.decisions.length; i += INSERT_CHUNK) {
    await tx
      .insert(eligibilityDecisions)
      .values(
        run.decisions.slice(i, i + INSERT_CHUNK).map((d) => ({
          councilId,
          requestId,
          round,
          locationId: d.locationId,
          eligible: d.eligible,
          reasons: d.reasons.map(({ code, text }) => ({ code, text })),
          flags: d.flags.map(({ code, text }) => ({ code, text })),
          rankPenalty: d.rankPenalty,
          decidedAt,
        })),
      )
      .onConflictDoNothing()
  }

  // Everyone the pre-filter ruled out, with its deciding reason, in one statement.
  const prefilter = prefilterOf(councilId, run.requirements, run.request.coordinates)
  const ruledOut = await tx.execute(sql`
    insert into ${eligibilityDecisions}
      (council_id, request_id, round, location_id, eligible, reasons, flags, rank_penalty, decided_at)
    select ${councilId}, ${requestId}, ${round}, ${locations.id}, false, ${prefilter.reasonOf}, '[]'::jsonb, 0,
      ${decidedAt.toISOString()}::timestamptz
    from ${locations}
    where ${locations.councilId} = ${councilId} and ${locations.active} and not ${prefilter.candidate}
    on conflict do nothing`)

  const invited = run.decisions.filter((d) => d.eligible)
  const exclusions = await countExclusions(tx, run, councilId)
  const told = input.alreadyInvited
  const notified = await notifyInvited(
    tx,
    run,
    told ? invited.filter((d) => !told.has(d.locationId)) : invited,
    now,
  )
  const excluded = run.decisions.length - invited.length + affectedRows(ruledOut)
  await recordAudit(tx, SYSTEM, {
    councilId,
    action: 'request.invitations_sent',
    entityType: 'sourcing_request',
    entityId: requestId,
    details: {
      round,
      invited: invited.length,
      excluded,
      organisations: notified.inbox,
    },
  })
  await brokerageEvents.emit(
    'requestEligibilityDecided',
    { councilId, requestId, round, eligible: invited.length },
    tx,
  )
  return {
    round,
    invited: invited.length,
    excluded,
    exclusions,
    invitedLocationIds: invited.map((d) => d.locationId),
    decidedInFull: run.decisions.length,
    organisationsNotified: notified.inbox,
    emails: notified.emails,
  }
}

/**
 * Each not-invited location counted once by its first (deciding) reason: those the rules decided
 * from their decisions, the rest by the pre-filter's reason, counted in SQL.
 */
async function countExclusions(
  db: Queryable,
  run: EligibilityRun,
  councilId: number,
): Promise<ExclusionCount[]> {
  const counts = new Map<string, number>()
  for (const d of run.decisions) {
    const code = d.reasons[0]?.code
    if (!d.eligible && code) counts.set(code, (counts.get(code) ?? 0) + 1)
  }
  const prefilter = prefilterOf(councilId, run.requirements, run.request.coordinates)
  const rows = await db.execute(sql`
    select (${prefilter.reasonOf})->0->>'code' as code, count(*)::int as count
    from ${locations}
    where ${locations.councilId} = ${councilId} and ${locations.active} and not ${prefilter.candidate}
    group by 1`)
  for (const row of (rows as unknown as { rows: { code: string | null; count: number }[] }).rows)
    if (row.code) counts.set(row.code, (counts.get(row.code) ?? 0) + Number(row.count))
  return [...counts]
    .map(([code, count]) => ({
      code,
      label: EXCLUSION_REASON_LABELS[code as keyof typeof EXCLUSION_REASON_LABELS] ?? code,
      count,
    }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
}

/** "12 are further away than the maximum distance; 3 do not offer this type of care". */
function exclusionsText(exclusions: readonly ExclusionCount[]): string {
  return exclusions.map((e) => `${e.count} ${e.label}`).join('; ')
}

/** Publishing would invite no location: said with why the others are not invited. */
export class NobodyToInviteError extends UnprocessableError {
  constructor(readonly exclusions: ExclusionCount[]) {
    super(
      exclusions.length === 0
        ? 'No location would be invited: the council has no active locations on its register.'
        : `No location would be invited: ${exclusionsText(exclusions)}. Widen the request (for example its maximum distance or lot), then publish it.`,
    )
  }
}

/** The request's latest eligibility round (0 before it was ever published) and who it invited. */
export async function latestRound(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<{ round: number; invited: Set<number> }> {
  const rows = await db
    .select({ round: eligibilityDecisions.round, locationId: eligibilityDecisions.locationId })
    .from(eligibilityDecisions)
    .where(
      and(
        eq(eligibilityDecisions.councilId, councilId),
        eq(eligibilityDecisions.requestId, requestId),
        eq(eligibilityDecisions.eligible, true),
        sql`${eligibilityDecisions.round} = (select max(round) from ${eligibilityDecisions} where request_id = ${requestId})`,
      ),
    )
  const [max] = await db
    .select({ round: sql<number | null>`max(${eligibilityDecisions.round})` })
    .from(eligibilityDecisions)
    .where(and(eq(eligibilityDecisions.councilId, councilId), eq(eligibilityDecisions.requestId, requestId)))
  return { round: Number(max?.round ?? 0), invited: new Set(rows.map((r) => r.locationId)) }
}

export interface InvitationPreview {
  invited: number
  notInvited: number
  exclusions: ExclusionCount[]
}

/** Who publishing the request now would invite, and why the others would not be: nothing is written. */
export async function previewInvitations(
  db: Queryable,
  input: { councilId: number; requestId: number; now: Date },
): Promise<InvitationPreview> {
  const run = await assembleEligibility(db, input)
  const exclusions = await countExclusions(db, run, input.councilId)
  return {
    invited: run.decisions.filter((d) => d.eligible).length,
    notInvited: exclusions.reduce((sum, e) => sum + e.count, 0),
    exclusions,
  }
}

function affectedRows(result: unknown): number {
  const r = result as { rowCount?: number | null; affectedRows?: number }
  return Number(r.rowCount ?? r.affectedRows ?? 0)
}

async function notifyInvited(
  tx: Transaction,
  run: EligibilityRun,
  invited: EligibilityDecision[],
  now: Date,
) {
  const byOrganisation = new Map<number, number[]>()
  for (const d of invited) {
    const organisation = run.organisationOf.get(d.locationId)
    if (organisation === undefined) continue
    byOrganisation.set(organisation, [...(byOrganisation.get(organisation) ?? []), d.locationId])
  }
  const { request, person, visits } = run.loaded
  const service = REQUEST_SERVICE_TYPE_LABELS[request.serviceType]
  const { outcode } = run.requirements
  const hours = visits.length > 0 ? `, ${weeklyHoursText(weeklyHours(visits))} a week` : ''
  const deadline = request.deadlineAt ? ` Offers close ${deadlineText(request.deadlineAt)}.` : ''
  const link = `/provider/opportunities/${request.id}`
  // Anonymised, as on the opportunities page: never the person's name, date of birth, postcode or NHS number.
  const what = `${service} in ${outcode} for a person aged ${ageBand(person.dateOfBirth, londonDate(now))}${hours}, from ${formatDate(request.startDate)}.`
  return notifyOrganisations(
    tx,
    request.councilId,
    INVITATION_EMAIL_KIND,
    [...byOrganisation].map(([providerOrganisationId, locationIds]) => ({
      providerOrganisationId,
      subject: `New opportunity: ${service} in ${outcode}`,
      body: `You are invited to offer on request ${request.id}: ${what}${deadline}\n\n${locationIds.length === 1 ? 'One of your locations matches' : `${locationIds.length} of your locations match`}.`,
      link,
    })),
  )
}

// ---------------------------------------------------------------------------------------------
// "Why was X not invited?"

export interface StoredDecision {
  locationId: number
  round: number
  eligible: boolean
  reasons: { code: string; text: string }[]
  flags: { code: string; text: string }[]
  rankPenalty: number
  decidedAt: Date
}

export interface EligibilityExplanation {
  location: Pick<LocationSummary, 'id' | 'name' | 'cqcLocationId' | 'providerName'>
  /** Null when the location had no decision: it was not active on the register at publication. */
  decision: StoredDecision | null
  /** One line for the broker. */
  summary: string
}

function summaryOf(decision: StoredDecision | null): string {
  if (!decision) {
    return 'Not considered: the location was not active on the register when the request was published.'
  }
  if (decision.eligible) {
    const notes = decision.flags.map((f) => f.text)
    return `Invited${notes.length > 0 ? `, with notes: ${notes.join('; ')}` : '.'}`
  }
  return `Not invited: ${decision.reasons.map((r) => r.text).join('; ')}`
}

/**
 * The latest round's decisions matching a condition: best-ranked first, or a page at a time in
 * location order (an order that stays put from page to page).
 */
async function storedDecisions(
  db: Queryable,
  councilId: number,
  requestId: number,
  condition: SQL,
  page?: { offset: number; limit: number },
): Promise<StoredDecision[]> {
  const query = db
    .select({
      locationId: eligibilityDecisions.locationId,
      round: eligibilityDecisions.round,
      eligible: eligibilityDecisions.eligible,
      reasons: eligibilityDecisions.reasons,
      flags: eligibilityDecisions.flags,
      rankPenalty: eligibilityDecisions.rankPenalty,
      decidedAt: eligibilityDecisions.decidedAt,
    })
    .from(eligibilityDecisions)
    .where(
      and(
        eq(eligibilityDecisions.councilId, councilId),
        eq(eligibilityDecisions.requestId, requestId),
        sql`${eligibilityDecisions.round} = (select max(round) from ${eligibilityDecisions} where request_id = ${requestId})`,
        condition,
      ),
    )
    .$dynamic()
  if (!page) return query.orderBy(eligibilityDecisions.rankPenalty, eligibilityDecisions.locationId)
  return query.orderBy(eligibilityDecisions.locationId).offset(page.offset).limit(page.limit)
}

/** Why one location was or was not invited in the request's latest round. */
export async function explainEligibility(
  db: Queryable,
  councilId: number,
  requestId: number,
  locationId: number,
): Promise<EligibilityExplanation> {
  await loadRequest(db, councilId, requestId)
  const location = await getLocation(db, { councilId }, locationId)
  const [decision] = await storedDecisions(
    db,
    councilId,
    requestId,
    eq(eligibilityDecisions.locationId, locationId),
  )
  return {
    location: {
      id: location.id,
      name: location.name,
      cqcLocationId: location.cqcLocationId,
      providerName: location.providerName,
    },
    decision: decision ?? null,
    summary: summaryOf(decision ?? null),
  }
}

export interface EligibilityOverview {
  requestId: number
  round: number
  invitedCount: number
  notInvitedCount: number
  /** Invited locations, best placed first (fewest rank penalties). */
  invited: EligibilityExplanation[]
  /** Locations matching the search, each with its decision. */
  search: { text: string; results: EligibilityExplanation[] } | null
}

const SEARCH_LIMIT = 50

/** The broker's view of a request's eligibility: who was invited, and any location looked up by name or CQC ID. */
export async function eligibilityOverview(
  db: Queryable,
  councilId: number,
  requestId: number,
  options: { search?: string } = {},
): Promise<EligibilityOverview> {
  await loadRequest(db, councilId, requestId)
  const [counts] = await db
    .select({
      round: sql<number>`max(${eligibilityDecisions.round})`,
      invited: sql<number>`count(*) filter (where ${eligibilityDecisions.eligible})::int`,
      total: sql<number>`count(*)::int`,
    })
    .from(eligibilityDecisions)
    .where(
      and(
        eq(eligibilityDecisions.councilId, councilId),
        eq(eligibilityDecisions.requestId, requestId),
        sql`${eligibilityDecisions.round} = (select max(round) from ${eligibilityDecisions} where request_id = ${requestId})`,
      ),
    )
  const invited = await storedDecisions(db, councilId, requestId, eq(eligibilityDecisions.eligible, true))
  const text = options.search?.trim() ?? ''
  const found = text ? await searchLocations(db, councilId, text, SEARCH_LIMIT) : []
  const foundDecisions = found.length
    ? await storedDecisions(
        db,
        councilId,
        requestId,
        inIds(
          eligibilityDecisions.locationId,
          found.map((f) => f.id),
        ),
      )
    : []
  const names = await locationSummaries(
    db,
    councilId,
    invited.map((d) => d.locationId),
  )
  const explain = (location: LocationSummary | undefined, decision: StoredDecision | null) =>
    location
      ? [
          {
            location: {
              id: location.id,
              name: location.name,
              cqcLocationId: location.cqcLocationId,
              providerName: location.providerName,
            },
            decision,
            summary: summaryOf(decision),
          },
        ]
      : []
  const byLocation = new Map(foundDecisions.map((d) => [d.locationId, d]))
  return {
    requestId,
    round: Number(counts?.round ?? 0),
    invitedCount: Number(counts?.invited ?? 0),
    notInvitedCount: Number(counts?.total ?? 0) - Number(counts?.invited ?? 0),
    invited: invited.flatMap((d) => explain(names.get(d.locationId), d)),
    search: text ? { text, results: found.flatMap((l) => explain(l, byLocation.get(l.id) ?? null)) } : null,
  }
}

/** Every stored decision of the latest round, a page at a time, for the API. */
export async function listDecisions(
  db: Queryable,
  councilId: number,
  requestId: number,
  page: { offset: number; limit: number; eligible?: boolean },
): Promise<StoredDecision[]> {
  await loadRequest(db, councilId, requestId)
  const condition = page.eligible === undefined ? sql`true` : eq(eligibilityDecisions.eligible, page.eligible)
  return storedDecisions(db, councilId, requestId, condition, page)
}
