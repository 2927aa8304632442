// A market simulator: weeks of brokerage activity in one council, run through the real services
// with a simulated clock, so that a demo council has a believable history (requests, offers,
// awards, the Interim Care List). It never writes a table itself: every row comes from a service,
// with the request history and audit entries those services write.
//
// Each simulated week:
// - requests arrive on working days at the rates of rates.ts; a social worker creates and submits
//   each one, and a broker publishes it (a few are cancelled first);
// - each invited location offers with a chance that falls with rurality and lack of capacity;
// - at the end of each day the deadline service closes the requests that are due, and a broker
//   awards the top-ranked offer (sometimes the person chooses another, with a reason), or marks
//   the request unsourced; then awarded requests whose first package has started become started;
// - care homes report their vacancies (every one in the first week, about 60% in later weeks),
//   through the capacity service, so eligibility and scoring see fresh capacity;
// - now and then a provider leaves, a service closes or opens, or a home changes its beds: market
//   events a commissioner records (src/market/events/simulate.ts), after the year before the start.

import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { getCouncilByCode, type SessionUser } from '../accounts/service.ts'
import { listCouncilUsers } from '../accounts/users/service.ts'
import type { Actor } from '../audit/service.ts'
import { startDueRequests } from '../brokerage/care-starts.ts'
import { closeDueRequests } from '../brokerage/deadlines.ts'
import { award, evaluateOffers, markUnsourced } from '../brokerage/offers/award.ts'
import { makeOffer } from '../brokerage/offers/service.ts'
import type { SystemCaller } from '../brokerage/requests/callers.ts'
import { actorFor, cancel, createRequest, publish, submit } from '../brokerage/requests/service.ts'
import type { SourcingRequest } from '../brokerage/requests/store.ts'
import { addCalendarDays, type RequestServiceType } from '../brokerage/rules/index.ts'
import { eligibilityDecisions } from '../brokerage/schema.ts'
import {
  CANCELLED_BEFORE_PUBLISH,
  PERSON_CHOOSES_OTHER,
  poisson,
  responseProbability,
  supportHoursPerWeek,
  weeklyArrivals,
} from '../brokerage/simulator/rates.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { ConflictError, UnprocessableError } from '../errors.ts'
import { outcodeOf } from '../geography/rules.ts'
import { councilDistricts, postcodes } from '../geography/schema.ts'
import { MarketEventSimulator } from '../market/events/simulate.ts'
import { bedTypesFor } from '../providers/capacity/rules.ts'
import { type CapacityInput, recordCapacity } from '../providers/capacity/service.ts'
import { listLocations } from '../providers/service.ts'
import { wireDomainEvents } from '../services.ts'
import { londonDate } from '../shared/dates.ts'
import { hashSeed, Random } from '../shared/random.ts'

export interface SimulateOptions {
  councilCode: string
  weeks: number
  seed: number
  /** The simulated clock starts here (moved to 08:00 UTC on the Monday of that week). */
  start?: Date
  /** 1 is the council's full rate of requests; less for a quick run. */
  volume?: number
  onProgress?: (weeksDone: number, weeks: number) => void
}

export interface SimulationSummary {
  weeks: number
  seed: number
  /** Requests created. */
  requests: number
  published: number
  /** Published requests with at least one offer. */
  withOffers: number
  /** withOffers / published. */
  responseRate: number
  offers: number
  /** Requests awarded (wholly or, for home care, in part). */
  awarded: number
  /** Of those, requests whose care started (their first package's start date came). */
  started: number
  unsourced: number
  cancelled: number
  /** offers / published. */
  meanOffersPerRequest: number
  /** Market events recorded: the year before the start (for a council with none yet) and the weeks simulated. */
  marketEvents: number
}

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

interface SimLocation {
  id: number
  providerOrganisationId: number
  name: string
  serviceTypes: string[]
  specialisms: string[]
  registeredBeds: number | null
  rural: boolean
  /** 0 (full) to 1 (plenty of room): the simulator's own view of how much room it has. */
  capacity: number
}

interface SimEvent {
  at: number
  seq: number
  run: () => Promise<void>
}

