// The market the brokerage benchmark runs over: a scratch database, the demo market in it, and
// sourcing requests made, submitted and published through the request service as a council would.

import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import pg from 'pg'
import { issueApiToken } from '../src/accounts/api-tokens.ts'
import { apiTokens, councils } from '../src/accounts/schema.ts'
import type { SystemCaller } from '../src/brokerage/requests/callers.ts'
import { createRequest, publish, submit } from '../src/brokerage/requests/service.ts'
import { addCalendarDays, type RequestServiceType } from '../src/brokerage/rules/index.ts'
import { eligibilityDecisions, requestVisits } from '../src/brokerage/schema.ts'
import type { Database } from '../src/db/connection.ts'
import { createDemo } from '../src/demo/generate.ts'
import { councilDistricts, postcodes } from '../src/geography/schema.ts'
import { locations } from '../src/providers/schema.ts'
import { wireDomainEvents } from '../src/services.ts'
import { londonDate } from '../src/shared/dates.ts'
import { round } from './measure.ts'

// Requests go through the request service as composed, the market keeping its summaries.
wireDomainEvents()

export const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres'
const SEED = 1

export const log = (message: string) => process.stderr.write(`bench brokerage: ${message}\n`)

const BENCH_SERVICE_TYPES: RequestServiceType[] = [
  'residential',
  'nursing',
  'dementia_residential',
  'dementia_nursing',
  'home_care',
  'supported_living',
  'day_opportunities',
]

const USUAL_PRICE_POUNDS: Record<RequestServiceType, number> = {
  residential: 850,
  dementia_residential: 920,
  nursing: 1_050,
  dementia_nursing: 1_120,
  home_care: 24,
  supported_living: 22,
  day_opportunities: 60,
}

export async function reachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

