import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture } from '../../../test/helpers.ts'
import { type OfferMarket, seedOfferMarket } from '../../../test/support/offer-market.ts'
import { createTestRequest, TEST_PERSON } from '../../../test/support/offers-factory.ts'
import { auditLog, offers, outbox, sourcingRequests } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { startDraft } from '../requests/drafts.ts'
import { foldForComparison } from '../rules/identifiers.ts'
import { addCalendarDays } from '../rules/index.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let tokens: OfferMarket['tokens']
let places: { homeCareA: number; homeCareB: number }

/** Ways the person's identity could be written: none may reach a provider before award. */
const IDENTIFIERS = [
  TEST_PERSON.name,
  'Winifred',
  'Applethwaite',
  TEST_PERSON.dateOfBirth,
  '17 April 1938',
  '17/04/1938',
  TEST_PERSON.postcode,
  TEST_PERSON.postcode.replace(' ', ''),
  TEST_PERSON.nhsNumber as string,
  '943 476 5919',
]

function api(
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  const market = await seedOfferMarket(t.database, t.config, 'OFR', { aMilesNorth: 30, bMilesNorth: 4 })
  ;({ home, tokens } = market)
  places = { homeCareA: market.homeCare.a, homeCareB: market.homeCare.b }
})
afterAll(async () => t.close())

const startDate = () => addCalendarDays(londonDate(new Date()), 14)

/** A request made, submitted and published through the request API, as a broker's system would. */
async function publishedThroughApi(extra: Record<string, unknown>): Promise<number> {
  const created = await api(tokens.broker, 'POST', '/api/v1/requests', {
    person: {
      name: TEST_PERSON.name,
      dateOfBirth: TEST_PERSON.dateOfBirth,
      sex: 'female',
      postcode: TEST_PERSON.postcode,
      nhsNumber: TEST_PERSON.nhsNumber,
    },
    clientGroup: 'older_people',
    specialisms: [],
    needsSummary: 'Help with washing, dressing and medication.',
    startDate: startDate(),
    urgency: 'routine',
    usualPricePounds: '950',
    ...extra,
  })
  expect(created.statusCode, created.body).toBe(201)
  const id = (created.json() as { request: { id: number } }).request.id
  const submitted = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/submit`, {})
  expect(submitted.statusCode, submitted.body).toBe(200)
  const published = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/publish`, {})
  expect(published.statusCode, published.body).toBe(200)
  return id
}

const offerTerms = (locationId: number, pricePence: number, extra: Record<string, unknown> = {}) => ({
  locationId,
  pricePence,
  earliestStart: startDate(),
  meetsAllNeeds: true,
  ...extra,
})

