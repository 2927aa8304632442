import type { TopLevelSpec } from 'vega-lite'
import type { UpliftModel } from './rules.ts'

/**
 * Each sector's annual cost in £ million, a bar for before and one for each scenario after, in the
 * table's order; the legend names the bars, and their shades differ in lightness too.
 */
export function upliftChart(models: readonly UpliftModel[], names: readonly string[]): TopLevelSpec {
  const first = models[0] as UpliftModel
  const values = first.sectors.flatMap((s, i) => [
    { sector: s.label, series: 'Before', cost: s.annualCostBeforePence / 100_000_000 },
    ...models.map((m, j) => ({
      sector: s.label,
      series: `After: ${names[j]}`,
      cost: (m.sectors[i]?.annualCostAfterPence ?? 0) / 100_000_000,
    })),
  ])
  const series = ['Before', ...names.map((n) => `After: ${n}`)]
  return {
    width: 420,
    height: { step: 14 },
    data: { values },
    mark: { type: 'bar', height: { band: 0.8 } },
    encoding: {
      y: { field: 'sector', type: 'nominal', sort: null, title: null, axis: { labelLimit: 220 } },
      yOffset: { field: 'series', type: 'nominal', sort: series },
      x: {
        field: 'cost',
        type: 'quantitative',
        title: 'Annual cost (£ million)',
        scale: { domainMin: 0, nice: true },
      },
      color: {
        field: 'series',
        type: 'nominal',
        sort: series,
        title: null,
        legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 },
        scale: { domain: series, range: ['#b1b4b6', '#1d70b8', '#003078', '#00703c'] },
      },
    },
  }
}
