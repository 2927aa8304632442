import { Readable } from 'node:stream'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { placeInvitableLocation, shapeLocation } from '../../../test/support/offers-factory.ts'
import { careHomeRequest, homeCareRequest } from '../../../test/support/request-users.ts'
import { auditLog } from '../../db/schema.ts'
import { importCentroids } from '../../geography/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { addCalendarDays } from '../rules/index.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
const clients: Record<string, Client> = {}

async function signedIn(fixture: Fixture, who: keyof Fixture['emails']): Promise<Client> {
  const key = `${fixture.code}:${who}`
  if (!clients[key]) {
    const client = new Client(t.app)
    await client.signIn(fixture.emails[who])
    clients[key] = client
  }
  return clients[key]
}

const today = () => londonDate(new Date())
const inDays = (days: number) => addCalendarDays(today(), days)
const dateFields = (name: string, date: string) => {
  const [year, month, day] = date.split('-')
  return {
    [`${name}-day`]: String(Number(day)),
    [`${name}-month`]: String(Number(month)),
    [`${name}-year`]: year ?? '',
  }
}

/** The parts of the API's answers these tests read. */
interface ApiBody {
  request: { id: number; status: string; version: number; deadlineAt: string; cancelReason: string | null }
  events: { toStatus: string }[]
  round: number
  window: { kind: string }
  deadlineAt: string
  error: { message: string; errors?: { field: string; message: string }[] }
}

/** The API as a council system calls it, with the fixture's broker token. */
async function api(method: 'GET' | 'POST', url: string, payload?: unknown, token = home.councilApiToken) {
  const response = await t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    payload: payload === undefined ? undefined : JSON.stringify(payload),
  })
  return { status: response.statusCode, body: response.json() as ApiBody }
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'RQH', t.config)
  other = await seedCouncil(t.database, 'RQO', t.config)
  await placeInvitableLocation(t.database.db, home)
})
afterAll(async () => t.close())

