// SQL for the brokerage tables that offers, awards and packages share: loading a request with its
// person and visits, the current publication round, and the in-app inbox.
import { and, asc, desc, eq, max, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import { NotFoundError } from '../../errors.ts'
import { enqueueEmail } from '../../notifications/service.ts'
import type { RequestStatus } from '../rules/lifecycle.ts'
import type { RequestServiceType } from '../rules/vocabulary.ts'
import { eligibilityDecisions, inbox, people, requestVisits, sourcingRequests } from '../schema.ts'
import { providerUserEmailsByOrganisation } from './register-queries.ts'
import type { VisitPattern } from './rules.ts'

export type RequestRow = Omit<typeof sourcingRequests.$inferSelect, 'serviceType' | 'status'> & {
  serviceType: RequestServiceType
  status: RequestStatus
}
export type PersonRow = typeof people.$inferSelect

export interface LoadedRequest {
  request: RequestRow
  person: PersonRow
  visits: VisitPattern[]
}

/**
 * Runs independent reads: at once on a pooled database (PostgreSQL gives each its own connection),
 * one after another inside a transaction, whose single connection must not be asked two things at once.
 */
export async function readTogether<T extends readonly unknown[]>(
  db: Queryable,
  reads: { [K in keyof T]: () => Promise<T[K]> },
): Promise<T> {
  if (typeof (db as { rollback?: unknown }).rollback === 'function') {
    const results: unknown[] = []
    for (const read of reads) results.push(await read())
    return results as unknown as T
  }
  return Promise.all(reads.map((read) => read())) as unknown as Promise<T>
}

/**
 * A request of the council with its person and visits; NotFoundError outside the council.
 * `lock` takes the row lock that serialises awards on one request.
 */
export async function loadRequest(
  db: Queryable,
  councilId: number,
  requestId: number,
  options: { lock?: boolean } = {},
): Promise<LoadedRequest> {
  const query = db
    .select({ request: sourcingRequests, person: people })
    .from(sourcingRequests)
    .innerJoin(people, eq(people.id, sourcingRequests.personId))
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
  const [[row], visits] = await readTogether(db, [
    async () => (options.lock ? query.for('update', { of: sourcingRequests }) : query),
    () => loadVisits(db, councilId, requestId),
  ])
  if (!row) throw new NotFoundError('No such request')
  return { request: row.request as RequestRow, person: row.person, visits }
}

export async function loadVisits(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<VisitPattern[]> {
  return db
    .select({
      id: requestVisits.id,
      days: requestVisits.days,
      windowStart: requestVisits.windowStart,
      windowEnd: requestVisits.windowEnd,
      durationMinutes: requestVisits.durationMinutes,
      carers: requestVisits.carers,
    })
    .from(requestVisits)
    .where(and(eq(requestVisits.councilId, councilId), eq(requestVisits.requestId, requestId)))
    .orderBy(asc(requestVisits.windowStart), asc(requestVisits.id))
}

/** The latest publication round with stored decisions; 0 when the request was never published. */
export async function latestRound(db: Queryable, requestId: number): Promise<number> {
  const [row] = await db
    .select({ round: max(eligibilityDecisions.round) })
    .from(eligibilityDecisions)
    .where(eq(eligibilityDecisions.requestId, requestId))
  return row?.round ?? 0
}

/** The latest round's decisions for some locations of one request, by location. */
export async function decisionsFor(
  db: Queryable,
  requestId: number,
  locationIds: readonly number[],
): Promise<Map<number, typeof eligibilityDecisions.$inferSelect>> {
  const result = new Map<number, typeof eligibilityDecisions.$inferSelect>()
  if (locationIds.length === 0) return result
  const rows = await db
    .select()
    .from(eligibilityDecisions)
    .where(
      and(
        eq(eligibilityDecisions.requestId, requestId),
        sql`${eligibilityDecisions.round} = (select max(round) from ${eligibilityDecisions} where request_id = ${requestId})`,
        sql`${eligibilityDecisions.locationId} = any(${sql.param([...locationIds])}::int[])`,
      ),
    )
  for (const row of rows) result.set(row.locationId, row)
  return result
}

export interface ProviderMessage {
  providerOrganisationId: number
  subject: string
  body: string
  link: string
}

/**
 * Tells provider organisations something in the app and by email: one inbox message and one email
 * (to all its active provider users) per organisation, written in the caller's transaction so the
 * messages exist exactly when the change does.
 */
export async function notifyOrganisations(
  tx: Queryable,
  councilId: number,
  kind: string,
  messages: readonly ProviderMessage[],
): Promise<{ inbox: number; emails: number }> {
  if (messages.length === 0) return { inbox: 0, emails: 0 }
  await tx.insert(inbox).values(
    messages.map((m) => ({
      councilId,
      providerOrganisationId: m.providerOrganisationId,
      subject: m.subject.slice(0, 200),
      body: m.body,
      link: m.link,
    })),
  )
  const recipients = await providerUserEmailsByOrganisation(
    tx,
    councilId,
    messages.map((m) => m.providerOrganisationId),
  )
  let emails = 0
  for (const message of messages) {
    const to = recipients.get(message.providerOrganisationId) ?? []
    if (to.length === 0) continue
    await enqueueEmail(tx, {
      councilId,
      kind,
      to: to.join(', '),
      subject: message.subject.slice(0, 200),
      body: `${message.body}\n\nSign in to Caremarket to see it: ${message.link}`,
    })
    emails++
  }
  return { inbox: messages.length, emails }
}

export type InboxMessage = typeof inbox.$inferSelect

/** An organisation's in-app messages, newest first. */
export async function organisationInbox(
  db: Queryable,
  councilId: number,
  providerOrganisationId: number,
  limit = 100,
): Promise<InboxMessage[]> {
  return db
    .select()
    .from(inbox)
    .where(and(eq(inbox.councilId, councilId), eq(inbox.providerOrganisationId, providerOrganisationId)))
    .orderBy(desc(inbox.createdAt), desc(inbox.id))
    .limit(limit)
}

/** Whether a thrown error is PostgreSQL's unique violation, whichever driver wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === '23505') return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