/** A small time-ordered queue; ties keep the order they were added in. */
class EventQueue {
  private readonly events: SimEvent[] = []
  private seq = 0

  add(at: number, run: () => Promise<void>): void {
    const event = { at, seq: this.seq++, run }
    let i = this.events.length
    while (i > 0 && (this.events[i - 1] as SimEvent).at > at) i--
    this.events.splice(i, 0, event)
  }

  next(until: number): SimEvent | undefined {
    const first = this.events[0]
    if (!first || first.at > until) return undefined
    return this.events.shift()
  }
}

/** 08:00 UTC on the Monday of the week containing `date`. */
export function mondayOf(date: Date): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 8))
  const weekday = (day.getUTCDay() + 6) % 7
  return new Date(day.getTime() - weekday * DAY_MS)
}

/**
 * A home care visit pattern, every day: 1 to 4 visits, and for one person in five the first and last
 * visits need two carers. The bulk history generator draws its patterns the same way.
 */
export function homeCareVisits(rng: Random) {
  const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
  const windows = [
    { windowStart: '07:30', windowEnd: '09:30', durationMinutes: 45 },
    { windowStart: '12:00', windowEnd: '13:30', durationMinutes: 30 },
    { windowStart: '17:00', windowEnd: '18:30', durationMinutes: 30 },
    { windowStart: '20:00', windowEnd: '21:30', durationMinutes: 30 },
  ]
  const count = rng.pick([1, 2, 2, 3, 4, 4])
  const twoCarers = rng.chance(0.2)
  return windows.slice(0, count).map((w, i) => ({
    ...w,
    days: everyDay,
    carers: twoCarers && (i === 0 || i === count - 1) ? 2 : 1,
  }))
}

// biome-ignore format: a compact word list
export const FEMALE_NAMES = [
  'Margaret', 'Joan', 'Dorothy', 'Irene', 'Winifred', 'Edna', 'Mavis', 'Audrey', 'Brenda', 'Sheila',
  'Pauline', 'Jean', 'Elsie', 'Phyllis', 'Marjorie', 'Doreen', 'Gladys', 'Ivy', 'Hilda', 'Rosemary',
] as const
// biome-ignore format: a compact word list
export const MALE_NAMES = [
  'Arthur', 'Harold', 'Kenneth', 'Dennis', 'Roy', 'Stanley', 'Leonard', 'Cyril', 'Walter', 'Norman',
  'Bernard', 'Frank', 'Geoffrey', 'Ronald', 'Reginald', 'Albert', 'Clifford', 'Eric', 'Derek', 'Alan',
] as const
// Surnames from parts, so that they sound English without being anyone in particular.
// biome-ignore format: a compact word list
export const SURNAME_STARTS = ['Apple', 'Brack', 'Thorn', 'Hazel', 'Marl', 'Ash', 'Fen', 'Hol', 'Brig', 'Whit', 'Pen', 'Rush'] as const
// biome-ignore format: a compact word list
export const SURNAME_ENDS = ['thwaite', 'ford', 'ham', 'by', 'well', 'field', 'wood', 'stone', 'ridge', 'more', 'cott', 'ley'] as const

// biome-ignore format: a compact word list
export const NEEDS = [
  'Needs help with washing, dressing and medication; walks with a frame.',
  'Recently discharged after a fall; needs support with mobility and personal care.',
  'Lives alone; needs prompting with meals and medication.',
  'Needs two carers for transfers with a hoist; continence care.',
  'Memory loss; becomes anxious in the evenings and needs reassurance.',
  'Diabetic; needs help with meals and monitoring.',
] as const
// biome-ignore format: a compact word list
export const CHOICE_REASONS = [
  'The person chose a home nearer their family',
  'The person visited and preferred this home',
  'The person’s daughter lives near this provider',
  'The person knows staff at this provider',
] as const

export const USUAL_PRICE_POUNDS: Record<RequestServiceType, number> = {
  residential: 850,
  dementia_residential: 920,
  nursing: 1_050,
  dementia_nursing: 1_120,
  home_care: 24.1,
  supported_living: 22,
  day_opportunities: 60,
}

type Council = Awaited<ReturnType<typeof getCouncilByCode>>

