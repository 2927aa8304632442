// Evaluation and award (DOMAIN.md §7): the ranked shortlist a broker and the person choose from,
// the award that turns an offer into a package, and "unsourced" when nothing acceptable came in.
//
// One accepted offer per slot: a care home request has one slot (0, the placement), a home care
// request one per visit. The awarded_slots primary key (request, slot) is the guarantee; the row
// lock on the request only makes a losing broker wait and then read a clear refusal.

import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, type FieldError, parseInput, ValidationError } from '../../errors.ts'
import {
  latestDayPlaces,
  latestSpareMinutesInDistrict,
  latestVacanciesForBedType,
} from '../../providers/capacity/service.ts'
import type { EffectiveRating } from '../../providers/quality/rules.ts'
import { activeRestrictions, effectiveRatings } from '../../providers/quality/service.ts'
import { type LocationSummary, locationSummaries } from '../../providers/service.ts'
import type { RestrictionKind } from '../../providers/vocabulary.ts'
import { formatDate, londonDate } from '../../shared/dates.ts'
import { greatCircleMiles } from '../../shared/distance.ts'
import { recordId } from '../../storable.ts'
import { brokerageEvents } from '../events.ts'
import { inCaseload, type RequestScope, refuseOutsideCaseload } from '../requests/caseload.ts'
import { timeOfChange, transitionRequest } from '../requests/service.ts'
import { resolveUsualPrice } from '../requests/usual-price.ts'
import { careWorkerMinutesPerWeek } from '../rules/hours.ts'
import {
  type BrokerageSettings,
  canAwardSlot,
  describePrice,
  type HolidaySet,
  type OfferForScoring,
  type PriceUnit,
  priceUnitFor,
  type RatingValue,
  REQUEST_SERVICE_TYPE_MAP,
  rankOffers,
  rankPerSlot,
  type ScoringContext,
  type Shortlist,
  type SlotRanking,
  staysOnInterimCareList,
} from '../rules/index.ts'
import { awardedSlots, offers, packages } from '../schema.ts'
import { getBankHolidays, getBrokerageSettings } from '../settings/service.ts'
import { confirmationDeadline } from './handover.ts'
import { packageMinutesPerWeek, packageStartDate, slotsOf, weeklyCostPence } from './rules.ts'
import { OFFER_STATUS_LABELS, type OfferRow, type OfferStatus, type VisitView, visitView } from './service.ts'
import {
  isUniqueViolation,
  type LoadedRequest,
  loadRequest,
  notifyOrganisations,
  type PersonRow,
  type RequestRow,
} from './store.ts'

const OUTCOME_EMAIL_KIND = 'offer_outcome'

interface OfferDetails {
  id: number
  locationId: number
  locationName: string
  cqcLocationId: string
  providerOrganisationId: number
  providerName: string
  pricePence: number
  priceText: string
  earliestStart: string
  meetsAllNeeds: boolean
  notes: string
  visitIds: number[]
  status: OfferStatus
  statusLabel: string
  submittedAt: Date
}

export interface Evaluation {
  request: RequestRow
  person: PersonRow
  visits: VisitView[]
  priceUnit: PriceUnit
  weights: Pick<
    BrokerageSettings,
    'qualityWeight' | 'priceWeight' | 'distanceWeight' | 'lateStartPointsPerDay'
  >
  /** All live offers (submitted or accepted) ranked together. */
  shortlist: Shortlist
  /** Home care: each visit's own shortlist; null for a single placement. */
  perVisit: SlotRanking | null
  /** Every offer on the request, live or not, by id. */
  offers: OfferDetails[]
  /** Slot → package that filled it (slot 0 is a whole placement). */
  awarded: { slot: number; packageId: number }[]
  slots: number[]
  unfilledSlots: number[]
  unfilledCareMinutesPerWeek: number
  onInterimCareList: boolean
}

