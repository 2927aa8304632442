// Reads of the provider register and of provider users that brokerage needs in bulk and that no
// service of theirs exports yet. Each is one query for many locations, never one per location.
// They belong in src/providers/*/service.ts and src/accounts/service.ts; move them there, and
// brokerage will call them, once those services offer them.
import { and, asc, desc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm'
import { users } from '../../accounts/schema.ts'
import type { Queryable } from '../../db/connection.ts'
import {
  bedVacancyReports,
  homeCareCapacityReports,
  locationCoverage,
  locations,
  providerOrganisations,
} from '../../providers/schema.ts'

export interface CandidateRow {
  id: number
  providerOrganisationId: number
  serviceTypes: string[]
  specialisms: string[]
  clientGroups: string[]
  latitude: number | null
  longitude: number | null
  languages: string[]
  maleCareWorkers: boolean | null
  femaleCareWorkers: boolean | null
  /** Postcode districts covered; only read when the request is reached by coverage. */
  coverage: string[]
}

/**
 * The council's active locations matching a condition on `locations` (the eligibility pre-filter),
 * with the facts the eligibility rules read from the register row itself.
 */
export async function activeLocationsWhere(
  db: Queryable,
  councilId: number,
  condition: SQL,
  options: { withCoverage: boolean },
): Promise<CandidateRow[]> {
  const coverage = options.withCoverage
    ? sql<string[]>`coalesce((select array_agg(${locationCoverage.outcode}) from ${locationCoverage}
        where ${locationCoverage.locationId} = ${locations.id}), '{}')`
    : sql<string[]>`'{}'::text[]`
  return db
    .select({
      id: locations.id,
      providerOrganisationId: locations.providerOrganisationId,
      serviceTypes: locations.serviceTypes,
      specialisms: locations.specialisms,
      clientGroups: locations.clientGroups,
      latitude: locations.latitude,
      longitude: locations.longitude,
      languages: locations.languages,
      maleCareWorkers: locations.maleCareWorkers,
      femaleCareWorkers: locations.femaleCareWorkers,
      coverage,
    })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.active, true), condition))
}

/** Whether a location covers a postcode district, as an SQL condition on `locations`. */
export function coversDistrictCondition(councilId: number, outcode: string): SQL {
  // One look-up of the district's locations (council, outcode index), not one per location.
  return sql`${locations.id} in (select ${locationCoverage.locationId} from ${locationCoverage}
    where ${locationCoverage.councilId} = ${councilId} and ${locationCoverage.outcode} = ${outcode})`
}

export interface LatestCapacity {
  available: number
  reportedAt: Date
}

/** The newest vacancy report for one bed type, per location. */
export async function latestVacanciesForBedType(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  bedType: string,
): Promise<Map<number, LatestCapacity>> {
  const result = new Map<number, LatestCapacity>()
  if (locationIds.length === 0) return result
  const rows = await db
    .selectDistinctOn([bedVacancyReports.locationId], {
      locationId: bedVacancyReports.locationId,
      vacancies: bedVacancyReports.vacancies,
      reportedAt: bedVacancyReports.reportedAt,
    })
    .from(bedVacancyReports)
    .where(
      and(
        eq(bedVacancyReports.councilId, councilId),
        inArray(bedVacancyReports.locationId, [...locationIds]),
        eq(bedVacancyReports.bedType, bedType),
      ),
    )
    .orderBy(bedVacancyReports.locationId, desc(bedVacancyReports.reportedAt), desc(bedVacancyReports.id))
  for (const row of rows) result.set(row.locationId, { available: row.vacancies, reportedAt: row.reportedAt })
  return result
}

/** The newest spare home care minutes a week in one postcode district, per location. */
export async function latestSpareMinutesInDistrict(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  outcode: string,
): Promise<Map<number, LatestCapacity>> {
  const result = new Map<number, LatestCapacity>()
  if (locationIds.length === 0) return result
  const rows = await db
    .selectDistinctOn([homeCareCapacityReports.locationId], {
      locationId: homeCareCapacityReports.locationId,
      spare: homeCareCapacityReports.spareMinutesPerWeek,
      reportedAt: homeCareCapacityReports.reportedAt,
    })
    .from(homeCareCapacityReports)
    .where(
      and(
        eq(homeCareCapacityReports.councilId, councilId),
        inArray(homeCareCapacityReports.locationId, [...locationIds]),
        eq(homeCareCapacityReports.outcode, outcode),
      ),
    )
    .orderBy(
      homeCareCapacityReports.locationId,
      desc(homeCareCapacityReports.reportedAt),
      desc(homeCareCapacityReports.id),
    )
  for (const row of rows) result.set(row.locationId, { available: row.spare, reportedAt: row.reportedAt })
  return result
}

export interface LocationSummary {
  id: number
  name: string
  cqcLocationId: string
  postcode: string | null
  latitude: number | null
  longitude: number | null
  providerOrganisationId: number
  providerName: string
}

const summaryColumns = {
  id: locations.id,
  name: locations.name,
  cqcLocationId: locations.cqcLocationId,
  postcode: locations.postcode,
  latitude: locations.latitude,
  longitude: locations.longitude,
  providerOrganisationId: locations.providerOrganisationId,
  providerName: providerOrganisations.name,
}

/** Names and places of some of the council's locations, in one query. */
export async function locationSummaries(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
): Promise<Map<number, LocationSummary>> {
  const result = new Map<number, LocationSummary>()
  if (locationIds.length === 0) return result
  const rows = await db
    .select(summaryColumns)
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(and(eq(locations.councilId, councilId), inArray(locations.id, [...new Set(locationIds)])))
  for (const row of rows) result.set(row.id, row)
  return result
}

/** The council's locations whose name contains the text, or whose CQC location ID is it. */
export async function searchLocations(
  db: Queryable,
  councilId: number,
  text: string,
  limit: number,
): Promise<LocationSummary[]> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return db
    .select(summaryColumns)
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(
      and(
        eq(locations.councilId, councilId),
        or(ilike(locations.name, pattern), eq(sql`upper(${locations.cqcLocationId})`, text.toUpperCase())),
      ),
    )
    .orderBy(asc(locations.name), asc(locations.id))
    .limit(limit)
}

/** An organisation's locations, active or not (an old offer may name one since closed). */
export async function organisationLocations(
  db: Queryable,
  councilId: number,
  providerOrganisationId: number,
): Promise<{ id: number; name: string; active: boolean }[]> {
  return db
    .select({ id: locations.id, name: locations.name, active: locations.active })
    .from(locations)
    .where(
      and(eq(locations.councilId, councilId), eq(locations.providerOrganisationId, providerOrganisationId)),
    )
    .orderBy(asc(locations.name), asc(locations.id))
}

/** Email addresses of the active provider users of each organisation. */
export async function providerUserEmailsByOrganisation(
  db: Queryable,
  councilId: number,
  organisationIds: readonly number[],
): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>()
  if (organisationIds.length === 0) return result
  const rows = await db
    .select({ organisationId: users.providerOrganisationId, email: users.email })
    .from(users)
    .where(
      and(
        eq(users.councilId, councilId),
        inArray(users.providerOrganisationId, [...organisationIds]),
        eq(users.role, 'provider_user'),
        eq(users.active, true),
      ),
    )
    .orderBy(asc(users.email))
  for (const row of rows) {
    if (row.organisationId === null) continue
    const list = result.get(row.organisationId) ?? []
    list.push(row.email)
    result.set(row.organisationId, list)
  }
  return result
}
