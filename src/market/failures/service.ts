// The response to a provider failure: opening it for a market event (the people whose care must be
// re-sourced and their last day), re-sourcing them all in one action exactly once, and tracking each
// person until they are safe, with the figures and the extra cost. Brokerage makes the requests
// (its request service); the market keeps the cases.
import { and, asc, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm'
import { councilUserEmails } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import {
  type AffectedPackage,
  createBookResourcingRequest,
  createResourcingRequest,
  packagesAffected,
  personNames,
  publish,
  type RequestCaller,
  type ResourcingProgress,
  resourcingProgress,
  tellProviders,
} from '../../brokerage/requests/service.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import {
  ConflictError,
  NotFoundError,
  parseInput,
  UnprocessableError,
  ValidationError,
} from '../../errors.ts'
import { enqueueEmail } from '../../notifications/service.ts'
import { providersLocationFacts, providersOrganisationFacts } from '../../providers/reporting/views.ts'
import { formatDate, londonDate } from '../../shared/dates.ts'
import { formatPounds, parsePounds } from '../../shared/money.ts'
import { isFailure } from '../events/rules.ts'
import { marketEvents } from '../events/schema.ts'
import { actorName, getMarketEvent } from '../events/service.ts'
import {
  atRiskSchema,
  type CaseFacts,
  type CaseOutcome,
  type CaseState,
  caseState,
  daysToReplace,
  extraCost,
  gapDays,
  openSchema,
  outcomeSchema,
  type ResponseFigures,
  resourceSchema,
  responseFigures,
} from './rules.ts'
import { failureCases, failureResponses } from './schema.ts'

type FailureResponseRow = typeof failureResponses.$inferSelect
type FailureCaseRow = typeof failureCases.$inferSelect

const EMAIL_KIND = 'provider_failure'
/** £100,000,000: more than any failure has cost, and well inside the column. */
const MAX_ONE_OFF_PENCE = 10_000_000_000
/** People re-sourced in one transaction: a crash loses at most one batch, which the next run makes. */
const RESOURCE_BATCH = 25
/** Outcomes after which nobody needs a re-sourcing request. */
const SETTLED_OUTCOMES: CaseOutcome[] = ['moved_elsewhere', 'self_arranged', 'died']

function addOneDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

async function responseOfEvent(
  db: Queryable,
  councilId: number,
  eventId: number,
): Promise<FailureResponseRow | undefined> {
  const [row] = await db
    .select()
    .from(failureResponses)
    .where(and(eq(failureResponses.councilId, councilId), eq(failureResponses.marketEventId, eventId)))
  return row
}

async function requireResponse(db: Queryable, councilId: number, eventId: number) {
  const row = await responseOfEvent(db, councilId, eventId)
  if (!row) throw new NotFoundError('No response has been opened for this market event')
  return row
}

async function responseById(db: Queryable, councilId: number, responseId: number) {
  const [row] = await db
    .select()
    .from(failureResponses)
    .where(and(eq(failureResponses.councilId, councilId), eq(failureResponses.id, responseId)))
  if (!row) throw new NotFoundError('No such failure response')
  return row
}

/** What a response is about, as its pages and notices name it. */
interface ResponseSubject {
  /** The market event it answers; null for a provider at risk. */
  eventId: number | null
  /** "closure of Rose House", "Rose House at risk". */
  title: string
  providerName: string
  locationName: string | null
}

async function placeNames(db: Queryable, councilId: number, providerId: number, locationId: number | null) {
  const [provider] = await db
    .select({ name: providersOrganisationFacts.name })
    .from(providersOrganisationFacts)
    .where(
      and(eq(providersOrganisationFacts.councilId, councilId), eq(providersOrganisationFacts.id, providerId)),
    )
  const [location] =
    locationId === null
      ? []
      : await db
          .select({
            name: providersLocationFacts.name,
            providerId: providersLocationFacts.providerOrganisationId,
          })
          .from(providersLocationFacts)
          .where(
            and(eq(providersLocationFacts.councilId, councilId), eq(providersLocationFacts.id, locationId)),
          )
  return {
    providerName: provider?.name ?? null,
    locationName: location?.name ?? null,
    locationProvider: location?.providerId,
  }
}

