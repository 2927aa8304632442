import { and, asc, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { getCouncilByCode } from '../accounts/service.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import {
  norfolkWeeklyArrivals,
  poisson,
  RURAL_FACTOR,
  responseProbability,
  weeklyArrivals,
} from '../brokerage/simulator/rates.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { auditLog, offers, packages, people, requestEvents, sourcingRequests } from '../db/schema.ts'
import { createDemo } from '../demo/generate.ts'
import { londonDate } from '../shared/dates.ts'
import { Random } from '../shared/random.ts'
import { mondayOf, type SimulationSummary, simulate } from './simulate.ts'

describe('arrival rates', () => {
  it('derives Norfolk’s weekly arrivals from DOMAIN.md §12 by turnover', () => {
    const rates = norfolkWeeklyArrivals()
    // 5,300 people / 104 weeks.
    expect(rates.home_care).toBeCloseTo(50.96, 1)
    // 5,997 × 0.5 / 130 and 2,587 × 0.5 / 52: tens of care home placements a week.
    const careHomes = rates.residential + rates.dementia_residential + rates.nursing + rates.dementia_nursing
    expect(careHomes).toBeCloseTo(23.07 + 24.87, 1)
    expect(rates.dementia_nursing / (rates.nursing + rates.dementia_nursing)).toBeCloseTo(1 / 3, 5)
  })

  it('scales with the council’s number of locations and the volume', () => {
    expect(weeklyArrivals(693).home_care).toBeCloseTo(norfolkWeeklyArrivals().home_care, 6)
    expect(weeklyArrivals(693 / 2, 0.5).home_care).toBeCloseTo(norfolkWeeklyArrivals().home_care / 4, 6)
    expect(weeklyArrivals(0).residential).toBe(0)
  })

  it('draws Poisson counts with the asked-for mean', () => {
    const rng = new Random(42)
    const draws = Array.from({ length: 4000 }, () => poisson(6, () => rng.next()))
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length
    expect(mean).toBeGreaterThan(5.8)
    expect(mean).toBeLessThan(6.2)
    expect(poisson(0, () => rng.next())).toBe(0)
    expect(draws.every((d) => Number.isInteger(d) && d >= 0)).toBe(true)
  })

  it('makes a response less likely for rural locations and for those without capacity', () => {
    const urbanRoomy = responseProbability({ rural: false, capacity: 1 })
    const ruralRoomy = responseProbability({ rural: true, capacity: 1 })
    const urbanFull = responseProbability({ rural: false, capacity: 0 })
    expect(ruralRoomy).toBeCloseTo(urbanRoomy * RURAL_FACTOR, 10)
    expect(urbanFull).toBeLessThan(urbanRoomy / 5)
    expect(responseProbability({ rural: false, capacity: 0.5 })).toBeLessThan(urbanRoomy)
    expect(responseProbability({ rural: false, capacity: 0.5 })).toBeGreaterThan(urbanFull)
  })

  it('starts weeks on Monday at 08:00 UTC', () => {
    expect(mondayOf(new Date('2026-03-05T15:00:00Z')).toISOString()).toBe('2026-03-02T08:00:00.000Z')
    expect(mondayOf(new Date('2026-03-08T23:00:00Z')).toISOString()).toBe('2026-03-02T08:00:00.000Z')
    expect(mondayOf(new Date('2026-03-09T01:00:00Z')).toISOString()).toBe('2026-03-09T08:00:00.000Z')
  })
})

// A quarter of the demo council's full rate keeps each run to a few seconds on PGlite.
const RUN = { councilCode: 'DEMO', weeks: 2, seed: 7, start: new Date('2026-03-02T10:00:00Z'), volume: 0.25 }

async function demoDatabase(): Promise<DatabaseHandle> {
  const database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  return database
}

