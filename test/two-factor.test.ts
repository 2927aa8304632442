import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueApiToken } from '../src/accounts/api-tokens.ts'
import { codeAt } from '../src/accounts/two-factor/rules.ts'
import {
  auditLog,
  councilTwoFactorSettings,
  twoFactorRecoveryCodes,
  users,
  userTwoFactor,
} from '../src/db/schema.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture

beforeAll(async () => {
  t = await createTestApp({
    CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
    CAREMARKET_TWO_FACTOR_FAILURES_PER_ACCOUNT: '4',
    CAREMARKET_TWO_FACTOR_FAILURES_PER_ADDRESS: '6',
  })
  council = await seedCouncil(t.database, 'TFA', t.config)
})
afterAll(async () => t.close())

/** The key written out on the set-up page, as an authenticator app would take it. */
function secretOn(page: string): string {
  const written = page.match(/id="secret"[^>]*>([^<]+)</)?.[1]
  if (!written) throw new Error('the set-up page shows no key')
  return written.replace(/\s/g, '')
}

function recoveryCodesOn(page: string): string[] {
  return [...page.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1] ?? '')
}

/** A client at a chosen address, for the per-address limits. */
function clientAt(address: string): Client {
  const client = new Client(t.app)
  Object.defineProperty(client, 'remoteAddress', { value: address })
  return client
}

async function passwordStep(client: Client, email: string) {
  await client.get('/sign-in')
  return client.post('/sign-in', { email, password: 'correct horse battery' })
}

async function userId(email: string): Promise<number> {
  const [row] = await t.database.db.select().from(users).where(eq(users.email, email))
  if (!row) throw new Error(`no user ${email}`)
  return row.id
}

/**
 * Sets up an authenticator: from the account page, or at sign-in when the council requires it.
 * Returns the key and the recovery codes.
 */
async function setUpAuthenticator(email: string) {
  const client = new Client(t.app)
  const afterPassword = await passwordStep(client, email)
  const path =
    afterPassword.headers.location === '/' ? '/account/two-factor/set-up' : '/sign-in/two-factor/set-up'
  const page = await client.get(path)
  expect(page.statusCode).toBe(200)
  expect(page.body).toMatch(/<img class="app-qr-code" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/)
  const secret = secretOn(page.body)
  const done = await client.post(path, { code: codeAt(secret, Date.now()) })
  expect(done.statusCode).toBe(200)
  return { secret, recoveryCodes: recoveryCodesOn(done.body), page: done.body }
}

