// SQL for the brokerage tables that offers, awards and packages share: loading a request with its
// person and visits, the current publication round, and the in-app inbox.
import { and, asc, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm'
import { providerUserEmailsByOrganisation } from '../../accounts/service.ts'
import { auditLog } from '../../audit/schema.ts'
import { databaseNow } from '../../db/clock.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { preparedSql } from '../../db/prepared.ts'
import { ConflictError, NotFoundError } from '../../errors.ts'
import { enqueueEmail } from '../../notifications/service.ts'
import { locations } from '../../providers/schema.ts'
import type { RequestStatus } from '../rules/lifecycle.ts'
import type { RequestServiceType } from '../rules/vocabulary.ts'
import { eligibilityDecisions, inbox, offers, people, requestVisits, sourcingRequests } from '../schema.ts'
import type { VisitPattern } from './rules.ts'

/**
 * A request past draft, as offers, awards and invitations read it: the table's check constraint
 * holds a request past draft to have every answer.
 */
export type RequestRow = Omit<
  typeof sourcingRequests.$inferSelect,
  'serviceType' | 'status' | 'clientGroup' | 'needsSummary' | 'startDate'
> & {
  serviceType: RequestServiceType
  status: RequestStatus
  clientGroup: string
  needsSummary: string
  startDate: string
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
  // Until it is submitted a request's answers may be missing, and it has no eligibility or offers.
  if (row.request.status === 'draft') {
    throw new ConflictError(
      'This request is still a draft: it has no eligibility or offers until it is published',
    )
  }
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

/** How many of the organisation's messages nobody of it has opened the messages page to read. */
export async function countUnreadMessages(
  db: Queryable,
  councilId: number,
  providerOrganisationId: number,
): Promise<number> {
  const [row] = await db
    .select({ total: count() })
    .from(inbox)
    .where(
      and(
        eq(inbox.councilId, councilId),
        eq(inbox.providerOrganisationId, providerOrganisationId),
        isNull(inbox.readAt),
      ),
    )
  return row?.total ?? 0
}

/** The organisation's messages have been read: its messages page was opened. */
export async function markMessagesRead(
  db: Queryable,
  councilId: number,
  providerOrganisationId: number,
): Promise<void> {
  await db
    .update(inbox)
    .set({ readAt: sql`now()` })
    .where(
      and(
        eq(inbox.councilId, councilId),
        eq(inbox.providerOrganisationId, providerOrganisationId),
        isNull(inbox.readAt),
      ),
    )
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

// ---------------------------------------------------------------------------------------------
// Making an offer in two statements. Offers arrive in bursts from providers' systems, so the
// path is one read that gathers everything the checks need and one write that re-checks the
// request is open under a share lock, inserts the offer and appends its audit row
// (bench brokerage: twelve round trips per offer made it the bottleneck).

/** What makeOffer checks, for one request, one of the organisation's locations and an Idempotency-Key. */
export interface OfferContext {
  status: RequestStatus
  deadlineAt: Date | null
  /** The request's visits, for home care. */
  visitIds: number[]
  /** The location's name when it belongs to the organisation; null when it does not. */
  locationName: string | null
  /** Whether the location was invited in the latest publication round. */
  locationInvited: boolean
  /** Whether any of the organisation's locations was invited in the latest round. */
  organisationInvited: boolean
  /** The location's live (submitted) offer on the request. */
  liveOfferId: number | null
  /** The organisation's offer on the request made with the same Idempotency-Key. */
  repeatOfferId: number | null
  /** The fingerprint of the request that offer was made by; null for offers made before they were kept. */
  repeatFingerprint: string | null
  /** The database's time when this was read, to judge the deadline by the clock offers are stamped with. */
  checkedAt: Date
}

const latestRoundOf = (requestId: number) =>
  sql`(select max(round) from ${eligibilityDecisions} where request_id = ${requestId})`

/** One read for makeOffer; null when the council has no such request. */
export async function offerContext(
  db: Queryable,
  scope: { councilId: number; providerOrganisationId: number },
  requestId: number,
  locationId: number,
  idempotencyKey: string | null,
): Promise<OfferContext | null> {
  const [row] = await db
    .select({
      status: sourcingRequests.status,
      deadlineAt: sourcingRequests.deadlineAt,
      visitIds: sql<number[]>`array(select id from ${requestVisits}
        where council_id = ${scope.councilId} and request_id = ${requestId} order by id)`,
      locationName: sql<string | null>`(select name from ${locations}
        where id = ${locationId} and council_id = ${scope.councilId}
          and provider_organisation_id = ${scope.providerOrganisationId})`,
      locationInvited: sql<boolean>`exists(select 1 from ${eligibilityDecisions}
        where request_id = ${requestId} and round = ${latestRoundOf(requestId)}
          and location_id = ${locationId} and eligible)`,
      organisationInvited: sql<boolean>`exists(select 1 from ${eligibilityDecisions} d
        join ${locations} l on l.id = d.location_id
        where d.request_id = ${requestId} and d.round = ${latestRoundOf(requestId)} and d.eligible
          and l.provider_organisation_id = ${scope.providerOrganisationId})`,
      liveOfferId: sql<number | null>`(select id from ${offers}
        where request_id = ${requestId} and location_id = ${locationId} and status = 'submitted')`,
      repeatOfferId: idempotencyKey
        ? sql<number | null>`(select id from ${offers}
            where request_id = ${requestId} and provider_organisation_id = ${scope.providerOrganisationId}
              and idempotency_key = ${idempotencyKey})`
        : sql<number | null>`null::int`,
      repeatFingerprint: idempotencyKey
        ? sql<string | null>`(select idempotency_fingerprint from ${offers}
            where request_id = ${requestId} and provider_organisation_id = ${scope.providerOrganisationId}
              and idempotency_key = ${idempotencyKey})`
        : sql<string | null>`null::text`,
      checkedAt: sql<Date>`${databaseNow}`.mapWith(sourcingRequests.updatedAt),
    })
    .from(sourcingRequests)
    .where(and(eq(sourcingRequests.councilId, scope.councilId), eq(sourcingRequests.id, requestId)))
  return row ? { ...row, status: row.status as RequestStatus } : null
}

export interface NewOfferRow {
  councilId: number
  requestId: number
  locationId: number
  providerOrganisationId: number
  pricePence: number
  earliestStart: string
  meetsAllNeeds: boolean
  notes: string
  visitIds: number[]
  idempotencyKey: string | null
  /** SHA-256 of the request that came with the Idempotency-Key (`offerFingerprint`). */
  idempotencyFingerprint: string | null
  /** The time to stamp it with when the caller keeps its own clock; null for the database's. */
  now: Date | null
}

const p = (name: keyof NewOfferRow | 'actorUserId' | 'actor') => sql.placeholder(name)
const chosenVisits = sql`${p('visitIds')}::int[]`
const makeOfferStatement = preparedSql<{
  id: number
  version: number
  location_name: string
  at_ms: number
}>(
  'make_offer',
  sql`
    with open_request as (
      select r.id, r.council_id, r.deadline_at, l.name as location_name from ${sourcingRequests} r
      join ${locations} l on l.id = ${p('locationId')} and l.council_id = r.council_id
        and l.provider_organisation_id = ${p('providerOrganisationId')}
      where r.council_id = ${p('councilId')} and r.id = ${p('requestId')} and r.status = 'published'
        and exists(select 1 from ${eligibilityDecisions} d
          where d.request_id = r.id and d.location_id = ${p('locationId')} and d.eligible
            and d.round = (select max(round) from ${eligibilityDecisions} where request_id = r.id))
        and (select case when count(*) = 0 then cardinality(${chosenVisits}) = 0
                         else cardinality(${chosenVisits}) > 0 and ${chosenVisits} <@ array_agg(id) end
             from ${requestVisits} where council_id = r.council_id and request_id = r.id)
      for share of r
    ), stamped as (
      -- The time is read once the share lock is held, so a close waiting for it is later still.
      select open_request.*, coalesce(${p('now')}::timestamptz, ${databaseNow}) as at from open_request
    ), inserted as (
      insert into ${offers} (council_id, request_id, location_id, provider_organisation_id, price_pence,
        earliest_start, meets_all_needs, notes, visit_ids, idempotency_key, idempotency_fingerprint,
        created_at, updated_at)
      select council_id, id, ${p('locationId')}::int, ${p('providerOrganisationId')}::int,
        ${p('pricePence')}::int, ${p('earliestStart')}::date, ${p('meetsAllNeeds')}::boolean,
        ${p('notes')}::text, ${chosenVisits}, ${p('idempotencyKey')}::text,
        ${p('idempotencyFingerprint')}::text, at, at
      from stamped
      where deadline_at is null or deadline_at > at
      returning id, version, council_id, request_id, location_id, price_pence, visit_ids, created_at
    ), audited as (
      insert into ${auditLog} (council_id, actor_user_id, actor, action, entity_type, entity_id, details)
      select council_id, ${p('actorUserId')}::int, ${p('actor')}::text, 'offer.submitted', 'offer', id::text,
        jsonb_build_object('requestId', request_id, 'locationId', location_id,
          'pricePence', price_pence, 'visitIds', to_jsonb(visit_ids))
      from inserted
    )
    select inserted.id, inserted.version, stamped.location_name,
      (extract(epoch from inserted.created_at) * 1000)::float8 as at_ms
    from inserted, stamped`,
)

/**
 * Makes the offer and its audit row in one statement, only when every check passes: the request is
 * published and before its deadline, the location is the organisation's own and invited in the
 * latest round, and the visits are the request's (some of them for home care, none otherwise). The
 * share lock makes a broker's close wait for the offer, or the offer see the close; the offer's time
 * is read under it (the database's clock, as the close's is), and the deadline is checked against
 * that same time. Null when a check failed (the caller reads the context to say which); a unique
 * violation when the location already has a live offer or the Idempotency-Key was used.
 */
export async function insertOfferWithAudit(
  db: Database,
  offer: NewOfferRow,
  audit: { actorUserId: number | null; actor: string },
): Promise<{ id: number; version: number; locationName: string; at: Date } | null> {
  const [row] = await makeOfferStatement(db, { ...offer, ...audit, now: offer.now?.toISOString() ?? null })
  return row
    ? {
        id: Number(row.id),
        version: Number(row.version),
        locationName: row.location_name,
        at: new Date(Number(row.at_ms)),
      }
    : null
}

// ---------------------------------------------------------------------------------------------
// The provider's side: invitations and its own offers

/** Which of the organisation's invitations to read. */
export interface InvitationFilter {
  statuses?: RequestStatus[]
  requestIds?: number[]
  serviceType?: RequestServiceType
  /** A postcode district as stored. */
  outcode?: string
}

/** The latest round's invitations of these locations, ranked within each request. */
export function latestInvitations(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  where: InvitationFilter,
) {
  const conditions = [
    eq(eligibilityDecisions.councilId, councilId),
    eq(eligibilityDecisions.eligible, true),
    inArray(eligibilityDecisions.locationId, [...locationIds]),
    sql`${eligibilityDecisions.round} = (select max(d2.round) from ${eligibilityDecisions} d2 where d2.request_id = ${eligibilityDecisions.requestId})`,
  ]
  if (where.statuses) conditions.push(inArray(sourcingRequests.status, where.statuses))
  if (where.requestIds) conditions.push(inArray(eligibilityDecisions.requestId, where.requestIds))
  if (where.serviceType) conditions.push(eq(sourcingRequests.serviceType, where.serviceType))
  if (where.outcode) conditions.push(eq(people.outcode, where.outcode))
  return db
    .select({
      requestId: eligibilityDecisions.requestId,
      locationId: eligibilityDecisions.locationId,
      flags: eligibilityDecisions.flags,
      rankPenalty: eligibilityDecisions.rankPenalty,
    })
    .from(eligibilityDecisions)
    .innerJoin(sourcingRequests, eq(sourcingRequests.id, eligibilityDecisions.requestId))
    .innerJoin(people, eq(people.id, sourcingRequests.personId))
    .where(and(...conditions))
    .orderBy(asc(eligibilityDecisions.requestId), asc(eligibilityDecisions.rankPenalty))
}

/**
 * The provider organisations with a stake in a request: invited in its latest round, or having
 * offered on it (in any round). Each once.
 */
export async function bidderOrganisations(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<number[]> {
  const result = await db.execute(sql`
    select distinct l.provider_organisation_id as id
    from ${locations} l
    where l.council_id = ${councilId} and (
      exists(select 1 from ${eligibilityDecisions} d
        where d.request_id = ${requestId} and d.location_id = l.id and d.eligible
          and d.round = ${latestRoundOf(requestId)})
      or exists(select 1 from ${offers} o where o.request_id = ${requestId} and o.location_id = l.id))
    order by 1`)
  return (result as unknown as { rows: { id: number }[] }).rows.map((r) => Number(r.id))
}

/** The provider organisations these locations belong to, each once. */
export async function organisationsOfLocations(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
): Promise<number[]> {
  if (locationIds.length === 0) return []
  const rows = await db
    .selectDistinct({ id: locations.providerOrganisationId })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), inArray(locations.id, [...locationIds])))
    .orderBy(asc(locations.providerOrganisationId))
  return rows.map((r) => r.id)
}

/** Requests of the council with their person. */
export function requestsWithPeople(db: Queryable, councilId: number, requestIds: readonly number[]) {
  return db
    .select({ request: sourcingRequests, person: people })
    .from(sourcingRequests)
    .innerJoin(people, eq(people.id, sourcingRequests.personId))
    .where(and(eq(sourcingRequests.councilId, councilId), inArray(sourcingRequests.id, [...requestIds])))
}

/** The visits of several requests, each request's in time order. */
export function visitsOfRequests(db: Queryable, councilId: number, requestIds: readonly number[]) {
  return db
    .select()
    .from(requestVisits)
    .where(and(eq(requestVisits.councilId, councilId), inArray(requestVisits.requestId, [...requestIds])))
    .orderBy(asc(requestVisits.windowStart), asc(requestVisits.id))
}

/** An organisation's offers, newest first (at most 200), or one request's. */
export function organisationOffers(
  db: Queryable,
  scope: { councilId: number; providerOrganisationId: number },
  requestId?: number,
): Promise<(typeof offers.$inferSelect)[]> {
  const conditions = [
    eq(offers.councilId, scope.councilId),
    eq(offers.providerOrganisationId, scope.providerOrganisationId),
  ]
  if (requestId !== undefined) conditions.push(eq(offers.requestId, requestId))
  return db
    .select()
    .from(offers)
    .where(and(...conditions))
    .orderBy(desc(offers.updatedAt), desc(offers.id))
    .limit(200)
}

/** One of an organisation's offers. */
export async function organisationOffer(
  db: Queryable,
  scope: { councilId: number; providerOrganisationId: number },
  offerId: number,
): Promise<typeof offers.$inferSelect | undefined> {
  const [row] = await db
    .select()
    .from(offers)
    .where(
      and(
        eq(offers.councilId, scope.councilId),
        eq(offers.providerOrganisationId, scope.providerOrganisationId),
        eq(offers.id, offerId),
      ),
    )
  return row
}

/**
 * Shares the request's row lock until the transaction ends, while an offer changes: a broker closing
 * it waits, and no offer slips in after. The change's time is the database's clock read after this,
 * as a close's is, unless the caller keeps its own clock (the simulator, tests). Undefined when the
 * council has no such request.
 */
export async function lockRequestForOffers(tx: Queryable, councilId: number, requestId: number) {
  const [row] = await tx
    .select({ status: sourcingRequests.status, deadlineAt: sourcingRequests.deadlineAt })
    .from(sourcingRequests)
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
    .for('share')
  return row as { status: RequestStatus; deadlineAt: Date | null } | undefined
}

/** Revises a submitted offer at the given version; undefined when it is no longer that version or not submitted. */
export async function reviseOfferRow(
  tx: Queryable,
  offerId: number,
  version: number,
  terms: Pick<
    typeof offers.$inferInsert,
    'pricePence' | 'earliestStart' | 'meetsAllNeeds' | 'notes' | 'visitIds' | 'updatedAt'
  >,
): Promise<typeof offers.$inferSelect | undefined> {
  const [row] = await tx
    .update(offers)
    .set({ ...terms, version: sql`${offers.version} + 1` })
    .where(and(eq(offers.id, offerId), eq(offers.version, version), eq(offers.status, 'submitted')))
    .returning()
  return row
}

/** Withdraws a submitted offer; undefined when it is no longer submitted. */
export async function withdrawOfferRow(
  tx: Queryable,
  offerId: number,
  now: Date,
): Promise<typeof offers.$inferSelect | undefined> {
  const [row] = await tx
    .update(offers)
    .set({ status: 'withdrawn', version: sql`${offers.version} + 1`, updatedAt: now })
    .where(and(eq(offers.id, offerId), eq(offers.status, 'submitted')))
    .returning()
  return row
}
