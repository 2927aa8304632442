import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { careHomeRequest, sessionUserOf } from '../../test/support/request-users.ts'
import type { SessionUser } from '../accounts/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { auditLog, requestEvents } from '../db/schema.ts'
import { scheduledJobs } from '../modules.ts'
import { startScheduler } from '../scheduler.ts'
import { createServices } from '../services.ts'
import { closeDueRequests, DEADLINE_REASON } from './deadlines.ts'
import { createRequest, getRequest, submit, transitionRequest } from './requests/service.ts'
import { findRequestRow } from './requests/store.ts'

const PUBLISHED_AT = new Date('2026-03-02T10:00:00Z')
const DEADLINE = new Date('2026-03-09T10:00:00Z')
/** The service comes back up after the deadline passed while it was down. */
const RESTARTED_AT = new Date('2026-03-09T13:30:00Z')

let database: DatabaseHandle
let home: Fixture
let socialWorker: SessionUser

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'DLN', testConfig())
  socialWorker = await sessionUserOf(database, home, 'social_worker')
})
afterAll(async () => database.close())

/** A request published with the given deadline (invitations are not this test's business). */
async function publishedRequest(deadlineAt: Date): Promise<number> {
  const created = await createRequest(database.db, socialWorker, careHomeRequest(), { now: PUBLISHED_AT })
  await submit(database.db, socialWorker, created.id, { now: PUBLISHED_AT })
  await database.db.transaction(async (tx) => {
    const row = await findRequestRow(tx, home.councilId, created.id)
    if (!row) throw new Error('no row')
    await transitionRequest(
      tx,
      row,
      'publish',
      { kind: 'system', label: 'test' },
      {
        now: PUBLISHED_AT,
        set: { publishedAt: PUBLISHED_AT, deadlineAt },
      },
    )
  })
  return created.id
}

async function closeEvents(requestId: number) {
  const events = await database.db.select().from(requestEvents).where(eq(requestEvents.requestId, requestId))
  return events.filter((e) => e.toStatus === 'closed')
}

const silent = { info: () => {}, error: () => {} }

describe('closing requests at their deadline', () => {
  it('closes a deadline that passed while the service was down exactly once, even with two runs at once', async () => {
    const due = await publishedRequest(DEADLINE)
    const notYet = await publishedRequest(new Date('2026-03-10T10:00:00Z'))

    const [first, second] = await Promise.all([
      closeDueRequests(database.db, RESTARTED_AT),
      closeDueRequests(database.db, RESTARTED_AT),
    ])
    const closedByRuns = [...first.closed, ...second.closed].filter((c) => c.requestId === due)
    expect(closedByRuns).toHaveLength(1)

    const events = await closeEvents(due)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      fromStatus: 'published',
      reason: DEADLINE_REASON,
      actor: 'deadline scheduler',
    })
    const request = await getRequest(database.db, home, due)
    expect(request.status).toBe('closed')
    expect(request.closedAt?.toISOString()).toBe(RESTARTED_AT.toISOString())
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.entityId, String(due)))
    expect(audits.filter((a) => a.action === 'sourcing_request.closed')).toHaveLength(1)

    expect((await getRequest(database.db, home, notYet)).status).toBe('published')
    const again = await closeDueRequests(database.db, RESTARTED_AT)
    expect(again.closed.filter((c) => c.requestId === due || c.requestId === notYet)).toEqual([])
  })

  it('acts on passed deadlines at start-up, from two instances at once, exactly once', async () => {
    const due = await publishedRequest(DEADLINE)
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
    // Stopping waits for the start-up run in progress.
    await Promise.all([stopFirst(), stopSecond()])
    expect(await closeEvents(due)).toHaveLength(1)
    expect((await getRequest(database.db, home, due)).status).toBe('closed')
  })

  it('leaves a request a broker closed early alone', async () => {
    const due = await publishedRequest(DEADLINE)
    await database.db.transaction(async (tx) => {
      const row = await findRequestRow(tx, home.councilId, due)
      if (!row) throw new Error('no row')
      await transitionRequest(
        tx,
        row,
        'close',
        { kind: 'system', label: 'broker stand-in' },
        { now: DEADLINE },
      )
    })
    const result = await closeDueRequests(database.db, RESTARTED_AT)
    expect(result.closed.find((c) => c.requestId === due)).toBeUndefined()
    expect(await closeEvents(due)).toHaveLength(1)
  })
})
