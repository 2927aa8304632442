import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { addCalendarDays } from '../../brokerage/rules/index.ts'
import { bedVacancyReports, localities } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { recordMarketEvent } from '../events/service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'INSR', t.config)
  await t.database.db.insert(localities).values({ councilId: home.councilId, name: 'North' })
  // One home reported yesterday, so the beds have a figure to chart.
  await t.database.db.insert(bedVacancyReports).values({
    councilId: home.councilId,
    locationId: home.providerA.locationId,
    bedType: 'residential',
    vacancies: 3,
    reportedAt: new Date(Date.now() - 86_400_000),
    reportedBy: 'test',
    source: 'web',
  })
  // A home closed yesterday, with its cost not known yet.
  await recordMarketEvent(
    t.database.db,
    home.councilId,
    {
      kind: 'closure',
      locationId: String(home.providerA.locationId),
      occurredOn: addCalendarDays(londonDate(new Date()), -1),
      bedsLost: '30',
      peopleAffected: '4',
      homeCareHoursLost: '',
      extraCost: '',
      notes: '',
    },
    { kind: 'system', label: 'test' },
  )
})

afterAll(async () => {
  await t?.close()
})

async function signedIn(role: 'commissioner' | 'broker' | 'social_worker') {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('GET /insights', () => {
  it('shows every measure, with the charts and their tables', async () => {
    const client = await signedIn('commissioner')
    const response = await client.get('/insights')
    expect(response.statusCode, response.body.slice(0, 3000)).toBe(200)
    for (const heading of [
      'Response to requests',
      'Time to source',
      'Home care hours commissioned',
      'Hard to serve',
      'Care home beds available',
      'Accepted prices',
      'Quality mix today',
    ])
      expect(response.body).toContain(heading)
    expect(response.body).toContain('id="insights-hours-trend"')
    expect(response.body).toContain('id="insights-hours-trend-table"')
    expect(response.body).toContain('id="insights-beds"')
    expect(response.body).toContain('id="insights-beds-table"')
    for (const table of ['hard-to-serve', 'beds-by-bed-type', 'package-quality'])
      expect(response.body).toContain(`id="${table}"`)
    // 3 of A House's 30 beds; A and B are the two homes, and only A reported.
    expect(response.body).toMatch(/<strong>1 of 2<\/strong> care homes \(50%\)/)
    const bedTypes = /<table[^>]*id="beds-by-bed-type"[\s\S]*?<\/table>/.exec(response.body)?.[0] ?? ''
    const residential = /Residential\s*<\/th>([\s\S]*?)<\/tr>/.exec(bedTypes)?.[1] ?? ''
    // Homes without a locality, then all localities: 3 of A House's 30 beds each time.
    expect([...residential.matchAll(/<td[^>]*>\s*([^<]*?)\s*<\/td>/g)].map((m) => m[1])).toEqual([
      'No reports',
      '10%',
      '10%',
    ])
    expect(response.body).toContain('value="14"')
    expect(response.body).toContain('href="/insights.csv?')
    expect(response.body).toContain('<option value="North"')
  })

  it('answers a reversed range, a future date or an unknown locality with a 400 and an error summary', async () => {
    const client = await signedIn('commissioner')
    const cases = [
      [
        'from-day=10&from-month=3&from-year=2025&to-day=1&to-month=3&to-year=2025',
        '#from-day',
        'on or before the end date',
      ],
      ['to-day=1&to-month=1&to-year=2999', '#to-day', 'today or in the past'],
      ['locality=Atlantis', '#locality', 'Choose one of the council’s localities'],
      ['serviceType=spa', '#serviceType', 'Choose one of the service types'],
      ['from-day=31&from-month=2&from-year=2025', '#from-day', 'must be a real date'],
      ['hardToServeDays=0', '#hardToServeDays', 'whole number from 1 to 365'],
    ] as const
    for (const [query, href, message] of cases) {
      const response = await client.get(`/insights?${query}`)
      expect(response.statusCode, query).toBe(400)
      expect(response.body).toContain('govuk-error-summary')
      expect(response.body).toContain(`href="${href}"`)
      expect(response.body).toContain(message)
    }
  })

  it('is for council staff who commission or broker care', async () => {
    expect((await (await signedIn('broker')).get('/insights')).statusCode).toBe(200)
    expect((await (await signedIn('social_worker')).get('/insights')).statusCode).toBe(403)
  })
})

const bearer = (token: string, url: string) =>
  t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })

