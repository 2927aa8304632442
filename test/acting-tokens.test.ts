// API tokens that act for people: a person's own token, and a case-management system's token
// acting on behalf of a named member of staff. Each walks a request from creation to cancellation
// through the API as the social worker, and each refusal says why.
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { announceAccessChange } from '../src/accounts/access-changes.ts'
import { issueApiToken } from '../src/accounts/api-tokens.ts'
import { addUser } from '../src/accounts/service.ts'
import { addTeamMember, createTeam } from '../src/accounts/teams.ts'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { apiTokens, auditLog, users } from '../src/db/schema.ts'
import { londonDate } from '../src/shared/dates.ts'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from './helpers.ts'
import { careHomeRequest } from './support/request-users.ts'

const system = { kind: 'system', label: 'test' } as const

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let teamId: number

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'ACT', t.config)
  other = await seedCouncil(t.database, 'ACTOTHER', t.config)
  teamId = (await createTeam(t.database.db, home.councilId, { name: 'Hospital discharge team' }, system)).id
  await addTeamMember(t.database.db, home.councilId, teamId, { email: home.emails.social_worker }, system)
})
afterAll(async () => t.close())

function call(
  method: 'GET' | 'POST',
  url: string,
  token: string,
  options: { body?: unknown; onBehalfOf?: string } = {},
) {
  return t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.onBehalfOf ? { 'x-on-behalf-of': options.onBehalfOf } : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  })
}

function token(spec: {
  councilId?: number
  userEmail?: string
  role?: 'broker' | 'social_worker'
  mayActOnBehalf?: boolean
  name?: string
}) {
  return issueApiToken(
    t.database.db,
    {
      councilId: spec.councilId ?? home.councilId,
      name: spec.name ?? 'Case system',
      userEmail: spec.userEmail ?? null,
      role: spec.userEmail ? null : (spec.role ?? 'broker'),
      providerOrganisationId: null,
      mayActOnBehalf: spec.mayActOnBehalf ?? false,
      createdByUserId: null,
    },
    system,
  )
}

const request = () => careHomeRequest({ startDate: addCalendarDays(londonDate(new Date()), 14) })

/** Creates, submits and cancels a request through the API, as whoever the headers make the caller. */
async function walk(secret: string, onBehalfOf?: string) {
  const created = await call('POST', '/api/v1/requests', secret, { body: request(), onBehalfOf })
  expect(created.statusCode, created.body).toBe(201)
  const id = (created.json() as { request: { id: number; teamId: number | null } }).request.id
  expect(created.json().request.teamId).toBe(teamId)
  const submitted = await call('POST', `/api/v1/requests/${id}/submit`, secret, { body: {}, onBehalfOf })
  expect(submitted.statusCode, submitted.body).toBe(200)
  const cancelled = await call('POST', `/api/v1/requests/${id}/cancel`, secret, {
    body: { reason: 'The person chose to stay at home' },
    onBehalfOf,
  })
  expect(cancelled.statusCode, cancelled.body).toBe(200)
  expect(cancelled.json().request.status).toBe('cancelled')
  return id
}

async function auditOf(requestId: number) {
  return t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityType, 'sourcing_request'), eq(auditLog.entityId, String(requestId))))
    .orderBy(auditLog.id)
}

describe('a token that acts as a person', () => {
  it('has the person’s role and teams, and walks a request from creation to cancellation as them', async () => {
    const { token: secret } = await token({ userEmail: home.emails.social_worker, name: 'My case notes' })
    const me = (await call('GET', '/api/v1/me', secret)).json()
    expect(me).toMatchObject({
      email: home.emails.social_worker,
      role: 'social_worker',
      teamIds: [teamId],
      via: 'api-token:My case notes',
    })
    const id = await walk(secret)
    const entries = await auditOf(id)
    expect(entries.map((e) => e.action)).toEqual([
      'sourcing_request.created',
      'sourcing_request.submitted',
      'sourcing_request.cancelled',
    ])
    for (const entry of entries) {
      expect(entry.actor).toBe(home.emails.social_worker)
      expect(entry.via).toBe('api-token:My case notes')
      expect(entry.actorUserId).toBe(me.id)
    }
  })

  it('stops working when the person is disabled, even once resolved and kept in memory', async () => {
    const email = 'leaving@act.test'
    await addUser(
      t.database.db,
      home.councilId,
      { email, role: 'social_worker', password: PASSWORD },
      system,
      { passwordCostLog2: t.config.passwordCostLog2 },
    )
    const { token: secret } = await token({ userEmail: email })
    expect((await call('GET', '/api/v1/me', secret)).statusCode).toBe(200)
    // As disabling an account does: the change and its announcement in one transaction.
    await t.database.db.transaction(async (tx) => {
      const [user] = await tx.update(users).set({ active: false }).where(eq(users.email, email)).returning()
      await announceAccessChange(tx, { userId: user?.id as number })
    })
    const refused = await call('GET', '/api/v1/me', secret)
    expect(refused.statusCode).toBe(401)
    expect(refused.json().error.message).toContain('not valid')
  })

  it('is refused once expired', async () => {
    const { id, token: secret } = await token({ userEmail: home.emails.broker })
    await t.database.db
      .update(apiTokens)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(apiTokens.id, id))
    expect((await call('GET', '/api/v1/me', secret)).statusCode).toBe(401)
  })

  it('is made only for an active person of the token’s own council', async () => {
    await expect(token({ userEmail: other.emails.social_worker })).rejects.toThrow(
      /No active user with the email address/,
    )
  })

  it('cannot name someone else in X-On-Behalf-Of', async () => {
    const { token: secret } = await token({ userEmail: home.emails.broker })
    const refused = await call('GET', '/api/v1/me', secret, { onBehalfOf: home.emails.social_worker })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.message).toContain('acts as its own person')
  })
})

