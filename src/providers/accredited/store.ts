// SQL of the council's own accreditations: its organisations and services on the register (the
// rows whose regulator is the council), their accreditation periods and the imports' reports.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import { accreditationImports, locationAccreditations, locations, providerOrganisations } from '../schema.ts'

// Any fixed number: with the council's ID it names the lock that serialises the council's
// accreditation changes, so two never issue the same ID or import over each other.
const ACCREDITATION_LOCK_KEY = 7_240_302

export async function lockAccreditations(tx: Queryable, councilId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ACCREDITATION_LOCK_KEY}, ${councilId})`)
}

export type OrganisationRow = Pick<
  typeof providerOrganisations.$inferSelect,
  'id' | 'cqcProviderId' | 'name' | 'regulator'
>

const organisationColumns = {
  id: providerOrganisations.id,
  cqcProviderId: providerOrganisations.cqcProviderId,
  name: providerOrganisations.name,
  regulator: providerOrganisations.regulator,
}

/** The council's own organisations (and any other with one of the IDs), in one query. */
export function councilOrganisations(db: Queryable, councilId: number): Promise<OrganisationRow[]> {
  return db
    .select(organisationColumns)
    .from(providerOrganisations)
    .where(
      and(eq(providerOrganisations.councilId, councilId), eq(providerOrganisations.regulator, 'council')),
    )
}

export async function insertOrganisation(
  db: Queryable,
  councilId: number,
  values: { id: string; name: string },
): Promise<OrganisationRow> {
  const [row] = await db
    .insert(providerOrganisations)
    .values({ councilId, cqcProviderId: values.id, name: values.name, regulator: 'council' })
    .returning(organisationColumns)
  return row as OrganisationRow
}

export async function renameOrganisation(db: Queryable, id: number, name: string): Promise<void> {
  await db
    .update(providerOrganisations)
    .set({ name, updatedAt: new Date() })
    .where(eq(providerOrganisations.id, id))
}

export type CouncilLocationRow = typeof locations.$inferSelect

/** The council's own services on the register, active or not. */
export function councilLocations(db: Queryable, councilId: number): Promise<CouncilLocationRow[]> {
  return db
    .select()
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.regulator, 'council')))
    .orderBy(asc(locations.id))
}

export type LocationValues = Omit<typeof locations.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>

export async function insertLocation(db: Queryable, values: LocationValues): Promise<number> {
  const [row] = await db.insert(locations).values(values).returning({ id: locations.id })
  return (row as { id: number }).id
}

export async function updateLocation(
  db: Queryable,
  councilId: number,
  id: number,
  values: Partial<LocationValues>,
): Promise<void> {
  await db
    .update(locations)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(locations.councilId, councilId), eq(locations.id, id)))
}

/** Ends the services: off the active register, never deleted. Returns those ended. */
export async function endLocations(
  db: Queryable,
  councilId: number,
  ids: readonly number[],
): Promise<number> {
  if (ids.length === 0) return 0
  const rows = await db
    .update(locations)
    .set({ active: false, deactivatedAt: new Date(), updatedAt: new Date() })
    .where(
      and(
        eq(locations.councilId, councilId),
        eq(locations.regulator, 'council'),
        eq(locations.active, true),
        inArray(locations.id, [...ids]),
      ),
    )
    .returning({ id: locations.id })
  return rows.length
}

export type AccreditationRow = typeof locationAccreditations.$inferSelect

/** Every accreditation of the council's own services, latest first. */
export function councilAccreditations(db: Queryable, councilId: number): Promise<AccreditationRow[]> {
  return db
    .select()
    .from(locationAccreditations)
    .where(eq(locationAccreditations.councilId, councilId))
    .orderBy(desc(locationAccreditations.accreditedFrom))
}

export function accreditationsOfLocation(
  db: Queryable,
  councilId: number,
  locationId: number,
): Promise<AccreditationRow[]> {
  return db
    .select()
    .from(locationAccreditations)
    .where(
      and(eq(locationAccreditations.councilId, councilId), eq(locationAccreditations.locationId, locationId)),
    )
    .orderBy(desc(locationAccreditations.accreditedFrom))
}

/** Records a period, or changes the one that starts on the same day. */
export async function upsertAccreditation(
  db: Queryable,
  values: Omit<typeof locationAccreditations.$inferInsert, 'id' | 'recordedAt'>,
): Promise<void> {
  await db
    .insert(locationAccreditations)
    .values(values)
    .onConflictDoUpdate({
      target: [locationAccreditations.locationId, locationAccreditations.accreditedFrom],
      set: {
        criteriaMet: values.criteriaMet,
        accreditedTo: values.accreditedTo,
        accreditedBy: values.accreditedBy,
        recordedBy: values.recordedBy,
        recordedAt: new Date(),
      },
    })
}

export type AccreditationImportRow = typeof accreditationImports.$inferSelect

export async function insertImport(
  db: Queryable,
  values: Omit<typeof accreditationImports.$inferInsert, 'id' | 'importedAt'>,
): Promise<AccreditationImportRow> {
  const [row] = await db.insert(accreditationImports).values(values).returning()
  return row as AccreditationImportRow
}

export async function importById(
  db: Queryable,
  councilId: number,
  id: number,
): Promise<AccreditationImportRow | undefined> {
  const [row] = await db
    .select()
    .from(accreditationImports)
    .where(and(eq(accreditationImports.councilId, councilId), eq(accreditationImports.id, id)))
  return row
}
