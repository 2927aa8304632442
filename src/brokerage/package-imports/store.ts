// SQL of the council's imported book of packages and its imports.
import { and, type Column, desc, eq, type SQL, sql } from 'drizzle-orm'
import type { Queryable, Transaction } from '../../db/connection.ts'
import { NotFoundError } from '../../errors.ts'
import { importedPackages, packageImports, packagePriceChanges } from '../schema.ts'

export type PackageImport = typeof packageImports.$inferSelect
type ImportedPackage = typeof importedPackages.$inferSelect

/** What an import writes of one package; the key columns and the figures. */
export type ImportedPackageValues = Pick<
  ImportedPackage,
  | 'personRef'
  | 'ageBand'
  | 'outcode'
  | 'localityId'
  | 'pcnAreaId'
  | 'clientGroup'
  | 'serviceType'
  | 'locationId'
  | 'providerOrganisationId'
  | 'weeklyCostPence'
  | 'minutesPerWeek'
  | 'startDate'
  | 'endDate'
  | 'funding'
>

export type StoredPackage = ImportedPackageValues & { id: number }

/** Rows written per statement; a batch is one JSON parameter, so there is no bind-parameter limit. */
const BATCH_SIZE = 1000

/** One import at a time per council: a second waits, rather than both adding the same packages. */
export async function lockCouncilBook(tx: Transaction, councilId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7240103, ${councilId})`)
}

/**
 * A package's price in force on `today`: its latest price change from then or before, else its own
 * price (package_price_changes; brokerage_package_prices reads the same).
 */
function priceOnSql(
  today: string,
  p: { councilId: SQL | Column; id: SQL | Column; weeklyCostPence: SQL | Column } = importedPackages,
) {
  return sql<number>`coalesce((select c.weekly_cost_pence from ${packagePriceChanges} c
    where c.council_id = ${p.councilId} and c.source = 'imported'
      and c.package_id = ${p.id} and c.effective_from <= ${today}::date
    order by c.effective_from desc limit 1), ${p.weeklyCostPence})`.mapWith(Number)
}

/**
 * Every imported package of the council, as an import compares them: at the price in force on
 * `today`, so a book that reports a price since changed (an uplift from 1 April) is unchanged.
 */
export async function councilBook(tx: Queryable, councilId: number, today: string): Promise<StoredPackage[]> {
  return tx
    .select({
      id: importedPackages.id,
      personRef: importedPackages.personRef,
      ageBand: importedPackages.ageBand,
      outcode: importedPackages.outcode,
      localityId: importedPackages.localityId,
      pcnAreaId: importedPackages.pcnAreaId,
      clientGroup: importedPackages.clientGroup,
      serviceType: importedPackages.serviceType,
      locationId: importedPackages.locationId,
      providerOrganisationId: importedPackages.providerOrganisationId,
      weeklyCostPence: priceOnSql(today),
      minutesPerWeek: importedPackages.minutesPerWeek,
      startDate: importedPackages.startDate,
      endDate: importedPackages.endDate,
      funding: importedPackages.funding,
    })
    .from(importedPackages)
    .where(eq(importedPackages.councilId, councilId))
}

const COLUMNS = sql.raw(
  [
    'person_ref text',
    'age_band text',
    'outcode text',
    'locality_id int',
    'pcn_area_id int',
    'client_group text',
    'service_type text',
    'location_id int',
    'provider_organisation_id int',
    'weekly_cost_pence int',
    'minutes_per_week int',
    'start_date date',
    'end_date date',
    'funding text',
  ].join(', '),
)

function jsonRow(row: ImportedPackageValues & { id?: number }) {
  return {
    id: row.id,
    person_ref: row.personRef,
    age_band: row.ageBand,
    outcode: row.outcode,
    locality_id: row.localityId,
    pcn_area_id: row.pcnAreaId,
    client_group: row.clientGroup,
    service_type: row.serviceType,
    location_id: row.locationId,
    provider_organisation_id: row.providerOrganisationId,
    weekly_cost_pence: row.weeklyCostPence,
    minutes_per_week: row.minutesPerWeek,
    start_date: row.startDate,
    end_date: row.endDate,
    funding: row.funding,
  }
}

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += BATCH_SIZE) out.push(rows.slice(i, i + BATCH_SIZE))
  return out
}

export async function insertPackages(
  tx: Transaction,
  councilId: number,
  importId: number,
  rows: readonly ImportedPackageValues[],
): Promise<void> {
  for (const batch of batches(rows))
    await tx.execute(sql`
      insert into imported_packages (council_id, import_id, person_ref, age_band, outcode, locality_id,
        pcn_area_id, client_group, service_type, location_id, provider_organisation_id, weekly_cost_pence,
        minutes_per_week, start_date, end_date, funding)
      select ${councilId}, ${importId}, v.person_ref, v.age_band, v.outcode, v.locality_id, v.pcn_area_id,
        v.client_group, v.service_type, v.location_id, v.provider_organisation_id, v.weekly_cost_pence,
        v.minutes_per_week, v.start_date, v.end_date, v.funding
      from jsonb_to_recordset(${JSON.stringify(batch.map(jsonRow))}::jsonb) as v(${COLUMNS})`)
}

/**
 * Writes the book's changes to its packages. A package whose price has a history (a fee uplift
 * changed it) keeps its past: a new price in the book is a price change from `today` (or its start,
 * if later), never a rewrite of its price from its start, so figures for past dates stay as they were.
 */
export async function updatePackages(
  tx: Transaction,
  councilId: number,
  importId: number,
  rows: readonly StoredPackage[],
  today: string,
  by: string,
): Promise<void> {
  for (const batch of batches(rows)) {
    const values = sql`jsonb_to_recordset(${JSON.stringify(batch.map(jsonRow))}::jsonb) as v(${COLUMNS}, id int)`
    const aliased = { councilId: sql`p.council_id`, id: sql`p.id`, weeklyCostPence: sql`p.weekly_cost_pence` }
    const history = sql`exists (select 1 from ${packagePriceChanges} h
      where h.council_id = p.council_id and h.source = 'imported' and h.package_id = p.id)`
    await tx.execute(sql`
      insert into ${packagePriceChanges} (council_id, source, package_id, effective_from,
        weekly_cost_pence, previous_weekly_cost_pence, reason, change_ref, created_by)
      select p.council_id, 'imported', p.id, greatest(${today}::date, p.start_date), v.weekly_cost_pence,
        ${priceOnSql(today, aliased)}, 'The council’s book of packages', ${`package-import/${importId}`}, ${by}
      from imported_packages p join ${values} on p.id = v.id
      where p.council_id = ${councilId} and ${history}
        and v.weekly_cost_pence <> ${priceOnSql(today, aliased)}
      on conflict (council_id, source, package_id, effective_from)
        do update set weekly_cost_pence = excluded.weekly_cost_pence`)
    await tx.execute(sql`
      update imported_packages as p set person_ref = v.person_ref, age_band = v.age_band,
        outcode = v.outcode, locality_id = v.locality_id, pcn_area_id = v.pcn_area_id,
        client_group = v.client_group, provider_organisation_id = v.provider_organisation_id,
        weekly_cost_pence = case when ${history} then p.weekly_cost_pence else v.weekly_cost_pence end,
        minutes_per_week = v.minutes_per_week,
        end_date = v.end_date, funding = v.funding, import_id = ${importId}, updated_at = now()
      from ${values}
      where p.id = v.id and p.council_id = ${councilId}`)
  }
}

export async function recordImport(
  db: Queryable,
  values: Omit<typeof packageImports.$inferInsert, 'id' | 'finishedAt'>,
): Promise<number> {
  const [row] = await db.insert(packageImports).values(values).returning({ id: packageImports.id })
  if (!row) throw new Error('the import was not recorded')
  return row.id
}

export async function setImportCounts(
  tx: Transaction,
  importId: number,
  counts: { added: number; updated: number; unchanged: number; ended: number },
): Promise<void> {
  await tx.update(packageImports).set(counts).where(eq(packageImports.id, importId))
}

/** One import of the council; NotFoundError for another council's, so its existence is not revealed. */
export async function getPackageImport(
  db: Queryable,
  councilId: number,
  importId: number,
): Promise<PackageImport> {
  const [row] = await db
    .select()
    .from(packageImports)
    .where(and(eq(packageImports.councilId, councilId), eq(packageImports.id, importId)))
  if (!row) throw new NotFoundError('No such import')
  return row
}

/** The council's imports, newest first. */
export async function listPackageImports(
  db: Queryable,
  councilId: number,
  options: { limit: number },
): Promise<PackageImport[]> {
  return db
    .select()
    .from(packageImports)
    .where(eq(packageImports.councilId, councilId))
    .orderBy(desc(packageImports.finishedAt), desc(packageImports.id))
    .limit(options.limit)
}