describe('a case-management system’s token acting on behalf of a person', () => {
  it('walks a request as the social worker, and the audit log records both the system and the person', async () => {
    const { token: secret } = await token({ role: 'broker', mayActOnBehalf: true, name: 'Mosaic' })
    const me = (await call('GET', '/api/v1/me', secret, { onBehalfOf: home.emails.social_worker })).json()
    expect(me).toMatchObject({ email: home.emails.social_worker, role: 'social_worker', teamIds: [teamId] })
    expect(me.via).toContain('api-token:Mosaic')
    const id = await walk(secret, home.emails.social_worker.toUpperCase())
    for (const entry of await auditOf(id)) {
      expect(entry.actor).toBe(home.emails.social_worker)
      expect(entry.via).toContain('api-token:Mosaic')
    }
  })

  it('without the header acts as the system itself, with its own role', async () => {
    const { token: secret } = await token({ role: 'broker', mayActOnBehalf: true })
    expect((await call('GET', '/api/v1/me', secret)).json()).toMatchObject({
      id: 0,
      role: 'broker',
      via: null,
    })
  })

  it('is refused, and the attempt audited, without the permission', async () => {
    const { id, token: secret } = await token({ role: 'broker', name: 'Plain system' })
    const refused = await call('POST', '/api/v1/requests', secret, {
      body: request(),
      onBehalfOf: home.emails.social_worker,
    })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.message).toContain('not allowed to act on behalf of people')
    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'api_token.on_behalf_refused'), eq(auditLog.entityId, String(id))))
    expect(entry?.details).toMatchObject({ onBehalfOf: home.emails.social_worker, reason: 'not permitted' })
  })

  it('is refused for another council’s person, a provider user and an unknown address alike', async () => {
    const { token: secret } = await token({ role: 'broker', mayActOnBehalf: true })
    for (const email of [other.emails.social_worker, home.emails.providerA, 'nobody@act.test']) {
      const refused = await call('GET', '/api/v1/me', secret, { onBehalfOf: email })
      expect(refused.statusCode, email).toBe(403)
      expect(refused.json().error.message).toBe(
        'X-On-Behalf-Of must name an active member of staff of the token’s council',
      )
    }
  })

  it('acts with the person’s scope: another team’s request answers 404', async () => {
    const { token: secret } = await token({ role: 'broker', mayActOnBehalf: true })
    const brokerMade = await call('POST', '/api/v1/requests', home.councilApiToken, { body: request() })
    expect(brokerMade.statusCode).toBe(201)
    const id = brokerMade.json().request.id as number
    const asWorker = await call('GET', `/api/v1/requests/${id}`, secret, {
      onBehalfOf: home.emails.social_worker,
    })
    expect(asWorker.statusCode).toBe(404)
    expect((await call('GET', `/api/v1/requests/${id}`, secret)).statusCode).toBe(200)
  })
})

