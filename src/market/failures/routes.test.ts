import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { placePerson, prepareFailingCouncil } from '../../../test/support/failure-fixture.ts'
import { createApiToken } from '../../accounts/api-tokens.ts'
import { addCalendarDays } from '../../brokerage/rules/index.ts'
import { users } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let commissionerToken: string
const today = londonDate(new Date())
const yesterday = addCalendarDays(today, -1)
const lastDay = addCalendarDays(today, 5)

const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats.default(ajv)
type OpenApi = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >
  components: object
}
let document: OpenApi

/** An API call, its answer checked against the schema /openapi.json declares for its status. */
async function api(method: 'GET' | 'POST', url: string, token: string, body?: unknown) {
  const response = await t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  })
  const path = url.replace(/\/\d+/, '/{id}').replace(/\?.*$/, '')
  const declared = document.paths[path]?.[method.toLowerCase()]?.responses[String(response.statusCode)]
  expect(declared, `${method} ${path} declares ${response.statusCode}`).toBeDefined()
  const schema = declared?.content?.['application/json']?.schema
  if (schema) {
    const check = ajv.compile({ ...schema, components: document.components })
    expect(check(response.json()), `${method} ${path}: ${ajv.errorsText(check.errors)}`).toBe(true)
  }
  return response
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'FLR', t.config)
  other = await seedCouncil(t.database, 'FLO', t.config)
  await prepareFailingCouncil(t.database.db, home)
  document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const at = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
  await placePerson(t.database.db, home.councilId, at, { name: 'Rosa Resident' })
  await placePerson(t.database.db, home.councilId, at, { name: 'Sid Resident', weeklyCostPence: 95_000 })
  const [admin] = await t.database.db.select().from(users).where(eq(users.email, home.emails.council_admin))
  if (!admin) throw new Error('no admin')
  ;({ token: commissionerToken } = await createApiToken(
    t.database.db,
    {
      id: admin.id,
      email: admin.email,
      role: 'council_admin',
      councilId: home.councilId,
      councilCode: home.code,
      councilName: 'FLR',
      councilIsDemo: false,
      providerOrganisationId: null,
    },
    { name: 'Commissioning system', role: 'commissioner' },
  ))
})
afterAll(async () => t?.close())

