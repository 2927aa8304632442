// SQL for sourcing requests, their people, visits and events: brokerage's own tables, which only
// brokerage's code names. Other domains call the request service, or read what their figures need
// through brokerage's reporting read model (src/brokerage/reporting/: views whose columns are the
// contract, and functions over them); no other domain's code names these tables, even in raw SQL.
// Only the demo's history generator and tests write them directly, to build histories in bulk.
import { and, asc, count, desc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { inIds } from '../../db/conditions.ts'
import type { Queryable } from '../../db/connection.ts'
import type { ClientGroup, Specialism } from '../../providers/vocabulary.ts'
import { containsPattern, searchWords } from '../../shared/search-text.ts'
import {
  type PriceUnit,
  priceUnitFor,
  REQUEST_SERVICE_TYPES,
  type RequestServiceType,
  type RequestStatus,
  weeklyHours,
} from '../rules/index.ts'
import { offers, people, requestEvents, requestVisits, sourcingRequests } from '../schema.ts'
import { caseloadCondition, type RequestScope } from './caseload.ts'
import type { CarerGenderChoice, DayOfWeek, Sex, SharingConsent, Urgency } from './input.ts'
import { queueCondition, queueOrder, type RequestQueue } from './queues.ts'

/** A request as stored: a draft keeps null for each question not yet answered. */
export type RequestRow = typeof sourcingRequests.$inferSelect
export type RequestColumns = Partial<Omit<typeof sourcingRequests.$inferInsert, 'id' | 'councilId'>>
export type PersonRow = typeof people.$inferSelect

/** The answers a draft may still be without. */
type DraftAnswer = 'serviceType' | 'clientGroup' | 'needsSummary' | 'startDate'

/** A request past draft: the table's check constraint holds every answer to be there. */
export type AnsweredRequestRow = Omit<RequestRow, DraftAnswer> & {
  [K in DraftAnswer]: NonNullable<RequestRow[K]>
}

/** The row as a request past draft; a draft, which may lack answers, is refused. */
export function answeredRow(row: RequestRow): AnsweredRequestRow {
  const { serviceType, clientGroup, needsSummary, startDate } = row
  if (
    row.status === 'draft' ||
    serviceType === null ||
    clientGroup === null ||
    needsSummary === null ||
    startDate === null
  )
    throw new Error(`Request ${row.id} is a draft: its answers may be missing`)
  return { ...row, serviceType, clientGroup, needsSummary, startDate }
}

interface RequestPerson {
  id: number
  name: string
  /** Null only for a person known from the council’s book by case reference, until completed. */
  dateOfBirth: string | null
  sex: Sex | null
  postcode: string | null
  outcode: string
  localityId: number | null
  pcnAreaId: number | null
  nhsNumber: string | null
  /** Council-side until award; then the awarded provider's, as far as sharingConsent allows. */
  address: { line1: string; line2: string | null; town: string } | null
  phone: string | null
  representative: { name: string; relationship: string; phone: string | null; email: string | null } | null
  sharingConsent: SharingConsent[]
}

export interface RequestVisit {
  id: number
  days: DayOfWeek[]
  windowStart: string
  windowEnd: string
  durationMinutes: number
  carers: number
}

export interface SourcingRequest {
  id: number
  councilId: number
  status: RequestStatus
  /** Bumped on every change of status; give it back to make a change only if nothing changed since. */
  version: number
  createdByUserId: number | null
  /** The team whose caseload it is; null for a request made outside any team. */
  teamId: number | null
  person: RequestPerson
  /** Null only in a draft whose question is not yet answered; likewise clientGroup, needsSummary and startDate. */
  serviceType: RequestServiceType | null
  clientGroup: ClientGroup | null
  specialisms: Specialism[]
  needsSummary: string | null
  /**
   * Where distance is measured from: the person's postcode unless another was chosen. Null only
   * for a request made before it was kept whose postcode could not be found. Never for providers.
   */
  preferredPostcode: string | null
  /** The preferred postcode's district. */
  preferredOutcode: string | null
  /** The preferred postcode's centre; null when it could not be placed. */
  latitude: number | null
  longitude: number | null
  maxDistanceMiles: number
  startDate: string | null
  urgency: Urgency
  /** The emergency window a broker chose; null for the council's setting (and for other urgencies). */
  emergencyHours: 24 | 48 | null
  inHospital: boolean
  usualPricePence: number | null
  budgetPence: number | null
  /** What prices are per: a week for care homes, an hour for care at home, a day for day services. */
  priceUnit: PriceUnit | null
  notesForProviders: string
  carerGender: CarerGenderChoice | null
  language: string | null
  lotId: number | null
  visits: RequestVisit[]
  /** Minutes a week the person is visited (home care; 0 otherwise): see rules/hours.ts. */
  minutesPerWeek: number
  /** Care-worker minutes a week, the hours a week the council counts: visits needing two carers count twice. */
  carerMinutesPerWeek: number
  /** Supported living: the hours of support a week, in minutes; null otherwise (or not yet answered). */
  supportMinutesPerWeek: number | null
  publishedAt: Date | null
  deadlineAt: Date | null
  closedAt: Date | null
  cancelReason: string | null
  /** The council's case system's person ID; council-side only, never shown to providers. */
  personRef: string | null
  /** The case system's case or service agreement ID; council-side only, never shown to providers. */
  caseRef: string | null
  /** The broker looking after it ("Assigned to me"); null if nobody yet. */
  assignedBrokerId: number | null
  assignedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

export interface RequestEvent {
  id: number
  fromStatus: RequestStatus | null
  toStatus: RequestStatus
  reason: string | null
  actor: string
  at: Date
}

export interface RequestSummary {
  id: number
  status: RequestStatus
  serviceType: RequestServiceType | null
  personName: string
  outcode: string
  startDate: string | null
  urgency: Urgency
  inHospital: boolean
  createdByUserId: number | null
  teamId: number | null
  personRef: string | null
  caseRef: string | null
  assignedBrokerId: number | null
  publishedAt: Date | null
  deadlineAt: Date | null
  createdAt: Date
  updatedAt: Date
}

function serviceTypeOf(value: string | null): RequestServiceType | null {
  return value !== null && (REQUEST_SERVICE_TYPES as readonly string[]).includes(value)
    ? (value as RequestServiceType)
    : null
}

function toPerson(row: PersonRow): RequestPerson {
  return {
    id: row.id,
    name: row.name,
    dateOfBirth: row.dateOfBirth,
    sex: row.sex as Sex | null,
    postcode: row.postcode,
    outcode: row.outcode,
    localityId: row.localityId,
    pcnAreaId: row.pcnAreaId,
    nhsNumber: row.nhsNumber,
    address:
      row.addressLine1 && row.town
        ? { line1: row.addressLine1, line2: row.addressLine2, town: row.town }
        : null,
    phone: row.phone,
    representative: row.representative ?? null,
    sharingConsent: row.sharingConsent as SharingConsent[],
  }
}

function toRequest(
  row: RequestRow,
  person: PersonRow,
  visitRows: (typeof requestVisits.$inferSelect)[],
): SourcingRequest {
  const serviceType = serviceTypeOf(row.serviceType)
  const visits = visitRows
    .sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.id - b.id)
    .map((v) => ({
      id: v.id,
      days: v.days as DayOfWeek[],
      windowStart: v.windowStart,
      windowEnd: v.windowEnd,
      durationMinutes: v.durationMinutes,
      carers: v.carers,
    }))
  const hours = weeklyHours(visits)
  return {
    id: row.id,
    councilId: row.councilId,
    status: row.status as RequestStatus,
    version: row.version,
    createdByUserId: row.createdByUserId,
    teamId: row.teamId,
    person: toPerson(person),
    serviceType,
    clientGroup: row.clientGroup as ClientGroup | null,
    specialisms: row.specialisms as Specialism[],
    needsSummary: row.needsSummary,
    preferredPostcode: row.preferredPostcode,
    preferredOutcode: row.preferredOutcode,
    latitude: row.latitude,
    longitude: row.longitude,
    maxDistanceMiles: row.maxDistanceMiles,
    startDate: row.startDate,
    urgency: row.urgency as Urgency,
    emergencyHours: row.emergencyHours === 24 || row.emergencyHours === 48 ? row.emergencyHours : null,
    inHospital: row.inHospital,
    usualPricePence: row.usualPricePence,
    budgetPence: row.budgetPence,
    priceUnit: serviceType ? priceUnitFor(serviceType) : null,
    notesForProviders: row.notesForProviders,
    carerGender: row.carerGender as CarerGenderChoice | null,
    language: row.language,
    lotId: row.lotId,
    visits,
    minutesPerWeek: hours.visitMinutes,
    carerMinutesPerWeek: hours.careWorkerMinutes,
    supportMinutesPerWeek: row.supportMinutesPerWeek,
    publishedAt: row.publishedAt,
    deadlineAt: row.deadlineAt,
    closedAt: row.closedAt,
    cancelReason: row.cancelReason,
    personRef: row.personRef,
    caseRef: row.caseRef,
    assignedBrokerId: row.assignedBrokerId,
    assignedAt: row.assignedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

export async function findRequestRow(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<RequestRow | undefined> {
  const [row] = await db
    .select()
    .from(sourcingRequests)
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
  return row
}

/**
 * The request's row, locked for a change of status: offers, and other changes, in flight on it
 * finish first, and new ones wait until the change commits.
 */
export async function lockRequestRow(
  tx: Queryable,
  councilId: number,
  requestId: number,
): Promise<RequestRow | undefined> {
  const [row] = await tx
    .select()
    .from(sourcingRequests)
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
    .for('update')
  return row
}

export async function findRequest(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<SourcingRequest | undefined> {
  const [found] = await db
    .select({ request: sourcingRequests, person: people })
    .from(sourcingRequests)
    .innerJoin(people, eq(people.id, sourcingRequests.personId))
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
  if (!found) return undefined
  const visits = await db
    .select()
    .from(requestVisits)
    .where(and(eq(requestVisits.councilId, councilId), eq(requestVisits.requestId, requestId)))
  return toRequest(found.request, found.person, visits)
}

export async function findPerson(
  db: Queryable,
  councilId: number,
  personId: number,
): Promise<PersonRow | undefined> {
  const [row] = await db
    .select()
    .from(people)
    .where(and(eq(people.councilId, councilId), eq(people.id, personId)))
  return row
}

export async function listEvents(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<RequestEvent[]> {
  const rows = await db
    .select()
    .from(requestEvents)
    .where(and(eq(requestEvents.councilId, councilId), eq(requestEvents.requestId, requestId)))
    .orderBy(asc(requestEvents.at), asc(requestEvents.id))
  return rows.map((r) => ({
    id: r.id,
    fromStatus: r.fromStatus as RequestStatus | null,
    toStatus: r.toStatus as RequestStatus,
    reason: r.reason,
    actor: r.actor,
    at: r.at,
  }))
}

/** How many times the request has been published: each publication is a round of invitations. */
export async function countPublications(
  db: Queryable,
  councilId: number,
  requestId: number,
): Promise<number> {
  const [row] = await db
    .select({ total: count() })
    .from(requestEvents)
    .where(
      and(
        eq(requestEvents.councilId, councilId),
        eq(requestEvents.requestId, requestId),
        eq(requestEvents.toStatus, 'published'),
      ),
    )
  return row?.total ?? 0
}

export interface RequestFilters {
  status?: RequestStatus | readonly RequestStatus[]
  createdByUserId?: number
  /** Only the requests of this team. */
  teamId?: number
  /** Either case-system reference, matched whole in any case (given trimmed, as `reference` leaves it). */
  externalRef?: string | null
  /**
   * What a broker types to find a request: words of the person's name in any order and any case
   * or accents, the request's ID, the NHS number in any spacing, or a case-system reference.
   */
  q?: string | null
  serviceType?: RequestServiceType
  /** The person's locality or PCN area. */
  localityId?: number
  pcnAreaId?: number
  /** Made (created) between these London dates, inclusive. */
  createdFrom?: string
  createdTo?: string
  /** Care to start between these dates, inclusive. */
  startFrom?: string
  startTo?: string
  /** The broker looking after it: the caller ('me'), nobody ('none'), or a broker's user ID. */
  assignedTo?: 'me' | 'none' | number
  /** Only the requests in this queue (queues.ts), oldest first. */
  queue?: RequestQueue
  /** The time "today" and "tomorrow" are judged at; the database's now unless given. */
  asOf?: Date
  limit?: number
  offset?: number
}

/**
 * Rows whose person or case reference is `ref` in any case: lower() on both sides, as the
 * (council, lower(ref)) indexes are built, so the search is two index scans.
 */
export function matchesReference(
  columns: { personRef: AnyPgColumn; caseRef: AnyPgColumn },
  ref: string,
): SQL {
  return or(
    sql`lower(${columns.personRef}) = lower(${ref})`,
    sql`lower(${columns.caseRef}) = lower(${ref})`,
  ) as SQL
}

/** The largest ID an `integer` column holds: a longer number typed in cannot be a request's ID. */
const MAX_ID = 2_147_483_647

/**
 * Rows whose person (`personId` of a request or package) the text finds: every word somewhere in
 * the folded name, in any order, or the NHS number in any spacing. The council's people are found
 * first (trigram index on search_name, or the NHS number index), then their rows through the
 * person_id index: as `= any(array(...))` each is an index condition the planner can OR with others.
 */
export function matchesPerson(
  personId: AnyPgColumn,
  councilId: number,
  text: string,
  /** The people the name finds, when already read (namedPeople), so the name is not searched again. */
  named?: readonly number[],
): SQL | undefined {
  const branches: SQL[] = []
  const allWords = nameCondition(text)
  if (named) branches.push(inIds(personId, named))
  else if (allWords)
    branches.push(
      sql`${personId} = any(array(select ${people.id} from ${people} where ${people.councilId} = ${councilId} and ${allWords}))`,
    )
  const digits = text.replace(/[\s-]/g, '')
  if (/^\d{10}$/.test(digits))
    branches.push(
      sql`${personId} = any(array(select ${people.id} from ${people} where ${people.councilId} = ${councilId} and ${people.nhsNumber} = ${digits}))`,
    )
  return or(...branches)
}

/** Every word somewhere in the folded name; none for text without a letter. */
function nameCondition(text: string): SQL | undefined {
  // Names have letters: digits alone are an ID or NHS number, and '%5%' would read every name.
  const words = searchWords(text)
  if (words.length === 0 || !/\p{L}/u.test(text)) return undefined
  return and(...words.map((word) => sql`${people.searchName} like ${containsPattern(word)}`))
}

/**
 * The council's people the text finds by name (undefined for text without a letter): read once
 * for the page and the count, which would otherwise each search the names again.
 */
async function namedPeople(db: Queryable, councilId: number, text: string): Promise<number[] | undefined> {
  const allWords = nameCondition(text.trim())
  if (!allWords) return undefined
  const rows = await db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.councilId, councilId), allWords))
  return rows.map((row) => row.id)
}

/** Requests the search text finds: by the person (matchesPerson), the request's ID or a reference. */
function matchesSearch(councilId: number, text: string, named?: readonly number[]): SQL {
  const trimmed = text.trim().replace(/\s+/g, ' ')
  const branches = [matchesPerson(sourcingRequests.personId, councilId, trimmed, named)]
  const id = /^#?(\d{1,10})$/.exec(trimmed)?.[1]
  if (id !== undefined && Number(id) <= MAX_ID) branches.push(eq(sourcingRequests.id, Number(id)))
  if (trimmed) branches.push(matchesReference(sourcingRequests, trimmed))
  return or(...branches) ?? sql`false`
}

/** Requests whose person is one of the council's people matching the condition. */
function peopleWhere(councilId: number, condition: SQL): SQL {
  return sql`${sourcingRequests.personId} = any(array(select ${people.id} from ${people} where ${people.councilId} = ${councilId} and ${condition}))`
}

/** A London date's timestamp column as a date, for "made between" filters. */
function londonDay(column: AnyPgColumn): SQL {
  return sql`(${column} at time zone 'Europe/London')::date`
}

function summaryConditions(scope: RequestScope, filters: RequestFilters, named?: readonly number[]): SQL[] {
  const { councilId } = scope
  const conditions: SQL[] = [eq(sourcingRequests.councilId, councilId)]
  const caseload = caseloadCondition(scope, sourcingRequests)
  if (caseload) conditions.push(caseload)
  if (filters.teamId !== undefined) conditions.push(eq(sourcingRequests.teamId, filters.teamId))
  const statuses = filters.status === undefined ? [] : [filters.status].flat()
  if (statuses.length > 0) conditions.push(inArray(sourcingRequests.status, statuses as RequestStatus[]))
  if (filters.createdByUserId !== undefined)
    conditions.push(eq(sourcingRequests.createdByUserId, filters.createdByUserId))
  if (filters.externalRef) conditions.push(matchesReference(sourcingRequests, filters.externalRef))
  if (filters.q?.trim()) conditions.push(matchesSearch(councilId, filters.q, named))
  if (filters.serviceType) conditions.push(eq(sourcingRequests.serviceType, filters.serviceType))
  if (filters.localityId !== undefined)
    conditions.push(peopleWhere(councilId, eq(people.localityId, filters.localityId)))
  if (filters.pcnAreaId !== undefined)
    conditions.push(peopleWhere(councilId, eq(people.pcnAreaId, filters.pcnAreaId)))
  if (filters.createdFrom) conditions.push(gte(londonDay(sourcingRequests.createdAt), filters.createdFrom))
  if (filters.createdTo) conditions.push(lte(londonDay(sourcingRequests.createdAt), filters.createdTo))
  if (filters.startFrom) conditions.push(gte(sourcingRequests.startDate, filters.startFrom))
  if (filters.startTo) conditions.push(lte(sourcingRequests.startDate, filters.startTo))
  if (filters.assignedTo === 'none') conditions.push(isNull(sourcingRequests.assignedBrokerId))
  else if (filters.assignedTo !== undefined)
    conditions.push(
      eq(
        sourcingRequests.assignedBrokerId,
        filters.assignedTo === 'me' ? (scope.id ?? 0) : filters.assignedTo,
      ),
    )
  if (filters.queue) conditions.push(queueCondition(filters.queue, scope.id, filters.asOf))
  return conditions
}

/**
 * A page of the council's requests matching the filters, most recently changed first, and how many
 * match. Every condition is on the requests (people through their ids), so the page's ids come
 * from the (council, updated_at, id) index or the search's indexes without joining, and only the
 * page's 50 rows are joined to their people; the count runs alongside.
 */
export async function selectRequestSummaries(
  db: Queryable,
  scope: RequestScope,
  filters: RequestFilters,
): Promise<{ requests: RequestSummary[]; total: number }> {
  const named = filters.q ? await namedPeople(db, scope.councilId, filters.q) : undefined
  const where = and(...summaryConditions(scope, filters, named))
  const [pageIds, [tally]] = await Promise.all([
    db
      .select({ id: sourcingRequests.id })
      .from(sourcingRequests)
      .where(where)
      .orderBy(
        ...(filters.queue
          ? queueOrder(filters.queue)
          : [desc(sourcingRequests.updatedAt), desc(sourcingRequests.id)]),
      )
      .limit(filters.limit ?? 100)
      .offset(filters.offset ?? 0),
    db.select({ total: count() }).from(sourcingRequests).where(where),
  ])
  const ids = pageIds.map((row) => row.id)
  const rows =
    ids.length === 0
      ? []
      : await db
          .select({
            id: sourcingRequests.id,
            status: sourcingRequests.status,
            serviceType: sourcingRequests.serviceType,
            personName: people.name,
            outcode: people.outcode,
            startDate: sourcingRequests.startDate,
            urgency: sourcingRequests.urgency,
            inHospital: sourcingRequests.inHospital,
            createdByUserId: sourcingRequests.createdByUserId,
            teamId: sourcingRequests.teamId,
            personRef: sourcingRequests.personRef,
            caseRef: sourcingRequests.caseRef,
            assignedBrokerId: sourcingRequests.assignedBrokerId,
            publishedAt: sourcingRequests.publishedAt,
            deadlineAt: sourcingRequests.deadlineAt,
            createdAt: sourcingRequests.createdAt,
            updatedAt: sourcingRequests.updatedAt,
          })
          .from(sourcingRequests)
          .innerJoin(people, eq(people.id, sourcingRequests.personId))
          .where(and(eq(sourcingRequests.councilId, scope.councilId), inIds(sourcingRequests.id, ids)))
  const byId = new Map(rows.map((row) => [row.id, row]))
  return {
    requests: ids.flatMap((id) => {
      const r = byId.get(id)
      return r
        ? [
            {
              ...r,
              status: r.status as RequestStatus,
              serviceType: serviceTypeOf(r.serviceType),
              urgency: r.urgency as Urgency,
            },
          ]
        : []
    }),
    total: tally?.total ?? 0,
  }
}

/** How many live offers (made, neither withdrawn nor decided) each of these requests has. */
export async function countLiveOffers(
  db: Queryable,
  councilId: number,
  requestIds: readonly number[],
): Promise<Map<number, number>> {
  if (requestIds.length === 0) return new Map()
  const rows = await db
    .select({ requestId: offers.requestId, total: count() })
    .from(offers)
    .where(
      and(
        eq(offers.councilId, councilId),
        inIds(offers.requestId, requestIds),
        eq(offers.status, 'submitted'),
      ),
    )
    .groupBy(offers.requestId)
  return new Map(rows.map((row) => [row.requestId, row.total]))
}

/** How many of the scope's requests are in each status. */
export async function countByStatus(
  db: Queryable,
  scope: RequestScope,
  filters: Pick<RequestFilters, 'createdByUserId'> = {},
): Promise<Map<RequestStatus, number>> {
  const rows = await db
    .select({ status: sourcingRequests.status, total: count() })
    .from(sourcingRequests)
    .where(and(...summaryConditions(scope, filters)))
    .groupBy(sourcingRequests.status)
  return new Map(rows.map((row) => [row.status as RequestStatus, row.total]))
}

/** Which of these requests are in the scope (the council, and a social worker's caseload). */
export async function selectRequestIdsInScope(
  db: Queryable,
  scope: RequestScope,
  requestIds: readonly number[],
): Promise<number[]> {
  const rows = await db
    .select({ id: sourcingRequests.id })
    .from(sourcingRequests)
    .where(and(...summaryConditions(scope, {}), inIds(sourcingRequests.id, requestIds)))
  return rows.map((row) => row.id)
}