describe('GET /insights.csv', () => {
  it('downloads the figures for the filters chosen, as the API gives them', async () => {
    const client = await signedIn('commissioner')
    const query = 'locality=North&serviceType=residential&hardToServeDays=21'
    const response = await client.get(`/insights.csv?${query}`)
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/csv/)
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="market-insights-residential-north-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"$/,
    )
    const [header, ...rows] = parse(response.body) as string[][]
    expect(header).toEqual(['section', 'breakdown', 'measure', 'value'])
    const cell = (section: string | RegExp, breakdown: string, measure: string) =>
      rows.find((r) => r[0]?.match(section) && r[1] === breakdown && r[2] === measure)?.[3]
    expect(cell('Filters', '', 'Locality')).toBe('North')
    expect(cell('Filters', '', 'Service type')).toBe('Care home: residential')
    expect(cell('Filters', '', 'Days before a request counts as hard to serve')).toBe('21')
    const api = (await bearer(home.councilApiToken, `/api/v1/insights?${query}`)).json()
    expect(cell('Filters', '', 'From')).toBe(api.from)
    expect(cell('Response to requests', '', 'Requests published')).toBe(String(api.response.published))
    expect(cell(/^Hard to serve: unsourced 21 days/, 'Rural', 'Requests counted')).toBe('0')
    expect(cell(/^Care home beds available/, 'North', 'Care homes')).toBe(String(api.beds.total.homes))
    // One bed type for a care home service type, and no total line for one locality.
    expect(
      rows.filter((r) => r[0]?.startsWith('Care home beds') && r[2] === 'Vacant beds').map((r) => r[1]),
    ).toEqual(['North: Residential'])
    expect(cell(/^Quality of packages/, '', 'Active packages')).toBe(String(api.quality.packages.active))
    // The home that closed is in no locality, so North had no events.
    expect(cell(/^Market events/, 'Market failures', 'Events')).toBe('0')
    expect(api.events.failures.events).toBe(0)
  })

  it('adds up the market events of the period by kind, failures and all', async () => {
    const client = await signedIn('commissioner')
    const response = await client.get('/insights.csv')
    expect(response.statusCode).toBe(200)
    const rows = (parse(response.body) as string[][]).filter((r) => r[0]?.startsWith('Market events from'))
    const cell = (breakdown: string, measure: string) =>
      rows.find((r) => r[1] === breakdown && r[2] === measure)?.[3]
    expect(cell('Market failures', 'Events')).toBe('1')
    expect(cell('Location closure', 'Beds lost')).toBe('30')
    expect(cell('Provider exit', 'Events')).toBe('0')
    expect(cell('All events', 'People affected')).toBe('4')
    expect(cell('All events', 'Events whose cost is not known yet')).toBe('1')
  })

  it('writes a locality whose name is a formula as text a spreadsheet will not run', async () => {
    const formula = "@SUM(1+1)*cmd|' /C calc'!A0"
    const other = await seedCouncil(t.database, 'INSF', t.config)
    await t.database.db.insert(localities).values({ councilId: other.councilId, name: formula })
    const client = new Client(t.app)
    await client.signIn(other.emails.commissioner)
    const response = await client.get(`/insights.csv?locality=${encodeURIComponent(formula)}`)
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain(`"'${formula}"`)
    const cells = (parse(response.body) as string[][]).flat()
    expect(cells).toContain(`'${formula}`)
    expect(cells).not.toContain(formula)
  })

  it('answers a bad filter with a 400 naming the field', async () => {
    const client = await signedIn('broker')
    for (const [query, message] of [
      ['locality=Atlantis', 'Choose one of the council’s localities'],
      ['from=2026-03-10&to=2026-03-01', 'on or before the end date'],
      ['hardToServeDays=often', 'whole number from 1 to 365'],
    ]) {
      const response = await client.get(`/insights.csv?${query}`)
      expect(response.statusCode, query).toBe(400)
      expect(response.body).toContain(message)
    }
  })
})

describe('GET /api/v1/insights', () => {
  const today = londonDate(new Date())

  it('gives a council system every figure of the dashboard', async () => {
    const response = await bearer(home.councilApiToken, '/api/v1/insights')
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({ to: today, serviceType: null, locality: null, hardToServeDays: 14 })
    for (const key of ['response', 'timeToSource', 'hardToServe', 'hours', 'beds', 'prices', 'quality'])
      expect(body).toHaveProperty(key)
    expect(body.timeToSource).toHaveProperty('byLocality')
    expect(body.beds.total).toMatchObject({ homes: 2, reportingHomes: 1, vacancies: 3, percentAvailable: 10 })
    expect(body.quality.packages).toMatchObject({ active: 0, percentGoodOrOutstanding: null })
  })

  const refusals: [string, string, string][] = [
    ['a reversed period', `from=${today}&to=${addCalendarDays(today, -3)}`, 'from'],
    ['an end far in the future', 'to=2999-01-01', 'to'],
    ['a date that does not exist', 'from=2026-02-30', 'from'],
    ['an unknown locality', 'locality=Atlantis', 'locality'],
    ['an unknown service type', 'serviceType=spa', 'serviceType'],
    ['days that are not a whole number', 'hardToServeDays=2.5', 'hardToServeDays'],
  ]
  for (const [what, query, field] of refusals) {
    it(`refuses ${what} with the field at fault`, async () => {
      const response = await bearer(home.councilApiToken, `/api/v1/insights?${query}`)
      expect(response.statusCode).toBe(400)
      expect(response.json().error.errors).toContainEqual(
        expect.objectContaining({ field, message: expect.any(String) }),
      )
    })
  }

  it('refuses providers and social workers', async () => {
    expect((await bearer(home.providerApiToken, '/api/v1/insights')).statusCode).toBe(403)
    expect((await (await signedIn('social_worker')).get('/api/v1/insights')).statusCode).toBe(403)
  })

  it('is described in /openapi.json with its parameters', async () => {
    const paths = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths
    const get = paths['/api/v1/insights']?.get
    expect(get?.summary).toMatch(/Market insights/)
    expect(get?.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'from',
      'hardToServeDays',
      'locality',
      'serviceType',
      'to',
    ])
  })
})
