// Applying a year's uplift: live packages change from 1 April, every figure for an earlier date
// stays as it was, once a year only, with a letter to each provider and a CSV for finance.
import { Readable } from 'node:stream'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { BOOK_2027, type BookRow, loadBook } from '../../../test/support/uplifts-fixture.ts'
import { importPackages } from '../../brokerage/package-imports/service.ts'
import { auditLog, feeRates, locations, outbox } from '../../db/schema.ts'
import { insightsReport } from '../../market/insights/service.ts'
import { keyData } from '../../market/mps/service.ts'
import { parseScenarioJson } from './rules.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

const BOOK = BOOK_2027
const SCENARIO = { default: 5, 'home-support': 7.5 }
const uplifted = (row: BookRow) =>
  Math.round((row.weeklyCostPence * (10_000 + (row.serviceType === 'home_care' ? 750 : 500))) / 10_000)
// Far in the future, so no figure is cut short at today.
const LATER = new Date('2029-01-01T12:00:00Z')

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'UPLA', t.config)
  // A formula in a location's name must reach the CSV as text.
  await t.database.db
    .update(locations)
    .set({ name: '=HYPERLINK("http://x.test")' })
    .where(eq(locations.id, home.providerA.locationId))
  await loadBook(
    t.database.db,
    home.councilId,
    { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
    BOOK,
  )
  await t.database.db.insert(feeRates).values([
    {
      councilId: home.councilId,
      serviceType: 'residential',
      clientGroup: 'older_people',
      band: 'standard',
      pricePence: 80_000,
      effectiveFrom: '2026-04-01',
    },
    {
      councilId: home.councilId,
      serviceType: 'home_care',
      clientGroup: 'older_people',
      band: 'standard',
      pricePence: 2_400,
      effectiveFrom: '2026-04-01',
    },
  ])
})
afterAll(async () => t.close())

/** A JSON body to the API with the session's cookie and CSRF token, as a browser's script would send it. */
async function postJson(client: Client, url: string, body: unknown) {
  if (client.csrfToken === '') await client.get('/fees/uplifts/2027')
  return t.app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(body),
    remoteAddress: client.remoteAddress,
    headers: { cookie: client.cookies, 'csrf-token': client.csrfToken, 'content-type': 'application/json' },
  })
}

async function signedIn(): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(home.emails.commissioner)
  return client
}

/** The figures for dates and years before 1 April 2027, and those from it. */
async function figures() {
  const { uplifts } = t.services
  const model = (year: number) =>
    uplifts.modelUplifts(home.councilId, year, [parseScenarioJson('{"default": 3}')]).then((r) => r.models[0])
  const insights = (to: string) =>
    insightsReport(t.database.db, home.councilId, { from: `${to.slice(0, 8)}01`, to }, LATER).then(
      (r) => r.commissioned,
    )
  return {
    past: {
      model2026: await model(2026),
      insightsMarch: await insights('2027-03-31'),
      mpsMarch: await keyData(t.database.db, home.councilId, 'older-people-care-homes', '2027-03-31'),
    },
    next: {
      model2027: await model(2027),
      insightsApril: await insights('2027-04-30'),
    },
  }
}

