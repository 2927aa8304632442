import { and, eq, isNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../src/accounts/roles.ts'
import { addUser } from '../src/accounts/service.ts'
import { addTeamMember, createTeam } from '../src/accounts/teams.ts'
import { auditLog, sourcingRequests, webhookEndpoints } from '../src/db/schema.ts'
import { ACCESS_RULES } from './access/index.ts'
import { OPEN_DATA_ROUTE } from './access/openreferral.ts'
import { EVERYONE, STAFF } from './access/types.ts'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from './helpers.ts'
import { placeInvitableLocation } from './support/offers-factory.ts'
import { sessionUserOf } from './support/request-users.ts'

type Who = Role | 'anonymous'

/**
 * The authorisation matrix is written out by hand in test/access/: who may use each route. It is
 * compared with the routes the service really has, so a route cannot be added without deciding
 * there who may use it.
 */
const EXPECTED = new Map(ACCESS_RULES.map((rule) => [rule.route, rule]))

/** Static files and the API's documentation. */
const SHARED_FILES = /^GET \/(assets|docs|openapi\.json)/

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
const clients = new Map<string, Client>()

function emailOf(fixture: Fixture, who: Role): string {
  return who === 'provider_user' ? fixture.emails.providerA : fixture.emails[who]
}

async function clientFor(fixture: Fixture, who: Who | 'providerB'): Promise<Client> {
  const key = `${fixture.code}:${who}`
  let client = clients.get(key)
  if (!client) {
    client = new Client(t.app)
    if (who === 'providerB') await client.signIn(fixture.emails.providerB)
    else if (who !== 'anonymous') await client.signIn(emailOf(fixture, who))
    else await client.get('/sign-in')
    clients.set(key, client)
  }
  return client
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'HOME', t.config)
  other = await seedCouncil(t.database, 'OTHER', t.config)
  // Publishing to nobody is refused: the home council's requests need a location to invite.
  await placeInvitableLocation(t.database.db, home)
})
afterAll(async () => t.close())

