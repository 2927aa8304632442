import type { TopLevelSpec } from 'vega-lite'
import type { Availability } from './rules.ts'

interface Share {
  category: string
  percent: number | null
}

/** Horizontal bars of a percentage per category, in the table's order, each labelled with its figure. */
function shareChart(shares: Share[], categoryTitle: string): TopLevelSpec {
  const values = shares.map((s) => ({
    ...s,
    label: s.percent === null ? '' : `${s.percent.toLocaleString('en-GB')}%`,
  }))
  const y = {
    field: 'category',
    type: 'nominal',
    sort: null,
    title: categoryTitle,
    axis: { titleAngle: 0, titleAlign: 'right', titleY: -8, titleX: -8, labelPadding: 8 },
  } as const
  const x = {
    field: 'percent',
    type: 'quantitative',
    title: 'Beds available (%)',
    scale: { domainMin: 0, nice: true },
    // Whole numbers on the axis when they will do: "2", not "2.0".
    axis: { format: '~g' },
  } as const
  return {
    width: 360,
    height: { step: 32 },
    data: { values },
    layer: [
      { mark: { type: 'bar', height: { band: 0.7 } }, encoding: { y, x } },
      { mark: { type: 'text', align: 'left', dx: 6 }, encoding: { y, x, text: { field: 'label' } } },
    ],
  }
}

/** % of care home beds available in each locality. */
export function availabilityByLocalityChart(localities: Availability[]): TopLevelSpec {
  return shareChart(
    localities.map((l) => ({ category: l.locality, percent: l.percentAvailable })),
    'Locality',
  )
}

/** % of one locality's registered beds available, by bed type. */
export function availabilityByBedTypeChart(availability: Availability): TopLevelSpec {
  return shareChart(
    availability.byBedType.map((t) => ({ category: t.label, percent: t.percentAvailable })),
    'Bed type',
  )
}
