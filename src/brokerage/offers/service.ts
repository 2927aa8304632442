// The provider's side of brokerage: the opportunities it was invited to, anonymised, and the offers
// it makes, revises and withdraws until the deadline. A provider only ever reads its own offers.

import { z } from 'zod'
import { type Actor, actorColumns, recordAudit } from '../../audit/service.ts'
import { databaseClock } from '../../db/clock.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import {
  ConflictError,
  NotFoundError,
  parseInput,
  UnprocessableError,
  ValidationError,
} from '../../errors.ts'
import { normaliseOutcode } from '../../geography/rules.ts'
import { locationSummaries, organisationLocations } from '../../providers/service.ts'
import {
  BED_TYPE_LABELS,
  CLIENT_GROUP_LABELS,
  SPECIALISM_LABELS,
  type Specialism,
} from '../../providers/vocabulary.ts'
import { exampleDate, isCalendarDate, londonDate } from '../../shared/dates.ts'
import { recordId } from '../../storable.ts'
import {
  CARER_GENDER_LABELS,
  type CarerGenderChoice,
  DAY_LABELS,
  type DayOfWeek,
  URGENCY_LABELS,
  type Urgency,
} from '../requests/input.ts'
import { type IdentifyingDetails, redactOwnIdentifiers } from '../rules/identifiers.ts'
import {
  PRICE_UNIT_LABELS,
  type PriceUnit,
  priceUnitFor,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPE_MAP,
  REQUEST_SERVICE_TYPES,
  type RequestServiceType,
  supportHoursText,
  weeklyHours,
  weeklyHoursText,
} from '../rules/index.ts'
import type { RequestStatus } from '../rules/lifecycle.ts'
import type { offers } from '../schema.ts'
import {
  type AgeBand,
  ageBand,
  chooseVisits,
  offerChangeProblem,
  offerFingerprint,
  offerWindowProblem,
  type VisitPattern,
} from './rules.ts'
import {
  insertOfferWithAudit,
  isUniqueViolation,
  latestInvitations,
  loadVisits,
  lockRequestForOffers,
  type OfferContext,
  offerContext,
  organisationOffer,
  organisationOffers,
  type PersonRow,
  type RequestRow,
  requestsWithPeople,
  reviseOfferRow,
  visitsOfRequests,
  withdrawOfferRow,
} from './store.ts'

/** A provider user's own organisation, within its council. */
export interface ProviderScope {
  councilId: number
  providerOrganisationId: number
}

export type OfferRow = typeof offers.$inferSelect
export type OfferStatus = 'submitted' | 'withdrawn' | 'accepted' | 'declined'

export const OFFER_STATUS_LABELS: Record<OfferStatus, string> = {
  submitted: 'Submitted',
  withdrawn: 'Withdrawn',
  accepted: 'Accepted',
  declined: 'Not successful',
}

// ---------------------------------------------------------------------------------------------
// What a provider sees of a request before award (DOMAIN.md §5 Privacy)

export interface VisitView {
  id: number
  days: string[]
  daysText: string
  windowStart: string
  windowEnd: string
  durationMinutes: number
  carers: number
}

interface MatchView {
  locationId: number
  locationName: string
  flags: { code: string; text: string }[]
  rankPenalty: number
}

/**
 * A request as providers see it before award: only the age band, sex (where the social worker
 * recorded it as mattering for care), the postcode district, the needs, the hours or bed type,
 * the start date, the urgency and the deadline. This type has no field for the person's name,
 * date of birth, full postcode or NHS number, and free text has them taken out: the needs, notes
 * and language, and the match notes (a language flag repeats the language as it was typed).
 */
