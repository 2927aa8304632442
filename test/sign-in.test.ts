import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, createCouncil } from '../src/accounts/service.ts'
import { auditLog, sessions } from '../src/db/schema.ts'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from './helpers.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '5' })
  council = await seedCouncil(t.database, 'SIGN', t.config)
})
afterAll(async () => t.close())

async function auditActions() {
  return (await t.database.db.select().from(auditLog)).map((e) => e.action)
}

describe('sign-in', () => {
  it('shows the sign-in page to anonymous users', async () => {
    const response = await new Client(t.app).get('/sign-in')
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('Sign in to Caremarket')
    expect(response.body).toMatch(/name="_csrf" value="[^"]+"/)
  })

  it('signs in with the right password, sets an HttpOnly SameSite=Lax session cookie and lands on the home page', async () => {
    const client = new Client(t.app)
    const response = await client.signIn(council.emails.broker)
    expect(response.headers.location).toBe('/')
    const cookie = response.cookies.find((c) => c.name === 'caremarket-session')
    expect(cookie?.httpOnly).toBe(true)
    expect(cookie?.sameSite).toBe('Lax')
    const home = await client.get('/')
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain('SIGN Test Council')
    expect(home.body).toContain('Broker')
    expect(await auditActions()).toContain('sign_in.succeeded')
  })

  it('treats the email address case-insensitively', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.commissioner.toUpperCase())
    expect((await client.get('/')).statusCode).toBe(200)
  })

  it('rejects a wrong password with a GOV.UK error summary and audits it', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', {
      email: council.emails.broker,
      password: 'not the password',
    })
    expect(response.statusCode).toBe(401)
    expect(response.body).toContain('govuk-error-summary')
    expect(response.body).toContain('Enter a correct email address and password')
    expect(response.body).toContain(`value="${council.emails.broker}"`)
    expect(response.cookies.find((c) => c.name === 'caremarket-session')).toBeUndefined()
    const failures = (await t.database.db.select().from(auditLog)).filter(
      (e) => e.action === 'sign_in.failed',
    )
    expect(failures.some((e) => e.details?.reason === 'wrong password')).toBe(true)
  })

  it('rejects an unknown user with the same message and audits it without a council', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', { email: 'nobody@nowhere.test', password: PASSWORD })
    expect(response.statusCode).toBe(401)
    expect(response.body).toContain('Enter a correct email address and password')
    const failures = (await t.database.db.select().from(auditLog)).filter(
      (e) => e.details?.reason === 'unknown user',
    )
    expect(failures).toHaveLength(1)
    expect(failures[0]?.councilId).toBeNull()
  })

  it('names each missing field', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', {})
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Enter your email address')
    expect(response.body).toContain('Enter your password')
    expect(response.body).toContain('href="#email"')
  })

  it('returns to the page first asked for, but never to another site', async () => {
    const client = new Client(t.app)
    const redirect = await client.get('/admin/users')
    expect(redirect.statusCode).toBe(303)
    expect(redirect.headers.location).toBe('/sign-in?returnTo=%2Fadmin%2Fusers')
    await client.get(redirect.headers.location as string)
    const response = await client.post('/sign-in', {
      email: council.emails.council_admin,
      password: PASSWORD,
      returnTo: '/admin/users',
    })
    expect(response.headers.location).toBe('/admin/users')
    const evil = new Client(t.app)
    await evil.get('/sign-in')
    const evilResponse = await evil.post('/sign-in', {
      email: council.emails.council_admin,
      password: PASSWORD,
      returnTo: '//evil.example/',
    })
    expect(evilResponse.headers.location).toBe('/')
  })

  it('keeps a return address that browsers would read as another site off the form and the redirect', async () => {
    const client = new Client(t.app)
    const page = await client.get('/sign-in?returnTo=%2F%09%2Fevil.example')
    expect(page.body).toContain('name="returnTo" value="/"')
    for (const returnTo of [
      '/\t/evil.example',
      '/\n/evil.example',
      '/.//evil.example',
      '/%2e%2e//evil.example',
    ]) {
      await client.get('/sign-in')
      const response = await client.post('/sign-in', {
        email: council.emails.council_admin,
        password: PASSWORD,
        returnTo,
      })
      expect(response.headers.location, JSON.stringify(returnTo)).toBe('/')
    }
  })

  it('rotates the session on sign-in', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.broker)
    const first = client.cookies
    await client.signIn(council.emails.broker)
    expect(client.cookies).not.toBe(first)
    const stale = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: first } })
    expect(stale.statusCode).toBe(303)
  })
})

