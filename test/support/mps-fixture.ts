// Test-only: a small hand-built market for the Market Position Statement's key data, with the
// specs kept so tests can work out the expected figures on their own. Never imported by the service.
import { eq } from 'drizzle-orm'
import type { RequestServiceType } from '../../src/brokerage/rules/index.ts'
import type { Database } from '../../src/db/connection.ts'
import {
  frameworkLots,
  locationRatings,
  locations,
  lotMembershipEvents,
  lotMemberships,
  offers,
  packages,
} from '../../src/db/schema.ts'
import { createTestRequest } from './offers-factory.ts'

export interface LocationSpec {
  key: string
  serviceTypes: string[]
  clientGroups: string[]
  beds: number | null
  cqcRating: string | null
  /** A later council audit, which becomes the effective rating. */
  pamms?: string
  active?: boolean
}

export interface PackageSpec {
  person: string
  serviceType: RequestServiceType
  clientGroup: 'older_people' | 'younger_adults'
  weeklyCostPence: number
  startDate: string
  endDate?: string
}

export interface BuiltMarket {
  locationIds: Map<string, number>
}

export async function buildMarket(
  db: Database,
  councilId: number,
  providerOrganisationId: number,
  specs: { locations: LocationSpec[]; packages: PackageSpec[] },
): Promise<BuiltMarket> {
  const locationIds = new Map<string, number>()
  for (const spec of specs.locations) {
    const [row] = await db
      .insert(locations)
      .values({
        councilId,
        providerOrganisationId,
        cqcLocationId: `1-MPS-${councilId}-${spec.key}`,
        name: `Location ${spec.key}`,
        address: '1 Market Street',
        registeredBeds: spec.beds,
        serviceTypes: spec.serviceTypes,
        clientGroups: spec.clientGroups,
        cqcRating: spec.cqcRating,
        cqcRatingDate: spec.cqcRating ? '2022-01-10' : null,
        active: spec.active ?? true,
      })
      .returning({ id: locations.id })
    if (!row) throw new Error('no location')
    locationIds.set(spec.key, row.id)
    if (spec.pamms) {
      await db.insert(locationRatings).values({
        councilId,
        locationId: row.id,
        source: 'pamms',
        rating: spec.pamms,
        ratedOn: '2024-05-01',
        recordedBy: 'test',
      })
    }
  }
  const placeId = locationIds.values().next().value as number
  const personIds = new Map<string, number>()
  for (const spec of specs.packages) {
    const { requestId, personId } = await createTestRequest(db, councilId, {
      serviceType: spec.serviceType,
      clientGroup: spec.clientGroup,
      publish: false,
      person: { name: `Person ${spec.person}` },
    })
    // One person may hold more than one package: reuse the first request's person.
    const owner = personIds.get(spec.person) ?? personId
    personIds.set(spec.person, owner)
    const [offer] = await db
      .insert(offers)
      .values({
        councilId,
        requestId,
        locationId: placeId,
        providerOrganisationId,
        pricePence: spec.weeklyCostPence,
        earliestStart: spec.startDate,
        meetsAllNeeds: true,
        status: 'accepted',
      })
      .returning({ id: offers.id })
    await db.insert(packages).values({
      councilId,
      requestId,
      offerId: offer?.id as number,
      personId: owner,
      locationId: placeId,
      providerOrganisationId,
      serviceType: spec.serviceType,
      agreedPricePence: spec.weeklyCostPence,
      weeklyCostPence: spec.weeklyCostPence,
      startDate: spec.startDate,
      endDate: spec.endDate ?? null,
      createdBy: 'test',
    })
  }
  return { locationIds }
}

/** A lot of the council with its members admitted (or suspended) from the given dates. */
export async function addLot(
  db: Database,
  councilId: number,
  spec: {
    name: string
    serviceType: string | null
    opensOn: string
    members: { locationId: number; events: { status: string; effectiveOn: string }[] }[]
  },
): Promise<number> {
  const [lot] = await db
    .insert(frameworkLots)
    .values({
      councilId,
      name: spec.name,
      procurement: 'dps',
      serviceType: spec.serviceType,
      opensOn: spec.opensOn,
    })
    .returning({ id: frameworkLots.id })
  const lotId = lot?.id as number
  for (const member of spec.members) {
    const last = member.events.at(-1)?.status ?? 'applied'
    const [membership] = await db
      .insert(lotMemberships)
      .values({ councilId, lotId, locationId: member.locationId, status: last })
      .returning({ id: lotMemberships.id })
    for (const event of member.events) {
      await db
        .insert(lotMembershipEvents)
        .values({ councilId, membershipId: membership?.id as number, ...event, actor: 'test' })
    }
  }
  return lotId
}

/** Takes the fixture's own seeded locations out of the market, so only the built one counts. */
export async function retireLocation(db: Database, locationId: number): Promise<void> {
  await db.update(locations).set({ active: false }).where(eq(locations.id, locationId))
}
