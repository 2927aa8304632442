// Uplift modelling on the web and the API: the same figures, an independent sum over the book that
// agrees to the penny, and bad input refused with 400 and a clear message; saved scenarios.
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { BOOK_2027, DAYS_IN_2027, loadBook } from '../../../test/support/uplifts-fixture.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture

const BOOK = BOOK_2027
const DAYS = DAYS_IN_2027

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'UPLR', t.config)
  other = await seedCouncil(t.database, 'UPLO', t.config)
  await loadBook(
    t.database.db,
    home.councilId,
    { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
    BOOK,
  )
  await loadBook(
    t.database.db,
    other.councilId,
    { locationId: other.providerA.locationId, providerOrganisationId: other.providerA.id },
    [
      {
        personRef: 'X1',
        serviceType: 'residential',
        clientGroup: 'older_people',
        weeklyCostPence: 1_000_000,
        startDate: '2025-01-01',
      },
    ],
  )
})
afterAll(async () => t.close())

async function signedIn(role: 'commissioner' | 'council_admin' | 'broker'): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

const api = (client: Client, scenario: string, extra = '') =>
  client.get(`/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent(scenario)}${extra}`)

describe('GET /api/v1/fees/uplifts/{year}', () => {
  it('costs the council’s own book by sector, agreeing to the penny with an independent sum', async () => {
    const client = await signedIn('commissioner')
    const response = await api(
      client,
      '{"default": 5, "home-support": 7.5, "nlwOldPence": 1271, "nlwNewPence": 1321}',
    )
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({
      year: 2027,
      label: '2027/28',
      from: '2027-04-01',
      to: '2028-03-31',
      budget: null,
    })
    let before = 0
    let after = 0
    for (const row of BOOK) {
      const pct = row.serviceType === 'home_care' ? 750 : 500
      before += Math.round((row.weeklyCostPence * (DAYS[row.personRef] ?? 0)) / 7)
      after += Math.round(
        (Math.round((row.weeklyCostPence * (10_000 + pct)) / 10_000) * (DAYS[row.personRef] ?? 0)) / 7,
      )
    }
    expect(body.total.annualCostBeforePence).toBe(before)
    expect(body.total.annualCostAfterPence).toBe(after)
    expect(body.total.packages).toBe(4)
    const bySector = Object.fromEntries(body.sectors.map((s: { sector: string }) => [s.sector, s]))
    expect(bySector['working-age-care-homes'].annualCostBeforePence).toBe(Math.round((150_000 * 91) / 7))
    expect(bySector['supported-living'].packages).toBe(0)
    expect(bySector['home-support'].upliftPercent).toBe(7.5)
    for (const s of body.sectors)
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining(['sector', 'annualCostBeforePence', 'annualCostAfterPence']),
      )
    expect(body.total.nlwPennyCostPence).toBe(
      body.sectors.reduce((sum: number, s: { nlwPennyCostPence: number }) => sum + s.nlwPennyCostPence, 0),
    )
  })

  it('lists the packages it costs, so an independent sum over the API’s list agrees to the penny', async () => {
    const client = await signedIn('commissioner')
    const list = await client.get('/api/v1/fees/uplifts/2027/packages')
    expect(list.statusCode).toBe(200)
    const { packages } = list.json() as {
      packages: { sector: string; prices: { weeklyCostPence: number; days: number }[] }[]
    }
    expect(packages).toHaveLength(4)
    const model = (await api(client, '{"default": 5, "home-support": 7.5}')).json()
    let before = 0
    let after = 0
    for (const p of packages)
      for (const { weeklyCostPence, days } of p.prices) {
        const pct = p.sector === 'home-support' ? 7.5 : 5
        before += Math.round((weeklyCostPence * days) / 7)
        after += Math.round((Math.round(weeklyCostPence * (1 + pct / 100)) * days) / 7)
      }
    expect(model.total.annualCostBeforePence).toBe(before)
    expect(model.total.annualCostAfterPence).toBe(after)
  })

  it('raises home care below a new hourly rate to it, by the package’s hours', async () => {
    const client = await signedIn('commissioner')
    const body = (await api(client, '{"default": 0, "home-support": {"hourlyRatePence": 5000}}')).json()
    const home = body.sectors.find((s: { sector: string }) => s.sector === 'home-support')
    // 10 hours a week at £50 is £500 a week, for the 91 days it is in force.
    expect(home).toMatchObject({
      newRate: { unit: 'hourly', pence: 5000 },
      annualCostBeforePence: Math.round((31_333 * 91) / 7),
      annualCostAfterPence: Math.round((50_000 * 91) / 7),
    })
    expect(body.total.increasePence).toBe(home.increasePence)
  })

  it('finds the uniform uplift a budget allows', async () => {
    const client = await signedIn('council_admin')
    const body = (await api(client, '{"default": 0}', '&budgetPence=10000000')).json()
    expect(body.budget.increasePence).toBeLessThanOrEqual(10_000_000)
    const above = (await api(client, `{"default": ${body.budget.upliftPercent + 0.01}}`)).json()
    expect(above.total.increasePence).toBeGreaterThan(10_000_000)
  })

  it('refuses bad JSON, unknown sectors, negative, huge and NaN values and bad years with 400', async () => {
    const client = await signedIn('commissioner')
    const cases: [string, string, RegExp][] = [
      ['/api/v1/fees/uplifts/2027?scenario=%7Bdefault', 'bad JSON', /not valid JSON/],
      ['/api/v1/fees/uplifts/2027', 'no scenario', /scenario/],
      [
        `/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default":5,"pets":2}')}`,
        'sector',
        /Unknown sector or setting .{0,4}pets/,
      ],
      [
        `/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default":-3}')}`,
        'negative',
        /Must not be negative/,
      ],
      [
        `/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default":1e308}')}`,
        'huge',
        /100 or less/,
      ],
      [`/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default":"NaN"}')}`, 'NaN', /number/],
      [
        `/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default":5}')}&budgetPence=-5`,
        'budget',
        /not negative/,
      ],
      [
        `/api/v1/fees/uplifts/2027?scenario=${encodeURIComponent('{"default":5}')}&budgetPence=99999999999999999999`,
        'huge budget',
        /not negative|budget/,
      ],
      [`/api/v1/fees/uplifts/1066?scenario=${encodeURIComponent('{"default":5}')}`, 'year', /2000 to 2100/],
      [`/api/v1/fees/uplifts/abcd?scenario=${encodeURIComponent('{"default":5}')}`, 'year', /four digits/],
    ]
    for (const [url, what, message] of cases) {
      const response = await client.get(url)
      expect(response.statusCode, what).toBe(400)
      expect(response.body, what).toMatch(message)
    }
  })
})