describe('applying the 2027/28 uplift', () => {
  let before: Awaited<ReturnType<typeof figures>>
  let body: {
    packagesChanged: number
    ratesAdded: number
    providersWritten: number
    packages: {
      ref: string
      packageId: number
      effectiveFrom: string
      oldWeeklyCostPence: number
      newWeeklyCostPence: number
    }[]
  }

  beforeAll(async () => {
    before = await figures()
    const client = await signedIn()
    const response = await postJson(client, '/api/v1/fees/uplifts/2027/apply', SCENARIO)
    expect(response.statusCode, response.body).toBe(201)
    body = response.json()
  })

  it('leaves every figure for an earlier date as it was', async () => {
    const after = await figures()
    expect(after.past).toEqual(before.past)
    expect(before.past.insightsMarch.weeklyCostPence).toBeGreaterThan(0)
  })

  it('gives every package in force from 1 April its new price, from then or its start', async () => {
    expect(body.packagesChanged).toBe(4)
    const byRef = new Map(body.packages.map((p) => [p.oldWeeklyCostPence, p]))
    for (const row of BOOK.filter((r) => r.personRef !== 'S1')) {
      const change = byRef.get(row.weeklyCostPence)
      expect(change?.newWeeklyCostPence).toBe(uplifted(row))
      expect(change?.effectiveFrom).toBe(row.startDate > '2027-04-01' ? row.startDate : '2027-04-01')
    }
    // The new year's figures use the new prices: on 30 April, the packages then in force at theirs.
    const after = await figures()
    const inForceApril = BOOK.filter(
      (r) => r.startDate <= '2027-04-30' && (r.endDate ?? '9999') >= '2027-04-30',
    )
    expect(after.next.insightsApril.weeklyCostPence).toBe(inForceApril.reduce((s, r) => s + uplifted(r), 0))
    expect(before.next.insightsApril.weeklyCostPence).toBe(
      inForceApril.reduce((s, r) => s + r.weeklyCostPence, 0),
    )
  })

  it('costs the new year at the new prices, agreeing to the penny with an independent sum', async () => {
    const client = await signedIn()
    const response = await client.get(
      `/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default": 0}')}`,
    )
    const days: Record<string, number> = { R1: 366, N1: 366, W1: 91, H1: 91 }
    let sum = 0
    for (const row of BOOK) sum += Math.round((uplifted(row) * (days[row.personRef] ?? 0)) / 7)
    expect(response.json().total.annualCostBeforePence).toBe(sum)
    // What the model said the uplift would cost is what the applied prices cost.
    const model = await t.services.uplifts.modelUplifts(home.councilId, 2027, [
      parseScenarioJson(JSON.stringify(SCENARIO)),
    ])
    expect(model.models[0]?.total.annualCostBeforePence).toBe(sum)
  })

  it('ends the rates in force on 31 March and adds their uplifted successors', async () => {
    const rates = await t.database.db
      .select()
      .from(feeRates)
      .where(eq(feeRates.councilId, home.councilId))
      .orderBy(feeRates.serviceType, feeRates.effectiveFrom)
    expect(rates.map((r) => [r.serviceType, r.pricePence, r.effectiveFrom, r.effectiveTo])).toEqual([
      ['home_care', 2_400, '2026-04-01', '2027-03-31'],
      ['home_care', 2_580, '2027-04-01', null],
      ['residential', 80_000, '2026-04-01', '2027-03-31'],
      ['residential', 84_000, '2027-04-01', null],
    ])
    expect(body.ratesAdded).toBe(2)
  })

  it('writes to the provider through the outbox: each package’s old and new weekly price, no one’s name', async () => {
    const letters = await t.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.councilId, home.councilId), eq(outbox.kind, 'fee_uplift')))
    expect(letters).toHaveLength(1)
    expect(body.providersWritten).toBe(1)
    const letter = letters[0]
    expect(letter?.toAddress).toContain(home.emails.providerA)
    expect(letter?.subject).toContain('2027/28')
    for (const p of body.packages) expect(letter?.bodyText).toContain(p.ref)
    expect(letter?.bodyText).toContain('£800.00 a week becomes £840.00 a week')
    for (const row of BOOK) expect(letter?.bodyText).not.toContain(row.personRef)
  })

  it('audits it once, with its counts and scenario', async () => {
    const entries = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'fee_uplift.applied')))
    expect(entries).toHaveLength(1)
    expect(entries[0]?.details).toMatchObject({
      year: 2027,
      scenario: SCENARIO,
      packagesChanged: 4,
      ratesAdded: 2,
    })
  })

  it('gives finance a CSV of the changes, formulas neutralised', async () => {
    const client = await signedIn()
    const response = await client.get('/fees/uplifts/2027/application.csv')
    expect(response.statusCode).toBe(200)
    const lines = response.body.trim().split('\n')
    expect(lines[0]).toBe(
      'package ref,provider,location,service,sector,old weekly (£),new weekly (£),effective from',
    )
    expect(lines).toHaveLength(5)
    expect(response.body).toContain(`"'=HYPERLINK(""http://x.test"")"`)
    expect(response.body).toMatch(/BOOK-\d+,.*,800\.00,840\.00,2027-04-01/)
    const page = await client.get('/fees/uplifts/2027/application')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('1 April 2027')
  })

  it('is applied once a year: a second time, or two at once, answers 409 and changes nothing', async () => {
    const client = await signedIn()
    const again = await postJson(client, '/api/v1/fees/uplifts/2027/apply', SCENARIO)
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toContain('already applied')
    const [a, b] = await Promise.all([
      postJson(client, '/api/v1/fees/uplifts/2028/apply', SCENARIO),
      postJson(client, '/api/v1/fees/uplifts/2028/apply', SCENARIO),
    ])
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409])
    const letters = await t.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.councilId, home.councilId), eq(outbox.kind, 'fee_uplift')))
    expect(letters).toHaveLength(2)
    // 2028's prices are 2027's, uplifted again: the 2027 changes stand.
    const y2027 = (await client.get('/api/v1/fees/uplifts/2027/application')).json()
    expect(y2027.packages).toEqual(body.packages)
  })

  it('keeps the past when the council’s book is loaded again, at the new price or another', async () => {
    const before2027 = await figures()
    const [place] = await t.database.db
      .select({ ref: locations.cqcLocationId })
      .from(locations)
      .where(eq(locations.id, home.providerA.locationId))
    const load = (weekly: string, now: string) =>
      importPackages(t.database.db, {
        councilId: home.councilId,
        input: Readable.from([
          Buffer.from(
            `person_ref,date_of_birth,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,hours_per_week,start_date,end_date,funding\r\nR1,,75-84,NR3,older_people,residential,${place?.ref},${weekly},,2025-06-01,,council`,
          ),
        ]),
        fileName: 'book.csv',
        full: false,
        actor: { kind: 'system', label: 'test' },
        now: new Date(now),
      })
    const importChanges = async () =>
      (
        (await t.database.db.execute(
          sql`select effective_from::text as effective_from, weekly_cost_pence from brokerage_package_price_changes
            where council_id = ${home.councilId} and change_ref like 'package-import/%'`,
        )) as unknown as { rows: unknown[] }
      ).rows
    // The book now says what the uplift made it: nothing changes.
    await load('840', '2027-05-01T12:00:00Z')
    expect(await importChanges()).toEqual([])
    // A new price in the book holds from the day it is loaded, not from the package's start.
    await load('850', '2027-06-01T12:00:00Z')
    expect(await importChanges()).toEqual([{ effective_from: '2027-06-01', weekly_cost_pence: 85_000 }])
    const after = await figures()
    // Only when the book was last loaded differs.
    const loaded = (f: typeof after) => ({ ...f.past, mpsMarch: { ...f.past.mpsMarch, bookLoadedAt: null } })
    expect(loaded(after)).toEqual(loaded(before2027))
    expect(after.next.insightsApril).toEqual(before2027.next.insightsApril)
  })

  it('refuses a bad scenario field by field, before anything is written', async () => {
    const client = await signedIn()
    const response = await postJson(client, '/api/v1/fees/uplifts/2029/apply', { default: -1 })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('default')
    expect((await client.get('/api/v1/fees/uplifts/2029/application')).statusCode).toBe(404)
  })
})
