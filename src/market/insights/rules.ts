// Pure figures of the market insights dashboard: the month ends of a period, changes and shares.
import { addCalendarDays } from '../../brokerage/rules/index.ts'

/** The last day of each calendar month that ends inside the period, oldest first. */
function monthEnds(from: string, to: string): string[] {
  const ends: string[] = []
  let [year, month] = from.split('-').map(Number) as [number, number]
  for (;;) {
    const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`
    const end = addCalendarDays(next, -1)
    if (end > to) break
    ends.push(end)
    if (month === 12) {
      year += 1
      month = 1
    } else month += 1
  }
  return ends
}

/** The dates the hours trend is read at: each month end in the period, then the period's end. */
export function trendDates(from: string, to: string): string[] {
  const ends = monthEnds(from, to)
  return ends.at(-1) === to ? ends : [...ends, to]
}

/** The change from one figure to the next as a percentage; null when there is no earlier figure. */
export function percentChange(before: number | null, after: number): number | null {
  if (before === null || before === 0) return null
  return ((after - before) / before) * 100
}

/** A share as a percentage; null when there is nothing to share. */
export function percentage(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100
}

/** The days after publishing a request is counted as hard to serve if still without an award. */
export const DEFAULT_HARD_TO_SERVE_DAYS = 14
export const MAX_HARD_TO_SERVE_DAYS = 365