async function subjectOf(
  db: Queryable,
  councilId: number,
  response: FailureResponseRow,
): Promise<ResponseSubject> {
  if (response.marketEventId !== null) {
    const event = await getMarketEvent(db, councilId, response.marketEventId)
    return {
      eventId: event.id,
      title: `${event.kindLabel.toLowerCase()} of ${event.locationName ?? event.providerName}`,
      providerName: event.providerName,
      locationName: event.locationName,
    }
  }
  const names = await placeNames(db, councilId, response.providerOrganisationId, response.locationId)
  const providerName = names.providerName ?? ''
  return {
    eventId: null,
    title: `${names.locationName ?? providerName} at risk`,
    providerName,
    locationName: names.locationName,
  }
}

/** One case per person: their packages at the failing provider added together. */
function casesOf(affected: readonly AffectedPackage[]) {
  const byPerson = new Map<string, AffectedPackage[]>()
  for (const p of affected) byPerson.set(p.personKey, [...(byPerson.get(p.personKey) ?? []), p])
  return [...byPerson].map(([personKey, list]) => {
    const first = list[0] as AffectedPackage
    const minutes = list.reduce((sum, p) => sum + (p.minutesPerWeek ?? 0), 0)
    return {
      personKey,
      personId: list.find((p) => p.personId !== null)?.personId ?? null,
      packageIds: list.filter((p) => p.source === 'brokered').map((p) => p.packageId),
      importedPackageIds: list.filter((p) => p.source === 'imported').map((p) => p.packageId),
      locationId: first.locationId,
      serviceType: first.serviceType,
      minutesPerWeek: list.some((p) => p.minutesPerWeek !== null) ? minutes : null,
      weeklyCostPence: list.reduce((sum, p) => sum + p.weeklyCostPence, 0),
      funding: first.funding,
    }
  })
}

/**
 * Opens a response in one transaction: its row, a case per person, the audit entry and the notices.
 * Null when another response for the same event, provider or location won the race: that one stands.
 */
async function insertResponse(
  db: Database,
  councilId: number,
  actor: Actor,
  now: Date,
  terms: {
    marketEventId: number | null
    providerOrganisationId: number
    locationId: number | null
    lastDay: string
    title: string
    affected: readonly AffectedPackage[]
    auditDetails: Record<string, unknown>
  },
): Promise<FailureResponseRow | null> {
  const cases = casesOf(terms.affected)
  const brokers = await councilUserEmails(db, councilId, 'broker')
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(failureResponses)
      .values({
        councilId,
        marketEventId: terms.marketEventId,
        providerOrganisationId: terms.providerOrganisationId,
        locationId: terms.locationId,
        lastDay: terms.lastDay,
        noticeOn: londonDate(now),
        openedAt: now,
        openedBy: actorName(actor),
      })
      .onConflictDoNothing()
      .returning()
    if (!row) return null
    if (cases.length > 0)
      await tx.insert(failureCases).values(cases.map((c) => ({ ...c, councilId, responseId: row.id })))
    await recordAudit(tx, actor, {
      councilId,
      action: 'failure_response.opened',
      entityType: 'failure_response',
      entityId: row.id,
      details: {
        ...terms.auditDetails,
        lastDay: terms.lastDay,
        people: cases.length,
        packages: terms.affected.length,
      },
    })
    await tellOfFailure(tx, councilId, row, terms.title, terms.affected, brokers)
    return row
  })
}

export interface OpenResult {
  response: FailureResponseRow
  /** False when the event already had a response: that one is returned, unchanged. */
  created: boolean
}

/**
 * Opens the response to a failure event: every person with a package there running after the last
 * day (by default the day of the event) becomes a case, the providers of those packages and the
 * council's brokers are told. Opening it again returns the response already open.
 */
