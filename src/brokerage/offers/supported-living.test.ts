import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import {
  addLocation,
  createTestRequest,
  NORWICH,
  setRequestStatus,
} from '../../../test/support/offers-factory.ts'
import type { Actor } from '../../audit/service.ts'
import { packages, sourcingRequests } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { addCalendarDays } from '../rules/index.ts'
import { award } from './award.ts'
import { makeOffer } from './service.ts'

const system: Actor = { kind: 'system', label: 'test' }
let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let supportedLivingId: number

async function apiPost(url: string, body: unknown) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${home.councilApiToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  })
}

const newRequest = (extra: Record<string, unknown>) => ({
  person: { name: 'Sam Support', dateOfBirth: '1990-05-01', postcode: 'NR3 1QX' },
  serviceType: 'supported_living',
  clientGroup: 'younger_adults',
  needsSummary: 'Support with daily living and managing money.',
  startDate: addCalendarDays(londonDate(new Date()), 14),
  urgency: 'routine',
  usualPricePounds: 24,
  ...extra,
})

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'SUPL', t.config)
  supportedLivingId = await addLocation(t.database.db, home.councilId, home.providerA.id, {
    cqcLocationId: '1-SL',
    name: 'Support At Home',
    serviceTypes: ['supported_living'],
    coverage: ['NR3'],
    latitude: NORWICH.latitude,
    longitude: NORWICH.longitude,
  })
})
afterAll(async () => t?.close())

describe('supported living’s hours of support a week', () => {
  it('are asked for supported living, and only for it, through the API', async () => {
    const missing = await apiPost('/api/v1/requests', newRequest({}))
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.errors.map((e: { field: string }) => e.field)).toContain(
      'supportHoursPerWeek',
    )
    const bad = await apiPost('/api/v1/requests', newRequest({ supportHoursPerWeek: 'lots' }))
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.errors[0].field).toBe('supportHoursPerWeek')
    const homeCare = await apiPost(
      '/api/v1/requests',
      newRequest({
        serviceType: 'home_care',
        supportHoursPerWeek: 10,
        visits: [{ days: ['mon'], windowStart: '08:00', windowEnd: '09:00', durationMinutes: 30 }],
      }),
    )
    expect(homeCare.statusCode).toBe(400)
    expect(homeCare.json().error.errors[0].message).toBe(
      'Hours of support a week are only for supported living',
    )
    const made = await apiPost('/api/v1/requests', newRequest({ supportHoursPerWeek: 37.5 }))
    expect(made.statusCode).toBe(201)
    expect(made.json().request.supportMinutesPerWeek).toBe(2250)
  })

  it('set the package’s minutes a week and its weekly cost: the hourly price × the hours', async () => {
    const startDate = addCalendarDays(londonDate(new Date()), 14)
    const { requestId } = await createTestRequest(t.database.db, home.councilId, {
      serviceType: 'supported_living',
      usualPricePence: 2_500,
      startDate,
    })
    await t.database.db
      .update(sourcingRequests)
      .set({ supportMinutesPerWeek: 20 * 60 })
      .where(eq(sourcingRequests.id, requestId))
    const offer = await makeOffer(
      t.database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerA.id },
      system,
      requestId,
      { locationId: supportedLivingId, pricePence: 2_400, earliestStart: startDate, meetsAllNeeds: true },
    )
    await setRequestStatus(t.database.db, requestId, 'closed')
    const result = await award(t.database.db, { councilId: home.councilId, actor: system }, requestId, {
      offerId: offer.offer.id,
    })
    expect(result.weeklyCostPence).toBe(2_400 * 20)
    const [pkg] = await t.database.db.select().from(packages).where(eq(packages.id, result.packageId))
    expect(pkg).toMatchObject({ minutesPerWeek: 1200, weeklyCostPence: 48_000 })
  })

  it('are a question of the social worker’s request for supported living, shown on check answers', async () => {
    const socialWorker = new Client(t.app)
    await socialWorker.signIn(home.emails.social_worker)
    const person = await socialWorker.post('/requests/new/person', {
      name: 'Sam Support',
      'dateOfBirth-day': '1',
      'dateOfBirth-month': '5',
      'dateOfBirth-year': '1990',
      postcode: 'NR3 1QX',
    })
    const requestId = Number(/\/requests\/(\d+)\//.exec(String(person.headers.location))?.[1])
    await socialWorker.post(`/requests/${requestId}/edit/service-type`, { serviceType: 'supported_living' })
    const page = await socialWorker.get(`/requests/${requestId}/edit/support`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('How many hours of support a week does the person need?')
    const refused = await socialWorker.post(`/requests/${requestId}/edit/support`, {
      supportHoursPerWeek: '0',
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('href="#supportHoursPerWeek"')
    const saved = await socialWorker.post(`/requests/${requestId}/edit/support`, {
      supportHoursPerWeek: '20',
    })
    expect(saved.statusCode).toBe(303)
    expect(saved.headers.location).toBe(`/requests/${requestId}/edit/notes`)
    const check = await socialWorker.get(`/requests/${requestId}/check-answers`)
    expect(check.body).toContain('Hours of support a week')
    expect(check.body).toContain('20 hours')
    // Another type of care forgets them, and the question no longer applies.
    await socialWorker.post(`/requests/${requestId}/edit/service-type`, { serviceType: 'residential' })
    const [row] = await t.database.db
      .select()
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, requestId))
    expect(row?.supportMinutesPerWeek).toBeNull()
    expect((await socialWorker.get(`/requests/${requestId}/edit/support`)).statusCode).toBe(404)
  })
})
