// Years of brokerage history for one demo council, written straight into its tables in bulk: the
// market simulator's model (simulate.ts) at a scale the services cannot reach one request at a
// time. Each request's whole life is worked out when it arrives, with the services' own rules
// (response windows, eligibility, ranking, weekly cost, the lifecycle's transitions), and its rows
// are written in time order, week by week, as the services would have left them:
// - people, sourcing requests with their visits, and a request_events row and audit entry for
//   every transition: draft → submitted → published → closed → awarded → started, or unsourced →
//   republished with a wider search, or cancelled;
// - for each publication round, the eligibility decisions of the locations invited (eligible),
//   and offers only from those, made before the deadline;
// - packages and awarded slots for each award (home care visit by visit, split between providers
//   or partly sourced), offers accepted and declined, and packages ended when the person's care ends;
// - care home vacancies and home care spare hours, reported at each location's own pace;
// - the audit entries the services write with each of these.
// What is left out: the decisions of locations not invited (a row for every active location of the
// council for every round), and the in-app messages and emails of invitations and outcomes. The
// register is taken as it stands, with no restrictions or framework lots (the demo has none).
// The Interim Care List's spells and the insights' request outcomes are rebuilt from the history
// once written (rebuildIclSpells, rebuildRequestOutcomes); the list's daily snapshots are the
// market service's to take: takeDueSnapshots().

import { TZDate } from '@date-fns/tz'
import { asc, eq, inArray, sql } from 'drizzle-orm'
import { getCouncilByCode } from '../accounts/service.ts'
import { listCouncilUsers } from '../accounts/users/service.ts'
import { DEADLINE_REASON } from '../brokerage/deadlines.ts'
import {
  packageMinutesPerWeek,
  packageStartDate,
  type VisitPattern,
  weeklyCostPence,
} from '../brokerage/offers/rules.ts'
import {
  addCalendarDays,
  type BrokerageSettings,
  decideAll,
  type EligibilityCandidate,
  isCareHome,
  type OfferForScoring,
  priceUnitFor,
  type RatingValue,
  REQUEST_SERVICE_TYPE_MAP,
  type RequestServiceType,
  type RequestStatus,
  rankOffers,
  rankPerSlot,
  reachRule,
  responseWindow,
  type ScoringContext,
} from '../brokerage/rules/index.ts'
import { getBankHolidays, getBrokerageSettings } from '../brokerage/settings/service.ts'
import {
  CANCELLED_BEFORE_PUBLISH,
  PERSON_CHOOSES_OTHER,
  poisson,
  RURAL_FACTOR,
  supportHoursPerWeek,
  weeklyArrivals,
} from '../brokerage/simulator/rates.ts'
import type { Database } from '../db/connection.ts'
import { ConflictError } from '../errors.ts'
import { outcodeOf } from '../geography/rules.ts'
import { councilDistricts, postcodes } from '../geography/schema.ts'
import { Locator, loadCouncilDistricts } from '../geography/service.ts'
import { rebuildIclSpells } from '../market/icl/service.ts'
import { rebuildRequestOutcomes } from '../market/insights/outcomes.ts'
import { bedTypesFor } from '../providers/capacity/rules.ts'
import { coverageOf, coversDistricts, updateLocationProfile } from '../providers/profile/service.ts'
import { effectiveRatings } from '../providers/quality/service.ts'
import { locations as locationsTable } from '../providers/schema.ts'
import { type ClientGroup, SPECIALISMS, type Specialism } from '../providers/vocabulary.ts'
import { formatDate, LONDON, londonDate } from '../shared/dates.ts'
import { greatCircleMiles, type Point } from '../shared/distance.ts'
import { hashSeed, Random } from '../shared/random.ts'
import {
  CHOICE_REASONS,
  FEMALE_NAMES,
  homeCareVisits,
  MALE_NAMES,
  mondayOf,
  NEEDS,
  SURNAME_ENDS,
  SURNAME_STARTS,
  USUAL_PRICE_POUNDS,
} from '../simulator/simulate.ts'
import {
  type Cell,
  maxId,
  type RawClient,
  rawClient,
  resetIdentity,
  TableBuffer,
  type TableSpec,
  withRawTransaction,
} from './bulk.ts'

export interface HistoryOptions {
  councilCode: string
  seed: number
  /** The history ends here (by default now); nothing after it is written. */
  end?: Date
  weeks: number
  /** About how many sourcing requests the history holds. */
  requests: number
  /** About how many capacity figures (a bed type's vacancies, a district's spare hours) it holds. */
  capacityUpdates: number
  /** Offers made per request, on average: about 7.5 in a large council. */
  offersPerRequest?: number
  /** Whether to write the audit entries the services would have written; default true. */
  audit?: boolean
  onProgress?: (weeksDone: number, weeks: number) => void
  /**
   * For a history written in the background while the service runs (the demo's first start):
   * its ids start after `firstIds` (whose sequences the caller moved past a reserved block, so
   * the services' own rows never take them), each week is written in one transaction with
   * `written` recording it, and the first `weeksWritten` weeks, written by an earlier run that
   * stopped, are worked out again but not written. The same options give the same rows.
   */
  resume?: HistoryResume
}

interface HistoryResume {
  firstIds: HistoryIds
  /** How many ids after `firstIds` are kept for the history in each table: it stops rather than go past them. */
  reserved: HistoryIds
  weeksWritten: number
  /** Called inside each week's transaction, with the number of weeks written once it commits. */
  written: (client: RawClient, weeksWritten: number) => Promise<void>
  /** Called before each week is written; a test stops a history part-way by throwing here. */
  beforeWeek?: (week: number) => Promise<void>
}

/** The last id taken in each table a history numbers its own rows in. */
export type HistoryIds = Record<(typeof ID_TABLES)[number][0], number>

/** The tables whose ids a history chooses, by the name it keeps their counter under. */
export const ID_TABLES = [
  ['people', 'people'],
  ['requests', 'sourcing_requests'],
  ['visits', 'request_visits'],
  ['offers', 'offers'],
  ['packages', 'packages'],
  ['events', 'request_events'],
  ['beds', 'bed_vacancy_reports'],
  ['homeCare', 'home_care_capacity_reports'],
  ['audit', 'audit_log'],
] as const

/** The highest id in each table a history numbers its rows in. */
export async function currentIds(db: Database): Promise<HistoryIds> {
  const client = rawClient(db)
  const ids = {} as HistoryIds
  for (const [name, table] of ID_TABLES) ids[name] = await maxId(client, table)
  return ids
}