export async function openResponse(
  db: Database,
  councilId: number,
  eventId: number,
  input: { lastDay?: unknown },
  actor: Actor,
  options: { now?: Date } = {},
): Promise<OpenResult> {
  const now = options.now ?? new Date()
  const existing = await responseOfEvent(db, councilId, eventId)
  if (existing) return { response: existing, created: false }
  const terms = parseInput(openSchema, input)
  const event = await getMarketEvent(db, councilId, eventId)
  if (event.withdrawnAt) throw new ConflictError('This event has been withdrawn: it needs no response')
  if (!isFailure(event.kind))
    throw new UnprocessableError(
      `A response is opened for a provider exit, a closure or a deregistration, not for ${event.kindLabel.toLowerCase()}`,
    )
  const lastDay = terms.lastDay ?? event.occurredOn
  const affected = await packagesAffected(
    db,
    councilId,
    event.locationId === null
      ? { providerOrganisationId: event.providerOrganisationId }
      : { locationIds: [event.locationId] },
    lastDay,
  )
  const title = `${event.kindLabel.toLowerCase()} of ${event.locationName ?? event.providerName}`
  const opened = await insertResponse(db, councilId, actor, now, {
    marketEventId: event.id,
    providerOrganisationId: event.providerOrganisationId,
    locationId: event.locationId,
    lastDay,
    title,
    affected,
    auditDetails: { marketEventId: event.id },
  })
  if (opened) return { response: opened, created: true }
  return { response: await requireResponse(db, councilId, eventId), created: false }
}

async function tellOfFailure(
  tx: Transaction,
  councilId: number,
  response: FailureResponseRow,
  title: string,
  affected: readonly AffectedPackage[],
  brokers: readonly string[],
) {
  const lastDay = formatDate(response.lastDay)
  // Providers read counts, never who: the people are theirs already, and the notice goes by email too.
  const byProvider = new Map<number, number>()
  for (const p of affected)
    byProvider.set(p.providerOrganisationId, (byProvider.get(p.providerOrganisationId) ?? 0) + 1)
  await tellProviders(
    tx,
    councilId,
    EMAIL_KIND,
    [...byProvider].map(([providerOrganisationId, count]) => ({
      providerOrganisationId,
      subject: `The council is re-sourcing care after the ${title}`,
      body: `The council has opened its response to the ${title}. It will re-source the care of ${count} ${count === 1 ? 'package' : 'packages'} you provide there, from the day after ${lastDay}, the last day of care. Please keep care going until then, and tell the council's brokers at once of any change.`,
      link: '/provider/packages',
    })),
  )
  const people = new Set(affected.map((p) => p.personKey)).size
  for (let i = 0; i < brokers.length; i += 20)
    await enqueueEmail(tx, {
      councilId,
      kind: EMAIL_KIND,
      to: brokers.slice(i, i + 20).join(', '),
      subject: `Provider failure: ${people} ${people === 1 ? 'person' : 'people'} to re-source after the ${title}`,
      body: `A response has been opened to the ${title}. ${people} ${people === 1 ? 'person needs' : 'people need'} their care re-sourced from the day after ${lastDay}, the last day of care.\n\nSee the tracker: /failure-responses/${response.id}`,
    })
}

/**
 * Opens a response for a provider (or one of its locations) at risk, before anything has happened:
 * as for an event, every person with a package there running past the last day becomes a case.
 * One open per provider or location: opening it again returns that one.
 */
