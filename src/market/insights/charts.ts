import type { TopLevelSpec } from 'vega-lite'
import type { HoursPoint, SourcingTimes } from './service.ts'

const oneDecimal = (n: number) => Math.round(n * 10) / 10

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
        axis: { format: '~g' },
      },
    },
  }
}

/** Median and 90th percentile days to source, side by side for each service type. */
export function timeToSourceChart(lines: readonly SourcingTimes[]): TopLevelSpec {
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
      y: { field: 'type', type: 'nominal', sort: null, title: 'Service type' },
      yOffset: { field: 'measure', type: 'nominal', sort: ['Median', '90th percentile'] },
      x: {
        field: 'days',
        type: 'quantitative',
        title: 'Days from submission to award',
        scale: { domainMin: 0, nice: true },
        axis: { format: '~g' },
      },
      color: {
        field: 'measure',
        type: 'nominal',
        sort: ['Median', '90th percentile'],
        title: 'Measure',
        legend: { orient: 'bottom' },
      },
    },
  }
}
