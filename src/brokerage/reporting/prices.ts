// The price a package (a row of brokerage_care_packages) was paid on a date, for readers' SQL: the
// price period of brokerage_package_prices holding that day. brokerage_care_packages' own
// weekly_cost_pence is today's price; a figure for a past or future date reads this instead, so it
// stays the same after the price changes.
import { type SQL, sql } from 'drizzle-orm'

/** `alias`'s weekly price in pence on `date` (an ISO date), the package being in force then. */
export function weeklyCostOn(alias: string, date: string): SQL {
  const k = sql.raw(alias)
  return sql`(select pp.weekly_cost_pence from brokerage_package_prices pp
    where pp.council_id = ${k}.council_id and pp.source = ${k}.source and pp.id = ${k}.id
      and pp.effective_from <= ${date}::date
    order by pp.effective_from desc limit 1)`
}