export interface Opportunity {
  requestId: number
  status: RequestStatus
  serviceType: RequestServiceType
  serviceLabel: string
  ageBand: AgeBand
  sex: 'female' | 'male' | null
  outcode: string
  clientGroupLabel: string
  specialismLabels: string[]
  needsSummary: string
  notesForProviders: string
  carerGenderLabel: string | null
  language: string | null
  bedTypeLabel: string | null
  visits: VisitView[]
  /** Care-worker hours a week, the one meaning of hours (rules/hours.ts). */
  careHoursPerWeek: number | null
  careHoursText: string | null
  /** Supported living's hours of support a week ("20 hours"): what an hourly price is for; null otherwise. */
  supportHoursText: string | null
  startDate: string
  urgency: string
  urgencyLabel: string
  deadlineAt: Date | null
  /** When it was last published (republishing publishes it again). */
  publishedAt: Date | null
  /** When offers really closed (before the deadline when a broker closed early); null while open. */
  closedAt: Date | null
  priceUnit: PriceUnit
  priceUnitLabel: string
  /** How well each of the provider's invited locations matches: the flags and rank penalty of its decision. */
  matches: MatchView[]
}

function daysText(days: readonly string[]): string {
  if (days.length === 7) return 'Every day'
  return days.map((d) => DAY_LABELS[d as DayOfWeek] ?? d).join(', ')
}

export function visitView(visit: VisitPattern): VisitView {
  return { ...visit, days: [...visit.days], daysText: daysText(visit.days) }
}

function identifiers(person: PersonRow): IdentifyingDetails {
  return {
    name: person.name,
    dateOfBirth: person.dateOfBirth,
    postcode: person.postcode,
    nhsNumber: person.nhsNumber,
    phone: person.phone,
    addressLine1: person.addressLine1,
    representative: person.representative,
  }
}

