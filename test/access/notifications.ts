import { outbox } from '../../src/db/schema.ts'
import type { AccessRule } from './types.ts'

export const notificationsRules: AccessRule[] = [
  { route: 'GET /admin/outbox', allowed: ['commissioner', 'council_admin'] },
  {
    route: 'GET /admin/outbox/:id',
    allowed: ['commissioner', 'council_admin'],
    url: async ({ database, home }) => {
      const [message] = await database.db
        .insert(outbox)
        .values({
          councilId: home.councilId,
          kind: 'capacity_reminder',
          toAddress: 'provider@example.org',
          subject: 'Matrix message',
          bodyText: 'Hello',
        })
        .returning({ id: outbox.id })
      return `/admin/outbox/${message?.id}`
    },
  },
]
