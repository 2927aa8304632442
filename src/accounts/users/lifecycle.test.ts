import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from '../../../test/helpers.ts'
import type { Actor } from '../../audit/service.ts'
import { auditLog, sessions, users } from '../../db/schema.ts'
import { ConflictError } from '../../errors.ts'
import { issueApiToken } from '../api-tokens.ts'
import { addUser, verifySignIn } from '../service.ts'
import { addTeamMember, createTeam } from '../teams.ts'
import { LAST_ADMIN } from './rules.ts'
import { changeUserRole, disableUser, listCouncilUsers } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let admin: Client
const system: Actor = { kind: 'system', label: 'test' }

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'LIFE', t.config)
  other = await seedCouncil(t.database, 'LIFX', t.config)
  admin = new Client(t.app)
  await admin.signIn(home.emails.council_admin)
})
afterAll(async () => t.close())

let made = 0
/** A user of the home council who has set a password, so they can sign in. */
async function newUser(
  role: 'broker' | 'council_admin' | 'commissioner' = 'broker',
  councilId = home.councilId,
) {
  const email = `person-${++made}@life.test`
  const { id } = await addUser(t.database.db, councilId, { email, role, password: PASSWORD }, system, {
    passwordCostLog2: t.config.passwordCostLog2,
  })
  return { id, email }
}

async function signedIn(email: string) {
  const client = new Client(t.app)
  await client.signIn(email)
  return client
}

async function userPage(id: number) {
  return admin.get(`/admin/users/${id}`)
}

async function auditOf(userId: number) {
  return (await t.database.db.select().from(auditLog)).filter(
    (e) => e.entityType === 'user' && e.entityId === String(userId),
  )
}

describe('disabling and enabling a user', () => {
  it('ends their sessions and revokes their API tokens at once, then lets them back in when enabled', async () => {
    const person = await newUser('council_admin')
    const client = await signedIn(person.email)
    await client.get('/admin/api-tokens')
    const created = await client.post('/admin/api-tokens', { name: 'Their system', role: 'broker' })
    const token = created.body.match(/value="(cm_[^"]+)"/)?.[1] as string
    const bearer = { authorization: `Bearer ${token}` }
    // The token is resolved once, so this process keeps it: disabling must make it forget.
    expect((await client.get('/api/v1/me', bearer)).statusCode).toBe(200)
    expect((await client.get('/api/v1/me', bearer)).statusCode).toBe(200)

    await userPage(person.id)
    const disabled = await admin.post(`/admin/users/${person.id}/disable`, {})
    expect(disabled.statusCode).toBe(303)
    const page = await admin.get(disabled.headers.location as string)
    expect(page.body).toContain(
      'has been disabled. Their sessions have ended and their API tokens have been revoked.',
    )
    expect(page.body).toContain('Disabled')

    expect((await client.get('/api/v1/me', bearer)).statusCode).toBe(401)
    expect((await client.get('/')).headers.location).toMatch(/^\/sign-in/)
    const again = new Client(t.app)
    await again.get('/sign-in')
    expect((await again.post('/sign-in', { email: person.email, password: PASSWORD })).statusCode).toBe(401)
    expect((await auditOf(person.id)).map((e) => e.action)).toContain('user.disabled')

    await userPage(person.id)
    expect((await admin.post(`/admin/users/${person.id}/enable`, {})).statusCode).toBe(303)
    await signedIn(person.email)
    // Tokens stay revoked: enabling gives back sign-in, not the systems' access.
    expect((await client.get('/api/v1/me', bearer)).statusCode).toBe(401)
    expect((await auditOf(person.id)).map((e) => e.action)).toContain('user.enabled')
  })

  it('refuses to disable a user twice or enable one who is not disabled, and says why', async () => {
    const person = await newUser()
    await userPage(person.id)
    const enable = await admin.post(`/admin/users/${person.id}/enable`, {})
    expect(enable.statusCode).toBe(409)
    expect(enable.body).toContain('govuk-error-summary')
    expect(enable.body).toContain(`${person.email} is not disabled`)
    await admin.post(`/admin/users/${person.id}/disable`, {})
    await userPage(person.id)
    const twice = await admin.post(`/admin/users/${person.id}/disable`, {})
    expect(twice.statusCode).toBe(409)
    expect(twice.body).toContain(`${person.email} is already disabled`)
  })

  it('through the API: disable, enable, and a 404 for another council’s user', async () => {
    const person = await newUser()
    const theirs = await newUser('broker', other.councilId)
    const disabled = await admin.send('POST', `/api/v1/users/${person.id}/disable`, {})
    expect(disabled.statusCode).toBe(200)
    expect(disabled.json()).toMatchObject({ user: { id: person.id, status: 'disabled' } })
    const enabled = await admin.send('POST', `/api/v1/users/${person.id}/enable`, {})
    expect(enabled.json()).toMatchObject({ user: { status: 'active' } })
    const elsewhere = await admin.send('POST', `/api/v1/users/${theirs.id}/disable`, {})
    expect(elsewhere.statusCode).toBe(404)
    expect(elsewhere.json()).toMatchObject({ error: { message: `No user ${theirs.id} in this council` } })
  })
})

