import type { TopLevelSpec } from 'vega-lite'
import { hoursPerWeek } from './rules.ts'
import type { SnapshotRow } from './service.ts'

/** The plot's height in pixels, without its axes: a figure of 0 is drawn this far down. */
export const TREND_CHART_HEIGHT = 220

/**
 * One figure of each daily snapshot as a line with a point per day. People and hours get a chart
 * each: on one chart with two axes, either line could be read against the wrong scale.
 */
function trendChart(points: { date: string; value: number }[], valueTitle: string): TopLevelSpec {
  return {
    width: 560,
    height: TREND_CHART_HEIGHT,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'date',
        type: 'temporal',
        // Snapshot dates are London calendar dates: read and shown as such, whatever the server's zone.
        timeUnit: 'utcyearmonthdate',
        title: 'Date',
        axis: {
          format: '%-d %b',
          labelAngle: 0,
          labelOverlap: true,
          tickCount: { interval: 'day', step: 1 },
        },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: valueTitle,
        scale: { domainMin: 0, nice: true },
        axis: { format: '~g', tickMinStep: 1 },
      },
    },
  }
}

/** People on the list at the end of each snapshot day. */
export function peopleTrendChart(trend: readonly SnapshotRow[]): TopLevelSpec {
  return trendChart(
    trend.map((s) => ({ date: s.date, value: s.people })),
    'People waiting',
  )
}

/** Unfilled hours a week at the end of each snapshot day, as the table rounds them. */
export function hoursTrendChart(trend: readonly SnapshotRow[]): TopLevelSpec {
  return trendChart(
    trend.map((s) => ({ date: s.date, value: hoursPerWeek(s.unfilledMinutesPerWeek) })),
    'Unfilled hours a week',
  )
}
