import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser as addUserToCouncil } from '../src/accounts/service.ts'
import { auditLog } from '../src/db/schema.ts'
import { ConflictError } from '../src/errors.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'
import { emailedLink } from './support/emailed-links.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let admin: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  council = await seedCouncil(t.database, 'USERS', t.config)
  admin = new Client(t.app)
  await admin.signIn(council.emails.council_admin)
})
afterAll(async () => t.close())

async function addUser(form: Record<string, string>) {
  await admin.get('/admin/users/new')
  return admin.post('/admin/users', form)
}

/** Follows an emailed link and sets the password with it. */
async function setPassword(path: string, password: string) {
  const person = new Client(t.app)
  expect((await person.get(path)).statusCode).toBe(200)
  const token = new URLSearchParams(path.split('?')[1]).get('token') as string
  return person.post('/set-password', { token, password, confirmPassword: password })
}

describe('adding users in the web UI', () => {
  it('invites a broker by email, with no password typed by the admin; they set their own and sign in', async () => {
    const form = await admin.get('/admin/users/new')
    expect(form.body).not.toContain('name="password"')
    const response = await addUser({ email: 'Sam.Broker@Users.test', role: 'broker' })
    expect(response.statusCode).toBe(303)
    const list = await admin.get(response.headers.location as string)
    expect(list.body).toContain('sam.broker@users.test has been sent an invitation to set their password.')
    expect(list.body).toContain('Invited')

    // Until they set a password, no password opens the account.
    const early = new Client(t.app)
    await early.get('/sign-in')
    expect((await early.post('/sign-in', { email: 'sam.broker@users.test', password: '' })).statusCode).toBe(
      400,
    )

    const link = await emailedLink(t.database.db, 'sam.broker@users.test', 'account_invitation')
    const set = await setPassword(link, 'a good long password')
    expect(set.statusCode).toBe(303)
    expect(set.headers.location).toBe('/sign-in?notice=password-set')
    const sam = new Client(t.app)
    await sam.signIn('sam.broker@users.test', 'a good long password')
    expect((await sam.get('/')).body).toContain('Broker')
    const entry = (await t.database.db.select().from(auditLog)).find(
      (e) => e.action === 'user.created' && e.details?.email === 'sam.broker@users.test',
    )
    expect(entry?.actor).toBe(council.emails.council_admin)
  })

  it('adds a provider user to the organisation named by its CQC provider ID', async () => {
    const response = await addUser({
      email: 'manager@care-b.test',
      role: 'provider_user',
      cqcProviderId: council.providerB.cqcProviderId,
    })
    expect(response.statusCode).toBe(303)
    await setPassword(
      await emailedLink(t.database.db, 'manager@care-b.test', 'account_invitation'),
      'a good long password',
    )
    const manager = new Client(t.app)
    await manager.signIn('manager@care-b.test', 'a good long password')
    const page = await manager.get('/provider')
    expect(page.body).toContain('USERS B House')
    expect(page.body).not.toContain('USERS A House')
  })

  it('explains each problem with the form in an error summary and keeps what was typed', async () => {
    const response = await addUser({ email: 'not-an-email', role: '' })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('govuk-error-summary')
    expect(response.body).toContain('Enter an email address in the correct format')
    expect(response.body).toContain('Choose a role')
    expect(response.body).toContain('value="not-an-email"')
  })

  it('requires a known CQC provider ID for a provider user', async () => {
    const missing = await addUser({ email: 'p1@x.test', role: 'provider_user' })
    expect(missing.statusCode).toBe(400)
    expect(missing.body).toContain('Enter the CQC provider ID or council organisation ID for a provider user')
    const unknown = await addUser({ email: 'p2@x.test', role: 'provider_user', cqcProviderId: '1-000' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.body).toContain(
      'No provider with the CQC provider ID or council organisation ID 1-000 in this council',
    )
  })

  it('refuses a second account with the same email address', async () => {
    const response = await addUser({ email: council.emails.broker, role: 'broker' })
    expect(response.statusCode).toBe(409)
    expect(response.body).toContain(
      `A user with the email address ${council.emails.broker} already exists in this council`,
    )
  })

  // Only a server has a second connection to hold the other add's row with, uncommitted.
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'refuses with a 409 an add that races another of the same email address',
    async () => {
      // A connection of the service's own pool, apart from the one the add will use.
      const pool = (t.database.db as unknown as { $client: pg.Pool }).$client
      const server = await pool.connect()
      try {
        await server.query('begin')
        await server.query(
          `insert into users (council_id, email, role, password_hash) values ($1, 'race@users.test', 'broker', 'x')`,
          [council.councilId],
        )
        // Its outcome is taken at once: the add may fail as the commit's answer arrives, before
        // anything below awaits it, and a rejection nobody holds yet fails the run.
        const racing = addUserToCouncil(
          t.database.db,
          council.councilId,
          { email: 'race@users.test', role: 'broker', password: 'a good long password' },
          { kind: 'system', label: 'test' },
          { passwordCostLog2: t.config.passwordCostLog2 },
        ).then(
          () => null,
          (error: unknown) => error,
        )
        // The add has read that no such user exists, and waits on the uncommitted row.
        await new Promise((resolve) => setTimeout(resolve, 500))
        await server.query('commit')
        expect(await racing).toBeInstanceOf(ConflictError)
      } finally {
        server.release()
      }
    },
  )

  it('adds a user whose email address another council uses, without revealing that council’s user', async () => {
    const elsewhere = await seedCouncil(t.database, 'ELSEWHERE', t.config)
    const response = await addUser({ email: elsewhere.emails.commissioner, role: 'broker' })
    expect(response.statusCode).toBe(303)
    const list = await admin.get('/api/v1/users')
    const emails = (list.json() as { users: { email: string }[] }).users.map((u) => u.email)
    expect(emails).toContain(elsewhere.emails.commissioner)
    expect(emails.filter((e) => e.endsWith('@elsewhere.test'))).toEqual([elsewhere.emails.commissioner])
  })
})
