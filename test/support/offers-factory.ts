// Test-only: published requests without the request pages, so offers and awards can be tested on
// their own. It publishes the way the request service does (status, deadline, then invitations in
// the same transaction). Never imported by the running service.

import { eq, sql } from 'drizzle-orm'
import { type InvitationResult, inviteEligibleLocations } from '../../src/brokerage/invitations.ts'
import { addCalendarDays, type RequestServiceType } from '../../src/brokerage/rules/index.ts'
import { people, requestVisits, sourcingRequests } from '../../src/brokerage/schema.ts'
import type { Database } from '../../src/db/connection.ts'
import { locationCoverage, locations } from '../../src/db/schema.ts'
import { londonDate } from '../../src/shared/dates.ts'

/** Norwich city centre, where the test people live. */
export const NORWICH = { latitude: 52.6309, longitude: 1.2974 }

export interface PersonSpec {
  name: string
  dateOfBirth: string
  sex: 'female' | 'male' | null
  postcode: string
  outcode: string
  nhsNumber: string | null
}

export const TEST_PERSON: PersonSpec = {
  name: 'Winifred Applethwaite',
  dateOfBirth: '1938-04-17',
  sex: 'female',
  postcode: 'NR3 1QX',
  outcode: 'NR3',
  nhsNumber: '9434765919',
}

interface VisitSpec {
  days: string[]
  windowStart: string
  windowEnd: string
  durationMinutes: number
  carers?: number
}

export interface RequestSpec {
  serviceType?: RequestServiceType
  person?: Partial<PersonSpec>
  coordinates?: { latitude: number; longitude: number } | null
  maxDistanceMiles?: number
  startDate?: string
  urgency?: 'routine' | 'urgent' | 'emergency'
  usualPricePence?: number | null
  visits?: VisitSpec[]
  deadlineAt?: Date
  carerGender?: string | null
  language?: string | null
  lotId?: number | null
  clientGroup?: string
  specialisms?: string[]
  needsSummary?: string
  notesForProviders?: string
  /** Leave the request submitted, not published. */
  publish?: boolean
  /** Whose caseload: the social worker who made it and the team it belongs to. */
  createdByUserId?: number | null
  teamId?: number | null
}

export interface CreatedRequest {
  requestId: number
  personId: number
  visitIds: number[]
  invitation: InvitationResult | null
}

export async function createTestRequest(
  db: Database,
  councilId: number,
  spec: RequestSpec = {},
  now = new Date(),
): Promise<CreatedRequest> {
  const person = { ...TEST_PERSON, ...spec.person }
  const coordinates = spec.coordinates === undefined ? NORWICH : spec.coordinates
  return db.transaction(async (tx) => {
    const [personRow] = await tx
      .insert(people)
      .values({ councilId, ...person })
      .returning({ id: people.id })
    if (!personRow) throw new Error('no person')
    const [request] = await tx
      .insert(sourcingRequests)
      .values({
        councilId,
        personId: personRow.id,
        serviceType: spec.serviceType ?? 'residential',
        clientGroup: spec.clientGroup ?? 'older_people',
        specialisms: spec.specialisms ?? [],
        needsSummary:
          spec.needsSummary ?? 'Needs help with washing, dressing and medication; mild memory loss.',
        latitude: coordinates?.latitude ?? null,
        longitude: coordinates?.longitude ?? null,
        maxDistanceMiles: spec.maxDistanceMiles ?? 15,
        startDate: spec.startDate ?? addCalendarDays(londonDate(now), 14),
        urgency: spec.urgency ?? 'routine',
        usualPricePence: spec.usualPricePence === undefined ? 95_000 : spec.usualPricePence,
        notesForProviders: spec.notesForProviders ?? 'Lives alone; a cat.',
        carerGender: spec.carerGender ?? null,
        language: spec.language ?? null,
        lotId: spec.lotId ?? null,
        createdByUserId: spec.createdByUserId ?? null,
        teamId: spec.teamId ?? null,
        status: 'submitted',
      })
      .returning({ id: sourcingRequests.id })
    if (!request) throw new Error('no request')
    const visits = spec.visits ?? []
    const visitRows = visits.length
      ? await tx
          .insert(requestVisits)
          .values(visits.map((v) => ({ councilId, requestId: request.id, carers: 1, ...v })))
          .returning({ id: requestVisits.id })
      : []
    let invitation: InvitationResult | null = null
    if (spec.publish !== false) {
      await tx
        .update(sourcingRequests)
        .set({
          status: 'published',
          publishedAt: now,
          deadlineAt: spec.deadlineAt ?? new Date(now.getTime() + 3 * 86_400_000),
        })
        .where(eq(sourcingRequests.id, request.id))
      invitation = await inviteEligibleLocations(tx, { councilId, requestId: request.id, round: 1, now })
    }
    return {
      requestId: request.id,
      personId: personRow.id,
      visitIds: visitRows.map((v) => v.id),
      invitation,
    }
  })
}