export async function withScratchDatabase<T>(
  serverUrl: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const name = `caremarket_bench_${Math.random().toString(16).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    return await work(url.toString())
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
    await admin.end()
  }
}

/** The demo market at `scale` councils of about 600 locations each. */
export async function buildMarket(db: Database, scale: number) {
  const started = performance.now()
  let reported = 0
  const result = await createDemo(db, {
    scale,
    seed: SEED,
    password: 'bench-password',
    passwordCostLog2: 10,
    onProgress: (done, total) => {
      if (done === total || done - reported >= 10) {
        reported = done
        log(`demo market: ${done}/${total} councils`)
      }
    },
  })
  const codes = result.councils.map((c) => c.code)
  const rows = await db
    .select({ id: councils.id })
    .from(councils)
    .where(inArray(councils.code, codes))
    .orderBy(asc(councils.id))
  return {
    councilIds: rows.map((r) => r.id),
    locations: result.totals.locations,
    providers: result.totals.providers,
    seconds: round((performance.now() - started) / 1000, 1),
  }
}

/** Postcodes in the council's own districts, so that its people are placed; its locations' if it has none. */
async function homePostcodes(db: Database, councilId: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ postcode: postcodes.postcode })
    .from(postcodes)
    .innerJoin(
      councilDistricts,
      and(
        eq(councilDistricts.councilId, councilId),
        eq(councilDistricts.outcode, sql`split_part(${postcodes.postcode}, ' ', 1)`),
      ),
    )
    .orderBy(asc(postcodes.postcode))
    .limit(limit)
  if (rows.length > 0) return rows.map((r) => r.postcode)
  const own = await db
    .selectDistinct({ postcode: locations.postcode })
    .from(locations)
    .where(eq(locations.councilId, councilId))
    .limit(limit)
  return own.map((r) => r.postcode).filter((p): p is string => Boolean(p))
}

export interface RequestSpec {
  councilId: number
  postcode: string
  serviceType: RequestServiceType
}

function requestInput(spec: RequestSpec, index: number, today: string) {
  const younger = spec.serviceType === 'supported_living' || spec.serviceType === 'day_opportunities'
  const homeCare = spec.serviceType === 'home_care'
  const age = younger ? 30 + (index % 25) : 70 + (index % 25)
  const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
  return {
    person: {
      name: `Bench Person ${index}`,
      dateOfBirth: addCalendarDays(today, -(age * 365 + (index % 300))),
      sex: index % 3 === 0 ? 'male' : 'female',
      postcode: spec.postcode,
    },
    serviceType: spec.serviceType,
    clientGroup: younger ? 'younger_adults' : 'older_people',
    specialisms: spec.serviceType.startsWith('dementia') ? ['dementia'] : [],
    needsSummary: 'Needs help with personal care and meals.',
    maxDistanceMiles: homeCare ? 10 : 15,
    startDate: addCalendarDays(today, 14),
    urgency: 'routine',
    inHospital: false,
    usualPricePounds: String(USUAL_PRICE_POUNDS[spec.serviceType]),
    visits: homeCare
      ? [
          { windowStart: '07:30', windowEnd: '09:30', durationMinutes: 45, days: everyDay, carers: 1 },
          { windowStart: '17:00', windowEnd: '18:30', durationMinutes: 30, days: everyDay, carers: 1 },
        ]
      : [],
    notesForProviders: '',
  }
}

const systemCaller = (councilId: number): SystemCaller => ({
  kind: 'system',
  label: 'bench',
  councilId,
})

/** Creates and submits one request per spec, as the council's case-management system would. */
export async function createSubmittedRequests(
  db: Database,
  specs: RequestSpec[],
  firstIndex = 0,
): Promise<{ councilId: number; id: number; serviceType: RequestServiceType }[]> {
  const now = new Date()
  const today = londonDate(now)
  const made: { councilId: number; id: number; serviceType: RequestServiceType }[] = []
  for (const [i, spec] of specs.entries()) {
    const caller = systemCaller(spec.councilId)
    const created = await createRequest(db, caller, requestInput(spec, firstIndex + i, today), { now })
    await submit(db, caller, created.id, { now })
    made.push({ councilId: spec.councilId, id: created.id, serviceType: spec.serviceType })
  }
  return made
}

/** Requests spread over councils and service types, people placed at postcodes of their council. */
export async function spreadRequests(
  db: Database,
  councilIds: number[],
  count: number,
  firstIndex = 0,
): Promise<RequestSpec[]> {
  const homes = new Map<number, string[]>()
  for (const councilId of councilIds) homes.set(councilId, await homePostcodes(db, councilId, 50))
  return Array.from({ length: count }, (_, i) => {
    const councilId = councilIds[i % councilIds.length] as number
    const list = homes.get(councilId) ?? []
    return {
      councilId,
      postcode: list[(i * 7 + firstIndex) % Math.max(1, list.length)] ?? 'ZZ1 1ZZ',
      serviceType: BENCH_SERVICE_TYPES[(i + Math.floor(i / councilIds.length)) % BENCH_SERVICE_TYPES.length],
    }
  }).filter((spec): spec is RequestSpec => spec.serviceType !== undefined)
}

export interface OfferJob {
  requestId: number
  locationId: number
  councilId: number
  providerOrganisationId: number
  /** The request's visits: a home care offer covers them all. */
  visitIds: number[]
  earliestStart: string
  pricePence: number
}

/**
 * Publishes requests (inviting their eligible locations) until `wantedPairs` distinct invited
 * (request, location) pairs exist or the requests run out; each pair can take one live offer.
 */
export async function publishForOffers(
  db: Database,
  requests: { councilId: number; id: number; serviceType: RequestServiceType }[],
  wantedPairs: number,
): Promise<OfferJob[]> {
  const jobs: OfferJob[] = []
  const today = londonDate(new Date())
  for (const request of requests) {
    if (jobs.length >= wantedPairs) break
    const published = await publish(db, systemCaller(request.councilId), request.id)
    if (published.invitations.invited === 0) continue
    const invited = await db
      .select({ locationId: eligibilityDecisions.locationId, organisation: locations.providerOrganisationId })
      .from(eligibilityDecisions)
      .innerJoin(locations, eq(locations.id, eligibilityDecisions.locationId))
      .where(and(eq(eligibilityDecisions.requestId, request.id), eq(eligibilityDecisions.eligible, true)))
      .orderBy(asc(eligibilityDecisions.locationId))
    const visits = await db
      .select({ id: requestVisits.id })
      .from(requestVisits)
      .where(eq(requestVisits.requestId, request.id))
      .orderBy(asc(requestVisits.id))
    const start = (published.request.startDate as string | null) ?? today
    for (const row of invited) {
      jobs.push({
        requestId: request.id,
        locationId: row.locationId,
        councilId: request.councilId,
        providerOrganisationId: row.organisation,
        visitIds: visits.map((v) => v.id),
        earliestStart: start > today ? start : today,
        pricePence: USUAL_PRICE_POUNDS[request.serviceType] * 100,
      })
    }
  }
  return jobs
}

/** One provider_user API token per organisation that has a job, as its rostering system would hold. */
export async function providerTokens(db: Database, jobs: OfferJob[]): Promise<Map<number, string>> {
  const tokens = new Map<number, string>()
  for (const job of jobs) {
    if (tokens.has(job.providerOrganisationId)) continue
    const { token } = await issueApiToken(
      db,
      {
        councilId: job.councilId,
        name: 'bench rostering',
        role: 'provider_user',
        providerOrganisationId: job.providerOrganisationId,
        createdByUserId: null,
      },
      { kind: 'system', label: 'bench' },
    )
    tokens.set(job.providerOrganisationId, token)
  }
  return tokens
}

/** Spreads jobs so that consecutive offers go to different requests, as real traffic would. */
export function interleave(jobs: OfferJob[]): OfferJob[] {
  const byRequest = new Map<number, OfferJob[]>()
  for (const job of jobs) byRequest.set(job.requestId, [...(byRequest.get(job.requestId) ?? []), job])
  const queues = [...byRequest.values()]
  const out: OfferJob[] = []
  for (let i = 0; out.length < jobs.length; i++) {
    for (const queue of queues) {
      const job = queue[i]
      if (job) out.push(job)
    }
  }
  return out
}

/**
 * Marks the bench tokens as used just now. A rostering system in steady use has its token touched
 * once a minute; here nearly every offer comes from another organisation, so without this almost
 * every request would also pay for that once-a-minute write.
 */
export async function markTokensInUse(db: Database): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.name, 'bench rostering'))
}