describe('the last active council administrator', () => {
  it('cannot be disabled, removed or demoted, with a message saying what to do instead', async () => {
    const council = await seedCouncil(t.database, 'LONE', t.config)
    const [lone] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, council.emails.council_admin))
    const loneAdmin = new Client(t.app)
    await loneAdmin.signIn(council.emails.council_admin)
    const id = lone?.id as number
    await loneAdmin.get(`/admin/users/${id}`)
    const disable = await loneAdmin.post(`/admin/users/${id}/disable`, {})
    expect(disable.statusCode).toBe(409)
    expect(disable.body).toContain(LAST_ADMIN.disable)
    const demote = await loneAdmin.post(`/admin/users/${id}/role`, { role: 'broker' })
    expect(demote.statusCode).toBe(409)
    expect(demote.body).toContain(LAST_ADMIN.demote)
    const remove = await loneAdmin.post(`/admin/users/${id}/remove`, { confirm: 'yes' })
    expect(remove.statusCode).toBe(409)
    expect(remove.body).toContain(LAST_ADMIN.remove)
    const api = await loneAdmin.send('PATCH', `/api/v1/users/${id}`, { role: 'broker' })
    expect(api.statusCode).toBe(409)
    expect((await loneAdmin.send('DELETE', `/api/v1/users/${id}`, {})).statusCode).toBe(409)
    // Once there is another, the first may step down.
    const second = await addUser(
      t.database.db,
      council.councilId,
      { email: 'second-admin@lone.test', role: 'council_admin', password: PASSWORD },
      system,
      { passwordCostLog2: t.config.passwordCostLog2 },
    )
    expect(second.id).toBeGreaterThan(0)
    await loneAdmin.get(`/admin/users/${id}`)
    expect((await loneAdmin.post(`/admin/users/${id}/role`, { role: 'broker' })).statusCode).toBe(303)
  })

  it('is kept when two administrators demote each other at the same moment', async () => {
    const council = await seedCouncil(t.database, 'PAIR', t.config)
    const [first] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, council.emails.council_admin))
    const second = await addUser(
      t.database.db,
      council.councilId,
      { email: 'other-admin@pair.test', role: 'council_admin', password: PASSWORD },
      system,
      { passwordCostLog2: t.config.passwordCostLog2 },
    )
    const outcomes = await Promise.allSettled([
      changeUserRole(t.database.db, council.councilId, second.id, { role: 'broker' }, system),
      changeUserRole(t.database.db, council.councilId, first?.id as number, { role: 'broker' }, system),
    ])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
    expect(refused.reason).toBeInstanceOf(ConflictError)
    const admins = await listCouncilUsers(t.database.db, council.councilId, {
      role: 'council_admin',
      status: 'active',
    })
    expect(admins).toHaveLength(1)
  })

  it('does not count an invited administrator who has no password yet', async () => {
    const council = await seedCouncil(t.database, 'INVT', t.config)
    await addUser(
      t.database.db,
      council.councilId,
      { email: 'invited-admin@invt.test', role: 'council_admin' },
      system,
      {
        linkBase: 'http://localhost:3000',
      },
    )
    const [only] = await t.database.db
      .select()
      .from(users)
      .where(eq(users.email, council.emails.council_admin))
    await expect(disableUser(t.database.db, council.councilId, only?.id as number, system)).rejects.toThrow(
      LAST_ADMIN.disable,
    )
  })
})

