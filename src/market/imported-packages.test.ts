// The council's own book of packages, once loaded, counts wherever packages count: the Market
// Position Statement, insights, PCN sufficiency, market events and the committee report. Each figure
// is computed before and after the book is loaded, and the difference checked against the book.
import { Readable } from 'node:stream'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../test/helpers.ts'
import { buildMarket, retireLocation } from '../../test/support/mps-fixture.ts'
import { importPackages } from '../brokerage/package-imports/service.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import { councilDistricts, localities, packages, pcnAreas } from '../db/schema.ts'
import { londonDate } from '../shared/dates.ts'
import { countActivePackages } from './events/store.ts'
import { insightsReport } from './insights/service.ts'
import { keyData } from './mps/service.ts'
import { renderMarketReportHtml } from './report/render.ts'
import { marketReport } from './report/service.ts'
import { sufficiencyMatrix } from './sufficiency/service.ts'

const today = londonDate(new Date())
const started = addCalendarDays(today, -60)
const BROKERED = 5
const BROKERED_WEEKLY_PENCE = 25_000

/** The book: home care and care homes not brokered through Caremarket, and one package that was. */
interface BookRow {
  personRef: string
  serviceType: 'home_care' | 'residential'
  location: 'H1' | 'R1'
  weeklyPounds: number
  hours: number | null
}
const BOOK: BookRow[] = [
  ...Array.from({ length: 6 }, (_, i) => ({
    personRef: `HC${i}`,
    serviceType: 'home_care' as const,
    location: 'H1' as const,
    weeklyPounds: 300 + i,
    hours: 10 + i,
  })),
  ...Array.from({ length: 4 }, (_, i) => ({
    personRef: `CH${i}`,
    serviceType: 'residential' as const,
    location: 'R1' as const,
    weeklyPounds: 800,
    hours: null,
  })),
]
/** A brokered package the book lists again: counted once, as brokered. */
const ALREADY_BROKERED = 'BRK1'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let pcnAreaId: number
let locationIds: Map<string, number>

async function figures() {
  const db = t.database.db
  // After the brokered packages were awarded, which insights count only once they were.
  const now = new Date()
  const info = { id: council.councilId, code: council.code, name: 'Test' }
  const [homeCare, careHomes, insights, sufficiency, report, atH1] = await Promise.all([
    keyData(db, council.councilId, 'home-care', today),
    keyData(db, council.councilId, 'older-people-care-homes', today),
    insightsReport(db, council.councilId, { to: today }, now),
    sufficiencyMatrix(db, council.councilId, now),
    marketReport(db, info, { to: today }, now),
    countActivePackages(db, council.councilId, { locationIds: [locationIds.get('H1') as number] }, today),
  ])
  const cell = (type: string) =>
    sufficiency.rows.find((r) => r.pcnAreaId === pcnAreaId)?.cells.find((c) => c.placementType === type)
  return {
    homeCare: homeCare.rows[0],
    residential: careHomes.rows[0],
    insights,
    sufficiencyHomeCare: cell('home_care'),
    sufficiencyResidential: cell('residential'),
    report,
    html: await renderMarketReportHtml(report),
    atH1,
  }
}

let before: Awaited<ReturnType<typeof figures>>
let after: Awaited<ReturnType<typeof figures>>

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  council = await seedCouncil(t.database, 'IMPK', t.config)
  await retireLocation(db, council.providerA.locationId)
  await retireLocation(db, council.providerB.locationId)
  const [locality] = await db
    .insert(localities)
    .values({ councilId: council.councilId, name: 'North' })
    .returning({ id: localities.id })
  const [pcn] = await db
    .insert(pcnAreas)
    .values({ councilId: council.councilId, localityId: locality?.id as number, name: 'North PCN' })
    .returning({ id: pcnAreas.id })
  pcnAreaId = pcn?.id as number
  await db.insert(councilDistricts).values({
    councilId: council.councilId,
    outcode: 'NR11',
    localityId: locality?.id as number,
    pcnAreaId,
    rural: true,
  })
  ;({ locationIds } = await buildMarket(db, council.councilId, council.providerA.id, {
    locations: [
      {
        key: 'H1',
        serviceTypes: ['home_care'],
        clientGroups: ['older_people'],
        beds: null,
        cqcRating: 'Good',
      },
      {
        key: 'R1',
        serviceTypes: ['residential_home'],
        clientGroups: ['older_people'],
        beds: 40,
        cqcRating: 'Requires improvement',
      },
    ],
    packages: Array.from({ length: BROKERED }, (_, n) => ({
      person: `p${n}`,
      serviceType: 'home_care' as const,
      clientGroup: 'older_people' as const,
      weeklyCostPence: BROKERED_WEEKLY_PENCE,
      startDate: started,
    })),
  }))
  // buildMarket places every brokered package at its first location, H1; one has a case reference.
  const [first] = await db
    .select({ id: packages.id })
    .from(packages)
    .where(eq(packages.councilId, council.councilId))
  await db
    .update(packages)
    .set({ personRef: ALREADY_BROKERED })
    .where(eq(packages.id, first?.id as number))

  before = await figures()
  const lines = [
    'person_ref,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,hours_per_week,start_date,funding',
    ...BOOK.map(
      (r) =>
        `${r.personRef},85+,NR11,older_people,${r.serviceType},1-MPS-${council.councilId}-${r.location},${r.weeklyPounds},${r.hours ?? ''},${started},council`,
    ),
    `${ALREADY_BROKERED.toLowerCase()},85+,NR11,older_people,home_care,1-MPS-${council.councilId}-H1,250,7,${started},council`,
  ]
  const loaded = await importPackages(db, {
    councilId: council.councilId,
    input: Readable.from([Buffer.from(lines.join('\n'))]),
    fileName: 'book.csv',
    full: false,
    actor: { kind: 'system', label: 'test' },
  })
  if (loaded.added !== BOOK.length + 1) throw new Error(`the book was not loaded: ${JSON.stringify(loaded)}`)
  after = await figures()
})
afterAll(async () => t.close())

