// Council admins' webhooks: the pages under /admin/webhooks and the /api/v1/webhooks API.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../accounts/service.ts'
import { parseInput, ValidationError } from '../errors.ts'
import { recordId } from '../storable.ts'
import { operation } from '../web/api-schema.ts'
import { field, formErrors } from '../web/forms.ts'
import type { Capability } from '../web/navigation.ts'
import { pagedSchema, pageOfList, pagingQuery } from '../web/paging.ts'
import { DELIVERY_STATUS_LABELS, WEBHOOK_EVENT_LABELS } from './rules.ts'
import { deliverySchema, webhookCreatedSchema, webhookSchema } from './schemas.ts'
import { endpointInputSchema, type WebhookDeliveryRow, type WebhookEndpoint } from './service.ts'
import type { WebhooksServices } from './services.ts'

const ADMINS = ['council_admin'] as const

export const webhooksCapabilities: Capability[] = [
  {
    href: '/admin/webhooks',
    section: 'admin',
    label: 'Webhooks',
    description: 'Tell your case system when requests and packages change, and see what was sent.',
    roles: ADMINS,
  },
]

export interface WebhooksRouteOptions {
  webhooks: Omit<WebhooksServices['webhooks'], 'sendDue'>
}

const endpointParams = z.object({ id: recordId('Webhook ID') })
const deliveryParams = z.object({
  id: recordId('Webhook ID'),
  deliveryId: recordId('Delivery ID', { column: 'bigint' }),
})
const listQuery = z.object({ before: recordId('before', { column: 'bigint' }).optional() })
const PAGE_SIZE = 50

function showEndpoint(endpoint: WebhookEndpoint) {
  return { ...endpoint, createdAt: endpoint.createdAt.toISOString() }
}

function showDelivery(delivery: WebhookDeliveryRow) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    lastResponseStatus: delivery.lastResponseStatus,
    lastOutcome: delivery.lastOutcome,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: delivery.nextAttemptAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
  }
}

/** The form's fields as the service takes them: ticked boxes come as one value or several. */
function formInput(body: unknown) {
  const ticked = (body as Record<string, unknown> | null | undefined)?.eventTypes
  const eventTypes = Array.isArray(ticked) ? ticked.map(String) : typeof ticked === 'string' ? [ticked] : []
  const secret = field(body, 'secret').trim()
  return {
    url: field(body, 'url'),
    description: field(body, 'description'),
    eventTypes,
    ...(secret ? { secret } : {}),
  }
}

const eventOptions = Object.entries(WEBHOOK_EVENT_LABELS).map(([value, text]) => ({ value, text }))

