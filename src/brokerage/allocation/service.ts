// Loads the allocation problem for a council's open requests and turns the solver's proposal into
// awards through the normal path. The model itself is pure (model.ts); here are only the facts:
// who is eligible where (the eligibility rules, via assembleEligibility), live offers, the latest
// capacity reports, quality ratings and "N per month" restrictions.

import { and, asc, eq, inArray } from 'drizzle-orm'
import type { SessionUser } from '../../accounts/service.ts'
import { actorOf } from '../../accounts/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { latestSpareMinutesInDistrict, latestVacanciesForBedType } from '../../providers/capacity/service.ts'
import { activeRestrictions, effectiveRatings } from '../../providers/quality/service.ts'
import { locationSummaries } from '../../providers/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { assembleEligibility, awardsThisMonth } from '../invitations.ts'
import { award } from '../offers/award.ts'
import { closeRequest } from '../requests/service.ts'
import {
  careWorkerMinutesPerWeek,
  qualityScore,
  type RatingValue,
  REQUEST_SERVICE_TYPE_MAP,
} from '../rules/index.ts'
import { offers, sourcingRequests } from '../schema.ts'
import { getBrokerageSettings } from '../settings/service.ts'
import {
  type AllocationLimits,
  type AllocationOption,
  type AllocationPool,
  type AllocationProblem,
  type AllocationRequest,
  type AllocationResult,
  allocateGreedy,
  allocateOptimal,
  DEFAULT_LIMITS,
  explain,
  type OptimalResult,
  type PersonExplanation,
  type Urgency,
} from './model.ts'

/** Requests still to be placed: open to offers, closed awaiting an award, or unsourced. */
const OPEN = ['published', 'closed', 'unsourced'] as const
const LIVE_OFFERS = ['submitted', 'accepted']
/** Day services are places a day, not placements or hours; the optimiser leaves them out. */
const ALLOCATED_SERVICES: ReadonlySet<string> = new Set(
  Object.keys(REQUEST_SERVICE_TYPE_MAP).filter((t) => t !== 'day_opportunities'),
)
const DAY_MS = 86_400_000
/** Each request's facts are read on their own; more than this at once is too slow for a page. */
const MAX_REQUESTS = 2_000

export interface AllocationProposal {
  generatedAt: Date
  problem: AllocationProblem
  optimal: OptimalResult
  greedy: AllocationResult
  people: PersonExplanation[]
  /** How many more people and hours the proposal places than greedy. */
  morePeople: number
  moreHours: number
  /** Requests asked for that cannot be allocated, with why. */
  skipped: { requestId: number; reason: string }[]
}

async function openRequestIds(db: Queryable, councilId: number, requestIds?: readonly number[]) {
  if (requestIds?.length === 0) return { ids: [], skipped: [] }
  const rows = await db
    .select({
      id: sourcingRequests.id,
      status: sourcingRequests.status,
      serviceType: sourcingRequests.serviceType,
    })
    .from(sourcingRequests)
    .where(
      and(
        eq(sourcingRequests.councilId, councilId),
        requestIds
          ? inArray(sourcingRequests.id, [...requestIds])
          : inArray(sourcingRequests.status, [...OPEN]),
      ),
    )
    .orderBy(asc(sourcingRequests.id))
  const skipped: { requestId: number; reason: string }[] = []
  const found = new Set(rows.map((r) => r.id))
  for (const id of requestIds ?? []) {
    if (!found.has(id)) skipped.push({ requestId: id, reason: 'No such request in this council' })
  }
  const ids: number[] = []
  for (const r of rows) {
    if (ids.length >= MAX_REQUESTS) {
      skipped.push({
        requestId: r.id,
        reason: `Only ${MAX_REQUESTS.toLocaleString('en-GB')} requests are allocated at once: choose the ones to allocate`,
      })
    } else if (!(OPEN as readonly string[]).includes(r.status)) {
      skipped.push({ requestId: r.id, reason: `The request is ${r.status}, not waiting to be placed` })
    } else if (!r.serviceType || !ALLOCATED_SERVICES.has(r.serviceType)) {
      skipped.push({ requestId: r.id, reason: 'Day services are not allocated by the optimiser' })
    } else {
      ids.push(r.id)
    }
  }
  return { ids, skipped }
}