describe('two-factor sign-in chosen by a provider user', () => {
  let secret = ''
  let setUpCode = ''
  let recoveryCodes: string[] = []

  it('is off until set up: the password alone signs in', async () => {
    const response = await passwordStep(new Client(t.app), council.emails.providerA)
    expect(response.headers.location).toBe('/')
  })

  it('is refused with a wrong first code, then turned on and shows ten recovery codes once', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.providerA)
    const page = await client.get('/account/two-factor/set-up')
    const shown = secretOn(page.body)
    // The same key is shown again on reload, so a scan already made still works.
    expect(secretOn((await client.get('/account/two-factor/set-up')).body)).toBe(shown)
    const empty = await client.post('/account/two-factor/set-up', { code: '' })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Enter the 6-digit code from your authenticator app')
    const wrongCode = codeAt(shown, Date.now() + 10 * 60_000)
    const wrong = await client.post('/account/two-factor/set-up', { code: wrongCode })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.body).toContain('govuk-error-summary')
    expect(wrong.body).toContain('The code is not correct')
    setUpCode = codeAt(shown, Date.now())
    const done = await client.post('/account/two-factor/set-up', { code: setUpCode })
    expect(done.statusCode).toBe(200)
    expect(done.body).toContain('Save your recovery codes')
    secret = shown
    recoveryCodes = recoveryCodesOn(done.body)
    expect(recoveryCodes).toHaveLength(10)
    const account = await client.get('/account/two-factor')
    expect(account.body).toMatch(/Status\s*<\/dt>\s*<dd[^>]*>\s*On/)
    expect(account.body).not.toContain(recoveryCodes[0])
    // Set up already: the set-up page goes back to the account page.
    expect((await client.get('/account/two-factor/set-up')).headers.location).toBe('/account/two-factor')
  })

  it('keeps the key encrypted and the recovery codes only as hashes', async () => {
    const id = await userId(council.emails.providerA)
    const [stored] = await t.database.db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, id))
    expect(stored?.secretEncrypted).toMatch(/^v1\./)
    expect(stored?.secretEncrypted).not.toContain(secret)
    const codes = await t.database.db
      .select()
      .from(twoFactorRecoveryCodes)
      .where(eq(twoFactorRecoveryCodes.userId, id))
    expect(codes).toHaveLength(10)
    for (const code of recoveryCodes) expect(codes.some((c) => c.codeHash.includes(code))).toBe(false)
  })

  it('asks for the code after the password, refuses a wrong one and the one just used, and takes a new one', async () => {
    const client = new Client(t.app)
    const afterPassword = await passwordStep(client, council.emails.providerA)
    expect(afterPassword.headers.location).toBe('/sign-in/two-factor')
    expect(afterPassword.cookies.find((c) => c.name === 'caremarket-session')).toBeUndefined()
    // The password alone is no session.
    expect((await client.get('/')).headers.location).toBe('/sign-in?returnTo=%2F')
    const form = await client.get('/sign-in/two-factor')
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('autocomplete="one-time-code"')

    const wrong = await client.post('/sign-in/two-factor', { code: codeAt(secret, Date.now() + 10 * 60_000) })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain('The code is not correct')
    // The code that turned two-factor on was used in this window: sent again, it is refused.
    const replay = await client.post('/sign-in/two-factor', { code: setUpCode })
    expect(replay.statusCode).toBe(401)
    expect(replay.body).toContain('That code has already been used')

    const next = codeAt(secret, Date.now() + 30_000)
    const signedIn = await client.post('/sign-in/two-factor', { code: next })
    expect(signedIn.statusCode).toBe(303)
    expect(signedIn.headers.location).toBe('/')
    expect((await client.get('/')).statusCode).toBe(200)

    // The same code on another sign-in, within its window, is a replay too.
    const other = new Client(t.app)
    await passwordStep(other, council.emails.providerA)
    await other.get('/sign-in/two-factor')
    const again = await other.post('/sign-in/two-factor', { code: next })
    expect(again.statusCode).toBe(401)
    expect(again.body).toContain('That code has already been used')
  })

  it('takes each recovery code once', async () => {
    const first = new Client(t.app)
    await passwordStep(first, council.emails.providerA)
    await first.get('/sign-in/two-factor/recovery')
    const code = recoveryCodes[0] ?? ''
    const signedIn = await first.post('/sign-in/two-factor/recovery', { recoveryCode: code.toUpperCase() })
    expect(signedIn.statusCode).toBe(303)
    expect((await first.get('/')).statusCode).toBe(200)

    const second = new Client(t.app)
    await passwordStep(second, council.emails.providerA)
    await second.get('/sign-in/two-factor/recovery')
    const reused = await second.post('/sign-in/two-factor/recovery', { recoveryCode: code })
    expect(reused.statusCode).toBe(401)
    expect(reused.body).toContain('The recovery code is not correct, or it has already been used')
    const empty = await second.post('/sign-in/two-factor/recovery', { recoveryCode: ' ' })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Enter one of your recovery codes')
    const actions = (await t.database.db.select().from(auditLog)).map((e) => e.action)
    expect(actions).toContain('two_factor.recovery_code_used')
  })

  it('sends anyone without a pending sign-in, or with an altered one, back to sign in', async () => {
    const stranger = new Client(t.app)
    await stranger.get('/sign-in')
    expect((await stranger.get('/sign-in/two-factor')).headers.location).toBe('/sign-in')
    const forged = Buffer.from(
      JSON.stringify({ userId: 1, returnTo: '/', stage: 'verify', expiresAt: Date.now() + 60_000 }),
    ).toString('base64url')
    stranger.cookies += `; caremarket-two-factor=${forged}.not-the-signature`
    expect((await stranger.get('/sign-in/two-factor')).headers.location).toBe('/sign-in')
    const post = await stranger.post('/sign-in/two-factor', { code: '123456' })
    expect(post.headers.location).toBe('/sign-in')
  })

  it('forgets a pending sign-in whose account was disabled meanwhile', async () => {
    const { secret: key } = await setUpAuthenticator(council.emails.providerB)
    const client = new Client(t.app)
    await passwordStep(client, council.emails.providerB)
    const id = await userId(council.emails.providerB)
    await t.database.db.update(users).set({ active: false }).where(eq(users.id, id))
    try {
      await client.get('/sign-in')
      const response = await client.post('/sign-in/two-factor', { code: codeAt(key, Date.now() + 30_000) })
      expect(response.headers.location).toBe('/sign-in')
    } finally {
      await t.database.db.update(users).set({ active: true }).where(eq(users.id, id))
    }
  })
})

