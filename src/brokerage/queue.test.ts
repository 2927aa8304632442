// The home page's brokerage queues, counted over a real database: each line's count is the number
// of requests (or opportunities, offers, messages) in that state for that user, and nobody else's.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import {
  createTestRequest,
  placeInvitableLocation,
  setRequestStatus,
} from '../../test/support/offers-factory.ts'
import { careHomeRequest, sessionUserOf } from '../../test/support/request-users.ts'
import type { SessionUser } from '../accounts/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { inbox, offers, users } from '../db/schema.ts'
import { londonDate } from '../shared/dates.ts'
import type { QueueGroup } from '../web/queue.ts'
import { markMessagesRead } from './offers/store.ts'
import { brokerageQueue, recordOpportunitiesVisit } from './queue.ts'
import { assignRequest } from './requests/assignment.ts'
import { createRequest, returnToSocialWorker, submit } from './requests/service.ts'
import { addCalendarDays } from './rules/index.ts'

let database: DatabaseHandle
let home: Fixture
let other: Fixture
let broker: SessionUser
let socialWorker: SessionUser
let providerB: SessionUser
const now = new Date()
const HOUR = 3_600_000
const ids: Record<string, number> = {}

/** Each line's count by its id. */
function counts(groups: QueueGroup[]): Record<string, number> {
  return Object.fromEntries(groups.flatMap((g) => g.lines.map((l) => [l.id, l.count])))
}

function line(groups: QueueGroup[], id: string) {
  const found = groups.flatMap((g) => g.lines).find((l) => l.id === id)
  if (!found) throw new Error(`no line ${id}`)
  return found
}

async function offerOn(requestId: number, fixture: Fixture, who: 'providerA' | 'providerB') {
  await database.db.insert(offers).values({
    councilId: fixture.councilId,
    requestId,
    locationId: fixture[who].locationId,
    providerOrganisationId: fixture[who].id,
    pricePence: 90_000,
    earliestStart: '2027-01-04',
    meetsAllNeeds: true,
  })
}

async function providerUser(fixture: Fixture): Promise<SessionUser> {
  const [row] = await database.db.select().from(users).where(eq(users.email, fixture.emails.providerB))
  if (!row) throw new Error('no provider user')
  return {
    id: row.id,
    email: row.email,
    role: 'provider_user',
    councilId: fixture.councilId,
    councilCode: fixture.code,
    councilName: `${fixture.code} Test Council`,
    councilIsDemo: false,
    providerOrganisationId: fixture.providerB.id,
    teamIds: [],
  }
}

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'QUH', testConfig())
  other = await seedCouncil(database, 'QUO', testConfig())
  await placeInvitableLocation(database.db, home)
  broker = await sessionUserOf(database, home, 'broker')
  socialWorker = await sessionUserOf(database, home, 'social_worker')
  providerB = await providerUser(home)
  const db = database.db
  const make = async (name: string, spec: Parameters<typeof createTestRequest>[2]) => {
    ids[name] = (await createTestRequest(db, home.councilId, spec, now)).requestId
  }
  await make('submitted', { publish: false })
  await make('closesTomorrow', { deadlineAt: new Date(now.getTime() + 20 * HOUR) })
  await make('closesLater', { deadlineAt: new Date(now.getTime() + 5 * 24 * HOUR) })
  await make('closedWithOffers', { deadlineAt: new Date(now.getTime() + 24 * HOUR) })
  await offerOn(ids.closedWithOffers as number, home, 'providerA')
  await offerOn(ids.closedWithOffers as number, home, 'providerB')
  await setRequestStatus(db, ids.closedWithOffers as number, 'closed')
  await make('closedWithout', {})
  await setRequestStatus(db, ids.closedWithout as number, 'closed')
  await make('unsourced', {})
  await setRequestStatus(db, ids.unsourced as number, 'unsourced')
  // Another council's work is never counted.
  await createTestRequest(db, other.councilId, { publish: false }, now)
  await createTestRequest(db, other.councilId, {}, now)
})
afterAll(async () => database.close())