describe('a social worker requests a care home place through the question pages', () => {
  let requestId: number

  it('starts from the start page and explains each problem on the person page, keeping what was typed', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const start = await socialWorker.get('/requests/new')
    expect(start.statusCode).toBe(200)
    expect(start.body).toContain('href="/requests/new/person"')
    expect((await socialWorker.get('/requests/new/person')).statusCode).toBe(200)
    const response = await socialWorker.post('/requests/new/person', {
      name: 'Winifred Applethwaite',
      ...dateFields('dateOfBirth', inDays(3)),
      sex: 'female',
      postcode: 'NOT A POSTCODE',
      nhsNumber: '123',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('govuk-error-summary')
    expect(response.body).toContain('Date of birth must be in the past')
    expect(response.body).toContain('href="#dateOfBirth-day"')
    expect(response.body).toContain('Enter a real postcode, like NR1 3QE')
    expect(response.body).toContain('Enter the NHS number as 10 digits, like 943 476 5919')
    expect(response.body).toContain('value="Winifred Applethwaite"')
  })

  it('saves the draft from the first page and goes through every question to check answers', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const person = await socialWorker.post('/requests/new/person', {
      name: 'Winifred Applethwaite',
      ...dateFields('dateOfBirth', '1938-04-17'),
      sex: 'female',
      postcode: 'nr3 1qx',
      nhsNumber: '943 476 5919',
    })
    expect(person.statusCode).toBe(303)
    const match = /^\/requests\/(\d+)\/edit\/contacts$/.exec(person.headers.location as string)
    expect(match).not.toBeNull()
    requestId = Number(match?.[1])

    // How to contact the person: each part checked, a part begun must be finished.
    const refused = await socialWorker.post(`/requests/${requestId}/edit/contacts`, {
      addressLine1: '14 Quayside Terrace',
      town: '',
      phone: '555-CALL-ME',
      representativeName: 'Marjorie Holloway',
      representativeRelationship: '',
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('href="#address.town"')
    expect(refused.body).toContain('Enter the town or city')
    expect(refused.body).toContain('as a UK phone number')
    expect(refused.body).toContain('Enter how the representative is related to the person')
    expect(refused.body).toContain('value="14 Quayside Terrace"')

    const steps: [string, Record<string, string>, string][] = [
      [
        'contacts',
        {
          addressLine1: '14 Quayside Terrace',
          addressLine2: '',
          town: 'Norwich',
          phone: '01632 960 123',
          representativeName: 'Marjorie Holloway',
          representativeRelationship: 'Daughter',
          representativePhone: '',
          representativeEmail: 'marjorie@example.org',
          sharingConsent: 'representative',
        },
        'service-type',
      ],
      ['service-type', { serviceType: 'residential' }, 'needs'],
      [
        'needs',
        { clientGroup: 'older_people', needsSummary: 'Needs help with washing and dressing.' },
        'location',
      ],
      ['location', { preferredPostcode: '', maxDistanceMiles: '12' }, 'start'],
      ['start', { ...dateFields('startDate', inDays(10)), urgency: 'routine' }, 'price'],
      ['price', { usualPricePounds: '£1,050.00', budgetPounds: '' }, 'notes'],
      ['notes', { notesForProviders: 'Has a cat.' }, 'check-answers'],
    ]
    for (const [page, form, next] of steps) {
      const shown = await socialWorker.get(`/requests/${requestId}/edit/${page}`)
      expect(shown.statusCode, page).toBe(200)
      const saved = await socialWorker.post(`/requests/${requestId}/edit/${page}`, form)
      expect(saved.statusCode, page).toBe(303)
      expect(saved.headers.location, page).toBe(
        next === 'check-answers'
          ? `/requests/${requestId}/check-answers`
          : `/requests/${requestId}/edit/${next}`,
      )
    }
    const check = await socialWorker.get(`/requests/${requestId}/check-answers`)
    expect(check.statusCode).toBe(200)
    expect(check.body).toContain('Check your answers before submitting the request')
    expect(check.body).toContain('Care home: residential')
    expect(check.body).toContain('£1,050.00 per week')
    expect(check.body).toContain('12 miles')
    expect(check.body).toContain('943 476 5919')
    expect(check.body).toContain('14 Quayside Terrace, Norwich, NR3 1QX')
    expect(check.body).toContain('Marjorie Holloway (Daughter), marjorie@example.org')
    expect(check.body).toContain('their representative or next of kin’s details')
    expect(check.body).toContain(`href="/requests/${requestId}/edit/price?return=check"`)
    // Visits are asked only for home care.
    expect(check.body).not.toContain('Visit pattern')
    expect((await socialWorker.get(`/requests/${requestId}/edit/visits`)).statusCode).toBe(404)
  })

  it('refuses a start date in the past and returns to check answers after a change', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const past = await socialWorker.post(`/requests/${requestId}/edit/start`, {
      ...dateFields('startDate', inDays(-1)),
      urgency: 'routine',
      return: 'check',
    })
    expect(past.statusCode).toBe(400)
    expect(past.body).toContain('Start date must be today or in the future')
    expect(past.body).toContain('href="#startDate-day"')
    expect(past.body).toContain('name="return" value="check"')
    const changed = await socialWorker.post(`/requests/${requestId}/edit/price`, {
      usualPricePounds: '-5',
      return: 'check',
    })
    expect(changed.statusCode).toBe(400)
    expect(changed.body).toContain('Usual price must be £0 or more')
    const fixed = await socialWorker.post(`/requests/${requestId}/edit/price`, {
      usualPricePounds: '990',
      return: 'check',
    })
    expect(fixed.headers.location).toBe(`/requests/${requestId}/check-answers`)
  })

  it('submits, and the request page shows its status and history to council staff', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const submitted = await socialWorker.post(`/requests/${requestId}/submit`, {})
    expect(submitted.statusCode).toBe(303)
    expect(submitted.headers.location).toBe(`/requests/${requestId}?done=submitted`)
    const page = await socialWorker.get(`/requests/${requestId}?done=submitted`)
    expect(page.body).toContain('Request submitted to the brokerage team.')
    expect(page.body).toContain('Submitted')
    expect(page.body).toContain(home.emails.social_worker)
    expect(page.body).not.toContain('Publish to providers')
    // Once submitted, the questions are closed.
    const again = await socialWorker.get(`/requests/${requestId}/edit/notes`)
    expect(again.statusCode).toBe(303)
    const commissioner = await signedIn(home, 'commissioner')
    const read = await commissioner.get(`/requests/${requestId}`)
    expect(read.statusCode).toBe(200)
    expect(read.body).not.toContain('Cancel request')
    expect((await (await signedIn(other, 'broker')).get(`/requests/${requestId}`)).statusCode).toBe(404)
  })

  it('lets a broker publish it, shows the deadline, and refuses a button pressed on an old page', async () => {
    const broker = await signedIn(home, 'broker')
    const page = await broker.get(`/requests/${requestId}`)
    expect(page.body).toContain('Publish to providers')
    const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] as string
    const published = await broker.post(`/requests/${requestId}/publish`, { version })
    expect(published.statusCode).toBe(303)
    const shown = await broker.get(`/requests/${requestId}`)
    expect(shown.body).toContain('Offers close')
    expect(shown.body).toContain('(UK time)')
    const stale = await broker.post(`/requests/${requestId}/close`, { version, reason: 'Enough offers' })
    expect(stale.statusCode).toBe(409)
    expect(stale.body).toContain('This request has changed since you opened it.')
    const list = await broker.get('/requests?status=published')
    expect(list.body).toContain(`href="/requests/${requestId}"`)
  })

  it('closes early only from a confirmation page with a reason, then shows when it really closed', async () => {
    const broker = await signedIn(home, 'broker')
    const page = await broker.get(`/requests/${requestId}`)
    expect(page.body).toContain(`href="/requests/${requestId}/close"`)
    const confirm = await broker.get(`/requests/${requestId}/close`)
    expect(confirm.statusCode).toBe(200)
    expect(confirm.body).toContain('Close the request to offers early')
    expect(confirm.body).toContain('They are not told why.')
    const version = /name="version" value="(\d+)"/.exec(confirm.body)?.[1] as string
    const missing = await broker.post(`/requests/${requestId}/close`, { version, reason: '' })
    expect(missing.statusCode).toBe(400)
    expect(missing.body).toContain('govuk-error-summary')
    expect(missing.body).toContain('Enter why you are closing the request to offers early')
    const closed = await broker.post(`/requests/${requestId}/close`, {
      version,
      reason: 'Three offers are in',
    })
    expect(closed.statusCode).toBe(303)
    const shown = await broker.get(`/requests/${requestId}?done=closed`)
    expect(shown.body).toMatch(/Closed to offers[\s\S]*\(UK time\), early/)
    expect(shown.body).toContain('Closed early: Three offers are in')
    // The provider invited is told, in the app and by email.
    const told = await t.database.db.execute(
      sql`select subject from inbox where council_id = ${home.councilId} and subject like ${`Request ${requestId} has closed%`}`,
    )
    expect((told as unknown as { rows: unknown[] }).rows).toHaveLength(1)
    // Gone from the page once closed: a GET of the confirmation goes back to the request.
    expect((await broker.get(`/requests/${requestId}/close`)).statusCode).toBe(303)
  })
})

