// What uplift modelling reads: the council's live book of packages (brokered through Caremarket and
// imported from its case system, each counted once) through brokerage's reporting view.
import { sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import type { BookPackage } from './rules.ts'

/** The council's packages in force on at least one day from `from` to `to` (ISO dates). */
export async function packagesInForce(
  db: Queryable,
  councilId: number,
  from: string,
  to: string,
): Promise<BookPackage[]> {
  const result = await db.execute(sql`
    select p.service_type, p.client_group, p.start_date::text as start_date,
      p.end_date::text as end_date, p.weekly_cost_pence, p.minutes_per_week
    from brokerage_care_packages p
    where p.council_id = ${councilId}
      and p.start_date <= ${to}::date
      and (p.end_date is null or p.end_date >= ${from}::date)
    order by p.source, p.id`)
  const rows = (
    result as unknown as {
      rows: {
        service_type: string
        client_group: string | null
        start_date: string
        end_date: string | null
        weekly_cost_pence: number
        minutes_per_week: number | null
      }[]
    }
  ).rows
  return rows.map((r) => ({
    serviceType: r.service_type,
    clientGroup: r.client_group,
    startDate: r.start_date,
    endDate: r.end_date,
    weeklyCostPence: Number(r.weekly_cost_pence),
    minutesPerWeek: r.minutes_per_week === null ? null : Number(r.minutes_per_week),
  }))
}