export interface HistorySummary {
  from: string
  to: string
  weeks: number
  requests: number
  published: number
  /** Publication rounds after the first. */
  republished: number
  withOffers: number
  offers: number
  meanOffersPerRequest: number
  awarded: number
  started: number
  unsourced: number
  cancelled: number
  packages: number
  packagesEnded: number
  invitations: number
  capacityUpdates: number
  auditEntries: number
  /** Home care locations given the districts they cover, so that they can report spare hours. */
  coverageSet: number
  seconds: number
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WITHDRAWN_SHARE = 0.02
/** Unsourced requests are republished at most this many times before the council gives up on them. */
const MAX_ROUNDS = 3
/** Districts whose centre is within this of a home care office are the ones it covers. */
const COVERAGE_MILES = 8
/** Average length of a placement or package, in weeks, before the person's care ends (rates.ts). */
const MEAN_WEEKS: Record<RequestServiceType, number> = {
  home_care: 104,
  residential: 130,
  dementia_residential: 130,
  nursing: 52,
  dementia_nursing: 52,
  supported_living: 156,
  day_opportunities: 104,
}
const END_REASONS = [
  'The person died',
  'The person no longer needs this care',
  'The person moved out of the area',
  'The person’s family now arranges their care',
] as const
const GIVE_UP_REASONS = [
  'The person’s needs were met another way',
  'The family arranged care privately',
  'The person has died',
] as const
const CANCEL_REASONS = ['The person has died', 'The family has arranged care privately'] as const

// ---------------------------------------------------------------------------------------------
// The tables, column by column

const T = {
  people: {
    table: 'people',
    overriding: true,
    columns: [
      ['id', 'int'],
      ['council_id', 'int'],
      ['name', 'text'],
      ['date_of_birth', 'date'],
      ['sex', 'text'],
      ['postcode', 'text'],
      ['outcode', 'text'],
      ['locality_id', 'int'],
      ['pcn_area_id', 'int'],
      ['created_at', 'timestamptz'],
    ],
  },
  requests: {
    table: 'sourcing_requests',
    overriding: true,
    columns: [
      ['id', 'int'],
      ['council_id', 'int'],
      ['person_id', 'int'],
      ['created_by_user_id', 'int'],
      ['service_type', 'text'],
      ['client_group', 'text'],
      ['specialisms', 'text[]'],
      ['needs_summary', 'text'],
      ['preferred_postcode', 'text'],
      ['preferred_outcode', 'text'],
      ['latitude', 'float8'],
      ['longitude', 'float8'],
      ['max_distance_miles', 'float8'],
      ['start_date', 'date'],
      ['urgency', 'text'],
      ['emergency_hours', 'int'],
      ['in_hospital', 'bool'],
      ['usual_price_pence', 'int'],
      ['support_minutes_per_week', 'int'],
      ['status', 'text'],
      ['published_at', 'timestamptz'],
      ['deadline_at', 'timestamptz'],
      ['closed_at', 'timestamptz'],
      ['cancel_reason', 'text'],
      ['version', 'int'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ],
  },
  visits: {
    table: 'request_visits',
    overriding: true,
    columns: [
      ['id', 'int'],
      ['council_id', 'int'],
      ['request_id', 'int'],
      ['days', 'text[]'],
      ['window_start', 'text'],
      ['window_end', 'text'],
      ['duration_minutes', 'int'],
      ['carers', 'int'],
    ],
  },
  events: {
    table: 'request_events',
    overriding: true,
    columns: [
      ['id', 'bigint'],
      ['council_id', 'int'],
      ['request_id', 'int'],
      ['from_status', 'text'],
      ['to_status', 'text'],
      ['reason', 'text'],
      ['actor', 'text'],
      ['at', 'timestamptz'],
    ],
  },
  decisions: {
    table: 'eligibility_decisions',
    columns: [
      ['council_id', 'int'],
      ['request_id', 'int'],
      ['round', 'int'],
      ['location_id', 'int'],
      ['eligible', 'bool'],
      ['reasons', 'jsonb'],
      ['flags', 'jsonb'],
      ['rank_penalty', 'int'],
      ['decided_at', 'timestamptz'],
    ],
  },
  offers: {
    table: 'offers',
    overriding: true,
    columns: [
      ['id', 'int'],
      ['council_id', 'int'],
      ['request_id', 'int'],
      ['location_id', 'int'],
      ['provider_organisation_id', 'int'],
      ['price_pence', 'int'],
      ['earliest_start', 'date'],
      ['meets_all_needs', 'bool'],
      ['notes', 'text'],
      ['visit_ids', 'int[]'],
      ['status', 'text'],
      ['version', 'int'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ],
  },
  packages: {
    table: 'packages',
    overriding: true,
    columns: [
      ['id', 'int'],
      ['council_id', 'int'],
      ['request_id', 'int'],
      ['offer_id', 'int'],
      ['person_id', 'int'],
      ['location_id', 'int'],
      ['provider_organisation_id', 'int'],
      ['service_type', 'text'],
      ['agreed_price_pence', 'int'],
      ['usual_price_pence', 'int'],
      ['weekly_cost_pence', 'int'],
      ['minutes_per_week', 'int'],
      ['visit_ids', 'int[]'],
      ['above_usual_price_reason', 'text'],
      ['choice_reason', 'text'],
      ['start_date', 'date'],
      ['end_date', 'date'],
      ['end_reason', 'text'],
      ['created_at', 'timestamptz'],
      ['created_by', 'text'],
    ],
  },
  slots: {
    table: 'awarded_slots',
    columns: [
      ['council_id', 'int'],
      ['request_id', 'int'],
      ['slot', 'int'],
      ['package_id', 'int'],
    ],
  },
  beds: {
    table: 'bed_vacancy_reports',
    overriding: true,
    columns: [
      ['id', 'bigint'],
      ['council_id', 'int'],
      ['location_id', 'int'],
      ['bed_type', 'text'],
      ['vacancies', 'int'],
      ['reported_at', 'timestamptz'],
      ['reported_by', 'text'],
      ['source', 'text'],
    ],
  },
  homeCare: {
    table: 'home_care_capacity_reports',
    overriding: true,
    columns: [
      ['id', 'bigint'],
      ['council_id', 'int'],
      ['location_id', 'int'],
      ['outcode', 'text'],
      ['spare_minutes_per_week', 'int'],
      ['reported_at', 'timestamptz'],
      ['reported_by', 'text'],
      ['source', 'text'],
    ],
  },
  audit: {
    table: 'audit_log',
    overriding: true,
    columns: [
      ['id', 'bigint'],
      ['council_id', 'int'],
      ['at', 'timestamptz'],
      ['actor_user_id', 'int'],
      ['actor', 'text'],
      ['action', 'text'],
      ['entity_type', 'text'],
      ['entity_id', 'text'],
      ['details', 'jsonb'],
    ],
  },
} satisfies Record<string, TableSpec>

/** Where an ended package's end date and reason sit in its row. */
const PACKAGE_END_DATE = T.packages.columns.findIndex(([name]) => name === 'end_date')
const PACKAGE_END_REASON = T.packages.columns.findIndex(([name]) => name === 'end_reason')

type TableName = keyof typeof T
/** Tables whose ids are given in time order as they are written: nothing refers to them. */
const NUMBERED_ON_WRITE: TableName[] = ['events', 'beds', 'homeCare', 'audit']

// ---------------------------------------------------------------------------------------------
// The council as the history sees it

interface Place {
  id: number
  organisationId: number
  serviceTypes: string[]
  specialisms: string[]
  clientGroups: string[]
  coordinates: Point | null
  coverage: string[]
  registeredBeds: number | null
  rural: boolean
  rating: RatingValue
  male: boolean | null
  female: boolean | null
  languages: string[]
  /** 0 (full, or nothing spare) to 1 (plenty of room); drifts, and falls with each award. */
  capacity: number
  /** Capacity reports a week, on average. */
  cadence: number
  bedTypes: string[]
  /** Reports of the last few weeks, oldest first: each has every figure the location reports. */
  reports: { at: number; values: Map<string, number> }[]
}

interface Actor {
  userId: number | null
  label: string
}

interface Home {
  postcode: string
  outcode: string
  localityId: number | null
  pcnAreaId: number | null
  coordinates: Point | null
  rural: boolean
}

interface Offer {
  id: number
  place: Place
  at: number
  pricePence: number
  earliestStart: string
  meetsAllNeeds: boolean
  visitIds: number[]
  status: 'submitted' | 'withdrawn' | 'accepted' | 'declined'
  version: number
  updatedAt: number
}

interface Request {
  id: number
  personId: number
  serviceType: RequestServiceType
  clientGroup: string
  specialisms: string[]
  home: Home
  maxDistanceMiles: number
  startDate: string
  urgency: 'routine' | 'urgent' | 'emergency'
  emergencyHours: number | null
  inHospital: boolean
  usualPricePence: number
  visits: VisitPattern[]
  /** Supported living's hours of support a week, in minutes; null for every other service. */
  supportMinutesPerWeek: number | null
  status: RequestStatus
  version: number
  createdAt: number
  updatedAt: number
  publishedAt: number | null
  deadlineAt: number | null
  closedAt: number | null
  cancelReason: string | null
}

/** The first instant of a London date. */
function startOfLondonDay(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return new TZDate(year, month - 1, day, 0, 0, 0, 0, LONDON).getTime()
}

export async function generateHistory(db: Database, options: HistoryOptions): Promise<HistorySummary> {
  const started = performance.now()
  const client = rawClient(db)
  const endMs = (options.end ?? new Date()).getTime()
  const writeAudit = options.audit ?? true
  const targetOffers = options.offersPerRequest ?? 7.5
  const rng = new Random(hashSeed(options.seed, 0x4157))
  const council = await getCouncilByCode(db, options.councilCode)
  const councilId = council.id
  const settings: BrokerageSettings = await getBrokerageSettings(db, councilId)
  const holidays = await getBankHolidays(db, councilId)

  const councilUsers = (await listCouncilUsers(db, councilId)).filter((u) => u.status !== 'disabled')
  const actorAs = (role: string, fallback: string): Actor => {
    const user = councilUsers.find((u) => u.role === role)
    return user ? { userId: user.id, label: user.email } : { userId: null, label: fallback }
  }
  const socialWorker = actorAs('social_worker', 'market history')
  const broker = actorAs('broker', 'market history')
  const deadlineScheduler: Actor = { userId: null, label: 'deadline scheduler' }
  const startScheduler: Actor = { userId: null, label: 'care start scheduler' }
  const eligibility: Actor = { userId: null, label: 'eligibility' }
  const awardSystem: Actor = { userId: null, label: 'award' }
  const providerActor = (organisationId: number): Actor => ({
    userId: null,
    label: `market history (provider ${organisationId})`,
  })

  // Where people live: the council's own districts and their postcodes, placed as requests place them.
  const districts = await loadCouncilDistricts(db, councilId)
  const ruralRows = await db
    .select({ outcode: councilDistricts.outcode, rural: councilDistricts.rural })
    .from(councilDistricts)
    .where(eq(councilDistricts.councilId, councilId))
  const rural = new Map(ruralRows.map((d) => [d.outcode, d.rural]))
  const postcodeRows =
    districts.size === 0
      ? []
      : await db
          .select({ postcode: postcodes.postcode })
          .from(postcodes)
          .where(inArray(sql`split_part(${postcodes.postcode}, ' ', 1)`, [...districts.keys()]))
          .orderBy(asc(postcodes.postcode))
  if (postcodeRows.length === 0)
    throw new ConflictError(`${council.code} has no postcodes to place people at`)
  const locator = await Locator.forCouncil(db, councilId)
  const placed = await locator.locateAll(postcodeRows.map((p) => ({ postcode: p.postcode })))
  const homes: Home[] = postcodeRows.map((p, i) => {
    const where = placed[i] as (typeof placed)[number]
    const outcode = where.outcode ?? (outcodeOf(p.postcode) as string)
    return {
      postcode: p.postcode,
      outcode,
      localityId: where.localityId,
      pcnAreaId: where.pcnAreaId,
      coordinates:
        where.latitude === null || where.longitude === null
          ? null
          : { latitude: where.latitude, longitude: where.longitude },
      rural: rural.get(outcode) ?? false,
    }
  })

  const coverageSet = await coverHomeCareDistricts(db, councilId, districts)
  const places = await loadPlaces(db, councilId, rural, rng)
  const activeCount = places.length
  const byServiceType = new Map<string, Place[]>()
  for (const place of places)
    for (const type of place.serviceTypes)
      byServiceType.set(type, [...(byServiceType.get(type) ?? []), place])

  // Ids: the caller's rows stay; ours follow them.
  const resume = options.resume
  const next: HistoryIds = resume ? { ...resume.firstIds } : await currentIds(db)
  const buffers = Object.fromEntries(
    (Object.keys(T) as TableName[]).map((name) => [name, new TableBuffer(T[name])]),
  ) as Record<TableName, TableBuffer>

  // Rows wait in the week they happen in, and are written in time order when that week is done.
  const weeks = options.weeks
  const start = mondayOf(new Date(endMs - weeks * 7 * DAY)).getTime()
  const weekOf = (at: number) => Math.floor((at - start) / (7 * DAY))
  // Monday of the first week may be a few days before `weeks` weeks ago.
  const spanWeeks = (endMs - start) / (7 * DAY)
  const pending = new Map<number, { at: number; table: TableName; row: Cell[] }[]>()
  const past = (at: number) => at <= endMs
  const emit = (table: TableName, at: number, row: Cell[]) => {
    if (!past(at)) return
    const week = Math.max(0, weekOf(at))
    const list = pending.get(week) ?? []
    list.push({ at, table, row })
    pending.set(week, list)
  }
  const audit = (
    at: number,
    actor: Actor,
    action: string,
    entityType: string,
    entityId: number,
    details: Record<string, unknown>,
  ) => {
    if (!writeAudit) return
    emit('audit', at, [
      null,
      councilId,
      new Date(at),
      actor.userId,
      actor.label,
      action,
      entityType,
      String(entityId),
      details,
    ])
  }

  const summary: HistorySummary = {
    from: londonDate(new Date(start)),
    to: londonDate(new Date(endMs)),
    weeks,
    requests: 0,
    published: 0,
    republished: 0,
    withOffers: 0,
    offers: 0,
    meanOffersPerRequest: 0,
    awarded: 0,
    started: 0,
    unsourced: 0,
    cancelled: 0,
    packages: 0,
    packagesEnded: 0,
    invitations: 0,
    capacityUpdates: 0,
    auditEntries: 0,
    coverageSet,
    seconds: 0,
  }

  // ---- Capacity ----

  const reporting = places.filter((p) => p.bedTypes.length > 0 || p.coverage.length > 0)
  const rowsPerReport = (p: Place) => (p.bedTypes.length > 0 ? p.bedTypes.length : p.coverage.length)
  const weeklyRows = reporting.reduce((sum, p) => sum + rowsPerReport(p) * p.cadence, 0)
  const cadenceScale = weeklyRows === 0 ? 0 : options.capacityUpdates / spanWeeks / weeklyRows

  function report(place: Place, at: number) {
    place.capacity = Math.min(1, Math.max(0, place.capacity + rng.normal() * 0.05 + 0.01))
    const values = new Map<string, number>()
    const actor = providerActor(place.organisationId)
    const source = rng.chance(0.7) ? 'api' : rng.chance(0.7) ? 'web' : 'csv'
    if (place.bedTypes.length > 0) {
      const beds = place.registeredBeds ?? 0
      // Each type at most 20% of the beds, so that together they never pass the registered beds.
      const most = Math.min(8, Math.floor(beds * 0.2))
      for (const bedType of place.bedTypes) {
        const vacancies = Math.min(
          most,
          Math.round(place.capacity * Math.min(8, beds * 0.15) * rng.between(0.7, 1.3)),
        )
        values.set(bedType, vacancies)
        emit('beds', at, [null, councilId, place.id, bedType, vacancies, new Date(at), actor.label, source])
      }
    } else {
      for (const outcode of place.coverage) {
        const minutes = Math.round(place.capacity * rng.between(0, 40) * 60)
        values.set(outcode, minutes)
        emit('homeCare', at, [null, councilId, place.id, outcode, minutes, new Date(at), actor.label, source])
      }
    }
    if (past(at)) summary.capacityUpdates += values.size
    place.reports.push({ at, values })
    audit(at, actor, 'capacity.reported', 'provider_organisation', place.organisationId, {
      source,
      bedReports: place.bedTypes.length > 0 ? values.size : 0,
      homeCareReports: place.bedTypes.length > 0 ? 0 : values.size,
      locationIds: [place.id],
    })
  }

  /** The newest figure under `key` reported by `at`, with when. */
  function latest(
    place: Place,
    key: string | null,
    at: number,
  ): { available: number; reportedAt: Date } | null {
    if (key === null) return null
    for (let i = place.reports.length - 1; i >= 0; i--) {
      const r = place.reports[i] as Place['reports'][number]
      if (r.at > at) continue
      const value = r.values.get(key)
      return value === undefined ? null : { available: value, reportedAt: new Date(r.at) }
    }
    return null
  }

  // ---- One request, from arrival to the end of its brokerage ----

  let offerScale = 1
  const rates = weeklyArrivals(activeCount, 1)
  const ratePerWeek = Object.values(rates).reduce((a, b) => a + b, 0)
  const volume = ratePerWeek === 0 ? 0 : options.requests / spanWeeks / ratePerWeek
  const requestsWithOffers = new Set<number>()

  function newPerson(serviceType: RequestServiceType, today: string) {
    const sex = rng.chance(0.62) ? 'female' : 'male'
    const first = rng.pick(sex === 'female' ? FEMALE_NAMES : MALE_NAMES)
    const surname = `${rng.pick(SURNAME_STARTS)}${rng.pick(SURNAME_ENDS)}`
    const younger = serviceType === 'supported_living' || serviceType === 'day_opportunities'
    const age = younger ? rng.int(19, 60) : rng.int(68, 97)
    return {
      name: `${first} ${surname}`,
      sex,
      dateOfBirth: addCalendarDays(today, -(age * 365 + rng.int(0, 364))),
      clientGroup: younger ? 'younger_adults' : 'older_people',
    }
  }

  function transition(
    request: Request,
    to: RequestStatus,
    at: number,
    actor: Actor,
    action: string,
    reason: string | null,
    details: Record<string, unknown> = {},
  ) {
    const from = request.status
    emit('events', at, [null, councilId, request.id, from, to, reason, actor.label, new Date(at)])
    audit(at, actor, action, 'sourcing_request', request.id, {
      from,
      to,
      ...(reason ? { reason } : {}),
      ...details,
    })
    request.status = to
    request.version++
    request.updatedAt = at
  }

  /** The invited locations of a publication round, decided by the eligibility rules. */
  function invite(request: Request, round: number, at: number): Place[] {
    const mapped = REQUEST_SERVICE_TYPE_MAP[request.serviceType]
    const coverage = reachRule(request.serviceType) === 'coverage'
    const centre = request.home.coordinates
    // The rules decide in full only what offers the service and is within reach, as SQL narrows it.
    const near = (byServiceType.get(mapped.serviceType) ?? []).filter((p) => {
      if (coverage && p.coverage.includes(request.home.outcode)) return true
      if (!centre || !p.coordinates) return true
      return greatCircleMiles(centre, p.coordinates) <= request.maxDistanceMiles + 0.5
    })
    const key = mapped.bedType ?? (coverage ? request.home.outcode : null)
    const candidates = near.map(
      (p): EligibilityCandidate => ({
        locationId: p.id,
        serviceTypes: p.serviceTypes,
        specialisms: p.specialisms,
        clientGroups: p.clientGroups,
        coordinates: p.coordinates,
        coverageOutcodes: p.coverage,
        effectiveRating: p.rating,
        restrictions: [],
        admittedToLot: null,
        capacity: latest(p, key, at),
        maleCareWorkers: p.male,
        femaleCareWorkers: p.female,
        languages: p.languages,
      }),
    )
    const decisions = decideAll(
      {
        serviceType: request.serviceType,
        clientGroup: request.clientGroup as ClientGroup,
        specialisms: request.specialisms as Specialism[],
        outcode: request.home.outcode,
        coordinates: centre,
        maxDistanceMiles: request.maxDistanceMiles,
        lotId: null,
        lotName: null,
        carerGender: null,
        language: null,
        startDate: request.startDate,
      },
      candidates,
      settings,
      new Date(at),
    )
    const byId = new Map(near.map((p) => [p.id, p]))
    const invited = decisions.filter((d) => d.eligible)
    for (const d of invited)
      emit('decisions', at, [
        councilId,
        request.id,
        round,
        d.locationId,
        true,
        [],
        d.flags.map(({ code, text }) => ({ code, text })),
        d.rankPenalty,
        new Date(at),
      ])
    if (past(at)) summary.invitations += invited.length
    audit(at, eligibility, 'request.invitations_sent', 'sourcing_request', request.id, {
      round,
      invited: invited.length,
      excluded: activeCount - invited.length,
      organisations: new Set(invited.map((d) => byId.get(d.locationId)?.organisationId)).size,
    })
    return invited.map((d) => byId.get(d.locationId) as Place)
  }

  function makeOffers(request: Request, invited: Place[], publishedAt: number, deadline: number): Offer[] {
    if (invited.length === 0) return []
    // Some requests are hard to serve: a log-normal share of the usual interest, less in rural areas.
    const appetite = Math.exp(0.8 * rng.normal() - 0.32) * (request.home.rural ? 0.6 : 1)
    const expected = targetOffers * offerScale * appetite
    const weight = (p: Place) => (p.rural ? RURAL_FACTOR : 1) * (0.1 + 0.9 * p.capacity)
    const total = invited.reduce((sum, place) => sum + weight(place), 0)
    const made: Offer[] = []
    const unit = USUAL_PRICE_POUNDS[request.serviceType] * 100
    const visitIds = request.visits.map((v) => v.id)
    for (const place of invited) {
      if (!rng.chance(Math.min(0.95, (expected * weight(place)) / total))) continue
      const at = publishedAt + rng.between(0.05, 0.9) * Math.max(0, deadline - publishedAt - HOUR)
      const today = londonDate(new Date(at))
      const from = request.startDate > today ? request.startDate : today
      const meetsAllNeeds = rng.chance(0.9)
      const covered =
        visitIds.length > 1 && rng.chance(0.25)
          ? visitIds.filter((_, i) => i === 0 || rng.chance(0.5))
          : visitIds
      const offer: Offer = {
        id: 0,
        place,
        at,
        pricePence: Math.round(rng.between(0.93, 1.12) * unit),
        earliestStart: addCalendarDays(from, rng.pick([0, 0, 1, 3])),
        meetsAllNeeds,
        visitIds: covered,
        status: 'submitted',
        version: 1,
        updatedAt: at,
      }
      if (!past(at)) continue
      offer.id = ++next.offers
      made.push(offer)
      if (rng.chance(WITHDRAWN_SHARE)) {
        const withdrawnAt = at + rng.next() * Math.max(0, deadline - at - MINUTE)
        if (past(withdrawnAt)) {
          offer.status = 'withdrawn'
          offer.version++
          offer.updatedAt = withdrawnAt
          audit(withdrawnAt, providerActor(place.organisationId), 'offer.withdrawn', 'offer', offer.id, {
            requestId: request.id,
          })
        }
      }
      audit(at, providerActor(place.organisationId), 'offer.submitted', 'offer', offer.id, {
        requestId: request.id,
        locationId: place.id,
        pricePence: offer.pricePence,
        visitIds: offer.visitIds,
      })
    }
    return made
  }

  function forScoring(request: Request, offer: Offer, at: number): OfferForScoring {
    const mapped = REQUEST_SERVICE_TYPE_MAP[request.serviceType]
    const centre = request.home.coordinates
    const capacity = latest(offer.place, mapped.bedType ?? request.home.outcode, at)
    return {
      offerId: offer.id,
      locationId: offer.place.id,
      pricePence: offer.pricePence,
      rating: offer.place.rating,
      distanceMiles:
        centre && offer.place.coordinates ? greatCircleMiles(centre, offer.place.coordinates) : null,
      submittedAt: new Date(offer.at),
      restrictions: [],
      capacityReportedAt: capacity?.reportedAt ?? null,
      capacityAvailable: capacity?.available ?? null,
      earliestStart: offer.earliestStart,
    }
  }

  function decline(request: Request, offers: Offer[], at: number, why: string) {
    for (const offer of offers) {
      offer.status = 'declined'
      offer.version++
      offer.updatedAt = at
      audit(at, awardSystem, 'offer.declined', 'offer', offer.id, { requestId: request.id, reason: why })
    }
  }

  interface Award {
    id: number
    offer: Offer
    slots: number[]
    startDate: string
    at: number
    row: Cell[]
  }

  function award(
    request: Request,
    offers: Offer[],
    awards: Award[],
    filled: Set<number>,
    chosen: {
      offer: Offer
      slots: number[]
      rank: number
      aboveUsualPrice: boolean
      choiceReason: string | null
    },
    at: number,
  ) {
    const { offer, slots } = chosen
    const covered = request.visits.filter((v) => slots.includes(v.id))
    const unit = priceUnitFor(request.serviceType)
    const weekly = weeklyCostPence(unit, offer.pricePence, covered, request.supportMinutesPerWeek)
    const id = ++next.packages
    const startDate = packageStartDate(request.startDate, offer.earliestStart)
    const aboveReason = chosen.aboveUsualPrice ? 'No offer within the usual price could start in time' : null
    const row: Cell[] = [
      id,
      councilId,
      request.id,
      offer.id,
      request.personId,
      offer.place.id,
      offer.place.organisationId,
      request.serviceType,
      offer.pricePence,
      request.usualPricePence,
      weekly,
      packageMinutesPerWeek(covered, request.supportMinutesPerWeek),
      covered.map((v) => v.id),
      aboveReason,
      chosen.choiceReason,
      startDate,
      null,
      null,
      new Date(at),
      broker.label,
    ]
    awards.push({ id, offer, slots, startDate, at, row })
    for (const slot of slots) {
      filled.add(slot)
      emit('slots', at, [councilId, request.id, slot, id])
    }
    if (offer.status !== 'accepted') {
      offer.status = 'accepted'
      offer.version++
      offer.updatedAt = at
    }
    if (request.status === 'closed')
      transition(request, 'awarded', at, broker, 'sourcing_request.awarded', `Offer ${offer.id} accepted`, {
        offerId: offer.id,
        packageId: id,
      })
    audit(at, broker, 'offer.accepted', 'offer', offer.id, {
      requestId: request.id,
      packageId: id,
      slots,
      rank: chosen.rank,
      topRanked: chosen.rank === 1,
      choiceReason: chosen.choiceReason,
      topUpPencePerWeek: null,
      aboveUsualPriceReason: aboveReason,
      qualitySignOffBy: null,
      weeklyCostPence: weekly,
    })
    const allSlots = request.visits.length === 0 ? [0] : request.visits.map((v) => v.id)
    const losers = offers.filter(
      (o) =>
        o !== offer &&
        o.status === 'submitted' &&
        (allSlots[0] === 0 || o.visitIds.every((v) => filled.has(v))),
    )
    decline(request, losers, at, 'Another offer was chosen')
    offer.place.capacity = Math.max(0, offer.place.capacity - (allSlots[0] === 0 ? 0.15 : 0.1))
  }

  /** Awards what can be awarded, as a broker does (simulate.ts): the awards made, none if unsourced. */
  function decide(request: Request, offers: Offer[], at: number): Award[] {
    const now = new Date(at)
    const context: ScoringContext = {
      usualPricePence: request.usualPricePence,
      maxDistanceMiles: request.maxDistanceMiles,
      priceUnit: priceUnitFor(request.serviceType),
      now,
      neededStart: request.startDate,
      capacityMeasure: REQUEST_SERVICE_TYPE_MAP[request.serviceType].bedType ? 'vacancies' : 'spare_hours',
    }
    const live = () => offers.filter((o) => o.status === 'submitted' || o.status === 'accepted')
    const byId = new Map(offers.map((o) => [o.id, o]))
    const shortlist = rankOffers(
      live().map((o) => forScoring(request, o, at)),
      context,
      settings,
    )
    const awards: Award[] = []
    const filled = new Set<number>()
    if (shortlist.ranked.length === 0) return awards
    if (request.visits.length === 0 || isCareHome(request.serviceType)) {
      const other = shortlist.ranked.length > 1 && rng.chance(PERSON_CHOOSES_OTHER)
      const chosen = shortlist.ranked[other ? 1 : 0] as (typeof shortlist.ranked)[number]
      award(
        request,
        offers,
        awards,
        filled,
        {
          offer: byId.get(chosen.offerId) as Offer,
          slots: [0],
          rank: chosen.rank,
          aboveUsualPrice: chosen.flags.aboveUsualPrice,
          choiceReason: other ? rng.pick(CHOICE_REASONS) : null,
        },
        at,
      )
      return awards
    }
    // Home care: each visit to its top-ranked offer, a provider at a time.
    for (let round = 0; round < 8; round++) {
      const slotIds = request.visits.map((v) => v.id)
      const perVisit = rankPerSlot(
        slotIds,
        live().map((o) => ({ ...forScoring(request, o, at), slotIds: o.visitIds })),
        context,
        settings,
      )
      const open = perVisit.slots.find((s) => !filled.has(Number(s.slotId)) && s.top)
      const top = open?.top
      if (!top) break
      const slots = perVisit.slots
        .filter((s) => !filled.has(Number(s.slotId)) && s.top?.offerId === top.offerId)
        .map((s) => Number(s.slotId))
      award(
        request,
        offers,
        awards,
        filled,
        {
          offer: byId.get(top.offerId) as Offer,
          slots,
          rank: top.rank,
          aboveUsualPrice: top.flags.aboveUsualPrice,
          choiceReason: null,
        },
        at,
      )
    }
    return awards
  }

  function writeOffers(request: Request, offers: Offer[]) {
    for (const o of offers)
      emit('offers', o.at, [
        o.id,
        councilId,
        request.id,
        o.place.id,
        o.place.organisationId,
        o.pricePence,
        o.earliestStart,
        o.meetsAllNeeds,
        o.meetsAllNeeds ? '' : 'We cannot meet overnight needs at present.',
        o.visitIds,
        o.status,
        o.version,
        new Date(o.at),
        new Date(o.updatedAt),
      ])
  }

  function arrive(serviceType: RequestServiceType, at: number) {
    const today = londonDate(new Date(at))
    const person = newPerson(serviceType, today)
    const home = rng.pick(homes)
    const roll = rng.next()
    const urgency = roll < 0.1 ? 'emergency' : roll < 0.4 ? 'urgent' : 'routine'
    const homeCare = serviceType === 'home_care'
    const request: Request = {
      id: ++next.requests,
      personId: ++next.people,
      serviceType,
      clientGroup: person.clientGroup,
      specialisms: serviceType.startsWith('dementia') ? ['dementia'] : [],
      home,
      maxDistanceMiles: homeCare ? 10 : rng.pick([10, 15, 15, 20]),
      startDate: addCalendarDays(today, urgency === 'emergency' ? 1 : urgency === 'urgent' ? 4 : 14),
      urgency,
      emergencyHours: urgency === 'emergency' ? rng.pick([24, 48]) : null,
      inHospital: urgency !== 'routine' && rng.chance(0.6),
      usualPricePence: Math.round(USUAL_PRICE_POUNDS[serviceType] * 100),
      visits: (homeCare ? homeCareVisits(rng) : []).map((v) => ({ ...v, id: ++next.visits })),
      supportMinutesPerWeek:
        serviceType === 'supported_living' ? supportHoursPerWeek(next.requests) * 60 : null,
      status: 'draft',
      version: 1,
      createdAt: at,
      updatedAt: at,
      publishedAt: null,
      deadlineAt: null,
      closedAt: null,
      cancelReason: null,
    }
    const needsSummary = rng.pick(NEEDS)
    summary.requests++
    emit('people', at, [
      request.personId,
      councilId,
      person.name,
      person.dateOfBirth,
      person.sex,
      home.postcode,
      home.outcode,
      home.localityId,
      home.pcnAreaId,
      new Date(at),
    ])
    for (const v of request.visits)
      emit('visits', at, [
        v.id,
        councilId,
        request.id,
        v.days,
        v.windowStart,
        v.windowEnd,
        v.durationMinutes,
        v.carers,
      ])
    emit('events', at, [null, councilId, request.id, null, 'draft', null, socialWorker.label, new Date(at)])
    audit(at, socialWorker, 'sourcing_request.created', 'sourcing_request', request.id, {
      serviceType,
      visits: request.visits.length,
    })

    live(request, at)

    // The request's row as its history left it.
    emit('requests', at, [
      request.id,
      councilId,
      request.personId,
      socialWorker.userId,
      serviceType,
      request.clientGroup,
      request.specialisms,
      needsSummary,
      home.postcode,
      home.outcode,
      home.coordinates?.latitude ?? null,
      home.coordinates?.longitude ?? null,
      request.maxDistanceMiles,
      request.startDate,
      request.urgency,
      request.emergencyHours,
      request.inHospital,
      request.usualPricePence,
      request.supportMinutesPerWeek,
      request.status,
      request.publishedAt === null ? null : new Date(request.publishedAt),
      request.deadlineAt === null ? null : new Date(request.deadlineAt),
      request.closedAt === null ? null : new Date(request.closedAt),
      request.cancelReason,
      request.version,
      new Date(request.createdAt),
      new Date(request.updatedAt),
    ])
  }

  /** Everything that happens to a request after it is created, up to the end of the history. */
  function live(request: Request, arrivedAt: number) {
    let at = arrivedAt + 15 * MINUTE
    if (!past(at)) return
    transition(request, 'submitted', at, socialWorker, 'sourcing_request.submitted', null)
    if (rng.chance(CANCELLED_BEFORE_PUBLISH)) {
      at += 15 * MINUTE
      if (!past(at)) return
      const reason = rng.pick(CANCEL_REASONS)
      request.cancelReason = reason
      transition(request, 'cancelled', at, socialWorker, 'sourcing_request.cancelled', reason)
      summary.cancelled++
      return
    }
    at = arrivedAt + HOUR
    for (let round = 1; ; round++) {
      if (!past(at)) return
      // A republication widens the search, and moves a start date that has passed.
      const changes: string[] = []
      const widened: Record<string, unknown> = {}
      if (round > 1) {
        changes.push(`maximum distance ${request.maxDistanceMiles} to ${request.maxDistanceMiles + 5} miles`)
        request.maxDistanceMiles += 5
        widened.maxDistanceMiles = request.maxDistanceMiles
        const today = londonDate(new Date(at))
        if (request.startDate < today) {
          const startDate = addCalendarDays(today, 7)
          changes.push(`start date ${formatDate(request.startDate)} to ${formatDate(startDate)}`)
          request.startDate = startDate
          widened.startDate = startDate
        }
      }
      const window = responseWindow(
        {
          publishedAt: new Date(at),
          startDate: request.startDate,
          emergency: request.urgency === 'emergency',
          emergencyHours:
            request.emergencyHours === 24 || request.emergencyHours === 48 ? request.emergencyHours : null,
        },
        settings,
        holidays,
      )
      request.publishedAt = at
      request.deadlineAt = window.deadline.getTime()
      request.closedAt = null
      const published = { round, deadlineAt: window.deadline.toISOString(), window: window.explanation }
      if (round === 1) {
        transition(request, 'published', at, broker, 'sourcing_request.published', null, published)
        summary.published++
      } else {
        transition(
          request,
          'published',
          at,
          broker,
          'sourcing_request.republished',
          `Widened: ${changes.join('; ')}`,
          {
            widened,
            ...published,
          },
        )
        summary.republished++
      }
      const closeAt = (request.deadlineAt as number) + rng.int(0, 50_000)
      const invited = invite(request, round, at)
      const offers = makeOffers(request, invited, at, request.deadlineAt as number)
      if (offers.length > 0) requestsWithOffers.add(request.id)
      summary.offers += offers.length
      if (!past(closeAt)) {
        writeOffers(request, offers)
        return
      }
      request.closedAt = closeAt
      transition(request, 'closed', closeAt, deadlineScheduler, 'sourcing_request.closed', DEADLINE_REASON, {
        deadlineAt: new Date(request.deadlineAt as number).toISOString(),
      })
      const decideAt = closeAt + rng.int(10, 90) * MINUTE
      if (!past(decideAt)) {
        writeOffers(request, offers)
        return
      }
      const awards = decide(request, offers, decideAt)
      if (awards.length > 0) {
        summary.awarded++
        writeOffers(request, offers)
        afterAward(request, awards)
        return
      }
      transition(
        request,
        'unsourced',
        decideAt,
        broker,
        'sourcing_request.marked_unsourced',
        'No acceptable offer',
      )
      summary.unsourced++
      decline(
        request,
        offers.filter((o) => o.status === 'submitted'),
        decideAt,
        'No offer was accepted',
      )
      writeOffers(request, offers)
      // The person waits on the Interim Care List until the search is widened or given up.
      at = decideAt + rng.between(2, 28) * DAY
      if (round >= MAX_ROUNDS || rng.chance(0.25)) {
        at += rng.between(0, 60) * DAY
        if (!past(at)) return
        const reason = rng.pick(GIVE_UP_REASONS)
        request.cancelReason = reason
        transition(request, 'cancelled', at, broker, 'sourcing_request.cancelled', reason)
        summary.cancelled++
        return
      }
    }
  }

  /** Care starts with the first package; later the person's care ends, and with it every package. */
  function afterAward(request: Request, awards: Award[]) {
    const first = [...awards].sort(
      (a, b) => a.startDate.localeCompare(b.startDate) || a.id - b.id,
    )[0] as Award
    const lastAward = Math.max(...awards.map((a) => a.at))
    const startAt = Math.max(lastAward + MINUTE, startOfLondonDay(first.startDate) + MINUTE)
    if (past(startAt)) {
      transition(
        request,
        'started',
        startAt,
        startScheduler,
        'sourcing_request.started',
        `Package ${first.id} started on ${formatDate(first.startDate)}`,
        { packageId: first.id, startDate: first.startDate },
      )
      summary.started++
    }
    const weeksOfCare = -Math.log(1 - rng.next()) * MEAN_WEEKS[request.serviceType]
    const latestStart = awards.reduce((d, a) => (a.startDate > d ? a.startDate : d), first.startDate)
    let endDate = addCalendarDays(first.startDate, Math.round(weeksOfCare * 7))
    if (endDate < latestStart) endDate = latestStart
    const endedAt = Math.max(startOfLondonDay(endDate) + 10 * HOUR, lastAward + HOUR)
    const ended = past(endedAt)
    const endReason = rng.pick(END_REASONS)
    for (const a of awards) {
      if (ended) {
        a.row[PACKAGE_END_DATE] = endDate
        a.row[PACKAGE_END_REASON] = endReason
        audit(endedAt, broker, 'package.ended', 'package', a.id, { endDate, reason: endReason })
        summary.packagesEnded++
      }
      emit('packages', a.at, a.row)
      summary.packages++
    }
  }

  // ---- Week by week ----

  // A week is written while the next is worked out; the one before must be in first, for its keys.
  let writing: Promise<void> = Promise.resolve()
  let flushed = 0
  async function flushWeek(week: number) {
    const rows = (pending.get(week) ?? []).sort((a, b) => a.at - b.at)
    pending.delete(week)
    await writing
    const index = flushed++
    // Written by an earlier run: its rows are the same, so only the counters move on.
    const skip = resume !== undefined && index < resume.weeksWritten
    for (const { table, row } of rows) {
      if (NUMBERED_ON_WRITE.includes(table))
        row[0] = ++next[table as 'events' | 'beds' | 'homeCare' | 'audit']
      if (!skip) buffers[table].add(row)
    }
    if (skip) return
    if (resume) {
      for (const [name, table] of ID_TABLES)
        if (next[name] - resume.firstIds[name] > resume.reserved[name])
          throw new Error(`the history needs more ids in ${table} than were kept for it`)
      await resume.beforeWeek?.(index)
      writing = withRawTransaction(db, async (tx) => {
        await writeBuffers(tx)
        await resume.written(tx, index + 1)
      })
    } else writing = writeBuffers(client)
    // Settled by the next flush; a failure meanwhile must not go unhandled.
    writing.catch(() => {})
  }

  /** Parents first; then the tables that only refer to them, at once (PostgreSQL gives each a connection). */
  async function writeBuffers(client: RawClient) {
    await buffers.people.flush(client)
    await buffers.requests.flush(client)
    await Promise.all([
      buffers.visits.flush(client),
      buffers.events.flush(client),
      buffers.decisions.flush(client),
      (async () => {
        await buffers.offers.flush(client)
        await buffers.packages.flush(client)
        await buffers.slots.flush(client)
      })(),
      buffers.beds.flush(client),
      buffers.homeCare.flush(client),
      buffers.audit.flush(client),
    ])
  }

  const lastWeek = weekOf(endMs)
  for (let week = 0; week <= lastWeek; week++) {
    const monday = start + week * 7 * DAY
    for (const place of reporting) {
      const count = poisson(place.cadence * cadenceScale, () => rng.next())
      const times = Array.from({ length: count }, () => monday + rng.next() * 7 * DAY).sort((a, b) => a - b)
      for (const at of times) if (past(at)) report(place, at)
      // What eligibility and ranking read is the newest few weeks.
      const keepFrom = monday - 21 * DAY
      while (place.reports.length > 1 && (place.reports[1] as Place['reports'][number]).at < keepFrom)
        place.reports.shift()
    }
    const arrivals: { at: number; serviceType: RequestServiceType }[] = []
    for (const [serviceType, rate] of Object.entries(rates) as [RequestServiceType, number][]) {
      const count = poisson(rate * volume, () => rng.next())
      for (let i = 0; i < count; i++) {
        // Working days, 09:00 to 16:00 UTC, as the simulator has them.
        const at = monday + rng.int(0, 4) * DAY + HOUR + Math.floor(rng.next() * 7 * HOUR)
        if (past(at)) arrivals.push({ at, serviceType })
      }
    }
    arrivals.sort((a, b) => a.at - b.at)
    for (const [i, { at, serviceType }] of arrivals.entries()) {
      arrive(serviceType, at)
      // Written in the background while the service answers: let its requests in between.
      if (resume && i % 4 === 3) await new Promise((resolve) => setImmediate(resolve))
    }
    await flushWeek(week)
    // Offers come in at the rate asked for, whatever the council's shape: steer the interest.
    if (summary.requests > 200) {
      const ratio = summary.offers / summary.requests
      offerScale *= Math.min(1.25, Math.max(0.8, (targetOffers / Math.max(0.1, ratio)) ** 0.3))
    }
    options.onProgress?.(week + 1, lastWeek + 1)
  }
  // Anything still pending happened after the last full week (but before the end).
  for (const week of [...pending.keys()].sort((a, b) => a - b)) await flushWeek(week)
  await writing

  // A history written in the background took ids from a block kept for it: the sequences are past it.
  if (!resume) for (const [, table] of ID_TABLES) await resetIdentity(client, table)
  // Written past the services, the history's spells on the Interim Care List are made from it.
  await rebuildIclSpells(db, councilId)
  await rebuildRequestOutcomes(db, councilId)

  summary.withOffers = requestsWithOffers.size
  summary.meanOffersPerRequest =
    summary.requests === 0 ? 0 : Math.round((summary.offers / summary.requests) * 100) / 100
  summary.auditEntries = buffers.audit.written
  summary.seconds = Math.round((performance.now() - started) / 100) / 10
  return summary
}

/**
 * Gives every home care office without recorded coverage the council's districts within
 * COVERAGE_MILES of it, through the provider profile service, so that it can report spare hours.
 */
async function coverHomeCareDistricts(
  db: Database,
  councilId: number,
  districts: Awaited<ReturnType<typeof loadCouncilDistricts>>,
): Promise<number> {
  const rows = await db
    .select({
      id: locationsTable.id,
      organisationId: locationsTable.providerOrganisationId,
      serviceTypes: locationsTable.serviceTypes,
      specialisms: locationsTable.specialisms,
      latitude: locationsTable.latitude,
      longitude: locationsTable.longitude,
      postcode: locationsTable.postcode,
      languages: locationsTable.languages,
      male: locationsTable.maleCareWorkers,
      female: locationsTable.femaleCareWorkers,
    })
    .from(locationsTable)
    .where(sql`${locationsTable.councilId} = ${councilId} and ${locationsTable.active}`)
    .orderBy(asc(locationsTable.id))
  const homeCare = rows.filter((r) => coversDistricts(r))
  const covered = await coverageOf(
    db,
    councilId,
    homeCare.map((r) => r.id),
  )
  const answer = (v: boolean | null) => (v === null ? 'not_stated' : v ? 'yes' : 'no')
  let set = 0
  for (const row of homeCare) {
    if ((covered.get(row.id) ?? []).length > 0) continue
    const own = outcodeOf(row.postcode)
    const office =
      row.latitude !== null && row.longitude !== null
        ? { latitude: row.latitude, longitude: row.longitude }
        : null
    const near = [...districts.values()]
      .filter(
        (d) =>
          d.outcode === own ||
          (office && d.centroid && greatCircleMiles(office, d.centroid) <= COVERAGE_MILES),
      )
      .map((d) => d.outcode)
      .slice(0, 12)
    if (near.length === 0) continue
    await updateLocationProfile(
      db,
      { councilId, providerOrganisationId: row.organisationId },
      { kind: 'system', label: `market history (provider ${row.organisationId})` },
      row.id,
      {
        coverage: near.join(', '),
        specialisms: row.specialisms.filter((s): s is Specialism =>
          (SPECIALISMS as readonly string[]).includes(s),
        ),
        languages: row.languages.join(', '),
        maleCareWorkers: answer(row.male),
        femaleCareWorkers: answer(row.female),
      },
    )
    set++
  }
  return set
}

/** The council's active locations with what eligibility, ranking and capacity need of each. */
async function loadPlaces(
  db: Database,
  councilId: number,
  rural: Map<string, boolean>,
  rng: Random,
): Promise<Place[]> {
  const rows = await db
    .select()
    .from(locationsTable)
    .where(sql`${locationsTable.councilId} = ${councilId} and ${locationsTable.active}`)
    .orderBy(asc(locationsTable.id))
  const ids = rows.map((r) => r.id)
  const coverage = await coverageOf(db, councilId, ids)
  const ratings = await effectiveRatings(db, councilId, ids)
  return rows.map((r) => {
    // A quarter of providers are full or short of staff; the rest have some room (simulate.ts).
    const full = rng.chance(0.25)
    const bedTypes = (r.registeredBeds ?? 0) > 0 ? bedTypesFor(r) : []
    // Some report every day or two, most weekly, a few hardly ever.
    const roll = rng.next()
    const cadence = roll < 0.15 ? 0.15 : roll < 0.75 ? 1 : 3
    return {
      id: r.id,
      organisationId: r.providerOrganisationId,
      serviceTypes: r.serviceTypes,
      specialisms: r.specialisms,
      clientGroups: r.clientGroups,
      coordinates:
        r.latitude !== null && r.longitude !== null ? { latitude: r.latitude, longitude: r.longitude } : null,
      coverage: coversDistricts(r) ? (coverage.get(r.id) ?? []) : [],
      registeredBeds: r.registeredBeds,
      rural: rural.get(outcodeOf(r.postcode) ?? '') ?? false,
      rating: (ratings.get(r.id)?.rating ?? 'Not yet rated') as RatingValue,
      male: r.maleCareWorkers,
      female: r.femaleCareWorkers,
      languages: r.languages,
      capacity: full ? rng.between(0, 0.1) : rng.between(0.2, 1),
      cadence,
      bedTypes,
      reports: [],
    }
  })
}
