// SQL of capacity's own tables: the bed vacancy and spare home care reports, and the register's
// locations as capacity reads them. The newest reports, which other areas share, are queried by
// ../reporting/capacity.ts.
import { and, asc, eq, max, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import type { OrganisationScope } from '../profile/service.ts'
import {
  bedVacancyReports,
  dayPlaceReports,
  homeCareCapacityReports,
  locations,
  providerOrganisations,
} from '../schema.ts'

export type LocationRow = Pick<
  typeof locations.$inferSelect,
  'id' | 'cqcLocationId' | 'name' | 'registeredBeds' | 'serviceTypes' | 'specialisms' | 'active'
>

const locationColumns = {
  id: locations.id,
  cqcLocationId: locations.cqcLocationId,
  name: locations.name,
  registeredBeds: locations.registeredBeds,
  serviceTypes: locations.serviceTypes,
  specialisms: locations.specialisms,
  active: locations.active,
}

/** Every location of the organisation, by name. */
export function organisationLocations(db: Queryable, scope: OrganisationScope): Promise<LocationRow[]> {
  return db
    .select(locationColumns)
    .from(locations)
    .where(
      and(
        eq(locations.councilId, scope.councilId),
        eq(locations.providerOrganisationId, scope.providerOrganisationId),
      ),
    )
    .orderBy(asc(locations.name), asc(locations.id))
}

export type ActiveLocation = Pick<
  typeof locations.$inferSelect,
  'id' | 'localityId' | 'registeredBeds' | 'serviceTypes' | 'specialisms'
>

/** The council's active locations, as the commissioners' figures count them. */
export function activeLocations(db: Queryable, councilId: number): Promise<ActiveLocation[]> {
  return db
    .select({
      id: locations.id,
      localityId: locations.localityId,
      registeredBeds: locations.registeredBeds,
      serviceTypes: locations.serviceTypes,
      specialisms: locations.specialisms,
    })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.active, true)))
}

/** The council's active locations with their organisation, by name: whom a reminder goes to. */
export function activeLocationsWithOrganisation(db: Queryable, councilId: number) {
  return db
    .select({
      ...locationColumns,
      providerOrganisationId: locations.providerOrganisationId,
      organisationName: providerOrganisations.name,
    })
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(and(eq(locations.councilId, councilId), eq(locations.active, true)))
    .orderBy(asc(locations.name), asc(locations.id))
}

/** When each location last reported anything: beds, home care or day places. */
export async function lastReported(db: Queryable, councilId: number): Promise<Map<number, Date>> {
  const beds = await db
    .select({ locationId: bedVacancyReports.locationId, at: max(bedVacancyReports.reportedAt) })
    .from(bedVacancyReports)
    .where(eq(bedVacancyReports.councilId, councilId))
    .groupBy(bedVacancyReports.locationId)
  const homeCare = await db
    .select({ locationId: homeCareCapacityReports.locationId, at: max(homeCareCapacityReports.reportedAt) })
    .from(homeCareCapacityReports)
    .where(eq(homeCareCapacityReports.councilId, councilId))
    .groupBy(homeCareCapacityReports.locationId)
  const dayPlaces = await db
    .select({ locationId: dayPlaceReports.locationId, at: max(dayPlaceReports.reportedAt) })
    .from(dayPlaceReports)
    .where(eq(dayPlaceReports.councilId, councilId))
    .groupBy(dayPlaceReports.locationId)
  const last = new Map<number, Date>()
  for (const row of [...beds, ...homeCare, ...dayPlaces]) {
    if (!row.at) continue
    const at = new Date(row.at)
    const seen = last.get(row.locationId)
    if (!seen || seen < at) last.set(row.locationId, at)
  }
  return last
}

/** Appends reports: capacity is a time series, never updated. */
export async function insertReports(
  db: Queryable,
  beds: (typeof bedVacancyReports.$inferInsert)[],
  homeCare: (typeof homeCareCapacityReports.$inferInsert)[],
  dayPlaces: (typeof dayPlaceReports.$inferInsert)[] = [],
): Promise<void> {
  if (beds.length > 0) await db.insert(bedVacancyReports).values(beds)
  if (homeCare.length > 0) await db.insert(homeCareCapacityReports).values(homeCare)
  if (dayPlaces.length > 0) await db.insert(dayPlaceReports).values(dayPlaces)
}

// Any fixed number: with the council's ID it names the lock that keeps two senders from reminding at once.
const REMINDER_LOCK_KEY = 7_240_301

/** Holds the council's reminder lock until the transaction ends. */
export async function lockReminders(tx: Queryable, councilId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${REMINDER_LOCK_KEY}, ${councilId})`)
}
