// Sourcing requests: creating them (at once through the API, or a page at a time as a draft),
// reading them, and every step of their life (DOMAIN.md §4). Each change of status goes through
// transitionRequest(): the state machine decides, the row changes only if nobody changed it first
// (optimistic concurrency on `version`), and the event and audit entry are written with it.

import { and, eq } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import { databaseClock } from '../../db/clock.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { CLIENT_GROUP_LABELS } from '../../fees/rates/rules.ts'
import { hasRates, usualPriceAt } from '../../fees/rates/service.ts'
import type { ClientGroup } from '../../providers/vocabulary.ts'
import { formatDate, londonDate } from '../../shared/dates.ts'
import { formatPounds } from '../../shared/money.ts'
import { brokerageEvents } from '../events.ts'
import {
  type InvitationPreview,
  inviteEligibleLocations,
  latestRound,
  NobodyToInviteError,
  previewInvitations,
} from '../invitations.ts'
// offers/award.ts imports this module too; the cycle is safe because neither uses the other at load.
import { declineOpenOffers } from '../offers/award.ts'
import { deadlineText } from '../offers/rules.ts'
import { bidderOrganisations, notifyOrganisations, organisationsOfLocations } from '../offers/store.ts'
import {
  nextStatus,
  type RequestAction,
  type RequestStatus,
  type ResponseWindow,
  responseWindow,
} from '../rules/index.ts'
import { REQUEST_SERVICE_TYPE_LABELS, type RequestServiceType } from '../rules/vocabulary.ts'
import { offers, packages, requestEvents, requestVisits, sourcingRequests } from '../schema.ts'
import { getBankHolidays, getBrokerageSettings } from '../settings/service.ts'
import { brokerEmails } from './assignment.ts'
import {
  actorFor,
  actorLabel,
  authorise,
  type Clock,
  isSystem,
  type LifecycleOptions,
  type RequestCaller,
} from './callers.ts'
import { type RequestScope, teamForNewRequest } from './caseload.ts'
import { unansweredErrors, wizardContext } from './drafts.ts'
import { type InputContext, newRequestSchema, referencesShape, republishSchema } from './input.ts'
import { confirmProviderText, providerPreview } from './privacy.ts'
import {
  checkLot,
  creatorId,
  getRequest,
  inputContext,
  insertCreatedEvent,
  insertPerson,
  type Place,
  place,
  preferredLocation,
} from './records.ts'
import {
  type AnsweredRequestRow,
  answeredRow,
  countPublications,
  findPerson,
  listEvents,
  lockRequestRow,
  type RequestColumns,
  type RequestEvent,
  type RequestFilters,
  type RequestRow,
  type RequestSummary,
  type SourcingRequest,
  selectRequestIdsInScope,
  selectRequestSummaries,
} from './store.ts'

export { assignableBrokers, assignRequest, brokerEmails } from './assignment.ts'
// The service is the request domain's one public face: what other modules call is exported here.
export {
  actorFor,
  type Clock,
  ForbiddenError,
  type LifecycleOptions,
  type RequestCaller,
} from './callers.ts'
export { inCaseload, type RequestScope, teamChoices, teamNameOf } from './caseload.ts'
export {
  addDraftVisit,
  removeDraftVisit,
  requestLotChoices,
  saveDraftPage,
  startDraft,
  wizardContext,
} from './drafts.ts'
export {
  listRepublishDue,
  type RequestNotice,
  requestNotice,
} from './notices.ts'
export { getRequest } from './records.ts'
export {
  type AffectedPackage,
  createBookResourcingRequest,
  createResourcingRequest,
  packagesAffected,
  personNames,
  type ResourcingProgress,
  resourcingProgress,
  tellProviders,
} from './resourcing.ts'

export type { RequestEvent, RequestFilters, RequestRow, SourcingRequest }

/** A request found, with the email address of the broker looking after it. */
export type FoundRequest = RequestSummary & { assignedBrokerEmail: string | null }

async function withBrokers(
  db: Queryable,
  councilId: number,
  found: { requests: RequestSummary[]; total: number },
): Promise<{ requests: FoundRequest[]; total: number }> {
  const emails = await brokerEmails(
    db,
    councilId,
    found.requests.map((r) => r.assignedBrokerId),
  )
  return {
    total: found.total,
    requests: found.requests.map((r) => ({
      ...r,
      assignedBrokerEmail: r.assignedBrokerId === null ? null : (emails.get(r.assignedBrokerId) ?? null),
    })),
  }
}

