// A draft request, a question page at a time: each page is saved as it is answered, checked as
// the whole request would be, and only while the request is still a draft.
import { and, eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { recordAudit } from '../../audit/service.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { hasRates } from '../../fees/rates/service.ts'
import { listLots } from '../../providers/frameworks/service.ts'
import { people, requestVisits, sourcingRequests } from '../schema.ts'
import { actorFor, authorise, type Clock, type RequestCaller } from './callers.ts'
import { teamForNewRequest } from './caseload.ts'
import {
  carersShape,
  checkPrice,
  contactShape,
  locationShape,
  lotShape,
  MAX_VISITS,
  needsShape,
  notesShape,
  type PersonInput,
  personShape,
  priceShape,
  referencesShape,
  serviceTypeShape,
  supportShape,
  timingShape,
  type VisitInput,
  visitSchema,
} from './input.ts'
import {
  checkLot,
  contactColumns,
  creatorId,
  getRequest,
  inputContext,
  insertCreatedEvent,
  insertPerson,
  measuredFromPersonsPostcode,
  place,
  preferredLocation,
} from './records.ts'
import type { RequestColumns, SourcingRequest } from './store.ts'
import { DRAFT_PAGE_NAMES, type DraftPage, missingPages, type WizardContext } from './wizard.ts'

/**
 * Whether the council has DPS lots a request may be sourced through (the lot question is asked only
 * then), and whether it keeps a rate book (then the usual price comes from it and need not be typed).
 */
export async function wizardContext(db: Queryable, councilId: number): Promise<WizardContext> {
  const [lots, rateBook] = await Promise.all([listLots(db, councilId), hasRates(db, councilId)])
  return { hasLots: lots.some((lot) => lot.procurement === 'dps'), hasRateBook: rateBook }
}

/** The DPS lots a request may name. */
export async function requestLotChoices(db: Queryable, councilId: number) {
  return (await listLots(db, councilId)).filter((lot) => lot.procurement === 'dps')
}

/**
 * Starts a draft from the first question page (the person, and the team when the social worker is
 * in several); the rest is answered page by page.
 */
export async function startDraft(
  db: Database,
  caller: RequestCaller,
  personInput: PersonInput | Record<string, unknown>,
  clock: Clock = {},
): Promise<SourcingRequest> {
  authorise(caller, 'create')
  const now = clock.now ?? new Date()
  const { councilId } = caller
  const context = await inputContext(db, councilId, now)
  const { teamId: givenTeam, ...answers } = personInput as Record<string, unknown>
  const { personRef, caseRef, ...person } = parseInput(
    z.object({ ...personShape(context), ...referencesShape }),
    answers,
  )
  const teamId = await teamForNewRequest(db, caller, givenTeam)
  const actor = actorFor(caller)
  const id = await db.transaction(async (tx) => {
    const { row, where } = await insertPerson(tx, councilId, person)
    const [created] = await tx
      .insert(sourcingRequests)
      .values({
        councilId,
        personId: row.id,
        createdByUserId: creatorId(caller),
        teamId,
        // Measured from the person's postcode until the location page says otherwise.
        ...preferredLocation(person.postcode, where),
        maxDistanceMiles: context.defaultMaxDistanceMiles,
        urgency: 'routine',
        personRef,
        caseRef,
        status: 'draft',
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: sourcingRequests.id })
    if (!created) throw new Error('request not inserted')
    await insertCreatedEvent(tx, councilId, created.id, actor, now)
    await recordAudit(tx, actor, {
      councilId,
      action: 'sourcing_request.created',
      entityType: 'sourcing_request',
      entityId: created.id,
      details: { draft: true, teamId },
    })
    return created.id
  })
  return getRequest(db, { councilId }, id)
}

/** The draft, if the caller may change it and it is still a draft. */
async function editableDraft(
  db: Queryable,
  caller: RequestCaller,
  requestId: number,
): Promise<SourcingRequest> {
  const request = await getRequest(db, caller, requestId)
  authorise(caller, 'editDraft', request)
  // A request the brokerage team returned is the social worker's to change again.
  if (request.status !== 'draft' && request.status !== 'returned')
    throw new ConflictError(`This request has been ${request.status} and can no longer be changed here.`)
  return request
}

/** Updates a draft's columns, only while it is still a draft. */
async function updateDraft(tx: Transaction, request: SourcingRequest, set: RequestColumns, now: Date) {
  const [updated] = await tx
    .update(sourcingRequests)
    .set({ ...set, updatedAt: now })
    .where(
      and(
        eq(sourcingRequests.id, request.id),
        eq(sourcingRequests.councilId, request.councilId),
        inArray(sourcingRequests.status, ['draft', 'returned']),
      ),
    )
    .returning({ id: sourcingRequests.id })
  if (!updated) throw new ConflictError('This request was submitted while you were changing it.')
}

async function auditDraft(tx: Transaction, caller: RequestCaller, request: SourcingRequest, page: string) {
  await recordAudit(tx, actorFor(caller), {
    councilId: request.councilId,
    action: 'sourcing_request.draft_updated',
    entityType: 'sourcing_request',
    entityId: request.id,
    details: { page },
  })
}

/** The pages saveDraftPage() takes; visits have their own add and remove. */
export type DraftSection = Exclude<DraftPage, 'visits'>

/** Saves one question page of a draft, checked as the whole request would be. */
export async function saveDraftPage(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  page: DraftSection,
  input: Record<string, unknown>,
  clock: Clock = {},
): Promise<SourcingRequest> {
  const now = clock.now ?? new Date()
  const request = await editableDraft(db, caller, requestId)
  const context = await inputContext(db, request.councilId, now)
  const { councilId } = request
  const rateBook = page === 'price' && (await hasRates(db, councilId))
  await db.transaction(async (tx) => {
    switch (page) {
      case 'person': {
        // The case-system references are asked with the person but belong to the request.
        const { personRef, caseRef, ...person } = parseInput(
          z.object({ ...personShape(context), ...referencesShape }),
          input,
        )
        const where = await place(tx, councilId, person.postcode)
        const wasHome = measuredFromPersonsPostcode(request)
        await tx
          .update(people)
          .set({
            name: person.name,
            dateOfBirth: person.dateOfBirth,
            sex: person.sex ?? null,
            postcode: person.postcode,
            outcode: where.outcode,
            localityId: where.localityId,
            pcnAreaId: where.pcnAreaId,
            nhsNumber: person.nhsNumber ?? null,
          })
          .where(and(eq(people.id, request.person.id), eq(people.councilId, councilId)))
        // Distance measured from the person's home follows them when their postcode changes.
        await updateDraft(
          tx,
          request,
          { personRef, caseRef, ...(wasHome ? preferredLocation(person.postcode, where) : {}) },
          now,
        )
        break
      }
      case 'contacts': {
        const contacts = parseInput(z.object(contactShape), input)
        await tx
          .update(people)
          .set(contactColumns(contacts))
          .where(and(eq(people.id, request.person.id), eq(people.councilId, councilId)))
        await updateDraft(tx, request, {}, now)
        break
      }
      case 'service-type': {
        const { serviceType } = parseInput(z.object(serviceTypeShape), input)
        const homeCare = serviceType === 'home_care'
        if (!homeCare)
          await tx
            .delete(requestVisits)
            .where(and(eq(requestVisits.councilId, councilId), eq(requestVisits.requestId, request.id)))
        // Hours of support belong to supported living alone: another type of care forgets them.
        const support = serviceType === 'supported_living' ? {} : { supportMinutesPerWeek: null }
        await updateDraft(
          tx,
          request,
          homeCare
            ? { serviceType, ...support }
            : { serviceType, carerGender: null, language: null, ...support },
          now,
        )
        break
      }
      case 'needs': {
        const needs = parseInput(z.object(needsShape), input)
        await updateDraft(tx, request, needs, now)
        break
      }
      case 'location': {
        const location = parseInput(z.object(locationShape()), input)
        const postcode = location.preferredPostcode ?? request.person.postcode
        if (postcode === null)
          throw new ValidationError([
            {
              field: 'preferredPostcode',
              message: 'Enter the postcode to measure distance from: the person’s postcode is not known yet',
            },
          ])
        await updateDraft(
          tx,
          request,
          {
            ...preferredLocation(postcode, await place(tx, councilId, postcode, 'preferredPostcode')),
            maxDistanceMiles: location.maxDistanceMiles ?? context.defaultMaxDistanceMiles,
          },
          now,
        )
        break
      }
      case 'start': {
        const timing = parseInput(z.object(timingShape(context)), input)
        await updateDraft(
          tx,
          request,
          {
            startDate: timing.startDate,
            urgency: timing.urgency,
            inHospital: timing.inHospital,
            emergencyHours: timing.urgency === 'emergency' ? (timing.emergencyHours ?? null) : null,
          },
          now,
        )
        break
      }
      case 'price': {
        // With a rate book the usual price comes from it: neither a typed price nor a budget is needed.
        const priced = z.object(priceShape)
        const price = parseInput(rateBook ? priced : priced.superRefine(checkPrice), input)
        await updateDraft(
          tx,
          request,
          { usualPricePence: price.usualPricePounds, budgetPence: price.budgetPounds },
          now,
        )
        break
      }
      case 'support': {
        if (request.serviceType !== 'supported_living')
          throw new ConflictError('Hours of support are asked only for supported living.')
        const { supportHoursPerWeek } = parseInput(z.object(supportShape), input)
        if (supportHoursPerWeek === undefined)
          throw new ValidationError([
            { field: 'supportHoursPerWeek', message: 'Enter the hours of support a week' },
          ])
        await updateDraft(tx, request, { supportMinutesPerWeek: supportHoursPerWeek }, now)
        break
      }
      case 'carers': {
        if (request.serviceType !== 'home_care')
          throw new ConflictError('Care worker preferences are asked only for home care.')
        const carers = parseInput(z.object(carersShape), input)
        await updateDraft(
          tx,
          request,
          { carerGender: carers.carerGender ?? null, language: carers.language || null },
          now,
        )
        break
      }
      case 'lot': {
        const { lotId } = parseInput(z.object(lotShape), input)
        await checkLot(tx, councilId, lotId)
        await updateDraft(tx, request, { lotId: lotId ?? null }, now)
        break
      }
      case 'notes': {
        const notes = parseInput(z.object(notesShape), input)
        await updateDraft(tx, request, notes, now)
        break
      }
    }
    await auditDraft(tx, caller, request, page)
  })
  return getRequest(db, request, requestId)
}

/** Adds one visit to a home care draft's pattern. */
export async function addDraftVisit(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  input: VisitInput | Record<string, unknown>,
  clock: Clock = {},
): Promise<SourcingRequest> {
  const now = clock.now ?? new Date()
  const request = await editableDraft(db, caller, requestId)
  if (request.serviceType !== 'home_care') throw new ConflictError('Visits are only for home care.')
  const visit = parseInput(visitSchema, input)
  if (request.visits.length >= MAX_VISITS)
    throw new ValidationError([
      { field: 'days', message: `A request can have no more than ${MAX_VISITS} visits` },
    ])
  await db.transaction(async (tx) => {
    await updateDraft(tx, request, {}, now)
    await tx.insert(requestVisits).values({ councilId: request.councilId, requestId, ...visit })
    await auditDraft(tx, caller, request, 'visits')
  })
  return getRequest(db, request, requestId)
}

export async function removeDraftVisit(
  db: Database,
  caller: RequestCaller,
  requestId: number,
  visitId: number,
  clock: Clock = {},
): Promise<SourcingRequest> {
  const now = clock.now ?? new Date()
  const request = await editableDraft(db, caller, requestId)
  await db.transaction(async (tx) => {
    await updateDraft(tx, request, {}, now)
    const removed = await tx
      .delete(requestVisits)
      .where(
        and(
          eq(requestVisits.councilId, request.councilId),
          eq(requestVisits.requestId, requestId),
          eq(requestVisits.id, visitId),
        ),
      )
      .returning({ id: requestVisits.id })
    if (removed.length === 0) throw new NotFoundError('No such visit')
    await auditDraft(tx, caller, request, 'visits')
  })
  return getRequest(db, request, requestId)
}

/** Why a draft cannot be submitted yet: one error per unanswered page, named by the page. */
export function unansweredErrors(request: SourcingRequest, context: WizardContext): FieldError[] {
  return missingPages(request, context).map((page) => ({
    field: page,
    message: `Answer the question about ${DRAFT_PAGE_NAMES[page]}`,
  }))
}