describe('a care home placement, from publication to package, over HTTP', () => {
  it('invites, takes offers, ranks, awards, tells every bidder and shows the person only to the winner', async () => {
    const id = await publishedThroughApi({ serviceType: 'residential' })

    const eligibility = await api(tokens.broker, 'GET', `/api/v1/requests/${id}/eligibility?q=OFR%20B`)
    const overview = eligibility.json() as {
      invitedCount: number
      search: { results: { summary: string }[] }
    }
    expect(overview.invitedCount).toBe(2)
    expect(overview.search.results.map((r) => r.summary).sort()).toEqual([
      'Invited, with notes: Has never reported its capacity',
      'Not invited: Does not offer care home (residential)',
    ])

    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const why = await broker.get(`/requests/${id}/eligibility?q=Home%20Care`)
    expect(why.statusCode).toBe(200)
    expect(why.body).toContain('OFR A Home Care')
    expect(why.body).toContain('Does not offer care home (residential)')

    // Provider A offers through the pages.
    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    const list = await providerA.get('/provider/opportunities')
    expect(list.body).toContain(`Request ${id}`)
    await providerA.get(`/provider/opportunities/${id}`)
    const [year, month, day] = startDate().split('-')
    const made = await providerA.post(`/provider/opportunities/${id}/offers`, {
      locationId: String(home.providerA.locationId),
      price: '900.00',
      'earliestStart-day': String(Number(day)),
      'earliestStart-month': String(Number(month)),
      'earliestStart-year': year as string,
      meetsAllNeeds: 'yes',
      notes: '',
    })
    expect(made.statusCode, made.body).toBe(303)
    const shown = await providerA.get(made.headers.location as string)
    expect(shown.body).toContain('Your offer has been sent to the council.')
    expect(shown.body).toContain('£900.00 per week')

    // Provider B offers through the API, twice with one Idempotency-Key.
    const key = { 'idempotency-key': `ofr-${id}` }
    const first = await api(
      tokens.b,
      'POST',
      `/api/v1/requests/${id}/offers`,
      offerTerms(home.providerB.locationId, 100_000),
      key,
    )
    expect(first.statusCode, first.body).toBe(201)
    const again = await api(
      tokens.b,
      'POST',
      `/api/v1/requests/${id}/offers`,
      offerTerms(home.providerB.locationId, 100_000),
      key,
    )
    expect(again.statusCode).toBe(200)
    expect((again.json() as { offer: { id: number } }).offer.id).toBe(
      (first.json() as { offer: { id: number } }).offer.id,
    )

    const closed = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/close`, {
      reason: 'Enough offers',
    })
    expect(closed.statusCode, closed.body).toBe(200)

    const shortlist = await api(tokens.broker, 'GET', `/api/v1/requests/${id}/offers`)
    const ranked = (
      shortlist.json() as {
        shortlist: {
          ranked: {
            offerId: number
            rank: number
            total: number
            quality: { weight: number }
            flags: { aboveUsualPrice: boolean }
          }[]
        }
      }
    ).shortlist.ranked
    expect(ranked.map((r) => r.rank)).toEqual([1, 2])
    expect(ranked[0]?.quality.weight).toBe(60)
    expect(ranked[1]?.flags.aboveUsualPrice).toBe(true)
    const topId = ranked[0]?.offerId as number

    const page = await broker.get(`/requests/${id}/offers`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Ranked shortlist')
    expect(page.body).toContain('is £50.00 above the usual price of £950.00')
    await broker.get(`/requests/${id}/offers/${topId}/award`)
    const awarded = await broker.post(`/requests/${id}/offers/${topId}/award`, {})
    expect(awarded.statusCode, awarded.body).toBe(303)
    const packageId = Number(
      new URL(awarded.headers.location as string, 'http://x').searchParams.get('package'),
    )
    expect((await broker.get(awarded.headers.location as string)).body).toContain(
      `package ${packageId} has been created`,
    )

    const view = await providerA.get(`/provider/packages/${packageId}`)
    expect(view.statusCode).toBe(200)
    expect(view.body).toContain(TEST_PERSON.name)
    expect(view.body).toContain(TEST_PERSON.postcode)
    expect(view.body).toContain('943 476 5919')
    const viewed = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'personal_data.viewed'), eq(auditLog.actor, home.emails.providerA)))
    expect(viewed.some((a) => (a.details as { packageId?: number }).packageId === packageId)).toBe(true)

    const providerB = new Client(t.app)
    await providerB.signIn(home.emails.providerB)
    expect((await providerB.get(`/provider/packages/${packageId}`)).statusCode).toBe(404)
    expect((await api(tokens.b, 'GET', `/api/v1/provider/packages/${packageId}`)).statusCode).toBe(404)
    expect((await providerB.get('/provider/messages')).body).toContain(
      `Your offer on request ${id} was not successful`,
    )
    expect((await providerA.get('/provider/messages')).body).toContain(
      `Your offer on request ${id} was accepted`,
    )

    const packages = (await api(tokens.broker, 'GET', `/api/v1/packages?requestId=${id}`)).json() as {
      packages: { id: number; weeklyCostPence: number; state: string }[]
    }
    expect(packages.packages).toEqual([
      expect.objectContaining({ id: packageId, weeklyCostPence: 90_000, state: 'starting' }),
    ])

    await broker.get(`/packages/${packageId}`)
    const ended = await broker.post(`/packages/${packageId}/end`, {
      'endDate-day': '1',
      'endDate-month': '1',
      'endDate-year': '2099',
      reason: 'Moved to live with family',
    })
    expect(ended.statusCode, ended.body).toBe(303)
    expect((await broker.get(`/packages/${packageId}?ended=1`)).body).toContain('Moved to live with family')
  })
})

describe('a home care package split between two providers, over HTTP', () => {
  it('awards visit by visit and leaves the unfilled visit on the Interim Care List', async () => {
    const id = await publishedThroughApi({
      serviceType: 'home_care',
      usualPricePounds: '25',
      visits: [
        {
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          windowStart: '07:30',
          windowEnd: '09:00',
          durationMinutes: 30,
          carers: 2,
        },
        {
          days: ['mon', 'wed', 'fri'],
          windowStart: '12:00',
          windowEnd: '13:00',
          durationMinutes: 45,
          carers: 1,
        },
        {
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          windowStart: '20:00',
          windowEnd: '21:00',
          durationMinutes: 30,
          carers: 1,
        },
      ],
    })
    const opportunity = (await api(tokens.a, 'GET', `/api/v1/opportunities/${id}`)).json() as {
      opportunity: { visits: { id: number; windowStart: string }[]; careHoursPerWeek: number }
    }
    const [morning, lunch, evening] = opportunity.opportunity.visits.map((v) => v.id) as [
      number,
      number,
      number,
    ]
    expect(opportunity.opportunity.careHoursPerWeek).toBe(12.75)

    const a = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${id}/offers`,
      offerTerms(places.homeCareA, 2_400, { visitIds: [morning] }),
    )
    expect(a.statusCode, a.body).toBe(201)
    const b = await api(
      tokens.b,
      'POST',
      `/api/v1/requests/${id}/offers`,
      offerTerms(places.homeCareB, 2_300, { visitIds: [lunch] }),
    )
    expect(b.statusCode, b.body).toBe(201)
    expect(
      (await api(tokens.broker, 'POST', `/api/v1/requests/${id}/close`, { reason: 'Enough offers' }))
        .statusCode,
    ).toBe(200)

    const first = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, {
      offerId: (a.json() as { offer: { id: number } }).offer.id,
      visitIds: [morning],
    })
    expect(first.statusCode, first.body).toBe(201)
    expect(first.json()).toEqual(
      expect.objectContaining({
        weeklyCostPence: 16_800,
        unfilledVisitIds: [lunch, evening],
        onInterimCareList: true,
      }),
    )
    const second = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, {
      offerId: (b.json() as { offer: { id: number } }).offer.id,
    })
    expect(second.statusCode, second.body).toBe(201)
    expect(second.json()).toEqual(
      expect.objectContaining({ weeklyCostPence: 5_175, unfilledVisitIds: [evening] }),
    )

    const evaluation = (await api(tokens.broker, 'GET', `/api/v1/requests/${id}/offers`)).json() as {
      request: { status: string }
      unfilledSlots: number[]
      unfilledCareMinutesPerWeek: number
      onInterimCareList: boolean
    }
    expect(evaluation.request.status).toBe('awarded')
    expect(evaluation.unfilledSlots).toEqual([evening])
    expect(evaluation.unfilledCareMinutesPerWeek).toBe(210)
    expect(evaluation.onInterimCareList).toBe(true)
    const packages = (await api(tokens.broker, 'GET', `/api/v1/packages?requestId=${id}`)).json() as {
      packages: { providerOrganisationId: number; visitIds: number[] }[]
    }
    expect(packages.packages.map((p) => [p.providerOrganisationId, p.visitIds]).sort()).toEqual(
      [
        [home.providerA.id, [morning]],
        [home.providerB.id, [lunch]],
      ].sort(),
    )
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const page = await broker.get(`/requests/${id}/offers`)
    expect(page.body).toContain('Visit by visit')
    expect(page.body).toContain('No offer covers this visit.')
  })
})

