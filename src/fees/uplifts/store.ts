// What uplift modelling reads: the council's live book of packages (brokered through Caremarket and
// imported from its case system, each counted once) with their prices as periods, through
// brokerage's reporting views; and the uplifts the council applied, which are the fees domain's own.
import { and, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import type { BookPackage, PricePeriod } from './rules.ts'
import { feeUpliftApplications } from './schema.ts'

/** A package of the live book with what applying an uplift and writing to its provider need. */
export interface LivePackage extends BookPackage {
  source: 'brokered' | 'imported'
  id: number
  locationId: number
  providerOrganisationId: number
  prices: PricePeriod[]
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

/**
 * The council's packages in force on at least one day from `from` to `to` (ISO dates), each with
 * its price periods: a past year is costed at the prices in force then.
 */
export async function packagesInForce(
  db: Queryable,
  councilId: number,
  from: string,
  to: string,
): Promise<LivePackage[]> {
  const rows = rowsOf<{
    source: 'brokered' | 'imported'
    id: number
    service_type: string
    client_group: string | null
    start_date: string
    end_date: string | null
    weekly_cost_pence: number
    minutes_per_week: number | null
    location_id: number
    provider_organisation_id: number
    price_from: string
    price_to: string | null
    price_pence: number
  }>(
    await db.execute(sql`
      select p.source, p.id, p.service_type, p.client_group, p.start_date::text as start_date,
        p.end_date::text as end_date, p.weekly_cost_pence, p.minutes_per_week, p.location_id,
        p.provider_organisation_id, pp.effective_from::text as price_from,
        pp.effective_to::text as price_to, pp.weekly_cost_pence as price_pence
      from brokerage_care_packages p
      join brokerage_package_prices pp
        on pp.council_id = p.council_id and pp.source = p.source and pp.id = p.id
      where p.council_id = ${councilId}
        and p.start_date <= ${to}::date
        and (p.end_date is null or p.end_date >= ${from}::date)
      order by p.source, p.id, pp.effective_from`),
  )
  const packages: LivePackage[] = []
  for (const r of rows) {
    const last = packages.at(-1)
    const period = { from: r.price_from, to: r.price_to, weeklyCostPence: Number(r.price_pence) }
    if (last && last.source === r.source && last.id === Number(r.id)) {
      last.prices.push(period)
      continue
    }
    packages.push({
      source: r.source,
      id: Number(r.id),
      serviceType: r.service_type,
      clientGroup: r.client_group,
      startDate: r.start_date,
      endDate: r.end_date,
      weeklyCostPence: Number(r.weekly_cost_pence),
      minutesPerWeek: r.minutes_per_week === null ? null : Number(r.minutes_per_week),
      locationId: Number(r.location_id),
      providerOrganisationId: Number(r.provider_organisation_id),
      prices: [period],
    })
  }
  return packages
}

/** The register's names of locations and provider organisations, through its reporting views. */
export async function placeNames(
  db: Queryable,
  councilId: number,
): Promise<{ locations: Map<number, string>; organisations: Map<number, string> }> {
  const [locations, organisations] = [
    rowsOf<{ id: number; name: string }>(
      await db.execute(sql`select id, name from providers_location_facts where council_id = ${councilId}`),
    ),
    rowsOf<{ id: number; name: string }>(
      await db.execute(
        sql`select id, name from providers_organisation_facts where council_id = ${councilId}`,
      ),
    ),
  ]
  return {
    locations: new Map(locations.map((l) => [Number(l.id), l.name])),
    organisations: new Map(organisations.map((o) => [Number(o.id), o.name])),
  }
}

/** A price change an uplift made, with the package's facts for the finance CSV. */
export interface AppliedChange {
  source: 'brokered' | 'imported'
  packageId: number
  serviceType: string
  clientGroup: string | null
  locationId: number
  providerOrganisationId: number
  effectiveFrom: string
  previousWeeklyCostPence: number
  weeklyCostPence: number
}

/** The price changes made under one reference (fee-uplift/2027), by provider and package. */
export async function changesOf(
  db: Queryable,
  councilId: number,
  changeRef: string,
): Promise<AppliedChange[]> {
  const rows = rowsOf<{
    source: 'brokered' | 'imported'
    id: number
    service_type: string
    client_group: string | null
    location_id: number
    provider_organisation_id: number
    effective_from: string
    previous_weekly_cost_pence: number
    weekly_cost_pence: number
  }>(
    await db.execute(sql`
      select c.source, c.id, p.service_type, p.client_group, p.location_id, p.provider_organisation_id,
        c.effective_from::text as effective_from, c.previous_weekly_cost_pence, c.weekly_cost_pence
      from brokerage_package_price_changes c
      join brokerage_care_packages p on p.council_id = c.council_id and p.source = c.source and p.id = c.id
      where c.council_id = ${councilId} and c.change_ref = ${changeRef}
      order by p.provider_organisation_id, c.source, c.id`),
  )
  return rows.map((r) => ({
    source: r.source,
    packageId: Number(r.id),
    serviceType: r.service_type,
    clientGroup: r.client_group,
    locationId: Number(r.location_id),
    providerOrganisationId: Number(r.provider_organisation_id),
    effectiveFrom: r.effective_from,
    previousWeeklyCostPence: Number(r.previous_weekly_cost_pence),
    weeklyCostPence: Number(r.weekly_cost_pence),
  }))
}

export type UpliftApplicationRow = typeof feeUpliftApplications.$inferSelect

export async function applicationOf(
  db: Queryable,
  councilId: number,
  year: number,
): Promise<UpliftApplicationRow | null> {
  const [row] = await db
    .select()
    .from(feeUpliftApplications)
    .where(and(eq(feeUpliftApplications.councilId, councilId), eq(feeUpliftApplications.year, year)))
  return row ?? null
}
