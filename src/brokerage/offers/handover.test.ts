// Handover after award: the person's contact details are kept from every provider until award,
// the awarded provider sees them as far as the person agreed, confirms or declines within the
// council's window, and a decline lets the broker award the next offer without republishing.
import { existsSync } from 'node:fs'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture } from '../../../test/helpers.ts'
import { type OfferMarket, seedOfferMarket } from '../../../test/support/offer-market.ts'
import { TEST_PERSON } from '../../../test/support/offers-factory.ts'
import { auditLog, offers, packagePriceChanges, packages, sourcingRequests } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { DEFAULT_CHROMIUM_PATH } from '../../shared/pdf.ts'
import { type BrokerageEvents, brokerageEvents } from '../events.ts'
import { addCalendarDays } from '../rules/index.ts'
import { awardsAwaitingProvider, confirmationDeadline, isConfirmationOverdue } from './handover.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let tokens: OfferMarket['tokens']
let homeCare: OfferMarket['homeCare']

const CONTACTS = {
  address: { line1: '14 Quayside Terrace', line2: 'Flat 2', town: 'Norwich' },
  phone: '01632 960 123',
  representative: {
    name: 'Marjorie Holloway',
    relationship: 'Daughter',
    phone: '07700 900 456',
    email: 'marjorie.holloway@example.org',
  },
}
/** What must never reach a provider before award (and the phone, withheld, not after either). */
const CONTACT_TEXT = [
  '14 Quayside Terrace',
  'Quayside',
  '01632 960 123',
  'Marjorie',
  'Holloway',
  '07700 900 456',
  'marjorie.holloway',
]

const seen: {
  confirmed: BrokerageEvents['packageConfirmed'][]
  declined: BrokerageEvents['packageDeclined'][]
} = { confirmed: [], declined: [] }
const stopListening: (() => void)[] = []

function api(token: string, method: 'GET' | 'POST', url: string, body?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
}

const startDate = () => addCalendarDays(londonDate(new Date()), 14)

function requestBody(person: Record<string, unknown> = {}) {
  return {
    person: {
      name: TEST_PERSON.name,
      dateOfBirth: TEST_PERSON.dateOfBirth,
      sex: 'female',
      postcode: TEST_PERSON.postcode,
      nhsNumber: TEST_PERSON.nhsNumber,
      ...CONTACTS,
      sharingConsent: ['address', 'representative'],
      ...person,
    },
    serviceType: 'residential',
    clientGroup: 'older_people',
    specialisms: [],
    needsSummary: 'Help with washing, dressing and medication.',
    startDate: startDate(),
    urgency: 'routine',
    usualPricePounds: '950',
  }
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  ;({ home, homeCare, tokens } = await seedOfferMarket(t.database, t.config, 'HND', {
    aMilesNorth: 3,
    bMilesNorth: 4,
    bCovers: ['NR3'],
  }))
  stopListening.push(
    brokerageEvents.on('packageConfirmed', (e) => {
      seen.confirmed.push(e)
    }),
    brokerageEvents.on('packageDeclined', (e) => {
      seen.declined.push(e)
    }),
  )
})
afterAll(async () => {
  for (const stop of stopListening) stop()
  await t.close()
})

describe('the provider’s window to answer', () => {
  const holidays = new Set(['2026-12-25', '2026-12-28'])
  it('counts working days from the award’s London date, skipping weekends and bank holidays', () => {
    // Awarded on Thursday 24 December 2026 at 23:30 London time: Christmas and Boxing Day's substitute are not working days.
    expect(confirmationDeadline(new Date('2026-12-24T23:30:00Z'), 2, holidays)).toBe('2026-12-30')
    // Awarded on a Monday in British Summer Time, just after midnight in London.
    expect(confirmationDeadline(new Date('2026-06-14T23:30:00Z'), 2, holidays)).toBe('2026-06-17')
  })

  it('is overdue only after its last day, and only while the answer is awaited', () => {
    const pkg = { confirmation: 'awaiting', confirmBy: '2026-12-30' }
    expect(isConfirmationOverdue(pkg, new Date('2026-12-30T22:00:00Z'))).toBe(false)
    expect(isConfirmationOverdue(pkg, new Date('2026-12-31T09:00:00Z'))).toBe(true)
    expect(
      isConfirmationOverdue({ ...pkg, confirmation: 'confirmed' }, new Date('2027-01-05T09:00:00Z')),
    ).toBe(false)
  })
})