/** Sets a request's status directly, standing in for the request service's close or cancel. */
export async function setRequestStatus(db: Database, requestId: number, status: string): Promise<void> {
  await db
    .update(sourcingRequests)
    .set({
      status,
      closedAt: status === 'closed' ? new Date() : undefined,
      version: sql`${sourcingRequests.version} + 1`,
    })
    .where(eq(sourcingRequests.id, requestId))
}

export interface LocationSpec {
  latitude?: number | null
  longitude?: number | null
  serviceTypes?: string[]
  specialisms?: string[]
  clientGroups?: string[]
  cqcRating?: string | null
  coverage?: string[]
  name?: string
}

/** Changes a register location for a test: where it is and what it offers. */
export async function shapeLocation(db: Database, locationId: number, spec: LocationSpec): Promise<void> {
  const { coverage, ...columns } = spec
  await db.update(locations).set(columns).where(eq(locations.id, locationId))
  if (coverage) {
    const [row] = await db
      .select({ councilId: locations.councilId })
      .from(locations)
      .where(eq(locations.id, locationId))
    await db.delete(locationCoverage).where(eq(locationCoverage.locationId, locationId))
    if (coverage.length > 0 && row) {
      await db
        .insert(locationCoverage)
        .values(coverage.map((outcode) => ({ councilId: row.councilId, locationId, outcode })))
    }
  }
}

/** Adds a location to an organisation, e.g. one far away, for eligibility tests. */
export async function addLocation(
  db: Database,
  councilId: number,
  providerOrganisationId: number,
  spec: LocationSpec & { cqcLocationId: string },
): Promise<number> {
  const { coverage, cqcLocationId, ...columns } = spec
  const [row] = await db
    .insert(locations)
    .values({
      councilId,
      providerOrganisationId,
      cqcLocationId,
      name: spec.name ?? `Location ${cqcLocationId}`,
      address: '1 Test Street',
      serviceTypes: ['residential_home'],
      clientGroups: ['older_people'],
      cqcRating: 'Good',
      ...columns,
    })
    .returning({ id: locations.id })
  if (!row) throw new Error('no location')
  if (coverage?.length) {
    await db
      .insert(locationCoverage)
      .values(coverage.map((outcode) => ({ councilId, locationId: row.id, outcode })))
  }
  return row.id
}

/**
 * Gives a seeded council a location the request tests' person can be matched with: the person's
 * postcode placed in Norwich, and provider B's location there, offering care homes and home care
 * in the person's district. Publishing to nobody is refused, so the request tests need one.
 */
export async function placeInvitableLocation(
  db: Database,
  fixture: { providerB: { locationId: number } },
): Promise<void> {
  await db.execute(sql`
    insert into postcodes (postcode, latitude, longitude)
    values (${TEST_PERSON.postcode}, ${NORWICH.latitude}, ${NORWICH.longitude})
    on conflict (postcode) do nothing`)
  await shapeLocation(db, fixture.providerB.locationId, {
    latitude: NORWICH.latitude,
    longitude: NORWICH.longitude,
    serviceTypes: ['residential_home', 'nursing_home', 'home_care'],
    specialisms: ['dementia', 'physical_disability'],
    coverage: ['NR1', 'NR2', 'NR3', 'NR4', 'NR5', 'NR6', 'NR7'],
  })
}
