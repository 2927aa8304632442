import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { startSmtpPeer } from '../../../test/support/smtp-peer.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import {
  auditLog,
  bedVacancyReports,
  homeCareCapacityReports,
  localities,
  locations,
  outbox,
  users,
} from '../../db/schema.ts'
import { ValidationError } from '../../errors.ts'
import { sendDueEmails } from '../../notifications/sender.ts'
import { capacitySummary, recordCapacity, remindAllStaleProviders, remindStaleProviders } from './service.ts'

const DAY = 24 * 60 * 60 * 1000
let database: DatabaseHandle
let home: Fixture
let other: Fixture
const actor = { kind: 'system', label: 'test' } as const

beforeAll(async () => {
  database = await createTestDatabase()
  const config = testConfig()
  home = await seedCouncil(database, 'SVC', config)
  other = await seedCouncil(database, 'OTH', config)
})
afterAll(async () => database.close())
beforeEach(async () => {
  await database.db.delete(bedVacancyReports)
  await database.db.delete(homeCareCapacityReports)
  await database.db.delete(outbox)
})

const scopeA = () => ({ councilId: home.councilId, providerOrganisationId: home.providerA.id })

async function report(
  locationId: number,
  bedType: string,
  vacancies: number,
  reportedAt: Date,
  councilId = home.councilId,
) {
  await database.db
    .insert(bedVacancyReports)
    .values({ councilId, locationId, bedType, vacancies, reportedAt, reportedBy: 'seed', source: 'web' })
}

describe('recordCapacity', () => {
  it('checks the total against the figures as they will stand, counting only those from the last 7 days', async () => {
    const now = new Date()
    await report(home.providerA.locationId, 'residential', 25, new Date(now.getTime() - DAY))
    const error = await recordCapacity(
      database.db,
      scopeA(),
      actor,
      [{ field: 'x', locationId: home.providerA.locationId, bedType: 'dementia_residential', vacancies: 6 }],
      { source: 'api', now },
    ).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors).toEqual([
      {
        field: 'x',
        message: 'SVC A House: vacancies other than respite add up to 31, more than its 30 registered beds',
      },
    ])

    // Once the residential figure is more than 7 days old it no longer counts.
    const later = new Date(now.getTime() + 7 * DAY)
    const saved = await recordCapacity(
      database.db,
      scopeA(),
      actor,
      [{ field: 'x', locationId: home.providerA.locationId, bedType: 'dementia_residential', vacancies: 6 }],
      { source: 'api', now: later },
    )
    expect(saved).toEqual({ saved: 1, reportedAt: later })
  })

  it('refuses repeated rows, home care without coverage and locations no longer active', async () => {
    const [closed] = await database.db
      .insert(locations)
      .values({
        councilId: home.councilId,
        providerOrganisationId: home.providerA.id,
        cqcLocationId: '1-SVCCLOSED',
        name: 'SVC Closed House',
        address: 'x',
        registeredBeds: 10,
        active: false,
      })
      .returning()
    const error = (await recordCapacity(
      database.db,
      scopeA(),
      actor,
      [
        { field: '0', cqcLocationId: '1-LSVCA', bedType: 'residential', vacancies: 1 },
        { field: '1', cqcLocationId: '1-LSVCA', bedType: 'residential', vacancies: 2 },
        { field: '2', cqcLocationId: '1-LSVCA', outcode: 'NR1', spareHoursPerWeek: 3 },
        { field: '3', locationId: closed?.id, bedType: 'residential', vacancies: 1 },
        { field: '4', cqcLocationId: '1-LSVCA', bedType: 'residential', vacancies: 1, outcode: 'NR1' },
      ],
      { source: 'api' },
    ).catch((e) => e)) as ValidationError
    expect(error.errors.map((e) => e.message).sort()).toEqual(
      [
        'SVC A House: residential beds are given more than once',
        'SVC A House: no postcode districts are recorded as covered here, so it cannot report spare hours for NR1. Add the districts it covers on your profile first',
        'SVC Closed House: this location is no longer active, so it cannot report capacity',
        'SVC A House: give one of: a bed type and vacancies, a postcode district and spare hours, or spare places a day',
      ].sort(),
    )
    expect(await database.db.select().from(bedVacancyReports)).toEqual([])
  })
})