describe('the person’s contact details on a request', () => {
  it.each([
    [
      'an address line on two lines',
      { address: { line1: '1 High St\nInjected', town: 'Norwich' } },
      'person.address.line1',
    ],
    ['an address without a town', { address: { line1: '1 High Street' } }, 'person.address.town'],
    ['an address that is not an object', { address: '1 High Street' }, 'person.address'],
    [
      'an address at another postcode',
      { address: { ...CONTACTS.address, postcode: 'SW1A 1AA' } },
      'person.address.postcode',
    ],
    [
      'an address postcode that is none',
      { address: { ...CONTACTS.address, postcode: 'NOT A CODE' } },
      'person.address.postcode',
    ],
    ['a phone number of letters', { phone: 'call the daughter' }, 'person.phone'],
    ['a phone number from abroad', { phone: '+1 202 555 0143' }, 'person.phone'],
    ['a phone number too short', { phone: '01632 96' }, 'person.phone'],
    ['markup in a phone number', { phone: '<script>alert(1)</script>' }, 'person.phone'],
    [
      'a representative without a relationship',
      { representative: { name: 'Sam', phone: '07700900456' } },
      'person.representative.relationship',
    ],
    [
      'a representative with no way to reach them',
      { representative: { name: 'Sam', relationship: 'Son' } },
      'person.representative.phone',
    ],
    [
      'a representative’s email that is none',
      { representative: { ...CONTACTS.representative, email: 'not-an-email' } },
      'person.representative.email',
    ],
    ['consent to share something unknown', { sharingConsent: ['bank details'] }, 'person.sharingConsent.0'],
    [
      'a very long address line',
      { address: { line1: 'x'.repeat(101), town: 'Norwich' } },
      'person.address.line1',
    ],
  ])('refuses %s with 400 naming the field', async (_, person, field) => {
    const response = await api(tokens.broker, 'POST', '/api/v1/requests', requestBody(person))
    expect(response.statusCode, response.body).toBe(400)
    const errors = (response.json() as { error: { errors: { field: string }[] } }).error.errors
    expect(errors.map((e) => e.field)).toContain(field)
  })

  it('accepts UK numbers in the ways people write them', async () => {
    for (const phone of ['01632 960123', '(01632) 960 123', '+44 7700 900456', '07700-900-456']) {
      const response = await api(tokens.broker, 'POST', '/api/v1/requests', requestBody({ phone }))
      expect(response.statusCode, `${phone}: ${response.body}`).toBe(201)
    }
  })
})

