import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { placePerson, prepareFailingCouncil, rePlace } from '../../../test/support/failure-fixture.ts'
import { sessionUserOf } from '../../../test/support/request-users.ts'
import { addUser, type SessionUser } from '../../accounts/service.ts'
import type { Actor } from '../../audit/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { packages, requestVisits, sourcingRequests, staffNotifications } from '../../db/schema.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { endOfLondonDay } from '../../market/icl/rules.ts'
import { iclAt, iclReport, listSnapshots, takeDueSnapshots } from '../../market/icl/service.ts'
import { londonDate, startOfLondonDay } from '../../shared/dates.ts'
import { addCalendarDays, DEFAULT_BROKERAGE_SETTINGS } from '../rules/index.ts'
import { updateBrokerageSettings } from '../settings/service.ts'
import { handBackOf, handBackPackage, resourceHandBack } from './hand-backs.ts'

// Early March is GMT: these instants fall on the London dates they name.
const NOW = new Date('2026-03-02T10:00:00Z')
const providerActor: Actor = { kind: 'user', userId: null, councilId: 0, email: 'provider@a.test' }

let database: DatabaseHandle
let home: Fixture
let broker: SessionUser
let socialWorker: SessionUser
let scopeA: { councilId: number; providerOrganisationId: number }
let atA: { locationId: number; providerOrganisationId: number }
let people = 0

/** A person placed with provider A by a social worker's request: home care, 2 × 45 minutes a week. */
async function placed() {
  people++
  const made = await placePerson(database.db, home.councilId, atA, {
    name: `Hana Back${people}`,
    serviceType: 'home_care',
    weeklyCostPence: 30_000,
    visits: [{ days: ['mon', 'thu'], windowStart: '08:00', windowEnd: '09:00', durationMinutes: 45 }],
  })
  await database.db
    .update(sourcingRequests)
    .set({ createdByUserId: socialWorker.id })
    .where(eq(sourcingRequests.id, made.requestId))
  return made
}

const give = (packageId: number, input: Record<string, unknown>, now = NOW) =>
  handBackPackage(database.db, scopeA, providerActor, packageId, input, now)

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'HAND', testConfig())
  await prepareFailingCouncil(database.db, home)
  broker = await sessionUserOf(database, home, 'broker')
  socialWorker = await sessionUserOf(database, home, 'social_worker')
  scopeA = { councilId: home.councilId, providerOrganisationId: home.providerA.id }
  atA = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
})
afterAll(async () => database.close())

