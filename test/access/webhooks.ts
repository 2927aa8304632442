import { webhookDeliveries, webhookEndpoints } from '../../src/db/schema.ts'
import type { AccessRule, MatrixContext } from './types.ts'

const ADMIN: AccessRule['allowed'] = ['council_admin']

/** A webhook of the home council, new for each call (some rules remove theirs). */
async function endpoint({ database, home }: MatrixContext): Promise<number> {
  const [row] = await database.db
    .insert(webhookEndpoints)
    .values({
      councilId: home.councilId,
      url: 'https://cases.home.example/hooks',
      secret: 'matrix-secret-of-at-least-24-chars',
      eventTypes: ['request.published'],
      createdBy: 'matrix',
    })
    .returning({ id: webhookEndpoints.id })
  if (!row) throw new Error('no webhook')
  return row.id
}

async function delivery(context: MatrixContext): Promise<string> {
  const endpointId = await endpoint(context)
  const eventId = crypto.randomUUID()
  const [row] = await context.database.db
    .insert(webhookDeliveries)
    .values({
      councilId: context.home.councilId,
      endpointId,
      eventId,
      eventType: 'request.published',
      payload: { id: eventId },
      status: 'failed',
      retryUntil: new Date(),
    })
    .returning({ id: webhookDeliveries.id })
  return `${endpointId}/deliveries/${row?.id}`
}

export const webhooksRules: AccessRule[] = [
  { route: 'GET /admin/webhooks', allowed: ADMIN },
  { route: 'GET /admin/webhooks/new', allowed: ADMIN },
  { route: 'POST /admin/webhooks', allowed: ADMIN },
  {
    route: 'GET /admin/webhooks/:id',
    allowed: ADMIN,
    url: async (c) => `/admin/webhooks/${await endpoint(c)}`,
  },
  {
    route: 'GET /admin/webhooks/:id/edit',
    allowed: ADMIN,
    url: async (c) => `/admin/webhooks/${await endpoint(c)}/edit`,
  },
  {
    route: 'POST /admin/webhooks/:id',
    allowed: ADMIN,
    url: async (c) => `/admin/webhooks/${await endpoint(c)}`,
  },
  {
    route: 'POST /admin/webhooks/:id/delete',
    allowed: ADMIN,
    url: async (c) => `/admin/webhooks/${await endpoint(c)}/delete`,
  },
  {
    route: 'POST /admin/webhooks/:id/deliveries/:deliveryId/resend',
    allowed: ADMIN,
    url: async (c) => `/admin/webhooks/${await delivery(c)}/resend`,
  },
  { route: 'GET /api/v1/webhooks', allowed: ADMIN },
  { route: 'POST /api/v1/webhooks', allowed: ADMIN },
  {
    route: 'GET /api/v1/webhooks/:id',
    allowed: ADMIN,
    url: async (c) => `/api/v1/webhooks/${await endpoint(c)}`,
  },
  {
    route: 'PUT /api/v1/webhooks/:id',
    allowed: ADMIN,
    url: async (c) => `/api/v1/webhooks/${await endpoint(c)}`,
  },
  {
    route: 'DELETE /api/v1/webhooks/:id',
    allowed: ADMIN,
    url: async (c) => `/api/v1/webhooks/${await endpoint(c)}`,
  },
  {
    route: 'GET /api/v1/webhooks/:id/deliveries',
    allowed: ADMIN,
    url: async (c) => `/api/v1/webhooks/${await endpoint(c)}/deliveries`,
  },
  {
    route: 'POST /api/v1/webhooks/:id/deliveries/:deliveryId/resend',
    allowed: ADMIN,
    url: async (c) => `/api/v1/webhooks/${await delivery(c)}/resend`,
  },
]