const book = (type: BookRow['serviceType']) => BOOK.filter((r) => r.serviceType === type)
const pence = (rows: BookRow[]) => rows.reduce((sum, r) => sum + r.weeklyPounds * 100, 0)

describe('the council’s book of packages in the market’s figures', () => {
  it('makes the Market Position Statement count the whole market, the brokered part apart', () => {
    expect(before.homeCare?.figures.people).toEqual({ kind: 'not_known' })
    expect(before.homeCare?.figures.annualSpendPence).toEqual({ kind: 'not_known' })
    expect(before.homeCare?.facts.people).toBe(BROKERED)
    const homeCare = book('home_care')
    expect(after.homeCare?.facts.people).toBe(BROKERED + homeCare.length)
    expect(after.homeCare?.facts.brokeredPeople).toBe(BROKERED)
    expect(after.homeCare?.facts.weeklyCostPence).toBe(BROKERED * BROKERED_WEEKLY_PENCE + pence(homeCare))
    expect(after.homeCare?.figures.people).toEqual({ kind: 'value', value: BROKERED + homeCare.length })
    expect(after.homeCare?.figures.annualSpendPence).toEqual({
      kind: 'value',
      value: (BROKERED * BROKERED_WEEKLY_PENCE + pence(homeCare)) * 52,
    })
    expect(after.residential?.facts.people).toBe(book('residential').length)
    expect(after.residential?.facts.brokeredPeople).toBe(0)
  })

  it('adds the book to the insights’ care commissioned, home care hours and quality of packages', () => {
    const b = before.insights
    const a = after.insights
    expect(a.commissioned.packages - b.commissioned.packages).toBe(BOOK.length)
    expect(a.commissioned.people - b.commissioned.people).toBe(BOOK.length)
    expect(a.commissioned.weeklyCostPence - b.commissioned.weeklyCostPence).toBe(pence(BOOK))
    expect(a.commissioned.brokered).toEqual(b.commissioned.brokered)
    expect(b.commissioned.brokered.people).toBe(BROKERED)
    const bookHours = book('home_care').reduce((sum, r) => sum + (r.hours ?? 0), 0)
    expect((a.hours?.hoursPerWeek ?? 0) - (b.hours?.hoursPerWeek ?? 0)).toBe(bookHours)
    expect(a.hours?.brokeredHoursPerWeek).toBe(b.hours?.brokeredHoursPerWeek)
    expect(a.quality.packages.active - b.quality.packages.active).toBe(BOOK.length)
    // The care homes' packages are at a location rated requires improvement.
    expect(a.quality.packages.goodOrOutstanding - b.quality.packages.goodOrOutstanding).toBe(
      book('home_care').length,
    )
    expect(a.quality.packages.percentGoodOrOutstanding).toBeLessThan(
      b.quality.packages.percentGoodOrOutstanding ?? 0,
    )
  })

  it('counts the people the book supports in each PCN area, and the people a market event affects', () => {
    expect(before.sufficiencyHomeCare?.peopleSupported).toBe(0)
    expect(after.sufficiencyHomeCare).toMatchObject({
      peopleSupported: book('home_care').length,
      peopleSupportedBrokered: 0,
    })
    expect(after.sufficiencyResidential?.peopleSupported).toBe(book('residential').length)
    expect(after.atH1.people - before.atH1.people).toBe(book('home_care').length)
  })

  it('puts the care commissioned, with the brokered part apart, in the committee report', () => {
    const paragraph = (html: string) =>
      html.match(/<p class="numbered" id="commissioned-paragraph">([\s\S]*?)<\/p>/)?.[1] ?? ''
    const care = after.report.insights.commissioned
    expect(care.packages).toBe(before.report.insights.commissioned.packages + BOOK.length)
    expect(paragraph(after.html)).toContain(
      `<strong>${care.packages.toLocaleString('en-GB')}</strong> packages`,
    )
    expect(paragraph(after.html)).toContain(`<strong>${care.people.toLocaleString('en-GB')}</strong> people`)
    expect(paragraph(after.html)).toContain(`Of these, ${care.brokered.packages} packages`)
    expect(paragraph(before.html)).toContain(
      `<strong>${before.report.insights.commissioned.packages}</strong> packages`,
    )
  })
})