describe('giving notice', () => {
  it('takes the council’s notice period, ends the package on the last day, and tells the broker and the social worker', async () => {
    const { packageId, requestId } = await placed()
    const handBack = await give(packageId, { reason: 'We are leaving the area', lastDay: '2026-03-30' })
    expect(handBack).toMatchObject({
      packageId,
      requestId,
      lastDay: '2026-03-30',
      noticeDays: 28,
      shortNoticeReason: null,
      resourcingRequestId: null,
    })
    const [pkg] = await database.db.select().from(packages).where(eq(packages.id, packageId))
    expect(pkg?.endDate).toBe('2026-03-30')
    const told = await database.db
      .select({ userId: staffNotifications.userId })
      .from(staffNotifications)
      .where(
        and(eq(staffNotifications.kind, 'package_handed_back'), eq(staffNotifications.requestId, requestId)),
      )
    expect(told.map((t) => t.userId).sort()).toEqual([broker.id, socialWorker.id].sort())
  })

  it('refuses a last day sooner than the notice period without a reason for the short notice', async () => {
    const { packageId } = await placed()
    const refused = await give(packageId, { reason: 'Staff shortage', lastDay: '2026-03-29' }).catch((e) => e)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).errors.map((e) => e.field)).toEqual(['shortNoticeReason'])
    expect(await handBackOf(database.db, home.councilId, packageId)).toBeNull()
    const given = await give(packageId, {
      reason: 'Staff shortage',
      lastDay: '2026-03-29',
      shortNoticeReason: 'Our registered manager left without notice',
    })
    expect(given.shortNoticeReason).toBe('Our registered manager left without notice')
  })

  it('follows the council’s own notice period', async () => {
    await updateBrokerageSettings(
      database.db,
      home.councilId,
      { ...DEFAULT_BROKERAGE_SETTINGS, handBackNoticeDays: 7 },
      providerActor,
    )
    try {
      const { packageId } = await placed()
      const given = await give(packageId, { reason: 'Closing the branch', lastDay: '2026-03-09' })
      expect(given).toMatchObject({ noticeDays: 7, shortNoticeReason: null })
      const { packageId: sooner } = await placed()
      await expect(give(sooner, { reason: 'Closing the branch', lastDay: '2026-03-08' })).rejects.toThrow(
        ValidationError,
      )
    } finally {
      await updateBrokerageSettings(database.db, home.councilId, DEFAULT_BROKERAGE_SETTINGS, providerActor)
    }
  })

  it('refuses a last day in the past or a date that is not real', async () => {
    const { packageId } = await placed()
    await expect(
      give(packageId, { reason: 'Late', lastDay: '2026-03-01', shortNoticeReason: 'x' }),
    ).rejects.toThrow(ValidationError)
    await expect(give(packageId, { reason: 'Late', lastDay: '2026-02-30' })).rejects.toThrow(ValidationError)
    await expect(give(packageId, { lastDay: '2026-04-30' })).rejects.toThrow(ValidationError)
  })

  it('hands a package back once', async () => {
    const { packageId } = await placed()
    await give(packageId, { reason: 'Leaving', lastDay: '2026-04-30' })
    await expect(give(packageId, { reason: 'Again', lastDay: '2026-04-30' })).rejects.toThrow(ConflictError)
  })

  it('answers 404 for another provider’s package', async () => {
    const { packageId } = await placed()
    const scopeB = { councilId: home.councilId, providerOrganisationId: home.providerB.id }
    await expect(
      handBackPackage(
        database.db,
        scopeB,
        providerActor,
        packageId,
        { reason: 'Not ours', lastDay: '2026-04-30' },
        NOW,
      ),
    ).rejects.toThrow(NotFoundError)
    expect(await handBackOf(database.db, home.councilId, packageId)).toBeNull()
  })
})

describe('re-sourcing and the Interim Care List', () => {
  it('re-sources once, as a linked request from the day after the last day, leaving out the provider', async () => {
    const { packageId, requestId } = await placed()
    await give(packageId, { reason: 'Leaving', lastDay: '2026-04-10' })
    const user = {
      ...broker,
      actor: { kind: 'user', userId: broker.id, councilId: home.councilId, email: broker.email } as Actor,
    }
    const first = await resourceHandBack(database.db, user, packageId, NOW)
    expect(first.created).toBe(true)
    const again = await resourceHandBack(database.db, user, packageId, NOW)
    expect(again).toEqual({ requestId: first.requestId, created: false })
    const [linked] = await database.db
      .select()
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, first.requestId))
    const [original] = await database.db
      .select()
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, requestId))
    expect(linked).toMatchObject({
      personId: original?.personId,
      startDate: '2026-04-11',
      excludedProviderIds: [home.providerA.id],
      status: 'submitted',
    })
    const visits = await database.db
      .select()
      .from(requestVisits)
      .where(eq(requestVisits.requestId, first.requestId))
    expect(visits).toHaveLength(1)
    expect((await handBackOf(database.db, home.councilId, packageId))?.resourcingRequestId).toBe(
      first.requestId,
    )
  })

  it('refuses to re-source a package that was not handed back', async () => {
    const { packageId } = await placed()
    const user = {
      ...broker,
      actor: { kind: 'user', userId: broker.id, councilId: home.councilId, email: broker.email } as Actor,
    }
    await expect(resourceHandBack(database.db, user, packageId, NOW)).rejects.toThrow(ConflictError)
  })

  it('lists the person from the last day, not before, with the unfilled hours, until re-placed', async () => {
    const { packageId, requestId } = await placed()
    await give(packageId, { reason: 'Leaving', lastDay: '2026-04-20' })
    const entryFor = async (at: Date) =>
      (await iclAt(database.db, home.councilId, at)).entries.find((e) => e.handBackPackageId === packageId)

    expect(await entryFor(new Date('2026-04-19T22:00:00Z'))).toBeUndefined()
    const onLastDay = await entryFor(new Date('2026-04-20T09:00:00Z'))
    expect(onLastDay).toMatchObject({ requestId, unfilledMinutesPerWeek: 90, daysWaiting: 0 })
    expect((await entryFor(new Date('2026-04-25T09:00:00Z')))?.daysWaiting).toBe(5)

    const user = {
      ...broker,
      actor: { kind: 'user', userId: broker.id, councilId: home.councilId, email: broker.email } as Actor,
    }
    const { requestId: linked } = await resourceHandBack(database.db, user, packageId, NOW)
    // Re-sourced but not yet re-placed: still on the list.
    expect(await entryFor(new Date('2026-04-21T09:00:00Z'))).toBeDefined()
    await rePlace(
      database.db,
      home.councilId,
      linked,
      { locationId: home.providerB.locationId, providerOrganisationId: home.providerB.id },
      {
        weeklyCostPence: 32_000,
        startDate: '2026-04-23',
        awardedAt: new Date('2026-04-22T12:00:00Z'),
      },
    )
    expect(await entryFor(new Date('2026-04-22T09:00:00Z'))).toBeDefined()
    expect(await entryFor(new Date('2026-04-22T13:00:00Z'))).toBeUndefined()
  })
})

