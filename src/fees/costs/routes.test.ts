// Cost returns from providers (form, JSON, CSV with good rows kept) and the cost of care
// commissioners read from them: quartiles, suppression and the gap, the same on the page, CSV and API.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { multipart } from '../../../test/support/multipart.ts'
import { loadBook } from '../../../test/support/uplifts-fixture.ts'
import { auditLog, costReturns, locations } from '../../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let provider: Client
let commissioner: Client
/** Provider A's CQC location IDs: the fixture's, and five more care homes. */
const cqcIds: string[] = []

const YEAR = 2026

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'COC', t.config)
  cqcIds.push(home.providerA.cqcProviderId.replace('1-', '1-L'))
  const extra = await t.database.db
    .insert(locations)
    .values(
      [1, 2, 3, 4, 5].map((n) => ({
        councilId: home.councilId,
        providerOrganisationId: home.providerA.id,
        cqcLocationId: `1-COCX${n}`,
        name: `COC Extra ${n}`,
        address: `${n} Extra Street`,
        serviceTypes: ['residential_home'],
        clientGroups: ['older_people'],
      })),
    )
    .returning({ cqcLocationId: locations.cqcLocationId })
  cqcIds.push(...extra.map((l) => l.cqcLocationId))
  // Two residents at £700 and £800 a week; 10 hours of home care at £200 a week (£20 an hour).
  await loadBook(
    t.database.db,
    home.councilId,
    { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
    [
      {
        personRef: 'R1',
        serviceType: 'residential',
        clientGroup: 'older_people',
        weeklyCostPence: 70_000,
        startDate: '2026-04-01',
      },
      {
        personRef: 'R2',
        serviceType: 'residential',
        clientGroup: 'older_people',
        weeklyCostPence: 80_000,
        startDate: '2026-04-01',
      },
      {
        personRef: 'H1',
        serviceType: 'home_care',
        clientGroup: 'older_people',
        weeklyCostPence: 20_000,
        startDate: '2026-04-01',
      },
    ],
  )
  provider = new Client(t.app)
  await provider.signIn(home.emails.providerA)
  commissioner = new Client(t.app)
  await commissioner.signIn(home.emails.commissioner)
})
afterAll(async () => t.close())

const CSV_HEADER =
  'cqc_location_id,year,sector,hourly_wage,staff,food,utilities,maintenance,return_on_operations,return_on_capital\n'
/** A residential return whose staff line is £(600 + n), the rest £50 each: a total of £(850 + n). */
const careHomeRow = (cqcId: string, n: number) =>
  `${cqcId},2026/27,older-people-residential,,${600 + n},50,50,50,50,50\n`

async function upload(client: Client, url: string, content: string, headers: Record<string, string> = {}) {
  const body = multipart({ _csrf: client.csrfToken }, { name: 'returns.csv', content: Buffer.from(content) })
  return t.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { cookie: client.cookies, 'content-type': body.contentType, ...headers },
  })
}

describe('cost returns from providers', () => {
  it('keeps the good rows of a CSV file and lists each bad one with its line and reason', async () => {
    await provider.get('/provider/cost-returns')
    const file =
      CSV_HEADER +
      careHomeRow(cqcIds[0] as string, 0) +
      careHomeRow(cqcIds[1] as string, 10) +
      `${cqcIds[2]},2026/27,older-people-residential,,-5,50,50,50,50,50\n` +
      careHomeRow(cqcIds[3] as string, 20) +
      careHomeRow('1-NOT-OURS', 0) +
      careHomeRow(cqcIds[1] as string, 99) +
      careHomeRow(cqcIds[4] as string, 30) +
      careHomeRow(cqcIds[5] as string, 40)
    const response = await upload(provider, '/provider/cost-returns/import', file)
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('5 of 8 cost returns saved.')
    expect(response.body).toContain('3 of 8 rows were rejected')
    expect(response.body).toContain('Staff cannot be negative')
    expect(response.body).toContain('1-NOT-OURS is not one of your organisation’s locations')
    expect(response.body).toContain(`A second return for ${cqcIds[1]} in 2026/27: line 3 has one`)
    const saved = await t.database.db
      .select()
      .from(costReturns)
      .where(eq(costReturns.councilId, home.councilId))
    expect(saved).toHaveLength(5)
  })

  it('takes a return on the form, and refuses a wage below the NLW with the field named', async () => {
    const page = await provider.get('/provider/cost-returns/new')
    expect(page.statusCode).toBe(200)
    const form: Record<string, string> = {
      locationId: String(home.providerA.locationId),
      year: '2026/27',
      sector: 'home-support',
      hourlyWage: '12.70',
      'line-careWorkerPay': '15.00',
      'line-onCosts': '3.00',
      'line-travelTime': '2',
      'line-mileage': '1',
      'line-training': '0.5',
      'line-backOffice': '4',
      'line-surplus': '1.5',
    }
    const refused = await provider.post('/provider/cost-returns', form)
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('govuk-error-summary')
    expect(refused.body).toContain('href="#hourlyWage"')
    expect(refused.body).toContain(
      'The hourly wage of £12.70 is below the National Living Wage of £12.71 in 2026/27',
    )
    const saved = await provider.post('/provider/cost-returns', { ...form, hourlyWage: '12.71' })
    expect(saved.statusCode).toBe(303)
    // The care home return for this location is replaced by home care, and the audit keeps the old one.
    expect(saved.headers.location).toBe('/provider/cost-returns?saved=replaced')
    const [audit] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'cost_return.replaced')))
    expect((audit?.details as { previous?: { sector: string } } | undefined)?.previous?.sector).toBe(
      'older-people-residential',
    )
  })

  it('takes JSON on the API, 400 naming the field for an impossible value, and keeps providers to their own locations', async () => {
    const post = (token: string, body: unknown) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/provider/cost-returns',
        headers: { authorization: `Bearer ${token}` },
        payload: body as Record<string, unknown>,
      })
    const lines = {
      staff: 61_500,
      food: 5_000,
      utilities: 5_000,
      maintenance: 5_000,
      returnOnOperations: 5_000,
      returnOnCapital: 5_000,
    }
    const bad = await post(home.providerApiToken, {
      locationId: home.providerA.locationId,
      year: YEAR,
      sector: 'older-people-residential',
      lines: { ...lines, food: -1 },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.errors).toEqual([{ field: 'lines.food', message: 'Food cannot be negative' }])
    const good = await post(home.providerApiToken, {
      locationId: home.providerA.locationId,
      year: YEAR,
      sector: 'older-people-residential',
      lines,
    })
    expect(good.statusCode).toBe(201)
    expect(good.json().replaced).toBe(true)
    const others = await post(home.providerApiToken, {
      locationId: home.providerB.locationId,
      year: YEAR,
      sector: 'older-people-residential',
      lines,
    })
    expect(others.statusCode).toBe(400)
    expect(others.json().error.errors[0].field).toBe('locationId')
  })
})

