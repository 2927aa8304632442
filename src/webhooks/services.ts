// Webhooks' services as the registry hands them out: each closes over the database and the URL
// policy the configuration sets.
import type { Config } from '../config.ts'
import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { sendDueWebhooks } from './sender.ts'
import {
  type CouncilUser,
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  resendDelivery,
  updateEndpoint,
} from './service.ts'
import type { WebhookUrlPolicy } from './url-rules.ts'

function webhookUrlPolicy(config: Config): WebhookUrlPolicy {
  return { ...config.webhooks, ownOrigin: config.baseUrl }
}

export function createWebhooksServices({ db, config }: { db: Database; config: Config }) {
  const policy = webhookUrlPolicy(config)
  return {
    webhooks: {
      ...bindDatabase(db, { listEndpoints, getEndpoint, deleteEndpoint, listDeliveries, resendDelivery }),
      createEndpoint: (user: CouncilUser, input: unknown) => createEndpoint(db, policy, user, input),
      updateEndpoint: (user: CouncilUser, id: number, input: unknown) =>
        updateEndpoint(db, policy, user, id, input),
      /** Delivers what is due; the scheduler's job. */
      sendDue: (options: { now?: Date; limit?: number } = {}) => sendDueWebhooks(db, { policy, ...options }),
    },
  }
}

export type WebhooksServices = ReturnType<typeof createWebhooksServices>
