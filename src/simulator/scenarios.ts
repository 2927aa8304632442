// Continuity-of-care scenarios on a council: a large care home closes with its residents, or a home
// care agency hands back part of its hours. Like the weekly simulator, every row comes from the real
// services (requests, offers, awards, the market event, the failure response and its re-sourcing,
// hand-backs), so the response tracker, insights, the Interim Care List and the committee report
// show the scenario as they would show the real thing.
//
// Closure: the home with the most people placed (the largest first among equals) is chosen; if it
// has fewer than the residents asked for, the rest are placed there first, through the exchange,
// six weeks before today. Then a commissioner records the closure, the response is opened with its
// last day of care, everyone is re-sourced in bulk, and a share of the re-sourcing requests get an
// offer from another invited location and are awarded, so the tracker has people in every state.
//
// Hand-backs: the home care agency with the most hours placed is chosen (again topped up through the
// exchange to the packages asked for); it hands back packages, chosen at random, until the share of
// its hours asked for is reached, each with a reason and the council's full notice; a broker then
// re-sources and publishes a share of them.

import { and, asc, eq, gte, inArray, isNull, or } from 'drizzle-orm'
import { getCouncilByCode, type SessionUser } from '../accounts/service.ts'
import { startDueRequests } from '../brokerage/care-starts.ts'
import { award, evaluateOffers } from '../brokerage/offers/award.ts'
import { handBackPackage, resourceHandBack } from '../brokerage/offers/hand-backs.ts'
import { makeOffer } from '../brokerage/offers/service.ts'
import type { SystemCaller } from '../brokerage/requests/callers.ts'
import {
  actorFor,
  closeRequest,
  createRequest,
  getRequest,
  publish,
  submit,
} from '../brokerage/requests/service.ts'
import { addCalendarDays, type RequestServiceType } from '../brokerage/rules/index.ts'
import { packageHandBacks, packages } from '../brokerage/schema.ts'
import { getBrokerageSettings } from '../brokerage/settings/service.ts'
import type { Database } from '../db/connection.ts'
import { ConflictError, UnprocessableError, ValidationError } from '../errors.ts'
import { recordMarketEvent } from '../market/events/service.ts'
import { getResponse, openResponse, resourceResponse } from '../market/failures/service.ts'
import { listLocations } from '../providers/service.ts'
import { londonDate } from '../shared/dates.ts'
import { hashSeed, Random } from '../shared/random.ts'
import {
  awardConditions,
  councilCallers,
  FEMALE_NAMES,
  homeCareVisits,
  invitedLocationIds,
  MALE_NAMES,
  NEEDS,
  SURNAME_ENDS,
  SURNAME_STARTS,
  USUAL_PRICE_POUNDS,
} from './simulate.ts'

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
/** People placed to make up a scenario arrive this long before today. */
const PLACED_BEFORE_DAYS = 42
/** How many homes or agencies are tried before a scenario gives up on finding one to use. */
const CANDIDATES_TRIED = 10

interface ScenarioOptions {
  councilCode: string
  seed: number
  /** Today, for the scenario (the real clock when not given). */
  now?: Date
}

export interface ClosureOptions extends ScenarioOptions {
  /** People living at the home when it closes: more are placed there first if it has fewer. */
  residents: number
  /** The last day of care; two weeks from today when not given. */
  lastDay?: string
  /** Share (0 to 100) of the re-sourcing requests that are re-placed now. */
  rePlacePercent: number
}

export interface ClosureSummary {
  scenario: 'closure'
  seed: number
  locationId: number
  locationName: string
  providerOrganisationId: number
  /** People placed at the home by the scenario before it closed. */
  placedFirst: number
  marketEventId: number
  responseId: number
  lastDay: string
  cases: number
  /** The re-sourcing requests, by id. */
  requests: number[]
  published: number
  /** Re-sourcing requests awarded by the scenario. */
  rePlaced: number[]
  /** People known only from the council's own book (their social worker makes the request). */
  needReferral: number
}