describe('capacitySummary', () => {
  it('works out % of beds available by locality and bed type from fresh reports only', async () => {
    const now = new Date()
    const [north, south] = await database.db
      .insert(localities)
      .values([
        { councilId: home.councilId, name: 'North' },
        { councilId: home.councilId, name: 'South' },
      ])
      .returning()
    await database.db
      .update(locations)
      .set({ localityId: north?.id })
      .where(eq(locations.id, home.providerA.locationId))
    await database.db
      .update(locations)
      .set({ localityId: south?.id })
      .where(eq(locations.id, home.providerB.locationId))
    const [southNursing] = await database.db
      .insert(locations)
      .values({
        councilId: home.councilId,
        providerOrganisationId: home.providerB.id,
        cqcLocationId: '1-SVCBN',
        name: 'SVC B Nursing',
        address: 'x',
        registeredBeds: 50,
        serviceTypes: ['nursing_home'],
        localityId: south?.id,
      })
      .returning()

    // North: A House (30 beds) reports 3 residential and 1 respite.
    await report(home.providerA.locationId, 'residential', 3, new Date(now.getTime() - 2 * DAY))
    await report(home.providerA.locationId, 'respite', 1, new Date(now.getTime() - 2 * DAY))
    // South: B House (30 beds) reported 9 days ago only, so it is stale and left out;
    // B Nursing (50 beds) reports nursing 6, then 4: the newest counts.
    await report(home.providerB.locationId, 'residential', 10, new Date(now.getTime() - 9 * DAY))
    await report(southNursing?.id as number, 'nursing', 6, new Date(now.getTime() - 3 * DAY))
    await report(southNursing?.id as number, 'nursing', 4, new Date(now.getTime() - DAY))
    // Another council's report never counts.
    await report(other.providerA.locationId, 'residential', 30, now, other.councilId)

    const summary = await capacitySummary(database.db, home.councilId, now)
    const rows = summary.beds.localities.map((l) => ({
      locality: l.locality,
      homes: l.homes,
      reporting: l.reportingHomes,
      reportingPercent: l.reportingPercent,
      beds: l.registeredBedsOfReportingHomes,
      vacancies: l.vacancies,
      percent: l.percentAvailable,
    }))
    expect(rows).toEqual([
      {
        locality: 'North',
        homes: 1,
        reporting: 1,
        reportingPercent: 100,
        beds: 30,
        vacancies: 3,
        percent: 10,
      },
      { locality: 'South', homes: 2, reporting: 1, reportingPercent: 50, beds: 50, vacancies: 4, percent: 8 },
    ])
    // 7 vacancies ÷ 80 beds of reporting homes = 8.75% → 8.8%; 2 of 3 homes reported.
    expect(summary.beds.total).toMatchObject({
      homes: 3,
      reportingHomes: 2,
      reportingPercent: 66.7,
      registeredBedsOfReportingHomes: 80,
      vacancies: 7,
      percentAvailable: 8.8,
    })
    const byType = Object.fromEntries(
      summary.beds.total.byBedType.map((t) => [t.bedType, t.percentAvailable]),
    )
    expect(byType).toMatchObject({ residential: 3.8, nursing: 5, respite: 1.3, dementia_nursing: 0 })
    expect(summary.staleAfterDays).toBe(7)
    expect(summary.denominator).toContain('registered beds of the care homes that reported')

    await database.db.update(locations).set({ localityId: null })
    await database.db
      .update(locations)
      .set({ active: false })
      .where(eq(locations.id, southNursing?.id as number))
  })
})

describe('remindStaleProviders', () => {
  it('puts one reminder a week in the outbox for each provider with stale or missing capacity, and it reaches SMTP', async () => {
    const now = new Date()
    // A reported 8 days ago (stale); B reported yesterday (current).
    await report(home.providerA.locationId, 'residential', 2, new Date(now.getTime() - 8 * DAY))
    await report(home.providerB.locationId, 'residential', 2, new Date(now.getTime() - DAY))

    const first = await remindStaleProviders(database.db, home.councilId, now)
    expect(first.reminded).toEqual([
      {
        providerOrganisationId: home.providerA.id,
        name: 'SVC Care A Ltd',
        to: [home.emails.providerA],
        locations: [expect.stringMatching(/^SVC A House: last updated \d+ \w+ \d{4}$/)],
      },
    ])
    const messages = await database.db.select().from(outbox)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({
      councilId: home.councilId,
      kind: 'capacity_reminder',
      toAddress: home.emails.providerA,
      subject: 'Please update your capacity on Caremarket: SVC Care A Ltd',
    })
    expect(messages[0]?.bodyText).toContain('SVC Test Council uses Caremarket')
    expect(messages[0]?.bodyText).toContain('- SVC A House: last updated')

    // Not again within 7 days, even though the capacity is still stale.
    const second = await remindStaleProviders(database.db, home.councilId, new Date(now.getTime() + 5 * DAY))
    expect(second).toMatchObject({ reminded: [], alreadyReminded: 1 })
    expect(await database.db.select().from(outbox)).toHaveLength(1)
    const audit = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'capacity.reminder_enqueued'))
    expect(audit.map((a) => a.entityId)).toContain(String(home.providerA.id))

    // Delivered by a real SMTP server.
    const peer = await startSmtpPeer()
    try {
      expect(await sendDueEmails(database.db, peer.transport())).toEqual({ sent: 1, failed: 0 })
      const [mail] = await peer.waitFor(1)
      expect(mail?.to).toEqual([home.emails.providerA])
      expect(mail?.parsed.subject).toBe('Please update your capacity on Caremarket: SVC Care A Ltd')
      expect(mail?.parsed.text).toContain('- SVC A House: last updated')
    } finally {
      await peer.close()
    }

    // After 7 days, the next reminder goes; B's capacity is stale by then too.
    const third = await remindStaleProviders(
      database.db,
      home.councilId,
      new Date(now.getTime() + 7 * DAY + 1000),
    )
    expect(third.reminded.map((r) => r.providerOrganisationId).sort()).toEqual(
      [home.providerA.id, home.providerB.id].sort(),
    )
  })

  it('reminds about locations that never reported, skips organisations without users, and covers every council', async () => {
    await database.db.update(users).set({ active: false }).where(eq(users.email, home.emails.providerB))
    try {
      const results = await remindAllStaleProviders(database.db)
      const ours = results.find((r) => r.councilId === home.councilId)
      expect(ours?.reminded.map((r) => r.locations)).toEqual([['SVC A House: never reported']])
      expect(ours?.withoutRecipients).toBe(1)
      const theirs = results.find((r) => r.councilId === other.councilId)
      expect(theirs?.reminded.map((r) => r.to)).toEqual([[other.emails.providerA], [other.emails.providerB]])
      const messages = await database.db.select().from(outbox).where(eq(outbox.councilId, other.councilId))
      expect(messages.map((m) => m.toAddress).sort()).toEqual(
        [other.emails.providerA, other.emails.providerB].sort(),
      )
    } finally {
      await database.db.update(users).set({ active: true }).where(eq(users.email, home.emails.providerB))
    }
  })
})
