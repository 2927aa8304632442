// One meaning for hours a week of home care: every page and file takes it from rules/hours.ts. A
// request whose visits need two carers for some visits shows visit time and care-worker time on
// the request page and the provider's opportunity, and the care-worker hours are what the
// Interim Care List (page and CSV) counts unfilled and what the insights (page data and CSV)
// count commissioned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { londonDate } from '../src/shared/dates.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'
import { placeInvitableLocation } from './support/offers-factory.ts'
import { homeCareRequest } from './support/request-users.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

// 3 × 35 minutes and 3 × 70 minutes with two carers, and 210 minutes with one:
// 525 minutes of visits (8 h 45 min), 840 minutes of care-worker time (14 h).
const VISITS = [
  { days: ['mon', 'tue', 'wed'], windowStart: '08:00', windowEnd: '09:00', durationMinutes: 35, carers: 2 },
  { days: ['thu', 'fri', 'sat'], windowStart: '08:00', windowEnd: '09:30', durationMinutes: 70, carers: 2 },
  { days: ['sun'], windowStart: '09:00', windowEnd: '13:00', durationMinutes: 210, carers: 1 },
]
const TEXT = '8 h 45 min of visits, 14 h of care worker time (2 carers on 2 visits)'
const CARE_WORKER_HOURS = 14

async function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const response = await t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${home.councilApiToken}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    payload: payload === undefined ? undefined : JSON.stringify(payload),
  })
  expect(response.statusCode, response.body).toBeLessThan(300)
  return response.json()
}

/** A home care request of VISITS starting today, published to the invitable location. */
async function publishedRequest(): Promise<number> {
  const created = await api(
    'POST',
    '/api/v1/requests',
    homeCareRequest({ visits: VISITS, startDate: londonDate(new Date()), carerGender: null, language: null }),
  )
  const id = created.request.id as number
  await api('POST', `/api/v1/requests/${id}/submit`, {})
  await api('POST', `/api/v1/requests/${id}/publish`, { identifiersChecked: true })
  return id
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'HRS', t.config)
  await placeInvitableLocation(t.database.db, home)
})
afterAll(async () => t.close())

describe('hours a week of home care', () => {
  it('mean care-worker time everywhere, with visit time beside it where they differ', async () => {
    const unsourced = await publishedRequest()
    const awarded = await publishedRequest()

    // The request page (check your answers' sections) and its API.
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    expect((await broker.get(`/requests/${unsourced}`)).body).toContain(`${TEXT} a week`)
    const read = await api('GET', `/api/v1/requests/${unsourced}`)
    expect(read.request.minutesPerWeek).toBe(525)
    expect(read.request.carerMinutesPerWeek).toBe(CARE_WORKER_HOURS * 60)

    // The provider's opportunity, page and API answer.
    const provider = new Client(t.app)
    await provider.signIn(home.emails.providerB)
    expect((await provider.get(`/provider/opportunities/${unsourced}`)).body).toContain(TEXT)
    const opportunity = await t.services.offers.getOpportunity(
      { councilId: home.councilId, providerOrganisationId: home.providerB.id },
      unsourced,
    )
    expect(opportunity.opportunity.careHoursPerWeek).toBe(CARE_WORKER_HOURS)
    expect(opportunity.opportunity.careHoursText).toBe(TEXT)

    // Unsourced: the Interim Care List counts the care-worker hours as unfilled.
    await api('POST', `/api/v1/requests/${unsourced}/close`, { reason: 'No offers will come' })
    await api('POST', `/api/v1/requests/${unsourced}/unsourced`, {})
    const commissioner = new Client(t.app)
    await commissioner.signIn(home.emails.commissioner)
    const icl = await t.services.icl.iclReport(home.councilId, {})
    expect(icl.entries.find((e) => e.requestId === unsourced)?.unfilledMinutesPerWeek).toBe(
      CARE_WORKER_HOURS * 60,
    )
    const iclCsv = (await broker.get('/icl.csv')).body.split('\n')
    const line = iclCsv.find((l) => l.startsWith(`${unsourced},`))
    expect(line?.split(',')[3]).toBe(String(CARE_WORKER_HOURS))

    // Awarded: the insights count the package's care-worker hours as commissioned.
    const scopeB = { councilId: home.councilId, providerOrganisationId: home.providerB.id }
    const toAward = await t.services.offers.getOpportunity(scopeB, awarded)
    const offer = await t.services.offers.makeOffer(
      { councilId: home.councilId, providerOrganisationId: home.providerB.id },
      { kind: 'system', label: 'test' },
      awarded,
      {
        locationId: home.providerB.locationId,
        pricePence: 2_400,
        earliestStart: londonDate(new Date()),
        meetsAllNeeds: true,
        visitIds: toAward.opportunity.visits.map((v) => v.id),
      },
    )
    await api('POST', `/api/v1/requests/${awarded}/close`, { reason: 'One offer covers every visit' })
    await api('POST', `/api/v1/requests/${awarded}/award`, { offerId: offer.offer.id })
    const insights = await api('GET', `/api/v1/insights?from=${addCalendarDays(londonDate(new Date()), -30)}`)
    expect(insights.hours.hoursPerWeek).toBe(CARE_WORKER_HOURS)
    const insightsCsv = (
      await commissioner.get(`/insights.csv?from=${addCalendarDays(londonDate(new Date()), -30)}`)
    ).body
    expect(insightsCsv).toContain(
      `Home care hours commissioned,${londonDate(new Date())},Hours a week,${CARE_WORKER_HOURS}`,
    )
  })
})