function offerDetails(row: OfferRow, where: LocationSummary | undefined, unit: PriceUnit): OfferDetails {
  return {
    id: row.id,
    locationId: row.locationId,
    locationName: where?.name ?? '',
    cqcLocationId: where?.cqcLocationId ?? '',
    providerOrganisationId: row.providerOrganisationId,
    providerName: where?.providerName ?? '',
    pricePence: row.pricePence,
    priceText: describePrice(row.pricePence, unit),
    earliestStart: row.earliestStart,
    meetsAllNeeds: row.meetsAllNeeds,
    notes: row.notes,
    visitIds: row.visitIds,
    status: row.status as OfferStatus,
    statusLabel: OFFER_STATUS_LABELS[row.status as OfferStatus] ?? row.status,
    submittedAt: row.createdAt,
  }
}

/** The facts scoring needs about each offer's location, in one query per register service. */
async function scoringFacts(
  db: Queryable,
  loaded: LoadedRequest,
  rows: OfferRow[],
  now: Date,
): Promise<{ forScoring: Map<number, OfferForScoring>; places: Map<number, LocationSummary> }> {
  const { request, person } = loaded
  const councilId = request.councilId
  const ids = [...new Set(rows.map((r) => r.locationId))]
  const places = await locationSummaries(db, councilId, ids)
  const ratings = await effectiveRatings(db, councilId, ids, londonDate(now))
  const restrictions = await activeRestrictions(db, councilId, ids, londonDate(now))
  const bedType = REQUEST_SERVICE_TYPE_MAP[request.serviceType].bedType
  const capacity = bedType
    ? await latestVacanciesForBedType(db, councilId, ids, bedType)
    : request.serviceType === 'day_opportunities'
      ? await latestDayPlaces(db, councilId, ids)
      : await latestSpareMinutesInDistrict(db, councilId, ids, person.outcode)
  const centre =
    request.latitude !== null && request.longitude !== null
      ? { latitude: request.latitude, longitude: request.longitude }
      : null
  const forScoring = new Map<number, OfferForScoring>()
  for (const row of rows) {
    const place = places.get(row.locationId)
    const distanceMiles =
      centre && place?.latitude != null && place.longitude != null
        ? greatCircleMiles(centre, { latitude: place.latitude, longitude: place.longitude })
        : null
    forScoring.set(row.id, {
      offerId: row.id,
      locationId: row.locationId,
      pricePence: row.pricePence,
      rating: (ratings.get(row.locationId)?.rating ?? 'Not yet rated') as RatingValue,
      ratingBasis: ratingBasisOf(ratings.get(row.locationId)),
      qualityExclusion: ratings.get(row.locationId)?.ineligible ?? null,
      distanceMiles,
      submittedAt: row.createdAt,
      restrictions: (restrictions.get(row.locationId) ?? []).map((r) => r.kind as RestrictionKind),
      capacityReportedAt: capacity.get(row.locationId)?.reportedAt ?? null,
      capacityAvailable: capacity.get(row.locationId)?.available ?? null,
      earliestStart: row.earliestStart,
    })
  }
  return { forScoring, places }
}

/** A rating that stands on the council's accreditation says so, with the period, on the shortlist. */
function ratingBasisOf(effective: EffectiveRating | undefined): string | null {
  const accreditation = effective?.accreditation?.accreditation
  if (effective?.source !== 'accreditation' || !accreditation) return null
  return `Council accreditation to ${formatDate(accreditation.accreditedTo)}, counted as ${effective.rating}`
}

const LIVE: OfferStatus[] = ['submitted', 'accepted']

/**
 * The request with the usual price that scoring, the award's flags and the package use: the
 * broker's override, else the rate book's at the start date, else the typed one (usual-price.ts).
 */
async function withUsualPrice(db: Queryable, loaded: LoadedRequest): Promise<LoadedRequest> {
  const usual = await resolveUsualPrice(db, loaded.request, loaded.person.localityId)
  return { ...loaded, request: { ...loaded.request, usualPricePence: usual.pricePence } }
}

