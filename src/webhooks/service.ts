// Council admins' webhook endpoints and their deliveries: register, change, remove, read the log,
// send a delivery again. Every read and write is scoped to the user's council.
import { randomBytes, randomUUID } from 'node:crypto'
import { and, arrayContains, desc, eq, lt, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput, ValidationError } from '../errors.ts'
import { RETRY_FOR_MS, WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookPayload } from './rules.ts'
import { webhookDeliveries, webhookEndpoints } from './schema.ts'
import { checkWebhookUrl, type WebhookUrlPolicy } from './url-rules.ts'

type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect
/** An endpoint as pages and the API show it: never its secret. */
export type WebhookEndpoint = Omit<WebhookEndpointRow, 'secret'>

export interface CouncilUser {
  councilId: number
  actor: Actor
}

export const endpointInputSchema = z.object({
  url: z
    .string({ error: 'Enter the URL' })
    .trim()
    .min(1, 'Enter the URL')
    .max(2000, 'The URL must be 2,000 characters or fewer'),
  eventTypes: z
    .array(z.enum(WEBHOOK_EVENT_TYPES, { error: 'Choose events from the list' }), {
      error: 'Choose at least one event',
    })
    .min(1, 'Choose at least one event'),
  description: z.string().trim().max(200, 'The description must be 200 characters or fewer').optional(),
  /** A secret of the council's own; otherwise Caremarket makes one and shows it once. */
  secret: z
    .string()
    .trim()
    .min(24, 'A secret must be at least 24 characters')
    .max(200, 'A secret must be 200 characters or fewer')
    .optional(),
})

const endpointColumns = {
  id: webhookEndpoints.id,
  councilId: webhookEndpoints.councilId,
  url: webhookEndpoints.url,
  eventTypes: webhookEndpoints.eventTypes,
  description: webhookEndpoints.description,
  createdAt: webhookEndpoints.createdAt,
  createdBy: webhookEndpoints.createdBy,
}

function checkedUrl(policy: WebhookUrlPolicy, url: string): string {
  const check = checkWebhookUrl(url, policy)
  if (!check.ok) throw new ValidationError([{ field: 'url', message: check.reason }])
  return check.url.href
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** Registers an endpoint. Returns the secret once: it is never shown again. */
export async function createEndpoint(
  db: Database,
  policy: WebhookUrlPolicy,
  user: CouncilUser,
  input: unknown,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const value = parseInput(endpointInputSchema, input)
  const url = checkedUrl(policy, value.url)
  const secret = value.secret || `whsec_${randomBytes(32).toString('base64url')}`
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        councilId: user.councilId,
        url,
        secret,
        eventTypes: [...new Set(value.eventTypes)],
        description: value.description || null,
        createdBy: actorName(user.actor),
      })
      .returning(endpointColumns)
    if (!row) throw new Error('insert returned no row')
    await recordAudit(tx, user.actor, {
      councilId: user.councilId,
      action: 'webhook.created',
      entityType: 'webhook_endpoint',
      entityId: row.id,
      details: { url, eventTypes: row.eventTypes },
    })
    return { endpoint: row, secret }
  })
}

export async function listEndpoints(db: Queryable, councilId: number): Promise<WebhookEndpoint[]> {
  return db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.councilId, councilId))
    .orderBy(webhookEndpoints.id)
}

export async function getEndpoint(db: Queryable, councilId: number, id: number): Promise<WebhookEndpoint> {
  const [row] = await db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.councilId, councilId), eq(webhookEndpoints.id, id)))
  if (!row) throw new NotFoundError('No such webhook')
  return row
}