describe('handover after award', () => {
  let requestId = 0
  let firstPackage = 0
  let secondPackage = 0
  const offerIds = { a: 0, b: 0 }

  it('keeps the contact details from every provider until award', async () => {
    const created = await api(tokens.broker, 'POST', '/api/v1/requests', requestBody())
    expect(created.statusCode, created.body).toBe(201)
    requestId = (created.json() as { request: { id: number } }).request.id
    expect((await api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/submit`, {})).statusCode).toBe(
      200,
    )
    const published = await api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/publish`, {})
    expect(published.statusCode, published.body).toBe(200)

    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    const pages = [
      (await providerA.get('/provider/opportunities')).body,
      (await providerA.get(`/provider/opportunities/${requestId}`)).body,
      (await api(tokens.a, 'GET', `/api/v1/opportunities/${requestId}`)).body,
      (await api(tokens.b, 'GET', `/api/v1/opportunities/${requestId}`)).body,
      (await api(tokens.b, 'GET', '/api/v1/opportunities')).body,
    ]
    for (const body of pages) for (const text of CONTACT_TEXT) expect(body).not.toContain(text)

    const a = await api(tokens.a, 'POST', `/api/v1/requests/${requestId}/offers`, {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: startDate(),
      meetsAllNeeds: true,
    })
    const b = await api(tokens.b, 'POST', `/api/v1/requests/${requestId}/offers`, {
      locationId: home.providerB.locationId,
      pricePence: 94_000,
      earliestStart: startDate(),
      meetsAllNeeds: true,
    })
    expect([a.statusCode, b.statusCode], `${a.body} ${b.body}`).toEqual([201, 201])
    offerIds.a = (a.json() as { offer: { id: number } }).offer.id
    offerIds.b = (b.json() as { offer: { id: number } }).offer.id
    const closed = await api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/close`, {
      reason: 'Enough',
    })
    expect(closed.statusCode, closed.body).toBe(200)
    // Even the offers a provider can read after closing carry none of it.
    for (const text of CONTACT_TEXT)
      expect((await api(tokens.a, 'GET', `/api/v1/opportunities/${requestId}`)).body).not.toContain(text)
  })

  it('hands the awarded provider the details the person agreed to share, and the council’s contacts', async () => {
    const awarded = await api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/award`, {
      offerId: offerIds.a,
    })
    expect(awarded.statusCode, awarded.body).toBe(201)
    firstPackage = (awarded.json() as { packageId: number }).packageId

    const detail = await api(tokens.a, 'GET', `/api/v1/provider/packages/${firstPackage}`)
    expect(detail.statusCode, detail.body).toBe(200)
    const pkg = detail.json() as {
      confirmation: string
      confirmBy: string
      person: {
        contacts: {
          address: { line1: string; town: string; postcode: string }
          phone: string | null
          representative: { name: string; email: string }
          withheld: string[]
        }
      }
      councilContacts: { role: string; email: string }[]
      needsSummary: string
      clientGroupLabel: string
    }
    expect(pkg.confirmation).toBe('awaiting')
    expect(pkg.confirmBy > londonDate(new Date())).toBe(true)
    expect(pkg.person.contacts.address).toMatchObject({
      line1: '14 Quayside Terrace',
      town: 'Norwich',
      postcode: TEST_PERSON.postcode,
    })
    expect(pkg.person.contacts.representative).toMatchObject({
      name: 'Marjorie Holloway',
      email: 'marjorie.holloway@example.org',
    })
    // The person did not agree to share their phone number.
    expect(pkg.person.contacts.phone).toBeNull()
    expect(pkg.person.contacts.withheld).toEqual(['phone'])
    expect(detail.body).not.toContain('01632 960 123')
    expect(pkg.councilContacts.map((c) => c.role)).toContain('Broker')
    expect(pkg.needsSummary).toContain('washing')
    expect(pkg.clientGroupLabel.length).toBeGreaterThan(0)

    // The losing bidder still sees nothing.
    expect((await api(tokens.b, 'GET', `/api/v1/provider/packages/${firstPackage}`)).statusCode).toBe(404)
    for (const text of CONTACT_TEXT)
      expect((await api(tokens.b, 'GET', `/api/v1/opportunities/${requestId}`)).body).not.toContain(text)

    const page = await (async () => {
      const providerA = new Client(t.app)
      await providerA.signIn(home.emails.providerA)
      return (await providerA.get(`/provider/packages/${firstPackage}`)).body
    })()
    expect(page).toContain('14 Quayside Terrace')
    expect(page).toContain('Marjorie Holloway (Daughter)')
    expect(page).toContain('Not shared: the person did not agree')
    expect(page).toContain('Confirm you will provide this care')
    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    expect((await providerA.get('/provider/packages')).body).toContain('Confirm or decline by')
  })

  it('names the broker the request is assigned to as the provider’s contact', async () => {
    const assigned = await api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/assignment`, {
      brokerEmail: home.emails.broker,
    })
    expect(assigned.statusCode, assigned.body).toBe(200)
    const provider = new Client(t.app)
    await provider.signIn(home.emails.providerA)
    expect((await provider.get(`/provider/packages/${firstPackage}`)).body).toContain(home.emails.broker)
  })

  it('shows the provider and the council the price paid today, and each change since award', async () => {
    const [pkg] = await t.database.db.select().from(packages).where(eq(packages.id, firstPackage))
    if (!pkg) throw new Error('no package')
    const raised = Math.round(pkg.weeklyCostPence * 1.05)
    const yesterday = addCalendarDays(londonDate(new Date()), -1)
    await t.database.db.insert(packagePriceChanges).values({
      councilId: home.councilId,
      source: 'brokered',
      packageId: firstPackage,
      effectiveFrom: yesterday,
      weeklyCostPence: raised,
      previousWeeklyCostPence: pkg.weeklyCostPence,
      reason: 'Fee uplift test',
      changeRef: 'test',
      createdBy: 'test',
    })
    const money = (pence: number) => `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`
    for (const [email, url] of [
      [home.emails.providerA, `/provider/packages/${firstPackage}`],
      [home.emails.broker, `/packages/${firstPackage}`],
    ] as const) {
      const client = new Client(t.app)
      await client.signIn(email)
      const page = (await client.get(url)).body
      expect(page).toContain(`${money(raised)} (${money(pkg.weeklyCostPence)} at award)`)
      expect(page).toContain('Changes to the weekly price')
      expect(page).toContain('Fee uplift test')
    }
    await t.database.db.delete(packagePriceChanges).where(eq(packagePriceChanges.packageId, firstPackage))
  })

  it('lists the award among those waiting for the provider, and filters the packages by it', async () => {
    const queue = await awardsAwaitingProvider(t.database.db, home.councilId)
    expect(queue.awaiting.map((a) => a.packageId)).toContain(firstPackage)
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const list = await broker.get('/packages?confirmation=awaiting')
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain(`Package ${firstPackage}`)
    expect(list.body).toContain('Awaiting confirmation')
    expect((await broker.get('/packages?confirmation=confirmed')).body).not.toContain(
      `Package ${firstPackage}<`,
    )
    expect((await broker.get('/packages?confirmation=maybe')).statusCode).toBe(400)
    // Both home pages put it in their queue: the broker's to chase, the provider's to answer.
    const brokerHome = (await broker.get('/')).body
    expect(brokerHome).toContain('Awards waiting for the provider’s confirmation')
    expect(brokerHome).toContain(`href="/packages/${firstPackage}"`)
    const provider = new Client(t.app)
    await provider.signIn(home.emails.providerA)
    const providerHome = (await provider.get('/')).body
    expect(providerHome).toContain('Awards waiting for you to confirm or decline')
    expect(providerHome).toContain(`href="/provider/packages/${firstPackage}"`)
  })

  it('needs a reason to decline, and reopens the request so the next offer can be awarded', async () => {
    const bare = await api(tokens.a, 'POST', `/api/v1/provider/packages/${firstPackage}/decline`, {})
    expect(bare.statusCode).toBe(400)
    expect(bare.body).toContain('reason')
    const blank = await api(tokens.a, 'POST', `/api/v1/provider/packages/${firstPackage}/decline`, {
      reason: '  ',
    })
    expect(blank.statusCode).toBe(400)
    // Another provider cannot answer for it.
    expect(
      (await api(tokens.b, 'POST', `/api/v1/provider/packages/${firstPackage}/decline`, { reason: 'x' }))
        .statusCode,
    ).toBe(404)

    const declined = await api(tokens.a, 'POST', `/api/v1/provider/packages/${firstPackage}/decline`, {
      reason: 'The room we offered has been taken by an emergency admission',
    })
    expect(declined.statusCode, declined.body).toBe(200)
    expect(declined.json()).toMatchObject({ packageId: firstPackage, confirmation: 'declined' })
    expect(seen.declined).toContainEqual({
      councilId: home.councilId,
      requestId,
      packageId: firstPackage,
      reason: 'The room we offered has been taken by an emergency admission',
    })
    expect(
      (await api(tokens.a, 'POST', `/api/v1/provider/packages/${firstPackage}/confirm`)).statusCode,
    ).toBe(409)

    const { db } = t.database
    const [request] = await db.select().from(sourcingRequests).where(eq(sourcingRequests.id, requestId))
    expect(request?.status).toBe('closed')
    // The market's figures never count care that will not happen.
    const facts = await db.execute(
      sql`select id from brokerage_package_facts where id = ${firstPackage} union all select id from brokerage_care_packages where source = 'brokered' and id = ${firstPackage}`,
    )
    expect((facts as unknown as { rows: unknown[] }).rows).toEqual([])
    const statuses = await db
      .select({ id: offers.id, status: offers.status })
      .from(offers)
      .where(eq(offers.requestId, requestId))
    expect(statuses).toEqual(
      expect.arrayContaining([
        { id: offerIds.a, status: 'withdrawn' },
        { id: offerIds.b, status: 'submitted' },
      ]),
    )

    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const packagePage = await broker.get(`/packages/${firstPackage}`)
    expect(packagePage.body).toContain('Declined by the provider')
    expect(packagePage.body).toContain('The room we offered has been taken by an emergency admission')
    const shortlist = await broker.get(`/requests/${requestId}/offers`)
    expect(shortlist.body).toContain('Declined by the provider')
    expect(shortlist.body).toContain('Award the next offer below')
    const councilCopy = await broker.get(`/packages/${firstPackage}/agreement`)
    expect(councilCopy.statusCode).toBe(200)
    expect(councilCopy.body).toContain('Individual service agreement')
    expect(councilCopy.body).toContain('Declined by the provider')
    const queue = await awardsAwaitingProvider(db, home.councilId)
    expect(queue.declined.map((d) => d.packageId)).toContain(firstPackage)

    // The next offer, from the same shortlist: no republishing.
    const next = await api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/award`, {
      offerId: offerIds.b,
      choiceReason: 'The first choice could not take the placement',
    })
    expect(next.statusCode, next.body).toBe(201)
    secondPackage = (next.json() as { packageId: number }).packageId
    const after = await awardsAwaitingProvider(db, home.councilId)
    expect(after.declined.map((d) => d.packageId)).not.toContain(firstPackage)
    expect(after.awaiting.map((d) => d.packageId)).toContain(secondPackage)
  })

  it('lets a confirm and a decline of one package race, and only one of them wins', async () => {
    const [confirm, decline] = await Promise.all([
      api(tokens.b, 'POST', `/api/v1/provider/packages/${secondPackage}/confirm`),
      api(tokens.b, 'POST', `/api/v1/provider/packages/${secondPackage}/decline`, { reason: 'No staff' }),
    ])
    expect([confirm.statusCode, decline.statusCode].sort()).toEqual([200, 409])
    const [row] = await t.database.db.select().from(packages).where(eq(packages.id, secondPackage))
    expect(row?.confirmation).toBe(confirm.statusCode === 200 ? 'confirmed' : 'declined')
    const answers = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, 'package'), eq(auditLog.entityId, String(secondPackage))))
    expect(
      answers.filter((a) => a.action === 'package.confirmed' || a.action === 'package.declined'),
    ).toHaveLength(1)
    const events = [
      ...seen.confirmed.filter((e) => e.packageId === secondPackage),
      ...seen.declined.filter((e) => e.packageId === secondPackage),
    ]
    expect(events).toHaveLength(1)
  })

  it('confirms through the page', async () => {
    const created = await api(tokens.broker, 'POST', '/api/v1/requests', requestBody())
    const id = (created.json() as { request: { id: number } }).request.id
    await api(tokens.broker, 'POST', `/api/v1/requests/${id}/submit`, {})
    await api(tokens.broker, 'POST', `/api/v1/requests/${id}/publish`, {})
    const offer = await api(tokens.a, 'POST', `/api/v1/requests/${id}/offers`, {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: startDate(),
      meetsAllNeeds: true,
    })
    await api(tokens.broker, 'POST', `/api/v1/requests/${id}/close`, { reason: 'Enough' })
    const awarded = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, {
      offerId: (offer.json() as { offer: { id: number } }).offer.id,
    })
    const packageId = (awarded.json() as { packageId: number }).packageId
    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    await providerA.get(`/provider/packages/${packageId}`)
    const noReason = await providerA.post(`/provider/packages/${packageId}/decline`, { reason: '' })
    expect(noReason.statusCode).toBe(400)
    expect(noReason.body).toContain('Enter why you cannot take this package')
    const confirmed = await providerA.post(`/provider/packages/${packageId}/confirm`, {})
    expect(confirmed.statusCode, confirmed.body).toBe(303)
    const shown = await providerA.get(confirmed.headers.location as string)
    expect(shown.body).toContain('You have confirmed this package')
    expect(shown.body).not.toContain('Confirm you will provide this care')
    expect(seen.confirmed).toContainEqual({ councilId: home.councilId, requestId: id, packageId })
    const again = await providerA.post(`/provider/packages/${packageId}/confirm`, {})
    expect(again.statusCode).toBe(409)

    const agreement = await providerA.get(`/provider/packages/${packageId}/agreement`)
    expect(agreement.statusCode).toBe(200)
    expect(agreement.body).toContain('Individual service agreement')
    expect(agreement.body).toContain('14 Quayside Terrace')
    expect(agreement.body).toContain('Download as PDF')
  })

  it.skipIf(!existsSync(DEFAULT_CHROMIUM_PATH))(
    'downloads the agreement as a tagged PDF',
    async () => {
      const providerA = new Client(t.app)
      await providerA.signIn(home.emails.providerA)
      const pdf = await providerA.get(`/provider/packages/${firstPackage}/agreement.pdf`)
      expect(pdf.statusCode).toBe(200)
      expect(pdf.headers['content-type']).toBe('application/pdf')
      const bytes = pdf.rawPayload.toString('latin1')
      expect(bytes.slice(0, 4)).toBe('%PDF')
      expect(bytes).toContain('/StructTreeRoot')
      expect(bytes).toMatch(/\/MarkInfo\s*<<[^>]*\/Marked\s+true/)
    },
    60_000,
  )
})