export interface HandbacksOptions extends ScenarioOptions {
  /** Share (1 to 100) of the agency's hours a week handed back. */
  percent: number
  /** Packages the agency has at least: more are placed with it first if it has fewer. */
  packages: number
  /** Share (0 to 100) of the hand-backs a broker re-sources now. */
  reSourcePercent: number
}

export interface HandbacksSummary {
  scenario: 'handbacks'
  seed: number
  providerOrganisationId: number
  providerName: string
  /** Packages placed with the agency by the scenario first. */
  placedFirst: number
  /** The agency's home care hours a week before, and those handed back. */
  hoursBefore: number
  hoursHandedBack: number
  lastDay: string
  handBacks: { handBackId: number; packageId: number; minutesPerWeek: number; requestId: number | null }[]
  /** The re-sourcing requests, by id. */
  requests: number[]
  published: number
}

// biome-ignore format: a compact word list
const HAND_BACK_REASONS = [
  'We cannot recruit enough carers to cover this area',
  'The round is no longer viable after staff left',
  'Travel time between visits on this round is too long to staff safely',
  'We are reducing the area we cover',
] as const

type Caller = SessionUser | SystemCaller

class Scenario {
  readonly rng: Random
  private tick = 0

  constructor(
    readonly db: Database,
    readonly councilId: number,
    readonly socialWorker: Caller,
    readonly broker: Caller,
    seed: number,
    salt: number,
  ) {
    this.rng = new Random(hashSeed(seed, salt))
  }

  /** A distinct minute after `base`, so that every step has its own time and they stay in order. */
  at(base: Date): Date {
    this.tick += 1
    return new Date(base.getTime() + this.tick * MINUTE_MS)
  }

  person(postcode: string, today: string) {
    const sex = this.rng.chance(0.62) ? 'female' : 'male'
    const first = this.rng.pick(sex === 'female' ? FEMALE_NAMES : MALE_NAMES)
    const surname = `${this.rng.pick(SURNAME_STARTS)}${this.rng.pick(SURNAME_ENDS)}`
    const age = this.rng.int(70, 97)
    return {
      name: `${first} ${surname}`,
      dateOfBirth: addCalendarDays(today, -(age * 365 + this.rng.int(0, 364))),
      sex,
      postcode,
    }
  }

  /**
   * A person living at (or cared for from) `location`, placed through the exchange: the request is
   * made, submitted and published, the location offers at the usual price, and the broker closes the
   * request early and awards the offer. Null when the location is not invited (eligibility says no).
   */
  async place(
    location: { id: number; providerOrganisationId: number; postcode: string | null },
    serviceType: RequestServiceType,
    base: Date,
  ): Promise<number | null> {
    const { db } = this
    if (!location.postcode) return null
    const today = londonDate(base)
    const homeCare = serviceType === 'home_care'
    const created = await createRequest(
      db,
      this.socialWorker,
      {
        person: this.person(location.postcode, today),
        serviceType,
        clientGroup: 'older_people',
        specialisms: serviceType.startsWith('dementia') ? ['dementia'] : [],
        needsSummary: this.rng.pick(NEEDS),
        maxDistanceMiles: homeCare ? 10 : 15,
        startDate: addCalendarDays(today, 7),
        urgency: 'routine',
        inHospital: false,
        usualPricePounds: String(USUAL_PRICE_POUNDS[serviceType]),
        visits: homeCare ? homeCareVisits(this.rng) : [],
        notesForProviders: '',
      },
      { now: this.at(base) },
    )
    await submit(db, this.socialWorker, created.id, { now: this.at(base) })
    const published = await publish(db, this.broker, created.id, { now: this.at(base) }).catch(notPublished)
    if (!published || !(await invitedLocationIds(db, created.id)).includes(location.id)) {
      return null
    }
    return (await this.offerAndAward(created.id, location, base)) ? created.id : null
  }