describe('the authorisation matrix', () => {
  it('covers exactly the routes the service has', () => {
    const actual = t.app.routeAccess.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`)
    expect(new Set(actual)).toEqual(new Set(EXPECTED.keys()))
  })

  it('declares on each route the access the matrix expects', () => {
    for (const route of t.app.routeAccess.filter((r) => r.method !== 'HEAD')) {
      const expected = EXPECTED.get(`${route.method} ${route.url}`)?.allowed
      expect(
        route.access === 'public' ? 'public' : [...route.access].sort(),
        `${route.method} ${route.url}`,
      ).toEqual(expected === 'public' ? 'public' : [...(expected ?? [])].sort())
    }
  })

  const whoList: Who[] = ['anonymous', ...EVERYONE]
  for (const { route, allowed, url: concreteUrl } of ACCESS_RULES) {
    const [method, url] = route.split(' ') as [string, string]
    for (const who of whoList) {
      const mayUse = allowed === 'public' || (who !== 'anonymous' && allowed.includes(who))
      it(`${route} as ${who}: ${mayUse ? 'allowed' : 'refused'}`, async () => {
        // Sign-out would end the shared session; give it a client of its own. Signing out everywhere
        // ends the shared one too, so the next test signs in again.
        const endsSessions =
          method === 'POST' && (url === '/sign-out' || url === '/account/sign-out-everywhere')
        const client = endsSessions ? new Client(t.app) : await clientFor(home, who)
        if (url === '/account/sign-out-everywhere') clients.delete(`${home.code}:${who}`)
        if (client !== clients.get(`${home.code}:${who}`) && who !== 'anonymous')
          await client.signIn(emailOf(home, who))
        if (client.csrfToken === '') await client.get('/sign-in')
        const target = concreteUrl ? await concreteUrl({ database: t.database, home }) : url
        if (/[:*]/.test(target))
          throw new Error(`give ${route} a url in test/access/ to fill in its parameters`)
        const response =
          method === 'GET'
            ? await client.get(target)
            : await client.send(method as 'POST' | 'PUT' | 'PATCH' | 'DELETE', target, {})
        const api = url.startsWith('/api/')
        // Nothing is kept by a browser or proxy but the files that are the same for everyone.
        if (route === 'GET /assets/*') expect(response.headers['cache-control']).toBe('public, max-age=3600')
        else if (SHARED_FILES.test(route)) expect(response.headers['cache-control']).not.toBe('no-store')
        else if (OPEN_DATA_ROUTE.test(route) && who === 'anonymous')
          expect(response.headers['cache-control']).toBe('public, max-age=300')
        else expect(response.headers['cache-control'], `${route} as ${who}`).toBe('no-store')
        if (mayUse) {
          expect([401, 403, 404], `${route} as ${who} gave ${response.statusCode}`).not.toContain(
            response.statusCode,
          )
          expect(response.statusCode).toBeLessThan(500)
        } else if (who === 'anonymous') {
          if (api) expect(response.statusCode).toBe(401)
          else {
            expect(response.statusCode).toBe(303)
            expect(response.headers.location).toMatch(/^\/sign-in/)
          }
        } else {
          expect(response.statusCode).toBe(403)
          if (!api) expect(response.body).toContain('You do not have permission to view this page')
        }
      })
    }
  }
})

/** Routes that read or change one request, or one package, of the council. */
const CASE_ROUTE = /^\w+ \/(api\/v1\/)?(requests|packages)\/:/

describe('caseload scope: a social worker sees and acts on their teams’ requests and their own', () => {
  const system = { kind: 'system', label: 'access matrix' } as const
  const colleague = 'colleague@home.test'
  const outsider = 'outsider@home.test'
  const loner = 'loner@home.test'
  let colleagueClient: Client
  let outsiderClient: Client
  let lonerClient: Client

  beforeAll(async () => {
    const { db } = t.database
    const options = { passwordCostLog2: t.config.passwordCostLog2 }
    for (const email of [colleague, outsider, loner])
      await addUser(db, home.councilId, { email, role: 'social_worker', password: PASSWORD }, system, options)
    // The home social worker and a colleague who covers for them share a team; the outsider works
    // in another; the loner in none.
    const discharge = await createTeam(db, home.councilId, { name: 'Hospital discharge team' }, system)
    const north = await createTeam(db, home.councilId, { name: 'North locality' }, system)
    for (const email of [home.emails.social_worker, colleague])
      await addTeamMember(db, home.councilId, discharge.id, { email }, system)
    await addTeamMember(db, home.councilId, north.id, { email: outsider }, system)
    // Requests the home social worker made before joining the team become the team's.
    const homeWorker = await sessionUserOf(t.database, home, 'social_worker')
    await db
      .update(sourcingRequests)
      .set({ teamId: discharge.id })
      .where(and(eq(sourcingRequests.createdByUserId, homeWorker.id), isNull(sourcingRequests.teamId)))
    colleagueClient = new Client(t.app)
    await colleagueClient.signIn(colleague)
    outsiderClient = new Client(t.app)
    await outsiderClient.signIn(outsider)
    lonerClient = new Client(t.app)
    await lonerClient.signIn(loner)
  })

  const send = (client: Client, method: string, url: string) =>
    method === 'GET' ? client.get(url) : client.send(method as 'POST' | 'PATCH', url, {})

  for (const { route, allowed, url: concreteUrl } of ACCESS_RULES) {
    if (allowed === 'public' || !allowed.includes('social_worker') || !CASE_ROUTE.test(route)) continue
    const [method, url] = route.split(' ') as [string, string]
    it(`${route}: 404 to a social worker of another team and of none, allowed to a colleague in the team`, async () => {
      const target = concreteUrl ? await concreteUrl({ database: t.database, home }) : url
      for (const [who, client] of [
        [outsider, outsiderClient],
        [loner, lonerClient],
      ] as const) {
        const refused = await send(client, method, target)
        expect(refused.statusCode, `${route} as ${who}`).toBe(404)
        const entityId = target.match(/\/(requests|packages)\/(\d+)/)?.[2]
        const audited = await t.database.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'caseload.refused'), eq(auditLog.actor, who)))
        expect(audited.map((e) => e.entityId)).toContain(entityId)
      }
      const allowedResponse = await send(colleagueClient, method, target)
      expect([401, 403, 404], `${route} as a colleague gave ${allowedResponse.statusCode}`).not.toContain(
        allowedResponse.statusCode,
      )
      expect(allowedResponse.statusCode).toBeLessThan(500)
    })
  }

  it('lists only the caseload’s requests and packages, by page and API', async () => {
    const mine = (
      await (await clientFor(home, 'social_worker')).get('/api/v1/requests?limit=500')
    ).json() as {
      requests: { id: number }[]
    }
    expect(mine.requests.length).toBeGreaterThan(0)
    const colleagues = (await colleagueClient.get('/api/v1/requests?limit=500')).json() as {
      requests: { id: number }[]
    }
    expect(colleagues.requests.map((r) => r.id).sort()).toEqual(mine.requests.map((r) => r.id).sort())
    for (const client of [outsiderClient, lonerClient]) {
      expect((await client.get('/api/v1/requests')).json()).toMatchObject({ requests: [], total: 0 })
      expect((await client.get('/api/v1/packages')).json()).toMatchObject({ packages: [] })
      const page = await client.get('/requests')
      expect(page.statusCode).toBe(200)
      expect(page.body).not.toContain(`/requests/${mine.requests[0]?.id}"`)
    }
    const packages = (await colleagueClient.get('/api/v1/packages')).json() as { packages: unknown[] }
    expect(packages.packages.length).toBeGreaterThan(0)
    // Brokers keep the council-wide view.
    const all = (await (await clientFor(home, 'broker')).get('/api/v1/requests?limit=500')).json() as {
      total: number
    }
    expect(all.total).toBeGreaterThanOrEqual(mine.requests.length)
  })
})

