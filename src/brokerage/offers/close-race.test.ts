// Offers racing the end of a request: every offer kept is stamped no later than the close (or
// cancellation), every other is refused with a 409, and nothing is stored after. PGlite runs one
// statement at a time, so the race is real only on PostgreSQL (TEST_DATABASE_URL): there, a second
// connection holds the request's share lock, as an offer in flight does, while the close waits.
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { addLocation, createTestRequest, NORWICH } from '../../../test/support/offers-factory.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { offers, requestEvents, sourcingRequests } from '../../db/schema.ts'
import { ConflictError } from '../../errors.ts'
import { cancel, closeRequest } from '../requests/service.ts'
import { makeOffer, reviseOffer, withdrawOffer } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
const RACERS = 24
let database: DatabaseHandle
let home: Fixture
let scope: { councilId: number; providerOrganisationId: number }
let caller: { kind: 'system'; label: string; councilId: number }
const locationIds: number[] = []
const terms = { pricePence: 90_000, earliestStart: '2099-01-01', meetsAllNeeds: true }

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'RACE', testConfig())
  scope = { councilId: home.councilId, providerOrganisationId: home.providerA.id }
  caller = { kind: 'system', label: 'test', councilId: home.councilId }
  for (let i = 0; i < RACERS + 2; i++)
    locationIds.push(
      await addLocation(database.db, home.councilId, home.providerA.id, {
        cqcLocationId: `1-RACE${i}`,
        latitude: NORWICH.latitude + 0.01,
        longitude: NORWICH.longitude,
      }),
    )
})
afterAll(async () => database.close())

const location = (i: number) => locationIds[i] as number

async function endOf(requestId: number) {
  const [request] = await database.db
    .select()
    .from(sourcingRequests)
    .where(eq(sourcingRequests.id, requestId))
  const events = await database.db
    .select()
    .from(requestEvents)
    .where(
      and(eq(requestEvents.requestId, requestId), sql`${requestEvents.toStatus} in ('closed', 'cancelled')`),
    )
  const stored = await database.db.select().from(offers).where(eq(offers.requestId, requestId))
  return { request, at: events[0]?.at as Date, stored }
}

function expectRefusedWithConflict(attempt: PromiseSettledResult<unknown>) {
  if (attempt.status === 'rejected') {
    expect(attempt.reason).toBeInstanceOf(ConflictError)
    expect((attempt.reason as ConflictError).statusCode).toBe(409)
  }
}

describe('offers racing a close', () => {
  it('are stored before the close, or refused with a 409', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const first = await makeOffer(database.db, scope, system, requestId, {
      ...terms,
      locationId: location(0),
    })
    const second = await makeOffer(database.db, scope, system, requestId, {
      ...terms,
      locationId: location(1),
    })
    const offer = (i: number) =>
      makeOffer(database.db, scope, system, requestId, { ...terms, locationId: location(i + 2) })
    const half = RACERS / 2
    // Half the offers are sent before the close and half after, with a revision and a withdrawal.
    const before = Array.from({ length: half }, (_, i) => offer(i))
    const ending = [
      closeRequest(database.db, caller, requestId),
      reviseOffer(database.db, scope, system, first.offer.id, { ...terms, version: 1, pricePence: 85_000 }),
      withdrawOffer(database.db, scope, system, second.offer.id),
    ]
    const after = Array.from({ length: half }, (_, i) => offer(half + i))
    const [closing, revising, withdrawing, ...attempts] = await Promise.allSettled([
      ...ending,
      ...before,
      ...after,
    ])
    expect(closing?.status).toBe('fulfilled')
    const { request, at, stored } = await endOf(requestId)
    expect(request?.status).toBe('closed')
    expect(request?.closedAt).toEqual(at)
    for (const offer of stored) {
      expect(offer.createdAt.getTime()).toBeLessThanOrEqual(at.getTime())
      expect(offer.updatedAt.getTime()).toBeLessThanOrEqual(at.getTime())
    }
    for (const attempt of attempts) {
      expectRefusedWithConflict(attempt)
      if (attempt.status === 'fulfilled')
        expect(stored.some((o) => o.id === (attempt.value as { offer: { id: number } }).offer.id)).toBe(true)
    }
    expect(stored.length).toBe(2 + attempts.filter((a) => a.status === 'fulfilled').length)
    expectRefusedWithConflict(revising as PromiseSettledResult<unknown>)
    expectRefusedWithConflict(withdrawing as PromiseSettledResult<unknown>)
    const revised = stored.find((o) => o.id === first.offer.id)
    expect(revised?.pricePence).toBe(revising?.status === 'fulfilled' ? 85_000 : 90_000)
    const withdrawn = stored.find((o) => o.id === second.offer.id)
    expect(withdrawn?.status).toBe(withdrawing?.status === 'fulfilled' ? 'withdrawn' : 'submitted')
    await expect(
      makeOffer(database.db, scope, system, requestId, { ...terms, locationId: location(RACERS + 1) }),
    ).rejects.toThrow(/closed/)
  })
})

/** Resolves once some connection to the test database is waiting for a lock. */
async function someoneWaitsForALock(): Promise<void> {
  for (;;) {
    const result = await database.db.execute(sql`select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`)
    if (Number((result as unknown as { rows: { waiting: number }[] }).rows[0]?.waiting) > 0) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const ends = {
  close: (requestId: number) => closeRequest(database.db, caller, requestId),
  cancel: (requestId: number) => cancel(database.db, caller, requestId, { reason: 'The person moved away' }),
}

describe.runIf(process.env.TEST_DATABASE_URL)('an offer made while a close waits for the lock', () => {
  for (const [name, end] of Object.entries(ends)) {
    it(`is stamped before the ${name}, whose time is read once the lock is held`, async () => {
      const { requestId } = await createTestRequest(database.db, home.councilId)
      const earlier = await makeOffer(database.db, scope, system, requestId, {
        ...terms,
        locationId: location(0),
      })
      // An offer in flight: another connection holds the request's share lock until released.
      let release = () => {}
      const released = new Promise<void>((resolve) => {
        release = resolve
      })
      let held = () => {}
      const holding = new Promise<void>((resolve) => {
        held = resolve
      })
      const holder = database.db.transaction(async (tx) => {
        await tx.select().from(sourcingRequests).where(eq(sourcingRequests.id, requestId)).for('share')
        held()
        await released
      })
      await holding
      const startedAt = Date.now()
      const ending = end(requestId)
      await someoneWaitsForALock()
      // The clock has moved on since the close began: a close stamped then would be too early.
      while (Date.now() <= startedAt) await new Promise((resolve) => setTimeout(resolve, 1))
      const made = await makeOffer(database.db, scope, system, requestId, {
        ...terms,
        locationId: location(1),
      })
      const revised = await reviseOffer(database.db, scope, system, earlier.offer.id, {
        ...terms,
        version: 1,
        pricePence: 80_000,
      })
      release()
      await holder
      await ending
      const { at, stored } = await endOf(requestId)
      expect(stored.map((o) => o.id).sort()).toEqual([earlier.offer.id, made.offer.id].sort())
      expect(made.offer.createdAt.getTime()).toBeLessThanOrEqual(at.getTime())
      expect(revised.updatedAt.getTime()).toBeLessThanOrEqual(at.getTime())
      for (const offer of stored) {
        expect(offer.createdAt.getTime()).toBeLessThanOrEqual(at.getTime())
        // A cancellation declines the open offers at its own time, never before they were made.
        expect(offer.updatedAt.getTime()).toBeGreaterThanOrEqual(offer.createdAt.getTime())
      }
    })
  }
})
