import { and, asc, count, eq } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput } from '../errors.ts'
import { locate } from '../geography/service.ts'
import { locations, providerOrganisations } from './schema.ts'

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
): Promise<{ rows: (Location & { providerName: string })[]; total: number }> {
  const where = and(...scopeConditions(scope))
  const [totalRow] = await db.select({ total: count() }).from(locations).where(where)
  const rows = await db
    .select({ location: locations, providerName: providerOrganisations.name })
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(where)
    .orderBy(asc(locations.name), asc(locations.id))
    .offset(page.offset)
    .limit(page.limit)
  return {
    rows: rows.map((r) => ({ ...r.location, providerName: r.providerName })),
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

export const coordinatesSchema = z.object({
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
