import type { TopLevelSpec } from 'vega-lite'
import type { SectorCostOfCare } from './rules.ts'

/**
 * Each sector's gap a year in £ million: the median cost less the average fee paid, times the
 * volume. A sector whose figures are suppressed, or without fees paid, keeps its place with no bar.
 */
export function gapChart(sectors: readonly SectorCostOfCare[]): TopLevelSpec {
  return {
    width: 420,
    height: { step: 28 },
    data: {
      values: sectors.map((s) => ({
        sector: s.label,
        gap: s.gap === null ? null : s.gap.annualPence / 100_000_000,
      })),
    },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'sector', type: 'nominal', sort: null, title: null, axis: { labelLimit: 220 } },
      x: { field: 'gap', type: 'quantitative', title: 'Gap a year (£ million)', scale: { nice: true } },
    },
  }
}