describe('council scope', () => {
  it('never shows another council’s location, to any council role, by page or API', async () => {
    for (const role of STAFF) {
      const client = await clientFor(other, role)
      expect((await client.get(`/locations/${home.providerA.locationId}`)).statusCode).toBe(404)
      expect((await client.get(`/api/v1/locations/${home.providerA.locationId}`)).statusCode).toBe(404)
      expect((await client.get(`/locations/${other.providerA.locationId}`)).statusCode).toBe(200)
    }
  })

  it('lists only the council’s own locations and users', async () => {
    const admin = await clientFor(other, 'council_admin')
    const locations = (await admin.get('/api/v1/locations')).json() as { locations: { councilId: number }[] }
    expect(locations.locations.length).toBe(2)
    expect(locations.locations.every((l) => l.councilId === other.councilId)).toBe(true)
    const users = (await admin.get('/api/v1/users')).json() as { users: { email: string }[] }
    expect(users.users.length).toBe(6)
    expect(users.users.every((u) => u.email.endsWith('@other.test'))).toBe(true)
    const page = await admin.get('/admin/users')
    expect(page.body).toContain('@other.test')
    expect(page.body).not.toContain('@home.test')
  })

  it('keeps each council’s audit log to itself', async () => {
    const admin = await clientFor(other, 'council_admin')
    const page = await admin.get('/admin/audit')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('@other.test')
    expect(page.body).not.toContain('@home.test')
  })

  it('never shows or changes another council’s webhooks, by page or API', async () => {
    const own = await (await clientFor(home, 'council_admin')).send('POST', '/api/v1/webhooks', {})
    expect(own.statusCode).toBe(400)
    const [hook] = await t.database.db
      .insert(webhookEndpoints)
      .values({
        councilId: home.councilId,
        url: 'https://cases.home.example/private',
        secret: 'home-secret-of-at-least-24-chars',
        eventTypes: ['request.cancelled'],
        createdBy: 'test',
      })
      .returning({ id: webhookEndpoints.id })
    const admin = await clientFor(other, 'council_admin')
    const list = (await admin.get('/api/v1/webhooks')).json() as { webhooks: { url: string }[] }
    expect(list.webhooks.map((w) => w.url)).not.toContain('https://cases.home.example/private')
    expect((await admin.get('/admin/webhooks')).body).not.toContain('cases.home.example')
    for (const url of [
      `/api/v1/webhooks/${hook?.id}`,
      `/admin/webhooks/${hook?.id}`,
      `/api/v1/webhooks/${hook?.id}/deliveries`,
    ])
      expect((await admin.get(url)).statusCode, url).toBe(404)
    expect((await admin.send('DELETE', `/api/v1/webhooks/${hook?.id}`, {})).statusCode).toBe(404)
    expect((await admin.post(`/admin/webhooks/${hook?.id}/delete`, {})).statusCode).toBe(404)
    expect(
      (
        await admin.post(`/admin/webhooks/${hook?.id}`, {
          url: 'https://attacker.example/',
          eventTypes: 'request.cancelled',
        })
      ).statusCode,
    ).toBe(404)
    const [still] = await t.database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, hook?.id ?? 0))
    expect(still?.url).toBe('https://cases.home.example/private')
  })

  it('adds users to the admin’s own council whatever the form says', async () => {
    const admin = await clientFor(other, 'council_admin')
    await admin.get('/admin/users/new')
    const response = await admin.post('/admin/users', {
      email: 'new.broker@other.test',
      role: 'broker',
      password: 'a long enough password',
      councilId: String(home.councilId),
    })
    expect(response.statusCode).toBe(303)
    const entries = await t.database.db.select().from(auditLog)
    const created = entries.find(
      (e) => e.action === 'user.created' && e.details?.email === 'new.broker@other.test',
    )
    expect(created?.councilId).toBe(other.councilId)
  })
})

describe('provider scope', () => {
  it('shows a provider user its own locations only', async () => {
    const providerA = await clientFor(home, 'provider_user')
    const list = (await providerA.get('/api/v1/locations')).json() as { locations: { id: number }[] }
    expect(list.locations.map((l) => l.id)).toEqual([home.providerA.locationId])
    const page = await providerA.get('/provider')
    expect(page.body).toContain('HOME A House')
    expect(page.body).not.toContain('HOME B House')
  })

  it('refuses another provider’s location, in the same council or another', async () => {
    const providerA = await clientFor(home, 'provider_user')
    for (const id of [home.providerB.locationId, other.providerA.locationId]) {
      expect((await providerA.get(`/provider/locations/${id}`)).statusCode).toBe(404)
      expect((await providerA.get(`/api/v1/locations/${id}`)).statusCode).toBe(404)
    }
    const providerB = await clientFor(home, 'providerB')
    expect((await providerB.get(`/provider/locations/${home.providerB.locationId}`)).statusCode).toBe(200)
    expect((await providerB.get(`/provider/locations/${home.providerA.locationId}`)).statusCode).toBe(404)
  })
})
