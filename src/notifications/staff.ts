// Council staff's notifications: each goes to the person's inbox in Caremarket and, as they choose
// for its kind, by email at once (through the outbox, in the transaction of the change) or in the
// next daily digest. Messages name a request by its reference and link to it; never the person.
import { and, asc, count, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm'
import { z } from 'zod'
import { councilStaff, type StaffMember } from '../accounts/recipients.ts'
import type { Role } from '../accounts/roles.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput } from '../errors.ts'
import { formatLondonDate, formatLondonDateTime } from '../shared/dates.ts'
import {
  DELIVERIES,
  DELIVERY_LABELS,
  type Delivery,
  deliveryOf,
  digestCutoff,
  KINDS,
  kindsFor,
  type NotificationKind,
} from './kinds.ts'
import { notificationPreferences, staffNotifications } from './schema.ts'
import { enqueueEmail } from './service.ts'

export type StaffNotification = typeof staffNotifications.$inferSelect

/** The person a notification list or change is for: the signed-in user. */
export interface Reader {
  id: number
  councilId: number
  role: Role
}

// Emailed links need this service's address; it is one per process, set when the services are
// composed (the event handlers that email are registered once, without the configuration).
let linkBase = 'http://localhost:3000'

/** Where links in notification emails point: the configured origin of the service. */
export function setNotificationLinkBase(base: string): void {
  linkBase = base.replace(/\/+$/, '')
}

/** A path in Caremarket as a link someone can follow from an email. */
function emailLink(path: string): string {
  return `${linkBase}${path}`
}

export interface Notice {
  councilId: number
  kind: NotificationKind
  requestId: number | null
  subject: string
  body: string
  link: string
  /** A notice given only once to each person (a republish falling due): the same key is not sent again. */
  onceKey?: string
}

/**
 * Tells each of these people of something, in the given transaction: into their inbox unless they
 * turned the kind off, and by email now if they chose that. Returns who was told.
 */
export async function notifyStaff(
  tx: Queryable,
  recipients: readonly StaffMember[],
  notice: Notice,
): Promise<{ told: number[]; emailed: number[] }> {
  const people = [...new Map(recipients.map((r) => [r.id, r])).values()].filter(
    (r) => r.councilId === notice.councilId && KINDS[notice.kind].roles.includes(r.role),
  )
  if (people.length === 0) return { told: [], emailed: [] }
  const stored = await tx
    .select({
      userId: notificationPreferences.userId,
      kind: notificationPreferences.kind,
      delivery: notificationPreferences.delivery,
    })
    .from(notificationPreferences)
    .where(
      and(
        inArray(
          notificationPreferences.userId,
          people.map((p) => p.id),
        ),
        eq(notificationPreferences.kind, notice.kind),
      ),
    )
  const told: number[] = []
  const emailed: number[] = []
  for (const person of people) {
    const delivery = deliveryOf(
      notice.kind,
      new Map(stored.filter((s) => s.userId === person.id).map((s) => [s.kind, s.delivery])),
    )
    if (delivery === 'off') continue
    const [row] = await tx
      .insert(staffNotifications)
      .values({
        councilId: notice.councilId,
        userId: person.id,
        kind: notice.kind,
        requestId: notice.requestId,
        subject: notice.subject,
        body: notice.body,
        link: notice.link,
        email: delivery,
        onceKey: notice.onceKey ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: staffNotifications.id })
    if (!row) continue
    told.push(person.id)
    if (delivery !== 'immediate') continue
    await enqueueEmail(tx, {
      councilId: notice.councilId,
      kind: `staff_${notice.kind}`,
      to: person.email,
      subject: notice.subject,
      body: `${notice.body}\n\nSee it in Caremarket (you will be asked to sign in): ${emailLink(notice.link)}\n\n${preferencesLine()}`,
    })
    emailed.push(person.id)
  }
  return { told, emailed }
}

/** Which of these requests' once-only notices of a kind have been given, by their keys. */
export async function givenOnceKeys(
  db: Queryable,
  kind: NotificationKind,
  requestIds: readonly number[],
): Promise<Set<string>> {
  if (requestIds.length === 0) return new Set()
  const rows = await db
    .selectDistinct({ key: staffNotifications.onceKey })
    .from(staffNotifications)
    .where(and(eq(staffNotifications.kind, kind), inArray(staffNotifications.requestId, [...requestIds])))
  return new Set(rows.flatMap((r) => (r.key ? [r.key] : [])))
}

function preferencesLine(): string {
  return `To choose which notifications you are emailed, go to ${emailLink('/notifications/preferences')}`
}

// ---------------------------------------------------------------------------------------------
// The inbox

const pageQuery = z.object({
  page: z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : v),
    z.coerce
      .number({ error: 'page must be a whole number from 1' })
      .int({ error: 'page must be a whole number from 1' })
      .min(1, { error: 'page must be a whole number from 1' })
      .max(100_000, { error: 'page must be a whole number from 1' })
      .default(1),
  ),
})

