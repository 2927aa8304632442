// The committee report as one standalone HTML document: its own CSS, charts drawn inline as SVG,
// no scripts and nothing fetched, so it reads the same saved, emailed or printed.

import nunjucks from 'nunjucks'
import { availabilityByLocalityChart } from '../../providers/capacity/charts.ts'
import { formatLondonDate } from '../../shared/dates.ts'
import { formatPoundsShort } from '../../shared/money.ts'
import { chartMarkup } from '../../web/charts.ts'
import { formatted, govukFrontendDir, sourceDir } from '../../web/views.ts'
import { peopleTrendChart } from '../icl/charts.ts'
import { hoursPerWeek } from '../icl/rules.ts'
import { hoursTrendChart } from '../insights/charts.ts'
import { trendDates } from '../insights/rules.ts'
import { restrictionsChart } from './charts.ts'
import type { MarketReport } from './service.ts'

// Its own environment: the app's is made per Fastify instance, and the CLI has none.
const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader([govukFrontendDir, sourceDir]), {
  autoescape: true,
})
environment.addFilter('londonDate', (value: Date | string | null | undefined) =>
  formatted(formatLondonDate, value),
)
environment.addFilter('number', (value: number | null | undefined) =>
  value == null ? '' : value.toLocaleString('en-GB'),
)

/** A figure to one decimal place, or what to say when there is none. */
const figure = (n: number | null | undefined, fallback = 'none', suffix = '') =>
  n == null ? fallback : `${(Math.round(n * 10) / 10).toLocaleString('en-GB')}${suffix}`

/** Pounds, without pence when there are none; "−£5" below nothing (a gap where the council pays more). */
const money = (pence: number | null | undefined) =>
  pence == null ? null : pence < 0 ? `−${formatPoundsShort(-pence)}` : formatPoundsShort(pence)

/** A long trend's table keeps each month end and the last day; the chart keeps every day. */
function tableDays<T extends { date: string }>(rows: readonly T[], from: string, to: string): T[] {
  if (rows.length <= 31) return [...rows]
  const wanted = new Set(trendDates(from, to))
  return rows.filter((r, i) => wanted.has(r.date) || i === rows.length - 1)
}

export async function renderMarketReportHtml(report: MarketReport): Promise<string> {
  const { insights, capacity, icl } = report
  const restrictionsInForce = insights.quality.restrictions.reduce((sum, r) => sum + r.count, 0)
  const charts = {
    hours: insights.hours
      ? await chartMarkup(hoursTrendChart(insights.hours.trend), {
          id: 'report-hours',
          title: 'Line chart of the home care hours commissioned a week at each month end',
        })
      : null,
    beds:
      capacity.beds.localities.length > 0
        ? await chartMarkup(availabilityByLocalityChart(capacity.beds.localities), {
            id: 'report-beds',
            title: 'Bar chart of the percentage of care home beds available in each locality',
          })
        : null,
    icl:
      icl.trend.length > 0
        ? await chartMarkup(peopleTrendChart(icl.trend), {
            id: 'report-icl',
            title: 'Line chart of the people on the Interim Care List at the end of each day',
          })
        : null,
    restrictions:
      restrictionsInForce > 0
        ? await chartMarkup(restrictionsChart(insights.quality.restrictions), {
            id: 'report-restrictions',
            title: 'Bar chart of the restrictions in force by kind',
          })
        : null,
  }
  const html = environment.render('market/report/views/market-report.njk', {
    report,
    charts,
    figure,
    money,
    hoursPerWeek,
    restrictionsInForce,
    iclTableRows: tableDays(icl.trend, report.from, report.to),
  })
  return html.trimStart()
}