/** The council's requests a caller may see (a social worker's caseload), most recently changed first. */
export async function listRequests(
  db: Queryable,
  scope: RequestScope,
  filters: RequestFilters = {},
): Promise<{ requests: FoundRequest[]; total: number }> {
  return withBrokers(db, scope.councilId, await selectRequestSummaries(db, scope, filters))
}

/** The most rows a CSV of requests holds: a whole council's history stays a download, not a dump. */
const MAX_EXPORTED_REQUESTS = 50_000

/** Every request the filters find, up to MAX_EXPORTED_REQUESTS, in one query (one snapshot), for a CSV. */
export async function exportRequests(
  db: Queryable,
  scope: RequestScope,
  filters: Omit<RequestFilters, 'limit' | 'offset'> = {},
): Promise<{ requests: FoundRequest[]; total: number }> {
  return withBrokers(
    db,
    scope.councilId,
    await selectRequestSummaries(db, scope, { ...filters, limit: MAX_EXPORTED_REQUESTS, offset: 0 }),
  )
}

/** Which of these requests the scope may see: a social worker's caseload, or all of the council's. */
export async function requestsInCaseload(
  db: Queryable,
  scope: RequestScope,
  requestIds: readonly number[],
): Promise<Set<number>> {
  if (requestIds.length === 0) return new Set()
  return new Set(await selectRequestIdsInScope(db, scope, requestIds))
}

/** Every change of status, oldest first: who, when and why. */
export async function listRequestEvents(
  db: Queryable,
  scope: RequestScope,
  requestId: number,
): Promise<RequestEvent[]> {
  await getRequest(db, scope, requestId)
  return listEvents(db, scope.councilId, requestId)
}
// ---------------------------------------------------------------------------------------------
// Transitions

/** The state machine's answer, as the error the caller should see when it says no. */
function assertTransition(
  from: RequestStatus,
  action: RequestAction,
  options: { reason?: string | null } = {},
): RequestStatus {
  const result = nextStatus(from, action, options)
  if (result.ok) return result.status
  if (result.code === 'reason_required')
    throw new ValidationError([{ field: 'reason', message: result.message }])
  throw new ConflictError(result.message)
}

const AUDIT_ACTIONS: Record<RequestAction, string> = {
  submit: 'sourcing_request.submitted',
  return: 'sourcing_request.returned',
  publish: 'sourcing_request.published',
  close: 'sourcing_request.closed',
  award: 'sourcing_request.awarded',
  reopenAward: 'sourcing_request.reopened_for_award',
  start: 'sourcing_request.started',
  markUnsourced: 'sourcing_request.marked_unsourced',
  republish: 'sourcing_request.republished',
  cancel: 'sourcing_request.cancelled',
}

export interface TransitionOptions {
  /** Why: required to cancel; kept on the event for every action. */
  reason?: string | null
  /** When: the time the caller read once it held the row's lock (`timeOfChange`). */
  now?: Date
  /** Other columns the same change sets (deadline, closedAt, ...). */
  set?: RequestColumns
  /** Extra audit details. */
  details?: Record<string, unknown>
}

/**
 * Moves a request through one action of the state machine, inside the caller's transaction:
 * refuses what nextStatus() refuses (409, or 400 for a missing cancel reason), updates the row
 * only if its version is still the one read (else 409: someone else changed it first), and
 * writes the request_events row and the audit entry, and tells listeners (`requestStatusChanged`).
 * Returns the updated row. The update holds the request's row to the end of the transaction, so
 * what listeners keep (the market's rollups) is rewritten one change of the request after another:
 * they take no lock of their own on it.
 */
