// The home page's market queues over a real database: the Interim Care List's waits for brokers,
// only a social worker's own caseload's, and the market events a commissioner has not seen yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { placeInvitableLocation, TEST_PERSON } from '../../test/support/offers-factory.ts'
import { careHomeRequest, sessionUserOf } from '../../test/support/request-users.ts'
import { actorOf, type SessionUser } from '../accounts/service.ts'
import { markUnsourced } from '../brokerage/offers/award.ts'
import { closeRequest, createRequest, publish, submit } from '../brokerage/requests/service.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { marketEvents } from '../db/schema.ts'
import { wireDomainEvents } from '../services.ts'
import { londonDate } from '../shared/dates.ts'
import type { QueueGroup } from '../web/queue.ts'
import { insightsReport } from './insights/service.ts'
import { marketQueue, recordMarketEventsVisit } from './queue.ts'

let database: DatabaseHandle
let home: Fixture
let other: Fixture
let broker: SessionUser
let socialWorker: SessionUser
let commissioner: SessionUser

function line(groups: QueueGroup[], id: string) {
  const found = groups.flatMap((g) => g.lines).find((l) => l.id === id)
  if (!found) throw new Error(`no line ${id}`)
  return found
}

/** A request made by `maker`, taken through its life until it is unsourced: on the list. */
async function unsourcedRequest(fixture: Fixture, maker: SessionUser, name: string): Promise<number> {
  const db = database.db
  const brokerOfCouncil = await sessionUserOf(database, fixture, 'broker')
  const request = await createRequest(
    db,
    maker,
    careHomeRequest({
      person: { ...TEST_PERSON, name },
      startDate: addCalendarDays(londonDate(new Date()), 14),
    }),
  )
  await submit(db, maker, request.id)
  await publish(db, brokerOfCouncil, request.id)
  await closeRequest(db, brokerOfCouncil, request.id, { reason: 'No offers came' })
  await markUnsourced(db, { councilId: fixture.councilId, actor: actorOf(brokerOfCouncil) }, request.id, {})
  return request.id
}

async function recordEvent(fixture: Fixture, recordedAt: Date) {
  await database.db.insert(marketEvents).values({
    councilId: fixture.councilId,
    kind: 'closure',
    providerOrganisationId: fixture.providerA.id,
    locationId: fixture.providerA.locationId,
    occurredOn: londonDate(recordedAt),
    bedsLost: 12,
    recordedAt,
    recordedBy: 'commissioner@test',
  })
}

beforeAll(async () => {
  wireDomainEvents()
  database = await createTestDatabase()
  home = await seedCouncil(database, 'MQH', testConfig())
  other = await seedCouncil(database, 'MQO', testConfig())
  await placeInvitableLocation(database.db, home)
  await placeInvitableLocation(database.db, other)
  broker = await sessionUserOf(database, home, 'broker')
  socialWorker = await sessionUserOf(database, home, 'social_worker')
  commissioner = await sessionUserOf(database, home, 'commissioner')
  await unsourcedRequest(home, socialWorker, 'Ada Waiting')
  await unsourcedRequest(home, broker, 'Bea Brokered')
  await unsourcedRequest(other, await sessionUserOf(database, other, 'broker'), 'Cy Elsewhere')
})
afterAll(async () => database.close())

describe('the Interim Care List on the home page', () => {
  it('shows a broker everyone waiting in the council, and no other council’s', async () => {
    const waits = line(await marketQueue(database.db, broker), 'icl-longest-waits')
    expect(waits.count).toBe(2)
    expect(waits.examples.map((e) => e.text).sort()).toEqual([
      expect.stringContaining('Ada Waiting'),
      expect.stringContaining('Bea Brokered'),
    ])
  })

  it('shows a social worker only the people of their caseload', async () => {
    const mine = line(await marketQueue(database.db, socialWorker), 'icl-my-people')
    expect(mine.count).toBe(1)
    expect(mine.examples.map((e) => e.text)).toEqual([expect.stringContaining('Ada Waiting')])
  })
})

describe('the commissioner’s market queue', () => {
  it('counts the market events recorded since they last looked', async () => {
    const start = new Date()
    await recordEvent(home, new Date(start.getTime() - 60_000))
    await recordEvent(other, new Date(start.getTime() - 60_000))
    expect(line(await marketQueue(database.db, commissioner), 'new-market-events').count).toBe(1)
    await recordMarketEventsVisit(database.db, commissioner, start)
    expect(line(await marketQueue(database.db, commissioner), 'new-market-events').count).toBe(0)
    await recordEvent(home, new Date(start.getTime() + 60_000))
    expect(line(await marketQueue(database.db, commissioner), 'new-market-events').count).toBe(1)
  })

  it('counts the requests hard to serve: still unsourced once the days have passed', async () => {
    expect(line(await marketQueue(database.db, commissioner), 'hard-to-serve').count).toBe(0)
    const later = new Date(Date.now() + 40 * 86_400_000)
    const hard = line(await marketQueue(database.db, commissioner, later), 'hard-to-serve')
    expect(hard.count).toBe(2)
    expect(hard.href).toBe('/insights#hard-to-serve')
    // The line counts what the insights page shows for the same default period.
    const report = await insightsReport(database.db, home.councilId, {}, later)
    expect(hard.count).toBe(report.hardToServe.total.unsourced)
  })
})