describe('two-factor sign-in required by the council', () => {
  it('is required of council staff by default only in production, and the council admin decides', async () => {
    const broker = await t.services.accounts.activeAccounts([await userId(council.emails.broker)])
    const provider = await t.services.accounts.activeAccounts([await userId(council.emails.providerA)])
    const [brokerUser] = broker
    if (!brokerUser || !provider[0]) throw new Error('no users')
    expect(await t.services.twoFactor.stageAfterPassword(brokerUser, true)).toBe('set-up')
    expect(await t.services.twoFactor.stageAfterPassword(brokerUser, false)).toBe('none')

    const broker2 = new Client(t.app)
    await broker2.signIn(council.emails.broker)
    expect((await broker2.get('/admin/two-factor')).statusCode).toBe(403)
    expect((await broker2.post('/admin/two-factor', { required: 'no' })).statusCode).toBe(403)

    const admin = new Client(t.app)
    await admin.signIn(council.emails.council_admin)
    const page = await admin.get('/admin/two-factor')
    expect(page.statusCode).toBe(200)
    const none = await admin.post('/admin/two-factor', {})
    expect(none.statusCode).toBe(400)
    expect(none.body).toContain('Select whether council staff must use two-factor authentication')
    const saidNo = await admin.post('/admin/two-factor', { required: 'no' })
    expect(saidNo.headers.location).toBe('/admin/two-factor?saved=1')
    expect(await t.services.twoFactor.stageAfterPassword(brokerUser, true)).toBe('none')
    await admin.post('/admin/two-factor', { required: 'yes' })
    expect(await t.services.twoFactor.stageAfterPassword(brokerUser, false)).toBe('set-up')
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, 'council.two_factor_requirement_changed'),
          eq(auditLog.councilId, council.councilId),
        ),
      )
    expect(audit.map((e) => e.details?.requiredForCouncilStaff)).toEqual([false, true])
  })

  it('takes someone without an authenticator to set it up after their password, then signs them in', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in?returnTo=%2Frequests')
    const afterPassword = await client.post('/sign-in', {
      email: council.emails.commissioner,
      password: 'correct horse battery',
      returnTo: '/requests',
    })
    expect(afterPassword.headers.location).toBe('/sign-in/two-factor/set-up')
    expect((await client.get('/')).statusCode).toBe(303)
    const page = await client.get('/sign-in/two-factor/set-up')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Your council asks everyone with your role')
    // Not set up yet: there is no code to enter instead.
    expect((await client.get('/sign-in/two-factor')).headers.location).toBe('/sign-in')
    const secret = secretOn(page.body)
    const done = await client.post('/sign-in/two-factor/set-up', { code: codeAt(secret, Date.now()) })
    expect(done.statusCode).toBe(200)
    expect(recoveryCodesOn(done.body)).toHaveLength(10)
    expect(done.body).toContain('href="/requests"')
    expect((await client.get('/')).statusCode).toBe(200)

    // From now on the code is asked for.
    const next = await passwordStep(new Client(t.app), council.emails.commissioner)
    expect(next.headers.location).toBe('/sign-in/two-factor')
  })

  it('does not require it of provider users', async () => {
    const response = await passwordStep(new Client(t.app), council.emails.providerB)
    expect(response.headers.location).toBe('/sign-in/two-factor')
    // providerB chose it above; a provider user who has not is signed straight in.
    const [b] = await t.services.accounts.activeAccounts([await userId(council.emails.providerB)])
    if (!b) throw new Error('no provider user')
    const noChoice = await t.services.twoFactor.stageAfterPassword({ ...b, id: -1 }, true)
    expect(noChoice).toBe('none')
  })
})

