// Test-only: packages of care at a location, written straight to the tables, so that the people a
// market event affects can be counted by hand. Never imported by the running service.
import type { Queryable } from '../../src/db/connection.ts'
import { offers, packages, people, sourcingRequests } from '../../src/db/schema.ts'

export interface PackageSpec {
  locationId: number
  providerOrganisationId: number
  /** Another package for a person already placed: they count once. */
  personId?: number
  serviceType?: 'residential' | 'nursing' | 'home_care'
  minutesPerWeek?: number | null
  startDate: string
  endDate?: string | null
}

/** One awarded package, with its person, request and accepted offer; returns the person's id. */
export async function addPackage(db: Queryable, councilId: number, spec: PackageSpec): Promise<number> {
  const serviceType = spec.serviceType ?? 'residential'
  let personId = spec.personId
  if (personId === undefined) {
    const [person] = await db
      .insert(people)
      .values({
        councilId,
        name: 'Test Person',
        dateOfBirth: '1940-01-01',
        postcode: 'XA1 1AA',
        outcode: 'XA1',
      })
      .returning({ id: people.id })
    if (!person) throw new Error('no person')
    personId = person.id
  }
  const [request] = await db
    .insert(sourcingRequests)
    .values({
      councilId,
      personId,
      serviceType,
      clientGroup: 'older_people',
      needsSummary: 'Help with personal care.',
      startDate: spec.startDate,
      maxDistanceMiles: 10,
      urgency: 'routine',
      status: 'started',
    })
    .returning({ id: sourcingRequests.id })
  if (!request) throw new Error('no request')
  const [offer] = await db
    .insert(offers)
    .values({
      councilId,
      requestId: request.id,
      locationId: spec.locationId,
      providerOrganisationId: spec.providerOrganisationId,
      pricePence: 90_000,
      earliestStart: spec.startDate,
      meetsAllNeeds: true,
      status: 'accepted',
    })
    .returning({ id: offers.id })
  if (!offer) throw new Error('no offer')
  await db.insert(packages).values({
    councilId,
    requestId: request.id,
    offerId: offer.id,
    personId,
    locationId: spec.locationId,
    providerOrganisationId: spec.providerOrganisationId,
    serviceType,
    agreedPricePence: 90_000,
    weeklyCostPence: 90_000,
    minutesPerWeek: serviceType === 'home_care' ? (spec.minutesPerWeek ?? 600) : null,
    startDate: spec.startDate,
    endDate: spec.endDate ?? null,
    createdBy: 'test',
  })
  return personId
}