describe('/openapi.json', () => {
  it('documents the uplift operation, its scenario and its answer', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    const operation = document.paths['/api/v1/fees/uplifts/{year}'].get
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['year', 'scenario', 'budgetPence']),
    )
    expect(JSON.stringify(operation.responses['200'])).toContain('annualCostBeforePence')
    expect(Object.keys(operation.responses)).toContain('400')
  })
})

describe('/fees/uplifts/{year}', () => {
  it('shows the chart and the table of each sector, and the same total as the API', async () => {
    const client = await signedIn('commissioner')
    const scenario = '{"default": 5}'
    const page = await client.get(
      `/fees/uplifts/2027?scenario=${encodeURIComponent(scenario)}&scenario2=${encodeURIComponent('{"default": 2}')}&budget=100000`,
    )
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(/<svg[^>]*role="img"/)
    expect(page.body).toContain('Annual cost by sector, 2027/28')
    expect(page.body).toContain('Scenario 2: annual cost after')
    expect(page.body).toContain('A budget of £100,000 allows')
    const body = (await api(client, scenario)).json()
    const pounds = (pence: number) => `£${Math.round(pence / 100).toLocaleString('en-GB')}`
    expect(page.body).toContain(pounds(body.total.annualCostAfterPence))
    // Another council's book is never counted.
    expect(page.body).not.toContain(pounds(Math.round((1_000_000 * 366) / 7)))
  })

  it('shows each bad field with its reason, with a 400', async () => {
    const client = await signedIn('council_admin')
    const page = await client.get(
      `/fees/uplifts/2027?scenario=${encodeURIComponent('{"default": -1, "pets": 1}')}&budget=lots`,
    )
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('There is a problem')
    expect(page.body).toContain('default: Must not be negative')
    expect(page.body).toContain('Unknown sector or setting')
    expect(page.body).toContain('Enter a budget in pounds')
    expect((await client.get('/fees/uplifts/1999')).statusCode).toBe(400)
    expect((await client.get('/fees/uplifts/20x7')).statusCode).toBe(400)
  })

  it('builds scenario 1 from the form, without JSON, and names the form’s field when it is wrong', async () => {
    const client = await signedIn('commissioner')
    const built = await client.get(
      '/fees/uplifts/2027?build=1&build-default=5&build-older-people-nursing=6.5&build-nlwOld=12.71&build-nlwNew=13.21',
    )
    expect(built.statusCode).toBe(303)
    const scenario = new URL(built.headers.location as string, 'http://x').searchParams.get('scenario')
    expect(JSON.parse(scenario as string)).toEqual({
      default: 5,
      'older-people-nursing': 6.5,
      nlwOldPence: 1271,
      nlwNewPence: 1321,
    })
    // The page it leads to costs that scenario, as the API does, with the form filled back in.
    const page = await client.get(built.headers.location as string)
    expect(page.statusCode).toBe(200)
    const body = (await api(client, scenario as string)).json()
    expect(page.body).toContain(
      `£${Math.round(body.total.annualCostAfterPence / 100).toLocaleString('en-GB')}`,
    )
    expect(page.body).toMatch(/id="build-older-people-nursing"[^>]*value="6.5"/)

    const wrong = await client.get('/fees/uplifts/2027?build=1&build-default=lots&build-nlwOld=12.71')
    expect(wrong.statusCode).toBe(400)
    expect(wrong.body).toContain('href="#build-default"')
    expect(wrong.body).toContain('Enter a percentage as a number, like 4.55')
    expect(wrong.body).toMatch(/id="build-default"[^>]*value="lots"/)
  })

  it('sends /fees/uplifts to this financial year and refuses brokers', async () => {
    const client = await signedIn('commissioner')
    const response = await client.get('/fees/uplifts')
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toMatch(/^\/fees\/uplifts\/20\d\d$/)
    const example = await client.get('/fees/uplifts/2027')
    expect(example.statusCode).toBe(200)
    expect(example.body).toContain('Filled in with an example to change')
    expect(example.body).toContain('1p an hour on the NLW')
    expect((await (await signedIn('broker')).get('/fees/uplifts/2027')).statusCode).toBe(403)
  })
})