export async function openAtRiskResponse(
  db: Database,
  councilId: number,
  input: { providerId?: unknown; locationId?: unknown; lastDay?: unknown },
  actor: Actor,
  options: { now?: Date } = {},
): Promise<OpenResult> {
  const now = options.now ?? new Date()
  const terms = parseInput(atRiskSchema, input)
  const lastDay = terms.lastDay
  if (!lastDay) throw new ValidationError([{ field: 'lastDay', message: 'Enter the last day of care' }])
  const names = await placeNames(db, councilId, terms.providerId ?? 0, terms.locationId ?? null)
  const providerId =
    terms.locationId !== null && terms.locationId !== undefined ? names.locationProvider : terms.providerId
  if (terms.locationId != null && !names.locationName)
    throw new ValidationError([
      { field: 'locationId', message: 'Choose a location on the council’s register' },
    ])
  if (providerId === undefined || providerId === null)
    throw new ValidationError([{ field: 'providerId', message: 'Choose the provider at risk' }])
  const locationId = terms.locationId ?? null
  const provider = await placeNames(db, councilId, providerId, locationId)
  if (!provider.providerName)
    throw new ValidationError([
      { field: 'providerId', message: 'Choose a provider on the council’s register' },
    ])
  const find = () =>
    db
      .select()
      .from(failureResponses)
      .where(
        and(
          eq(failureResponses.councilId, councilId),
          isNull(failureResponses.marketEventId),
          eq(failureResponses.providerOrganisationId, providerId),
          locationId === null
            ? isNull(failureResponses.locationId)
            : eq(failureResponses.locationId, locationId),
        ),
      )
  const [existing] = await find()
  if (existing) return { response: existing, created: false }
  const affected = await packagesAffected(
    db,
    councilId,
    locationId === null ? { providerOrganisationId: providerId } : { locationIds: [locationId] },
    lastDay,
  )
  const opened = await insertResponse(db, councilId, actor, now, {
    marketEventId: null,
    providerOrganisationId: providerId,
    locationId,
    lastDay,
    title: `${provider.locationName ?? provider.providerName} at risk`,
    affected,
    auditDetails: { atRisk: true, providerOrganisationId: providerId, locationId },
  })
  if (opened) return { response: opened, created: true }
  const [other] = await find()
  if (!other) throw new NotFoundError('No such failure response')
  return { response: other, created: false }
}

// ---------------------------------------------------------------------------------------------
// Re-sourcing

export interface ResourceResult {
  /** Requests made by this run. */
  created: number
  /** People who already had their request (made by an earlier or a concurrent run). */
  alreadyMade: number
  /**
   * People known only from the council's own book whose request is still a draft: a social worker
   * or broker completes their details and needs, and submits it.
   */
  needReferral: number
  /** Requests this run published to providers. */
  published: number
  /** Requests left submitted, and why (nobody to invite, text to check): a broker publishes them. */
  notPublished: { caseId: number; requestId: number; reason: string }[]
}

export interface ResourceOptions {
  now?: Date
  batchSize?: number
  /** Called after each request is made, inside its batch's transaction (tests stop a batch part-way). */
  afterEach?: (caseId: number) => void | Promise<void>
  /** Called after each batch commits, with the requests this run has made so far (the CLI's progress). */
  onBatch?: (made: number) => void
}

/**
 * Makes a re-sourcing request for every person of the response who has none, in batches of
 * RESOURCE_BATCH, each one transaction: the case's row is locked (others' locked rows are skipped,
 * so two brokers share the work) and the request made and linked in the same transaction, so each
 * person's request is made exactly once however often, or however many at once, it is run, and a
 * batch cut off part-way leaves nothing. Then publishes every request still submitted.
 */
export async function resourceResponse(
  db: Database,
  caller: RequestCaller & { councilId: number },
  eventId: number,
  input: { urgency?: unknown; emergencyHours?: unknown },
  actor: Actor,
  options: ResourceOptions = {},
): Promise<ResourceResult> {
  const response = await requireResponse(db, caller.councilId, eventId)
  return resourceResponseById(db, caller, response.id, input, actor, options)
}

