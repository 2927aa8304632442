import type { TopLevelSpec } from 'vega-lite'

/** Restrictions in force, one bar for each kind, in the table's order. */
export function restrictionsChart(lines: readonly { label: string; count: number }[]): TopLevelSpec {
  return {
    width: 360,
    height: { step: 32 },
    data: { values: lines.map((l) => ({ kind: l.label, count: l.count })) },
    mark: { type: 'bar', height: { band: 0.7 } },
    encoding: {
      y: { field: 'kind', type: 'nominal', sort: null, title: null },
      x: {
        field: 'count',
        type: 'quantitative',
        title: 'Restrictions in force',
        scale: { domainMin: 0, nice: true },
        axis: { format: 'd', tickMinStep: 1 },
      },
    },
  }
}