/** Changes an endpoint's URL, events or description; a new secret only when one is given. */
export async function updateEndpoint(
  db: Database,
  policy: WebhookUrlPolicy,
  user: CouncilUser,
  id: number,
  input: unknown,
): Promise<WebhookEndpoint> {
  const value = parseInput(endpointInputSchema, input)
  const url = checkedUrl(policy, value.url)
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        url,
        eventTypes: [...new Set(value.eventTypes)],
        description: value.description || null,
        ...(value.secret ? { secret: value.secret } : {}),
      })
      .where(and(eq(webhookEndpoints.councilId, user.councilId), eq(webhookEndpoints.id, id)))
      .returning(endpointColumns)
    if (!row) throw new NotFoundError('No such webhook')
    await recordAudit(tx, user.actor, {
      councilId: user.councilId,
      action: 'webhook.updated',
      entityType: 'webhook_endpoint',
      entityId: id,
      details: { url, eventTypes: row.eventTypes, secretChanged: Boolean(value.secret) },
    })
    return row
  })
}

/** Removes an endpoint and its deliveries. */
export async function deleteEndpoint(db: Database, user: CouncilUser, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.councilId, user.councilId), eq(webhookEndpoints.id, id)))
      .returning({ url: webhookEndpoints.url })
    if (!row) throw new NotFoundError('No such webhook')
    await recordAudit(tx, user.actor, {
      councilId: user.councilId,
      action: 'webhook.deleted',
      entityType: 'webhook_endpoint',
      entityId: id,
      details: { url: row.url },
    })
  })
}

/** An endpoint's deliveries, newest first, a page at a time (keyset on id). */
export async function listDeliveries(
  db: Queryable,
  councilId: number,
  endpointId: number,
  options: { before?: number; limit: number },
): Promise<WebhookDeliveryRow[]> {
  await getEndpoint(db, councilId, endpointId)
  const conditions = [
    eq(webhookDeliveries.councilId, councilId),
    eq(webhookDeliveries.endpointId, endpointId),
  ]
  if (options.before !== undefined) conditions.push(lt(webhookDeliveries.id, options.before))
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.id))
    .limit(options.limit)
}

/**
 * Queues a delivery to be sent again now, with the same event ID and body, so a receiver that
 * already has it can tell. Its retries run for another 24 hours.
 */
export async function resendDelivery(
  db: Database,
  user: CouncilUser,
  endpointId: number,
  deliveryId: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({
        status: 'pending',
        nextAttemptAt: sql`now()`,
        retryUntil: sql`now() + make_interval(secs => ${RETRY_FOR_MS / 1000})`,
      })
      .where(
        and(
          eq(webhookDeliveries.councilId, user.councilId),
          eq(webhookDeliveries.endpointId, endpointId),
          eq(webhookDeliveries.id, deliveryId),
        ),
      )
      .returning({ eventId: webhookDeliveries.eventId })
    if (!row) throw new NotFoundError('No such delivery')
    await recordAudit(tx, user.actor, {
      councilId: user.councilId,
      action: 'webhook.resent',
      entityType: 'webhook_delivery',
      entityId: deliveryId,
      details: { endpointId, eventId: row.eventId },
    })
  })
}

/**
 * Writes one delivery per endpoint of the council that listens for this event, in the caller's
 * transaction, so the deliveries exist exactly when the change does.
 */
export async function enqueueWebhookEvent(
  tx: Queryable,
  event: { councilId: number; type: WebhookEventType; data: WebhookPayload['data']; occurredAt?: Date },
): Promise<number> {
  const endpoints = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.councilId, event.councilId),
        arrayContains(webhookEndpoints.eventTypes, [event.type]),
      ),
    )
  if (endpoints.length === 0) return 0
  const occurredAt = event.occurredAt ?? new Date()
  const payload: WebhookPayload = {
    id: randomUUID(),
    type: event.type,
    occurredAt: occurredAt.toISOString(),
    council: event.councilId,
    data: event.data,
  }
  await tx.insert(webhookDeliveries).values(
    endpoints.map((endpoint) => ({
      councilId: event.councilId,
      endpointId: endpoint.id,
      eventId: payload.id,
      eventType: payload.type,
      payload,
      retryUntil: new Date(occurredAt.getTime() + RETRY_FOR_MS),
    })),
  )
  return endpoints.length
}