/** As resourceResponse, for a response by its own id (a provider at risk has no event). */
export async function resourceResponseById(
  db: Database,
  caller: RequestCaller & { councilId: number },
  responseId: number,
  input: { urgency?: unknown; emergencyHours?: unknown },
  actor: Actor,
  options: ResourceOptions = {},
): Promise<ResourceResult> {
  const { councilId } = caller
  const terms = parseInput(resourceSchema, input)
  const now = options.now ?? new Date()
  const response = await responseById(db, councilId, responseId)
  const subject = await subjectOf(db, councilId, response)
  const startDate = [addOneDay(response.lastDay), londonDate(now)].sort().at(-1) as string
  const reason = `Re-sourcing after the ${subject.title}`
  const batchSize = options.batchSize ?? RESOURCE_BATCH
  let created = 0
  for (;;) {
    const made = await db.transaction(async (tx) => {
      const batch = await tx
        .select({
          id: failureCases.id,
          packageIds: failureCases.packageIds,
          importedPackageIds: failureCases.importedPackageIds,
        })
        .from(failureCases)
        .where(
          and(
            eq(failureCases.councilId, councilId),
            eq(failureCases.responseId, response.id),
            isNull(failureCases.requestId),
            sql`(${failureCases.outcome} is null or ${notInArray(failureCases.outcome, SETTLED_OUTCOMES)})`,
          ),
        )
        .orderBy(asc(failureCases.id))
        .limit(batchSize)
        .for('update', { skipLocked: true })
      for (const c of batch) {
        const common = {
          councilId,
          startDate,
          urgency: terms.urgency,
          emergencyHours: terms.emergencyHours,
          excludedProviderIds: [response.providerOrganisationId],
          reason,
          actor,
          now,
        }
        // A person only the council's book knows gets a draft whose details a social worker completes.
        const requestId =
          c.packageIds.length > 0
            ? await createResourcingRequest(tx, { ...common, packageIds: c.packageIds })
            : await createBookResourcingRequest(tx, { ...common, importedPackageIds: c.importedPackageIds })
        await tx
          .update(failureCases)
          .set({ requestId, resourcedAt: now })
          .where(and(eq(failureCases.id, c.id), isNull(failureCases.requestId)))
        await options.afterEach?.(c.id)
      }
      if (batch.length > 0)
        await recordAudit(tx, actor, {
          councilId,
          action: 'failure_response.resourced',
          entityType: 'failure_response',
          entityId: response.id,
          details: { requests: batch.length, urgency: terms.urgency, startDate },
        })
      return batch.length
    })
    created += made
    if (made > 0) options.onBatch?.(created)
    if (made < batchSize) break
  }
  const cases = await casesOfResponse(db, councilId, response.id)
  const progress = await resourcingProgress(
    db,
    councilId,
    cases.flatMap((c) => (c.requestId === null ? [] : [c.requestId])),
  )
  let published = 0
  const notPublished: ResourceResult['notPublished'] = []
  for (const c of cases) {
    if (c.requestId === null || progress.get(c.requestId)?.status !== 'submitted') continue
    try {
      await publish(db, caller, c.requestId, { now: options.now })
      published++
    } catch (error) {
      // Another broker published it first, or it cannot go out as it is: a broker publishes it by hand.
      if (
        !(
          error instanceof ConflictError ||
          error instanceof UnprocessableError ||
          error instanceof ValidationError
        )
      )
        throw error
      if (error instanceof ConflictError) {
        // Published by another broker's run at the same time: nothing for anyone to do.
        const now = (await resourcingProgress(db, councilId, [c.requestId])).get(c.requestId)
        if (now && now.status !== 'submitted') continue
      }
      const message =
        error instanceof ValidationError ? error.errors.map((e) => e.message).join('; ') : error.message
      notPublished.push({ caseId: c.id, requestId: c.requestId, reason: message })
    }
  }
  const withRequest = cases.filter((c) => c.requestId !== null).length
  return {
    created,
    alreadyMade: withRequest - created,
    needReferral: cases.filter(
      (c) =>
        c.packageIds.length === 0 && c.requestId !== null && progress.get(c.requestId)?.status === 'draft',
    ).length,
    published,
    notPublished,
  }
}

function casesOfResponse(db: Queryable, councilId: number, responseId: number): Promise<FailureCaseRow[]> {
  return db
    .select()
    .from(failureCases)
    .where(and(eq(failureCases.councilId, councilId), eq(failureCases.responseId, responseId)))
    .orderBy(asc(failureCases.id))
}

/**
 * The re-sourcing requests made for a market event's response, by id (those still to be placed and
 * those already placed alike: brokerage decides which are waiting). Not found when no response has
 * been opened for the event.
 */