/** Who acts in a simulation: the council's own users where it has them, otherwise the system. */
export async function councilCallers(db: Database, council: Council) {
  const councilId = council.id
  const system: SystemCaller = { kind: 'system', label: 'simulator', councilId }
  const councilUsers = (await listCouncilUsers(db, councilId)).filter((u) => u.status !== 'disabled')
  const asUser = (role: 'social_worker' | 'broker'): SessionUser | SystemCaller => {
    const user = councilUsers.find((u) => u.role === role)
    if (!user) return system
    return {
      id: user.id,
      email: user.email,
      role,
      councilId,
      councilCode: council.code,
      councilName: council.name,
      councilIsDemo: council.isDemo,
      providerOrganisationId: null,
    }
  }
  const commissioner = councilUsers.find((u) => u.role === 'commissioner')
  const commissionerActor: Actor = commissioner
    ? { kind: 'user', userId: commissioner.id, councilId, email: commissioner.email }
    : { kind: 'system', label: 'simulator' }
  return {
    system,
    councilUsers,
    socialWorker: asUser('social_worker'),
    broker: asUser('broker'),
    commissionerActor,
  }
}

/** The locations invited to offer on a request in a round (the latest round when none is given). */
export async function invitedLocationIds(
  db: Queryable,
  requestId: number,
  round?: number,
): Promise<number[]> {
  const rows = await db
    .select({ locationId: eligibilityDecisions.locationId, round: eligibilityDecisions.round })
    .from(eligibilityDecisions)
    .where(
      and(
        eq(eligibilityDecisions.requestId, requestId),
        eq(eligibilityDecisions.eligible, true),
        ...(round === undefined ? [] : [eq(eligibilityDecisions.round, round)]),
      ),
    )
    .orderBy(asc(eligibilityDecisions.locationId))
  const latest = Math.max(0, ...rows.map((r) => r.round))
  return rows.filter((r) => r.round === latest).map((r) => r.locationId)
}

/** What an award needs when the offer is above the usual price or needs the quality team's sign-off. */
export function awardConditions(flags: { aboveUsualPrice: boolean; qualityTeamSignOff: boolean }) {
  return {
    ...(flags.aboveUsualPrice
      ? { aboveUsualPrice: { agreedReason: 'No offer within the usual price could start in time' } }
      : {}),
    ...(flags.qualityTeamSignOff ? { qualitySignOffBy: 'Quality and monitoring team (simulated)' } : {}),
  }
}