  /** The location offers on the request at its usual price; the broker closes it early and awards it. */
  async offerAndAward(
    requestId: number,
    location: { id: number; providerOrganisationId: number },
    base: Date,
  ): Promise<boolean> {
    const { db, councilId } = this
    const request = await getRequest(db, { councilId }, requestId)
    const offeredAt = this.at(base)
    const from =
      (request.startDate as string) > londonDate(offeredAt)
        ? (request.startDate as string)
        : londonDate(offeredAt)
    try {
      const made = await makeOffer(
        db,
        { councilId, providerOrganisationId: location.providerOrganisationId },
        { kind: 'system', label: `simulator (provider ${location.providerOrganisationId})` },
        requestId,
        {
          locationId: location.id,
          pricePence: request.usualPricePence ?? 0,
          earliestStart: from,
          visitIds: request.visits.map((v) => v.id),
          meetsAllNeeds: true,
          notes: '',
        },
        { now: offeredAt },
      )
      await closeRequest(db, this.broker, requestId, {
        now: this.at(base),
        reason: 'The person has chosen a place',
      })
      const decidedAt = this.at(base)
      const evaluation = await evaluateOffers(db, this.broker, requestId, decidedAt)
      const ranked = evaluation.shortlist.ranked.find((r) => r.offerId === made.offer.id)
      await award(
        db,
        { councilId, actor: actorFor(this.broker) },
        requestId,
        {
          offerId: made.offer.id,
          personChoseTopRanked: evaluation.shortlist.ranked[0]?.offerId === made.offer.id,
          choiceReason: 'The person chose this provider',
          ...(ranked ? awardConditions(ranked.flags) : {}),
        },
        decidedAt,
      )
      return true
    } catch (error) {
      // The location may not take this request after all (a rule, a restriction, a full home).
      if (
        error instanceof ConflictError ||
        error instanceof ValidationError ||
        error instanceof UnprocessableError
      )
        return false
      throw error
    }
  }
}

function notPublished(error: unknown): null {
  if (error instanceof UnprocessableError) return null
  throw error
}

async function scenarioSetup(db: Database, options: ScenarioOptions, salt: number) {
  const council = await getCouncilByCode(db, options.councilCode)
  const callers = await councilCallers(db, council)
  const scenario = new Scenario(db, council.id, callers.socialWorker, callers.broker, options.seed, salt)
  const now = options.now ?? new Date()
  const { rows } = await listLocations(db, { councilId: council.id }, { offset: 0, limit: 1_000_000 })
  return { council, callers, scenario, now, today: londonDate(now), locations: rows.filter((l) => l.active) }
}

/** Live packages (running on or after `today`) at each location, with their minutes a week. */
async function livePackages(db: Database, councilId: number, locationIds: number[], today: string) {
  if (locationIds.length === 0) return []
  return db
    .select({
      id: packages.id,
      locationId: packages.locationId,
      providerOrganisationId: packages.providerOrganisationId,
      minutesPerWeek: packages.minutesPerWeek,
    })
    .from(packages)
    .leftJoin(packageHandBacks, eq(packageHandBacks.packageId, packages.id))
    .where(
      and(
        eq(packages.councilId, councilId),
        inArray(packages.locationId, locationIds),
        or(isNull(packages.endDate), gte(packages.endDate, today)),
        isNull(packageHandBacks.id),
      ),
    )
    .orderBy(asc(packages.id))
}