/** The problem for a council's open requests (or the ones given), from the live facts. */
async function loadAllocationProblem(
  db: Queryable,
  councilId: number,
  options: { requestIds?: readonly number[]; now?: Date } = {},
): Promise<{ problem: AllocationProblem; skipped: { requestId: number; reason: string }[] }> {
  const now = options.now ?? new Date()
  const today = londonDate(now)
  const { ids, skipped } = await openRequestIds(db, councilId, options.requestIds)
  const settings = await getBrokerageSettings(db, councilId)
  const requests: AllocationRequest[] = []
  const options_: AllocationOption[] = []
  const pools = new Map<string, AllocationPool>()
  const limitPools = new Set<number>()
  for (const requestId of ids) {
    const run = await assembleEligibility(db, { councilId, requestId, now })
    const { request, person, visits } = run.loaded
    const eligible = run.decisions.filter((d) => d.eligible)
    const locationIds = eligible.map((d) => d.locationId)
    const bedType = REQUEST_SERVICE_TYPE_MAP[request.serviceType].bedType
    const [places, ratings, capacity, liveOffers] = await Promise.all([
      locationSummaries(db, councilId, locationIds),
      effectiveRatings(db, councilId, locationIds, today),
      bedType
        ? latestVacanciesForBedType(db, councilId, locationIds, bedType)
        : latestSpareMinutesInDistrict(db, councilId, locationIds, person.outcode),
      db
        .select({ id: offers.id, locationId: offers.locationId, visitIds: offers.visitIds })
        .from(offers)
        .where(
          and(
            eq(offers.councilId, councilId),
            eq(offers.requestId, requestId),
            inArray(offers.status, LIVE_OFFERS),
          ),
        )
        .orderBy(asc(offers.id)),
    ])
    const offerAt = new Map<number, number>()
    const offeredVisits = new Map<number, number[]>()
    for (const o of liveOffers)
      if (!offerAt.has(o.locationId)) {
        offerAt.set(o.locationId, o.id)
        offeredVisits.set(o.id, o.visitIds)
      }
    const minutes = bedType ? 0 : careWorkerMinutesPerWeek(visits)
    const arrivedAt = request.publishedAt ?? request.createdAt
    requests.push({
      requestId,
      personId: request.personId,
      label: person.name,
      kind: bedType ? 'placement' : 'hours',
      minutesPerWeek: minutes,
      urgency: request.urgency as Urgency,
      inHospital: request.inHospital,
      daysWaiting: Math.max(0, Math.floor((now.getTime() - arrivedAt.getTime()) / DAY_MS)),
      maxDistanceMiles: request.maxDistanceMiles,
      arrivedAt,
      // Home care is allocated visit by visit, to one provider for the round where the council asks.
      ...(bedType
        ? {}
        : {
            visits: visits.map((v) => ({ visitId: v.id, minutesPerWeek: careWorkerMinutesPerWeek([v]) })),
            sameProvider: settings.allocationSameProvider,
          }),
    })
    for (const decision of eligible) {
      const locationId = decision.locationId
      const offerId = offerAt.get(locationId) ?? null
      const reported = capacity.get(locationId)?.available ?? 0
      // A reported vacancy without an offer is an option only when there is room; an offer is the
      // provider saying there is room for this person, whatever the last report said.
      if (offerId === null && reported <= 0) continue
      const poolKey = bedType ? `beds:${locationId}:${bedType}` : `minutes:${locationId}:${person.outcode}`
      const place = places.get(locationId)
      const need = bedType ? 1 : minutes
      const existing = pools.get(poolKey)
      const amount = Math.max(reported, offerId !== null ? need : 0)
      pools.set(poolKey, {
        key: poolKey,
        label: `${bedType ? 'Vacancies' : 'Spare hours'} at ${place?.name ?? `location ${locationId}`}`,
        amount: Math.max(existing?.amount ?? 0, amount),
      })
      const rating = (ratings.get(locationId)?.rating ?? 'Not yet rated') as RatingValue
      options_.push({
        requestId,
        locationId,
        locationName: place?.name ?? `Location ${locationId}`,
        providerId: run.organisationOf.get(locationId) ?? 0,
        offerId,
        quality: qualityScore(rating) ?? 0,
        qualityLabel: `rated ${rating}`,
        distanceMiles: decision.distanceMiles,
        uses: [
          { pool: poolKey, amount: need, perVisit: true },
          { pool: `limit:${locationId}`, amount: 1 },
        ],
        ...(offerId !== null && !bedType ? { visitIds: offeredVisits.get(offerId) ?? [] } : {}),
      })
      limitPools.add(locationId)
    }
  }
  // "N per month": the placements each location has left this month; unlimited otherwise.
  const limited = [...limitPools]
  const restrictions = await activeRestrictions(db, councilId, limited, today)
  const awarded = await awardsThisMonth(db, councilId, limited, now)
  for (const locationId of limited) {
    const limits = (restrictions.get(locationId) ?? []).filter((r) => r.monthlyLimit !== null)
    const left =
      limits.length === 0
        ? ids.length
        : Math.min(...limits.map((r) => (r.monthlyLimit as number) - (awarded.get(locationId) ?? 0)))
    pools.set(`limit:${locationId}`, {
      key: `limit:${locationId}`,
      label: 'Placements left this month',
      amount: Math.max(0, left),
    })
  }
  return { problem: { requests, options: options_, pools: [...pools.values()] }, skipped }
}