async function evaluate(db: Queryable, loaded: LoadedRequest, now: Date) {
  const { request, visits } = loaded
  const settings = await getBrokerageSettings(db, request.councilId)
  const rows = await db
    .select()
    .from(offers)
    .where(and(eq(offers.councilId, request.councilId), eq(offers.requestId, request.id)))
    .orderBy(asc(offers.id))
  const { forScoring, places } = await scoringFacts(db, loaded, rows, now)
  const unit = priceUnitFor(request.serviceType)
  const context: ScoringContext = {
    usualPricePence: request.usualPricePence,
    maxDistanceMiles: request.maxDistanceMiles,
    priceUnit: unit,
    now,
    neededStart: request.startDate,
    capacityMeasure: REQUEST_SERVICE_TYPE_MAP[request.serviceType].bedType ? 'vacancies' : 'spare_hours',
  }
  const live = rows.filter((r) => LIVE.includes(r.status as OfferStatus))
  const shortlist = rankOffers(
    live.map((r) => forScoring.get(r.id) as OfferForScoring),
    context,
    settings,
  )
  const slots = slotsOf(
    request.serviceType,
    visits.map((v) => v.id),
  )
  const perVisit =
    slots[0] === 0
      ? null
      : rankPerSlot(
          slots,
          live.map((r) => ({ ...(forScoring.get(r.id) as OfferForScoring), slotIds: r.visitIds })),
          context,
          settings,
        )
  const awarded = await db
    .select({ slot: awardedSlots.slot, packageId: awardedSlots.packageId })
    .from(awardedSlots)
    .where(eq(awardedSlots.requestId, request.id))
    .orderBy(asc(awardedSlots.slot))
  return { settings, rows, places, unit, shortlist, perVisit, slots, awarded }
}

/** The shortlist a broker and the person choose from, with every score's parts and every flag. */
export async function evaluateOffers(
  db: Queryable,
  scope: RequestScope,
  requestId: number,
  now = new Date(),
): Promise<Evaluation> {
  const loaded = await withUsualPrice(db, await loadRequest(db, scope.councilId, requestId))
  if (!inCaseload(scope, loaded.request))
    await refuseOutsideCaseload(db, scope, {
      type: 'sourcing_request',
      id: requestId,
      teamId: loaded.request.teamId,
    })
  const { settings, rows, places, unit, shortlist, perVisit, slots, awarded } = await evaluate(
    db,
    loaded,
    now,
  )
  const filled = new Set(awarded.map((a) => a.slot))
  const unfilledSlots = slots.filter((s) => !filled.has(s))
  const unfilledVisits = loaded.visits.filter((v) => unfilledSlots.includes(v.id))
  return {
    request: loaded.request,
    person: loaded.person,
    visits: loaded.visits.map(visitView),
    priceUnit: unit,
    weights: {
      qualityWeight: settings.qualityWeight,
      priceWeight: settings.priceWeight,
      distanceWeight: settings.distanceWeight,
      lateStartPointsPerDay: settings.lateStartPointsPerDay,
    },
    shortlist,
    perVisit,
    offers: rows.map((r) => offerDetails(r, places.get(r.locationId), unit)),
    awarded,
    slots,
    unfilledSlots,
    unfilledCareMinutesPerWeek: careWorkerMinutesPerWeek(unfilledVisits),
    onInterimCareList: staysOnInterimCareList(loaded.request.status, {
      total: slots.length,
      awarded: filled.size,
    }),
  }
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

// ---------------------------------------------------------------------------------------------
// Award

const MAX_TEXT = 2000
const id = (message: string) => recordId('ID', { message })
const optionalText = (label: string) =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .max(MAX_TEXT, `${label} must be ${MAX_TEXT.toLocaleString('en-GB')} characters or fewer`)
    .optional()
    .transform((v) => v ?? '')

export const awardSchema = z.object({
  offerId: id('Choose the offer to accept'),
  /** Home care: the visits to award to this offer; all its unfilled visits when left out. */
  visitIds: z.array(id('Choose visits from the offer’s visits')).optional(),
  /** What the broker recorded of the person's choice; checked against the ranking. */
  personChoseTopRanked: z.boolean({ error: 'Say whether the person chose the top-ranked offer' }).optional(),
  choiceReason: optionalText('The reason for the choice'),
  aboveUsualPrice: z
    .object({
      agreedReason: optionalText('The reason for agreeing the rate'),
      topUpPencePerWeek: z
        .number({ error: 'Enter the top-up in pence a week, as a whole number' })
        .int('Enter the top-up in pence a week, as a whole number')
        .positive('The top-up must be more than £0')
        .optional(),
    })
    .optional(),
  qualitySignOffBy: optionalText('The name of who signed off'),
})

export interface AwardResult {
  packageId: number
  /** 'started' when a further visit was awarded on a request whose care has already started. */
  requestStatus: 'awarded' | 'started'
  weeklyCostPence: number
  unfilledVisitIds: number[]
  onInterimCareList: boolean
  /** Offers declined because nothing is left for them to win. */
  declinedOfferIds: number[]
}

/**
 * Accepts an offer (for home care, for some or all of its visits): creates the package, fills the
 * slots, moves the request to awarded, and tells the winner and every bidder whose offer can no
 * longer win. All in one transaction: a second award of the same slot fails on the slots' key and
 * is refused with ConflictError. `clock` is the time of the award for callers that keep their own
 * (the simulator, tests); otherwise it is the database's, read once the request is locked.
 */
export async function award(
  db: Database,
  user: { councilId: number; actor: Actor },
  requestId: number,
  input: unknown,
  clock?: Date,
): Promise<AwardResult> {
  const terms = parseInput(awardSchema, input)
  // Read before the transaction: seeding the calendar the first time writes in its own.
  const holidays = await getBankHolidays(db, user.councilId)
  try {
    return await db.transaction((tx) =>
      awardInTransaction(tx, user, requestId, terms, { now: clock }, holidays),
    )
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ConflictError('This request, or one of these visits, has just been awarded by someone else')
    }
    throw error
  }
}