describe('privacy before award', () => {
  it('keeps the person’s name, date of birth, postcode and NHS number off every provider page and response', async () => {
    const { requestId } = await createTestRequest(t.database.db, home.councilId, {
      needsSummary: `Needs help at home. Daughter is the contact for ${TEST_PERSON.name}.`,
    })
    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    const bodies: [string, string][] = []
    const seen = async (what: string, response: { body: string; statusCode: number }) => {
      expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBeLessThan(500)
      bodies.push([what, response.body])
    }
    await seen('opportunities page', await providerA.get('/provider/opportunities'))
    await seen('opportunity page', await providerA.get(`/provider/opportunities/${requestId}`))
    await seen(
      'filtered page',
      await providerA.get('/provider/opportunities?serviceType=residential&district=NR3'),
    )
    await seen('API list', await api(tokens.a, 'GET', '/api/v1/opportunities'))
    await seen('API detail', await api(tokens.a, 'GET', `/api/v1/opportunities/${requestId}`))
    const made = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${requestId}/offers`,
      offerTerms(home.providerA.locationId, 90_000),
    )
    await seen('API offer made', made)
    const offerId = (made.json() as { offer: { id: number } }).offer.id
    await seen('offer page', await providerA.get(`/provider/opportunities/${requestId}/offers/${offerId}`))
    await seen(
      'API offer revised',
      await api(tokens.a, 'PUT', `/api/v1/offers/${offerId}`, {
        ...offerTerms(home.providerA.locationId, 89_000),
        version: 1,
      }),
    )
    await seen(
      'API refusal',
      await api(
        tokens.a,
        'POST',
        `/api/v1/requests/${requestId}/offers`,
        offerTerms(home.providerA.locationId, 1),
      ),
    )
    await seen(
      'form refusal',
      await providerA.post(`/provider/opportunities/${requestId}/offers`, { price: '-3' }),
    )
    await seen('messages page', await providerA.get('/provider/messages'))
    await seen('packages page', await providerA.get('/provider/packages'))
    await seen('API packages', await api(tokens.a, 'GET', '/api/v1/provider/packages'))
    await seen('API withdrawn', await api(tokens.a, 'DELETE', `/api/v1/offers/${offerId}`))
    const mail = await t.database.db.select().from(outbox).where(eq(outbox.toAddress, home.emails.providerA))
    for (const message of mail)
      bodies.push([`email ${message.subject}`, `${message.subject}\n${message.bodyText}`])

    expect(bodies.length).toBeGreaterThan(14)
    for (const [what, body] of bodies) {
      for (const secret of IDENTIFIERS) expect(body, `${what} shows “${secret}”`).not.toContain(secret)
    }
    expect(bodies.find(([what]) => what === 'opportunity page')?.[1]).toContain('85+')
    expect(bodies.find(([what]) => what === 'opportunity page')?.[1]).toContain('NR3')
  })
})

describe('the council’s case-system IDs', () => {
  it('never reach a provider, before or after award, even typed into the text; the council finds the package by them', async () => {
    const personRef = 'MOSAIC-77123'
    const caseRef = 'SA 4455 981'
    const id = await publishedThroughApi({
      serviceType: 'residential',
      personRef,
      caseRef,
      needsSummary: 'Help with washing. Reviewed under mosaic 77123.',
      notesForProviders: 'Service agreement SA-4455-981 applies.',
    })
    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    const bodies: [string, string][] = []
    const seen = async (what: string, response: { body: string; statusCode: number }) => {
      expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBeLessThan(400)
      bodies.push([what, response.body])
    }
    await seen('opportunities page', await providerA.get('/provider/opportunities'))
    await seen('opportunity page', await providerA.get(`/provider/opportunities/${id}`))
    await seen('API opportunities', await api(tokens.a, 'GET', '/api/v1/opportunities'))
    await seen('API opportunity', await api(tokens.a, 'GET', `/api/v1/opportunities/${id}`))
    const made = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${id}/offers`,
      offerTerms(home.providerA.locationId, 90_000),
    )
    await seen('API offer made', made)
    const offerId = (made.json() as { offer: { id: number } }).offer.id
    await seen('offer page', await providerA.get(`/provider/opportunities/${id}/offers/${offerId}`))
    expect(
      (await api(tokens.broker, 'POST', `/api/v1/requests/${id}/close`, { reason: 'Enough offers' }))
        .statusCode,
    ).toBe(200)
    const awarded = await api(tokens.broker, 'POST', `/api/v1/requests/${id}/award`, { offerId })
    expect(awarded.statusCode, awarded.body).toBe(201)
    const packageId = (awarded.json() as { packageId: number }).packageId
    await seen('packages page', await providerA.get('/provider/packages'))
    await seen('package page', await providerA.get(`/provider/packages/${packageId}`))
    await seen('API packages', await api(tokens.a, 'GET', '/api/v1/provider/packages'))
    await seen('API package', await api(tokens.a, 'GET', `/api/v1/provider/packages/${packageId}`))
    await seen('messages page', await providerA.get('/provider/messages'))
    const mail = await t.database.db.select().from(outbox).where(eq(outbox.toAddress, home.emails.providerA))
    for (const message of mail)
      bodies.push([`email ${message.subject}`, `${message.subject}\n${message.bodyText}`])

    for (const [what, body] of bodies)
      for (const secret of [personRef, caseRef, 'mosaic 77123', 'SA-4455-981'])
        expect(shows(decodeHtml(body), secret), `${what} shows “${secret}”`).toBe(false)
    // The awarded provider reads the rest of the text, with only the IDs taken out.
    const detail = (await api(tokens.a, 'GET', `/api/v1/provider/packages/${packageId}`)).json() as {
      needsSummary: string
      notesForProviders: string
    }
    expect(detail.needsSummary).toBe('Help with washing. Reviewed under [removed].')
    expect(detail.notesForProviders).toBe('Service agreement [removed] applies.')

    // The council's package carries them, copied at award, and is found by either in any case.
    for (const ref of [' mosaic-77123 ', 'sa 4455 981']) {
      const found = await api(tokens.broker, 'GET', `/api/v1/packages?externalRef=${encodeURIComponent(ref)}`)
      expect(found.statusCode, found.body).toBe(200)
      expect(
        (found.json() as { packages: { id: number; personRef: string; caseRef: string }[] }).packages,
      ).toEqual([expect.objectContaining({ id: packageId, personRef, caseRef })])
    }
  })
})

