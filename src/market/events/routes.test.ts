import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { addPackage } from '../../../test/support/market-events-fixture.ts'
import { addCalendarDays } from '../../brokerage/rules/index.ts'
import { londonDate } from '../../shared/dates.ts'
import { recordMarketEvent } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
const today = londonDate(new Date())
const lastWeek = addCalendarDays(today, -7)

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'EVR', t.config)
  other = await seedCouncil(t.database, 'EVO', t.config)
  // Two people have a package at providerA's home: one since last month, one ending before last week.
  const a = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
  await addPackage(t.database.db, home.councilId, { ...a, startDate: addCalendarDays(today, -40) })
  await addPackage(t.database.db, home.councilId, {
    ...a,
    startDate: addCalendarDays(today, -40),
    endDate: addCalendarDays(today, -10),
  })
})
afterAll(async () => t?.close())

async function signedIn(
  fixture: Fixture,
  role: 'commissioner' | 'council_admin' | 'broker' | 'social_worker',
) {
  const client = new Client(t.app)
  await client.signIn(fixture.emails[role])
  return client
}

function dateBoxes(name: string, date: string): Record<string, string> {
  const [year, month, day] = date.split('-') as [string, string, string]
  return {
    [`${name}-day`]: String(Number(day)),
    [`${name}-month`]: String(Number(month)),
    [`${name}-year`]: year,
  }
}

/** The value a form's text box shows. */
function inputValue(html: string, name: string): string | undefined {
  const input = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0]
  return input?.match(/value="([^"]*)"/)?.[1]
}

const query = (values: Record<string, string>) => new URLSearchParams(values).toString()

