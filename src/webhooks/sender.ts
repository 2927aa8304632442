// Delivers the webhook outbox: POSTs each due delivery, signed, to its endpoint. Claims rows as
// the email outbox does (FOR UPDATE SKIP LOCKED and a lease), so several instances never send the
// same delivery at once. Each attempt checks the URL again and every address its host resolves to
// as it connects, follows no redirect, waits at most ATTEMPT_TIMEOUT_MS and keeps only the status.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { and, asc, eq, inArray, lte, type SQL, sql } from 'drizzle-orm'
import type { Database } from '../db/connection.ts'
import { ATTEMPT_TIMEOUT_MS, DELIVERY_LEASE_MS, webhookRetryDelayMs, webhookSignature } from './rules.ts'
import { webhookDeliveries, webhookEndpoints } from './schema.ts'
import { checkWebhookUrl, refusedAddress, type WebhookUrlPolicy } from './url-rules.ts'

export interface SendOptions {
  policy: WebhookUrlPolicy
  now?: Date
  limit?: number
  timeoutMs?: number
  /** In [0, 1): the retry delay's jitter; tests give a fixed one. */
  random?: () => number
}

interface AttemptOutcome {
  ok: boolean
  status: number | null
  /** Short, for the log: "HTTP 500", "timed out after 10 s". Never the response body. */
  outcome: string
}

/** Delivers what is due, a batch at a time. */
export async function sendDueWebhooks(
  db: Database,
  options: SendOptions,
): Promise<{ delivered: number; failed: number; retrying: number }> {
  const at = (offsetMs: number): Date | SQL =>
    options.now
      ? new Date(options.now.getTime() + offsetMs)
      : sql`now() + make_interval(secs => ${offsetMs / 1000})`
  const random = options.random ?? Math.random
  const due = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, at(0))))
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
    .limit(options.limit ?? 50)
    .for('update', { skipLocked: true })
  const claimed = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: at(DELIVERY_LEASE_MS) })
    .where(inArray(webhookDeliveries.id, due))
    .returning()
  const result = { delivered: 0, failed: 0, retrying: 0 }
  if (claimed.length === 0) return result
  const endpoints = new Map(
    (
      await db
        .select()
        .from(webhookEndpoints)
        .where(inArray(webhookEndpoints.id, [...new Set(claimed.map((d) => d.endpointId))]))
    ).map((e) => [e.id, e]),
  )

  for (const delivery of claimed.sort((a, b) => a.id - b.id)) {
    const endpoint = endpoints.get(delivery.endpointId)
    if (!endpoint) continue
    const body = JSON.stringify(delivery.payload)
    const attempt = await postWebhook(endpoint.url, {
      id: delivery.eventId,
      body,
      secret: endpoint.secret,
      policy: options.policy,
      timeoutMs: options.timeoutMs ?? ATTEMPT_TIMEOUT_MS,
      timestamp: Math.floor((options.now ?? new Date()).getTime() / 1000),
    })
    const common = {
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastOutcome: attempt.outcome,
      lastResponseStatus: attempt.status,
      lastAttemptAt: at(0),
    }
    if (attempt.ok) {
      await db
        .update(webhookDeliveries)
        .set({ ...common, status: 'delivered', deliveredAt: at(0) })
        .where(eq(webhookDeliveries.id, delivery.id))
      result.delivered++
      continue
    }
    const next = at(webhookRetryDelayMs(delivery.attempts + 1, random()))
    // Past its 24 hours a delivery is failed, for a person to send again.
    const [row] = await db
      .update(webhookDeliveries)
      .set({
        ...common,
        nextAttemptAt: next,
        status: sql`case when ${next} > ${webhookDeliveries.retryUntil} then 'failed' else 'pending' end`,
      })
      .where(eq(webhookDeliveries.id, delivery.id))
      .returning({ status: webhookDeliveries.status })
    if (row?.status === 'failed') result.failed++
    else result.retrying++
  }
  return result
}

type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

/**
 * A DNS lookup that refuses to connect when any address the host resolves to is one a webhook may
 * not reach. The connection uses the address checked here, so a second answer cannot differ.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const refused = addresses.map((a) => refusedAddress(a.address, allowPrivate)).find(Boolean)
      if (refused)
        return callback(
          Object.assign(new Error(`${hostname} resolves to ${refused}`), { code: 'EREFUSED_ADDRESS' }),
          '',
          0,
        )
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      const first = addresses[0]
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
      return callback(null, first.address, first.family)
    })
  }
}

/** One signed POST. Never throws: what happened is the outcome. */
async function postWebhook(
  rawUrl: string,
  message: {
    id: string
    body: string
    secret: string
    policy: WebhookUrlPolicy
    timeoutMs: number
    timestamp: number
  },
): Promise<AttemptOutcome> {
  const check = checkWebhookUrl(rawUrl, message.policy)
  if (!check.ok) return { ok: false, status: null, outcome: `Refused: ${check.reason}`.slice(0, 200) }
  const url = check.url
  const client = url.protocol === 'https:' ? https : http
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(message.policy.allowPrivate),
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(message.body),
          'User-Agent': 'Caremarket-Webhooks',
          'Caremarket-Webhook-Id': message.id,
          'Caremarket-Webhook-Timestamp': String(message.timestamp),
          'Caremarket-Webhook-Signature': webhookSignature(message.secret, message.timestamp, message.body),
        },
      },
      (response) => {
        // The body is read and thrown away: only the status is kept.
        response.resume()
        const status = response.statusCode ?? 0
        const ok = status >= 200 && status < 300
        const redirect = status >= 300 && status < 400 ? ': redirects are not followed' : ''
        finish({ ok, status, outcome: `HTTP ${status}${redirect}` })
        response.on('error', () => {})
      },
    )
    // One limit for the whole attempt: connecting, sending and the answer's status line.
    const timer = setTimeout(() => {
      finish({ ok: false, status: null, outcome: `Timed out after ${message.timeoutMs / 1000} s` })
      request.destroy()
    }, message.timeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => {
      const text =
        error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message
      finish({ ok: false, status: null, outcome: text.slice(0, 200) })
    })
    request.end(message.body)
  })
}