export async function transitionRequest(
  tx: Transaction,
  request: Pick<RequestRow, 'id' | 'councilId' | 'status' | 'version'>,
  action: RequestAction,
  actor: Actor,
  options: TransitionOptions = {},
): Promise<RequestRow> {
  const from = request.status as RequestStatus
  const to = assertTransition(from, action, { reason: options.reason })
  const now = options.now ?? (await databaseClock(tx))
  const reason = options.reason?.trim() || null
  const [updated] = await tx
    .update(sourcingRequests)
    .set({ ...options.set, status: to, version: request.version + 1, updatedAt: now })
    .where(
      and(
        eq(sourcingRequests.id, request.id),
        eq(sourcingRequests.councilId, request.councilId),
        eq(sourcingRequests.version, request.version),
      ),
    )
    .returning()
  if (!updated)
    throw new ConflictError(
      'The request was changed by someone else at the same time. Reload it and try again.',
    )
  await tx.insert(requestEvents).values({
    councilId: request.councilId,
    requestId: request.id,
    fromStatus: from,
    toStatus: to,
    reason,
    actor: actorLabel(actor),
    at: now,
  })
  await recordAudit(tx, actor, {
    councilId: request.councilId,
    action: AUDIT_ACTIONS[action],
    entityType: 'sourcing_request',
    entityId: request.id,
    details: { from, to, ...(reason ? { reason } : {}), ...options.details },
  })
  await brokerageEvents.emit(
    'requestStatusChanged',
    {
      councilId: request.councilId,
      requestId: request.id,
      from,
      to,
      ...(typeof options.details?.packageId === 'number' ? { packageId: options.details.packageId } : {}),
    },
    tx,
  )
  return updated
}

/**
 * When a change to a request happens: the caller's clock when it has one (the simulator, tests),
 * otherwise the database's, read once the request's row is locked. Offers take a share lock on the
 * row and stamp themselves with the same clock, so a close or cancellation stamped this way is
 * later than every offer it waited for, and no offer is stored after it.
 */
export async function timeOfChange(tx: Queryable, clock: Clock): Promise<Date> {
  return clock.now ?? databaseClock(tx)
}

function checkVersion(row: RequestRow, options: LifecycleOptions): void {
  if (options.expectedVersion !== undefined && options.expectedVersion !== row.version)
    throw new ConflictError('This request has changed since you opened it. Reload it and try again.')
}

/** The request's row locked for a change, and the time of the change, read under the lock. */
async function lockedRow(
  tx: Transaction,
  caller: RequestCaller,
  requestId: number,
  options: LifecycleOptions,
): Promise<{ row: RequestRow; now: Date }> {
  const row = await lockRequestRow(tx, caller.councilId, requestId)
  if (!row) throw new NotFoundError('No such request')
  checkVersion(row, options)
  return { row, now: await timeOfChange(tx, options) }
}

// ---------------------------------------------------------------------------------------------
// Creating

/**
 * Creates a whole request at once (API, simulator), as a draft ready to submit. The person is new
 * (`person`) or one the council already holds (`personId`).
 */
export async function createRequest(
  db: Database,
  caller: RequestCaller,
  input: unknown,
  clock: Clock = {},
): Promise<SourcingRequest> {
  authorise(caller, 'create')
  const now = clock.now ?? new Date()
  const { councilId } = caller
  const rateBook = await hasRates(db, councilId)
  const value = parseInput(
    newRequestSchema(await inputContext(db, councilId, now), { priceFromRateBook: rateBook }),
    input,
  )
  const teamId = await teamForNewRequest(db, caller, value.teamId)
  const actor = actorFor(caller)
  const id = await db.transaction(async (tx) => {
    await checkLot(tx, councilId, value.lotId)
    let person: { id: number; postcode: string }
    let home: Place
    if (value.personId !== undefined) {
      const existing = await findPerson(tx, councilId, value.personId)
      if (!existing)
        throw new ValidationError([{ field: 'personId', message: 'There is no such person in your council' }])
      if (existing.postcode === null || existing.dateOfBirth === null)
        throw new ValidationError([
          {
            field: 'personId',
            message:
              'This person is known only by case reference: complete their details on their draft request first',
          },
        ])
      person = { id: existing.id, postcode: existing.postcode }
      home = await place(tx, councilId, existing.postcode)
    } else {
      const { row, where } = await insertPerson(
        tx,
        councilId,
        value.person as NonNullable<typeof value.person>,
        'person.postcode',
      )
      person = { id: row.id, postcode: row.postcode ?? '' }
      home = where
    }
    if (rateBook && value.usualPricePounds === null && value.budgetPounds === null)
      await checkRateBookPrice(tx, councilId, value, home.localityId)
    const origin = value.preferredPostcode
      ? preferredLocation(
          value.preferredPostcode,
          await place(tx, councilId, value.preferredPostcode, 'preferredPostcode'),
        )
      : preferredLocation(person.postcode, home)
    const [created] = await tx
      .insert(sourcingRequests)
      .values({
        councilId,
        personId: person.id,
        createdByUserId: creatorId(caller),
        teamId,
        serviceType: value.serviceType,
        clientGroup: value.clientGroup,
        specialisms: value.specialisms,
        needsSummary: value.needsSummary,
        ...origin,
        maxDistanceMiles: value.maxDistanceMiles,
        startDate: value.startDate,
        urgency: value.urgency,
        emergencyHours: value.emergencyHours,
        inHospital: value.inHospital,
        usualPricePence: value.usualPricePounds,
        budgetPence: value.budgetPounds,
        supportMinutesPerWeek: value.supportHoursPerWeek ?? null,
        notesForProviders: value.notesForProviders,
        carerGender: value.carerGender,
        language: value.language,
        lotId: value.lotId ?? null,
        personRef: value.personRef,
        caseRef: value.caseRef,
        status: 'draft',
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: sourcingRequests.id })
    if (!created) throw new Error('request not inserted')
    if (value.visits.length > 0)
      await tx
        .insert(requestVisits)
        .values(value.visits.map((visit) => ({ councilId, requestId: created.id, ...visit })))
    await insertCreatedEvent(tx, councilId, created.id, actor, now)
    await recordAudit(tx, actor, {
      councilId,
      action: 'sourcing_request.created',
      entityType: 'sourcing_request',
      entityId: created.id,
      details: { serviceType: value.serviceType, visits: value.visits.length, teamId },
    })
    return created.id
  })
  return getRequest(db, { councilId }, id)
}

