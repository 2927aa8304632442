import type { TopLevelSpec } from 'vega-lite'
import type { HandBackFigures, HardToServeLine, HoursPoint, SourcingTimes } from './service.ts'

const oneDecimal = (n: number) => Math.round(n * 10) / 10

// Tick labels as plain numbers at the ticks' own precision: "100", never "1e+2" as '~g' gives.
const PLAIN = ',~f'

/** Home care hours a week at each month end of the period (and its last day), as the table rounds them. */
export function hoursTrendChart(trend: readonly HoursPoint[]): TopLevelSpec {
  return {
    width: 560,
    height: 220,
    data: { values: trend.map((p) => ({ date: p.date, hours: oneDecimal(p.hoursPerWeek) })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'date',
        type: 'temporal',
        // London calendar dates: read and shown as such, whatever the server's zone.
        timeUnit: 'utcyearmonthdate',
        title: 'Date',
        axis: { format: '%-d %b %Y', labelAngle: 0, labelOverlap: true },
      },
      y: {
        field: 'hours',
        type: 'quantitative',
        title: 'Hours a week',
        scale: { domainMin: 0, nice: true },
        axis: { format: PLAIN },
      },
    },
  }
}

/** Median and 90th percentile days to source, side by side for each service type (or locality). */
export function timeToSourceChart(
  lines: readonly Pick<SourcingTimes, 'label' | 'medianDays' | 'p90Days'>[],
  categoryTitle = 'Service type',
): TopLevelSpec {
  const values = lines.flatMap((l) => [
    { type: l.label, measure: 'Median', days: l.medianDays === null ? null : oneDecimal(l.medianDays) },
    { type: l.label, measure: '90th percentile', days: l.p90Days === null ? null : oneDecimal(l.p90Days) },
  ])
  return {
    width: 360,
    height: { step: 40 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'type', type: 'nominal', sort: null, title: categoryTitle },
      yOffset: { field: 'measure', type: 'nominal', sort: ['Median', '90th percentile'] },
      x: {
        field: 'days',
        type: 'quantitative',
        title: 'Days from submission to award',
        scale: { domainMin: 0, nice: true },
        axis: { format: PLAIN },
      },
      color: {
        field: 'measure',
        type: 'nominal',
        sort: ['Median', '90th percentile'],
        title: 'Measure',
        legend: { orient: 'bottom', labelLimit: 240 },
      },
    },
  }
}

/** The share of requests still unsourced after the days, one bar for each kind of area. */
export function hardToServeChart(lines: readonly HardToServeLine[], days: number): TopLevelSpec {
  const values = lines.map((l) => ({
    area: l.label,
    percent: l.percentUnsourced === null ? null : oneDecimal(l.percentUnsourced),
    label: l.percentUnsourced === null ? '' : `${oneDecimal(l.percentUnsourced).toLocaleString('en-GB')}%`,
  }))
  const y = { field: 'area', type: 'nominal', sort: null, title: 'Area' } as const
  const x = {
    field: 'percent',
    type: 'quantitative',
    title: `Requests unsourced after ${days} days (%)`,
    scale: { domainMin: 0, domainMax: 100 },
    axis: { format: PLAIN },
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

/** Packages handed back in each month of the period, one bar a month. */
export function handBacksByMonthChart(months: HandBackFigures['byMonth']): TopLevelSpec {
  return {
    width: 560,
    height: 200,
    data: { values: months.map((m) => ({ month: m.label, handBacks: m.handBacks })) },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'month',
        type: 'ordinal',
        sort: null,
        title: 'Month',
        axis: { labelAngle: 0, labelOverlap: true },
      },
      y: {
        field: 'handBacks',
        type: 'quantitative',
        title: 'Hand-backs',
        scale: { domainMin: 0, nice: true },
        axis: { format: 'd', tickMinStep: 1 },
      },
    },
  }
}