describe('the Interim Care List’s period counts', () => {
  it('count a hand-back as added on its last day and removed when its person is re-placed', async () => {
    const report = (from: string, to: string) =>
      iclReport(database.db, home.councilId, { from, to }, new Date('2026-09-30T12:00:00Z'))
    const before = await report('2026-08-10', '2026-08-14')
    const weekBefore = await report('2026-08-01', '2026-08-09')
    const { packageId } = await placed()
    await give(packageId, { reason: 'Leaving', lastDay: '2026-08-12' })
    const during = await report('2026-08-10', '2026-08-14')
    expect(during.added).toBe(before.added + 1)
    expect(during.removed).toBe(before.removed)
    const user = {
      ...broker,
      actor: { kind: 'user', userId: broker.id, councilId: home.councilId, email: broker.email } as Actor,
    }
    const { requestId: linked } = await resourceHandBack(database.db, user, packageId, NOW)
    await rePlace(
      database.db,
      home.councilId,
      linked,
      { locationId: home.providerB.locationId, providerOrganisationId: home.providerB.id },
      { weeklyCostPence: 32_000, startDate: '2026-08-14', awardedAt: new Date('2026-08-13T12:00:00Z') },
    )
    const after = await report('2026-08-10', '2026-08-14')
    expect(after.added).toBe(before.added + 1)
    expect(after.removed).toBe(before.removed + 1)
    // A period before the last day knows nothing of it.
    expect((await report('2026-08-01', '2026-08-09')).added).toBe(weekBefore.added)
  })
})

describe('who is told', () => {
  it('tells only the broker assigned to the request, with the social worker', async () => {
    const colleague = await addUser(
      database.db,
      home.councilId,
      { email: 'second.broker@hand.test', role: 'broker', password: 'a long enough password' },
      { kind: 'system', label: 'test' },
      { passwordCostLog2: 10 },
    )
    const { packageId, requestId } = await placed()
    await database.db
      .update(sourcingRequests)
      .set({ assignedBrokerId: colleague.id })
      .where(eq(sourcingRequests.id, requestId))
    await give(packageId, { reason: 'Leaving', lastDay: '2026-05-29' })
    const told = await database.db
      .select({ userId: staffNotifications.userId })
      .from(staffNotifications)
      .where(
        and(eq(staffNotifications.kind, 'package_handed_back'), eq(staffNotifications.requestId, requestId)),
      )
    expect(told.map((t) => t.userId).sort()).toEqual([colleague.id, socialWorker.id].sort())
  })
})

describe('the daily snapshots', () => {
  it('count the hand-backs on the list as the list itself does', async () => {
    const { packageId } = await placed()
    await give(packageId, { reason: 'Leaving', lastDay: '2026-05-29' })
    const today = londonDate(new Date())
    const tomorrow = addCalendarDays(today, 1)
    await takeDueSnapshots(database.db, startOfLondonDay(addCalendarDays(today, 2)))
    const list = await iclAt(database.db, home.councilId, endOfLondonDay(tomorrow))
    expect(list.entries.some((e) => e.handBackPackageId === packageId)).toBe(true)
    const snapshot = (await listSnapshots(database.db, home.councilId)).find((s) => s.date === tomorrow)
    expect(snapshot?.people).toBe(list.people)
    expect(snapshot?.unfilledMinutesPerWeek).toBe(list.unfilledMinutesPerWeek)
  })
})
