import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import type { SessionUser } from '../accounts/service.ts'
import type { Config } from '../config.ts'
import { parseInput } from '../errors.ts'
import { recordId } from '../storable.ts'
import type { Capability } from '../web/navigation.ts'
import { bodyForMailLog, OUTBOX_STATUS_LABELS, outboxStatus } from './rules.ts'
import { EMAIL_KIND_LABELS, type OutboxMessage } from './service.ts'
import type { NotificationsServices } from './services.ts'

const OUTBOX_READERS = ['commissioner', 'council_admin'] as const

/** Pages this domain offers, for the navigation and each role's home page. */
export const notificationsCapabilities: Capability[] = [
  {
    href: '/admin/outbox',
    section: 'admin',
    label: 'Email outbox',
    description: 'See every email Caremarket has sent or is waiting to send, such as reminders to providers.',
    roles: OUTBOX_READERS,
  },
]

const PAGE_SIZE = 50
// Outbox messages have bigint IDs.
const idParams = z.object({ id: recordId('Message ID', { column: 'bigint' }) })
const listQuery = z.object({ before: recordId('before', { column: 'bigint' }).optional() })

/** What the mail log's pages are given: the services they call, nothing more. */
export interface NotificationsRouteOptions {
  notifications: Pick<NotificationsServices['notifications'], 'listOutbox' | 'getOutboxMessage'>
  config: Config
}

export const notificationsRoutes: FastifyPluginAsync<NotificationsRouteOptions> = async (
  app,
  { notifications, config },
) => {
  const smtpConfigured = config.smtp !== null
  const describe = (message: OutboxMessage) => {
    const status = outboxStatus(message, smtpConfigured)
    return {
      ...message,
      bodyText: bodyForMailLog(message.bodyText),
      status,
      statusLabel: OUTBOX_STATUS_LABELS[status],
      kindLabel: EMAIL_KIND_LABELS[message.kind] ?? message.kind,
    }
  }

  app.get('/admin/outbox', { config: { access: OUTBOX_READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { before } = parseInput(listQuery, request.query)
    // One extra row says whether there is an older page.
    const rows = await notifications.listOutbox(user.councilId, { before, limit: PAGE_SIZE + 1 })
    const page = rows.slice(0, PAGE_SIZE)
    return reply.view('notifications/views/outbox.njk', {
      pageTitle: 'Email outbox',
      smtpConfigured,
      messages: page.map(describe),
      olderHref: rows.length > PAGE_SIZE ? `/admin/outbox?before=${page.at(-1)?.id}` : undefined,
      newestHref: before ? '/admin/outbox' : undefined,
    })
  })

  app.get(
    '/admin/outbox/:id',
    { config: { access: OUTBOX_READERS, bigintParams: ['id'] } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(idParams, request.params)
      const message = describe(await notifications.getOutboxMessage(user.councilId, id))
      return reply.view('notifications/views/outbox-message.njk', {
        pageTitle: message.subject,
        message,
      })
    },
  )
}
