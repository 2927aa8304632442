// Medians and percentiles, through d3-array: the one way Caremarket takes them in code. They
// interpolate between the ranks either side of p(n-1), as PostgreSQL's percentile_cont does, so a
// figure reads the same whether the database or the code took it.
import { median as d3Median, quantile } from 'd3-array'

/** The median of the values (the mean of the middle two of an even count); null when there are none. */
export function median(values: Iterable<number>): number | null {
  return d3Median(values) ?? null
}

/** The p-th percentile (0 to 100) of the values, interpolated; null when there are none. */
export function percentile(values: Iterable<number>, p: number): number | null {
  return quantile(values, p / 100) ?? null
}
