import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import type { SessionUser } from '../accounts/service.ts'
import { parseInput } from '../errors.ts'
import { recordId } from '../storable.ts'
import type { DomainOptions } from '../web/domain.ts'
import type { Capability } from '../web/navigation.ts'
import { OUTBOX_STATUS_LABELS, outboxStatus } from './rules.ts'
import { EMAIL_KIND_LABELS, getOutboxMessage, listOutbox, type OutboxMessage } from './service.ts'

const OUTBOX_READERS = ['commissioner', 'council_admin'] as const

/** Pages this domain offers, for the navigation and each role's home page. */
export const notificationsCapabilities: Capability[] = [
  {
    href: '/admin/outbox',
    label: 'Email outbox',
    description: 'See every email Caremarket has sent or is waiting to send, such as reminders to providers.',
    roles: OUTBOX_READERS,
  },
]

const PAGE_SIZE = 50
// Outbox messages have bigint IDs.
const idParams = z.object({ id: recordId('Message ID', { column: 'bigint' }) })
const listQuery = z.object({ before: recordId('before', { column: 'bigint' }).optional() })

export const notificationsRoutes: FastifyPluginAsync<DomainOptions> = async (app, { db, config }) => {
  const smtpConfigured = config.smtp !== null
  const describe = (message: OutboxMessage) => {
    const status = outboxStatus(message, smtpConfigured)
    return {
      ...message,
      status,
      statusLabel: OUTBOX_STATUS_LABELS[status],
      kindLabel: EMAIL_KIND_LABELS[message.kind] ?? message.kind,
    }
  }

  app.get('/admin/outbox', { config: { access: OUTBOX_READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { before } = parseInput(listQuery, request.query)
    // One extra row says whether there is an older page.
    const rows = await listOutbox(db, user.councilId, { before, limit: PAGE_SIZE + 1 })
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
      const message = describe(await getOutboxMessage(db, user.councilId, id))
      return reply.view('notifications/views/outbox-message.njk', {
        pageTitle: message.subject,
        message,
      })
    },
  )
}
