// The home page's register queues over a real database: restrictions due for review, the share of
// capacity reports out of date, and a provider's own capacity report.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { sessionUserOf } from '../../test/support/request-users.ts'
import type { SessionUser } from '../accounts/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { bedVacancyReports, restrictions, users } from '../db/schema.ts'
import type { QueueGroup } from '../web/queue.ts'
import { dueForReview, providersQueue } from './queue.ts'

let database: DatabaseHandle
let home: Fixture
let other: Fixture
let commissioner: SessionUser
const now = new Date('2026-12-07T12:00:00Z')
const today = '2026-12-07'
const DAY = 86_400_000

function line(groups: QueueGroup[], id: string) {
  const found = groups.flatMap((g) => g.lines).find((l) => l.id === id)
  if (!found) throw new Error(`no line ${id}`)
  return found
}

async function providerUser(fixture: Fixture, who: 'providerA' | 'providerB'): Promise<SessionUser> {
  const [row] = await database.db.select().from(users).where(eq(users.email, fixture.emails[who]))
  if (!row) throw new Error('no provider user')
  return {
    id: row.id,
    email: row.email,
    role: 'provider_user',
    councilId: fixture.councilId,
    councilCode: fixture.code,
    councilName: `${fixture.code} Test Council`,
    councilIsDemo: false,
    providerOrganisationId: fixture[who].id,
    teamIds: [],
  }
}

async function restrict(fixture: Fixture, startsOn: string, endsOn: string | null) {
  await database.db.insert(restrictions).values({
    councilId: fixture.councilId,
    locationId: fixture.providerA.locationId,
    kind: 'no_new_placements',
    startsOn,
    endsOn,
    reason: 'Safeguarding concerns',
    createdBy: 'commissioner@test',
  })
}

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'PQH', testConfig())
  other = await seedCouncil(database, 'PQO', testConfig())
  commissioner = await sessionUserOf(database, home, 'commissioner')
  await restrict(home, '2026-11-20', '2026-12-14') // ends within 14 days: due
  await restrict(home, '2026-11-20', '2027-03-01') // ends later: not due
  await restrict(home, '2026-08-01', null) // open-ended for over 90 days: due
  await restrict(home, '2026-11-01', null) // open-ended, recent: not due
  await restrict(other, '2026-11-20', '2026-12-10') // another council's
  // Provider A reported two days ago; provider B never has. Another council's report counts for nothing.
  for (const fixture of [home, other])
    await database.db.insert(bedVacancyReports).values({
      councilId: fixture.councilId,
      locationId: fixture.providerA.locationId,
      bedType: 'residential',
      vacancies: 2,
      reportedAt: new Date(now.getTime() - 2 * DAY),
      reportedBy: 'provider-a@test',
      source: 'web',
    })
})
afterAll(async () => database.close())

describe('restrictions due for review', () => {
  it('are those ending within 14 days, or open-ended for 90 days or more', () => {
    expect(dueForReview({ startsOn: '2026-12-01', endsOn: '2026-12-21' }, today)).toBe(true)
    expect(dueForReview({ startsOn: '2026-12-01', endsOn: '2026-12-22' }, today)).toBe(false)
    expect(dueForReview({ startsOn: '2026-09-08', endsOn: null }, today)).toBe(true)
    expect(dueForReview({ startsOn: '2026-09-09', endsOn: null }, today)).toBe(false)
  })

  it('are counted on the commissioner’s home page, soonest first, and no other council’s', async () => {
    const due = line(await providersQueue(database.db, commissioner, now), 'restrictions-due')
    expect(due.count).toBe(2)
    expect(due.examples.map((e) => e.detail)).toEqual([
      'in force since 1 August 2026',
      'ends 14 December 2026',
    ])
  })
})

describe('capacity reports out of date', () => {
  it('gives the commissioner the share of locations whose report is stale or missing', async () => {
    const stale = line(await providersQueue(database.db, commissioner, now), 'capacity-stale-share')
    expect(stale.count).toBe(1)
    expect(stale.countText).toBe('50% (1 of 2 locations)')
  })

  it('tells each provider whether its own report is out of date', async () => {
    const a = line(
      await providersQueue(database.db, await providerUser(home, 'providerA'), now),
      'capacity-stale',
    )
    const b = line(
      await providersQueue(database.db, await providerUser(home, 'providerB'), now),
      'capacity-stale',
    )
    expect([a.count, b.count]).toEqual([0, 1])
    expect(b.examples[0]?.detail).toBe('never reported')
    const aWeekLater = new Date(now.getTime() + 7 * DAY)
    const aLater = line(
      await providersQueue(database.db, await providerUser(home, 'providerA'), aWeekLater),
      'capacity-stale',
    )
    expect(aLater.count).toBe(1)
  })
})
