import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { createTestRequest } from '../../test/support/offers-factory.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts'
import { createCouncil } from '../accounts/service.ts'
import { brokerageEvents } from '../brokerage/events.ts'
import { transitionRequest } from '../brokerage/requests/service.ts'
import { findRequestRow } from '../brokerage/requests/store.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { ValidationError } from '../errors.ts'
import { webhookDeliveries, webhookEndpoints } from './schema.ts'
import { guardedLookup, sendDueWebhooks } from './sender.ts'
import { createEndpoint, listDeliveries, resendDelivery } from './service.ts'
import type { WebhookUrlPolicy } from './url-rules.ts'

const SECRET = 'a-receivers-secret-of-at-least-24-chars'
const testPolicy: WebhookUrlPolicy = { allowHttp: true, allowPrivate: true }
const system = { kind: 'system', label: 'test' } as const
const half = () => 0.5

let database: DatabaseHandle
let councilId: number
let receiver: WebhookReceiver
let endpointId: number
const admin = () => ({ councilId, actor: system })

beforeAll(async () => {
  database = await createTestDatabase()
  councilId = (await createCouncil(database.db, { code: 'HOOK', name: 'Hook Test Council' }, system)).id
  receiver = await startWebhookReceiver(SECRET)
})

afterAll(async () => {
  await receiver.close()
  await database.close()
})

beforeEach(async () => {
  await database.db.delete(webhookEndpoints)
  receiver.received.length = 0
  receiver.answers.splice(0, receiver.answers.length, { status: 204 })
  endpointId = (
    await createEndpoint(database.db, testPolicy, admin(), {
      url: receiver.url,
      secret: SECRET,
      eventTypes: ['request.published', 'request.cancelled', 'package.ended'],
    })
  ).endpoint.id
})

/** A request published, as brokerage tells of it inside its transaction. */
async function publishEvent(requestId = 41) {
  await database.db.transaction(async (tx) => {
    await brokerageEvents.emit(
      'requestStatusChanged',
      { councilId, requestId, from: 'submitted', to: 'published' },
      tx,
    )
  })
}

async function deliveries() {
  return database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId))
}

describe('the webhook outbox', () => {
  it('writes one delivery per listening endpoint in the change’s transaction, and none when it rolls back', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await brokerageEvents.emit(
          'requestStatusChanged',
          { councilId, requestId: 7, from: 'submitted', to: 'published' },
          tx,
        )
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')
    expect(await deliveries()).toEqual([])
    // Events the endpoint did not choose are not queued.
    await database.db.transaction(async (tx) => {
      await brokerageEvents.emit(
        'requestStatusChanged',
        { councilId, requestId: 7, from: 'published', to: 'closed' },
        tx,
      )
    })
    expect(await deliveries()).toEqual([])
    await publishEvent(7)
    const [row] = await deliveries()
    expect(row?.eventType).toBe('request.published')
    expect(row?.payload).toEqual({
      id: row?.eventId,
      type: 'request.published',
      occurredAt: expect.any(String),
      council: councilId,
      data: { requestId: 7, status: 'published' },
    })
  })
})

describe('brokerage’s real changes', () => {
  it('queue a delivery with the change, and none when the change rolls back', async () => {
    const { requestId } = await createTestRequest(database.db, councilId, { publish: false })
    const cancel = async (fail: boolean) =>
      database.db.transaction(async (tx) => {
        const row = await findRequestRow(tx, councilId, requestId)
        if (!row) throw new Error('no request')
        await transitionRequest(tx, row, 'cancel', system, { reason: 'Moved away' })
        if (fail) throw new Error('the change failed')
      })
    await expect(cancel(true)).rejects.toThrow('the change failed')
    expect((await findRequestRow(database.db, councilId, requestId))?.status).toBe('submitted')
    expect(await deliveries()).toEqual([])
    await cancel(false)
    const [row] = await deliveries()
    expect(row?.payload).toMatchObject({
      type: 'request.cancelled',
      data: { requestId, status: 'cancelled' },
    })
  })
})