/**
 * A request without a usual price or budget takes its price from the rate book, as the wizard's
 * does: refused, naming what the book lacks, when it has no rate for the service, client group and
 * standard band at the person's locality (or every locality) on the start date.
 */
async function checkRateBookPrice(
  tx: Queryable,
  councilId: number,
  value: { serviceType: RequestServiceType; clientGroup: ClientGroup; startDate: string },
  localityId: number | null,
): Promise<void> {
  const rate = await usualPriceAt(tx, councilId, {
    serviceType: value.serviceType,
    clientGroup: value.clientGroup,
    band: 'standard',
    localityId,
    date: value.startDate,
  })
  if (rate === null)
    throw new ValidationError([
      {
        field: 'usualPricePounds',
        message: `Enter the usual price or an indicative budget: the rate book has no standard rate for ${REQUEST_SERVICE_TYPE_LABELS[value.serviceType]} (${CLIENT_GROUP_LABELS[value.clientGroup].toLowerCase()}) on ${formatDate(value.startDate)}`,
      },
    ])
}

/** The case-system IDs a change may give: each left out is kept; null or blank takes it away. */
export const referencesSchema = z.object(referencesShape).partial()

/**
 * Sets the request's case-system references at any stage: the case system may give a case or
 * service agreement ID only once the request is made. Its packages' copies follow, so the
 * council finds them by the IDs the case system now uses. Not a change of status: the version
 * stays.
 */
export async function setReferences(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  input: Record<string, unknown>,
  clock: Clock = {},
): Promise<SourcingRequest> {
  const request = await getRequest(db, caller, requestId)
  authorise(caller, 'editDraft', request)
  const given = parseInput(referencesSchema, input)
  // A field sent, even as null, is a change; one left out is not.
  const set = Object.fromEntries(
    (['personRef', 'caseRef'] as const)
      .filter((f) => Object.hasOwn(input, f))
      .map((f) => [f, given[f] ?? null]),
  ) as { personRef?: string | null; caseRef?: string | null }
  if (Object.keys(set).length === 0) return request
  await db.transaction(async (tx) => {
    const now = await timeOfChange(tx, clock)
    await tx
      .update(sourcingRequests)
      .set({ ...set, updatedAt: now })
      .where(and(eq(sourcingRequests.councilId, caller.councilId), eq(sourcingRequests.id, requestId)))
    await tx
      .update(packages)
      .set(set)
      .where(and(eq(packages.councilId, caller.councilId), eq(packages.requestId, requestId)))
    // Which IDs changed, not their values: the audit log does not copy the case system.
    await recordAudit(tx, actorFor(caller), {
      councilId: caller.councilId,
      action: 'sourcing_request.references_changed',
      entityType: 'sourcing_request',
      entityId: requestId,
      details: { fields: Object.keys(set) },
    })
  })
  return getRequest(db, caller, requestId)
}

// ---------------------------------------------------------------------------------------------
// The lifecycle

