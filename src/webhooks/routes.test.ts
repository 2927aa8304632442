import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../test/helpers.ts'
import { brokerageEvents } from '../brokerage/events.ts'
import { councilTwoFactorSettings } from '../db/schema.ts'
import { webhookDeliveries } from './schema.ts'

describe('the webhook pages and API', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>
  let home: Fixture
  let admin: Client

  /** A JSON request as the signed-in admin, with the CSRF token in its header. */
  const json = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      payload: payload === undefined ? undefined : JSON.stringify(payload),
      headers: {
        cookie: admin.cookies,
        'csrf-token': admin.csrfToken,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
    })

  beforeAll(async () => {
    t = await createTestApp({
      CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
      NODE_ENV: 'production',
      CAREMARKET_BASE_URL: 'https://caremarket.council.example',
    })
    home = await seedCouncil(t.database, 'HOOKS', t.config)
    // Production asks council staff for a second factor unless the council says otherwise; this one has.
    await t.database.db
      .insert(councilTwoFactorSettings)
      .values({ councilId: home.councilId, requiredForCouncilStaff: false })
    admin = new Client(t.app)
    await admin.signIn(home.emails.council_admin)
  })
  afterAll(async () => t.close())

  it('registers a webhook from the form, shows its secret once, and lists it', async () => {
    await admin.get('/admin/webhooks/new')
    const created = await admin.send('POST', '/admin/webhooks', {})
    expect(created.statusCode).toBe(400)
    expect(created.body).toContain('Choose at least one event')
    const payload = new URLSearchParams([
      ['_csrf', admin.csrfToken],
      ['url', 'https://cases.hooks.example/caremarket'],
      ['description', 'Case system'],
      ['eventTypes', 'request.published'],
      ['eventTypes', 'package.ended'],
    ])
    const response = await t.app.inject({
      method: 'POST',
      url: '/admin/webhooks',
      payload: payload.toString(),
      headers: { cookie: admin.cookies, 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(response.statusCode).toBe(200)
    const secret = response.body.match(/<code id="secret">(whsec_[\w-]+)<\/code>/)?.[1]
    expect(secret).toBeDefined()
    const list = await admin.get('/admin/webhooks')
    expect(list.body).toContain('https://cases.hooks.example/caremarket')
    expect(list.body).toContain('Request published to providers, Package ended')
    expect(list.body).not.toContain(secret)
    const api = (await json('GET', '/api/v1/webhooks')).json() as { webhooks: Record<string, unknown>[] }
    expect(api.webhooks[0]).not.toHaveProperty('secret')
    expect(JSON.stringify(api)).not.toContain(secret)
  })

  it('refuses with a 400 naming why: http in production, private addresses, Caremarket itself', async () => {
    await admin.get('/admin/webhooks/new')
    for (const [url, message] of [
      ['http://cases.hooks.example/', 'The URL must start https://'],
      ['https://169.254.169.254/latest', 'cloud metadata address'],
      ['https://[::ffff:10.0.0.1]/', 'private'],
      ['https://caremarket.council.example/api/v1/requests', 'Caremarket itself'],
    ] as const) {
      const response = await json('POST', '/api/v1/webhooks', { url, eventTypes: ['request.cancelled'] })
      expect(response.statusCode, url).toBe(400)
      expect(response.json().error.errors[0]).toMatchObject({
        field: 'url',
        message: expect.stringContaining(message),
      })
    }
  })

  it('creates, changes and removes a webhook by API, and sends a delivery again from its log', async () => {
    await admin.get('/admin/webhooks/new')
    const created = await json('POST', '/api/v1/webhooks', {
      url: 'https://cases.hooks.example/api',
      eventTypes: ['request.cancelled'],
      secret: 'my-own-secret-of-at-least-24-characters',
    })
    expect(created.statusCode).toBe(201)
    const { webhook, secret } = created.json() as { webhook: { id: number }; secret: string }
    expect(secret).toBe('my-own-secret-of-at-least-24-characters')
    const changed = await json('PUT', `/api/v1/webhooks/${webhook.id}`, {
      url: 'https://cases.hooks.example/api2',
      eventTypes: ['request.cancelled', 'request.closed'],
    })
    expect(changed.json().webhook).toMatchObject({ url: 'https://cases.hooks.example/api2' })

    await t.database.db.transaction(async (tx) => {
      await brokerageEvents.emit(
        'requestStatusChanged',
        { councilId: home.councilId, requestId: 5, from: 'published', to: 'closed' },
        tx,
      )
    })
    const [delivery] = await t.database.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, webhook.id))
    await t.database.db
      .update(webhookDeliveries)
      .set({ status: 'failed', attempts: 9, lastOutcome: 'HTTP 500', lastResponseStatus: 500 })
    const log = await admin.get(`/admin/webhooks/${webhook.id}`)
    expect(log.body).toContain(delivery?.eventId)
    expect(log.body).toContain('Failed')
    expect(log.body).toContain('HTTP 500')
    const resent = await admin.post(`/admin/webhooks/${webhook.id}/deliveries/${delivery?.id}/resend`, {})
    expect(resent.statusCode).toBe(303)
    const deliveries = (await json('GET', `/api/v1/webhooks/${webhook.id}/deliveries`)).json() as {
      deliveries: { eventId: string; status: string }[]
    }
    expect(deliveries.deliveries).toEqual([
      expect.objectContaining({ eventId: delivery?.eventId, status: 'pending' }),
    ])
    // Without the CSRF token the button does nothing.
    expect(
      (
        await admin.post(
          `/admin/webhooks/${webhook.id}/deliveries/${delivery?.id}/resend`,
          {},
          { csrf: false },
        )
      ).statusCode,
    ).toBe(403)

    expect((await json('DELETE', `/api/v1/webhooks/${webhook.id}`)).statusCode).toBe(200)
    expect((await json('GET', `/api/v1/webhooks/${webhook.id}`)).statusCode).toBe(404)
  })
})
