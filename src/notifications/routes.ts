import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { COUNCIL_ROLES } from '../accounts/roles.ts'
import type { SessionUser } from '../accounts/service.ts'
import type { Config } from '../config.ts'
import { type FieldError, parseInput, ValidationError } from '../errors.ts'
import { recordId } from '../storable.ts'
import { field, formErrors } from '../web/forms.ts'
import type { Capability } from '../web/navigation.ts'
import { DELIVERIES, DELIVERY_LABELS, isKind, KINDS, kindsFor } from './kinds.ts'
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

// ---------------------------------------------------------------------------------------------
// Council staff's notifications

const STAFF = COUNCIL_ROLES
const markReadForm = z.object({
  notification: recordId('Notification', { column: 'bigint' }),
  open: z.string().optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
})

/** What the inbox and preferences pages are given. */
export interface StaffNotificationRouteOptions {
  staffNotifications: Pick<
    NotificationsServices['staffNotifications'],
    'list' | 'markRead' | 'markAllRead' | 'preferences' | 'savePreferences'
  >
}

/** Only a path inside Caremarket is followed from the inbox. */
const safeLink = (link: string) => (link.startsWith('/') && !link.startsWith('//') ? link : '/')

export const staffNotificationRoutes: FastifyPluginAsync<StaffNotificationRouteOptions> = async (
  app,
  { staffNotifications },
) => {
  app.get('/notifications', { config: { access: STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const result = await staffNotifications.list(user, request.query)
    const pageHref = (n: number) => (n === 1 ? '/notifications' : `/notifications?page=${n}`)
    return reply.view('notifications/views/inbox.njk', {
      pageTitle: 'Notifications',
      ...result,
      notifications: result.notifications.map((n) => ({
        ...n,
        link: safeLink(n.link),
        kindLabel: isKind(n.kind) ? KINDS[n.kind].label : n.kind,
      })),
      marked: field(request.query, 'marked') === '1',
      pagination:
        result.pages > 1
          ? {
              previous: result.page > 1 ? { href: pageHref(result.page - 1) } : undefined,
              next: result.page < result.pages ? { href: pageHref(result.page + 1) } : undefined,
              items: Array.from({ length: result.pages }, (_, i) => ({
                number: i + 1,
                href: pageHref(i + 1),
                current: i + 1 === result.page,
              })),
            }
          : undefined,
      hasKinds: kindsFor(user.role).length > 0,
    })
  })

  app.post('/notifications/mark-read', { config: { access: STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { notification, open, page } = parseInput(markReadForm, request.body ?? {})
    const row = await staffNotifications.markRead(user, notification)
    // "Open" marks it read and goes where it points; "Mark as read" comes back to the same page.
    if (open === '1') return reply.redirect(safeLink(row.link), 303)
    return reply.redirect(page && page > 1 ? `/notifications?page=${page}` : '/notifications', 303)
  })

  app.post('/notifications/read-all', { config: { access: STAFF } }, async (request, reply) => {
    await staffNotifications.markAllRead(request.user as SessionUser)
    return reply.redirect('/notifications?marked=1', 303)
  })

  const showPreferences = async (
    reply: FastifyReply,
    user: SessionUser,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[]; saved?: boolean },
  ) => {
    const rows = await staffNotifications.preferences(user)
    return reply.code(options.status ?? 200).view('notifications/views/preferences.njk', {
      pageTitle: 'Notification settings',
      preferences: rows.map((row) => ({
        ...row,
        value: options.values?.[row.kind] ?? row.delivery,
      })),
      deliveries: DELIVERIES.map((value) => ({ value, text: DELIVERY_LABELS[value] })),
      saved: options.saved ?? false,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/notifications/preferences', { config: { access: STAFF } }, async (request, reply) =>
    showPreferences(reply, request.user as SessionUser, { saved: field(request.query, 'saved') === '1' }),
  )

  app.post('/notifications/preferences', { config: { access: STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = Object.fromEntries(kindsFor(user.role).map((kind) => [kind, field(request.body, kind)]))
    try {
      await staffNotifications.savePreferences(user, values)
      return reply.redirect('/notifications/preferences?saved=1', 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showPreferences(reply, user, { status: 400, values, errors: error.errors })
      throw error
    }
  })
}

/**
 * Puts the signed-in council staff member's unread count in every page's header. Added on the
 * root app so it runs for every module's pages; JSON answers and assets skip it.
 */
export function showUnreadCount(
  app: FastifyInstance,
  unread: NotificationsServices['staffNotifications']['unread'],
): void {
  app.addHook('preHandler', async (request, reply) => {
    const user = request.user as SessionUser | undefined
    if (!user || !COUNCIL_ROLES.includes(user.role) || user.apiTokenId !== undefined) return
    if (!reply.locals || !('navigation' in reply.locals)) return
    reply.locals.unreadNotifications = await unread(user)
  })
}