describe('the failure response through the API', () => {
  let eventId: number

  it('records the closure, opens the response once, and re-sources everyone exactly once', async () => {
    const recorded = await api('POST', '/api/v1/market-events', commissionerToken, {
      kind: 'closure',
      locationId: home.providerA.locationId,
      occurredOn: yesterday,
      bedsLost: 30,
      peopleAffected: 2,
    })
    expect(recorded.statusCode).toBe(201)
    eventId = recorded.json().id

    const opened = await api('POST', `/api/v1/market-events/${eventId}/response`, commissionerToken, {
      lastDay,
    })
    expect(opened.statusCode).toBe(201)
    expect(opened.json()).toMatchObject({ lastDay, figures: { people: 2, rePlaced: 0 } })
    const again = await api('POST', `/api/v1/market-events/${eventId}/response`, commissionerToken, {
      lastDay: today,
    })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ id: opened.json().id, lastDay })

    // The council's token acts as a broker.
    const resourced = await api(
      'POST',
      `/api/v1/market-events/${eventId}/response/resource`,
      home.councilApiToken,
      {},
    )
    expect(resourced.statusCode).toBe(200)
    expect(resourced.json()).toMatchObject({ created: 2, alreadyMade: 0, published: 2, notPublished: [] })
    const twice = await api(
      'POST',
      `/api/v1/market-events/${eventId}/response/resource`,
      home.councilApiToken,
      {},
    )
    expect(twice.json()).toMatchObject({ created: 0, alreadyMade: 2, published: 0 })

    const read = await api('GET', `/api/v1/market-events/${eventId}/response`, home.councilApiToken)
    expect(read.statusCode).toBe(200)
    const body = read.json()
    expect(body.cases.map((c: { person: string }) => c.person).sort()).toEqual([
      'Rosa Resident',
      'Sid Resident',
    ])
    expect(
      body.cases.every(
        (c: { state: string; requestId: number | null }) => c.state === 'published' && c.requestId,
      ),
    ).toBe(true)
  })

  it('answers bad input with 400, and another council’s event with 404', async () => {
    const event = await api('POST', '/api/v1/market-events', commissionerToken, {
      kind: 'closure',
      locationId: home.providerB.locationId,
      occurredOn: yesterday,
      peopleAffected: 0,
    })
    const id = event.json().id
    const badDay = await api('POST', `/api/v1/market-events/${id}/response`, commissionerToken, {
      lastDay: '31/02/2027',
    })
    expect(badDay.statusCode).toBe(400)
    expect(badDay.json().error.errors[0].field).toBe('lastDay')
    const badEvent = await api('POST', '/api/v1/market-events', commissionerToken, { kind: 'meltdown' })
    expect(badEvent.statusCode).toBe(400)
    const badUrgency = await api(
      'POST',
      `/api/v1/market-events/${eventId}/response/resource`,
      home.councilApiToken,
      {
        urgency: 'soon',
      },
    )
    expect(badUrgency.statusCode).toBe(400)
    const notOpened = await api('GET', `/api/v1/market-events/${id}/response`, home.councilApiToken)
    expect(notOpened.statusCode).toBe(404)
    const elsewhere = await api('GET', `/api/v1/market-events/${eventId}/response`, other.councilApiToken)
    expect(elsewhere.statusCode).toBe(404)
  })

  it('shows the tracker and its CSV to a broker, and the event links to it', async () => {
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const event = await broker.get(`/market-events/${eventId}`)
    expect(event.body).toContain(`href="/market-events/${eventId}/response"`)
    const redirect = await broker.get(`/market-events/${eventId}/response`)
    expect(redirect.statusCode).toBe(303)
    const tracker = String(redirect.headers.location)
    expect(tracker).toMatch(/^\/failure-responses\/\d+$/)
    const page = await broker.get(tracker)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Rosa Resident')
    expect(page.body).toMatch(/Re-placed\s*<\/dt>\s*<dd[^>]*>\s*0 of 2/)
    expect(page.body).toContain('Make the re-sourcing requests')
    const csv = await broker.get(`${tracker}/people.csv`)
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.body.split('\n')[0]).toContain('days without care')
    expect(csv.body).toContain('Sid Resident')
    expect(csv.body).toContain('950.00')
    const bad = await broker.post(`${tracker}/cases/1`, { outcome: 'abducted' })
    expect(bad.statusCode).toBe(400)
    // The tracker leads to the allocation of the response's own requests.
    expect(page.body).toContain(`href="/allocation?event=${eventId}"`)
    const allocation = await broker.get(`/allocation?event=${eventId}`)
    expect(allocation.statusCode).toBe(200)
    expect(allocation.body).toContain('Rosa Resident')
    expect(allocation.body).toContain('Sid Resident')
  })

  it('counts the response in insights and the committee report', async () => {
    const commissioner = new Client(t.app)
    await commissioner.signIn(home.emails.commissioner)
    const insights = await commissioner.get('/insights')
    expect(insights.statusCode).toBe(200)
    expect(insights.body).toMatch(
      /id="failure-responses-headline">The council responded to 1 failure[^<]*<strong>2<\/strong> people/,
    )
    const report = await commissioner.get('/insights/report.html')
    expect(report.statusCode).toBe(200)
    expect(report.body).toMatch(/id="report-failure-responses">The council responded to 1 failure/)
    expect(report.body).toContain('<strong>0</strong> were re-placed')
  })

  it('opens a response for a location at risk, once, reads it by its id and re-sources its people', async () => {
    await placePerson(
      t.database.db,
      home.councilId,
      { locationId: home.providerB.locationId, providerOrganisationId: home.providerB.id },
      { name: 'Ada At-Risk' },
    )
    const noPlace = await api('POST', '/api/v1/failure-responses', commissionerToken, { lastDay })
    expect(noPlace.statusCode).toBe(400)
    expect(noPlace.json().error.errors[0].field).toBe('providerId')
    const noDay = await api('POST', '/api/v1/failure-responses', commissionerToken, {
      locationId: home.providerB.locationId,
    })
    expect(noDay.statusCode).toBe(400)
    expect(noDay.json().error.errors[0].field).toBe('lastDay')

    const opened = await api('POST', '/api/v1/failure-responses', commissionerToken, {
      locationId: home.providerB.locationId,
      lastDay,
    })
    expect(opened.statusCode).toBe(201)
    expect(opened.json()).toMatchObject({
      marketEventId: null,
      providerOrganisationId: home.providerB.id,
      locationId: home.providerB.locationId,
      lastDay,
      figures: { people: 1 },
    })
    const id = opened.json().id
    const again = await api('POST', '/api/v1/failure-responses', commissionerToken, {
      locationId: home.providerB.locationId,
      lastDay: today,
    })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ id, lastDay })

    const resourced = await api('POST', `/api/v1/failure-responses/${id}/resource`, home.councilApiToken, {})
    expect(resourced.json()).toMatchObject({ created: 1, alreadyMade: 0 })
    const read = await api('GET', `/api/v1/failure-responses/${id}`, home.councilApiToken)
    expect(read.json().cases).toMatchObject([{ person: 'Ada At-Risk', state: 'published' }])
    const elsewhere = await api('GET', `/api/v1/failure-responses/${id}`, other.councilApiToken)
    expect(elsewhere.statusCode).toBe(404)
  })
})
