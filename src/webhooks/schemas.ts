// What the webhooks API answers, documented in /openapi.json.
import { z } from 'zod'
import { WEBHOOK_EVENT_TYPES } from './rules.ts'

export const webhookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  description: z.string().nullable(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
})

export const webhookCreatedSchema = z
  .object({
    webhook: webhookSchema,
    secret: z.string().describe('Signs every delivery. Shown only now: keep it in your case system.'),
  })
  .describe('The new webhook and its secret')

export const deliverySchema = z.object({
  id: z.number().int(),
  eventId: z.uuid(),
  eventType: z.enum(WEBHOOK_EVENT_TYPES),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastResponseStatus: z.number().int().nullable(),
  lastOutcome: z.string().nullable(),
  lastAttemptAt: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime(),
  deliveredAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
})
