import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../test/helpers.ts'
import { sessionUserOf } from '../../test/support/request-users.ts'
import type { SessionUser } from '../accounts/service.ts'
import { notificationPreferences, staffNotifications } from '../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let broker: SessionUser
let socialWorker: SessionUser

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'NTR', t.config)
  broker = await sessionUserOf(t.database, home, 'broker')
  socialWorker = await sessionUserOf(t.database, home, 'social_worker')
})
afterAll(async () => t.close())
beforeEach(async () => {
  await t.database.db.delete(staffNotifications)
  await t.database.db.delete(notificationPreferences)
})

async function notify(user: SessionUser, subject: string, link = '/requests/1') {
  const [row] = await t.database.db
    .insert(staffNotifications)
    .values({
      councilId: user.councilId,
      userId: user.id,
      kind: 'request_submitted',
      requestId: 1,
      subject,
      body: `${subject}, in full.`,
      link,
      email: 'immediate',
    })
    .returning()
  if (!row) throw new Error('no notification')
  return row
}

const unreadBadge = (body: string) => body.match(/app-unread-count">(\d+)</)?.[1] ?? null

describe('the notifications pages', () => {
  it('shows council staff their unread count in the header on every page, and providers nothing', async () => {
    const client = new Client(t.app)
    await client.signIn(home.emails.broker)
    const none = await client.get('/')
    expect(none.body).toContain('href="/notifications"')
    expect(unreadBadge(none.body)).toBeNull()
    await notify(broker, 'Request 1 was submitted')
    await notify(broker, 'Request 2 was submitted')
    await notify(socialWorker, 'Not the broker’s')
    expect(unreadBadge((await client.get('/')).body)).toBe('2')
    expect(unreadBadge((await client.get('/requests')).body)).toBe('2')

    const provider = new Client(t.app)
    await provider.signIn(home.emails.providerA)
    expect((await provider.get('/provider')).body).not.toContain('href="/notifications"')
    expect((await provider.get('/notifications')).statusCode).toBe(403)
  })

  it('lists a person’s own notifications newest first, and marks one or all read', async () => {
    const older = await notify(broker, 'Request 1 was submitted', '/requests/1')
    const newer = await notify(broker, 'Request 2 was submitted', '/requests/2')
    const theirs = await notify(socialWorker, 'Request 3 was cancelled')
    const client = new Client(t.app)
    await client.signIn(home.emails.broker)
    const page = await client.get('/notifications')
    expect(page.statusCode).toBe(200)
    expect(page.body.indexOf('Request 2 was submitted')).toBeLessThan(
      page.body.indexOf('Request 1 was submitted'),
    )
    expect(page.body).not.toContain('Request 3 was cancelled')
    expect(page.body).toContain('You have 2 notifications, 2 unread')

    const marked = await client.post('/notifications/mark-read', { notification: String(older.id) })
    expect(marked.statusCode).toBe(303)
    expect(marked.headers.location).toBe('/notifications')
    expect(unreadBadge((await client.get('/notifications')).body)).toBe('1')

    // Opening one marks it read and goes to its request.
    const opened = await client.post('/notifications/mark-read', {
      notification: String(newer.id),
      open: '1',
    })
    expect(opened.headers.location).toBe('/requests/2')

    // Another person's notification, and input that is no notification, are refused.
    await client.get('/notifications')
    expect(
      (await client.post('/notifications/mark-read', { notification: String(theirs.id) })).statusCode,
    ).toBe(404)
    const bad = await client.post('/notifications/mark-read', { notification: 'abc' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Notification must be a positive whole number')
    expect((await client.get('/notifications?page=0')).statusCode).toBe(400)

    await notify(broker, 'Request 4 was submitted')
    await client.get('/notifications')
    const all = await client.post('/notifications/read-all', {})
    expect(all.headers.location).toBe('/notifications?marked=1')
    const after = await client.get('/notifications?marked=1')
    expect(after.body).toContain('All your notifications are marked as read')
    expect(unreadBadge(after.body)).toBeNull()
    const [stillUnread] = await t.database.db
      .select()
      .from(staffNotifications)
      .where(eq(staffNotifications.id, theirs.id))
    expect(stillUnread?.readAt).toBeNull()
  })

  it('pages the inbox 25 at a time', async () => {
    for (let i = 1; i <= 30; i++) await notify(broker, `Notice number ${i}.`)
    const client = new Client(t.app)
    await client.signIn(home.emails.broker)
    const first = await client.get('/notifications')
    expect(first.body).toContain('Notice number 30.')
    expect(first.body).not.toContain('Notice number 5.')
    expect(first.body).toContain('href="/notifications?page=2"')
    const second = await client.get('/notifications?page=2')
    expect(second.body).toContain('Notice number 5.')
    expect(second.body).not.toContain('Notice number 6.')
  })

  it('lets each person choose how to be told of each kind, and refuses a missing choice', async () => {
    const client = new Client(t.app)
    await client.signIn(home.emails.social_worker)
    const page = await client.get('/notifications/preferences')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Request awarded')
    expect(page.body).not.toContain('Request submitted')
    const choices = {
      request_awarded: 'digest',
      request_unsourced: 'off',
      request_cancelled: 'immediate',
      package_confirmed: 'digest',
      package_declined: 'immediate',
      package_handed_back: 'immediate',
    }
    const missing = await client.post('/notifications/preferences', { ...choices, request_unsourced: '' })
    expect(missing.statusCode).toBe(400)
    expect(missing.body).toContain('Choose how to be told of “Request unsourced”')
    const saved = await client.post('/notifications/preferences', choices)
    expect(saved.statusCode).toBe(303)
    const again = await client.get('/notifications/preferences?saved=1')
    expect(again.body).toContain('Your notification settings are saved')
    expect(again.body).toMatch(/name="request_unsourced" type="radio" value="off" checked/)
    const stored = await t.database.db
      .select()
      .from(notificationPreferences)
      .where(eq(notificationPreferences.userId, socialWorker.id))
    expect(Object.fromEntries(stored.map((s) => [s.kind, s.delivery]))).toEqual(choices)

    const admin = new Client(t.app)
    await admin.signIn(home.emails.council_admin)
    expect((await admin.get('/notifications/preferences')).body).toContain(
      'Your role is not sent notifications',
    )
  })
})
