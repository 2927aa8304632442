import { and, eq } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog, councilSsoSettings, userSsoIdentities, users } from '../src/db/schema.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'
import { startIdentityProvider, type TestIdentityProvider } from './support/oidc-provider.ts'

const BASE_URL = 'http://caremarket.test'
const FLOW_COOKIE = 'caremarket-single-sign-on'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let idp: TestIdentityProvider

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000', CAREMARKET_BASE_URL: BASE_URL })
  council = await seedCouncil(t.database, 'SSO', t.config)
  idp = await startIdentityProvider([`${BASE_URL}/sign-in/sso/SSO/callback`])
  idp.accounts.set('broker-subject', { email: council.emails.broker, email_verified: true })
  idp.accounts.set('unverified-subject', { email: council.emails.commissioner, email_verified: false })
  idp.accounts.set('outsider-subject', { email: 'someone@elsewhere.test', email_verified: true })
  idp.accounts.set('new-subject', { email: 'new.starter@sso.test', email_verified: true })
  idp.accounts.set('social-worker-subject', { email: council.emails.social_worker, email_verified: true })
  idp.accounts.set('provider-subject', { email: council.emails.providerA, email_verified: true })
  idp.accounts.set('second-broker-subject', { email: council.emails.broker, email_verified: true })
})
afterAll(async () => {
  await idp?.close()
  await t?.close()
})

function settings(overrides: Record<string, string> = {}) {
  return {
    enabled: 'yes',
    providerName: 'SSO Staff Account',
    issuerUrl: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    allowedDomains: 'sso.test',
    justInTimeRole: 'none',
    ...overrides,
  }
}

async function adminClient(): Promise<Client> {
  const admin = new Client(t.app)
  await admin.signIn(council.emails.council_admin)
  await admin.get('/admin/single-sign-on')
  return admin
}

/** The browser's whole trip: Caremarket, the identity provider's pages, and back to Caremarket's callback. */
async function signInThroughProvider(client: Client, subject: string): Promise<LightMyRequestResponse> {
  await client.get('/sign-in')
  const start = await client.get('/sign-in/sso/SSO')
  expect(start.statusCode).toBe(303)
  const callback = await idp.signIn(String(start.headers.location), subject)
  expect(callback.origin).toBe(BASE_URL)
  return client.get(callback.pathname + callback.search)
}

function refusal(response: LightMyRequestResponse): string {
  return response.body.match(/<p class="govuk-body" id="refusal">([^<]+)<\/p>/)?.[1] ?? ''
}

async function signedIn(client: Client): Promise<boolean> {
  return (await client.get('/')).statusCode === 200
}

describe('single sign-on settings', () => {
  it('are refused with a message for each field that is wrong, and only council admins reach them', async () => {
    const broker = new Client(t.app)
    await broker.signIn(council.emails.broker)
    expect((await broker.get('/admin/single-sign-on')).statusCode).toBe(403)

    const admin = await adminClient()
    const page = await admin.get('/admin/single-sign-on')
    expect(page.body).toContain(`${BASE_URL}/sign-in/sso/SSO/callback`)
    const empty = await admin.post('/admin/single-sign-on', {})
    expect(empty.statusCode).toBe(400)
    for (const message of [
      'Select whether single sign-on is on',
      'Enter the name people know your identity provider by',
      'Enter the issuer URL',
      'Enter the client ID',
      'Enter the client secret',
      'Enter at least one email domain, like norfolk.gov.uk',
      'Select whether Caremarket makes accounts on first sign-in',
    ])
      expect(empty.body).toContain(message)
    const bad = await admin.post(
      '/admin/single-sign-on',
      settings({
        issuerUrl: 'ftp://idp.example',
        allowedDomains: 'sso.test bad_domain',
        justInTimeRole: 'provider_user',
      }),
    )
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Enter the issuer URL as an https address')
    expect(bad.body).toContain('bad_domain is not a domain')
    expect(bad.body).toContain('Select the role new accounts are given')
    // Nothing was saved, so the sign-in page offers nothing.
    expect((await new Client(t.app).get('/sign-in')).body).not.toContain('Sign in with SSO Staff Account')
  })

  it('are saved with the secret encrypted, and the sign-in page offers the provider', async () => {
    const admin = await adminClient()
    const saved = await admin.post('/admin/single-sign-on', settings())
    expect(saved.headers.location).toBe('/admin/single-sign-on?saved=1')
    const [row] = await t.database.db
      .select()
      .from(councilSsoSettings)
      .where(eq(councilSsoSettings.councilId, council.councilId))
    expect(row?.clientSecretEncrypted).toMatch(/^v1\./)
    expect(row?.clientSecretEncrypted).not.toContain(idp.clientSecret)
    const page = await admin.get('/admin/single-sign-on')
    expect(page.body).not.toContain(idp.clientSecret)
    // Saving again without a secret keeps the one saved.
    await admin.post('/admin/single-sign-on', settings({ clientSecret: '' }))
    const signIn = await new Client(t.app).get('/sign-in')
    expect(signIn.body).toContain('Sign in with SSO Staff Account')
    expect(signIn.body).toContain('href="/sign-in/sso/SSO"')
  })
})

