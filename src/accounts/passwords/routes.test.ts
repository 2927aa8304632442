import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from '../../../test/helpers.ts'
import { emailedLink, emailsTo } from '../../../test/support/emailed-links.ts'
import { auditLog, councilTwoFactorSettings, passwordLinks, sessions, users } from '../../db/schema.ts'
import { hashToken } from '../service.ts'
import { RESET_LINKS_PER_ACCOUNT_PER_HOUR, TOO_COMMON } from './rules.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp({
    CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
    CAREMARKET_BASE_URL: 'https://caremarket.council.example',
  })
  home = await seedCouncil(t.database, 'PWD', t.config)
})
afterAll(async () => t.close())

async function forgotten(client: Client, email: string) {
  await client.get('/forgotten-password')
  return client.post('/forgotten-password', { email })
}

function tokenOf(path: string): string {
  return new URLSearchParams(path.split('?')[1]).get('token') as string
}

async function setWith(client: Client, token: string, password: string, confirmPassword = password) {
  await client.get('/sign-in')
  return client.post('/set-password', { token, password, confirmPassword })
}

describe('forgotten password', () => {
  it('the sign-in page offers it', async () => {
    const page = await new Client(t.app).get('/sign-in')
    expect(page.body).toContain('href="/forgotten-password"')
    expect(page.body).toContain('Forgotten your password?')
  })

  it('answers the same whether or not the address has an account, and emails a link only when it has', async () => {
    const known = await forgotten(new Client(t.app), home.emails.commissioner)
    const unknown = await forgotten(new Client(t.app), 'nobody@pwd.test')
    expect(known.statusCode).toBe(200)
    expect(unknown.statusCode).toBe(200)
    const strip = (body: string, email: string) =>
      body.replaceAll(email, 'EMAIL').replace(/(value|nonce)="[^"]+"/g, '')
    expect(strip(unknown.body, 'nobody@pwd.test')).toBe(strip(known.body, home.emails.commissioner))
    expect(await emailsTo(t.database.db, home.emails.commissioner, 'password_reset')).toBe(1)
    expect(await emailsTo(t.database.db, 'nobody@pwd.test', 'password_reset')).toBe(0)
    // The link points at the configured address, never at a Host header a client chose.
    const link = await emailedLink(t.database.db, home.emails.commissioner)
    expect(link).toMatch(/^\/set-password\?token=[A-Za-z0-9_-]{43}$/)
    const [stored] = await t.database.db
      .select()
      .from(passwordLinks)
      .where(eq(passwordLinks.tokenHash, hashToken(tokenOf(link))))
    expect(stored?.purpose).toBe('reset')
    expect((stored?.expiresAt.getTime() ?? 0) - (stored?.createdAt.getTime() ?? 0)).toBe(3_600_000)
  })

  it('asks for an address in the right form', async () => {
    const empty = await forgotten(new Client(t.app), '')
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Enter your email address')
    const malformed = await forgotten(new Client(t.app), 'not an address')
    expect(malformed.statusCode).toBe(400)
    expect(malformed.body).toContain('Enter an email address in the correct format')
  })

  it('sets a new password once: the link then fails, the old password fails, the other sessions end', async () => {
    const elsewhere = new Client(t.app)
    await elsewhere.signIn(home.emails.broker)
    await forgotten(new Client(t.app), home.emails.broker)
    const link = await emailedLink(t.database.db, home.emails.broker)
    const person = new Client(t.app)
    const form = await person.get(link)
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('Choose a new password')

    const set = await setWith(person, tokenOf(link), 'purple elephant umbrella')
    expect(set.statusCode).toBe(303)
    expect(set.headers.location).toBe('/sign-in?notice=password-set')
    expect((await elsewhere.get('/')).headers.location).toMatch(/^\/sign-in/)

    const reused = await setWith(new Client(t.app), tokenOf(link), 'another long password')
    expect(reused.statusCode).toBe(400)
    expect(reused.body).toContain('This link has expired or has already been used')
    expect((await new Client(t.app).get(link)).statusCode).toBe(400)

    const old = new Client(t.app)
    await old.get('/sign-in')
    expect((await old.post('/sign-in', { email: home.emails.broker, password: PASSWORD })).statusCode).toBe(
      401,
    )
    await new Client(t.app).signIn(home.emails.broker, 'purple elephant umbrella')
  })

  it('refuses an expired link and a forged one', async () => {
    await forgotten(new Client(t.app), home.emails.social_worker)
    const link = await emailedLink(t.database.db, home.emails.social_worker)
    await t.database.db
      .update(passwordLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passwordLinks.tokenHash, hashToken(tokenOf(link))))
    const expired = await new Client(t.app).get(link)
    expect(expired.statusCode).toBe(400)
    expect(expired.body).toContain('This link has expired or has already been used')
    expect(expired.body).toContain('href="/forgotten-password"')
    expect((await setWith(new Client(t.app), tokenOf(link), 'a long enough password')).statusCode).toBe(400)

    const forged = await new Client(t.app).get('/set-password?token=made-up-token')
    expect(forged.statusCode).toBe(400)
    expect((await new Client(t.app).get('/set-password')).statusCode).toBe(400)
    expect((await setWith(new Client(t.app), 'made-up-token', 'a long enough password')).statusCode).toBe(400)
  })

  it('a newer link makes the earlier one stop working', async () => {
    await forgotten(new Client(t.app), home.emails.providerB)
    const first = await emailedLink(t.database.db, home.emails.providerB)
    await forgotten(new Client(t.app), home.emails.providerB)
    const second = await emailedLink(t.database.db, home.emails.providerB)
    expect(second).not.toBe(first)
    expect((await new Client(t.app).get(first)).statusCode).toBe(400)
    expect((await new Client(t.app).get(second)).statusCode).toBe(200)
  })

  it('refuses short and common passwords, and passwords typed differently twice, keeping the link usable', async () => {
    await forgotten(new Client(t.app), home.emails.providerA)
    const token = tokenOf(await emailedLink(t.database.db, home.emails.providerA))
    const client = new Client(t.app)
    const short = await setWith(client, token, 'too short')
    expect(short.statusCode).toBe(400)
    expect(short.body).toContain('Password must be 12 characters or more')
    const common = await setWith(client, token, 'password1234')
    expect(common.statusCode).toBe(400)
    expect(common.body).toContain(TOO_COMMON)
    const mismatch = await setWith(client, token, 'one long password', 'another long password')
    expect(mismatch.statusCode).toBe(400)
    expect(mismatch.body).toContain('The passwords do not match')
    expect((await setWith(client, token, 'a perfectly fine password')).statusCode).toBe(303)
  })

  it(`sends an account at most ${RESET_LINKS_PER_ACCOUNT_PER_HOUR} links an hour, answering the same after`, async () => {
    const council = await seedCouncil(t.database, 'PWL', t.config)
    const email = council.emails.broker
    const answers = []
    for (let i = 0; i <= RESET_LINKS_PER_ACCOUNT_PER_HOUR; i++)
      answers.push((await forgotten(new Client(t.app), email)).statusCode)
    expect(answers.every((status) => status === 200)).toBe(true)
    expect(await emailsTo(t.database.db, email, 'password_reset')).toBe(RESET_LINKS_PER_ACCOUNT_PER_HOUR)
    const limited = (await t.database.db.select().from(auditLog)).filter(
      (e) => e.action === 'password_reset.requested' && String(e.details?.outcome).startsWith('limited'),
    )
    expect(limited).toHaveLength(1)
  })

  it('limits requests from one client address', async () => {
    const client = new Client(t.app)
    const statuses = []
    for (let i = 0; i < 12; i++) statuses.push((await forgotten(client, `someone-${i}@pwd.test`)).statusCode)
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
  })

  it('sends nothing for a disabled account, and a disabled account’s link stops working', async () => {
    const council = await seedCouncil(t.database, 'PWD2', t.config)
    const [user] = await t.database.db.select().from(users).where(eq(users.email, council.emails.broker))
    await forgotten(new Client(t.app), council.emails.broker)
    const link = await emailedLink(t.database.db, council.emails.broker)
    await t.services.accounts.disableUser(council.councilId, user?.id as number, {
      kind: 'system',
      label: 'test',
    })
    expect((await new Client(t.app).get(link)).statusCode).toBe(400)
    await forgotten(new Client(t.app), council.emails.broker)
    expect(await emailsTo(t.database.db, council.emails.broker, 'password_reset')).toBe(1)
  })
})

