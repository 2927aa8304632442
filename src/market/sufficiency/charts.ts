import type { TopLevelSpec } from 'vega-lite'
import { PLACEMENT_TYPE_LABELS, PLACEMENT_TYPES, RATING_LABELS, RATINGS } from './rules.ts'
import type { SufficiencyRow } from './service.ts'

/** GOV.UK tag fills, so the chart reads like the tags in its table; each cell also names its rating. */
const RATING_FILLS = ['#cce2d8', '#fff7bf', '#f4cdc6', '#e5e6e7']

/** A grid of PCN areas by placement type, each cell coloured and labelled with its rating. */
export function sufficiencyHeatmap(rows: SufficiencyRow[]): TopLevelSpec {
  const values = rows.flatMap((row) =>
    row.cells.map((cell) => ({
      area: row.pcnArea,
      type: PLACEMENT_TYPE_LABELS[cell.placementType],
      rating: RATING_LABELS[cell.rating],
    })),
  )
  const x = {
    field: 'type',
    type: 'nominal',
    sort: PLACEMENT_TYPES.map((t) => PLACEMENT_TYPE_LABELS[t]),
    title: 'Placement type',
    // Long placement names wrap onto a line per word rather than being cut short.
    axis: { orient: 'bottom', labelAngle: 0, labelExpr: "split(datum.label, ' ')", labelLimit: 140 },
  } as const
  const y = {
    field: 'area',
    type: 'nominal',
    sort: rows.map((r) => r.pcnArea),
    // The rows are the PCN areas the table names; an axis title would sit over the long names.
    title: null,
  } as const
  return {
    width: { step: 150 },
    height: { step: 32 },
    data: { values },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: {
            field: 'rating',
            type: 'nominal',
            // Every cell names its rating, so a legend would only repeat it.
            legend: null,
            scale: { domain: RATINGS.map((r) => RATING_LABELS[r]), range: RATING_FILLS },
          },
        },
      },
      { mark: { type: 'text', fontSize: 13 }, encoding: { x, y, text: { field: 'rating' } } },
    ],
  }
}