describe('recording a market event', () => {
  it('asks what happened, where and when, from the council’s own register', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    const page = await commissioner.get('/market-events/new')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Record a market event')
    expect(page.body).toContain('EVR A House')
    expect(page.body).toContain('EVR Care B Ltd (1 location)')
    expect(page.body).not.toContain('EVO A House')
    // From a location's page, its location is chosen.
    const prefilled = await commissioner.get(`/market-events/new?location=${home.providerA.locationId}`)
    expect(prefilled.body).toMatch(new RegExp(`<option value="${home.providerA.locationId}" selected>`))
  })

  it('shows what is missing on the first page, each error linked to its field', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    const page = await commissioner.get('/market-events/new/details')
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('There is a problem')
    expect(page.body).toContain('href="#kind"')
    expect(page.body).toContain('href="#occurredOn-day"')
    const theirs = await commissioner.get(
      `/market-events/new/details?${query({ kind: 'closure', locationId: String(other.providerA.locationId), ...dateBoxes('occurredOn', lastWeek) })}`,
    )
    expect(theirs.statusCode).toBe(400)
    expect(theirs.body).toContain('href="#locationId">Choose the location from the list')
    const future = await commissioner.get(
      `/market-events/new/details?${query({ kind: 'closure', locationId: String(home.providerA.locationId), ...dateBoxes('occurredOn', addCalendarDays(today, 1)) })}`,
    )
    expect(future.statusCode).toBe(400)
    expect(future.body).toContain('The date it happened must be today or in the past')
    // What was typed is shown again.
    expect(future.body).toContain(`<option value="${home.providerA.locationId}" selected>`)
  })

  it('suggests the beds and the people counted, records what is confirmed, and shows it', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    const details = await commissioner.get(
      `/market-events/new/details?${query({ kind: 'closure', locationId: String(home.providerA.locationId), ...dateBoxes('occurredOn', lastWeek) })}`,
    )
    expect(details.statusCode).toBe(200)
    expect(details.body).toMatch(
      /Caremarket counts <strong>1<\/strong> person with a package of care active at EVR A House/,
    )
    expect(inputValue(details.body, 'bedsLost')).toBe('30')
    expect(inputValue(details.body, 'peopleAffected')).toBe('1')
    // An opening's figures are not asked of a closure.
    expect(details.body).not.toContain('name="bedsGained"')

    const form = {
      kind: 'closure',
      locationId: String(home.providerA.locationId),
      occurredOn: lastWeek,
      bedsLost: '30',
      homeCareHoursLost: '0',
      peopleAffected: '-2',
      extraCost: '',
      notes: 'The owner retired.',
    }
    const bad = await commissioner.post('/market-events', form)
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('href="#peopleAffected">People affected cannot be negative')
    expect(inputValue(bad.body, 'peopleAffected')).toBe('-2')

    const saved = await commissioner.post('/market-events', { ...form, peopleAffected: '27' })
    expect(saved.statusCode).toBe(303)
    const location = saved.headers.location as string
    expect(location).toMatch(/^\/market-events\/\d+\?done=recorded$/)
    const shown = await commissioner.get(location)
    expect(shown.statusCode).toBe(200)
    expect(shown.body).toContain('Market event recorded')
    expect(shown.body).toContain('Location closure: EVR A House')
    expect(shown.body).toContain('27 (Caremarket counted 1 with a package there)')
    expect(shown.body).toContain('Not known yet')

    // The cost, months later.
    const id = location.split('/')[2]?.split('?')[0] as string
    const edit = await commissioner.get(`/market-events/${id}/edit`)
    expect(edit.statusCode).toBe(200)
    expect(inputValue(edit.body, 'peopleAffected')).toBe('27')
    const change = {
      ...dateBoxes('occurredOn', lastWeek),
      bedsLost: '30',
      peopleAffected: '27',
      notes: 'The owner retired.',
    }
    const wrongDate = await commissioner.post(`/market-events/${id}`, {
      ...change,
      'occurredOn-day': '31',
      'occurredOn-month': '2',
    })
    expect(wrongDate.statusCode).toBe(400)
    expect(wrongDate.body).toContain('href="#occurredOn-day"')
    const costed = await commissioner.post(`/market-events/${id}`, { ...change, extraCost: '31,500' })
    expect(costed.statusCode).toBe(303)
    expect((await commissioner.get(`/market-events/${id}`)).body).toContain('£31,500')

    // The location's own page lists it; a broker reads it there, a social worker is not shown it.
    const locationPage = await commissioner.get(`/locations/${home.providerA.locationId}`)
    expect(locationPage.body).toContain(`href="/market-events/${id}">Location closure,`)
    expect(locationPage.body).toContain(`href="/market-events/new?location=${home.providerA.locationId}"`)
    const brokerView = await (await signedIn(home, 'broker')).get(`/locations/${home.providerA.locationId}`)
    expect(brokerView.body).toContain(`href="/market-events/${id}"`)
    expect(brokerView.body).not.toContain('/market-events/new')
    const socialWorkerView = await (await signedIn(home, 'social_worker')).get(
      `/locations/${home.providerA.locationId}`,
    )
    expect(socialWorkerView.statusCode).toBe(200)
    expect(socialWorkerView.body).not.toContain('/market-events')
    const otherHome = await commissioner.get(`/locations/${home.providerB.locationId}`)
    expect(otherHome.body).toContain('No market events are recorded for this location or its provider.')

    // The list and its totals, and the same through the API.
    const list = await commissioner.get('/market-events')
    expect(list.statusCode).toBe(200)
    expect(list.body).toMatch(
      /<strong>1<\/strong> market failure affecting <strong>27<\/strong> people, with <strong>£31,500<\/strong>/,
    )
    expect(list.body).toContain(`href="/market-events/${id}"`)
    const api = await commissioner.get('/api/v1/market-events', {
      authorization: `Bearer ${home.councilApiToken}`,
    })
    expect(api.statusCode).toBe(200)
    const body = api.json() as {
      summary: { failures: { events: number; peopleAffected: number; extraCostPence: number } }
      events: {
        id: number
        kind: string
        peopleAffected: number
        peopleCounted: number
        extraCostPence: number
      }[]
    }
    expect(body.summary.failures).toMatchObject({ events: 1, peopleAffected: 27, extraCostPence: 3_150_000 })
    expect(body.events).toEqual([
      expect.objectContaining({ id: Number(id), kind: 'closure', peopleAffected: 27, peopleCounted: 1 }),
    ])
  })

  it('records a provider exit across its locations', async () => {
    const admin = await signedIn(home, 'council_admin')
    const details = await admin.get(
      `/market-events/new/details?${query({ kind: 'provider_exit', providerId: String(home.providerB.id), ...dateBoxes('occurredOn', today) })}`,
    )
    expect(details.statusCode).toBe(200)
    expect(details.body).toContain('EVR Care B Ltd, 1 location:')
    const saved = await admin.post('/market-events', {
      kind: 'provider_exit',
      providerId: String(home.providerB.id),
      occurredOn: today,
      bedsLost: '30',
      peopleAffected: '0',
    })
    expect(saved.statusCode).toBe(303)
    const page = await admin.get(saved.headers.location as string)
    expect(page.body).toContain('Provider exit: EVR Care B Ltd')
    expect(page.body).toContain('Every location of EVR Care B Ltd')
  })
})

