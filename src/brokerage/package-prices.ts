// Package prices as a history: a change of a package's weekly price from a date on (a fee uplift,
// for one). Brokerage owns the packages and so their prices; what changes them (the fees domain's
// uplift) calls this with its own transaction, and reads them back through brokerage's reporting
// views (brokerage_package_prices, brokerage_package_price_changes).
import { sql } from 'drizzle-orm'
import type { Transaction } from '../db/connection.ts'
import { packagePriceChanges } from './schema.ts'

export interface PackagePriceChange {
  source: 'brokered' | 'imported'
  packageId: number
  /** The first day of the new price (ISO date). */
  effectiveFrom: string
  weeklyCostPence: number
  /** The price it replaces: the one in force the day before. */
  previousWeeklyCostPence: number
}

/**
 * Records price changes, all in the caller's transaction. `changeRef` names what made them, so
 * they can be listed together. A package holds one price a day: a change on a day that already has
 * one (the book loaded that day) takes its place, keeping the price it replaced.
 */
export async function recordPackagePriceChanges(
  tx: Transaction,
  councilId: number,
  changes: readonly PackagePriceChange[],
  made: { reason: string; changeRef: string; by: string },
): Promise<number> {
  const chunk = 1000
  for (let i = 0; i < changes.length; i += chunk)
    await tx
      .insert(packagePriceChanges)
      .values(
        changes.slice(i, i + chunk).map((c) => ({
          councilId,
          source: c.source,
          packageId: c.packageId,
          effectiveFrom: c.effectiveFrom,
          weeklyCostPence: c.weeklyCostPence,
          previousWeeklyCostPence: c.previousWeeklyCostPence,
          reason: made.reason,
          changeRef: made.changeRef,
          createdBy: made.by,
        })),
      )
      .onConflictDoUpdate({
        target: [
          packagePriceChanges.councilId,
          packagePriceChanges.source,
          packagePriceChanges.packageId,
          packagePriceChanges.effectiveFrom,
        ],
        set: {
          weeklyCostPence: sql`excluded.weekly_cost_pence`,
          reason: sql`excluded.reason`,
          changeRef: sql`excluded.change_ref`,
          createdBy: sql`excluded.created_by`,
          createdAt: sql`now()`,
        },
      })
  return changes.length
}