function json(client: Client, method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    payload: payload === undefined ? undefined : JSON.stringify(payload),
    headers: {
      cookie: client.cookies,
      'csrf-token': client.csrfToken,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
  })
}

describe('saved scenarios through the API', () => {
  const base = '/api/v1/fees/uplifts/2028/scenarios'

  it('saves, lists with costs, renames, chooses one at a time and deletes, auditing each change', async () => {
    const client = await signedIn('commissioner')
    await client.get('/fees/uplifts/2028')
    const five = await json(client, 'POST', base, { name: 'Five per cent', scenario: { default: 5 } })
    expect(five.statusCode).toBe(201)
    const two = await json(client, 'POST', base, { name: 'Two', scenario: { default: 2 } })
    expect(two.json()).toMatchObject({
      name: 'Two',
      year: 2028,
      chosen: null,
      createdBy: home.emails.commissioner,
    })

    const listed = (await client.get(base)).json()
    expect(listed.label).toBe('2028/29')
    expect(listed.scenarios.map((s: { name: string }) => s.name)).toEqual(['Five per cent', 'Two'])
    const costed = (await api(client, '{"default": 5}')).json()
    // The same book and year through both: 2027 and 2028 differ, so cost 2028 directly.
    const direct = (
      await client.get(`/api/v1/fees/uplifts/2028?scenario=${encodeURIComponent('{"default": 5}')}`)
    ).json()
    expect(listed.scenarios[0].costs.total).toEqual(direct.total)
    expect(costed.year).toBe(2027)

    const renamed = await json(client, 'PUT', `${base}/${two.json().id}`, {
      name: 'Two and the NLW',
      scenario: { default: 2, nlwOldPence: 1271, nlwNewPence: 1321 },
    })
    expect(renamed.statusCode).toBe(200)
    expect(renamed.json().scenario).toEqual({ default: 2, nlwOldPence: 1271, nlwNewPence: 1321 })

    const chooseFive = await json(client, 'POST', `${base}/${five.json().id}/choose`, {
      rationale: 'Cabinet on 12 March 2028 agreed 5% for every sector',
    })
    expect(chooseFive.statusCode).toBe(200)
    expect(chooseFive.json().chosen.rationale).toBe('Cabinet on 12 March 2028 agreed 5% for every sector')
    const chooseTwo = await json(client, 'POST', `${base}/${two.json().id}/choose`, { rationale: 'Changed' })
    expect(chooseTwo.statusCode).toBe(200)
    const after = (await client.get(base)).json().scenarios
    // Exactly one chosen, listed first.
    expect(
      after.filter((s: { chosen: unknown }) => s.chosen !== null).map((s: { id: number }) => s.id),
    ).toEqual([two.json().id])
    expect(after[0].id).toBe(two.json().id)

    const deleted = await json(client, 'DELETE', `${base}/${two.json().id}`)
    expect(deleted.json()).toEqual({ deleted: true })
    expect((await client.get(base)).json().scenarios).toHaveLength(1)
    expect((await json(client, 'DELETE', `${base}/${two.json().id}`)).statusCode).toBe(404)

    const audit = await t.database.db.execute(
      sql`select action from audit_log where council_id = ${home.councilId} and entity_type = 'uplift_scenario' order by id`,
    )
    expect((audit as unknown as { rows: { action: string }[] }).rows.map((r) => r.action)).toEqual([
      'uplift_scenario.saved',
      'uplift_scenario.saved',
      'uplift_scenario.updated',
      'uplift_scenario.chosen',
      'uplift_scenario.chosen',
      'uplift_scenario.deleted',
    ])
  })

  it('refuses bad names and scenarios field by field, a name taken, another council’s scenario, and a missing rationale', async () => {
    const client = await signedIn('council_admin')
    await client.get('/fees/uplifts/2029')
    const url = '/api/v1/fees/uplifts/2029/scenarios'
    const bad = await json(client, 'POST', url, { name: '  ', scenario: { default: -1, kennels: 2 } })
    expect(bad.statusCode).toBe(400)
    const fields = bad.json().error.errors.map((e: { field: string }) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['name', 'scenario.default', 'scenario.kennels']))
    expect((await json(client, 'POST', url, { name: 'x', scenario: '{"default":5}' })).statusCode).toBe(400)
    expect(
      (await json(client, 'POST', url, { name: 'x'.repeat(101), scenario: { default: 1 } })).json().error
        .errors[0].message,
    ).toMatch(/100 characters/)
    const first = await json(client, 'POST', url, { name: 'Same', scenario: { default: 1 } })
    expect(first.statusCode).toBe(201)
    const again = await json(client, 'POST', url, { name: 'same', scenario: { default: 2 } })
    expect(again.statusCode).toBe(400)
    expect(again.body).toContain('already called')
    const noWhy = await json(client, 'POST', `${url}/${first.json().id}/choose`, { rationale: ' ' })
    expect(noWhy.statusCode).toBe(400)
    expect(noWhy.body).toContain('rationale')

    const stranger = new Client(t.app)
    await stranger.signIn(other.emails.commissioner)
    await stranger.get('/fees/uplifts/2029')
    expect((await json(stranger, 'DELETE', `${url}/${first.json().id}`)).statusCode).toBe(404)
    expect(
      (await json(stranger, 'PUT', `${url}/${first.json().id}`, { name: 'Mine', scenario: { default: 1 } }))
        .statusCode,
    ).toBe(404)
    // The year is part of the address: the same ID in another year is not found.
    expect(
      (await json(client, 'DELETE', `/api/v1/fees/uplifts/2030/scenarios/${first.json().id}`)).statusCode,
    ).toBe(404)
  })

  it('keeps at most eight a year', async () => {
    const client = await signedIn('commissioner')
    await client.get('/fees/uplifts/2031')
    const url = '/api/v1/fees/uplifts/2031/scenarios'
    for (let i = 1; i <= 8; i++)
      expect((await json(client, 'POST', url, { name: `S${i}`, scenario: { default: i } })).statusCode).toBe(
        201,
      )
    const ninth = await json(client, 'POST', url, { name: 'S9', scenario: { default: 9 } })
    expect(ninth.statusCode).toBe(409)
    expect(ninth.body).toContain('at most 8')
  })
})

