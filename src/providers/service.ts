import { and, asc, count, eq } from 'drizzle-orm'
import type { Queryable } from '../db/connection.ts'
import { NotFoundError } from '../errors.ts'
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