export async function simulate(db: Database, options: SimulateOptions): Promise<SimulationSummary> {
  // Through the real services, as composed: the market keeps its summaries as requests change.
  wireDomainEvents()
  const { weeks, seed } = options
  const council = await getCouncilByCode(db, options.councilCode)
  const councilId = council.id
  const rng = new Random(hashSeed(seed, 0x51a1))

  const { system, socialWorker, broker, commissionerActor } = await councilCallers(db, council)
  const brokerActor = actorFor(broker)

  // Districts (rural or not) and the postcodes people live at: the council's own districts.
  const districts = await db
    .select({ outcode: councilDistricts.outcode, rural: councilDistricts.rural })
    .from(councilDistricts)
    .where(eq(councilDistricts.councilId, councilId))
    .orderBy(asc(councilDistricts.outcode))
  const ruralDistrict = new Map(districts.map((d) => [d.outcode, d.rural]))
  const homePostcodes =
    districts.length === 0
      ? []
      : (
          await db
            .select({ postcode: postcodes.postcode })
            .from(postcodes)
            .where(
              inArray(
                sql`split_part(${postcodes.postcode}, ' ', 1)`,
                districts.map((d) => d.outcode),
              ),
            )
            .orderBy(asc(postcodes.postcode))
        ).map((p) => p.postcode)

  const { rows: registered } = await listLocations(db, { councilId }, { offset: 0, limit: 1_000_000 })
  const locations = new Map<number, SimLocation>()
  for (const l of registered.filter((l) => l.active).sort((a, b) => a.id - b.id)) {
    // A quarter of providers are full or short of staff; the rest have some room.
    const full = rng.chance(0.25)
    locations.set(l.id, {
      id: l.id,
      providerOrganisationId: l.providerOrganisationId,
      name: l.name,
      serviceTypes: l.serviceTypes,
      specialisms: l.specialisms,
      registeredBeds: l.registeredBeds,
      rural: ruralDistrict.get(outcodeOf(l.postcode) ?? '') ?? false,
      capacity: full ? rng.between(0, 0.1) : rng.between(0.2, 1),
    })
  }
  const people = homePostcodes.length > 0 ? homePostcodes : registered.map((l) => l.postcode).filter(Boolean)
  if (people.length === 0) throw new ConflictError(`${council.code} has no postcodes to place people at`)

  const rates = weeklyArrivals(locations.size, options.volume ?? 1)
  const summary: SimulationSummary = {
    weeks,
    seed,
    requests: 0,
    published: 0,
    withOffers: 0,
    responseRate: 0,
    offers: 0,
    awarded: 0,
    started: 0,
    unsourced: 0,
    cancelled: 0,
    meanOffersPerRequest: 0,
    marketEvents: 0,
  }
  const offersOn = new Map<number, number>()
  const serviceTypeOf = new Map<number, RequestServiceType>()
  const queue = new EventQueue()
  const start = mondayOf(options.start ?? new Date(Date.now() - weeks * 7 * DAY_MS))

  // Market events, recorded by the commissioner; a location that fails stops offering.
  const market = new MarketEventSimulator(db, {
    councilId,
    seed,
    actor: commissionerActor,
    locations: [...locations.values()],
    schedule: (at, run) => queue.add(at, run),
    onFailure: (ids) => {
      for (const id of ids) locations.delete(id)
    },
  })
  await market.history(start)

  /** Care homes report vacancies through the capacity service, one batch per organisation. */
  async function reportCapacity(now: Date, share: number) {
    const byOrganisation = new Map<number, CapacityInput[]>()
    for (const location of locations.values()) {
      const bedTypes = bedTypesFor(location)
      if (bedTypes.length === 0 || !(location.registeredBeds ?? 0)) continue
      if (!rng.chance(share)) continue
      const beds = location.registeredBeds ?? 0
      const vacancies = Math.round(location.capacity * Math.min(8, beds * 0.15))
      const rows = byOrganisation.get(location.providerOrganisationId) ?? []
      for (const bedType of bedTypes)
        rows.push({
          field: `location-${location.id}-${bedType}`,
          locationId: location.id,
          bedType,
          vacancies: String(vacancies),
        })
      byOrganisation.set(location.providerOrganisationId, rows)
    }
    for (const [providerOrganisationId, rows] of byOrganisation) {
      await recordCapacity(
        db,
        { councilId, providerOrganisationId },
        { kind: 'system', label: 'simulator (provider)' },
        rows,
        { source: 'api', now },
      )
    }
  }

  function newPerson(serviceType: RequestServiceType, today: string) {
    const sex = rng.chance(0.62) ? 'female' : 'male'
    const first = rng.pick(sex === 'female' ? FEMALE_NAMES : MALE_NAMES)
    const surname = `${rng.pick(SURNAME_STARTS)}${rng.pick(SURNAME_ENDS)}`
    const younger = serviceType === 'supported_living' || serviceType === 'day_opportunities'
    const age = younger ? rng.int(19, 60) : rng.int(68, 97)
    const dateOfBirth = addCalendarDays(today, -(age * 365 + rng.int(0, 364)))
    return {
      person: { name: `${first} ${surname}`, dateOfBirth, sex, postcode: rng.pick(people) },
      clientGroup: younger ? 'younger_adults' : 'older_people',
    }
  }

  async function arrive(serviceType: RequestServiceType, at: number) {
    const now = new Date(at)
    const today = londonDate(now)
    const { person, clientGroup } = newPerson(serviceType, today)
    const roll = rng.next()
    const urgency = roll < 0.1 ? 'emergency' : roll < 0.4 ? 'urgent' : 'routine'
    const startDate = addCalendarDays(today, urgency === 'emergency' ? 1 : urgency === 'urgent' ? 4 : 14)
    const dementia = serviceType.startsWith('dementia')
    const homeCare = serviceType === 'home_care'
    const input = {
      person,
      serviceType,
      clientGroup,
      specialisms: dementia ? ['dementia'] : [],
      needsSummary: rng.pick(NEEDS),
      maxDistanceMiles: homeCare ? 10 : rng.pick([10, 15, 15, 20]),
      startDate,
      urgency,
      emergencyHours: urgency === 'emergency' ? rng.pick([24, 48]) : undefined,
      inHospital: urgency !== 'routine' && rng.chance(0.6),
      usualPricePounds: String(USUAL_PRICE_POUNDS[serviceType]),
      visits: homeCare ? homeCareVisits(rng) : [],
      supportHoursPerWeek:
        serviceType === 'supported_living' ? supportHoursPerWeek(summary.requests) : undefined,
      notesForProviders: '',
    }
    const created = await createRequest(db, socialWorker, input, { now })
    summary.requests++
    serviceTypeOf.set(created.id, serviceType)
    const submitted = new Date(at + 15 * 60_000)
    await submit(db, socialWorker, created.id, { now: submitted })
    if (rng.chance(CANCELLED_BEFORE_PUBLISH)) {
      await cancel(db, socialWorker, created.id, {
        now: new Date(at + 30 * 60_000),
        reason: rng.pick(['The person has died', 'The family has arranged care privately']),
      })
      summary.cancelled++
      return
    }
    const publishedAt = at + HOUR_MS
    const published = await publish(db, broker, created.id, { now: new Date(publishedAt) }).catch(
      (error: unknown) => {
        if (error instanceof UnprocessableError) return null
        throw error
      },
    )
    if (!published) {
      // Nobody could be invited: the broker gives up on the exchange for this one.
      await cancel(db, broker, created.id, {
        now: new Date(publishedAt),
        reason: 'No provider could be invited to offer',
      })
      summary.cancelled++
      return
    }
    summary.published++
    const deadline = published.window.deadline.getTime()
    for (const locationId of await invitedLocationIds(db, created.id, published.round)) {
      const location = locations.get(locationId)
      if (!location) continue
      if (!rng.chance(responseProbability(location))) continue
      // Offers come in over the window, never in its last hour.
      const offerAt = publishedAt + rng.between(0.05, 0.9) * Math.max(0, deadline - publishedAt - HOUR_MS)
      const price = rng.between(0.93, 1.12) * USUAL_PRICE_POUNDS[serviceType] * 100
      queue.add(offerAt, () => offer(published.request, location, offerAt, price))
    }
  }

  async function offer(request: SourcingRequest, location: SimLocation, at: number, price: number) {
    const now = new Date(at)
    const today = londonDate(now)
    const from = (request.startDate as string) > today ? (request.startDate as string) : today
    const visits = request.visits.map((v) => v.id)
    // Most home care offers cover every visit; some only part of the pattern.
    const visitIds =
      visits.length > 1 && rng.chance(0.25) ? visits.filter((_, i) => i === 0 || rng.chance(0.5)) : visits
    const meetsAllNeeds = rng.chance(0.9)
    try {
      await makeOffer(
        db,
        { councilId, providerOrganisationId: location.providerOrganisationId },
        { kind: 'system', label: `simulator (provider ${location.providerOrganisationId})` },
        request.id,
        {
          locationId: location.id,
          pricePence: Math.round(price),
          earliestStart: addCalendarDays(from, rng.pick([0, 0, 1, 3])),
          visitIds,
          meetsAllNeeds,
          notes: meetsAllNeeds ? '' : 'We cannot meet overnight needs at present.',
        },
        { now },
      )
    } catch (error) {
      // Another of the organisation's locations may already be bidding, or the request closed.
      if (error instanceof ConflictError) return
      throw error
    }
    summary.offers++
    offersOn.set(request.id, (offersOn.get(request.id) ?? 0) + 1)
  }

  async function decide(requestId: number, now: Date) {
    const evaluation = await evaluateOffers(db, system, requestId, now)
    const ranked = evaluation.shortlist.ranked
    if (ranked.length === 0) {
      await markUnsourced(
        db,
        { councilId, actor: brokerActor },
        requestId,
        { reason: 'No acceptable offer', inHospital: evaluation.request.inHospital },
        now,
      )
      summary.unsourced++
      return
    }
    if (evaluation.perVisit) {
      await awardVisits(requestId, now)
    } else {
      const other = ranked.length > 1 && rng.chance(PERSON_CHOOSES_OTHER)
      const chosen = other ? (ranked[1] as (typeof ranked)[number]) : (ranked[0] as (typeof ranked)[number])
      await award(
        db,
        { councilId, actor: brokerActor },
        requestId,
        {
          offerId: chosen.offerId,
          personChoseTopRanked: !other,
          choiceReason: other ? rng.pick(CHOICE_REASONS) : '',
          ...awardConditions(chosen.flags),
        },
        now,
      )
      const place = locations.get(chosen.locationId)
      if (place) place.capacity = Math.max(0, place.capacity - 0.15)
    }
    summary.awarded++
  }

  /** Home care: each visit to its top-ranked offer, the greedy allocation, a provider at a time. */
  async function awardVisits(requestId: number, now: Date) {
    for (let round = 0; round < 8; round++) {
      const evaluation = await evaluateOffers(db, system, requestId, now)
      const unfilled = new Set<number | string>(evaluation.unfilledSlots)
      const perVisit = evaluation.perVisit
      if (!perVisit || unfilled.size === 0) return
      const next = perVisit.slots.find((s) => unfilled.has(s.slotId) && s.top)
      const top = next?.top
      if (!top) return
      const slots = perVisit.slots
        .filter((s) => unfilled.has(s.slotId) && s.top?.offerId === top.offerId)
        .map((s) => Number(s.slotId))
      await award(
        db,
        { councilId, actor: brokerActor },
        requestId,
        { offerId: top.offerId, visitIds: slots, personChoseTopRanked: true, ...awardConditions(top.flags) },
        now,
      )
      const location = locations.get(top.locationId)
      if (location) location.capacity = Math.max(0, location.capacity - 0.1)
    }
  }

  async function endOfDay(at: number) {
    const now = new Date(at)
    const { closed } = await closeDueRequests(db, now)
    const decidedAt = new Date(at + 10 * 60_000)
    for (const { councilId: council, requestId } of closed) {
      if (council !== councilId || !serviceTypeOf.has(requestId)) continue
      await decide(requestId, decidedAt)
    }
    // After the day's awards, so that one starting today or earlier starts the same day.
    const { started } = await startDueRequests(db, new Date(at + 20 * 60_000), { councilId })
    summary.started += started.filter((s) => serviceTypeOf.has(s.requestId)).length
  }

  for (let week = 0; week < weeks; week++) {
    const monday = start.getTime() + week * 7 * DAY_MS
    const share = week === 0 ? 1 : 0.6
    queue.add(monday, () => reportCapacity(new Date(monday), share))
    market.week(monday)
    for (const [serviceType, rate] of Object.entries(rates) as [RequestServiceType, number][]) {
      const count = poisson(rate, () => rng.next())
      for (let i = 0; i < count; i++) {
        // Working days, 09:00 to 16:00 UTC.
        const at = monday + rng.int(0, 4) * DAY_MS + HOUR_MS + Math.floor(rng.next() * 7 * HOUR_MS)
        queue.add(at, () => arrive(serviceType, at))
      }
    }
    for (let day = 0; day < 7; day++) {
      const evening = monday + day * DAY_MS + 9.5 * HOUR_MS
      queue.add(evening, () => endOfDay(evening))
    }
    const weekEnd = monday + 7 * DAY_MS
    for (let event = queue.next(weekEnd); event; event = queue.next(weekEnd)) await event.run()
    options.onProgress?.(week + 1, weeks)
  }

  summary.withOffers = [...offersOn.values()].filter((n) => n > 0).length
  summary.responseRate = summary.published === 0 ? 0 : round(summary.withOffers / summary.published)
  summary.meanOffersPerRequest = summary.published === 0 ? 0 : round(summary.offers / summary.published)
  summary.marketEvents = market.recorded.length
  return summary
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