export async function resourcingRequestsOfEvent(
  db: Queryable,
  councilId: number,
  eventId: number,
): Promise<number[]> {
  const response = await requireResponse(db, councilId, eventId)
  return (await casesOfResponse(db, councilId, response.id)).flatMap((c) =>
    c.requestId === null ? [] : [c.requestId],
  )
}

// ---------------------------------------------------------------------------------------------
// The tracker

export interface TrackedCase {
  id: number
  personId: number | null
  /** The person's name (council staff only), or their case reference when only the book knows them. */
  person: string
  fromBook: boolean
  locationId: number
  locationName: string
  serviceType: string
  minutesPerWeek: number | null
  weeklyCostPence: number
  funding: string
  requestId: number | null
  requestStatus: string | null
  offers: number
  state: CaseState
  outcome: CaseOutcome | null
  outcomeNote: string
  replacement: {
    packageId: number
    locationId: number
    locationName: string
    weeklyCostPence: number
    startDate: string
    awardedOn: string
    choiceReason: string | null
  } | null
  daysToReplace: number | null
  gapDays: number
}

export interface ResponseView {
  response: FailureResponseRow
  subject: ResponseSubject
  cases: TrackedCase[]
  figures: ResponseFigures
  /** The computed extra cost: Σ (new − old weekly) × weeks to the financial year's end + one-off costs. */
  extraCostPence: number
}

function factsOf(c: FailureCaseRow, p: ResourcingProgress | undefined): CaseFacts {
  return {
    outcome: c.outcome as CaseOutcome | null,
    requestStatus: p?.status ?? null,
    offers: p?.offers ?? 0,
    replacement: p?.package
      ? {
          startDate: p.package.startDate,
          awardedOn: londonDate(p.package.awardedAt),
          weeklyCostPence: p.package.weeklyCostPence,
        }
      : null,
  }
}

async function costOf(db: Queryable, councilId: number, response: FailureResponseRow): Promise<number> {
  const cases = await casesOfResponse(db, councilId, response.id)
  const progress = await resourcingProgress(
    db,
    councilId,
    cases.flatMap((c) => (c.requestId === null ? [] : [c.requestId])),
  )
  return extraCost(
    cases.map((c) => {
      const p = c.requestId === null ? undefined : progress.get(c.requestId)?.package
      return {
        oldWeeklyPence: c.weeklyCostPence,
        replacement: p ? { startDate: p.startDate, weeklyCostPence: p.weeklyCostPence } : null,
      }
    }),
    response.oneOffCostPence,
  )
}

/** The response to an event: each person's case, the figures and the extra cost. */
export async function getResponse(
  db: Queryable,
  councilId: number,
  eventId: number,
  now = new Date(),
): Promise<ResponseView> {
  return viewOf(db, councilId, await requireResponse(db, councilId, eventId), now)
}

/** As getResponse, for a response by its own id. */
export async function getResponseById(
  db: Queryable,
  councilId: number,
  responseId: number,
  now = new Date(),
): Promise<ResponseView> {
  return viewOf(db, councilId, await responseById(db, councilId, responseId), now)
}