describe('changing your password and your sessions', () => {
  it('lists your sessions, and a changed password ends the others and gives this one a new ID', async () => {
    const council = await seedCouncil(t.database, 'SESS', t.config)
    const laptop = new Client(t.app)
    await laptop.signIn(council.emails.commissioner)
    const phone = new Client(t.app)
    await phone.signIn(council.emails.commissioner)
    const account = await laptop.get('/account')
    expect(account.statusCode).toBe(200)
    expect(account.body).toContain('Where you are signed in')
    expect(account.body.match(/<tr class="govuk-table__row">/g)?.length).toBe(3)
    expect(account.body).toContain('(this device)')
    expect(account.body).toMatch(/Two-factor authentication\s*<\/dt>\s*<dd[^>]*>\s*Off/)

    const before = laptop.cookies
    await laptop.get('/account/password')
    const wrong = await laptop.post('/account/password', {
      currentPassword: 'not my password',
      newPassword: 'a brand new password',
      confirmPassword: 'a brand new password',
    })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.body).toContain('Your current password is not correct')
    const common = await laptop.post('/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'qwerty123456',
      confirmPassword: 'qwerty123456',
    })
    expect(common.body).toContain(TOO_COMMON)
    // Every problem with the form at once, each against its field.
    const several = await laptop.post('/account/password', {
      currentPassword: '',
      newPassword: 'qwerty123456',
      confirmPassword: 'qwerty',
    })
    expect(several.statusCode).toBe(400)
    const summary = several.body.slice(several.body.indexOf('govuk-error-summary__list'))
    expect(summary).toContain('href="#currentPassword">Enter your current password')
    expect(summary).toContain('href="#newPassword">')
    expect(summary).toContain(
      'href="#confirmPassword">The new passwords do not match. Type the same password twice',
    )

    const changed = await laptop.post('/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new password',
      confirmPassword: 'a brand new password',
    })
    expect(changed.statusCode).toBe(303)
    expect(laptop.cookies).not.toBe(before)
    expect((await laptop.get(changed.headers.location as string)).body).toContain(
      'Your password has been changed',
    )
    expect((await phone.get('/')).headers.location).toMatch(/^\/sign-in/)
    // The old session cookie is worth nothing now.
    const stale = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: before } })
    expect(stale.statusCode).toBe(303)
    const entry = (await t.database.db.select().from(auditLog)).find(
      (e) => e.action === 'user.password_changed',
    )
    expect(entry?.details).toMatchObject({ otherSessionsEnded: 1 })
  })

  it('signs out on every device', async () => {
    const council = await seedCouncil(t.database, 'SESX', t.config)
    const one = new Client(t.app)
    await one.signIn(council.emails.broker)
    const two = new Client(t.app)
    await two.signIn(council.emails.broker)
    await one.get('/account')
    const out = await one.post('/account/sign-out-everywhere', {})
    expect(out.headers.location).toBe('/sign-in?notice=signed-out-everywhere')
    expect((await one.get(out.headers.location as string)).body).toContain(
      'You have been signed out on every device.',
    )
    expect((await two.get('/')).headers.location).toMatch(/^\/sign-in/)
    const [user] = await t.database.db.select().from(users).where(eq(users.email, council.emails.broker))
    expect(
      await t.database.db
        .select()
        .from(sessions)
        .where(eq(sessions.userId, user?.id as number)),
    ).toEqual([])
  })

  it('gives a new session ID at every sign-in', async () => {
    const client = new Client(t.app)
    const first = await client.signIn(home.emails.council_admin)
    const firstCookie = first.cookies.find((c) => c.name === 'caremarket-session')?.value
    const second = await client.signIn(home.emails.council_admin)
    const secondCookie = second.cookies.find((c) => c.name === 'caremarket-session')?.value
    expect(firstCookie).toBeTruthy()
    expect(secondCookie).toBeTruthy()
    expect(secondCookie).not.toBe(firstCookie)
  })
})