const INBOX_PAGE_SIZE = 25

/** A person's notifications, newest first, a page at a time, with how many there are and are unread. */
export async function listStaffNotifications(
  db: Queryable,
  reader: Reader,
  query: unknown = {},
): Promise<{
  notifications: StaffNotification[]
  total: number
  unread: number
  page: number
  pages: number
}> {
  const { page } = parseInput(pageQuery, query)
  const mine = and(
    eq(staffNotifications.councilId, reader.councilId),
    eq(staffNotifications.userId, reader.id),
  )
  const notifications = await db
    .select()
    .from(staffNotifications)
    .where(mine)
    .orderBy(desc(staffNotifications.id))
    .limit(INBOX_PAGE_SIZE)
    .offset((page - 1) * INBOX_PAGE_SIZE)
  const [counted] = await db
    .select({
      total: count(),
      unread: sql<number>`count(*) filter (where ${staffNotifications.readAt} is null)`.mapWith(Number),
    })
    .from(staffNotifications)
    .where(mine)
  const total = counted?.total ?? 0
  return {
    notifications,
    total,
    unread: counted?.unread ?? 0,
    page,
    pages: Math.max(1, Math.ceil(total / INBOX_PAGE_SIZE)),
  }
}

/** How many of a person's notifications are unread: the count in the header. */
export async function unreadStaffNotifications(db: Queryable, reader: Reader): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(staffNotifications)
    .where(
      and(
        eq(staffNotifications.councilId, reader.councilId),
        eq(staffNotifications.userId, reader.id),
        isNull(staffNotifications.readAt),
      ),
    )
  return row?.n ?? 0
}

/** Marks one of the person's own notifications read; another's answers as not found. */
export async function markStaffNotificationRead(
  db: Queryable,
  reader: Reader,
  id: number,
  now: Date = new Date(),
): Promise<StaffNotification> {
  const [row] = await db
    .update(staffNotifications)
    .set({ readAt: sql`coalesce(${staffNotifications.readAt}, ${now.toISOString()}::timestamptz)` })
    .where(
      and(
        eq(staffNotifications.id, id),
        eq(staffNotifications.councilId, reader.councilId),
        eq(staffNotifications.userId, reader.id),
      ),
    )
    .returning()
  if (!row) throw new NotFoundError('No such notification')
  return row
}

/** Marks every one of the person's notifications read. */
export async function markAllStaffNotificationsRead(
  db: Queryable,
  reader: Reader,
  now: Date = new Date(),
): Promise<{ marked: number }> {
  const rows = await db
    .update(staffNotifications)
    .set({ readAt: now })
    .where(
      and(
        eq(staffNotifications.councilId, reader.councilId),
        eq(staffNotifications.userId, reader.id),
        isNull(staffNotifications.readAt),
      ),
    )
    .returning({ id: staffNotifications.id })
  return { marked: rows.length }
}

// ---------------------------------------------------------------------------------------------
// Preferences

export interface PreferenceRow {
  kind: NotificationKind
  label: string
  hint: string
  delivery: Delivery
}

/** Each kind the person's role is sent, with their choice for it (or its default). */
export async function getNotificationPreferences(db: Queryable, reader: Reader): Promise<PreferenceRow[]> {
  const stored = await db
    .select({ kind: notificationPreferences.kind, delivery: notificationPreferences.delivery })
    .from(notificationPreferences)
    .where(
      and(
        eq(notificationPreferences.councilId, reader.councilId),
        eq(notificationPreferences.userId, reader.id),
      ),
    )
  const chosen = new Map(stored.map((s) => [s.kind, s.delivery]))
  return kindsFor(reader.role).map((kind) => ({
    kind,
    label: KINDS[kind].label,
    hint: KINDS[kind].hint,
    delivery: deliveryOf(kind, chosen),
  }))
}

