// Reading one request, and the pieces creating a request and its draft share: where a postcode
// is, the person, the lot and the first event.

import type { z } from 'zod'
import type { Actor } from '../../audit/service.ts'
import type { Queryable, Transaction } from '../../db/connection.ts'
import { NotFoundError, ValidationError } from '../../errors.ts'
import { locate } from '../../geography/service.ts'
import { getLot } from '../../providers/frameworks/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { people, requestEvents } from '../schema.ts'
import { getBrokerageSettings } from '../settings/service.ts'
import { actorLabel, isSystem, type RequestCaller } from './callers.ts'
import { inCaseload, type RequestScope, refuseOutsideCaseload } from './caseload.ts'
import type { ContactInput, InputContext, personShape } from './input.ts'
import { findRequest, type SourcingRequest } from './store.ts'

/**
 * A request of the council, with its person and visits; another council's answers 404, and so does
 * one outside a social worker's caseload (audited).
 */
export async function getRequest(
  db: Queryable,
  scope: RequestScope,
  requestId: number,
): Promise<SourcingRequest> {
  const request = await findRequest(db, scope.councilId, requestId)
  if (!request) throw new NotFoundError('No such request')
  if (!inCaseload(scope, request))
    return refuseOutsideCaseload(db, scope, {
      type: 'sourcing_request',
      id: requestId,
      teamId: request.teamId,
    })
  return request
}

/** Whether distance is measured from the person's own postcode rather than another chosen for the request. */
export function measuredFromPersonsPostcode(
  request: Pick<SourcingRequest, 'preferredPostcode' | 'person'>,
): boolean {
  return request.preferredPostcode === request.person.postcode
}

export async function inputContext(db: Queryable, councilId: number, now: Date): Promise<InputContext> {
  const settings = await getBrokerageSettings(db, councilId)
  return { today: londonDate(now), defaultMaxDistanceMiles: settings.maxDistanceMiles }
}

export async function checkLot(
  db: Queryable,
  councilId: number,
  lotId: number | null | undefined,
): Promise<void> {
  if (lotId === null || lotId === undefined) return
  try {
    await getLot(db, councilId, lotId)
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new ValidationError([
        { field: 'lotId', message: 'Choose a lot from the list: there is no such lot' },
      ])
    throw error
  }
}

export interface Place {
  outcode: string
  localityId: number | null
  pcnAreaId: number | null
  latitude: number | null
  longitude: number | null
}

/**
 * Where a postcode is: its district, locality, PCN area and centre (null when unknown). A postcode
 * that cannot be placed in or near the council's area is refused on `field`: nobody could be
 * invited to offer for it (a council without postcode districts yet cannot judge, so takes it).
 */
export async function place(
  db: Queryable,
  councilId: number,
  postcode: string,
  field = 'postcode',
): Promise<Place> {
  const placement = await locate(db, councilId, { postcode })
  if (placement.inCouncilArea === false)
    throw new ValidationError([
      {
        field,
        message: `${postcode} is not in or near the council’s area: enter a postcode the council serves`,
      },
    ])
  return {
    outcode: placement.outcode ?? postcode.split(' ')[0] ?? postcode,
    localityId: placement.localityId,
    pcnAreaId: placement.pcnAreaId,
    latitude: placement.latitude,
    longitude: placement.longitude,
  }
}

/** The request's columns for where distance is measured from: a normalised postcode, placed. */
export function preferredLocation(postcode: string, where: Place) {
  return {
    preferredPostcode: postcode,
    preferredOutcode: where.outcode,
    latitude: where.latitude,
    longitude: where.longitude,
  }
}

/** The people columns for how to reach the person and what they agreed may be shared. */
export function contactColumns(contact: Partial<ContactInput>) {
  return {
    addressLine1: contact.address?.line1 ?? null,
    addressLine2: contact.address?.line2 ?? null,
    town: contact.address?.town ?? null,
    phone: contact.phone ?? null,
    representative: contact.representative ?? null,
    sharingConsent: contact.sharingConsent ?? [],
  }
}

export async function insertPerson(
  tx: Transaction,
  councilId: number,
  person: z.output<z.ZodObject<ReturnType<typeof personShape>>> & Partial<ContactInput>,
  field = 'postcode',
) {
  const where = await place(tx, councilId, person.postcode, field)
  const [row] = await tx
    .insert(people)
    .values({
      councilId,
      name: person.name,
      dateOfBirth: person.dateOfBirth,
      sex: person.sex ?? null,
      postcode: person.postcode,
      outcode: where.outcode,
      localityId: where.localityId,
      pcnAreaId: where.pcnAreaId,
      nhsNumber: person.nhsNumber ?? null,
      ...contactColumns(person),
    })
    .returning()
  if (!row) throw new Error('person not inserted')
  return { row, where }
}

export async function insertCreatedEvent(
  tx: Transaction,
  councilId: number,
  requestId: number,
  actor: Actor,
  now: Date,
) {
  await tx.insert(requestEvents).values({
    councilId,
    requestId,
    fromStatus: null,
    toStatus: 'draft',
    reason: null,
    actor: actorLabel(actor),
    at: now,
  })
}

export function creatorId(caller: RequestCaller): number | null {
  return isSystem(caller) ? null : caller.id || null
}