describe('two-factor limits', () => {
  it('stop an account after its wrong codes, even with the right code, and from another address', async () => {
    const { secret } = await setUpAuthenticator(council.emails.social_worker)
    const client = clientAt('203.0.113.10')
    await passwordStep(client, council.emails.social_worker)
    await client.get('/sign-in/two-factor')
    for (let i = 0; i < 4; i++) {
      const wrong = await client.post('/sign-in/two-factor', {
        code: '000000' === codeAt(secret, Date.now()) ? '111111' : '000000',
      })
      expect(wrong.statusCode).toBe(401)
    }
    const right = codeAt(secret, Date.now() + 30_000)
    const limited = await client.post('/sign-in/two-factor', { code: right })
    expect(limited.statusCode).toBe(429)
    expect(limited.body).toContain('You have entered too many wrong codes. Wait 15 minutes, then try again')
    const elsewhere = clientAt('203.0.113.11')
    await passwordStep(elsewhere, council.emails.social_worker)
    await elsewhere.get('/sign-in/two-factor')
    expect((await elsewhere.post('/sign-in/two-factor', { code: right })).statusCode).toBe(429)
    // Recovery codes have their own limit, and it too runs out for the account.
    await elsewhere.get('/sign-in/two-factor/recovery')
    for (let i = 0; i < 4; i++)
      expect(
        (await elsewhere.post('/sign-in/two-factor/recovery', { recoveryCode: 'aaaaa-aaaaa' })).statusCode,
      ).toBe(401)
    const recoveryLimited = await elsewhere.post('/sign-in/two-factor/recovery', {
      recoveryCode: 'bbbbb-bbbbb',
    })
    expect(recoveryLimited.statusCode).toBe(429)
  })

  it('stop one address guessing across accounts', async () => {
    const address = '203.0.113.20'
    const { secret: adminSecret } = await setUpAuthenticator(council.emails.council_admin)
    const { secret: brokerSecret } = await setUpAuthenticator(council.emails.broker)
    const first = clientAt(address)
    await passwordStep(first, council.emails.council_admin)
    await first.get('/sign-in/two-factor')
    const wrongFor = (secret: string) => (codeAt(secret, Date.now()) === '000000' ? '111111' : '000000')
    for (let i = 0; i < 4; i++)
      expect((await first.post('/sign-in/two-factor', { code: wrongFor(adminSecret) })).statusCode).toBe(401)
    const second = clientAt(address)
    await passwordStep(second, council.emails.broker)
    await second.get('/sign-in/two-factor')
    for (let i = 0; i < 2; i++)
      expect((await second.post('/sign-in/two-factor', { code: wrongFor(brokerSecret) })).statusCode).toBe(
        401,
      )
    // The address has had six: the broker's right code is refused there, and taken from another address.
    const right = codeAt(brokerSecret, Date.now() + 30_000)
    expect((await second.post('/sign-in/two-factor', { code: right })).statusCode).toBe(429)
    const other = clientAt('203.0.113.21')
    await passwordStep(other, council.emails.broker)
    await other.get('/sign-in/two-factor')
    expect((await other.post('/sign-in/two-factor', { code: right })).statusCode).toBe(303)
  })
})

