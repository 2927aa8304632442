import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordTokenUses } from '../src/accounts/api-tokens.ts'
import { apiTokens, auditLog } from '../src/db/schema.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let other: Fixture

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  council = await seedCouncil(t.database, 'TOKEN', t.config)
  other = await seedCouncil(t.database, 'ELSE', t.config)
})
afterAll(async () => t.close())

function api(url: string, token: string) {
  return t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
}

describe('API tokens', () => {
  it('act as the role and council they were made for', async () => {
    const me = await api('/api/v1/me', council.councilApiToken)
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ role: 'broker', council: { code: 'TOKEN' } })
    const locations = (await api('/api/v1/locations', council.councilApiToken)).json() as {
      locations: { councilId: number }[]
    }
    expect(locations.locations.map((l) => l.councilId)).toEqual([council.councilId, council.councilId])
    expect(
      (await api(`/api/v1/locations/${other.providerA.locationId}`, council.councilApiToken)).statusCode,
    ).toBe(404)
  })

  it('keep a provider token to its own organisation', async () => {
    const list = (await api('/api/v1/locations', council.providerApiToken)).json() as {
      locations: { id: number }[]
    }
    expect(list.locations.map((l) => l.id)).toEqual([council.providerA.locationId])
    expect(
      (await api(`/api/v1/locations/${council.providerB.locationId}`, council.providerApiToken)).statusCode,
    ).toBe(404)
  })

  it('give 403 for a route the token’s role may not use, and 401 for an unknown token', async () => {
    expect((await api('/api/v1/users', council.councilApiToken)).statusCode).toBe(403)
    const unknown = await api('/api/v1/me', 'cm_not-a-real-token')
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json().error.message).toContain('not valid')
  })

  it('do not sign anyone in to the web pages', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: '/locations',
      headers: { authorization: `Bearer ${council.councilApiToken}` },
    })
    expect(page.statusCode).toBe(303)
  })

  it('are created once, shown once, and stop working when revoked', async () => {
    const provider = new Client(t.app)
    await provider.signIn(council.emails.providerA)
    await provider.get('/provider/api-tokens')
    const created = await provider.post('/provider/api-tokens', { name: 'Care planner' })
    expect(created.statusCode).toBe(201)
    const token = created.body.match(/value="(cm_[^"]+)"/)?.[1] as string
    expect(token).toBeDefined()
    expect((await api('/api/v1/me', token)).json()).toMatchObject({ role: 'provider_user' })

    const listed = await provider.get('/provider/api-tokens')
    expect(listed.body).toContain('Care planner')
    expect(listed.body).not.toContain(token)
    // The fixture's token and this one.
    expect(listed.body.match(/action="\/provider\/api-tokens\/(\d+)\/revoke"/g)).toHaveLength(2)

    const [, tokenId] = (listed.body.match(
      /<td class="govuk-table__cell">Care planner<\/td>[\s\S]*?api-tokens\/(\d+)\/revoke/,
    ) ?? []) as string[]
    const revoked = await provider.post(`/provider/api-tokens/${tokenId}/revoke`, {})
    expect(revoked.statusCode).toBe(303)
    expect((await api('/api/v1/me', token)).statusCode).toBe(401)
    const actions = (await t.database.db.select().from(auditLog)).map((e) => e.action)
    expect(actions).toContain('api_token.created')
    expect(actions).toContain('api_token.revoked')
  })

  it('record when each was last used, without a write in the request', async () => {
    const admin = new Client(t.app)
    await admin.signIn(council.emails.council_admin)
    await admin.get('/admin/api-tokens')
    const made = await admin.post('/admin/api-tokens', { name: 'Case system', role: 'broker' })
    const token = made.body.match(/value="(cm_[^"]+)"/)?.[1] as string
    const lastUsed = async () =>
      (await t.database.db.select().from(apiTokens).where(eq(apiTokens.name, 'Case system')))[0]?.lastUsedAt
    expect(await lastUsed()).toBeNull()
    expect((await api('/api/v1/me', token)).statusCode).toBe(200)
    await recordTokenUses()
    expect(await lastUsed()).toBeInstanceOf(Date)
  })

  it('cannot be revoked by another provider', async () => {
    const providerB = new Client(t.app)
    await providerB.signIn(council.emails.providerB)
    await providerB.get('/provider/api-tokens')
    const response = await providerB.post(`/provider/api-tokens/${council.providerApiTokenId}/revoke`, {})
    expect(response.statusCode).toBe(404)
    expect((await api('/api/v1/me', council.providerApiToken)).statusCode).toBe(200)
  })

  it('refuses a token without a name, and lets a council admin choose its role', async () => {
    const admin = new Client(t.app)
    await admin.signIn(council.emails.council_admin)
    await admin.get('/admin/api-tokens')
    const bad = await admin.post('/admin/api-tokens', { name: '', role: 'commissioner' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Enter a name for the token')
    const good = await admin.post('/admin/api-tokens', { name: 'Reporting', role: 'commissioner' })
    const token = good.body.match(/value="(cm_[^"]+)"/)?.[1] as string
    expect((await api('/api/v1/me', token)).json()).toMatchObject({ role: 'commissioner' })
  })
})