describe('changing role and email address', () => {
  it('a new role ends the user’s sessions, so the next starts with the new role; audited with both roles', async () => {
    const person = await newUser()
    const client = await signedIn(person.email)
    await userPage(person.id)
    const changed = await admin.post(`/admin/users/${person.id}/role`, { role: 'commissioner' })
    expect(changed.statusCode).toBe(303)
    expect((await admin.get(changed.headers.location as string)).body).toContain('is now a commissioner.')
    expect((await client.get('/')).headers.location).toMatch(/^\/sign-in/)
    const again = await signedIn(person.email)
    expect((await again.get('/api/v1/me')).json()).toMatchObject({ role: 'commissioner' })
    const entry = (await auditOf(person.id)).find((e) => e.action === 'user.role_changed')
    expect(entry?.details).toMatchObject({ from: 'broker', to: 'commissioner' })
  })

  it('refuses a role that is not a council role, and any change to a provider user’s role', async () => {
    const person = await newUser()
    await userPage(person.id)
    const bad = await admin.post(`/admin/users/${person.id}/role`, { role: 'wizard' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Choose a council role')
    const [provider] = await t.database.db.select().from(users).where(eq(users.email, home.emails.providerA))
    const api = await admin.send('PATCH', `/api/v1/users/${provider?.id}`, { role: 'broker' })
    expect(api.statusCode).toBe(400)
    expect(api.json()).toMatchObject({
      error: { errors: [{ message: expect.stringContaining('cannot be changed') }] },
    })
  })

  it('changes the address a user signs in with, and refuses one another user has', async () => {
    const person = await newUser()
    const response = await admin.send('PATCH', `/api/v1/users/${person.id}`, {
      email: 'New.Address@Life.test',
    })
    expect(response.json()).toMatchObject({ user: { email: 'new.address@life.test' } })
    await signedIn('new.address@life.test')
    await userPage(person.id)
    const taken = await admin.post(`/admin/users/${person.id}/email`, { email: home.emails.broker })
    expect(taken.statusCode).toBe(409)
    expect(taken.body).toContain(
      `A user with the email address ${home.emails.broker} already exists in this council`,
    )
    const malformed = await admin.post(`/admin/users/${person.id}/email`, { email: 'nope' })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.body).toContain('Enter an email address in the correct format')
  })
})

describe('removing a user', () => {
  it('keeps their name in the audit log, stops their sign-in, and leaves them out of every list', async () => {
    const person = await newUser()
    const client = await signedIn(person.email)
    await userPage(person.id)
    const unconfirmed = await admin.post(`/admin/users/${person.id}/remove`, {})
    expect(unconfirmed.statusCode).toBe(400)
    expect(unconfirmed.body).toContain('Confirm that you want to remove this user')
    const removed = await admin.post(`/admin/users/${person.id}/remove`, { confirm: 'yes' })
    expect(removed.statusCode).toBe(303)
    expect(removed.headers.location).toMatch(/^\/admin\/users\?done=/)
    expect((await client.get('/')).headers.location).toMatch(/^\/sign-in/)
    expect(await verifySignIn(t.database.db, person.email, PASSWORD, { ip: 'test' })).toEqual([])
    const list = (await admin.get('/api/v1/users')).json() as { users: { email: string }[] }
    expect(list.users.map((u) => u.email)).not.toContain(person.email)
    expect((await admin.get('/admin/users')).body).not.toContain(person.email)
    expect((await admin.get(`/admin/users/${person.id}`)).statusCode).toBe(404)
    const entry = (await auditOf(person.id)).find((e) => e.action === 'user.removed')
    expect(entry?.details).toMatchObject({ email: person.email })
    const [row] = await t.database.db.select().from(users).where(eq(users.id, person.id))
    expect(row?.email).toBe(person.email)
    expect(row?.removedAt).not.toBeNull()
    // The address may be given to a new account.
    expect(
      (await admin.send('POST', '/api/v1/users', { email: person.email, role: 'broker' })).statusCode,
    ).toBe(201)
    expect(await t.database.db.select().from(sessions).where(eq(sessions.userId, person.id))).toEqual([])
  })
})

describe('the user list', () => {
  it('filters by role, status and last sign-in, on the page and through the API', async () => {
    const council = await seedCouncil(t.database, 'FILT', t.config)
    const filterAdmin = new Client(t.app)
    await filterAdmin.signIn(council.emails.council_admin)
    await addUser(t.database.db, council.councilId, { email: 'invitee@filt.test', role: 'broker' }, system, {
      linkBase: 'http://localhost:3000',
    })
    const [old] = await t.database.db.select().from(users).where(eq(users.email, council.emails.commissioner))
    await t.database.db
      .update(users)
      .set({ lastSignInAt: new Date(Date.now() - 100 * 86_400_000) })
      .where(eq(users.id, old?.id as number))
    const emails = async (query: string) =>
      ((await filterAdmin.get(`/api/v1/users${query}`)).json() as { users: { email: string }[] }).users.map(
        (u) => u.email,
      )
    expect(await emails('?role=broker')).toEqual(['broker@filt.test', 'invitee@filt.test'])
    expect(await emails('?status=invited')).toEqual(['invitee@filt.test'])
    expect(await emails('?signedInWithinDays=30')).toEqual([council.emails.council_admin])
    expect(await emails('?notSignedInForDays=90&role=commissioner')).toEqual([council.emails.commissioner])
    const bad = await filterAdmin.get('/api/v1/users?status=asleep')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({
      error: { errors: [{ field: 'status', message: expect.stringContaining('Status must be one of') }] },
    })

    const page = await filterAdmin.get('/admin/users?status=invited')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('1 user matches')
    expect(page.body).toContain('invitee@filt.test')
    expect(page.body).not.toContain('broker@filt.test')
    const badPage = await filterAdmin.get('/admin/users?role=wizard')
    expect(badPage.statusCode).toBe(400)
    expect(badPage.body).toContain('Role must be one of')
  })
})

describe('adding users from a CSV file', () => {
  async function upload(client: Client, csv: string) {
    await client.get('/admin/users/import')
    const boundary = '----caremarket-test'
    const payload = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="_csrf"',
      '',
      client.csrfToken,
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="users.csv"',
      'Content-Type: text/csv',
      '',
      csv,
      `--${boundary}--`,
      '',
    ].join('\r\n')
    return t.app.inject({
      method: 'POST',
      url: '/admin/users/import',
      payload,
      remoteAddress: client.remoteAddress,
      headers: { cookie: client.cookies, 'content-type': `multipart/form-data; boundary=${boundary}` },
    })
  }

  it('adds none when any row is wrong, listing each rejected row by line and reason', async () => {
    const csv = [
      'email,role,cqc_provider_id',
      'good.one@life.test,broker,',
      'not-an-email,broker,',
      `${home.emails.broker},broker,`,
      'good.one@life.test,commissioner,',
      'provider@life.test,provider_user,1-NOPE',
    ].join('\n')
    const response = await upload(admin, csv)
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('4 rows were rejected, so no users were added')
    // A table of the rejected rows: each line, and what is wrong with it.
    const rows = [
      ...response.body.matchAll(
        /<tr class="govuk-table__row">\s*<td[^>]*>\s*(\d+)\s*<\/td>\s*<td[^>]*>\s*([^<]+?)\s*<\/td>/g,
      ),
    ].map((m) => [m[1], m[2]])
    expect(rows).toEqual([
      ['3', 'Enter an email address in the correct format, like name@example.org'],
      ['4', `A user with the email address ${home.emails.broker} already exists in this council`],
      ['5', 'good.one@life.test is also on line 2'],
      ['6', 'No provider with the CQC provider ID or council organisation ID 1-NOPE in this council'],
    ])
    const list = (await admin.get('/api/v1/users')).json() as { users: { email: string }[] }
    expect(list.users.map((u) => u.email)).not.toContain('good.one@life.test')
  })

  it('adds every user of a good file, each invited by email', async () => {
    const csv = `email,role,cqc_provider_id\nbulk.one@life.test,broker,\nbulk.two@life.test,provider_user,${home.providerA.cqcProviderId}\n`
    const response = await upload(admin, csv)
    expect(response.statusCode).toBe(303)
    expect((await admin.get(response.headers.location as string)).body).toContain(
      '2 users were added and sent invitations.',
    )
    const list = (await admin.get('/api/v1/users?status=invited')).json() as { users: { email: string }[] }
    expect(list.users.map((u) => u.email)).toEqual(
      expect.arrayContaining(['bulk.one@life.test', 'bulk.two@life.test']),
    )
  })

  it('says what the first line must be when the columns are wrong', async () => {
    const response = await upload(admin, 'name,job\nSam,broker\n')
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('The first line must name the columns email,role')
  })
})