describe('sendDueWebhooks against a real receiver', () => {
  it('sends a delivery once when two senders run at the same time', async () => {
    await publishEvent()
    const results = await Promise.all([
      sendDueWebhooks(database.db, { policy: testPolicy, random: half }),
      sendDueWebhooks(database.db, { policy: testPolicy, random: half }),
    ])
    expect(results.reduce((sum, r) => sum + r.delivered, 0)).toBe(1)
    expect(receiver.received).toHaveLength(1)
  })

  it('delivers with a valid signature, once', async () => {
    await publishEvent()
    expect(await sendDueWebhooks(database.db, { policy: testPolicy, random: half })).toEqual({
      delivered: 1,
      failed: 0,
      retrying: 0,
    })
    const [got] = receiver.received
    expect(got?.signatureValid).toBe(true)
    const [row] = await deliveries()
    expect(got?.id).toBe(row?.eventId)
    expect(JSON.parse(got?.body ?? '')).toEqual(row?.payload)
    expect(row).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastResponseStatus: 204,
      lastOutcome: 'HTTP 204',
    })
    expect(await sendDueWebhooks(database.db, { policy: testPolicy })).toEqual({
      delivered: 0,
      failed: 0,
      retrying: 0,
    })
    expect(receiver.received).toHaveLength(1)
  })

  it('retries a receiver that fails until it recovers: delivered once, with the same ID', async () => {
    receiver.answers.splice(0, 1, { status: 500 }, { status: 503 }, { status: 200 })
    await publishEvent()
    const now = new Date(Date.now() + 1000)
    expect((await sendDueWebhooks(database.db, { policy: testPolicy, now, random: half })).retrying).toBe(1)
    let [row] = await deliveries()
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastResponseStatus: 500,
      lastOutcome: 'HTTP 500',
    })
    expect(row?.nextAttemptAt.getTime()).toBe(now.getTime() + 30_000)
    // Not due until the back-off has passed.
    const early = new Date(now.getTime() + 29_000)
    expect((await sendDueWebhooks(database.db, { policy: testPolicy, now: early })).retrying).toBe(0)
    const later = new Date(now.getTime() + 30_000)
    expect(
      (await sendDueWebhooks(database.db, { policy: testPolicy, now: later, random: half })).retrying,
    ).toBe(1)
    const latest = new Date(later.getTime() + 60_000)
    expect((await sendDueWebhooks(database.db, { policy: testPolicy, now: latest })).delivered).toBe(1)
    ;[row] = await deliveries()
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastResponseStatus: 200 })
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 503, 200])
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set([row?.eventId]))
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true)
  })

  it('marks a delivery failed once its 24 hours are over, and sends it again on request with the same ID', async () => {
    receiver.answers.splice(0, 1, { status: 500 })
    await publishEvent()
    const dayLater = new Date(Date.now() + 24 * 60 * 60_000)
    expect(await sendDueWebhooks(database.db, { policy: testPolicy, now: dayLater })).toMatchObject({
      failed: 1,
    })
    let [row] = await deliveries()
    expect(row?.status).toBe('failed')
    expect(
      await sendDueWebhooks(database.db, {
        policy: testPolicy,
        now: new Date(dayLater.getTime() + 3600_000),
      }),
    ).toEqual({
      delivered: 0,
      failed: 0,
      retrying: 0,
    })
    receiver.answers.splice(0, 1, { status: 200 })
    await resendDelivery(database.db, admin(), endpointId, row?.id ?? 0)
    expect(
      (await sendDueWebhooks(database.db, { policy: testPolicy, now: new Date(Date.now() + 1000) }))
        .delivered,
    ).toBe(1)
    ;[row] = await deliveries()
    expect(row?.status).toBe('delivered')
    expect(receiver.received.map((r) => r.id)).toEqual([row?.eventId, row?.eventId])
  })

  it('gives up on a receiver that does not answer in time', async () => {
    receiver.answers.splice(0, 1, 'hang')
    await publishEvent()
    const started = Date.now()
    const result = await sendDueWebhooks(database.db, { policy: testPolicy, timeoutMs: 300, random: half })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(result.retrying).toBe(1)
    const [row] = await deliveries()
    expect(row).toMatchObject({
      status: 'pending',
      lastOutcome: 'Timed out after 0.3 s',
      lastResponseStatus: null,
    })
  })

  it('does not follow a redirect', async () => {
    receiver.answers.splice(0, 1, { status: 302, headers: { Location: `${receiver.url}/elsewhere` } })
    await publishEvent()
    expect((await sendDueWebhooks(database.db, { policy: testPolicy, random: half })).retrying).toBe(1)
    expect(receiver.received).toHaveLength(1)
    const [row] = await deliveries()
    expect(row).toMatchObject({
      lastResponseStatus: 302,
      lastOutcome: 'HTTP 302: redirects are not followed',
    })
  })

  it('checks the URL again at delivery', async () => {
    // The URL is checked again at each delivery: here changed behind the registration's back.
    await database.db.update(webhookEndpoints).set({ url: receiver.url.replace('127.0.0.1', 'localhost') })
    await publishEvent()
    const production = { allowHttp: true, allowPrivate: false }
    expect((await sendDueWebhooks(database.db, { policy: production, random: half })).retrying).toBe(1)
    expect(receiver.received).toHaveLength(0)
    const [row] = await deliveries()
    expect(row?.lastOutcome).toMatch(/^Refused: .*localhost/)
  })

  it('lists an endpoint’s deliveries only for its own council', async () => {
    await publishEvent()
    expect(await listDeliveries(database.db, councilId, endpointId, { limit: 10 })).toHaveLength(1)
    await expect(listDeliveries(database.db, councilId + 1000, endpointId, { limit: 10 })).rejects.toThrow(
      'No such webhook',
    )
  })

  it('refuses to register a URL a webhook may not call, saying why', async () => {
    await expect(
      createEndpoint(database.db, { allowHttp: false, allowPrivate: false }, admin(), {
        url: 'http://127.0.0.1/hooks',
        eventTypes: ['request.published'],
      }),
    ).rejects.toThrow(ValidationError)
  })
})

describe('guardedLookup (the addresses a host resolves to as a delivery connects)', () => {
  const resolvingTo =
    (...addresses: string[]) =>
    (
      _host: string,
      _options: unknown,
      callback: (e: null, a: { address: string; family: number }[]) => void,
    ) =>
      callback(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      )
  const look = (allowPrivate: boolean, ...addresses: string[]) =>
    new Promise<string>((resolve) =>
      guardedLookup(allowPrivate, resolvingTo(...addresses))('cases.council.example', {}, (error, address) =>
        resolve(error ? error.message : String(address)),
      ),
    )

  it('refuses a public name that resolves to a private or metadata address (DNS rebinding)', async () => {
    expect(await look(false, '10.0.0.5')).toMatch(/resolves to 10.0.0.5 is a loopback, link-local, private/)
    expect(await look(false, '93.184.216.34', '127.0.0.1')).toMatch(/resolves to 127.0.0.1/)
    expect(await look(false, '::ffff:169.254.169.254')).toMatch(/metadata/)
    expect(await look(true, '169.254.169.254')).toMatch(/metadata/)
  })

  it('connects to a public address', async () => {
    expect(await look(false, '93.184.216.34')).toBe('93.184.216.34')
  })
})