export async function simulateClosure(db: Database, options: ClosureOptions): Promise<ClosureSummary> {
  const { council, callers, scenario, now, today, locations } = await scenarioSetup(db, options, 0xc105e)
  const homes = locations.filter(
    (l) =>
      (l.serviceTypes.includes('residential_home') || l.serviceTypes.includes('nursing_home')) &&
      (l.registeredBeds ?? 0) > 0,
  )
  const residentsAt = new Map<number, number>()
  for (const p of await livePackages(
    db,
    council.id,
    homes.map((h) => h.id),
    today,
  ))
    residentsAt.set(p.locationId, (residentsAt.get(p.locationId) ?? 0) + 1)
  const ranked = [...homes].sort(
    (a, b) =>
      (residentsAt.get(b.id) ?? 0) - (residentsAt.get(a.id) ?? 0) ||
      (b.registeredBeds ?? 0) - (a.registeredBeds ?? 0) ||
      a.id - b.id,
  )
  const placedBefore = new Date(now.getTime() - PLACED_BEFORE_DAYS * DAY_MS)
  let chosen: (typeof homes)[number] | undefined
  let placedFirst = 0
  for (const home of ranked.slice(0, CANDIDATES_TRIED)) {
    const serviceType: RequestServiceType = home.serviceTypes.includes('residential_home')
      ? 'residential'
      : 'nursing'
    const missing = options.residents - (residentsAt.get(home.id) ?? 0)
    if (missing <= 0) {
      chosen = home
      break
    }
    // The first person tells whether the home can be placed with at all; then the rest follow.
    if ((await scenario.place(home, serviceType, placedBefore)) === null) continue
    chosen = home
    placedFirst = 1
    for (let i = 1; i < missing; i++)
      if ((await scenario.place(home, serviceType, placedBefore)) !== null) placedFirst++
    break
  }
  if (!chosen) throw new ConflictError(`${council.code} has no care home that people can be placed at`)
  await startDueRequests(db, now, { councilId: council.id })

  const residents = (residentsAt.get(chosen.id) ?? 0) + placedFirst
  const event = await recordMarketEvent(
    db,
    council.id,
    {
      kind: 'closure',
      locationId: chosen.id,
      occurredOn: today,
      peopleAffected: residents,
      notes: 'The provider gave notice that the home will close',
    },
    callers.commissionerActor,
    { now },
  )
  const lastDay = options.lastDay ?? addCalendarDays(today, 14)
  const opened = await openResponse(db, council.id, event.id, { lastDay }, callers.commissionerActor, { now })
  const brokerCaller = { ...callers.broker, councilId: council.id }
  const resourced = await resourceResponse(db, brokerCaller, event.id, {}, actorFor(callers.broker), {
    now: scenario.at(now),
  })
  const view = await getResponse(db, council.id, event.id, now)
  const requests = view.cases.flatMap((c) => (c.requestId === null ? [] : [c.requestId]))

  // Some people are re-placed straight away: another invited location offers and is awarded.
  const rePlaced: number[] = []
  const toRePlace = Math.round((requests.length * options.rePlacePercent) / 100)
  const byId = new Map(locations.map((l) => [l.id, l]))
  for (const requestId of scenario.rng.shuffle([...requests])) {
    if (rePlaced.length >= toRePlace) break
    const invited = (await invitedLocationIds(db, requestId))
      .map((id) => byId.get(id))
      .filter((l) => l !== undefined && l.providerOrganisationId !== chosen.providerOrganisationId)
    if (invited.length === 0) continue
    const location = scenario.rng.pick(invited) as (typeof locations)[number]
    if (await scenario.offerAndAward(requestId, location, now)) rePlaced.push(requestId)
  }
  return {
    scenario: 'closure',
    seed: options.seed,
    locationId: chosen.id,
    locationName: chosen.name,
    providerOrganisationId: chosen.providerOrganisationId,
    placedFirst,
    marketEventId: event.id,
    responseId: opened.response.id,
    lastDay,
    cases: view.cases.length,
    requests,
    published: resourced.published,
    rePlaced: rePlaced.sort((a, b) => a - b),
    needReferral: resourced.needReferral,
  }
}

