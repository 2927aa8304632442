// Test-only: a council where provider A's home is failing with people placed there, and provider B
// has a location the re-sourcing requests can invite. Packages are written straight to the tables
// (standing in for earlier awards), and a re-placement likewise.
import { eq, sql } from 'drizzle-orm'
import type { Database } from '../../src/db/connection.ts'
import { importedPackages, offers, packageImports, packages, sourcingRequests } from '../../src/db/schema.ts'
import type { Fixture } from '../helpers.ts'
import { createTestRequest, NORWICH, placeInvitableLocation, shapeLocation } from './offers-factory.ts'

/** Makes provider B's location invitable, and provider A's as well (were A not left out, it would be invited). */
export async function prepareFailingCouncil(db: Database, fixture: Fixture): Promise<void> {
  await placeInvitableLocation(db, fixture)
  await shapeLocation(db, fixture.providerA.locationId, {
    latitude: NORWICH.latitude,
    longitude: NORWICH.longitude,
    serviceTypes: ['residential_home', 'nursing_home', 'home_care'],
    specialisms: ['dementia', 'physical_disability'],
    coverage: ['NR1', 'NR2', 'NR3', 'NR4', 'NR5', 'NR6', 'NR7'],
  })
}

export interface PlacedSpec {
  name: string
  serviceType?: 'residential' | 'home_care'
  weeklyCostPence?: number
  visits?: { days: string[]; windowStart: string; windowEnd: string; durationMinutes: number }[]
  needsSummary?: string
  startDate?: string
}

/** A person placed at a location by an earlier award: their request, accepted offer and package. */
export async function placePerson(
  db: Database,
  councilId: number,
  at: { locationId: number; providerOrganisationId: number },
  spec: PlacedSpec,
): Promise<{ personId: number; requestId: number; packageId: number }> {
  const serviceType = spec.serviceType ?? 'residential'
  const startDate = spec.startDate ?? '2025-06-01'
  const made = await createTestRequest(db, councilId, {
    person: { name: spec.name },
    serviceType,
    visits: spec.visits,
    needsSummary: spec.needsSummary,
    startDate,
    publish: false,
  })
  await db.update(sourcingRequests).set({ status: 'started' }).where(eq(sourcingRequests.id, made.requestId))
  const weekly = spec.weeklyCostPence ?? 90_000
  const [offer] = await db
    .insert(offers)
    .values({
      councilId,
      requestId: made.requestId,
      ...at,
      pricePence: weekly,
      earliestStart: startDate,
      meetsAllNeeds: true,
      visitIds: made.visitIds,
      status: 'accepted',
    })
    .returning({ id: offers.id })
  if (!offer) throw new Error('no offer')
  const minutes = (spec.visits ?? []).reduce((sum, v) => sum + v.durationMinutes * v.days.length, 0)
  const [pkg] = await db
    .insert(packages)
    .values({
      councilId,
      requestId: made.requestId,
      offerId: offer.id,
      personId: made.personId,
      ...at,
      serviceType,
      agreedPricePence: weekly,
      weeklyCostPence: weekly,
      minutesPerWeek: serviceType === 'home_care' ? minutes : null,
      visitIds: made.visitIds,
      startDate,
      createdBy: 'test',
    })
    .returning({ id: packages.id })
  if (!pkg) throw new Error('no package')
  return { personId: made.personId, requestId: made.requestId, packageId: pkg.id }
}

/** A package of the council's own book at a location: a person known by case reference only. */
export async function addBookPackage(
  db: Database,
  councilId: number,
  at: { locationId: number; providerOrganisationId: number },
  personRef: string,
  weeklyCostPence = 80_000,
): Promise<void> {
  const [load] = await db
    .insert(packageImports)
    .values({ councilId, fileName: 'book.csv', status: 'completed', startedBy: 'test' })
    .returning({ id: packageImports.id })
  if (!load) throw new Error('no import')
  await db.insert(importedPackages).values({
    councilId,
    personRef,
    ageBand: '85+',
    outcode: 'NR3',
    clientGroup: 'older_people',
    serviceType: 'residential',
    ...at,
    weeklyCostPence,
    startDate: '2024-01-01',
    funding: 'health',
    importId: load.id,
  })
}

/** A re-placement: the re-sourcing request awarded to a location, standing in for the award. */
export async function rePlace(
  db: Database,
  councilId: number,
  requestId: number,
  at: { locationId: number; providerOrganisationId: number },
  terms: { weeklyCostPence: number; startDate: string; awardedAt: Date; choiceReason?: string },
): Promise<number> {
  const [request] = await db.select().from(sourcingRequests).where(eq(sourcingRequests.id, requestId))
  if (!request) throw new Error('no request')
  const [offer] = await db
    .insert(offers)
    .values({
      councilId,
      requestId,
      ...at,
      pricePence: terms.weeklyCostPence,
      earliestStart: terms.startDate,
      meetsAllNeeds: true,
      status: 'accepted',
    })
    .returning({ id: offers.id })
  if (!offer) throw new Error('no offer')
  const [pkg] = await db
    .insert(packages)
    .values({
      councilId,
      requestId,
      offerId: offer.id,
      personId: request.personId,
      ...at,
      serviceType: request.serviceType ?? 'residential',
      agreedPricePence: terms.weeklyCostPence,
      weeklyCostPence: terms.weeklyCostPence,
      startDate: terms.startDate,
      choiceReason: terms.choiceReason ?? null,
      createdAt: terms.awardedAt,
      createdBy: 'test',
    })
    .returning({ id: packages.id })
  if (!pkg) throw new Error('no package')
  await db
    .update(sourcingRequests)
    .set({ status: 'awarded', version: sql`${sourcingRequests.version} + 1` })
    .where(eq(sourcingRequests.id, requestId))
  return pkg.id
}