describe('signing in through the council’s identity provider', () => {
  it('signs in a known person by their verified email, remembers the provider’s subject, and asks no second factor', async () => {
    // Even where the council requires two-factor sign-in: the identity provider's own checks stand in.
    const admin = await adminClient()
    await admin.get('/admin/two-factor')
    await admin.post('/admin/two-factor', { required: 'yes' })

    const client = new Client(t.app)
    const response = await signInThroughProvider(client, 'broker-subject')
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/')
    expect(await signedIn(client)).toBe(true)
    expect((await client.get('/api/v1/me')).json()).toMatchObject({
      email: council.emails.broker,
      role: 'broker',
    })
    const [brokerRow] = await t.database.db.select().from(users).where(eq(users.email, council.emails.broker))
    const links = await t.database.db
      .select()
      .from(userSsoIdentities)
      .where(eq(userSsoIdentities.userId, brokerRow?.id ?? 0))
    expect(links).toEqual([expect.objectContaining({ issuer: idp.issuer, subject: 'broker-subject' })])
    const succeeded = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'sign_in.succeeded'), eq(auditLog.entityId, String(brokerRow?.id))))
    expect(succeeded.some((e) => e.details?.method === 'single sign-on')).toBe(true)
    await admin.post('/admin/two-factor', { required: 'no' })
  })

  it('finds the same person by the subject after their email address changes', async () => {
    idp.accounts.set('broker-subject', { email: 'broker.renamed@sso.test', email_verified: true })
    try {
      const client = new Client(t.app)
      expect((await signInThroughProvider(client, 'broker-subject')).statusCode).toBe(303)
      expect((await client.get('/api/v1/me')).json()).toMatchObject({ email: council.emails.broker })
    } finally {
      idp.accounts.set('broker-subject', { email: council.emails.broker, email_verified: true })
    }
  })

  it('keeps to the return path the person was going to', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const start = await client.get('/sign-in/sso/SSO?returnTo=%2Frequests')
    const callback = await idp.signIn(String(start.headers.location), 'broker-subject')
    const back = await client.get(callback.pathname + callback.search)
    expect(back.headers.location).toBe('/requests')
  })

  it('refuses an email address the provider has not verified', async () => {
    const client = new Client(t.app)
    const response = await signInThroughProvider(client, 'unverified-subject')
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('You could not sign in with SSO Staff Account')
    expect(refusal(response)).toContain('says your email address has not been verified')
    expect(await signedIn(client)).toBe(false)
  })

  it('refuses an email address outside the council’s domains', async () => {
    const client = new Client(t.app)
    const response = await signInThroughProvider(client, 'outsider-subject')
    expect(response.statusCode).toBe(403)
    expect(refusal(response)).toContain(
      'Email addresses ending @elsewhere.test cannot sign in to SSO Test Council with SSO Staff Account',
    )
    expect(await signedIn(client)).toBe(false)
  })

  it('refuses a disabled account', async () => {
    await t.database.db
      .update(users)
      .set({ active: false })
      .where(eq(users.email, council.emails.social_worker))
    try {
      const client = new Client(t.app)
      const response = await signInThroughProvider(client, 'social-worker-subject')
      expect(response.statusCode).toBe(403)
      expect(refusal(response)).toContain('Your Caremarket account at SSO Test Council has been disabled')
      expect(await signedIn(client)).toBe(false)
    } finally {
      await t.database.db
        .update(users)
        .set({ active: true })
        .where(eq(users.email, council.emails.social_worker))
    }
  })

  it('refuses a provider user: they sign in with their password', async () => {
    const client = new Client(t.app)
    const response = await signInThroughProvider(client, 'provider-subject')
    expect(response.statusCode).toBe(403)
    expect(refusal(response)).toContain('Provider users sign in with their email address and password')
  })

  it('refuses someone with no account while the council makes none, and makes one with its chosen role when it does', async () => {
    const client = new Client(t.app)
    const refused = await signInThroughProvider(client, 'new-subject')
    expect(refused.statusCode).toBe(403)
    expect(refusal(refused)).toContain(
      'There is no Caremarket account for new.starter@sso.test at SSO Test Council. Ask your council’s Caremarket administrator to add you.',
    )
    expect(await t.database.db.select().from(users).where(eq(users.email, 'new.starter@sso.test'))).toEqual(
      [],
    )

    const admin = await adminClient()
    await admin.post('/admin/single-sign-on', settings({ clientSecret: '', justInTimeRole: 'social_worker' }))
    const made = await signInThroughProvider(client, 'new-subject')
    expect(made.statusCode).toBe(303)
    expect((await client.get('/api/v1/me')).json()).toMatchObject({
      email: 'new.starter@sso.test',
      role: 'social_worker',
    })
    await admin.post('/admin/single-sign-on', settings({ clientSecret: '', justInTimeRole: 'none' }))
  })

  it('refuses a callback whose state does not match the one it sent', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const start = await client.get('/sign-in/sso/SSO')
    const callback = await idp.signIn(String(start.headers.location), 'broker-subject')
    callback.searchParams.set('state', 'a-state-caremarket-never-sent')
    const response = await client.get(callback.pathname + callback.search)
    expect(response.statusCode).toBe(400)
    expect(refusal(response)).toContain('Signing in with SSO Staff Account could not be completed')
    expect(await signedIn(client)).toBe(false)
  })

  it('refuses a code redeemed without the PKCE verifier it was issued for', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const start = await client.get('/sign-in/sso/SSO')
    const callback = await idp.signIn(String(start.headers.location), 'broker-subject')
    // The flow cookie, validly signed, with state and nonce kept but another verifier.
    const raw = decodeURIComponent(client.cookies.match(new RegExp(`${FLOW_COOKIE}=([^;]+)`))?.[1] ?? '')
    const unsigned = t.app.unsignCookie(raw)
    expect(unsigned.valid).toBe(true)
    const flow = JSON.parse(Buffer.from(unsigned.value ?? '', 'base64url').toString('utf8'))
    flow.codeVerifier = 'another-verifier-of-the-required-length-0123456789abcdef'
    const forged = t.app.signCookie(Buffer.from(JSON.stringify(flow)).toString('base64url'))
    client.cookies = client.cookies.replace(
      /caremarket-single-sign-on=[^;]+/,
      `${FLOW_COOKIE}=${encodeURIComponent(forged)}`,
    )
    const response = await client.get(callback.pathname + callback.search)
    expect(response.statusCode).toBe(400)
    expect(refusal(response)).toContain('could not be completed')
    expect(await signedIn(client)).toBe(false)
  })

  it('refuses a callback in a browser that did not start the sign-in', async () => {
    const starter = new Client(t.app)
    await starter.get('/sign-in')
    const start = await starter.get('/sign-in/sso/SSO')
    const callback = await idp.signIn(String(start.headers.location), 'broker-subject')
    const other = new Client(t.app)
    const response = await other.get(callback.pathname + callback.search)
    expect(response.statusCode).toBe(400)
    expect(refusal(response)).toContain('could not be completed')
  })

  it('says so when the provider did not sign the person in', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    await client.get('/sign-in/sso/SSO')
    const response = await client.get('/sign-in/sso/SSO/callback?error=access_denied&state=x')
    expect(response.statusCode).toBe(401)
    expect(refusal(response)).toBe(
      'SSO Staff Account did not sign you in. Try again, or ask your IT service desk.',
    )
  })

  it('refuses another of the provider’s accounts with the email of someone already linked', async () => {
    const client = new Client(t.app)
    const response = await signInThroughProvider(client, 'second-broker-subject')
    expect(response.statusCode).toBe(403)
    expect(refusal(response)).toContain(
      'Your Caremarket account is linked to a different SSO Staff Account account',
    )
    expect(await signedIn(client)).toBe(false)
  })

  it('says so when the provider cannot be reached', async () => {
    const gone = await startIdentityProvider([`${BASE_URL}/sign-in/sso/SSO/callback`])
    await gone.close()
    const admin = await adminClient()
    await admin.post('/admin/single-sign-on', settings({ issuerUrl: gone.issuer }))
    try {
      const client = new Client(t.app)
      await client.get('/sign-in')
      const response = await client.get('/sign-in/sso/SSO')
      expect(response.statusCode).toBe(502)
      expect(refusal(response)).toBe(
        'Caremarket could not reach SSO Staff Account. Try again in a few minutes, or sign in with your email address and password.',
      )
    } finally {
      await admin.post('/admin/single-sign-on', settings())
    }
  })

  it('answers 404 for a council without single sign-on', async () => {
    const response = await new Client(t.app).get('/sign-in/sso/NOPE')
    expect(response.statusCode).toBe(404)
  })
})