function anonymise(
  request: RequestRow,
  person: PersonRow,
  visits: VisitPattern[],
  matches: MatchView[],
  today: string,
): Opportunity {
  const mapped = REQUEST_SERVICE_TYPE_MAP[request.serviceType]
  const who = {
    ...identifiers(person),
    preferredPostcode: request.preferredPostcode,
    personRef: request.personRef,
    caseRef: request.caseRef,
  }
  const redact = (text: string) => redactOwnIdentifiers(text, who)
  const unit = priceUnitFor(request.serviceType)
  const hours = weeklyHours(visits)
  return {
    requestId: request.id,
    status: request.status,
    serviceType: request.serviceType,
    serviceLabel: REQUEST_SERVICE_TYPE_LABELS[request.serviceType],
    ageBand: ageBand(person.dateOfBirth, today),
    sex: person.sex === 'female' || person.sex === 'male' ? person.sex : null,
    outcode: normaliseOutcode(person.outcode) ?? person.outcode,
    clientGroupLabel:
      CLIENT_GROUP_LABELS[request.clientGroup as keyof typeof CLIENT_GROUP_LABELS] ?? request.clientGroup,
    specialismLabels: request.specialisms.map((s) => SPECIALISM_LABELS[s as Specialism] ?? s),
    needsSummary: redact(request.needsSummary),
    notesForProviders: redact(request.notesForProviders),
    carerGenderLabel: request.carerGender
      ? (CARER_GENDER_LABELS[request.carerGender as CarerGenderChoice] ?? null)
      : null,
    language: request.language ? redact(request.language) : null,
    bedTypeLabel: mapped.bedType ? BED_TYPE_LABELS[mapped.bedType] : null,
    visits: visits.map(visitView),
    careHoursPerWeek: visits.length > 0 ? Math.round((hours.careWorkerMinutes / 60) * 100) / 100 : null,
    careHoursText: visits.length > 0 ? weeklyHoursText(hours) : null,
    supportHoursText:
      request.supportMinutesPerWeek === null ? null : supportHoursText(request.supportMinutesPerWeek),
    startDate: request.startDate,
    urgency: request.urgency,
    urgencyLabel: URGENCY_LABELS[request.urgency as Urgency] ?? request.urgency,
    deadlineAt: request.deadlineAt,
    publishedAt: request.publishedAt,
    closedAt: request.closedAt,
    priceUnit: unit,
    priceUnitLabel: PRICE_UNIT_LABELS[unit],
    matches: matches.map((m) => ({
      ...m,
      flags: m.flags.map((f) => ({ code: f.code, text: redact(f.text) })),
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// Opportunities

export interface OpportunityFilters {
  serviceType?: RequestServiceType
  district?: string
}

export const opportunityFiltersSchema = z.object({
  serviceType: z
    .preprocess((v) => (v === '' ? undefined : v), z.enum(REQUEST_SERVICE_TYPES).optional())
    .catch(undefined),
  district: z
    .preprocess(
      // A district that is not one is kept as typed: it is shown back, and no request matches it.
      (v) => (typeof v === 'string' && v.trim() !== '' ? (normaliseOutcode(v) ?? v.trim()) : undefined),
      z.string().max(8).optional(),
    )
    .catch(undefined),
})

interface InvitedRow {
  requestId: number
  locationId: number
  flags: { code: string; text: string }[]
  rankPenalty: number
}

/** The latest round's invitations of the organisation's locations, for requests in these statuses. */
async function invitations(
  db: Queryable,
  scope: ProviderScope,
  where: { statuses?: RequestStatus[]; requestIds?: number[]; filters?: OpportunityFilters },
): Promise<InvitedRow[]> {
  const own = await organisationLocations(db, scope.councilId, scope.providerOrganisationId)
  if (own.length === 0 || where.requestIds?.length === 0) return []
  const district = where.filters?.district
  return latestInvitations(
    db,
    scope.councilId,
    own.map((l) => l.id),
    {
      statuses: where.statuses,
      requestIds: where.requestIds,
      serviceType: where.filters?.serviceType,
      outcode: district ? (normaliseOutcode(district) ?? district) : undefined,
    },
  )
}

async function opportunitiesFor(
  db: Queryable,
  scope: ProviderScope,
  rows: InvitedRow[],
  now: Date,
): Promise<Opportunity[]> {
  const requestIds = [...new Set(rows.map((r) => r.requestId))]
  if (requestIds.length === 0) return []
  const requests = await requestsWithPeople(db, scope.councilId, requestIds)
  const visits = await visitsOfRequests(db, scope.councilId, requestIds)
  const names = await locationSummaries(
    db,
    scope.councilId,
    rows.map((r) => r.locationId),
  )
  const today = londonDate(now)
  return requests
    .map(({ request, person }) =>
      anonymise(
        request as RequestRow,
        person,
        visits.filter((v) => v.requestId === request.id),
        rows
          .filter((r) => r.requestId === request.id)
          .map((r) => ({
            locationId: r.locationId,
            locationName: names.get(r.locationId)?.name ?? '',
            flags: r.flags,
            rankPenalty: r.rankPenalty,
          })),
        today,
      ),
    )
    .sort(
      (a, b) =>
        (a.deadlineAt?.getTime() ?? Number.POSITIVE_INFINITY) -
          (b.deadlineAt?.getTime() ?? Number.POSITIVE_INFINITY) || a.requestId - b.requestId,
    )
}

/** Published requests, still before their deadline, that one of the organisation's locations was invited to. */
export async function listOpportunities(
  db: Queryable,
  scope: ProviderScope,
  filters: OpportunityFilters = {},
  now = new Date(),
): Promise<Opportunity[]> {
  const rows = await invitations(db, scope, { statuses: ['published'], filters })
  const all = await opportunitiesFor(db, scope, rows, now)
  return all.filter((o) => !o.deadlineAt || o.deadlineAt.getTime() > now.getTime())
}

export interface OfferView {
  id: number
  requestId: number
  locationId: number
  locationName: string
  pricePence: number
  earliestStart: string
  meetsAllNeeds: boolean
  notes: string
  visitIds: number[]
  status: OfferStatus
  statusLabel: string
  version: number
  createdAt: Date
  updatedAt: Date
}

function offerView(row: OfferRow, locationName: string): OfferView {
  return {
    id: row.id,
    requestId: row.requestId,
    locationId: row.locationId,
    locationName,
    pricePence: row.pricePence,
    earliestStart: row.earliestStart,
    meetsAllNeeds: row.meetsAllNeeds,
    notes: row.notes,
    visitIds: row.visitIds,
    status: row.status as OfferStatus,
    statusLabel: OFFER_STATUS_LABELS[row.status as OfferStatus] ?? row.status,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

async function ownOffers(db: Queryable, scope: ProviderScope, requestId?: number): Promise<OfferView[]> {
  const rows = await organisationOffers(db, scope, requestId)
  const names = await locationSummaries(
    db,
    scope.councilId,
    rows.map((r) => r.locationId),
  )
  return rows.map((r) => offerView(r, names.get(r.locationId)?.name ?? ''))
}

/** The organisation's offers, newest first, with the anonymised request each is for. */
export async function listOwnOffers(
  db: Queryable,
  scope: ProviderScope,
  now = new Date(),
): Promise<{ offer: OfferView; opportunity: Opportunity | null }[]> {
  const mine = await ownOffers(db, scope)
  const rows = await invitations(db, scope, { requestIds: [...new Set(mine.map((o) => o.requestId))] })
  const opportunities = new Map((await opportunitiesFor(db, scope, rows, now)).map((o) => [o.requestId, o]))
  return mine.map((offer) => ({ offer, opportunity: opportunities.get(offer.requestId) ?? null }))
}

export interface OpportunityDetail {
  opportunity: Opportunity
  offers: OfferView[]
  /** Why offers can no longer be made or changed; null while they can. */
  closedBecause: string | null
}

/**
 * One opportunity for a provider: visible when one of its locations was invited in the latest
 * round and the request is published, or when it has made an offer (to see the outcome).
 * NotFoundError otherwise, so a provider cannot learn that other requests exist.
 */
export async function getOpportunity(
  db: Queryable,
  scope: ProviderScope,
  requestId: number,
  now = new Date(),
): Promise<OpportunityDetail> {
  const rows = await invitations(db, scope, { requestIds: [requestId] })
  const mine = rows.length > 0 ? await ownOffers(db, scope, requestId) : []
  const [opportunity] = await opportunitiesFor(db, scope, rows, now)
  if (!opportunity) throw new NotFoundError('No such opportunity')
  if (opportunity.status !== 'published' && mine.length === 0) throw new NotFoundError('No such opportunity')
  return {
    opportunity,
    offers: mine,
    closedBecause: offerWindowProblem(opportunity.status, opportunity.deadlineAt, now),
  }
}

// ---------------------------------------------------------------------------------------------
// Making, revising and withdrawing offers

const MAX_NOTES = 2000
const MAX_PENCE = 100_000_000
const intId = (message: string) => recordId('ID', { message })

function offerTermsShape(today: string) {
  return {
    pricePence: z
      .number({ error: 'Enter the price in pence, as a whole number' })
      .int('Enter the price in pence, as a whole number')
      .refine((v) => v >= 0, 'The price cannot be negative')
      .refine((v) => v > 0, 'The price must be more than £0')
      .refine((v) => v <= MAX_PENCE, 'The price must be £1,000,000 or less'),
    earliestStart: z
      .string({ error: 'Enter the earliest date you could start' })
      .trim()
      .min(1, 'Enter the earliest date you could start')
      .refine(isCalendarDate, {
        error: () => `The earliest start must be a real date, like ${exampleDate(14)}`,
      })
      .refine((v) => !isCalendarDate(v) || v >= today, 'The earliest start must be today or in the future'),
    visitIds: z.array(intId('Visits must be chosen from the request’s visits')).default([]),
    meetsAllNeeds: z.boolean({ error: 'Say whether you can meet all the person’s needs' }),
    notes: z
      .string()
      .trim()
      .max(MAX_NOTES, `Notes must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer`)
      .default(''),
  }
}

function withNotesWhenNeedsUnmet<T extends { meetsAllNeeds: boolean; notes: string }>(
  schema: z.ZodType<T>,
): z.ZodType<T> {
  return schema.superRefine((offer, ctx) => {
    if (!offer.meetsAllNeeds && offer.notes === '') {
      ctx.addIssue({ code: 'custom', path: ['notes'], message: 'Say which needs you cannot meet, and why' })
    }
  }) as unknown as z.ZodType<T>
}

/**
 * Keeps the last day's schema: an offer's schema depends only on today's date, and building it on
 * every request cost 5–7% of the offer API's CPU (bench brokerage profile).
 */
function builtOncePerDay<T>(build: (today: string) => T): (today: string) => T {
  let last: { today: string; built: T } | null = null
  return (today) => {
    if (last?.today !== today) last = { today, built: build(today) }
    return last.built
  }
}

export const newOfferSchema = builtOncePerDay((today: string) =>
  withNotesWhenNeedsUnmet(
    z.object({ locationId: intId('Choose which of your locations is offering'), ...offerTermsShape(today) }),
  ),
)

export const offerRevisionSchema = builtOncePerDay((today: string) =>
  withNotesWhenNeedsUnmet(
    z.object({
      version: z.number({ error: 'Give the version of the offer you are revising' }).int().positive(),
      ...offerTermsShape(today),
    }),
  ),
)

/** The visits an offer covers, in order, or ValidationError saying what is wrong with the choice. */
function checkVisits(chosen: number[], visits: readonly { id: number }[]): number[] {
  const choice = chooseVisits(chosen, visits)
  if (!choice.ok) throw new ValidationError([{ field: 'visitIds', message: choice.problem }])
  return choice.value
}

export interface OfferResult {
  offer: OfferView
  /** False when an earlier offer with the same Idempotency-Key was returned again. */
  created: boolean
}

/**
 * Makes an offer for one of the organisation's invited locations. With an idempotency key, the
 * same key on the same request with the same body returns the offer it first made, however often it
 * is sent; the same key with another body is refused (422). A key belongs to the provider
 * organisation and the request it is sent to, whichever of the organisation's tokens or users sends it.
 */
export async function makeOffer(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  requestId: number,
  input: unknown,
  options: { idempotencyKey?: string | null; now?: Date } = {},
): Promise<OfferResult> {
  const key = options.idempotencyKey?.trim() || null
  if (key && key.length > 200) {
    throw new ValidationError([
      { field: 'Idempotency-Key', message: 'The Idempotency-Key must be 200 characters or fewer' },
    ])
  }
  const terms = parseInput(newOfferSchema(londonDate(options.now ?? new Date())), input)
  const values = {
    councilId: scope.councilId,
    requestId,
    locationId: terms.locationId,
    providerOrganisationId: scope.providerOrganisationId,
    pricePence: terms.pricePence,
    earliestStart: terms.earliestStart,
    meetsAllNeeds: terms.meetsAllNeeds,
    notes: terms.notes,
    visitIds: [...new Set(terms.visitIds)].sort((a, b) => a - b),
    idempotencyKey: key,
    idempotencyFingerprint: key ? offerFingerprint(requestId, input) : null,
    now: options.now ?? null,
  }
  // The usual offer passes every check and is made in one statement that checks as it inserts.
  try {
    const made = await insertOfferWithAudit(db, values, actorColumns(actor))
    if (made) {
      const { at, ...offer } = made
      const row: OfferRow = { ...values, ...offer, status: 'submitted', createdAt: at, updatedAt: at }
      return { offer: offerView(row, made.locationName), created: true }
    }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
  }
  // Otherwise read what the checks need and say why: a repeated Idempotency-Key (the earlier offer
  // is the answer, if the request is the same), an uninvited location, a closed request, a live
  // offer already there.
  const context = await offerContext(db, scope, requestId, terms.locationId, key)
  if (context?.repeatOfferId) {
    const fingerprint = context.repeatFingerprint
    if (fingerprint !== null && fingerprint !== values.idempotencyFingerprint)
      throw new UnprocessableError('This Idempotency-Key was already used with a different request')
    return { offer: await getOwnOffer(db, scope, context.repeatOfferId), created: false }
  }
  checkNewOffer(context, terms.visitIds, options.now ?? context?.checkedAt ?? new Date())
  // Every check passes now: the request changed between the two statements (republished, say).
  throw new ConflictError('The request changed while the offer was being made: try again')
}

/** Refuses, saying why, an offer that the context does not allow. */
function checkNewOffer(context: OfferContext | null, chosenVisits: number[], now: Date): void {
  // A provider not invited cannot learn that the request exists.
  if (!context?.organisationInvited) throw new NotFoundError('No such opportunity')
  if (context.locationName === null) {
    throw new ValidationError([
      { field: 'locationId', message: 'You can only offer for one of your own locations' },
    ])
  }
  if (!context.locationInvited) {
    throw new ValidationError([
      { field: 'locationId', message: 'This location was not invited to offer on this request' },
    ])
  }
  const closed = offerWindowProblem(context.status, context.deadlineAt, now)
  if (closed) throw new ConflictError(closed)
  checkVisits(
    chosenVisits,
    context.visitIds.map((id) => ({ id })),
  )
  if (context.liveOfferId !== null) {
    throw new ConflictError(
      `This location already has an offer on this request (offer ${context.liveOfferId}): revise or withdraw that one`,
    )
  }
}

/** One of the organisation's offers; NotFoundError for anyone else's. */
export async function getOwnOffer(db: Queryable, scope: ProviderScope, offerId: number): Promise<OfferView> {
  const row = await organisationOffer(db, scope, offerId)
  if (!row) throw new NotFoundError('No such offer')
  const names = await locationSummaries(db, scope.councilId, [row.locationId])
  return offerView(row, names.get(row.locationId)?.name ?? '')
}

function refuseUnlessLive(offer: OfferView, doing: string): void {
  const problem = offerChangeProblem(offer.status, doing)
  if (problem) throw new ConflictError(problem)
}

/**
 * Revises an offer until the deadline. The caller says which version it is revising: a revision
 * of anything but the latest version is refused with ConflictError, so two people revising at once
 * never overwrite each other without knowing.
 */
export async function reviseOffer(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  offerId: number,
  input: unknown,
  clock?: Date,
): Promise<OfferView> {
  const terms = parseInput(offerRevisionSchema(londonDate(clock ?? new Date())), input)
  return db.transaction(async (tx) => {
    const current = await getOwnOffer(tx, scope, offerId)
    const request = await lockRequestForOffers(tx, scope.councilId, current.requestId)
    if (!request) throw new NotFoundError('No such offer')
    const now = clock ?? (await databaseClock(tx))
    const closed = offerWindowProblem(request.status, request.deadlineAt, now)
    if (closed) throw new ConflictError(closed)
    refuseUnlessLive(current, 'revised')
    const visitIds = checkVisits(terms.visitIds, await loadVisits(tx, scope.councilId, current.requestId))
    const row = await reviseOfferRow(tx, offerId, terms.version, {
      pricePence: terms.pricePence,
      earliestStart: terms.earliestStart,
      meetsAllNeeds: terms.meetsAllNeeds,
      notes: terms.notes,
      visitIds,
      updatedAt: now,
    })
    if (!row) {
      const latest = await getOwnOffer(tx, scope, offerId)
      throw new ConflictError(
        `The offer has changed since version ${terms.version}: it is now version ${latest.version}. Reload it and make your changes again.`,
      )
    }
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'offer.revised',
      entityType: 'offer',
      entityId: offerId,
      details: {
        requestId: row.requestId,
        version: row.version,
        pricePence: row.pricePence,
        previousPricePence: current.pricePence,
        visitIds,
      },
    })
    return offerView(row, current.locationName)
  })
}

/** Withdraws an offer until the deadline. Withdrawing an offer already withdrawn returns it as it is. */
export async function withdrawOffer(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  offerId: number,
  clock?: Date,
): Promise<OfferView> {
  return db.transaction(async (tx) => {
    const current = await getOwnOffer(tx, scope, offerId)
    const request = await lockRequestForOffers(tx, scope.councilId, current.requestId)
    if (!request) throw new NotFoundError('No such offer')
    if (current.status === 'withdrawn') return current
    const now = clock ?? (await databaseClock(tx))
    const closed = offerWindowProblem(request.status, request.deadlineAt, now)
    if (closed) throw new ConflictError(closed)
    refuseUnlessLive(current, 'withdrawn')
    const row = await withdrawOfferRow(tx, offerId, now)
    if (!row)
      throw new ConflictError('The offer changed while it was being withdrawn: reload it and try again')
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'offer.withdrawn',
      entityType: 'offer',
      entityId: offerId,
      details: { requestId: row.requestId },
    })
    return offerView(row, current.locationName)
  })
}