/** Submits a finished draft to the brokerage team. */
export async function submit(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  options: LifecycleOptions = {},
): Promise<SourcingRequest> {
  const request = await getRequest(db, caller, requestId)
  authorise(caller, 'submit', request)
  assertTransition(request.status, 'submit')
  const missing = unansweredErrors(request, await wizardContext(db, caller.councilId))
  if (missing.length > 0) throw new ValidationError(missing)
  if ((request.startDate as string) < londonDate(options.now ?? new Date()))
    throw new ValidationError([
      {
        field: 'startDate',
        message: 'The start date is in the past: change it to today or later before submitting',
      },
    ])
  await db.transaction(async (tx) => {
    const { row, now } = await lockedRow(tx, caller, requestId, options)
    await transitionRequest(tx, row, 'submit', actorFor(caller), { now })
  })
  return getRequest(db, caller, requestId)
}

export const returnSchema = z.object({
  reason: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined),
    z
      .string({ error: 'Enter a note for the social worker' })
      .trim()
      .max(2000, 'Note must be 2,000 characters or fewer'),
  ),
})

/**
 * A broker returns a submitted request to the social worker with a note (what to change or add):
 * it becomes `returned`, the social worker changes its answers and submits it again.
 */
export async function returnToSocialWorker(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  options: LifecycleOptions & { reason?: unknown },
): Promise<SourcingRequest> {
  authorise(caller, 'publish')
  const { reason } = parseInput(returnSchema, { reason: options.reason })
  await db.transaction(async (tx) => {
    const { row, now } = await lockedRow(tx, caller, requestId, options)
    await transitionRequest(tx, row, 'return', actorFor(caller), { now, reason })
  })
  return getRequest(db, caller, requestId)
}

export interface PublishOptions extends LifecycleOptions {
  /**
   * The broker has checked the text providers will read: needed when something in it that is not
   * the person's own identifier looks like one (a date, a phone number, an email address, ...).
   */
  identifiersChecked?: boolean
}

export interface PublishResult {
  request: SourcingRequest
  /** The deadline and how it was worked out. */
  window: ResponseWindow
  /** The publication round: 1 the first time, 2 after one republication, ... */
  round: number
  invitations: { invited: number; excluded: number }
}

/** The response window for a request published now, with the council's settings and calendar. */
async function responseWindowFor(
  db: Queryable,
  request: Pick<AnsweredRequestRow, 'councilId' | 'startDate' | 'urgency' | 'emergencyHours'>,
  publishedAt: Date,
): Promise<ResponseWindow> {
  const settings = await getBrokerageSettings(db, request.councilId)
  const holidays = await getBankHolidays(db, request.councilId)
  const hours = request.emergencyHours
  return responseWindow(
    {
      publishedAt,
      startDate: request.startDate,
      emergency: request.urgency === 'emergency',
      emergencyHours: hours === 24 || hours === 48 ? hours : null,
    },
    settings,
    holidays,
  )
}

async function publishRound(
  tx: Transaction,
  caller: RequestCaller,
  row: RequestRow,
  action: 'publish' | 'republish',
  now: Date,
  changes: { set?: RequestColumns; reason?: string | null; details?: Record<string, unknown> } = {},
  identifiersChecked?: boolean,
) {
  assertTransition(row.status as RequestStatus, action)
  const person = await findPerson(tx, row.councilId, row.personId)
  if (!person) throw new NotFoundError('No such request')
  const confirmed = confirmProviderText(providerPreview({ ...row, person }), identifiersChecked)
  const next = answeredRow({ ...row, ...changes.set } as RequestRow)
  const window = await responseWindowFor(tx, next, now)
  // A change re-deciding eligibility takes a round too, so each publication follows the last of those.
  const round =
    Math.max(
      await countPublications(tx, row.councilId, row.id),
      (await latestRound(tx, row.councilId, row.id)).round,
    ) + 1
  await transitionRequest(tx, row, action, actorFor(caller), {
    now,
    reason: changes.reason,
    set: { ...changes.set, publishedAt: now, deadlineAt: window.deadline, closedAt: null },
    details: {
      ...changes.details,
      ...(confirmed.length > 0 ? { identifiersConfirmed: confirmed } : {}),
      round,
      deadlineAt: window.deadline.toISOString(),
      window: window.explanation,
    },
  })
  const invitations = await inviteEligibleLocations(tx, {
    councilId: row.councilId,
    requestId: row.id,
    round,
    now,
  })
  // Publishing to nobody is refused, and the whole round (status, decisions) undone with it.
  if (invitations.invited === 0) throw new NobodyToInviteError(invitations.exclusions)
  return { window, round, invitations }
}

/**
 * Who publishing the request now would invite, and why the others would not be (counts by their
 * deciding reason), so the broker can widen the request before publishing rather than after.
 */