describe('the broker’s queue', () => {
  it('counts each queue of the council’s requests, and no other council’s', async () => {
    const groups = await brokerageQueue(database.db, broker, now)
    expect(counts(groups)).toMatchObject({
      'to-publish': 1,
      'closing-soon': 1,
      'to-award': 1,
      'no-offers': 3,
      'to-republish': 1,
    })
    expect(line(groups, 'closing-soon').examples.map((e) => e.href)).toEqual([
      `/requests/${ids.closesTomorrow}`,
    ])
    expect(line(groups, 'to-publish').href).toBe('/requests?queue=to-publish')
  })

  it('gives the offer count of each closed request waiting for an award', async () => {
    const groups = await brokerageQueue(database.db, broker, now)
    expect(line(groups, 'to-award').examples).toEqual([
      expect.objectContaining({ href: `/requests/${ids.closedWithOffers}`, detail: '2 offers' }),
    ])
  })

  it('lists the oldest first: here, the soonest closing', async () => {
    const groups = await brokerageQueue(database.db, broker, now)
    expect(line(groups, 'no-offers').examples.map((e) => e.href)).toEqual(
      [ids.closesTomorrow, ids.closedWithout, ids.closesLater].map((id) => `/requests/${id}`),
    )
  })

  it('counts the requests assigned to the broker still being sourced', async () => {
    expect(counts(await brokerageQueue(database.db, broker, now))['assigned-to-me']).toBe(0)
    await assignRequest(database.db, broker, ids.closedWithOffers as number, {})
    await assignRequest(database.db, broker, ids.submitted as number, {})
    expect(counts(await brokerageQueue(database.db, broker, now))['assigned-to-me']).toBe(2)
  })
})

describe('the social worker’s queue', () => {
  it('counts their own drafts, the requests returned to them, and their requests by status', async () => {
    const db = database.db
    const input = () => careHomeRequest({ startDate: addCalendarDays(londonDate(now), 14) })
    await createRequest(db, socialWorker, input())
    await createRequest(db, socialWorker, input())
    const returned = await createRequest(db, socialWorker, input())
    await submit(db, socialWorker, returned.id)
    await returnToSocialWorker(db, broker, returned.id, { reason: 'Add the person’s GP' })
    // A broker's draft is not the social worker's to finish.
    await createRequest(db, broker, input())
    const groups = await brokerageQueue(db, socialWorker, now)
    expect(counts(groups)).toMatchObject({
      'my-drafts': 2,
      returned: 1,
      'status-draft': 2,
      'status-returned': 1,
    })
    // The requests made outside their caseload (the factory's have no maker) are not theirs.
    expect(counts(groups)['status-published']).toBeUndefined()
  })
})

describe('the provider’s queue', () => {
  it('counts opportunities new since the last visit and those closing soon', async () => {
    const first = await brokerageQueue(database.db, providerB, now)
    expect(counts(first)).toMatchObject({ 'new-opportunities': 2, 'closing-soon': 1 })
    await recordOpportunitiesVisit(database.db, providerB, new Date(now.getTime() + 1000))
    expect(counts(await brokerageQueue(database.db, providerB, now))['new-opportunities']).toBe(0)
    const later = new Date(now.getTime() + 2000)
    await createTestRequest(database.db, home.councilId, {}, later)
    expect(counts(await brokerageQueue(database.db, providerB, later))['new-opportunities']).toBe(1)
  })

  it('counts its offers by outcome and its unread messages', async () => {
    // Invitations to the opportunities above are messages too.
    const before = counts(await brokerageQueue(database.db, providerB, now))['unread-messages'] ?? 0
    await database.db.insert(inbox).values([
      { councilId: home.councilId, providerOrganisationId: home.providerB.id, subject: 'One', body: 'x' },
      { councilId: home.councilId, providerOrganisationId: home.providerB.id, subject: 'Two', body: 'y' },
      { councilId: home.councilId, providerOrganisationId: home.providerA.id, subject: 'Not B’s', body: 'z' },
    ])
    const groups = await brokerageQueue(database.db, providerB, now)
    expect(counts(groups)).toMatchObject({ 'offers-submitted': 1, 'unread-messages': before + 2 })
    await markMessagesRead(database.db, home.councilId, home.providerB.id)
    expect(counts(await brokerageQueue(database.db, providerB, now))['unread-messages']).toBe(0)
  })
})