describe('the CSV import on the API', () => {
  it('answers 201 with the report, the good rows saved and the bad ones listed', async () => {
    const body = multipart(
      {},
      {
        name: 'returns.csv',
        content: Buffer.from(`${CSV_HEADER}${careHomeRow('1-NOT-OURS', 0)}`),
      },
    )
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/provider/cost-returns/imports',
      payload: body.payload,
      headers: { authorization: `Bearer ${home.providerApiToken}`, 'content-type': body.contentType },
    })
    expect(response.statusCode).toBe(201)
    expect(response.json()).toEqual({
      status: 'rejected',
      rowsRead: 1,
      saved: 0,
      rejected: [{ line: 2, reason: '1-NOT-OURS is not one of your organisation’s locations' }],
    })
  })
})

describe('the cost of care for commissioners', () => {
  it('gives the quartiles and the gap from the returns, and suppresses a sector with too few', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/fees/cost-of-care/${YEAR}`,
      headers: { cookie: commissioner.cookies },
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    const residential = body.sectors.find((s: { sector: string }) => s.sector === 'older-people-residential')
    // Five residential returns: totals £860, £870, £880, £890 (CSV) and £865 (API, replacing £850).
    expect(residential.returns).toBe(5)
    expect(residential.total).toEqual({
      lowerQuartilePence: 86_500,
      medianPence: 87_000,
      upperQuartilePence: 88_000,
    })
    // Fees paid: (£700 + £800) ÷ 2 = £750 a resident a week; the gap is £120 × 2 residents × 365 ÷ 7 weeks.
    expect(residential.paid).toEqual({ packages: 2, averagePence: 75_000, volume: 2 })
    expect(residential.gap).toEqual({ perUnitPence: 12_000, annualPence: Math.round((12_000 * 2 * 365) / 7) })
    const homeCare = body.sectors.find((s: { sector: string }) => s.sector === 'home-support')
    expect(homeCare).toMatchObject({ suppressed: true, returns: null, total: null, gap: null })
    expect(homeCare.paid).toEqual({
      packages: 1,
      averagePence: 2_000,
      volume: Math.round((10 * 365 * 100) / 7) / 100,
    })

    const page = await commissioner.get(`/fees/cost-of-care/${YEAR}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('£870.00')
    expect(page.body).toContain('Fewer than 5 returns: the figures are suppressed.')
    const csv = await commissioner.get(`/fees/cost-of-care/${YEAR}/cost-of-care.csv`)
    expect(csv.body).toContain('2026/27,Home support,per contact hour,fewer than 5,Total,,,,20,')
    expect(csv.body).toContain(
      '2026/27,Residential older people,per resident a week,5,Total,865,870,880,750,2,120,',
    )
  })

  it('builds the home care hourly price and moves pay by the NLW’s percentage', async () => {
    const page = await commissioner.get(
      `/fees/cost-of-care/${YEAR}?pay=15&onCosts=20&travel=3&training=0.50&backOffice=4&surplus=5&newNlw=13.21`,
    )
    expect(page.statusCode).toBe(200)
    // 15.00 + 3.00 + 3.00 + 0.50 + 4.00 = 25.50, and 5% = £1.28: £26.78 an hour.
    expect(page.body).toContain('£26.78')
    // £12.71 → £13.21: pay £15.59, on-costs £3.12.
    expect(page.body).toContain('£15.59')
    const bad = await commissioner.get(`/fees/cost-of-care/${YEAR}?pay=lots&onCosts=200`)
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Enter care worker pay in pounds an hour, like 12.50')
    expect(bad.body).toContain('Enter on-costs as a % from 0 to 100, like 20.5')
  })
})