export async function previewPublication(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  options: { now?: Date } = {},
): Promise<InvitationPreview> {
  authorise(caller, 'publish')
  await getRequest(db, caller, requestId)
  return previewInvitations(db, { councilId: caller.councilId, requestId, now: options.now ?? new Date() })
}

/**
 * Publishes a submitted request to providers: sets its deadline from the council's response
 * windows and calendar, and invites the eligible locations, all in one transaction. Text providers
 * would read with something like an identifier in it needs `identifiersChecked`.
 */
export async function publish(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  options: PublishOptions = {},
): Promise<PublishResult> {
  authorise(caller, 'publish')
  const outcome = await db.transaction(async (tx) => {
    const { row, now } = await lockedRow(tx, caller, requestId, options)
    return publishRound(tx, caller, row, 'publish', now, {}, options.identifiersChecked)
  })
  return { request: await getRequest(db, caller, requestId), ...outcome }
}

export const closeEarlySchema = z.object({
  reason: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined),
    z
      .string({ error: 'Enter why you are closing the request to offers early' })
      .trim()
      .max(2000, 'Reason must be 2,000 characters or fewer'),
  ),
})

const CLOSED_EARLY_EMAIL_KIND = 'brokerage_closed_early'

/**
 * Closes a published request to offers: a broker closing early (a reason is required, and every
 * provider invited or having offered is told), or the deadline passing (the system, no reason).
 * The request keeps the time it really closed (`closedAt`) beside the deadline it had.
 * Closing a closed request changes nothing and succeeds, so the scheduler and a broker (or two
 * instances of the service) can close the same request safely.
 */
export async function closeRequest(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  options: LifecycleOptions & { reason?: unknown } = {},
): Promise<SourcingRequest> {
  authorise(caller, 'close')
  const early = !isSystem(caller)
  const reason = early
    ? parseInput(closeEarlySchema, { reason: options.reason }).reason
    : typeof options.reason === 'string'
      ? options.reason
      : null
  await db.transaction(async (tx) => {
    const row = await lockRequestRow(tx, caller.councilId, requestId)
    if (!row) throw new NotFoundError('No such request')
    if (row.status === 'closed') return
    checkVersion(row, options)
    const now = await timeOfChange(tx, options)
    await transitionRequest(tx, row, 'close', actorFor(caller), {
      now,
      reason: early ? `Closed early: ${reason}` : reason,
      set: { closedAt: now },
      details: early ? { closedEarly: true, deadlineAt: row.deadlineAt?.toISOString() ?? null } : {},
    })
    if (early) await tellBiddersClosedEarly(tx, row, now)
  })
  return getRequest(db, caller, requestId)
}

/** Every provider invited or having offered hears that offers closed before the deadline. */
async function tellBiddersClosedEarly(tx: Transaction, row: RequestRow, now: Date) {
  const organisations = await bidderOrganisations(tx, row.councilId, row.id)
  // The broker's reason is not passed on: it is free text about the person.
  const deadline = row.deadlineAt ? `, before its deadline ${deadlineText(row.deadlineAt)}` : ''
  await notifyOrganisations(
    tx,
    row.councilId,
    CLOSED_EARLY_EMAIL_KIND,
    organisations.map((providerOrganisationId) => ({
      providerOrganisationId,
      subject: `Request ${row.id} has closed to offers early`,
      body: `The council closed request ${row.id} to offers ${deadlineText(now)}${deadline}. Offers can no longer be made, changed or withdrawn. You will be told the outcome of any offer you made.`,
      link: `/provider/opportunities/${row.id}`,
    })),
  )
}

export const cancelSchema = z.object({
  reason: z.preprocess(
    (v) => (typeof v === 'string' ? v : undefined),
    z
      .string({ error: 'Enter a reason for cancelling the request' })
      .trim()
      .max(2000, 'Reason must be 2,000 characters or fewer'),
  ),
})

/** Cancels a request at any stage before care starts; the reason is required and kept. */
export async function cancel(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  options: LifecycleOptions & { reason?: unknown },
): Promise<SourcingRequest> {
  const request = await getRequest(db, caller, requestId)
  authorise(caller, 'cancel', request)
  const { reason } = parseInput(cancelSchema, { reason: options.reason })
  await db.transaction(async (tx) => {
    const { row, now } = await lockedRow(tx, caller, requestId, options)
    await transitionRequest(tx, row, 'cancel', actorFor(caller), {
      now,
      reason,
      set: { cancelReason: reason || null },
    })
    // Every provider who offered hears the outcome, as on award.
    await declineOpenOffers(tx, row.councilId, requestId, 'The council cancelled the request', now)
  })
  return getRequest(db, caller, requestId)
}