describe('saved scenarios on /fees/uplifts/{year}', () => {
  it('saves the scenario in the box, compares saved ones by name, chooses one with why, and deletes', async () => {
    const client = await signedIn('commissioner')
    const scenario = '{"default": 4}'
    await client.get(`/fees/uplifts/2032?scenario=${encodeURIComponent(scenario)}`)
    const empty = await client.post('/fees/uplifts/2032/scenarios', { name: '', scenario })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Enter a name for the scenario')
    const saved = await client.post('/fees/uplifts/2032/scenarios', { name: 'Four', scenario })
    expect(saved.statusCode).toBe(303)
    await client.post('/fees/uplifts/2032/scenarios', { name: 'Six', scenario: '{"default": 6}' })
    const page = await client.get('/fees/uplifts/2032')
    expect(page.body).toContain('Saved scenarios for 2032/33')
    const ids = [...page.body.matchAll(/\/fees\/uplifts\/2032\/scenarios\/(\d+)\/choose/g)].map((m) => m[1])
    expect(ids).toHaveLength(2)

    const compared = await client.get(`/fees/uplifts/2032?compare=${ids[0]}&compare=${ids[1]}`)
    expect(compared.statusCode).toBe(200)
    expect(compared.body).toContain('Four: annual cost after')
    expect(compared.body).toContain('Six: annual cost after')
    const one = await client.get(`/fees/uplifts/2032?compare=${ids[0]}`)
    expect(one.statusCode).toBe(400)
    expect(one.body).toContain('Choose from 2 to 3 saved scenarios')

    const form = await client.get(`/fees/uplifts/2032/scenarios/${ids[1]}/choose`)
    expect(form.body).toContain('How the uplifts were decided')
    const noWhy = await client.post(`/fees/uplifts/2032/scenarios/${ids[1]}/choose`, { rationale: '' })
    expect(noWhy.statusCode).toBe(400)
    expect(noWhy.body).toContain('There is a problem')
    const chosen = await client.post(`/fees/uplifts/2032/scenarios/${ids[1]}/choose`, {
      rationale: 'Cabinet agreed 6%',
    })
    expect(chosen.statusCode).toBe(303)
    const after = await client.get('/fees/uplifts/2032')
    expect(after.body).toContain('Cabinet agreed 6%')
    expect(after.body).toContain('Chosen')

    expect((await client.post(`/fees/uplifts/2032/scenarios/${ids[0]}/delete`, {})).statusCode).toBe(303)
    expect((await client.get('/fees/uplifts/2032')).body).not.toContain('>Four<')
  })
})
