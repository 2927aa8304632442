import { and, asc, count, eq, ilike, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import { inIds } from '../db/conditions.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput } from '../errors.ts'
import { locate } from '../geography/service.ts'
import { naturalOrder } from '../shared/natural-order.ts'
import { locationAccreditations, locationCoverage, locations, providerOrganisations } from './schema.ts'

/** The last day of a council-accredited location's latest accreditation; null for CQC's locations. */
export const latestAccreditedTo = sql<string | null>`(select max(${locationAccreditations.accreditedTo})::text
  from ${locationAccreditations} where ${locationAccreditations.locationId} = ${locations.id})`

export type ProviderOrganisation = typeof providerOrganisations.$inferSelect
export type Location = typeof locations.$inferSelect

/** Whose register is being read: council staff see the council; a provider user only its organisation. */
export interface RegisterScope {
  councilId: number
  providerOrganisationId?: number | null
}

function scopeConditions(scope: RegisterScope) {
  const conditions = [eq(locations.councilId, scope.councilId)]
  if (scope.providerOrganisationId)
    conditions.push(eq(locations.providerOrganisationId, scope.providerOrganisationId))
  return conditions
}

export async function findOrganisationByCqcId(
  db: Queryable,
  councilId: number,
  cqcProviderId: string,
): Promise<ProviderOrganisation | undefined> {
  const [row] = await db
    .select()
    .from(providerOrganisations)
    .where(
      and(
        eq(providerOrganisations.councilId, councilId),
        eq(providerOrganisations.cqcProviderId, cqcProviderId),
      ),
    )
  return row
}

export async function getOrganisation(
  db: Queryable,
  councilId: number,
  organisationId: number,
): Promise<ProviderOrganisation> {
  const [row] = await db
    .select()
    .from(providerOrganisations)
    .where(and(eq(providerOrganisations.councilId, councilId), eq(providerOrganisations.id, organisationId)))
  if (!row) throw new NotFoundError('No such provider organisation')
  return row
}

export async function listLocations(
  db: Queryable,
  scope: RegisterScope,
  page: { offset: number; limit: number },
): Promise<{ rows: (Location & { providerName: string; accreditedTo: string | null })[]; total: number }> {
  const where = and(...scopeConditions(scope))
  const [totalRow] = await db.select({ total: count() }).from(locations).where(where)
  const rows = await db
    .select({
      location: locations,
      providerName: providerOrganisations.name,
      accreditedTo: latestAccreditedTo,
    })
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(where)
    .orderBy(asc(locations.name), asc(locations.id))
    .offset(page.offset)
    .limit(page.limit)
  return {
    rows: rows.map((r) => ({ ...r.location, providerName: r.providerName, accreditedTo: r.accreditedTo })),
    total: totalRow?.total ?? 0,
  }
}

/** One location, or NotFoundError when it is outside the caller's scope, so existence is not leaked. */
export async function getLocation(
  db: Queryable,
  scope: RegisterScope,
  locationId: number,
): Promise<Location & { providerName: string; cqcProviderId: string }> {
  const [row] = await db
    .select({
      location: locations,
      providerName: providerOrganisations.name,
      cqcProviderId: providerOrganisations.cqcProviderId,
    })
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(and(eq(locations.id, locationId), ...scopeConditions(scope)))
  if (!row) throw new NotFoundError('No such location')
  return { ...row.location, providerName: row.providerName, cqcProviderId: row.cqcProviderId }
}

const coordinatesSchema = z.object({
  latitude: z.coerce
    .number({ error: 'Enter the latitude as a number, like 52.63' })
    .min(49.8, { error: 'Latitude must be within England (49.8 to 55.9)' })
    .max(55.9, { error: 'Latitude must be within England (49.8 to 55.9)' }),
  longitude: z.coerce
    .number({ error: 'Enter the longitude as a number, like 1.29' })
    .min(-6.5, { error: 'Longitude must be within England (-6.5 to 1.8)' })
    .max(1.8, { error: 'Longitude must be within England (-6.5 to 1.8)' }),
})

/**
 * A commissioner places a location whose postcode cannot: by the rule, a known postcode or its
 * district still wins, so the coordinates entered are used only when neither places it.
 */
export async function setLocationCoordinates(
  db: Database,
  councilId: number,
  locationId: number,
  input: { latitude: unknown; longitude: unknown },
  actor: Actor,
): Promise<{ source: string | null; usedEnteredCoordinates: boolean }> {
  const value = parseInput(coordinatesSchema, input)
  return db.transaction(async (tx) => {
    const location = await getLocation(tx, { councilId }, locationId)
    const placement = await locate(tx, councilId, {
      postcode: location.postcode,
      latitude: value.latitude,
      longitude: value.longitude,
      coordinatesSource: 'manual',
    })
    await tx
      .update(locations)
      .set({
        latitude: placement.latitude,
        longitude: placement.longitude,
        geoSource: placement.source,
        localityId: placement.localityId,
        pcnAreaId: placement.pcnAreaId,
        updatedAt: new Date(),
      })
      .where(and(eq(locations.id, locationId), eq(locations.councilId, councilId)))
    await recordAudit(tx, actor, {
      councilId,
      action: 'location.coordinates_entered',
      entityType: 'location',
      entityId: locationId,
      details: { entered: value, placedBy: placement.source },
    })
    return { source: placement.source, usedEnteredCoordinates: placement.source === 'manual' }
  })
}

// ---- Reads for brokerage ----
// Brokerage reads the register for many locations at once (eligibility, shortlists, offer pages):
// each read is one query for all of them, never one per location.

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
  // One look-up of the district's locations (council, outcode index), not one per location; as
  // `= any(array(...))` it is an index condition on the primary key, which the planner can OR
  // with eligibility's position index, where `in (subquery)` would force a scan.
  return sql`${locations.id} = any(array(select ${locationCoverage.locationId} from ${locationCoverage}
    where ${locationCoverage.councilId} = ${councilId} and ${locationCoverage.outcode} = ${outcode}))`
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
    .where(and(eq(locations.councilId, councilId), inIds(locations.id, [...new Set(locationIds)])))
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

/** The council's provider organisations by name, in natural order ("Care 2" before "Care 10"). */
export async function organisationNames(
  db: Queryable,
  councilId: number,
): Promise<{ id: number; name: string }[]> {
  const rows = await db
    .select({ id: providerOrganisations.id, name: providerOrganisations.name })
    .from(providerOrganisations)
    .where(eq(providerOrganisations.councilId, councilId))
  return rows.sort((a, b) => naturalOrder.compare(a.name, b.name) || a.id - b.id)
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

/**
 * The council's locations by CQC location ID, active or not, for a file that names them (the
 * council's book of packages). IDs not in the register are missing from the map.
 */
export async function locationsByCqcId(
  db: Queryable,
  councilId: number,
  cqcLocationIds: readonly string[],
): Promise<Map<string, { id: number; providerOrganisationId: number; active: boolean }>> {
  if (cqcLocationIds.length === 0) return new Map()
  const rows = await db
    .select({
      id: locations.id,
      cqcLocationId: locations.cqcLocationId,
      providerOrganisationId: locations.providerOrganisationId,
      active: locations.active,
    })
    .from(locations)
    .where(
      and(
        eq(locations.councilId, councilId),
        sql`${locations.cqcLocationId} = any(${sql.param([...new Set(cqcLocationIds)])}::text[])`,
      ),
    )
  return new Map(rows.map(({ cqcLocationId, ...row }) => [cqcLocationId, row]))
}