describe('withdrawing, scope and who may do what', () => {
  it('withdraws an event with a reason, after which it cannot be changed', async () => {
    const event = await recordMarketEvent(
      t.database.db,
      home.councilId,
      {
        kind: 'opening',
        locationId: String(home.providerB.locationId),
        occurredOn: lastWeek,
        bedsGained: '30',
      },
      { kind: 'system', label: 'test' },
    )
    const commissioner = await signedIn(home, 'commissioner')
    await commissioner.get(`/market-events/${event.id}/withdraw`)
    const empty = await commissioner.post(`/market-events/${event.id}/withdraw`, { reason: '' })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('href="#reason">Enter why the event is being withdrawn')
    const done = await commissioner.post(`/market-events/${event.id}/withdraw`, { reason: 'Wrong home' })
    expect(done.statusCode).toBe(303)
    const page = await commissioner.get(`/market-events/${event.id}`)
    expect(page.body).toContain('Withdrawn by commissioner@evr.test')
    expect(page.body).not.toContain('Change the date or figures')
    expect((await commissioner.get(`/market-events/${event.id}/edit`)).statusCode).toBe(303)
    expect(
      (await commissioner.post(`/market-events/${event.id}`, { ...dateBoxes('occurredOn', lastWeek) }))
        .statusCode,
    ).toBe(409)
  })

  it('answers 404 for another council’s event, to page and form alike', async () => {
    const theirs = await recordMarketEvent(
      t.database.db,
      other.councilId,
      {
        kind: 'closure',
        locationId: String(other.providerA.locationId),
        occurredOn: lastWeek,
        peopleAffected: '1',
      },
      { kind: 'system', label: 'test' },
    )
    const commissioner = await signedIn(home, 'commissioner')
    expect((await commissioner.get(`/market-events/${theirs.id}`)).statusCode).toBe(404)
    expect((await commissioner.get(`/market-events/${theirs.id}/edit`)).statusCode).toBe(404)
    expect(
      (await commissioner.post(`/market-events/${theirs.id}/withdraw`, { reason: 'x' })).statusCode,
    ).toBe(404)
    expect((await commissioner.get('/market-events/abc')).statusCode).toBe(400)
    const api = await commissioner.get('/api/v1/market-events', {
      authorization: `Bearer ${home.councilApiToken}`,
    })
    expect((api.json() as { events: { id: number }[] }).events.map((e) => e.id)).not.toContain(theirs.id)
  })

  it('lets brokers read and not record; social workers neither', async () => {
    const broker = await signedIn(home, 'broker')
    const list = await broker.get('/market-events')
    expect(list.statusCode).toBe(200)
    expect(list.body).not.toContain('Record a market event')
    expect((await broker.get('/market-events/new')).statusCode).toBe(403)
    expect((await (await signedIn(home, 'social_worker')).get('/market-events')).statusCode).toBe(403)
  })

  it('refuses a bad period with the field at fault', async () => {
    const broker = await signedIn(home, 'broker')
    const page = await broker.get(
      `/market-events?${query({ ...dateBoxes('from', today), ...dateBoxes('to', lastWeek) })}`,
    )
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('href="#from-day">The start date must be on or before the end date')
    const api = await broker.get('/api/v1/market-events?from=2026-02-30', {
      authorization: `Bearer ${home.councilApiToken}`,
    })
    expect(api.statusCode).toBe(400)
    expect(api.json()).toMatchObject({
      error: { status: 400, errors: [{ field: 'from', message: 'The start date must be a real date' }] },
    })
  })
})

describe('the insights dashboard and the committee report', () => {
  it('show the period’s market events', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    const insights = await commissioner.get('/insights')
    expect(insights.statusCode).toBe(200)
    expect(insights.body).toContain('id="market-events-by-kind"')
    expect(insights.body).toMatch(/id="market-events-headline"><strong>2<\/strong> market failures/)
    const report = await commissioner.get('/insights/report.html')
    expect(report.statusCode).toBe(200)
    expect(report.body).toContain('id="report-market-events"')
    expect(report.body).toMatch(
      /<strong>2<\/strong> market failures \(provider exits, closures and deregistrations\), affecting <strong>27<\/strong> people/,
    )
    expect(report.body).toContain('EVR A House (EVR Care A Ltd)')
  })
})