describe('cookies in production', () => {
  it('are HttpOnly, SameSite=Lax, Secure and __Host- prefixed', async () => {
    const production = await createTestApp({
      NODE_ENV: 'production',
      CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
    })
    try {
      const council = await seedCouncil(production.database, 'PROD', production.config)
      // Production asks council staff for a second factor unless the council says otherwise; this one has.
      await production.database.db
        .insert(councilTwoFactorSettings)
        .values({ councilId: council.councilId, requiredForCouncilStaff: false })
      const client = new Client(production.app)
      const response = await client.signIn(council.emails.broker)
      const session = response.cookies.find((c) => c.name === '__Host-caremarket-session')
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/' })
      expect(session?.domain).toBeUndefined()
    } finally {
      await production.close()
    }
  })
})

describe('the mail log', () => {
  it('shows a reset email without the token, so an administrator cannot use the link', async () => {
    await forgotten(new Client(t.app), home.emails.council_admin)
    const token = tokenOf(await emailedLink(t.database.db, home.emails.council_admin))
    const admin = new Client(t.app)
    await admin.signIn(home.emails.council_admin)
    const log = await admin.get('/admin/outbox')
    const id = log.body.match(/href="\/admin\/outbox\/(\d+)"/)?.[1]
    const message = await admin.get(`/admin/outbox/${id}`)
    expect(message.statusCode).toBe(200)
    expect(message.body).toContain('Password reset link')
    expect(message.body).toContain('set-password?token=(hidden)')
    expect(message.body).not.toContain(token)
  })
})