describe('a social worker in several teams', () => {
  it('chooses the request’s team, and only among their own', async () => {
    const north = await createTeam(t.database.db, home.councilId, { name: 'North locality' }, system)
    const elsewhere = await createTeam(t.database.db, home.councilId, { name: 'South locality' }, system)
    const email = 'two-teams@act.test'
    await addUser(
      t.database.db,
      home.councilId,
      { email, role: 'social_worker', password: PASSWORD },
      system,
      { passwordCostLog2: t.config.passwordCostLog2 },
    )
    for (const id of [teamId, north.id])
      await addTeamMember(t.database.db, home.councilId, id, { email }, system)
    const { token: secret } = await token({ userEmail: email })
    const unchosen = await call('POST', '/api/v1/requests', secret, { body: request() })
    expect(unchosen.statusCode).toBe(400)
    expect(unchosen.json().error.errors).toContainEqual({
      field: 'teamId',
      message: 'Choose which of your teams this request is for',
    })
    const notMine = await call('POST', '/api/v1/requests', secret, {
      body: { ...request(), teamId: elsewhere.id },
    })
    expect(notMine.statusCode).toBe(400)
    expect(notMine.json().error.errors).toContainEqual({
      field: 'teamId',
      message: 'Choose one of your own teams',
    })
    const chosen = await call('POST', '/api/v1/requests', secret, {
      body: { ...request(), teamId: north.id },
    })
    expect(chosen.statusCode, chosen.body).toBe(201)
    expect(chosen.json().request.teamId).toBe(north.id)
    // The home social worker, in the other team only, does not see it.
    const { token: homeWorker } = await token({ userEmail: home.emails.social_worker })
    expect((await call('GET', `/api/v1/requests/${chosen.json().request.id}`, homeWorker)).statusCode).toBe(
      404,
    )
  })

  it('chooses on the first question page, which asks only when there is a choice', async () => {
    const client = new Client(t.app)
    await client.signIn('two-teams@act.test')
    const page = await client.get('/requests/new/person')
    expect(page.body).toContain('Which of your teams is this request for?')
    const single = new Client(t.app)
    await single.signIn(home.emails.social_worker)
    expect((await single.get('/requests/new/person')).body).not.toContain('Which of your teams')
  })
})

describe('rotation', () => {
  it('gives a new secret through the API and keeps the old one for the grace period only', async () => {
    const { token: old } = await token({ role: 'broker' })
    const rotated = await call('POST', '/api/v1/api-token/rotate', old, { body: { graceHours: 1 } })
    expect(rotated.statusCode, rotated.body).toBe(201)
    const fresh = rotated.json().token as string
    expect(fresh).not.toBe(old)
    expect((await call('GET', '/api/v1/me', fresh)).statusCode).toBe(200)
    expect((await call('GET', '/api/v1/me', old)).statusCode).toBe(200)
    // Rotating again with no grace ends the secret it replaces at once, and the first is long gone.
    const again = await call('POST', '/api/v1/api-token/rotate', fresh, { body: { graceHours: 0 } })
    expect(again.statusCode).toBe(201)
    expect((await call('GET', '/api/v1/me', fresh)).statusCode).toBe(401)
    expect((await call('GET', '/api/v1/me', old)).statusCode).toBe(401)
    expect((await call('GET', '/api/v1/me', again.json().token)).statusCode).toBe(200)
  })

  it('refuses a grace period beyond thirty days', async () => {
    const { token: secret } = await token({ role: 'broker' })
    const refused = await call('POST', '/api/v1/api-token/rotate', secret, { body: { graceHours: 721 } })
    expect(refused.statusCode).toBe(400)
  })

  it('is offered on the council admin’s token page, and shows the new secret once', async () => {
    const admin = new Client(t.app)
    await admin.signIn(home.emails.council_admin)
    await admin.get('/admin/api-tokens')
    const made = await admin.post('/admin/api-tokens', {
      name: 'Worker token',
      actsAs: 'person',
      userEmail: home.emails.social_worker,
    })
    expect(made.statusCode).toBe(201)
    const list = await admin.get('/admin/api-tokens')
    const id = list.body.match(
      /<td class="govuk-table__cell">Worker token<\/td>[\s\S]*?api-tokens\/(\d+)\/rotate/,
    )?.[1]
    expect(list.body).toContain(home.emails.social_worker)
    const rotated = await admin.post(`/admin/api-tokens/${id}/rotate`, {})
    expect(rotated.statusCode).toBe(201)
    expect(rotated.body).toContain('Token rotated')
    const secret = rotated.body.match(/value="(cm_[^"]+)"/)?.[1] as string
    expect((await call('GET', '/api/v1/me', secret)).json()).toMatchObject({
      email: home.emails.social_worker,
    })
    const both = await admin.post('/admin/api-tokens', {
      name: 'Confused',
      actsAs: 'person',
      userEmail: other.emails.social_worker,
    })
    expect(both.statusCode).toBe(400)
    expect(both.body).toContain('No active user with the email address')
  })
})