async function awardInTransaction(
  tx: Transaction,
  user: { councilId: number; actor: Actor },
  requestId: number,
  terms: z.output<typeof awardSchema>,
  clock: { now?: Date },
  holidays: HolidaySet,
): Promise<AwardResult> {
  const loaded = await withUsualPrice(tx, await loadRequest(tx, user.councilId, requestId, { lock: true }))
  const now = await timeOfChange(tx, clock)
  const { request, visits } = loaded
  const allowed = canAwardSlot(request.status, false)
  if (!allowed.ok) throw new ConflictError(allowed.message)

  const { settings, rows, unit, shortlist, perVisit, slots, awarded } = await evaluate(tx, loaded, now)
  const offer = rows.find((r) => r.id === terms.offerId)
  if (!offer)
    throw new ValidationError([{ field: 'offerId', message: 'There is no such offer on this request' }])
  if (offer.status !== 'submitted' && offer.status !== 'accepted') {
    throw new ConflictError(
      `This offer cannot be accepted: it is ${OFFER_STATUS_LABELS[offer.status as OfferStatus].toLowerCase()}`,
    )
  }
  const excluded = shortlist.excluded.find((e) => e.offerId === offer.id)
  if (excluded) throw new ConflictError(`This offer cannot be accepted: ${excluded.text}`)

  const filled = new Set(awarded.map((a) => a.slot))
  const chosenSlots = chooseSlots(slots, offer, terms.visitIds, filled)
  const ranked = shortlist.ranked.find((s) => s.offerId === offer.id)
  if (!ranked) throw new ConflictError('This offer cannot be accepted')

  // Top-ranked: first overall for a placement; first on every chosen visit for home care.
  const rankOnSlots = perVisit
    ? chosenSlots.map((slot) => {
        const entry = perVisit.slots.find((s) => s.slotId === slot)
        return entry?.shortlist.ranked.find((r) => r.offerId === offer.id)?.rank ?? Number.POSITIVE_INFINITY
      })
    : [ranked.rank]
  const isTopRanked = rankOnSlots.every((r) => r === 1)
  const errors: FieldError[] = []
  if (terms.personChoseTopRanked === true && !isTopRanked) {
    errors.push({
      field: 'personChoseTopRanked',
      message: `This offer is not the top-ranked one (it is ranked ${Math.max(...rankOnSlots)}): record why the person chose it`,
    })
  }
  if (!isTopRanked && terms.choiceReason === '') {
    errors.push({
      field: 'choiceReason',
      message: 'Enter why the person chose an offer that is not the top-ranked one',
    })
  }
  let topUp: number | null = null
  let aboveReason: string | null = null
  if (ranked.flags.aboveUsualPrice && request.usualPricePence !== null) {
    const above = offer.pricePence - request.usualPricePence
    const agreed = terms.aboveUsualPrice?.agreedReason ?? ''
    const given = terms.aboveUsualPrice?.topUpPencePerWeek
    if (given !== undefined) {
      if (unit !== 'weekly') {
        errors.push({
          field: 'topUpPencePerWeek',
          message: 'A third-party top-up is only for care homes: agree the rate with a reason instead',
        })
      } else if (given !== above) {
        errors.push({
          field: 'topUpPencePerWeek',
          message: `The top-up must be the amount above the usual price: ${describePrice(above, 'weekly')}`,
        })
      } else topUp = given
    } else if (agreed !== '') {
      aboveReason = agreed
    } else {
      errors.push({
        field: 'aboveUsualPrice',
        message:
          unit === 'weekly'
            ? 'The price is above the usual price: agree the rate with a reason, or record a third-party top-up'
            : 'The price is above the usual price: enter the reason for agreeing the rate',
      })
    }
  }
  if (ranked.flags.qualityTeamSignOff && terms.qualitySignOffBy === '') {
    errors.push({
      field: 'qualitySignOffBy',
      message: 'A “contact quality team” restriction is in force: enter who in the quality team signed off',
    })
  }
  if (errors.length > 0) throw new ValidationError(errors)

  const coveredVisits = visits.filter((v) => chosenSlots.includes(v.id))
  const weeklyCost = weeklyCostPence(unit, offer.pricePence, coveredVisits, request.supportMinutesPerWeek)
  const [pkg] = await tx
    .insert(packages)
    .values({
      councilId: request.councilId,
      requestId: request.id,
      offerId: offer.id,
      personId: request.personId,
      locationId: offer.locationId,
      providerOrganisationId: offer.providerOrganisationId,
      serviceType: request.serviceType,
      agreedPricePence: offer.pricePence,
      usualPricePence: request.usualPricePence,
      weeklyCostPence: weeklyCost,
      minutesPerWeek: packageMinutesPerWeek(coveredVisits, request.supportMinutesPerWeek),
      visitIds: coveredVisits.map((v) => v.id),
      topUpPencePerWeek: topUp,
      aboveUsualPriceReason: aboveReason,
      choiceReason: terms.choiceReason || null,
      qualitySignOffBy: terms.qualitySignOffBy || null,
      startDate: packageStartDate(request.startDate, offer.earliestStart),
      personRef: request.personRef,
      caseRef: request.caseRef,
      // The provider confirms or declines within the council's window (handover.ts).
      confirmation: 'awaiting',
      confirmBy: confirmationDeadline(now, settings.confirmationWorkingDays, holidays),
      createdAt: now,
      createdBy: actorName(user.actor),
    })
    .returning()
  if (!pkg) throw new Error('insert returned no row')
  await tx.insert(awardedSlots).values(
    chosenSlots.map((slot) => ({
      councilId: request.councilId,
      requestId: request.id,
      slot,
      packageId: pkg.id,
    })),
  )
  await tx
    .update(offers)
    .set({ status: 'accepted', version: sql`${offers.version} + 1`, updatedAt: now })
    .where(and(eq(offers.id, offer.id), ne(offers.status, 'accepted')))
  if (request.status === 'closed') {
    await transitionRequest(tx, request, 'award', user.actor, {
      now,
      reason: `Offer ${offer.id} accepted`,
      details: { offerId: offer.id, packageId: pkg.id },
    })
  } else {
    // A visit filled without a change of status can still take the person off the Interim Care
    // List. The request's row is locked (loadRequest), so listeners keep theirs one award after another.
    await brokerageEvents.emit(
      'requestAwardedWithoutStatusChange',
      { councilId: request.councilId, requestId: request.id, packageId: pkg.id },
      tx,
    )
  }
  await recordAudit(tx, user.actor, {
    councilId: request.councilId,
    action: 'offer.accepted',
    entityType: 'offer',
    entityId: offer.id,
    details: {
      requestId: request.id,
      packageId: pkg.id,
      slots: chosenSlots,
      rank: Math.max(...rankOnSlots),
      topRanked: isTopRanked,
      choiceReason: terms.choiceReason || null,
      topUpPencePerWeek: topUp,
      aboveUsualPriceReason: aboveReason,
      qualitySignOffBy: terms.qualitySignOffBy || null,
      weeklyCostPence: weeklyCost,
    },
  })

  for (const slot of chosenSlots) filled.add(slot)
  const unfilled = slots.filter((s) => !filled.has(s))
  // An offer whose every slot is now filled elsewhere cannot win anything more: decline it now.
  const losers = rows.filter(
    (r) =>
      r.id !== offer.id &&
      r.status === 'submitted' &&
      (slots[0] === 0 || r.visitIds.every((v) => filled.has(v))),
  )
  await declineOffers(tx, request, losers, now, 'Another offer was chosen')
  await notifyOrganisations(tx, request.councilId, OUTCOME_EMAIL_KIND, [
    {
      providerOrganisationId: offer.providerOrganisationId,
      subject: `Your offer on request ${request.id} was accepted`,
      body: `Your offer ${offer.id} (${describePrice(offer.pricePence, unit)}) has been accepted${
        slots[0] === 0
          ? ''
          : ` for ${coveredVisits.length === 1 ? 'one visit' : `${coveredVisits.length} visits`}`
      }. Care starts on ${formatDate(pkg.startDate)}. The person’s details are on the package page: confirm or decline it there by ${formatDate(pkg.confirmBy ?? pkg.startDate)}.`,
      link: `/provider/packages/${pkg.id}`,
    },
  ])
  return {
    packageId: pkg.id,
    requestStatus: allowed.status,
    weeklyCostPence: weeklyCost,
    unfilledVisitIds: slots[0] === 0 ? [] : unfilled,
    onInterimCareList: staysOnInterimCareList(allowed.status, { total: slots.length, awarded: filled.size }),
    declinedOfferIds: losers.map((l) => l.id),
  }
}