describe('an email address with accounts in several councils', () => {
  const system = { kind: 'system', label: 'test' } as const
  const councilIds: Record<'north' | 'south', number> = { north: 0, south: 0 }
  const userIds: Record<string, number> = {}

  beforeAll(async () => {
    const options = { passwordCostLog2: t.config.passwordCostLog2 }
    for (const [key, code, name] of [
      ['north', 'NORTH', 'North Shire Council'],
      ['south', 'SOUTH', 'South Shire Council'],
    ] as const) {
      const created = await createCouncil(t.database.db, { code, name }, system)
      councilIds[key] = created.id
      const accounts: [string, string][] = [
        ['manager@both.test', PASSWORD],
        ['other@both.test', `${key} password only`],
      ]
      for (const [email, password] of accounts) {
        const role = key === 'north' ? 'broker' : 'commissioner'
        userIds[`${key}:${email}`] = (
          await addUser(t.database.db, created.id, { email, role, password }, system, options)
        ).id
      }
    }
  })

  /** The sign-in entries about one user. */
  async function auditFor(userId: number) {
    return (await t.database.db.select().from(auditLog)).filter(
      (e) => e.action.startsWith('sign_in.') && e.entityType === 'user' && e.entityId === String(userId),
    )
  }

  it('asks which council once the password is right, then signs in to the one chosen', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', {
      email: 'Manager@Both.test',
      password: PASSWORD,
      returnTo: '/admin/settings',
    })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/sign-in/council')
    expect(response.cookies.find((c) => c.name === 'caremarket-session')).toBeUndefined()
    const choice = response.cookies.find((c) => c.name === 'caremarket-council-choice')
    expect(choice?.httpOnly).toBe(true)

    const page = await client.get('/sign-in/council')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Which council do you want to sign in to?')
    expect(page.body).toContain('North Shire Council')
    expect(page.body).toContain('South Shire Council')
    expect(page.body).toContain('Commissioner')
    expect(page.body).toContain('type="radio"')

    const unchosen = await client.post('/sign-in/council', {})
    expect(unchosen.statusCode).toBe(400)
    expect(unchosen.body).toContain('govuk-error-summary')
    expect(unchosen.body).toContain('href="#account"')
    expect(unchosen.body).toContain('Select the council you want to sign in to')

    const chosen = await client.post('/sign-in/council', {
      account: String(userIds['south:manager@both.test']),
    })
    expect(chosen.statusCode).toBe(303)
    expect(chosen.headers.location).toBe('/admin/settings')
    const me = (await client.get('/api/v1/me')).json() as { council: { code: string }; role: string }
    expect(me.council.code).toBe('SOUTH')
    expect(me.role).toBe('commissioner')
    expect((await auditFor(userIds['south:manager@both.test'] as number)).map((e) => e.action)).toContain(
      'sign_in.succeeded',
    )
    expect(await auditFor(userIds['north:manager@both.test'] as number)).toEqual([])
    // The choice is used up.
    expect((await client.get('/sign-in/council')).headers.location).toBe('/sign-in')
  })

  it('offers only the accounts the choice was made for, and only with an untouched choice cookie', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    await client.post('/sign-in', { email: 'manager@both.test', password: PASSWORD })
    await client.get('/sign-in/council')
    const stranger = await client.post('/sign-in/council', {
      account: String(userIds['north:other@both.test']),
    })
    expect(stranger.statusCode).toBe(400)
    expect(stranger.body).toContain('Select the council you want to sign in to')

    const forged = Buffer.from(
      JSON.stringify({
        userIds: [userIds['north:other@both.test']],
        returnTo: '/',
        expiresAt: Date.now() + 60_000,
      }),
    ).toString('base64url')
    const signature = client.cookies.match(/caremarket-council-choice=[^.;]+\.([^;]+)/)?.[1]
    const tampered = client.cookies.replace(
      /caremarket-council-choice=[^;]+/,
      `caremarket-council-choice=${forged}.${signature}`,
    )
    for (const cookie of [tampered, client.cookies.replace(/caremarket-council-choice=[^;]+/, '')]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/sign-in/council',
        remoteAddress: client.remoteAddress,
        headers: { cookie },
      })
      expect(response.statusCode).toBe(303)
      expect(response.headers.location).toBe('/sign-in')
    }
  })

  it('signs straight in to the one council the password opens, and tells no other council', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', {
      email: 'other@both.test',
      password: 'north password only',
    })
    expect(response.headers.location).toBe('/')
    expect(((await client.get('/api/v1/me')).json() as { council: { code: string } }).council.code).toBe(
      'NORTH',
    )
    expect(await auditFor(userIds['south:other@both.test'] as number)).toEqual([])
  })

  it('refuses a wrong password with the usual message and audits the failure in each council', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', { email: 'other@both.test', password: 'neither password' })
    expect(response.statusCode).toBe(401)
    expect(response.body).toContain('Enter a correct email address and password')
    for (const key of ['north', 'south'] as const) {
      const failures = (await auditFor(userIds[`${key}:other@both.test`] as number)).filter(
        (e) => e.action === 'sign_in.failed',
      )
      expect(failures).toHaveLength(1)
      expect(failures[0]?.councilId).toBe(councilIds[key])
    }
  })
})