export const webhooksRoutes: FastifyPluginAsync<WebhooksRouteOptions> = async (app, { webhooks }) => {
  const user = (request: { user?: unknown }) => request.user as SessionUser
  const councilUser = (request: { user?: unknown }) => ({
    councilId: user(request).councilId,
    actor: actorOf(user(request)),
  })

  const showForm = (
    reply: FastifyReply,
    status: number,
    options: { endpoint?: WebhookEndpoint; values: ReturnType<typeof formInput>; errors?: ValidationError },
  ) =>
    reply.code(status).view('webhooks/views/webhook-form.njk', {
      pageTitle: options.endpoint ? 'Change a webhook' : 'Add a webhook',
      action: options.endpoint ? `/admin/webhooks/${options.endpoint.id}` : '/admin/webhooks',
      endpoint: options.endpoint,
      eventOptions,
      values: options.values,
      ...formErrors(
        (options.errors?.errors ?? []).map((e) => ({ ...e, field: e.field.replace(/\..*$/, '') })),
      ),
    })

  // ---- Pages ----

  app.get('/admin/webhooks', { config: { access: ADMINS } }, async (request, reply) => {
    const endpoints = await webhooks.listEndpoints(user(request).councilId)
    return reply.view('webhooks/views/webhooks.njk', {
      pageTitle: 'Webhooks',
      endpoints,
      eventLabels: WEBHOOK_EVENT_LABELS,
      deleted: (request.query as Record<string, unknown>).deleted === '1',
    })
  })

  app.get('/admin/webhooks/new', { config: { access: ADMINS } }, async (_request, reply) =>
    showForm(reply, 200, { values: { url: '', description: '', eventTypes: [] } }),
  )

  app.post('/admin/webhooks', { config: { access: ADMINS } }, async (request, reply) => {
    const values = formInput(request.body)
    try {
      const { endpoint, secret } = await webhooks.createEndpoint(councilUser(request), values)
      // The secret is shown on this one answer only, never again.
      return reply.view('webhooks/views/webhook-created.njk', {
        pageTitle: 'Webhook added',
        endpoint,
        secret,
      })
    } catch (error) {
      if (error instanceof ValidationError) return showForm(reply, 400, { values, errors: error })
      throw error
    }
  })

  app.get('/admin/webhooks/:id', { config: { access: ADMINS } }, async (request, reply) => {
    const { id } = parseInput(endpointParams, request.params)
    const { before } = parseInput(listQuery, request.query)
    const endpoint = await webhooks.getEndpoint(user(request).councilId, id)
    const rows = await webhooks.listDeliveries(user(request).councilId, id, { before, limit: PAGE_SIZE + 1 })
    const page = rows.slice(0, PAGE_SIZE)
    return reply.view('webhooks/views/webhook.njk', {
      pageTitle: endpoint.description || endpoint.url,
      endpoint,
      eventLabels: WEBHOOK_EVENT_LABELS,
      deliveries: page.map((d) => ({
        ...d,
        statusLabel:
          DELIVERY_STATUS_LABELS[d.status === 'pending' && d.attempts > 0 ? 'retrying' : d.status] ??
          d.status,
      })),
      resent: (request.query as Record<string, unknown>).resent === '1',
      olderHref: rows.length > PAGE_SIZE ? `/admin/webhooks/${id}?before=${page.at(-1)?.id}` : undefined,
      newestHref: before ? `/admin/webhooks/${id}` : undefined,
    })
  })

  app.get('/admin/webhooks/:id/edit', { config: { access: ADMINS } }, async (request, reply) => {
    const { id } = parseInput(endpointParams, request.params)
    const endpoint = await webhooks.getEndpoint(user(request).councilId, id)
    return showForm(reply, 200, {
      endpoint,
      values: { url: endpoint.url, description: endpoint.description ?? '', eventTypes: endpoint.eventTypes },
    })
  })

  app.post('/admin/webhooks/:id', { config: { access: ADMINS } }, async (request, reply) => {
    const { id } = parseInput(endpointParams, request.params)
    const endpoint = await webhooks.getEndpoint(user(request).councilId, id)
    const values = formInput(request.body)
    try {
      await webhooks.updateEndpoint(councilUser(request), id, values)
      return reply.redirect(`/admin/webhooks/${id}`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return showForm(reply, 400, { endpoint, values, errors: error })
      throw error
    }
  })

  app.post('/admin/webhooks/:id/delete', { config: { access: ADMINS } }, async (request, reply) => {
    const { id } = parseInput(endpointParams, request.params)
    await webhooks.deleteEndpoint(councilUser(request), id)
    return reply.redirect('/admin/webhooks?deleted=1', 303)
  })

  app.post(
    '/admin/webhooks/:id/deliveries/:deliveryId/resend',
    { config: { access: ADMINS, bigintParams: ['deliveryId'] } },
    async (request, reply) => {
      const { id, deliveryId } = parseInput(deliveryParams, request.params)
      await webhooks.resendDelivery(councilUser(request), id, deliveryId)
      return reply.redirect(`/admin/webhooks/${id}?resent=1`, 303)
    },
  )

  // ---- API ----

  app.get(
    '/api/v1/webhooks',
    {
      config: { access: ADMINS },
      schema: operation({
        summary: 'Your council’s webhooks (never their secrets), a page at a time',
        tags: ['webhooks'],
        querystring: pagingQuery,
        responses: { 200: pagedSchema('webhooks', webhookSchema) },
        errors: [],
      }),
    },
    async (request) => {
      const paging = parseInput(pagingQuery, request.query ?? {})
      return pageOfList(
        'webhooks',
        (await webhooks.listEndpoints(user(request).councilId)).map(showEndpoint),
        paging,
      )
    },
  )

  app.post(
    '/api/v1/webhooks',
    {
      config: { access: ADMINS },
      schema: operation({
        summary:
          'Register a webhook. Give a secret of your own or leave it out for one to be made; the answer is the only time it is shown. A URL Caremarket may not call (not https, a private or loopback address, Caremarket itself) is a 400 saying why.',
        tags: ['webhooks'],
        body: endpointInputSchema,
        responses: { 201: webhookCreatedSchema },
        errors: [],
      }),
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.createEndpoint(councilUser(request), request.body)
      return reply.code(201).send({ webhook: showEndpoint(endpoint), secret })
    },
  )

  app.get(
    '/api/v1/webhooks/:id',
    {
      config: { access: ADMINS },
      schema: operation({
        summary: 'One webhook',
        tags: ['webhooks'],
        params: endpointParams,
        responses: { 200: z.object({ webhook: webhookSchema }) },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(endpointParams, request.params)
      return { webhook: showEndpoint(await webhooks.getEndpoint(user(request).councilId, id)) }
    },
  )

  app.put(
    '/api/v1/webhooks/:id',
    {
      config: { access: ADMINS },
      schema: operation({
        summary: 'Change a webhook’s URL, events or description; its secret only when one is given',
        tags: ['webhooks'],
        params: endpointParams,
        body: endpointInputSchema,
        responses: { 200: z.object({ webhook: webhookSchema }) },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(endpointParams, request.params)
      return { webhook: showEndpoint(await webhooks.updateEndpoint(councilUser(request), id, request.body)) }
    },
  )

  app.delete(
    '/api/v1/webhooks/:id',
    {
      config: { access: ADMINS },
      schema: operation({
        summary: 'Remove a webhook and its delivery log',
        tags: ['webhooks'],
        params: endpointParams,
        responses: { 200: z.object({ deleted: z.literal(true) }) },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(endpointParams, request.params)
      await webhooks.deleteEndpoint(councilUser(request), id)
      return { deleted: true as const }
    },
  )

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config: { access: ADMINS },
      schema: operation({
        summary: 'A webhook’s deliveries, newest first, 50 at a time (?before= the last ID of a page)',
        tags: ['webhooks'],
        params: endpointParams,
        querystring: listQuery,
        responses: { 200: z.object({ deliveries: z.array(deliverySchema) }) },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(endpointParams, request.params)
      const { before } = parseInput(listQuery, request.query)
      const rows = await webhooks.listDeliveries(user(request).councilId, id, { before, limit: PAGE_SIZE })
      return { deliveries: rows.map(showDelivery) }
    },
  )

  app.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/resend',
    {
      config: { access: ADMINS, bigintParams: ['deliveryId'] },
      schema: operation({
        summary: 'Send a delivery again now, with the same event ID, retrying for another 24 hours',
        tags: ['webhooks'],
        params: deliveryParams,
        responses: { 200: z.object({ queued: z.literal(true) }) },
        errors: [404],
      }),
    },
    async (request) => {
      const { id, deliveryId } = parseInput(deliveryParams, request.params)
      await webhooks.resendDelivery(councilUser(request), id, deliveryId)
      return { queued: true as const }
    },
  )
}