function chooseSlots(
  slots: number[],
  offer: OfferRow,
  requested: number[] | undefined,
  filled: Set<number>,
): number[] {
  if (slots[0] === 0) {
    if (filled.has(0)) throw new ConflictError('This request has already been awarded')
    return [0]
  }
  const open = offer.visitIds.filter((v) => !filled.has(v))
  const chosen = requested ? [...new Set(requested)].sort((a, b) => a - b) : open
  if (chosen.length === 0) {
    if (requested)
      throw new ValidationError([{ field: 'visitIds', message: 'Choose at least one visit to award' }])
    throw new ConflictError('Every visit this offer covers has already been awarded')
  }
  const notOffered = chosen.filter((v) => !offer.visitIds.includes(v))
  if (notOffered.length > 0) {
    throw new ValidationError([{ field: 'visitIds', message: 'Choose only visits this offer covers' }])
  }
  if (chosen.some((v) => filled.has(v))) {
    throw new ConflictError('One of these visits has already been awarded')
  }
  return chosen
}

/** Declines offers and tells each bidder, in the caller's transaction. */
async function declineOffers(
  tx: Queryable,
  request: RequestRow,
  rows: OfferRow[],
  now: Date,
  why: string,
): Promise<void> {
  if (rows.length === 0) return
  await tx
    .update(offers)
    .set({ status: 'declined', version: sql`${offers.version} + 1`, updatedAt: now })
    .where(
      and(
        inArray(
          offers.id,
          rows.map((r) => r.id),
        ),
        eq(offers.status, 'submitted'),
      ),
    )
  for (const row of rows) {
    await recordAudit(
      tx,
      { kind: 'system', label: 'award' },
      {
        councilId: request.councilId,
        action: 'offer.declined',
        entityType: 'offer',
        entityId: row.id,
        details: { requestId: request.id, reason: why },
      },
    )
  }
  await notifyOrganisations(
    tx,
    request.councilId,
    OUTCOME_EMAIL_KIND,
    rows.map((row) => ({
      providerOrganisationId: row.providerOrganisationId,
      subject: `Your offer on request ${request.id} was not successful`,
      body: `Your offer ${row.id} on request ${request.id} was not successful: ${why.charAt(0).toLowerCase()}${why.slice(1)}. Thank you for offering.`,
      link: `/provider/opportunities/${request.id}`,
    })),
  )
}

