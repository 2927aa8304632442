import { parse } from 'csv-parse/sync'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { placePerson, prepareFailingCouncil } from '../../../test/support/failure-fixture.ts'
import type { Actor } from '../../audit/service.ts'
import { handBackPackage } from '../../brokerage/offers/hand-backs.ts'
import { calendarDaysBetween } from '../../brokerage/rules/index.ts'
import { packages } from '../../db/schema.ts'
import { insightsCsv } from './csv.ts'
import { type InsightsReport, insightsReport } from './service.ts'

const FROM = '2026-02-01'
const TO = '2026-03-31'
const NOW = new Date('2026-04-15T12:00:00Z')
const providerActor: Actor = { kind: 'user', userId: null, councilId: 0, email: 'provider@a.test' }

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let report: InsightsReport

/** Home care every day, an hour a visit: 7 hours a week. */
const daily = [
  {
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    windowStart: '08:00',
    windowEnd: '09:00',
    durationMinutes: 60,
  },
]

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'HBIN', t.config)
  await prepareFailingCouncil(t.database.db, home)
  const db = t.database.db
  const atA = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
  const atB = { locationId: home.providerB.locationId, providerOrganisationId: home.providerB.id }
  const homeCare = { serviceType: 'home_care' as const, visits: daily, startDate: '2026-01-01' }
  const first = await placePerson(db, home.councilId, atA, { name: 'Ann Hand', ...homeCare })
  const second = await placePerson(db, home.councilId, atA, { name: 'Ben Hand', ...homeCare })
  await placePerson(db, home.councilId, atA, { name: 'Cal Stays', ...homeCare })
  const resident = await placePerson(db, home.councilId, atB, { name: 'Dot Resident' })
  const give = (at: typeof atA, packageId: number, input: Record<string, unknown>, now: string) =>
    handBackPackage(
      db,
      { councilId: home.councilId, providerOrganisationId: at.providerOrganisationId },
      providerActor,
      packageId,
      input,
      new Date(now),
    )
  await give(
    atA,
    first.packageId,
    { reason: 'Staff shortage', lastDay: '2026-03-20' },
    '2026-02-10T10:00:00Z',
  )
  await give(
    atA,
    second.packageId,
    { reason: ' staff SHORTAGE ', lastDay: '2026-04-10' },
    '2026-03-05T10:00:00Z',
  )
  await give(
    atB,
    resident.packageId,
    { reason: 'Cannot meet needs', lastDay: '2026-03-09', shortNoticeReason: 'Risk to staff' },
    '2026-03-06T10:00:00Z',
  )
  report = await insightsReport(db, home.councilId, { from: FROM, to: TO }, NOW)
})
afterAll(async () => t?.close())

describe('hand-backs in the insights', () => {
  it('counts the period’s hand-backs by provider, reason and month', () => {
    const hb = report.handBacks
    expect(hb.total).toBe(3)
    expect(hb.shortNotice).toBe(1)
    expect(hb.byProvider.map((l) => l.handBacks)).toEqual([2, 1])
    expect(hb.byReason).toEqual([
      { label: 'Staff shortage', handBacks: 2 },
      { label: 'Cannot meet needs', handBacks: 1 },
    ])
    expect(hb.byMonth).toEqual([
      { month: '2026-02', label: 'February 2026', handBacks: 1 },
      { month: '2026-03', label: 'March 2026', handBacks: 2 },
    ])
  })

  it('gives the home care rate per 1,000 hours delivered, from every home care package’s days in the period', async () => {
    const homeCare = await t.database.db
      .select()
      .from(packages)
      .where(and(eq(packages.councilId, home.councilId), eq(packages.serviceType, 'home_care')))
    // Hours delivered: each package's hours a week for each day it ran between FROM and TO.
    const hours = homeCare.reduce((sum, p) => {
      const start = p.startDate > FROM ? p.startDate : FROM
      const end = p.endDate !== null && p.endDate < TO ? p.endDate : TO
      const days = end < start ? 0 : calendarDaysBetween(start, end) + 1
      return sum + ((p.minutesPerWeek ?? 0) / 60) * (days / 7)
    }, 0)
    expect(report.handBacks.homeCare?.handBacks).toBe(2)
    expect(report.handBacks.homeCare?.hoursDelivered).toBeCloseTo(hours, 6)
    expect(report.handBacks.homeCare?.ratePer1000Hours).toBeCloseTo((2 / hours) * 1000, 6)
    const careHomes = await insightsReport(
      t.database.db,
      home.councilId,
      { from: FROM, to: TO, serviceType: 'residential' },
      NOW,
    )
    expect(careHomes.handBacks.total).toBe(1)
    expect(careHomes.handBacks.homeCare).toBeNull()
  })

  it('writes them into the CSV, and the page draws the months with the table beside', async () => {
    const rows = parse(insightsCsv(report), { columns: true }) as Record<string, string>[]
    const rate = rows.find((r) => r.measure === 'Hand-backs per 1,000 hours of home care delivered')
    expect(Number(rate?.value)).toBeCloseTo(report.handBacks.homeCare?.ratePer1000Hours ?? 0, 1)
    expect(rows.find((r) => r.breakdown === 'Reason: Staff shortage')?.value).toBe('2')
    const commissioner = new Client(t.app)
    await commissioner.signIn(home.emails.commissioner)
    const page = await commissioner.get(`/insights?from=${FROM}&to=${TO}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(/id="hand-backs-headline">Providers handed back <strong>3<\/strong> packages/)
    expect(page.body).toContain('id="insights-hand-backs-table"')
    expect(page.body).toContain('id="hand-backs-by-reason"')
    // The committee report says the same, in a sentence.
    const committee = await commissioner.get(`/insights/report.html?from=${FROM}&to=${TO}`)
    expect(committee.statusCode).toBe(200)
    expect(committee.body).toMatch(
      /id="report-hand-backs">Providers handed back <strong>3<\/strong> packages in the period, 1 at less than the council’s notice; most from [^(]+ \(2\), most often because “Staff shortage”\. Home care was handed back at [\d.]+ per 1,000 hours delivered\./,
    )
  })
})