/** The person of the probe below: a name beyond ASCII, with an apostrophe and a hyphen. */
const PROBED = {
  name: 'Siân Zoë José O’Neill-Brady',
  dateOfBirth: '1941-03-09',
  sex: 'female' as const,
  postcode: 'NR3 1QX',
  outcode: 'NR3',
  nhsNumber: '4010232137',
}

/** How people write that person's identity in notes: none of it may reach a provider before award. */
const PROBE_VARIANTS = [
  // names
  'Siân Zoë José O’Neill-Brady',
  'SIAN ZOE JOSE ONEILL BRADY',
  'Sian',
  'Sia\u0302n',
  'Zoë',
  'ZOE',
  'José',
  'Jose',
  'Brady',
  'Neill',
  "O'Neill",
  'O’Neill',
  'ONeill',
  'Neill-Brady',
  "Siân O'Neill",
  'J. O’Neill',
  // dates of birth
  '9 March 1941',
  '9th March 1941',
  'March 9, 1941',
  'Mar 9th 1941',
  '9-Mar-1941',
  '9 Mar 41',
  '09031941',
  '1941/03/09',
  '1941-03-09',
  '09/03/1941',
  '9/3/41',
  '09.03.1941',
  '9 3 1941',
  '9th of March, 1941',
  'MARCH 9TH 1941',
  'March 1941',
  '１９４１-０３-０９',
  // NHS numbers
  '401 023 2137',
  '401-023-2137',
  '401.023.2137',
  '401/023/2137',
  '4010232137',
  '４０１ ０２３ ２１３７',
  '40102 32137',
  '401 - 023 - 2137',
  '401\u00A0023\u00A02137',
  // postcodes
  'NR3 1QX',
  'NR3-1QX',
  'nr31qx',
  'NR3  1QX',
  'ＮＲ３ １ＱＸ',
  'n r 3 1 q x',
  'NR3–1QX',
]