/**
 * Publishes an unsourced request again, optionally with wider criteria: a longer distance, a
 * bigger budget, another lot or none, or a new start date. Criteria may only widen.
 */
export async function republish(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  input: Record<string, unknown>,
  options: PublishOptions = {},
): Promise<PublishResult> {
  authorise(caller, 'republish')
  const context = await inputContext(db, caller.councilId, options.now ?? new Date())
  const widened = parseInput(republishSchema(context), input)
  const outcome = await db.transaction(async (tx) => {
    const { row, now } = await lockedRow(tx, caller, requestId, options)
    assertTransition(row.status as RequestStatus, 'republish')
    const errors: FieldError[] = []
    const set: RequestColumns = {}
    const changes: string[] = []
    if (widened.maxDistanceMiles !== undefined && widened.maxDistanceMiles !== row.maxDistanceMiles) {
      if (widened.maxDistanceMiles < row.maxDistanceMiles)
        errors.push({
          field: 'maxDistanceMiles',
          message: `Republishing can only widen the search: enter ${row.maxDistanceMiles} miles or more`,
        })
      set.maxDistanceMiles = widened.maxDistanceMiles
      changes.push(`maximum distance ${row.maxDistanceMiles} to ${widened.maxDistanceMiles} miles`)
    }
    if (widened.budgetPounds !== null && widened.budgetPounds !== row.budgetPence) {
      if (row.budgetPence !== null && widened.budgetPounds < row.budgetPence)
        errors.push({
          field: 'budgetPounds',
          message: `Republishing can only widen the search: enter a budget of ${formatPounds(row.budgetPence)} or more`,
        })
      set.budgetPence = widened.budgetPounds
      changes.push(
        `budget ${row.budgetPence === null ? 'none' : formatPounds(row.budgetPence)} to ${formatPounds(widened.budgetPounds)}`,
      )
    }
    if (widened.lotId !== undefined && widened.lotId !== row.lotId) {
      await checkLot(tx, row.councilId, widened.lotId)
      set.lotId = widened.lotId
      changes.push(
        widened.lotId === null ? 'open to all providers, not only a DPS lot' : `DPS lot ${widened.lotId}`,
      )
    }
    if (widened.startDate !== undefined && widened.startDate !== row.startDate) {
      set.startDate = widened.startDate
      changes.push(
        `start date ${row.startDate ? formatDate(row.startDate) : 'none'} to ${formatDate(widened.startDate)}`,
      )
    }
    if (errors.length > 0) throw new ValidationError(errors)
    return publishRound(
      tx,
      caller,
      row,
      'republish',
      now,
      {
        set,
        reason: changes.length > 0 ? `Widened: ${changes.join('; ')}` : 'Republished unchanged',
        details: { widened: set },
      },
      options.identifiersChecked,
    )
  })
  return { request: await getRequest(db, caller, requestId), ...outcome }
}

// ---------------------------------------------------------------------------------------------
// Changing a submitted or published request

/** What a broker may change on a submitted or published request, and why (required). */
export function changeSchema(context: InputContext) {
  return republishSchema(context).extend({
    reason: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined),
      z
        .string({ error: 'Enter why you are changing the request' })
        .trim()
        .max(2000, 'Reason must be 2,000 characters or fewer'),
    ),
  })
}

export interface ChangeResult {
  request: SourcingRequest
  /** What changed, in words. */
  changes: string[]
  /** For a published request: who the change newly invites and who it no longer does. */
  eligibility: { round: number; newlyInvited: number; noLongerInvited: number } | null
}

const CHANGED_EMAIL_KIND = 'brokerage_request_changed'

/**
 * A broker changes a submitted or published request's criteria (maximum distance, start date,
 * budget, lot) with a reason. A published request's eligibility is decided again as a new round:
 * locations newly eligible are invited, and providers whose locations are no longer eligible (or
 * whose offers now come from one) are told. The deadline stays.
 */