async function viewOf(
  db: Queryable,
  councilId: number,
  response: FailureResponseRow,
  now: Date,
): Promise<ResponseView> {
  const subject = await subjectOf(db, councilId, response)
  const rows = await casesOfResponse(db, councilId, response.id)
  const progress = await resourcingProgress(
    db,
    councilId,
    rows.flatMap((c) => (c.requestId === null ? [] : [c.requestId])),
  )
  const names = await personNames(
    db,
    councilId,
    rows.flatMap((c) => (c.personId === null ? [] : [c.personId])),
  )
  const locationIds = new Set(rows.map((c) => c.locationId))
  for (const p of progress.values()) if (p.package) locationIds.add(p.package.locationId)
  const locationNames = new Map(
    locationIds.size === 0
      ? []
      : (
          await db
            .select({ id: providersLocationFacts.id, name: providersLocationFacts.name })
            .from(providersLocationFacts)
            .where(inArray(providersLocationFacts.id, [...locationIds]))
        ).map((l) => [l.id, l.name]),
  )
  const today = londonDate(now)
  const cases = rows.map((c): TrackedCase => {
    const p = c.requestId === null ? undefined : progress.get(c.requestId)
    const facts = factsOf(c, p)
    const state = caseState(facts)
    return {
      id: c.id,
      personId: c.personId,
      person:
        (c.personId !== null ? names.get(c.personId) : undefined) ??
        `Case reference ${c.personKey.replace(/^ref:/, '').toUpperCase()}`,
      fromBook: c.personId === null,
      locationId: c.locationId,
      locationName: locationNames.get(c.locationId) ?? '',
      serviceType: c.serviceType,
      minutesPerWeek: c.minutesPerWeek,
      weeklyCostPence: c.weeklyCostPence,
      funding: c.funding,
      requestId: c.requestId,
      requestStatus: p?.status ?? null,
      offers: p?.offers ?? 0,
      state,
      outcome: c.outcome as CaseOutcome | null,
      outcomeNote: c.outcomeNote,
      replacement: p?.package
        ? {
            packageId: p.package.id,
            locationId: p.package.locationId,
            locationName: locationNames.get(p.package.locationId) ?? '',
            weeklyCostPence: p.package.weeklyCostPence,
            startDate: p.package.startDate,
            awardedOn: londonDate(p.package.awardedAt),
            choiceReason: p.package.choiceReason,
          }
        : null,
      daysToReplace: daysToReplace(facts, response.noticeOn),
      gapDays: gapDays(state, facts, response.lastDay, today),
    }
  })
  return {
    response,
    subject,
    cases,
    figures: responseFigures(cases),
    extraCostPence: extraCost(
      cases.map((c) => ({ oldWeeklyPence: c.weeklyCostPence, replacement: c.replacement })),
      response.oneOffCostPence,
    ),
  }
}

/** The response open for a market event, if any (the event's page leads to it or offers to open it). */
export async function responseIdOfEvent(
  db: Queryable,
  councilId: number,
  eventId: number,
): Promise<number | null> {
  return (await responseOfEvent(db, councilId, eventId))?.id ?? null
}

/**
 * Keeps the response's extra cost, and its event's, as the cases change: the event's cost is the
 * computed one from then on, replacing any typed in.
 */
async function keepCost(tx: Queryable, councilId: number, response: FailureResponseRow): Promise<number> {
  const cost = await costOf(tx, councilId, response)
  await tx.update(failureResponses).set({ extraCostPence: cost }).where(eq(failureResponses.id, response.id))
  if (response.marketEventId !== null)
    await tx
      .update(marketEvents)
      .set({ extraCostPence: cost })
      .where(and(eq(marketEvents.councilId, councilId), eq(marketEvents.id, response.marketEventId)))
  return cost
}

/** A brokerage change to a request: when it is a re-sourcing request, its response's cost is kept. */
export async function keepFailureCost(tx: Transaction, councilId: number, requestId: number): Promise<void> {
  const [row] = await tx
    .select({ response: failureResponses })
    .from(failureCases)
    .innerJoin(failureResponses, eq(failureResponses.id, failureCases.responseId))
    .where(and(eq(failureCases.councilId, councilId), eq(failureCases.requestId, requestId)))
  if (row) await keepCost(tx, councilId, row.response)
}

/** Records what happened to a person when it was not a re-placement (or clears it, with no outcome). */
export async function setCaseOutcome(
  db: Database,
  councilId: number,
  eventId: number,
  caseId: number,
  input: { outcome?: unknown; note?: unknown },
  actor: Actor,
  options: { now?: Date } = {},
): Promise<void> {
  const response = await requireResponse(db, councilId, eventId)
  return setCaseOutcomeById(db, councilId, response.id, caseId, input, actor, options)
}

