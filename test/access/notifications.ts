import { outbox } from '../../src/db/schema.ts'
import type { AccessRule } from './types.ts'
import { STAFF } from './types.ts'

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
  // Council staff's own notifications: each person reads and marks only their own.
  { route: 'GET /notifications', allowed: STAFF },
  { route: 'POST /notifications/mark-read', allowed: STAFF },
  { route: 'POST /notifications/read-all', allowed: STAFF },
  { route: 'GET /notifications/preferences', allowed: STAFF },
  { route: 'POST /notifications/preferences', allowed: STAFF },
]