describe('home care visits on one page', () => {
  it('asks for at least one visit, adds and removes visits, then asks about care workers', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const person = await socialWorker.post('/requests/new/person', {
      name: 'Albert Moss',
      ...dateFields('dateOfBirth', '1931-11-02'),
      sex: 'not_stated',
      postcode: 'NR2 4TE',
    })
    const id = Number(/\/requests\/(\d+)\//.exec(person.headers.location as string)?.[1])
    await socialWorker.post(`/requests/${id}/edit/service-type`, { serviceType: 'home_care' })
    const price = await socialWorker.post(`/requests/${id}/edit/price`, { usualPricePounds: '24' })
    expect(price.headers.location).toBe(`/requests/${id}/edit/visits`)

    const none = await socialWorker.post(`/requests/${id}/edit/visits`, { intent: 'continue' })
    expect(none.statusCode).toBe(400)
    expect(none.body).toContain('Add at least one visit for home care')
    expect(none.body).toContain('href="#visits"')

    const bad = await socialWorker.post(`/requests/${id}/edit/visits`, {
      intent: 'add',
      windowStart: '09:00',
      windowEnd: '08:00',
      durationMinutes: '30',
      carers: '1',
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Choose at least one day for the visit')
    expect(bad.body).toContain('The latest time must be after the earliest time')

    for (const [start, end] of [
      ['07:30', '09:00'],
      ['12:00', '13:00'],
    ]) {
      const added = await t.app.inject({
        method: 'POST',
        url: `/requests/${id}/edit/visits`,
        headers: { cookie: socialWorker.cookies, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(socialWorker.csrfToken)}&intent=add&days=mon&days=tue&windowStart=${start}&windowEnd=${end}&durationMinutes=30&carers=2`,
      })
      expect(added.statusCode).toBe(303)
    }
    const visits = await socialWorker.get(`/requests/${id}/edit/visits?added=1`)
    expect(visits.body).toContain('Visit added.')
    expect(visits.body).toContain('Monday and Tuesday, between 07:30 and 09:00, 30 minutes, 2 carers')
    const visitId = /\/visits\/(\d+)\/delete/.exec(visits.body)?.[1]
    const removed = await socialWorker.post(`/requests/${id}/visits/${visitId}/delete`, {})
    expect(removed.statusCode).toBe(303)
    const after = await socialWorker.get(`/requests/${id}/edit/visits`)
    expect(after.body).not.toContain('between 07:30 and 09:00')
    expect(after.body).toContain('between 12:00 and 13:00')

    const next = await socialWorker.post(`/requests/${id}/edit/visits`, { intent: 'continue' })
    expect(next.headers.location).toBe(`/requests/${id}/edit/carers`)
    const carers = await socialWorker.post(`/requests/${id}/edit/carers`, {
      carerGender: 'female_required',
      language: 'Polish',
    })
    expect(carers.headers.location).toBe(`/requests/${id}/edit/notes`)
    const check = await socialWorker.get(`/requests/${id}/check-answers`)
    expect(check.body).toContain('Female care workers only')
    expect(check.body).toContain('1 h of visits, 2 h of care worker time (2 carers on 1 visit) a week')
    // The start date and needs were skipped: submitting says which questions are left.
    const refused = await socialWorker.post(`/requests/${id}/submit`, {})
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Answer the question about the person’s needs')
    expect(refused.body).toContain(`href="/requests/${id}/edit/needs?return=check"`)
  })
})

describe('the JSON API', () => {
  it('runs a request through create, submit, publish and close', async () => {
    const created = await api('POST', '/api/v1/requests', careHomeRequest({ startDate: inDays(20) }))
    expect(created.status).toBe(201)
    const id = created.body.request.id
    expect(created.body.request).toMatchObject({
      status: 'draft',
      usualPricePence: 85_050,
      serviceType: 'residential',
    })

    const submitted = await api('POST', `/api/v1/requests/${id}/submit`, {})
    expect(submitted.body.request.status).toBe('submitted')
    const published = await api('POST', `/api/v1/requests/${id}/publish`, {
      version: submitted.body.request.version,
    })
    expect(published.status).toBe(200)
    expect(published.body.request.status).toBe('published')
    expect(published.body.round).toBe(1)
    expect(published.body.window.kind).toBe('routine')
    expect(published.body.deadlineAt).toBe(published.body.request.deadlineAt)
    expect(new Date(published.body.deadlineAt).getTime()).toBeGreaterThan(Date.now())

    const unexplained = await api('POST', `/api/v1/requests/${id}/close`, {})
    expect(unexplained.status).toBe(400)
    expect(unexplained.body.error.errors).toEqual([
      { field: 'reason', message: 'Enter why you are closing the request to offers early' },
    ])
    const closed = await api('POST', `/api/v1/requests/${id}/close`, { reason: 'Enough offers' })
    expect(closed.body.request.status).toBe('closed')
    const again = await api('POST', `/api/v1/requests/${id}/close`, { reason: 'Enough offers' })
    expect(again.status).toBe(200)
    expect(again.body.request.version).toBe(closed.body.request.version)

    const read = await api('GET', `/api/v1/requests/${id}`)
    expect(read.body.events.map((e) => e.toStatus)).toEqual(['draft', 'submitted', 'published', 'closed'])
  })

  it('answers the wrong state with 409, bad input with field errors, the wrong role with 403, another council with 404', async () => {
    const created = await api('POST', '/api/v1/requests', homeCareRequest({ startDate: inDays(5) }))
    const id = created.body.request.id
    const early = await api('POST', `/api/v1/requests/${id}/publish`)
    expect(early.status).toBe(409)
    expect(early.body.error.message).toBe(
      'A draft request cannot be published. Only a request that is submitted can be published.',
    )

    const noReason = await api('POST', `/api/v1/requests/${id}/cancel`, {})
    expect(noReason.status).toBe(400)
    expect(noReason.body.error.errors).toEqual([
      { field: 'reason', message: 'Enter a reason for cancelling the request' },
    ])

    const bad = await api(
      'POST',
      '/api/v1/requests',
      homeCareRequest({ visits: [], startDate: '2020-01-01' }),
    )
    expect(bad.status).toBe(400)
    expect(bad.body.error.errors).toEqual(
      expect.arrayContaining([
        { field: 'startDate', message: 'Start date must be today or in the future' },
        { field: 'visits', message: 'Add at least one visit for home care' },
      ]),
    )

    const commissioner = await signedIn(home, 'commissioner')
    expect((await commissioner.post(`/api/v1/requests/${id}/submit`, {})).statusCode).toBe(403)
    expect((await commissioner.get(`/api/v1/requests/${id}`)).statusCode).toBe(200)
    expect((await api('GET', `/api/v1/requests/${id}`, undefined, other.councilApiToken)).status).toBe(404)

    const cancelled = await api('POST', `/api/v1/requests/${id}/cancel`, {
      reason: 'Family will care for him',
    })
    expect(cancelled.body.request).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Family will care for him',
    })
    expect((await api('POST', `/api/v1/requests/${id}/submit`)).status).toBe(409)
  })
})

describe('the preferred postcode', () => {
  it('is kept from the location page and shown to the council on check answers and the request page', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const person = await socialWorker.post('/requests/new/person', {
      name: 'Albert Moss',
      ...dateFields('dateOfBirth', '1931-11-02'),
      sex: 'male',
      postcode: 'NR2 4TE',
    })
    const id = Number(/\/requests\/(\d+)\//.exec(person.headers.location as string)?.[1])
    const location = await socialWorker.get(`/requests/${id}/edit/location`)
    expect(location.body).toContain('value="NR2 4TE"')
    const answers: [string, Record<string, string>][] = [
      ['service-type', { serviceType: 'nursing' }],
      ['needs', { clientGroup: 'older_people', needsSummary: 'Needs nursing care at night.' }],
      ['location', { preferredPostcode: 'nr1 3qe', maxDistanceMiles: '20' }],
      ['start', { ...dateFields('startDate', inDays(10)), urgency: 'routine' }],
      ['price', { usualPricePounds: '1200' }],
    ]
    for (const [page, form] of answers)
      expect((await socialWorker.post(`/requests/${id}/edit/${page}`, form)).statusCode, page).toBe(303)

    const again = await socialWorker.get(`/requests/${id}/edit/location`)
    expect(again.body).toContain('value="NR1 3QE"')
    expect(again.body).not.toContain('Enter that postcode again')
    const check = await socialWorker.get(`/requests/${id}/check-answers`)
    expect(check.body).toContain('NR1 3QE, chosen for this request')
    expect(check.body).toContain('NR2 4TE')
    expect((await socialWorker.post(`/requests/${id}/submit`, {})).statusCode).toBe(303)

    const commissioner = await signedIn(home, 'commissioner')
    expect((await commissioner.get(`/requests/${id}`)).body).toContain('NR1 3QE, chosen for this request')
    const read = await api('GET', `/api/v1/requests/${id}`)
    expect(read.body.request).toMatchObject({
      status: 'submitted',
      preferredPostcode: 'NR1 3QE',
      preferredOutcode: 'NR1',
      needsSummary: 'Needs nursing care at night.',
    })
  })

  it('is set through the API, and never reaches a provider', async () => {
    // Provider A's home is a mile from the preferred postcode: distance is measured from there.
    const nearFamily = { latitude: 52.6241, longitude: 1.3061 }
    await importCentroids(
      t.database.db,
      Readable.from(`postcode,latitude,longitude\nNR1 3QE,${nearFamily.latitude},${nearFamily.longitude}\n`),
    )
    await shapeLocation(t.database.db, home.providerA.locationId, {
      latitude: nearFamily.latitude + 1 / 69,
      longitude: nearFamily.longitude,
    })
    const created = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({
        preferredPostcode: 'nr1 3qe',
        startDate: inDays(20),
        notesForProviders: 'Her son lives at NR1 3QE and visits daily.',
      }),
    )
    expect(created.status).toBe(201)
    const { id } = created.body.request
    expect(created.body.request).toMatchObject({
      preferredPostcode: 'NR1 3QE',
      preferredOutcode: 'NR1',
      latitude: nearFamily.latitude,
    })
    await api('POST', `/api/v1/requests/${id}/submit`, {})
    expect((await api('POST', `/api/v1/requests/${id}/publish`, {})).status).toBe(200)

    const opportunity = await api('GET', `/api/v1/opportunities/${id}`, undefined, home.providerApiToken)
    expect(opportunity.status).toBe(200)
    const shown = JSON.stringify(opportunity.body)
    expect(shown).toContain('visits daily')
    for (const postcode of ['NR1 3QE', 'NR13QE', 'NR3 1QX']) expect(shown).not.toContain(postcode)
  })
})

describe('cancelling on the web', () => {
  it('asks for a reason before cancelling', async () => {
    const created = await api('POST', '/api/v1/requests', careHomeRequest({ startDate: inDays(5) }))
    const id = created.body.request.id
    const broker = await signedIn(home, 'broker')
    expect((await broker.get(`/requests/${id}/cancel`)).statusCode).toBe(200)
    const blank = await broker.post(`/requests/${id}/cancel`, { reason: ' ' })
    expect(blank.statusCode).toBe(400)
    expect(blank.body).toContain('Enter a reason for cancelling the request')
    const done = await broker.post(`/requests/${id}/cancel`, { reason: 'Moved to another council' })
    expect(done.headers.location).toBe(`/requests/${id}?done=cancelled`)
    const page = await broker.get(`/requests/${id}`)
    expect(page.body).toContain('Moved to another council')
  })
})

describe('what providers will see, checked before publishing', () => {
  const suspectText = {
    needsSummary: 'Winifred needs help with washing.\nHer son is on 07700 900123.',
    notesForProviders: 'Born 17/04/1938; has a cat.',
  }
  const checkMessage =
    'Providers would see what looks like a phone number in the needs summary: confirm you have checked it identifies no one'

  async function submitted(overrides: Record<string, unknown>): Promise<number> {
    const created = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({ startDate: inDays(20), ...overrides }),
    )
    expect(created.status).toBe(201)
    const id = created.body.request.id
    expect((await api('POST', `/api/v1/requests/${id}/submit`, {})).status).toBe(200)
    return id
  }

  it('shows the provider text on check answers, the person’s identifiers taken out and a phone number highlighted', async () => {
    const created = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({ startDate: inDays(20), ...suspectText }),
    )
    const page = await (await signedIn(home, 'broker')).get(
      `/requests/${created.body.request.id}/check-answers`,
    )
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('What providers will see')
    expect(page.body).toContain(
      '<mark class="app-identifier app-identifier--removed"><span class="govuk-visually-hidden">Taken out, the person’s name: </span>[removed]</mark> needs help with washing.<br />',
    )
    expect(page.body).toContain(
      'Her son is on <mark class="app-identifier"><span class="govuk-visually-hidden">Looks like a phone number: </span>07700 900123</mark>.',
    )
    expect(page.body).toContain('Born <mark class="app-identifier app-identifier--removed">')
    expect(page.body).toContain(
      'Highlighted text looks like someone’s personal details: a phone number in the needs summary.',
    )
    expect(page.body).toContain(`href="/requests/${created.body.request.id}/edit/needs?return=check"`)
  })

  it('publishes only once the broker confirms the highlighted text identifies no one', async () => {
    const id = await submitted(suspectText)
    const broker = await signedIn(home, 'broker')
    const page = await broker.get(`/requests/${id}`)
    expect(page.body).toContain('What providers will see')
    expect(page.body).toContain('Looks like a phone number: </span>07700 900123</mark>')
    expect(page.body).toContain(
      'I have checked the highlighted text: it does not identify the person or anyone else',
    )
    const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] as string

    const unchecked = await broker.post(`/requests/${id}/publish`, { version })
    expect(unchecked.statusCode).toBe(400)
    expect(unchecked.body).toContain('There is a problem')
    expect(unchecked.body).toContain(`<a href="#identifiersChecked">${checkMessage}</a>`)
    expect(unchecked.body).toContain('id="identifiersChecked-error"')

    const checked = await broker.post(`/requests/${id}/publish`, { version, identifiersChecked: 'yes' })
    expect(checked.statusCode).toBe(303)
    const [audit] = await t.database.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'sourcing_request.published'), eq(auditLog.entityId, String(id))))
    expect(audit?.details).toMatchObject({
      identifiersConfirmed: [{ field: 'needsSummary', kinds: ['phone'] }],
    })
  })

  it('refuses the API’s publish without identifiersChecked: true, naming what and where but not repeating it', async () => {
    const id = await submitted(suspectText)
    const refused = await api('POST', `/api/v1/requests/${id}/publish`, {})
    expect(refused.status).toBe(400)
    expect(refused.body.error.errors).toEqual([{ field: 'identifiersChecked', message: checkMessage }])
    expect(JSON.stringify(refused.body)).not.toContain('07700')
    const wrongType = await api('POST', `/api/v1/requests/${id}/publish`, { identifiersChecked: 'yes' })
    expect(wrongType.status).toBe(400)
    expect(wrongType.body.error.errors).toEqual([
      { field: 'identifiersChecked', message: 'identifiersChecked must be true or false' },
    ])
    const published = await api('POST', `/api/v1/requests/${id}/publish`, { identifiersChecked: true })
    expect(published.status).toBe(200)
    expect(published.body.request.status).toBe('published')
  })

  it('asks again on the republish page and in the API', async () => {
    const id = await submitted(suspectText)
    expect((await api('POST', `/api/v1/requests/${id}/publish`, { identifiersChecked: true })).status).toBe(
      200,
    )
    expect((await api('POST', `/api/v1/requests/${id}/close`, { reason: 'Enough offers' })).status).toBe(200)
    expect((await api('POST', `/api/v1/requests/${id}/unsourced`, {})).status).toBe(200)
    const broker = await signedIn(home, 'broker')
    const page = await broker.get(`/requests/${id}/republish`)
    expect(page.body).toContain('Looks like a phone number: </span>07700 900123</mark>')
    const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] as string
    const unchecked = await broker.post(`/requests/${id}/republish`, { version, maxDistanceMiles: '20' })
    expect(unchecked.statusCode).toBe(400)
    expect(unchecked.body).toContain(checkMessage)
    expect(unchecked.body).toContain('value="20"')
    expect((await api('POST', `/api/v1/requests/${id}/republish`, {})).status).toBe(400)
    const republished = await broker.post(`/requests/${id}/republish`, {
      version,
      maxDistanceMiles: '20',
      identifiersChecked: 'yes',
    })
    expect(republished.statusCode).toBe(303)
  })

  it('publishes without asking when the only identifiers are the person’s own: those are always taken out', async () => {
    const id = await submitted({
      needsSummary: 'Winifred Applethwaite, born 17 April 1938, NHS 943 476 5919.',
    })
    const page = await (await signedIn(home, 'broker')).get(`/requests/${id}`)
    expect(page.body).toContain('What providers will see')
    expect(page.body).not.toContain('I have checked the highlighted text')
    expect(page.body).not.toContain('Highlighted text looks like')
    expect((await api('POST', `/api/v1/requests/${id}/publish`, {})).status).toBe(200)
  })
})

describe('the case system’s person and case IDs', () => {
  it('are set through the API, trimmed, and find the request in any case; never another council’s', async () => {
    const mine = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({ startDate: inDays(20), personRef: '  LAS-40771  ', caseRef: 'sa  9981\u00A0X' }),
    )
    expect(mine.status).toBe(201)
    expect(mine.body.request).toMatchObject({ personRef: 'LAS-40771', caseRef: 'sa 9981 X' })
    const theirs = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({ startDate: inDays(20), personRef: 'LAS-40771', caseRef: 'SA 9981 X' }),
      other.councilApiToken,
    )
    expect(theirs.status).toBe(201)

    const found = async (ref: string, token = home.councilApiToken) => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/requests?externalRef=${encodeURIComponent(ref)}`,
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.statusCode, response.body).toBe(200)
      return (response.json() as { requests: { id: number; personRef: string }[] }).requests.map((r) => r.id)
    }
    expect(await found('las-40771')).toEqual([mine.body.request.id])
    expect(await found('  SA 9981   x ')).toEqual([mine.body.request.id])
    expect(await found('LAS-4077')).toEqual([])
    expect(await found('las-40771', other.councilApiToken)).toEqual([theirs.body.request.id])

    const patch = async (id: number, payload: unknown, token = home.councilApiToken) => {
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/requests/${id}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      })
      return {
        status: response.statusCode,
        body: response.json() as ApiBody & { request: { personRef: string | null; caseRef: string | null } },
      }
    }
    const id = mine.body.request.id
    const changed = await patch(id, { caseRef: ' SA 9982 ' })
    expect(changed.status).toBe(200)
    expect(changed.body.request).toMatchObject({
      personRef: 'LAS-40771',
      caseRef: 'SA 9982',
      version: mine.body.request.version,
    })
    expect(await found('sa 9981 x')).toEqual([])
    expect(await found('sa 9982')).toEqual([id])
    expect((await patch(id, { personRef: null })).body.request).toMatchObject({
      personRef: null,
      caseRef: 'SA 9982',
    })
    expect((await patch(id, { caseRef: 'x'.repeat(101) })).body.error.errors).toEqual([
      { field: 'caseRef', message: 'Case or service agreement ID must be 100 characters or fewer' },
    ])
    expect((await patch(id, { caseRef: 'mine now' }, other.councilApiToken)).status).toBe(404)

    const tooLong = await api('GET', `/api/v1/requests?externalRef=${'x'.repeat(101)}`)
    expect(tooLong.status).toBe(400)
    expect(tooLong.body.error.errors).toEqual([
      { field: 'externalRef', message: 'externalRef must be 100 characters or fewer' },
    ])
    const bad = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({ startDate: inDays(20), personRef: 'LAS\n40771', caseRef: 'y'.repeat(101) }),
    )
    expect(bad.status).toBe(400)
    expect(bad.body.error.errors).toEqual([
      {
        field: 'personRef',
        message: 'Case system person ID must be letters, numbers and punctuation on one line',
      },
      { field: 'caseRef', message: 'Case or service agreement ID must be 100 characters or fewer' },
    ])
  })

  it('are asked with the person, shown to council staff, and the broker’s list finds the request by either', async () => {
    const socialWorker = await signedIn(home, 'social_worker')
    const person = {
      name: 'Albert Quill',
      ...dateFields('dateOfBirth', '1944-02-01'),
      sex: 'male',
      postcode: 'NR3 1QX',
      nhsNumber: '',
    }
    const asked = await socialWorker.get('/requests/new/person')
    expect(asked.body).toContain('Case system person ID (optional)')
    expect(asked.body).toContain('never providers')
    const refused = await socialWorker.post('/requests/new/person', { ...person, caseRef: 'z'.repeat(101) })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Case or service agreement ID must be 100 characters or fewer')
    const started = await socialWorker.post('/requests/new/person', {
      ...person,
      personRef: ' PQ-5521 ',
      caseRef: 'AGR 77/1',
    })
    expect(started.statusCode, started.body).toBe(303)
    const id = Number(/\/requests\/(\d+)\//.exec(started.headers.location as string)?.[1])
    const check = await socialWorker.get(`/requests/${id}/check-answers`)
    expect(check.body).toContain('Case system person ID')
    expect(check.body).toContain('PQ-5521')
    expect(check.body).toContain('AGR 77/1')
    // Changed on the same page.
    const changed = await socialWorker.post(`/requests/${id}/edit/person`, {
      ...person,
      personRef: 'PQ-5522',
      caseRef: '',
      return: 'check',
    })
    expect(changed.statusCode, changed.body).toBe(303)

    const broker = await signedIn(home, 'broker')
    const page = await broker.get(`/requests/${id}`)
    expect(page.body).toContain('PQ-5522')
    expect(page.body).not.toContain('AGR 77/1')
    const search = await broker.get('/requests?externalRef=%20pq-5522%20')
    expect(search.statusCode).toBe(200)
    expect(search.body).toContain(`href="/requests/${id}"`)
    expect(search.body).toContain('value="pq-5522"')
    const none = await broker.get('/requests?externalRef=AGR%2077%2F1')
    expect(none.body).not.toContain(`href="/requests/${id}"`)
    expect(none.body).toContain('No requests match these filters.')
    const elsewhere = await (await signedIn(other, 'broker')).get('/requests?externalRef=PQ-5522')
    expect(elsewhere.body).not.toContain(`href="/requests/${id}"`)
    const tooLong = await broker.get(`/requests?externalRef=${'q'.repeat(101)}`)
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.body).toContain('govuk-error-summary')
    expect(tooLong.body).toContain('Case system ID must be 100 characters or fewer')
  })
})