export async function setCaseOutcomeById(
  db: Database,
  councilId: number,
  responseId: number,
  caseId: number,
  input: { outcome?: unknown; note?: unknown },
  actor: Actor,
  options: { now?: Date } = {},
): Promise<void> {
  const terms = parseInput(outcomeSchema, input)
  const response = await responseById(db, councilId, responseId)
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(failureCases)
      .set({
        outcome: terms.outcome,
        outcomeNote: terms.note,
        outcomeAt: options.now ?? new Date(),
        outcomeBy: actorName(actor),
      })
      .where(
        and(
          eq(failureCases.councilId, councilId),
          eq(failureCases.responseId, response.id),
          eq(failureCases.id, caseId),
        ),
      )
      .returning({ id: failureCases.id })
    if (!row) throw new NotFoundError('No such person in this response')
    await recordAudit(tx, actor, {
      councilId,
      action: 'failure_case.outcome_recorded',
      entityType: 'failure_case',
      entityId: caseId,
      details: { responseId: response.id, outcome: terms.outcome },
    })
    await keepCost(tx, councilId, response)
  })
}

/** Sets the one-off costs of the failure (moving people, temporary staff, ...), in pounds. */
export async function setOneOffCost(
  db: Database,
  councilId: number,
  eventId: number,
  input: { oneOffCost?: unknown },
  actor: Actor,
): Promise<number> {
  const response = await requireResponse(db, councilId, eventId)
  return setOneOffCostById(db, councilId, response.id, input, actor)
}

export async function setOneOffCostById(
  db: Database,
  councilId: number,
  responseId: number,
  input: { oneOffCost?: unknown },
  actor: Actor,
): Promise<number> {
  const raw = parsePounds(input.oneOffCost)
  const parsed = !raw.ok && raw.problem === 'empty' ? { ok: true as const, pence: 0 } : raw
  if (parsed.ok && parsed.pence > MAX_ONE_OFF_PENCE)
    throw new ValidationError([
      { field: 'oneOffCost', message: 'One-off costs must be £100,000,000 or less' },
    ])
  if (!parsed.ok)
    throw new ValidationError([
      {
        field: 'oneOffCost',
        message:
          parsed.problem === 'negative'
            ? 'One-off costs cannot be negative'
            : 'Enter the one-off costs in pounds, like 1,250 or 1250.50',
      },
    ])
  const response = await responseById(db, councilId, responseId)
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(failureResponses)
      .set({ oneOffCostPence: parsed.pence })
      .where(eq(failureResponses.id, response.id))
      .returning()
    if (!row) throw new NotFoundError('No response has been opened for this market event')
    await recordAudit(tx, actor, {
      councilId,
      action: 'failure_response.one_off_cost_set',
      entityType: 'failure_response',
      entityId: response.id,
      details: { from: response.oneOffCostPence, to: parsed.pence, text: formatPounds(parsed.pence) },
    })
    return keepCost(tx, councilId, row)
  })
}

// ---------------------------------------------------------------------------------------------
// Figures for insights and the committee report

export interface FailureResponsesSummary {
  responses: number
  people: number
  rePlaced: number
  medianDaysToReplace: number | null
  withGap: number
  extraCostPence: number
}

/** The responses to failures that happened in a period, added up. */
export async function failureResponsesSummary(
  db: Queryable,
  councilId: number,
  terms: { from: string; to: string },
  now = new Date(),
): Promise<FailureResponsesSummary> {
  const events = await db
    .select({ eventId: failureResponses.marketEventId })
    .from(failureResponses)
    .innerJoin(marketEvents, eq(marketEvents.id, failureResponses.marketEventId))
    .where(
      and(
        eq(failureResponses.councilId, councilId),
        isNull(marketEvents.withdrawnAt),
        sql`${marketEvents.occurredOn} between ${terms.from}::date and ${terms.to}::date`,
      ),
    )
  const views = []
  for (const e of events) if (e.eventId !== null) views.push(await getResponse(db, councilId, e.eventId, now))
  const cases = views.flatMap((v) => v.cases)
  const figures = responseFigures(cases)
  return {
    responses: views.length,
    people: figures.people,
    rePlaced: figures.rePlaced,
    medianDaysToReplace: figures.medianDaysToReplace,
    withGap: figures.withGap,
    extraCostPence: views.reduce((sum, v) => sum + v.extraCostPence, 0),
  }
}
