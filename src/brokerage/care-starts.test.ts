import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import {
  addLocation,
  createTestRequest,
  NORWICH,
  setRequestStatus,
  shapeLocation,
} from '../../test/support/offers-factory.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { auditLog, packages, requestEvents } from '../db/schema.ts'
import { scheduledJobs } from '../modules.ts'
import { startScheduler } from '../scheduler.ts'
import { createServices } from '../services.ts'
import { startDueRequests } from './care-starts.ts'
import { award, evaluateOffers } from './offers/award.ts'
import { makeOffer } from './offers/service.ts'
import { getRequest } from './requests/service.ts'

const system = { kind: 'system', label: 'test' } as const
const PUBLISHED_AT = new Date('2026-06-01T09:00:00Z')
const AWARDED_AT = new Date('2026-06-05T10:00:00Z')
// British Summer Time: 23:30 UTC on 9 June is already 10 June in London.
const LATE_ON_9_JUNE = new Date('2026-06-09T22:30:00Z')
const EARLY_ON_10_JUNE = new Date('2026-06-09T23:30:00Z')
/** The service comes back up after start dates came while it was down. */
const RESTARTED_AT = new Date('2026-06-20T08:00:00Z')

let database: DatabaseHandle
let home: Fixture
let broker: { councilId: number; actor: typeof system }
const homeCare = { a: 0, b: 0 }

const north = (miles: number) => ({
  latitude: NORWICH.latitude + miles / 69.09,
  longitude: NORWICH.longitude,
})

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'CST', testConfig())
  broker = { councilId: home.councilId, actor: system }
  await shapeLocation(database.db, home.providerA.locationId, north(2))
  homeCare.a = await addLocation(database.db, home.councilId, home.providerA.id, {
    cqcLocationId: '1-CSTHCA',
    serviceTypes: ['home_care'],
    coverage: ['NR3'],
    ...north(3),
  })
  homeCare.b = await addLocation(database.db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-CSTHCB',
    serviceTypes: ['home_care'],
    coverage: ['NR3'],
    ...north(4),
  })
})
afterAll(async () => database.close())

/** A care home request awarded to provider A, whose package starts on `startDate`. */
async function awardedPlacement(startDate: string): Promise<{ requestId: number; packageId: number }> {
  const { requestId } = await createTestRequest(database.db, home.councilId, { startDate }, PUBLISHED_AT)
  const { offer } = await makeOffer(
    database.db,
    { councilId: home.councilId, providerOrganisationId: home.providerA.id },
    system,
    requestId,
    {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: startDate,
      meetsAllNeeds: true,
    },
    { now: PUBLISHED_AT },
  )
  await setRequestStatus(database.db, requestId, 'closed')
  const result = await award(database.db, broker, requestId, { offerId: offer.id }, AWARDED_AT)
  return { requestId, packageId: result.packageId }
}

async function startEvents(requestId: number) {
  const events = await database.db.select().from(requestEvents).where(eq(requestEvents.requestId, requestId))
  return events.filter((e) => e.toStatus === 'started')
}

async function startAudits(requestId: number) {
  return database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityId, String(requestId)), eq(auditLog.action, 'sourcing_request.started')))
}

async function statusOf(requestId: number) {
  return (await getRequest(database.db, home, requestId)).status
}

const startedBy = (result: { started: { requestId: number }[] }, requestId: number) =>
  result.started.filter((s) => s.requestId === requestId)

const silent = { info: () => {}, error: () => {} }