export async function changeRequest(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  input: Record<string, unknown>,
  options: LifecycleOptions = {},
): Promise<ChangeResult> {
  authorise(caller, 'publish')
  const context = await inputContext(db, caller.councilId, options.now ?? new Date())
  const given = parseInput(changeSchema(context), input)
  const outcome = await db.transaction(async (tx) => {
    const { row, now } = await lockedRow(tx, caller, requestId, options)
    if (row.status !== 'submitted' && row.status !== 'published')
      throw new ConflictError(
        `Only a submitted or published request can be changed; this one is ${row.status}.`,
      )
    const set: RequestColumns = {}
    const changes: string[] = []
    if (given.maxDistanceMiles !== undefined && given.maxDistanceMiles !== row.maxDistanceMiles) {
      set.maxDistanceMiles = given.maxDistanceMiles
      changes.push(`maximum distance ${row.maxDistanceMiles} to ${given.maxDistanceMiles} miles`)
    }
    if (given.budgetPounds !== null && given.budgetPounds !== row.budgetPence) {
      set.budgetPence = given.budgetPounds
      changes.push(
        `budget ${row.budgetPence === null ? 'none' : formatPounds(row.budgetPence)} to ${formatPounds(given.budgetPounds)}`,
      )
    }
    if (given.lotId !== undefined && given.lotId !== row.lotId) {
      await checkLot(tx, row.councilId, given.lotId)
      set.lotId = given.lotId
      changes.push(
        given.lotId === null ? 'open to all providers, not only a DPS lot' : `DPS lot ${given.lotId}`,
      )
    }
    if (given.startDate !== undefined && given.startDate !== row.startDate) {
      set.startDate = given.startDate
      changes.push(
        `start date ${row.startDate ? formatDate(row.startDate) : 'none'} to ${formatDate(given.startDate)}`,
      )
    }
    if (changes.length === 0)
      throw new ValidationError([
        {
          field: 'maxDistanceMiles',
          message: 'Change at least one of the answers, or go back to the request',
        },
      ])
    const [updated] = await tx
      .update(sourcingRequests)
      .set({ ...set, version: row.version + 1, updatedAt: now })
      .where(
        and(
          eq(sourcingRequests.id, row.id),
          eq(sourcingRequests.councilId, row.councilId),
          eq(sourcingRequests.version, row.version),
        ),
      )
      .returning({ id: sourcingRequests.id })
    if (!updated)
      throw new ConflictError(
        'The request was changed by someone else at the same time. Reload it and try again.',
      )
    const eligibility = row.status === 'published' ? await decideAgain(tx, row, now) : null
    await recordAudit(tx, actorFor(caller), {
      councilId: row.councilId,
      action: 'sourcing_request.changed',
      entityType: 'sourcing_request',
      entityId: row.id,
      details: { status: row.status, reason: given.reason, changes, ...(eligibility ? { eligibility } : {}) },
    })
    return { changes, eligibility }
  })
  return { request: await getRequest(db, caller, requestId), ...outcome }
}

/** A published request's eligibility decided again after a change, and the providers it affects told. */
async function decideAgain(tx: Transaction, row: RequestRow, now: Date) {
  const before = await latestRound(tx, row.councilId, row.id)
  const round = before.round + 1
  const result = await inviteEligibleLocations(tx, {
    councilId: row.councilId,
    requestId: row.id,
    round,
    now,
    alreadyInvited: before.invited,
  })
  const nowInvited = new Set(result.invitedLocationIds)
  const dropped = [...before.invited].filter((id) => !nowInvited.has(id))
  // Offers from a location no longer eligible: its provider is told too, whether or not it was invited last round.
  const offered = await tx
    .select({ locationId: offers.locationId })
    .from(offers)
    .where(
      and(eq(offers.councilId, row.councilId), eq(offers.requestId, row.id), eq(offers.status, 'submitted')),
    )
  const droppedOffers = offered.map((o) => o.locationId).filter((id) => !nowInvited.has(id))
  const organisations = await organisationsOfLocations(tx, row.councilId, [
    ...new Set([...dropped, ...droppedOffers]),
  ])
  await notifyOrganisations(
    tx,
    row.councilId,
    CHANGED_EMAIL_KIND,
    organisations.map((providerOrganisationId) => ({
      providerOrganisationId,
      subject: `Request ${row.id} has changed: your location is no longer eligible`,
      body: `The council changed request ${row.id}, and at least one of your locations no longer meets it. It is no longer invited to offer, and an offer it made may not be chosen.`,
      link: `/provider/opportunities/${row.id}`,
    })),
  )
  return {
    round,
    newlyInvited: result.invitedLocationIds.filter((id) => !before.invited.has(id)).length,
    noLongerInvited: dropped.length,
  }
}