const wordsOf = (text: string) =>
  foldForComparison(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)

/** Whether the words of a phrase are in the text one after another, compared as the redaction compares. */
function shows(text: string, phrase: string): boolean {
  const words = wordsOf(text)
  const wanted = wordsOf(phrase)
  return words.some((_, i) => wanted.every((w, k) => words[i + k] === w))
}

function decodeHtml(html: string): string {
  return html
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

describe('privacy before award, probed', () => {
  it(`keeps ${PROBE_VARIANTS.length} written forms of the person’s identity off the opportunity page and the API`, async () => {
    const half = Math.ceil(PROBE_VARIANTS.length / 2)
    const { requestId } = await createTestRequest(t.database.db, home.councilId, {
      serviceType: 'home_care',
      person: PROBED,
      visits: [{ days: ['mon', 'thu'], windowStart: '09:00', windowEnd: '10:00', durationMinutes: 30 }],
      needsSummary: `Needs help at home. ${PROBE_VARIANTS.slice(0, half)
        .map((v) => `Also written (${v}).`)
        .join(' ')}`,
      notesForProviders: PROBE_VARIANTS.slice(half).join('\n'),
      // Shown to providers, and repeated in the note on a location whose care workers do not speak it.
      language: "Siân O'Neill",
    })
    const providerA = new Client(t.app)
    await providerA.signIn(home.emails.providerA)
    const page = await providerA.get(`/provider/opportunities/${requestId}`)
    expect(page.statusCode).toBe(200)
    const list = await providerA.get('/provider/opportunities')
    const detail = await api(tokens.a, 'GET', `/api/v1/opportunities/${requestId}`)
    const all = await api(tokens.a, 'GET', '/api/v1/opportunities')
    expect(detail.statusCode).toBe(200)
    const opportunity = (
      detail.json() as { opportunity: { language: string; matches: { flags: { text: string }[] }[] } }
    ).opportunity
    expect(opportunity.language).toBe('[removed]')
    expect(opportunity.matches.flatMap((m) => m.flags.map((f) => f.text))).toContain(
      'No care workers listed who speak [removed], the person’s preference',
    )

    const seen: [string, string][] = [
      ['opportunity page', decodeHtml(page.body)],
      ['opportunities page', decodeHtml(list.body)],
      ['API detail', JSON.stringify(detail.json())],
      ['API list', JSON.stringify(all.json())],
    ]
    const leaks = seen.flatMap(([where, body]) =>
      PROBE_VARIANTS.filter((variant) => shows(body, variant)).map((variant) => `${where}: ${variant}`),
    )
    expect(leaks).toEqual([])
    expect(seen[0]?.[1]).toContain('Also written ([removed]).')
  })
})

describe('concurrency and refusals', () => {
  async function closedRequestWithOffer() {
    const { requestId } = await createTestRequest(t.database.db, home.councilId)
    const made = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${requestId}/offers`,
      offerTerms(home.providerA.locationId, 90_000),
    )
    expect(made.statusCode, made.body).toBe(201)
    await t.database.db
      .update(sourcingRequests)
      .set({ status: 'closed' })
      .where(eq(sourcingRequests.id, requestId))
    return { requestId, offerId: (made.json() as { offer: { id: number } }).offer.id }
  }

  it('lets exactly one of 20 simultaneous awards succeed; the others get 409', async () => {
    const { requestId, offerId } = await closedRequestWithOffer()
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api(tokens.broker, 'POST', `/api/v1/requests/${requestId}/award`, { offerId }),
      ),
    )
    const codes = responses.map((r) => r.statusCode).sort()
    expect(codes.filter((c) => c === 201)).toHaveLength(1)
    expect(codes.filter((c) => c === 409)).toHaveLength(19)
    const packages = (await api(tokens.broker, 'GET', `/api/v1/packages?requestId=${requestId}`)).json() as {
      packages: unknown[]
    }
    expect(packages.packages).toHaveLength(1)
  })

  it('never loses a revision when several are made at once', async () => {
    const { requestId } = await createTestRequest(t.database.db, home.councilId)
    const made = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${requestId}/offers`,
      offerTerms(home.providerA.locationId, 90_000),
    )
    const offerId = (made.json() as { offer: { id: number } }).offer.id
    const stale = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(tokens.a, 'PUT', `/api/v1/offers/${offerId}`, {
          ...offerTerms(home.providerA.locationId, 80_000 + i),
          version: 1,
        }),
      ),
    )
    expect(stale.filter((r) => r.statusCode === 200)).toHaveLength(1)
    expect(stale.filter((r) => r.statusCode === 409)).toHaveLength(9)
    const winning = stale.find((r) => r.statusCode === 200)
    const winner = (winning?.json() as { offer: { pricePence: number } } | undefined)?.offer

    // Five editors each add a line, retrying on 409 with the latest version: every line survives.
    const current = async () => {
      const detail = (await api(tokens.a, 'GET', `/api/v1/opportunities/${requestId}`)).json() as {
        offers: { id: number; version: number; notes: string; pricePence: number }[]
      }
      return detail.offers.find((o) => o.id === offerId) as {
        version: number
        notes: string
        pricePence: number
      }
    }
    const edit = async (line: string) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const latest = await current()
        const response = await api(tokens.a, 'PUT', `/api/v1/offers/${offerId}`, {
          ...offerTerms(home.providerA.locationId, latest.pricePence),
          notes: latest.notes ? `${latest.notes}\n${line}` : line,
          version: latest.version,
        })
        if (response.statusCode === 200) return attempt
        expect(response.statusCode).toBe(409)
      }
      throw new Error(`${line} never applied`)
    }
    await Promise.all(['one', 'two', 'three', 'four', 'five'].map(edit))
    const final = await current()
    expect(final.notes.split('\n').sort()).toEqual(['five', 'four', 'one', 'three', 'two'])
    expect(final.version).toBe(7)
    expect(final.pricePence).toBe(winner?.pricePence)
  })

  it('makes one offer for one Idempotency-Key, however many times it is sent at once', async () => {
    const { requestId } = await createTestRequest(t.database.db, home.councilId)
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api(
          tokens.a,
          'POST',
          `/api/v1/requests/${requestId}/offers`,
          offerTerms(home.providerA.locationId, 90_000),
          {
            'idempotency-key': 'same-key',
          },
        ),
      ),
    )
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1)
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(9)
    expect(new Set(responses.map((r) => (r.json() as { offer: { id: number } }).offer.id)).size).toBe(1)
    const rows = await t.database.db.select().from(offers).where(eq(offers.requestId, requestId))
    expect(rows).toHaveLength(1)
  })

  it('answers 422 to an Idempotency-Key sent again with a different body, and makes nothing', async () => {
    const { requestId } = await createTestRequest(t.database.db, home.councilId)
    const url = `/api/v1/requests/${requestId}/offers`
    const key = { 'idempotency-key': 'one-offer' }
    const first = await api(tokens.a, 'POST', url, offerTerms(home.providerA.locationId, 90_000), key)
    expect(first.statusCode, first.body).toBe(201)
    const offerId = (first.json() as { offer: { id: number } }).offer.id
    // The same body, its keys in another order: the same request, so the first offer again.
    const { pricePence, ...rest } = offerTerms(home.providerA.locationId, 90_000)
    const reordered = await api(tokens.a, 'POST', url, { pricePence, ...rest }, key)
    expect(reordered.statusCode, reordered.body).toBe(200)
    expect((reordered.json() as { offer: { id: number } }).offer.id).toBe(offerId)
    for (const body of [
      offerTerms(home.providerA.locationId, 1_000),
      offerTerms(home.providerA.locationId, 90_000, { notes: 'Another request' }),
    ]) {
      const reused = await api(tokens.a, 'POST', url, body, key)
      expect(reused.statusCode, reused.body).toBe(422)
      expect((reused.json() as { error: { message: string } }).error.message).toBe(
        'This Idempotency-Key was already used with a different request',
      )
    }
    const rows = await t.database.db.select().from(offers).where(eq(offers.requestId, requestId))
    expect(rows.map((r) => [r.id, r.pricePence])).toEqual([[offerId, 90_000]])
    // Another organisation's key is its own.
    const theirs = await api(tokens.b, 'POST', url, offerTerms(home.providerB.locationId, 95_000), key)
    expect(theirs.statusCode, theirs.body).toBe(201)
  })

  it('refuses an offer after the deadline, for another provider’s location, and an award on a cancelled request', async () => {
    const late = await createTestRequest(t.database.db, home.councilId, {
      deadlineAt: new Date(Date.now() - 1000),
    })
    const tooLate = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${late.requestId}/offers`,
      offerTerms(home.providerA.locationId, 90_000),
    )
    expect(tooLate.statusCode).toBe(409)
    expect((tooLate.json() as { error: { message: string } }).error.message).toMatch(
      /^The deadline for offers passed on/,
    )

    const open = await createTestRequest(t.database.db, home.councilId)
    const theirs = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${open.requestId}/offers`,
      offerTerms(home.providerB.locationId, 90_000),
    )
    expect(theirs.statusCode).toBe(400)
    expect(theirs.json()).toEqual({
      error: {
        status: 400,
        message: 'locationId: You can only offer for one of your own locations',
        errors: [{ field: 'locationId', message: 'You can only offer for one of your own locations' }],
      },
    })
    const negative = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${open.requestId}/offers`,
      offerTerms(home.providerA.locationId, -100),
    )
    expect(negative.statusCode).toBe(400)
    expect(negative.body).toContain('The price cannot be negative')
    expect(
      (await api(tokens.a, 'POST', `/api/v1/requests/${open.requestId}/award`, { offerId: 1 })).statusCode,
    ).toBe(403)
    expect((await api(tokens.a, 'GET', `/api/v1/opportunities/${open.requestId + 10_000}`)).statusCode).toBe(
      404,
    )

    const made = await api(
      tokens.a,
      'POST',
      `/api/v1/requests/${open.requestId}/offers`,
      offerTerms(home.providerA.locationId, 90_000),
    )
    const offerId = (made.json() as { offer: { id: number } }).offer.id
    // Provider B cannot touch provider A's offer.
    expect((await api(tokens.b, 'DELETE', `/api/v1/offers/${offerId}`)).statusCode).toBe(404)
    await t.database.db
      .update(sourcingRequests)
      .set({ status: 'cancelled', cancelReason: 'Person moved away' })
      .where(eq(sourcingRequests.id, open.requestId))
    const refused = await api(tokens.broker, 'POST', `/api/v1/requests/${open.requestId}/award`, { offerId })
    expect(refused.statusCode).toBe(409)
    expect((refused.json() as { error: { message: string } }).error.message).toMatch(
      /cancelled cannot be awarded/,
    )
  })
})

describe('the API documentation', () => {
  it('answers 409, not an error, for the offers and eligibility of a draft, and cancels a draft', async () => {
    const draft = await startDraft(
      t.database.db,
      { kind: 'system', label: 'test', councilId: home.councilId },
      { name: 'Albert Moss', dateOfBirth: '1931-11-02', sex: 'not_stated', postcode: TEST_PERSON.postcode },
    )
    for (const path of ['offers', 'eligibility']) {
      const response = await api(tokens.broker, 'GET', `/api/v1/requests/${draft.id}/${path}`)
      expect(response.statusCode, response.body).toBe(409)
      expect(response.json().error.message).toMatch(/still a draft/)
    }
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const page = await broker.get(`/requests/${draft.id}/offers`)
    expect(page.statusCode).toBe(409)
    expect(page.body).toMatch(/still a draft/)
    const cancelled = await api(tokens.broker, 'POST', `/api/v1/requests/${draft.id}/cancel`, {
      reason: 'Started by mistake',
    })
    expect(cancelled.statusCode, cancelled.body).toBe(200)
  })

  it('describes the Idempotency-Key and its 422 in /openapi.json', async () => {
    const paths = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths
    const post = paths['/api/v1/requests/{id}/offers']?.post
    expect(post?.description).toMatch(/same key with a different body answers 422/)
    expect(post?.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    )
  })

  it('lists every offers, award and package route in /openapi.json', async () => {
    const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths)
    for (const path of [
      '/api/v1/requests/{id}/eligibility',
      '/api/v1/requests/{id}/offers',
      '/api/v1/requests/{id}/award',
      '/api/v1/opportunities',
      '/api/v1/offers/{offerId}',
      '/api/v1/packages',
    ]) {
      expect(paths).toContain(path)
    }
  })
})