export async function simulateHandbacks(db: Database, options: HandbacksOptions): Promise<HandbacksSummary> {
  const { council, callers, scenario, now, today, locations } = await scenarioSetup(db, options, 0xba4c)
  const agencies = locations.filter((l) => l.serviceTypes.includes('home_care'))
  const live = (
    await livePackages(
      db,
      council.id,
      agencies.map((a) => a.id),
      today,
    )
  ).filter((p) => p.minutesPerWeek !== null)
  const minutesOf = new Map<number, number>()
  for (const p of live)
    minutesOf.set(
      p.providerOrganisationId,
      (minutesOf.get(p.providerOrganisationId) ?? 0) + (p.minutesPerWeek ?? 0),
    )
  const ranked = [...agencies].sort(
    (a, b) =>
      (minutesOf.get(b.providerOrganisationId) ?? 0) - (minutesOf.get(a.providerOrganisationId) ?? 0) ||
      a.id - b.id,
  )
  const placedBefore = new Date(now.getTime() - PLACED_BEFORE_DAYS * DAY_MS)
  let chosen: (typeof agencies)[number] | undefined
  let placedFirst = 0
  const tried = new Set<number>()
  for (const agency of ranked) {
    if (tried.has(agency.providerOrganisationId)) continue
    if (tried.size >= CANDIDATES_TRIED) break
    tried.add(agency.providerOrganisationId)
    const missing =
      options.packages - live.filter((p) => p.providerOrganisationId === agency.providerOrganisationId).length
    if (missing <= 0) {
      chosen = agency
      break
    }
    if ((await scenario.place(agency, 'home_care', placedBefore)) === null) continue
    chosen = agency
    placedFirst = 1
    for (let i = 1; i < missing; i++)
      if ((await scenario.place(agency, 'home_care', placedBefore)) !== null) placedFirst++
    break
  }
  if (!chosen)
    throw new ConflictError(`${council.code} has no home care agency that people can be placed with`)
  await startDueRequests(db, now, { councilId: council.id })
  const providerId = chosen.providerOrganisationId
  const own = await livePackages(
    db,
    council.id,
    agencies.filter((a) => a.providerOrganisationId === providerId).map((a) => a.id),
    today,
  )
  const theirs = own.filter((p) => p.minutesPerWeek !== null)
  const minutesBefore = theirs.reduce((s, p) => s + (p.minutesPerWeek ?? 0), 0)
  const target = (minutesBefore * options.percent) / 100

  // Full notice: the last day is the council's notice period from today.
  const { handBackNoticeDays } = await getBrokerageSettings(db, council.id)
  const lastDay = addCalendarDays(today, handBackNoticeDays)
  const handBacks: HandbacksSummary['handBacks'] = []
  let handedBack = 0
  for (const pkg of scenario.rng.shuffle([...theirs])) {
    if (handedBack >= target && handBacks.length > 0) break
    const made = await handBackPackage(
      db,
      { councilId: council.id, providerOrganisationId: providerId },
      { kind: 'system', label: `simulator (provider ${providerId})` },
      pkg.id,
      { reason: scenario.rng.pick(HAND_BACK_REASONS), lastDay },
      scenario.at(now),
    )
    handedBack += pkg.minutesPerWeek ?? 0
    handBacks.push({
      handBackId: made.id,
      packageId: pkg.id,
      minutesPerWeek: pkg.minutesPerWeek ?? 0,
      requestId: null,
    })
  }

  // A broker re-sources a share of them and publishes each request.
  const toResource = Math.round((handBacks.length * options.reSourcePercent) / 100)
  const requests: number[] = []
  let published = 0
  const brokerScope = { ...callers.broker, councilId: council.id, actor: actorFor(callers.broker) }
  for (const handBack of handBacks.slice(0, toResource)) {
    const { requestId } = await resourceHandBack(db, brokerScope, handBack.packageId, scenario.at(now))
    handBack.requestId = requestId
    requests.push(requestId)
    if (await publish(db, callers.broker, requestId, { now: scenario.at(now) }).catch(notPublished))
      published++
  }
  return {
    scenario: 'handbacks',
    seed: options.seed,
    providerOrganisationId: providerId,
    providerName: chosen.providerName,
    placedFirst,
    hoursBefore: Math.round((minutesBefore / 60) * 100) / 100,
    hoursHandedBack: Math.round((handedBack / 60) * 100) / 100,
    lastDay,
    handBacks,
    requests,
    published,
  }
}