const deliveryMessage = (label: string) =>
  `Choose how to be told of “${label}”: ${DELIVERIES.map((d) => DELIVERY_LABELS[d].toLowerCase()).join(', or ')}`

/** Saves the person's choice for every kind their role is sent; each must be given and valid. */
export async function saveNotificationPreferences(
  db: Database,
  reader: Reader,
  input: unknown,
): Promise<PreferenceRow[]> {
  const kinds = kindsFor(reader.role)
  const schema = z.object(
    Object.fromEntries(
      kinds.map((kind) => [kind, z.enum(DELIVERIES, { error: deliveryMessage(KINDS[kind].label) })]),
    ) as Record<NotificationKind, z.ZodEnum<{ [K in Delivery]: K }>>,
  )
  const chosen = parseInput(schema, input ?? {}) as Partial<Record<NotificationKind, Delivery>>
  const now = new Date()
  await db.transaction(async (tx) => {
    for (const kind of kinds) {
      const delivery = chosen[kind]
      if (!delivery) continue
      await tx
        .insert(notificationPreferences)
        .values({ councilId: reader.councilId, userId: reader.id, kind, delivery, updatedAt: now })
        .onConflictDoUpdate({
          target: [notificationPreferences.userId, notificationPreferences.kind],
          set: { delivery, updatedAt: now },
        })
    }
  })
  return getNotificationPreferences(db, reader)
}

// ---------------------------------------------------------------------------------------------
// The daily digest

/**
 * Sends each person one email with the notifications they chose to have in a daily digest and
 * have not had yet, gathered up to the start of today (London), from DIGEST_HOUR. Each person's
 * notifications are claimed and emailed in one transaction, so a digest is sent once, even with
 * several instances running the job.
 */
export async function sendStaffDigests(
  db: Database,
  now: Date = new Date(),
): Promise<{ digests: number; notifications: number }> {
  const cutoff = digestCutoff(now)
  if (!cutoff) return { digests: 0, notifications: 0 }
  const due = and(
    eq(staffNotifications.email, 'digest'),
    isNull(staffNotifications.digestedAt),
    lt(staffNotifications.createdAt, cutoff),
  )
  const people = await db
    .selectDistinct({ councilId: staffNotifications.councilId, userId: staffNotifications.userId })
    .from(staffNotifications)
    .where(due)
    .orderBy(asc(staffNotifications.councilId), asc(staffNotifications.userId))
  let digests = 0
  let notifications = 0
  const byCouncil = new Map<number, number[]>()
  for (const p of people) byCouncil.set(p.councilId, [...(byCouncil.get(p.councilId) ?? []), p.userId])
  for (const [councilId, userIds] of byCouncil) {
    // Looked up before the transactions, once for the council.
    const staff = new Map((await councilStaff(db, councilId, { userIds })).map((s) => [s.id, s]))
    for (const userId of userIds) {
      const person = staff.get(userId)
      await db.transaction(async (tx) => {
        const claimed = await tx
          .update(staffNotifications)
          .set({ digestedAt: now })
          .where(and(due, eq(staffNotifications.councilId, councilId), eq(staffNotifications.userId, userId)))
          .returning()
        // Someone no longer active is not emailed; their digest items are settled all the same.
        if (claimed.length === 0 || !person) return
        claimed.sort((a, b) => a.id - b.id)
        await enqueueEmail(tx, {
          councilId,
          kind: 'staff_digest',
          to: person.email,
          subject: `Caremarket: your notifications up to ${formatLondonDate(new Date(cutoff.getTime() - 1))}`,
          body: digestBody(claimed),
        })
        digests++
        notifications += claimed.length
      })
    }
  }
  return { digests, notifications }
}

function digestBody(items: readonly StaffNotification[]): string {
  const lines = items.map(
    (n) =>
      `- ${n.subject} (${formatLondonDateTime(new Date(n.createdAt))})\n  ${n.body}\n  ${emailLink(n.link)}`,
  )
  const heading = items.length === 1 ? 'You have 1 notification:' : `You have ${items.length} notifications:`
  return `${heading}\n\n${lines.join('\n\n')}\n\nSign in to Caremarket to act on them. ${preferencesLine()}`
}
