import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { placePerson, prepareFailingCouncil } from '../../../test/support/failure-fixture.ts'
import { issueApiToken } from '../../accounts/api-tokens.ts'
import { sourcingRequests } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { addCalendarDays } from '../rules/index.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let tokenB = ''
let people = 0
const system = { kind: 'system', label: 'test' } as const
const inDays = (days: number) => addCalendarDays(londonDate(new Date()), days)

function api(token: string, url: string, body: unknown) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  })
}

async function placed() {
  people++
  return placePerson(
    t.database.db,
    home.councilId,
    { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
    { name: `Ivo Handback${people}` },
  )
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'HBR', t.config)
  await prepareFailingCouncil(t.database.db, home)
  tokenB = (
    await issueApiToken(
      t.database.db,
      {
        councilId: home.councilId,
        name: 'Provider B system',
        role: 'provider_user',
        providerOrganisationId: home.providerB.id,
        createdByUserId: null,
      },
      system,
    )
  ).token
})
afterAll(async () => t.close())

describe('POST /api/v1/provider/packages/{id}/hand-back', () => {
  it('answers 400 naming the field for a missing reason, a bad date, short notice without a reason, or no object', async () => {
    const { packageId } = await placed()
    const url = `/api/v1/provider/packages/${packageId}/hand-back`
    const cases: [unknown, string][] = [
      [{ lastDay: inDays(40) }, 'reason'],
      [{ reason: 'Leaving', lastDay: '2027-02-30' }, 'lastDay'],
      [{ reason: 'Leaving', lastDay: 'soon' }, 'lastDay'],
      [{ reason: 'Leaving', lastDay: inDays(5) }, 'shortNoticeReason'],
      [{ reason: 'Leaving', lastDay: inDays(-1), shortNoticeReason: 'Sorry' }, 'lastDay'],
    ]
    for (const [body, field] of cases) {
      const response = await api(home.providerApiToken, url, body)
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
      expect(response.body, JSON.stringify(body)).toContain(field)
    }
    expect((await api(home.providerApiToken, url, ['x'])).statusCode).toBe(400)
  })

  it('hands back once (201, then 409), and another provider’s package is 404', async () => {
    const { packageId } = await placed()
    const url = `/api/v1/provider/packages/${packageId}/hand-back`
    expect((await api(tokenB, url, { reason: 'Not ours', lastDay: inDays(40) })).statusCode).toBe(404)
    const given = await api(home.providerApiToken, url, { reason: 'Leaving the area', lastDay: inDays(40) })
    expect(given.statusCode).toBe(201)
    expect(given.json()).toMatchObject({
      packageId,
      lastDay: inDays(40),
      noticeDays: 28,
      shortNoticeReason: null,
    })
    expect((await api(home.providerApiToken, url, { reason: 'Again', lastDay: inDays(40) })).statusCode).toBe(
      409,
    )
  })
})

describe('the pages', () => {
  it('a provider gives notice on its package page, and the broker re-sources it from the package page', async () => {
    const { packageId } = await placed()
    const provider = new Client(t.app)
    await provider.signIn(home.emails.providerA)
    const page = await provider.get(`/provider/packages/${packageId}`)
    expect(page.body).toContain('Hand this package back')
    const [day, month, year] = inDays(3).split('-').reverse()
    const form = {
      'lastDay-day': day as string,
      'lastDay-month': month as string,
      'lastDay-year': year as string,
    }
    const short = await provider.post(`/provider/packages/${packageId}/hand-back`, {
      ...form,
      handBackReason: 'Closing',
    })
    expect(short.statusCode).toBe(400)
    expect(short.body).toContain('enter why you cannot give full notice')
    const given = await provider.post(`/provider/packages/${packageId}/hand-back`, {
      ...form,
      handBackReason: 'Closing',
      shortNoticeReason: 'Our registration was cancelled',
    })
    expect(given.statusCode).toBe(303)
    const after = await provider.get(`/provider/packages/${packageId}?done=handedBack`)
    expect(after.body).toContain('Notice given')
    expect(after.body).not.toContain('Hand this package back')

    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const councilPage = await broker.get(`/packages/${packageId}`)
    expect(councilPage.body).toContain('Handed back by the provider')
    expect(councilPage.body).toContain('Re-source')
    const resourced = await broker.post(`/packages/${packageId}/resource`, {})
    expect(resourced.statusCode).toBe(303)
    const requestId = Number(/\/requests\/(\d+)$/.exec(resourced.headers.location as string)?.[1])
    const [linked] = await t.database.db
      .select()
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, requestId))
    expect(linked?.excludedProviderIds).toEqual([home.providerA.id])
    expect(linked?.startDate).toBe(inDays(4))
    // Once re-sourced, the page links the request and offers no second one.
    const again = await broker.get(`/packages/${packageId}`)
    expect(again.body).toContain(`/requests/${requestId}`)
    expect(again.body).not.toContain(`/packages/${packageId}/resource`)
  })
})