describe('turning two-factor sign-in off, and an administrator resetting it', () => {
  let other: Fixture
  beforeAll(async () => {
    other = await seedCouncil(t.database, 'TFB', t.config)
  })

  /** Signs in with the password and the authenticator's next code; the client has a session after. */
  async function signInWithCode(email: string, secret: string, at: number) {
    const client = new Client(t.app)
    const afterPassword = await passwordStep(client, email)
    expect(afterPassword.headers.location).toBe('/sign-in/two-factor')
    await client.get('/sign-in/two-factor')
    expect((await client.post('/sign-in/two-factor', { code: codeAt(secret, at) })).statusCode).toBe(303)
    return client
  }

  const wrongFor = (secret: string, at: number) => (codeAt(secret, at) === '000000' ? '111111' : '000000')

  it('lets a person whose council does not require it turn it off, with a current code', async () => {
    const email = other.emails.providerA
    const client = new Client(t.app)
    await client.signIn(email)
    const secret = secretOn((await client.get('/account/two-factor/set-up')).body)
    const setUpAt = Date.now()
    expect(
      (await client.post('/account/two-factor/set-up', { code: codeAt(secret, setUpAt) })).statusCode,
    ).toBe(200)
    const account = await client.get('/account/two-factor')
    expect(account.body).toContain('href="/account/two-factor/turn-off"')
    expect((await client.get('/account/two-factor/turn-off')).statusCode).toBe(200)

    const empty = await client.post('/account/two-factor/turn-off', { code: '' })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('govuk-error-summary')
    expect(empty.body).toContain('Enter the 6-digit code from your authenticator app')
    const wrong = await client.post('/account/two-factor/turn-off', { code: wrongFor(secret, setUpAt) })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain('The code is not correct')
    // The code that turned it on is used: an onlooker who saw it cannot use it again here.
    const replay = await client.post('/account/two-factor/turn-off', { code: codeAt(secret, setUpAt) })
    expect(replay.statusCode).toBe(401)
    expect(replay.body).toContain('That code has already been used')

    const off = await client.post('/account/two-factor/turn-off', { code: codeAt(secret, setUpAt + 30_000) })
    expect(off.statusCode).toBe(303)
    expect(off.headers.location).toBe('/account/two-factor?done=turned-off')
    const page = await client.get(off.headers.location as string)
    expect(page.body).toContain('Two-factor authentication is off')
    expect(page.body).toMatch(/Status\s*<\/dt>\s*<dd[^>]*>\s*Off/)
    const id = await userId(email)
    expect(await t.database.db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, id))).toEqual([])
    expect(
      await t.database.db.select().from(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, id)),
    ).toEqual([])
    expect((await passwordStep(new Client(t.app), email)).headers.location).toBe('/')
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'two_factor.turned_off'), eq(auditLog.entityId, String(id))))
    expect(audit).toHaveLength(1)
    // Off already: the turn-off page goes back to the account page.
    expect((await client.get('/account/two-factor/turn-off')).headers.location).toBe('/account/two-factor')
  })

  it('lets a council admin reset it from the user’s page, ending their sessions; audited', async () => {
    const email = other.emails.social_worker
    const { secret } = await setUpAuthenticator(email)
    const person = await signInWithCode(email, secret, Date.now() + 30_000)
    const admin = new Client(t.app)
    await admin.signIn(other.emails.council_admin)
    const id = await userId(email)
    const page = await admin.get(`/admin/users/${id}`)
    expect(page.body).toMatch(/Two-factor authentication\s*<\/dt>\s*<dd[^>]*>\s*On/)
    expect(page.body).toContain(`action="/admin/users/${id}/two-factor-reset"`)

    const reset = await admin.post(`/admin/users/${id}/two-factor-reset`, {})
    expect(reset.statusCode).toBe(303)
    const after = await admin.get(reset.headers.location as string)
    expect(after.body).toContain('two-factor authentication has been reset and their sessions have ended')
    expect(after.body).toMatch(/Two-factor authentication\s*<\/dt>\s*<dd[^>]*>\s*Off/)
    expect((await person.get('/')).headers.location).toMatch(/^\/sign-in/)
    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'two_factor.reset'), eq(auditLog.entityId, String(id))))
    expect(entry?.actor).toBe(other.emails.council_admin)

    const again = await admin.post(`/admin/users/${id}/two-factor-reset`, {})
    expect(again.statusCode).toBe(409)
    expect(again.body).toContain('has not set up two-factor authentication, so there is nothing to reset')

    // Where it is required, the next sign-in sets up a new authenticator.
    await t.database.db
      .insert(councilTwoFactorSettings)
      .values({ councilId: other.councilId, requiredForCouncilStaff: true })
    const next = await passwordStep(new Client(t.app), email)
    expect(next.headers.location).toBe('/sign-in/two-factor/set-up')
  })

  it('lets a council admin’s tool reset it through the API, and refuses other councils’ users', async () => {
    const email = other.emails.broker
    const { secret } = await setUpAuthenticator(email)
    const person = await signInWithCode(email, secret, Date.now() + 30_000)
    const spec = {
      councilId: other.councilId,
      name: 'identity system',
      role: 'council_admin' as const,
      providerOrganisationId: null,
      createdByUserId: null,
    }
    const { token } = await issueApiToken(t.database.db, spec, { kind: 'system', label: 'test' })
    const id = await userId(email)
    const reset = (userId: number) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/users/${userId}/two-factor/reset`,
        headers: { authorization: `Bearer ${token}` },
      })
    const listed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users?role=broker',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(listed.json().users).toEqual([expect.objectContaining({ email, twoFactorEnabled: true })])
    // Someone part-way through signing in, past the password, is sent back to start again.
    const midway = new Client(t.app)
    expect((await passwordStep(midway, email)).headers.location).toBe('/sign-in/two-factor')
    const done = await reset(id)
    expect(done.statusCode).toBe(200)
    expect((await midway.get('/sign-in/two-factor')).headers.location).toBe('/sign-in')
    expect(done.json().user).toMatchObject({ email, twoFactorEnabled: false })
    expect((await person.get('/')).headers.location).toMatch(/^\/sign-in/)
    const again = await reset(id)
    expect(again.statusCode).toBe(409)
    expect(again.json().error.message).toContain('nothing to reset')
    // A user of another council is no user of this one.
    expect((await reset(await userId(council.emails.broker))).statusCode).toBe(404)
    expect((await reset(0)).statusCode).toBe(400)
  })

  it('does not let someone whose council requires it turn it off', async () => {
    // The council requires it (above): the commissioner sets it up at sign-in.
    const client = new Client(t.app)
    const afterPassword = await passwordStep(client, other.emails.commissioner)
    expect(afterPassword.headers.location).toBe('/sign-in/two-factor/set-up')
    const secret = secretOn((await client.get('/sign-in/two-factor/set-up')).body)
    const setUpAt = Date.now()
    await client.post('/sign-in/two-factor/set-up', { code: codeAt(secret, setUpAt) })
    const account = await client.get('/account/two-factor')
    expect(account.statusCode).toBe(200)
    expect(account.body).not.toContain('/account/two-factor/turn-off')
    expect((await client.get('/account/two-factor/turn-off')).headers.location).toBe('/account/two-factor')
    const refused = await client.post('/account/two-factor/turn-off', {
      code: codeAt(secret, setUpAt + 30_000),
    })
    expect(refused.headers.location).toBe('/account/two-factor')
    const id = await userId(other.emails.commissioner)
    expect(await t.database.db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, id))).toHaveLength(
      1,
    )
  })
})