/**
 * Declines every offer still open on a request and tells the bidders: for a request marked
 * unsourced, or cancelled (the request service calls this when it cancels).
 */
export async function declineOpenOffers(
  tx: Queryable,
  councilId: number,
  requestId: number,
  why: string,
  now = new Date(),
): Promise<number> {
  const open = await tx
    .select()
    .from(offers)
    .where(
      and(eq(offers.councilId, councilId), eq(offers.requestId, requestId), eq(offers.status, 'submitted')),
    )
  // A draft, cancelled before anyone saw it, has no offers and nothing to load.
  if (open.length === 0) return 0
  const { request } = await loadRequest(tx, councilId, requestId)
  await declineOffers(tx, request, open, now, why)
  return open.length
}

// ---------------------------------------------------------------------------------------------
// Unsourced

export const unsourcedSchema = z.object({
  reason: z
    .string()
    .trim()
    .max(MAX_TEXT, `The reason must be ${MAX_TEXT.toLocaleString('en-GB')} characters or fewer`)
    .optional()
    .transform((v) => v || 'No acceptable offer'),
  inHospital: z.boolean().optional(),
})

/**
 * A closed request with no acceptable offer: it becomes unsourced and the person goes on the
 * Interim Care List (with the in-hospital flag where relevant) until it is sourced or cancelled.
 * Timed as an award is (`clock`).
 */
export async function markUnsourced(
  db: Database,
  user: { councilId: number; actor: Actor },
  requestId: number,
  input: unknown,
  clock?: Date,
): Promise<{ status: 'unsourced'; declinedOffers: number }> {
  const terms = parseInput(unsourcedSchema, input)
  return db.transaction(async (tx) => {
    const { request } = await loadRequest(tx, user.councilId, requestId, { lock: true })
    const now = await timeOfChange(tx, { now: clock })
    const [anyAwarded] = await tx
      .select({ slot: awardedSlots.slot })
      .from(awardedSlots)
      .where(eq(awardedSlots.requestId, requestId))
      .limit(1)
    if (anyAwarded) throw new ConflictError('Part of this request has been awarded, so it is not unsourced')
    await transitionRequest(tx, request, 'markUnsourced', user.actor, {
      now,
      reason: terms.reason,
      set: terms.inHospital === undefined ? {} : { inHospital: terms.inHospital },
    })
    const declined = await declineOpenOffers(tx, user.councilId, requestId, 'No offer was accepted', now)
    return { status: 'unsourced' as const, declinedOffers: declined }
  })
}