describe('finding requests on the list page and through the API', () => {
  it('searches with ?q= and filters, pages by limit and offset with the total, and refuses a limit over 1,000', async () => {
    const made = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({
        person: { name: 'Ősi Quentin-Blake', dateOfBirth: '1940-01-01', postcode: 'NR3 1QX' },
        startDate: inDays(25),
        caseRef: 'QB-77',
      }),
    )
    expect(made.status).toBe(201)
    const list = async (query: string) => {
      const response = await api('GET', `/api/v1/requests?${query}`)
      return response as unknown as {
        status: number
        body: { requests: { id: number }[]; total: number; limit: number; offset: number } & ApiBody
      }
    }
    const byName = await list('q=blake%20osi')
    expect(byName.status).toBe(200)
    expect(byName.body).toMatchObject({ total: 1, limit: 100, offset: 0 })
    expect(byName.body.requests.map((r) => r.id)).toEqual([made.body.request.id])
    expect((await list('q=qb-77&serviceType=residential')).body.total).toBe(1)
    expect((await list('q=qb-77&serviceType=home_care')).body.total).toBe(0)

    const all = await list('limit=1000')
    const paged = await list('limit=1&offset=1')
    expect(paged.body).toMatchObject({ total: all.body.total, limit: 1, offset: 1 })
    expect(paged.body.requests.map((r) => r.id)).toEqual([all.body.requests[1]?.id])

    const tooMany = await list('limit=1001')
    expect(tooMany.status).toBe(400)
    expect(tooMany.body.error.errors).toEqual([
      { field: 'limit', message: 'limit must be a whole number from 1 to 1,000' },
    ])
    const badDate = await list('createdFrom=31/2/2026')
    expect(badDate.status).toBe(400)
    expect(badDate.body.error.errors?.[0]?.field).toBe('createdFrom')
  })

  it('shows the filters chosen, the result count and a CSV of the same filter, neutralising formulas', async () => {
    const made = await api(
      'POST',
      '/api/v1/requests',
      careHomeRequest({
        person: { name: '=HYPERLINK("x") Tester', dateOfBirth: '1941-01-01', postcode: 'NR3 1QX' },
        startDate: inDays(26),
      }),
    )
    expect(made.status).toBe(201)
    const broker = await signedIn(home, 'broker')
    const page = await broker.get('/requests?q=hyperlink%20tester&status=draft')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('1 request found')
    expect(page.body).toContain('Status: Draft')
    expect(page.body).toContain('href="/requests?q=hyperlink+tester"')
    expect(page.body).toContain('Clear filters')
    expect(page.body).toContain('href="/requests.csv?q=hyperlink+tester&amp;status=draft"')
    const csv = await broker.get('/requests.csv?q=hyperlink%20tester&status=draft')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toContain('text/csv')
    const lines = csv.body.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain(`${made.body.request.id},"'=HYPERLINK(""x"") Tester"`)

    const wrong = await broker.get('/requests?createdFrom=yesterday&q=tester')
    expect(wrong.statusCode).toBe(400)
    expect(wrong.body).toContain('Made on or after must be a real date')
    expect(wrong.body).toContain('value="yesterday"')

    const provider = new Client(t.app)
    await provider.signIn(home.emails.providerA)
    expect((await provider.get('/requests?q=tester')).statusCode).toBe(403)
    expect((await provider.get('/requests.csv?q=tester')).statusCode).toBe(403)
  })
})