/** The optimiser's proposal and the greedy baseline for a council's open requests. */
export async function proposeAllocation(
  db: Queryable,
  councilId: number,
  options: { requestIds?: readonly number[]; now?: Date; limits?: AllocationLimits } = {},
): Promise<AllocationProposal> {
  const { problem, skipped } = await loadAllocationProblem(db, councilId, options)
  const greedy = allocateGreedy(problem)
  const optimal = await allocateOptimal(problem, options.limits ?? DEFAULT_LIMITS, greedy)
  return {
    generatedAt: options.now ?? new Date(),
    problem,
    optimal,
    greedy,
    people: explain(problem, optimal, greedy),
    morePeople: optimal.peoplePlaced - greedy.peoplePlaced,
    moreHours: Math.round((optimal.hoursPlaced - greedy.hoursPlaced) * 100) / 100,
    skipped,
  }
}

/** The JSON the CLI prints: both runs' figures and every proposed placement. */
export function proposalJson(proposal: AllocationProposal) {
  const figures = (r: AllocationResult) => ({
    hoursPlaced: r.hoursPlaced,
    peoplePlaced: r.peoplePlaced,
    placementsMade: r.placementsMade,
    objective: r.objective,
  })
  const placement = (a: {
    requestId: number
    option: AllocationOption
    value: number
    visitIds?: number[]
  }) => ({
    requestId: a.requestId,
    locationId: a.option.locationId,
    locationName: a.option.locationName,
    offerId: a.option.offerId,
    value: a.value,
    ...(a.visitIds ? { visitIds: a.visitIds } : {}),
  })
  return {
    requests: proposal.problem.requests.length,
    optimal: {
      status: proposal.optimal.status,
      solved: proposal.optimal.solved,
      note: proposal.optimal.note,
      variables: proposal.optimal.variables,
      constraints: proposal.optimal.constraints,
      candidates: proposal.optimal.candidates,
      ...figures(proposal.optimal),
      placements: proposal.optimal.assignments.map(placement),
    },
    greedy: { ...figures(proposal.greedy), placements: proposal.greedy.assignments.map(placement) },
    morePeople: proposal.morePeople,
    moreHours: proposal.moreHours,
    people: proposal.people.map((p) => ({ requestId: p.requestId, why: p.why })),
    skipped: proposal.skipped,
  }
}

export interface Confirmation {
  requestId: number
  offerId: number
  choiceReason: string
  /** For home care allocated visit by visit: the visits of the offer to award (all it offers when absent). */
  visitIds?: number[]
}

export interface ConfirmationOutcome {
  requestId: number
  offerId: number
  packageId: number | null
  /** Why it was not awarded; null when it was. */
  error: string | null
}

const CLOSE_REASON = 'Closed early to award the allocation proposal the broker confirmed'

/**
 * Awards each confirmed placement through the normal award path, one at a time, so one refused
 * award (the offer withdrawn, a top-up to agree, a quality sign-off needed) does not stop the
 * rest. A request still open to offers is closed early first, with a reason, as a broker would.
 */
export async function confirmAllocation(
  db: Database,
  user: SessionUser,
  confirmations: readonly Confirmation[],
): Promise<ConfirmationOutcome[]> {
  if (confirmations.length === 0) {
    throw new ValidationError([{ field: 'placements', message: 'Choose at least one placement to confirm' }])
  }
  const outcomes: ConfirmationOutcome[] = []
  for (const c of confirmations) {
    try {
      const [row] = await db
        .select({ status: sourcingRequests.status })
        .from(sourcingRequests)
        .where(and(eq(sourcingRequests.councilId, user.councilId), eq(sourcingRequests.id, c.requestId)))
      if (!row) throw new NotFoundError('No such request')
      if (row.status === 'published') await closeRequest(db, user, c.requestId, { reason: CLOSE_REASON })
      const result = await award(db, { councilId: user.councilId, actor: actorOf(user) }, c.requestId, {
        offerId: c.offerId,
        choiceReason: c.choiceReason,
        ...(c.visitIds ? { visitIds: c.visitIds } : {}),
      })
      outcomes.push({ requestId: c.requestId, offerId: c.offerId, packageId: result.packageId, error: null })
    } catch (error) {
      if (
        error instanceof ValidationError ||
        error instanceof NotFoundError ||
        error instanceof ConflictError
      ) {
        outcomes.push({ requestId: c.requestId, offerId: c.offerId, packageId: null, error: error.message })
      } else {
        throw error
      }
    }
  }
  return outcomes
}