describe('session expiry', () => {
  it('ends a session left idle longer than the idle limit', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.broker)
    expect((await client.get('/')).statusCode).toBe(200)
    await t.database.db
      .update(sessions)
      .set({ lastSeenAt: new Date(Date.now() - (t.config.sessionIdleMinutes + 1) * 60_000) })
    const response = await client.get('/')
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toContain('/sign-in')
  })

  it('ends a session older than the absolute limit however busy it is', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.broker)
    await t.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) })
    expect((await client.get('/')).statusCode).toBe(303)
  })
})

describe('sign-out', () => {
  it('ends the session so the old cookie no longer works', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.social_worker)
    const sessionCookie = client.cookies
    await client.get('/')
    const response = await client.post('/sign-out', {})
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/sign-in?signedOut=1')
    const replay = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: sessionCookie } })
    expect(replay.statusCode).toBe(303)
    expect(replay.headers.location).toContain('/sign-in')
    expect(await auditActions()).toContain('sign_out')
  })
})

describe('CSRF protection', () => {
  it('refuses a sign-in without a token', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post(
      '/sign-in',
      { email: council.emails.broker, password: PASSWORD },
      { csrf: false },
    )
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('Your form has expired')
  })

  it('refuses a forged token', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    client.csrfToken = 'forged-token'
    const response = await client.post('/sign-in', { email: council.emails.broker, password: PASSWORD })
    expect(response.statusCode).toBe(403)
  })

  it('refuses a token without its cookie secret (a cross-site post)', async () => {
    const victim = new Client(t.app)
    await victim.signIn(council.emails.council_admin)
    const page = await victim.get('/admin/users/new')
    expect(page.statusCode).toBe(200)
    const sessionOnly = victim.cookies
      .split('; ')
      .filter((c) => c.startsWith('caremarket-session='))
      .join('; ')
    const response = await t.app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: { cookie: sessionOnly, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: victim.csrfToken,
        email: 'x@y.test',
        role: 'broker',
        password: 'long enough password',
      }).toString(),
    })
    expect(response.statusCode).toBe(403)
  })

  it('refuses sign-out without a token', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.broker)
    const response = await client.post('/sign-out', {}, { csrf: false })
    expect(response.statusCode).toBe(403)
    expect((await client.get('/')).statusCode).toBe(200)
  })
})

describe('bad input', () => {
  it('answers an oversized form with 413 and a clear page, not a 500', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', { email: 'a'.repeat(200_000), password: 'x' })
    expect(response.statusCode).toBe(413)
    expect(response.body).toContain('too large')
  })

  it('answers malformed JSON to the API with a JSON error', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.council_admin)
    const response = await t.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: client.cookies, 'content-type': 'application/json', 'csrf-token': client.csrfToken },
      payload: '{not json',
    })
    expect(response.statusCode).toBe(400)
  })

  it('shows a GOV.UK 404 page without a stack trace', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/no/such/page',
      headers: { accept: 'text/html' },
    })
    expect(response.statusCode).toBe(404)
    expect(response.body).toContain('Page not found')
    expect(response.body).toContain('govuk-template')
    expect(response.body).not.toMatch(/at .*\.ts:\d+/)
  })

  it('answers a bad location ID with a clear 400', async () => {
    const client = new Client(t.app)
    await client.signIn(council.emails.broker)
    const response = await client.get('/locations/abc')
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Location ID must be a positive whole number')
  })
})

describe('rate limiting', () => {
  it('stops repeated sign-in attempts from one address with 429', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/sign-in',
        remoteAddress: '203.0.113.9',
        headers: { cookie: client.cookies, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          _csrf: client.csrfToken,
          email: council.emails.broker,
          password: 'wrong password',
        }).toString(),
      })
      statuses.push(response.statusCode)
      if (response.statusCode === 429) expect(response.body).toContain('Too many attempts')
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5)).toEqual([429, 429, 429])
  })
})

describe('health', () => {
  it('reports the database status as JSON', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'ok',
      database: { status: 'ok', engine: t.database.engine },
    })
  })
})
