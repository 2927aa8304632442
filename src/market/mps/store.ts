// What the key data is computed from: the council's active packages (brokered and from its own
// book) and active register locations, read through brokerage's and providers' reporting views with
// nothing personal but a key.
import { sql } from 'drizzle-orm'
import { weeklyCostOn } from '../../brokerage/reporting/prices.ts'
import type { Queryable } from '../../db/connection.ts'
import type { LocationFact, PackageFact } from './rules.ts'
import type { KeyDataRowDefinition } from './sectors.ts'

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

/**
 * Packages active on `today` (started, and not ended before it), with their request's client group:
 * those of the rows' service types and client groups only, for a sector's page reads its own.
 */
export async function activePackages(
  db: Queryable,
  councilId: number,
  today: string,
  rows: readonly KeyDataRowDefinition[],
): Promise<PackageFact[]> {
  const serviceTypes = [...new Set(rows.flatMap((r) => r.requestServiceTypes))]
  const clientGroups = [...new Set(rows.map((r) => r.clientGroup))]
  const list = (values: readonly string[]) =>
    sql.join(
      values.map((v) => sql`${v}`),
      sql`, `,
    )
  const found = rowsOf<{
    person_key: string
    source: string
    service_type: string
    client_group: string | null
    weekly_cost_pence: number
  }>(
    await db.execute(sql`
      select p.person_key, p.source, p.service_type, p.client_group,
        ${weeklyCostOn('p', today)} as weekly_cost_pence
      from brokerage_care_packages p
      where p.council_id = ${councilId}
        and p.start_date <= ${today}::date
        and (p.end_date is null or p.end_date >= ${today}::date)
        and p.service_type in (${list(serviceTypes)})
        and p.client_group in (${list(clientGroups)})`),
  )
  return found.map((r) => ({
    personKey: r.person_key,
    brokered: r.source === 'brokered',
    serviceType: r.service_type,
    clientGroup: r.client_group,
    weeklyCostPence: Number(r.weekly_cost_pence),
  }))
}

/** The council's active register locations with what the key data counts. */
export async function activeLocations(db: Queryable, councilId: number): Promise<LocationFact[]> {
  const rows = rowsOf<{
    id: number
    service_types: string[]
    client_groups: string[]
    registered_beds: number | null
  }>(
    await db.execute(sql`
      select id, service_types, client_groups, registered_beds
      from providers_location_facts
      where council_id = ${councilId} and active`),
  )
  return rows.map((r) => ({
    id: Number(r.id),
    serviceTypes: r.service_types,
    clientGroups: r.client_groups,
    registeredBeds: r.registered_beds === null ? null : Number(r.registered_beds),
  }))
}

/** When the council last loaded its own book of packages; null if it never has. */
export async function bookLoadedAt(db: Queryable, councilId: number): Promise<Date | null> {
  const [row] = rowsOf<{ at: Date | string | null }>(
    await db.execute(sql`
      select max(finished_at) as at from brokerage_package_import_facts where council_id = ${councilId}`),
  )
  return row?.at ? new Date(row.at) : null
}