describe('adding users from a CSV file through the API', () => {
  let token = ''
  beforeAll(async () => {
    const spec = {
      councilId: home.councilId,
      name: 'HR system',
      role: 'council_admin' as const,
      providerOrganisationId: null,
      createdByUserId: null,
    }
    token = (await issueApiToken(t.database.db, spec, system)).token
  })

  const send = (payload: string | Buffer, contentType: string, bearer = token) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/users/imports',
      payload,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType },
    })

  it('takes the file as a text/csv body: all rows or none, with each rejected row’s line and reason', async () => {
    const bad = await send(
      'email,role\napi.one@life.test,broker\napi.two@life.test,wizard\napi.one@life.test,broker\n',
      'text/csv',
    )
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({
      error: {
        status: 400,
        message: '2 rows were rejected, so no users were added',
        errors: [
          { field: 'line-3', message: expect.stringMatching(/^Line 3: .*Choose a role/) },
          { field: 'line-4', message: 'Line 4: api.one@life.test is also on line 2' },
        ],
      },
    })
    const before = (await admin.get('/api/v1/users')).json() as { users: { email: string }[] }
    expect(before.users.map((u) => u.email)).not.toContain('api.one@life.test')

    const good = await send(
      'email,role\napi.one@life.test,broker\napi.two@life.test,commissioner\n',
      'text/csv; charset=utf-8',
    )
    expect(good.statusCode).toBe(201)
    expect(good.json()).toEqual({
      added: [
        { id: expect.any(Number), email: 'api.one@life.test', role: 'broker' },
        { id: expect.any(Number), email: 'api.two@life.test', role: 'commissioner' },
      ],
    })
    const entries = await t.database.db.select().from(auditLog)
    const imported = entries.find(
      (e) => e.action === 'users.imported' && (e.details?.emails as string[])?.includes('api.one@life.test'),
    )
    expect(imported).toMatchObject({ actor: expect.stringContaining('HR system'), details: { count: 2 } })
    expect(
      entries.filter((e) => e.action === 'user.created' && String(e.details?.email).startsWith('api.')),
    ).toHaveLength(2)
  })

  it('takes column titles as people type them, with a BOM, and reports lines as the file numbers them', async () => {
    const response = await send(
      '\uFEFFE-mail,ROLE ,CQC Provider ID\r\n\r\n"api.four@life.test",broker,\r\nnot-an-email,broker,\r\n',
      'text/csv',
    )
    expect(response.statusCode).toBe(400)
    expect(response.json().error.errors).toEqual([
      expect.objectContaining({ field: 'line-4', message: expect.stringMatching(/^Line 4: /) }),
    ])
  })

  it('takes the file as the field file of multipart/form-data', async () => {
    const boundary = '----caremarket-api'
    const payload = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="users.csv"',
      'Content-Type: text/csv',
      '',
      'email,role\napi.three@life.test,broker',
      `--${boundary}--`,
      '',
    ].join('\r\n')
    const response = await send(payload, `multipart/form-data; boundary=${boundary}`)
    expect(response.statusCode).toBe(201)
    expect(response.json()).toMatchObject({ added: [{ email: 'api.three@life.test', role: 'broker' }] })
  })

  it('refuses no file, a file that is no table of users, one too large, another content type and other roles', async () => {
    const empty = await send('', 'text/csv')
    expect(empty.statusCode).toBe(400)
    expect(empty.json().error.errors[0].message).toContain('Send a CSV file of users')
    const columns = await send('name,job\nSam,broker\n', 'text/csv')
    expect(columns.statusCode).toBe(400)
    expect(columns.json().error.errors[0].message).toContain('The first line must name the columns')
    const binary = await send(Buffer.from([0x65, 0x00, 0x0a]), 'text/csv')
    expect(binary.statusCode).toBe(400)
    const large = await send(`email,role\n${'x'.repeat(300 * 1024)}\n`, 'text/csv')
    expect(large.statusCode).toBe(413)
    const xml = await send('<users/>', 'application/xml')
    expect(xml.statusCode).toBe(415)
    const brokerToken = (
      await issueApiToken(
        t.database.db,
        {
          councilId: home.councilId,
          name: 'case system',
          role: 'broker',
          providerOrganisationId: null,
          createdByUserId: null,
        },
        system,
      )
    ).token
    expect((await send('email,role\nx@life.test,broker\n', 'text/csv', brokerToken)).statusCode).toBe(403)
  })
})