describe('simulating two weeks on the demo council', () => {
  let first: DatabaseHandle
  let second: DatabaseHandle
  let summary: SimulationSummary
  let again: SimulationSummary
  let councilId: number

  beforeAll(async () => {
    first = await demoDatabase()
    second = await demoDatabase()
    summary = await simulate(first.db, RUN)
    again = await simulate(second.db, RUN)
    councilId = (await getCouncilByCode(first.db, 'DEMO')).id
  })

  afterAll(async () => {
    await first?.close()
    await second?.close()
  })

  it('gives the same history for the same seed', () => {
    expect(again).toEqual(summary)
    expect(summary.weeks).toBe(2)
    expect(summary.seed).toBe(7)
  })

  it('gets offers on between 40% and 80% of published requests, and awards some and leaves some unsourced', () => {
    expect(summary.requests).toBeGreaterThan(10)
    expect(summary.published).toBeLessThanOrEqual(summary.requests)
    expect(summary.published + summary.cancelled).toBe(summary.requests)
    expect(summary.responseRate).toBeGreaterThanOrEqual(0.4)
    expect(summary.responseRate).toBeLessThanOrEqual(0.8)
    expect(summary.awarded).toBeGreaterThan(0)
    expect(summary.unsourced).toBeGreaterThan(0)
    expect(summary.offers).toBeGreaterThanOrEqual(summary.withOffers)
    expect(summary.meanOffersPerRequest).toBeCloseTo(summary.offers / summary.published, 2)
  })

  it('stores what the summary reports', async () => {
    const count = async (status: string) =>
      (
        await first.db
          .select({ n: sql<number>`count(*)::int` })
          .from(sourcingRequests)
          .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.status, status)))
      )[0]?.n
    const [all] = await first.db
      .select({ n: sql<number>`count(*)::int` })
      .from(sourcingRequests)
      .where(eq(sourcingRequests.councilId, councilId))
    expect(all?.n).toBe(summary.requests)
    expect(await count('unsourced')).toBe(summary.unsourced)
    expect(summary.started).toBeGreaterThan(0)
    expect(await count('started')).toBe(summary.started)
    expect(await count('awarded')).toBe(summary.awarded - summary.started)
    expect(await count('cancelled')).toBe(summary.cancelled)
    const [offerCount] = await first.db
      .select({ n: sql<number>`count(*)::int` })
      .from(offers)
      .where(eq(offers.councilId, councilId))
    expect(offerCount?.n).toBe(summary.offers)
  })

  it('starts care when the first package starts, and only then', async () => {
    const lastDay = addCalendarDays(londonDate(mondayOf(RUN.start)), 7 * RUN.weeks - 1)
    const requests = await first.db
      .select({
        id: sourcingRequests.id,
        status: sourcingRequests.status,
        firstStart: sql<string>`min(${packages.startDate})::text`,
      })
      .from(sourcingRequests)
      .innerJoin(packages, eq(packages.requestId, sourcingRequests.id))
      .where(eq(sourcingRequests.councilId, councilId))
      .groupBy(sourcingRequests.id, sourcingRequests.status)
    const started = requests.filter((r) => r.status === 'started')
    expect(started).toHaveLength(summary.started)
    for (const request of requests)
      expect(request.status, `request ${request.id} starting ${request.firstStart}`).toBe(
        request.firstStart <= lastDay ? 'started' : 'awarded',
      )
    // Some are still to start when the simulation ends (routine requests start two weeks out).
    expect(started.length).toBeLessThan(requests.length)
  })

  it('keeps where each request is measured from: the person’s postcode and district', async () => {
    const requests = await first.db
      .select({
        preferredPostcode: sourcingRequests.preferredPostcode,
        preferredOutcode: sourcingRequests.preferredOutcode,
        postcode: people.postcode,
        outcode: people.outcode,
      })
      .from(sourcingRequests)
      .innerJoin(people, eq(people.id, sourcingRequests.personId))
      .where(eq(sourcingRequests.councilId, councilId))
    expect(requests).toHaveLength(summary.requests)
    for (const r of requests) {
      expect(r.preferredPostcode).toBe(r.postcode)
      expect(r.preferredOutcode).toBe(r.outcode)
    }
  })

  it('made every row through the services: each has its history and audit entries', async () => {
    const requests = await first.db
      .select({ id: sourcingRequests.id, status: sourcingRequests.status })
      .from(sourcingRequests)
      .where(eq(sourcingRequests.councilId, councilId))
    const events = await first.db
      .select({ requestId: requestEvents.requestId, toStatus: requestEvents.toStatus })
      .from(requestEvents)
      .where(eq(requestEvents.councilId, councilId))
      .orderBy(asc(requestEvents.at), asc(requestEvents.id))
    const audits = await first.db
      .select({ action: auditLog.action, entityType: auditLog.entityType, entityId: auditLog.entityId })
      .from(auditLog)
      .where(eq(auditLog.councilId, councilId))
    const audited = (entityType: string, action: string) =>
      new Set(audits.filter((a) => a.entityType === entityType && a.action === action).map((a) => a.entityId))

    const created = audited('sourcing_request', 'sourcing_request.created')
    for (const request of requests) {
      const history = events.filter((e) => e.requestId === request.id).map((e) => e.toStatus)
      expect(history[0]).toBe('draft')
      expect(history).toContain('submitted')
      // The history ends where the request is now.
      expect(history.at(-1)).toBe(request.status)
      expect(created.has(String(request.id))).toBe(true)
    }
    const submitted = audited('offer', 'offer.submitted')
    const offerRows = await first.db
      .select({ id: offers.id })
      .from(offers)
      .where(eq(offers.councilId, councilId))
    expect(offerRows.length).toBeGreaterThan(0)
    for (const offer of offerRows) expect(submitted.has(String(offer.id))).toBe(true)
    const accepted = audited('offer', 'offer.accepted')
    const packageRows = await first.db
      .select({ offerId: packages.offerId })
      .from(packages)
      .where(eq(packages.councilId, councilId))
    expect(packageRows.length).toBeGreaterThanOrEqual(summary.awarded)
    for (const pkg of packageRows) expect(accepted.has(String(pkg.offerId))).toBe(true)
    // Care homes reported their vacancies through the capacity service.
    expect(audits.some((a) => a.action === 'capacity.reported')).toBe(true)
  })
})