describe('starting requests when their care starts', () => {
  it('starts a request on its package’s London start date, exactly once, and the next one on its own day', async () => {
    const onTenth = await awardedPlacement('2026-06-10')
    const onEleventh = await awardedPlacement('2026-06-11')
    expect(await statusOf(onTenth.requestId)).toBe('awarded')

    const dayBefore = await startDueRequests(database.db, LATE_ON_9_JUNE)
    expect(startedBy(dayBefore, onTenth.requestId)).toEqual([])
    expect(await statusOf(onTenth.requestId)).toBe('awarded')

    const onTheDay = await startDueRequests(database.db, EARLY_ON_10_JUNE)
    expect(startedBy(onTheDay, onTenth.requestId)).toEqual([
      { councilId: home.councilId, requestId: onTenth.requestId },
    ])
    expect(await statusOf(onTenth.requestId)).toBe('started')
    expect(await statusOf(onEleventh.requestId)).toBe('awarded')
    const events = await startEvents(onTenth.requestId)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      fromStatus: 'awarded',
      actor: 'care start scheduler',
      reason: `Package ${onTenth.packageId} started on 10 June 2026`,
      at: EARLY_ON_10_JUNE,
    })

    // A second run changes nothing.
    const again = await startDueRequests(database.db, EARLY_ON_10_JUNE)
    expect(startedBy(again, onTenth.requestId)).toEqual([])
    expect(startedBy(again, onEleventh.requestId)).toEqual([])
    expect(await startEvents(onTenth.requestId)).toHaveLength(1)
    expect(await startAudits(onTenth.requestId)).toHaveLength(1)

    // Down from the 10th to the 20th: the first run after catches up.
    const caughtUp = await startDueRequests(database.db, RESTARTED_AT)
    expect(startedBy(caughtUp, onEleventh.requestId)).toHaveLength(1)
    expect(startedBy(caughtUp, onTenth.requestId)).toEqual([])
    expect(await statusOf(onEleventh.requestId)).toBe('started')
    const [audit] = await startAudits(onEleventh.requestId)
    expect(audit?.details).toMatchObject({
      from: 'awarded',
      to: 'started',
      packageId: onEleventh.packageId,
      startDate: '2026-06-11',
    })
    expect(await startEvents(onTenth.requestId)).toHaveLength(1)
  })

  it('starts a request awarded after its start date on the next run, once even with two runs at once', async () => {
    const late = await awardedPlacement('2026-06-03')
    // The package started two days before the award.
    const [pkg] = await database.db.select().from(packages).where(eq(packages.id, late.packageId))
    expect(pkg?.startDate).toBe('2026-06-03')
    const [first, second] = await Promise.all([
      startDueRequests(database.db, AWARDED_AT),
      startDueRequests(database.db, AWARDED_AT),
    ])
    expect([...startedBy(first, late.requestId), ...startedBy(second, late.requestId)]).toHaveLength(1)
    expect(await startEvents(late.requestId)).toHaveLength(1)
    expect(await startAudits(late.requestId)).toHaveLength(1)
  })

  it('runs at start-up of the scheduler, from two instances at once, exactly once', async () => {
    const due = await awardedPlacement('2026-06-12')
    const stopFirst = startScheduler({
      jobs: scheduledJobs(createServices({ database, config: testConfig() })),
      logger: silent,
      now: () => RESTARTED_AT,
    })
    const stopSecond = startScheduler({
      jobs: scheduledJobs(createServices({ database, config: testConfig() })),
      logger: silent,
      now: () => RESTARTED_AT,
    })
    await Promise.all([stopFirst(), stopSecond()])
    expect(await statusOf(due.requestId)).toBe('started')
    expect(await startEvents(due.requestId)).toHaveLength(1)
  })

  it('starts split home care with its first package, and still lets the unfilled visit be awarded', async () => {
    const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
    const { requestId, visitIds } = await createTestRequest(
      database.db,
      home.councilId,
      {
        serviceType: 'home_care',
        usualPricePence: 2_500,
        startDate: '2026-06-10',
        visits: [
          { days: everyDay, windowStart: '07:30', windowEnd: '09:00', durationMinutes: 30 },
          { days: everyDay, windowStart: '20:00', windowEnd: '21:00', durationMinutes: 30 },
        ],
      },
      PUBLISHED_AT,
    )
    const [morning, evening] = visitIds as [number, number]
    const a = await makeOffer(
      database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerA.id },
      system,
      requestId,
      {
        locationId: homeCare.a,
        pricePence: 2_400,
        earliestStart: '2026-06-10',
        visitIds: [morning],
        meetsAllNeeds: true,
      },
      { now: PUBLISHED_AT },
    )
    const b = await makeOffer(
      database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerB.id },
      system,
      requestId,
      {
        locationId: homeCare.b,
        pricePence: 2_300,
        earliestStart: '2026-06-15',
        visitIds: [evening],
        meetsAllNeeds: true,
      },
      { now: PUBLISHED_AT },
    )
    await setRequestStatus(database.db, requestId, 'closed')
    await award(database.db, broker, requestId, { offerId: a.offer.id }, AWARDED_AT)

    await startDueRequests(database.db, EARLY_ON_10_JUNE)
    const started = await evaluateOffers(database.db, home, requestId, EARLY_ON_10_JUNE)
    expect(started.request.status).toBe('started')
    expect(started.unfilledSlots).toEqual([evening])
    expect(started.onInterimCareList).toBe(true)

    const second = await award(database.db, broker, requestId, { offerId: b.offer.id }, EARLY_ON_10_JUNE)
    expect(second).toMatchObject({ requestStatus: 'started', unfilledVisitIds: [], onInterimCareList: false })
    // The later package starting is no second start.
    await startDueRequests(database.db, RESTARTED_AT)
    expect(await startEvents(requestId)).toHaveLength(1)
    expect(await statusOf(requestId)).toBe('started')
  })
})