describe('a council admin’s own page', () => {
  it('says that changes to it sign them out, as it does on no one else’s page', async () => {
    const [me] = await t.database.db.select().from(users).where(eq(users.email, home.emails.council_admin))
    expect((await userPage(me?.id ?? 0)).body).toContain('This is your own account')
    const someone = await newUser()
    expect((await userPage(someone.id)).body).not.toContain('This is your own account')
  })
})

describe('the user list by team', () => {
  it('lists only the members of the team asked for, on the page and through the API, and refuses a team that is no number', async () => {
    const inTeam = await newUser()
    const outside = await newUser()
    const team = await createTeam(t.database.db, home.councilId, { name: 'Hospital discharge team' }, system)
    await addTeamMember(t.database.db, home.councilId, team.id, { email: inTeam.email }, system)

    const members = await listCouncilUsers(t.database.db, home.councilId, { teamId: team.id })
    expect(members.map((u) => u.email)).toEqual([inTeam.email])

    const page = await admin.get(`/admin/users?teamId=${team.id}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(inTeam.email)
    expect(page.body).not.toContain(outside.email)
    expect(page.body).toContain('Hospital discharge team')
    // Each member's page names their teams, linked to the team.
    expect((await userPage(inTeam.id)).body).toContain(
      `<a class="govuk-link" href="/admin/teams/${team.id}">Hospital discharge team</a>`,
    )
    expect((await userPage(outside.id)).body).toMatch(/Teams\s*<\/dt>\s*<dd[^>]*>\s*None/)

    const api = await admin.get(`/api/v1/users?teamId=${team.id}`)
    expect(api.statusCode).toBe(200)
    expect(JSON.parse(api.body).users.map((u: { email: string }) => u.email)).toEqual([inTeam.email])

    const bad = await admin.get('/api/v1/users?teamId=north')
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Team must be the number of one of the council’s teams')
  })
})