describe('a home care package declined while another visit stays awarded', () => {
  it('frees only its visits, keeps the request awarded, and lets the broker award them again', async () => {
    const created = await api(tokens.broker, 'POST', '/api/v1/requests', {
      ...requestBody(),
      serviceType: 'home_care',
      usualPricePounds: '25',
      visits: [
        { days: ['mon', 'wed', 'fri'], windowStart: '08:00', windowEnd: '09:00', durationMinutes: 30 },
        { days: ['tue', 'thu'], windowStart: '18:00', windowEnd: '19:00', durationMinutes: 30 },
      ],
    })
    expect(created.statusCode, created.body).toBe(201)
    const id = (created.json() as { request: { id: number } }).request.id
    await api(tokens.broker, 'POST', `/api/v1/requests/${id}/submit`, {})
    const published = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/publish`, {})
    expect(published.statusCode, published.body).toBe(200)
    const opportunity = (await api(tokens.a, 'GET', `/api/v1/opportunities/${id}`)).json() as {
      opportunity: { visits: { id: number }[] }
    }
    const [morning, evening] = opportunity.opportunity.visits.map((v) => v.id) as [number, number]
    const terms = (locationId: number) => ({
      locationId,
      pricePence: 2_400,
      earliestStart: startDate(),
      meetsAllNeeds: true,
      visitIds: [morning, evening],
    })
    const a = await api(tokens.a, 'POST', `/api/v1/requests/${id}/offers`, terms(homeCare.a))
    const b = await api(tokens.b, 'POST', `/api/v1/requests/${id}/offers`, terms(homeCare.b))
    expect([a.statusCode, b.statusCode], `${a.body} ${b.body}`).toEqual([201, 201])
    const offerA = (a.json() as { offer: { id: number } }).offer.id
    const offerB = (b.json() as { offer: { id: number } }).offer.id
    await api(tokens.broker, 'POST', `/api/v1/requests/${id}/close`, { reason: 'Enough' })
    const toA = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, {
      offerId: offerA,
      visitIds: [morning],
      choiceReason: 'Split between providers',
    })
    const toB = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, {
      offerId: offerB,
      visitIds: [evening],
      choiceReason: 'Split between providers',
    })
    expect([toA.statusCode, toB.statusCode], `${toA.body} ${toB.body}`).toEqual([201, 201])
    const packageA = (toA.json() as { packageId: number }).packageId

    const declined = await api(tokens.a, 'POST', `/api/v1/provider/packages/${packageA}/decline`, {
      reason: 'No carers free in the mornings',
    })
    expect(declined.statusCode, declined.body).toBe(200)
    const [request] = await t.database.db.select().from(sourcingRequests).where(eq(sourcingRequests.id, id))
    expect(request?.status).toBe('awarded')
    const shortlist = (await api(tokens.broker, 'GET', `/api/v1/requests/${id}/offers`)).json() as {
      unfilledSlots: number[]
    }
    expect(shortlist.unfilledSlots).toEqual([morning])
    // The morning visit goes to provider B, whose offer covered it all along.
    const again = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, {
      offerId: offerB,
      visitIds: [morning],
      choiceReason: 'The first provider could not take the mornings',
    })
    expect(again.statusCode, again.body).toBe(201)
  })
})
