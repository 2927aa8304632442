// The committee report as one standalone HTML document: its own CSS, charts drawn inline as SVG,
// no scripts and nothing fetched, so it reads the same saved, emailed or printed.

import nunjucks from 'nunjucks'
import { upliftChart } from '../../fees/uplifts/charts.ts'
import type { SectorCost, UpliftModel } from '../../fees/uplifts/rules.ts'
import type { SavedScenarioModels } from '../../fees/uplifts/service.ts'
import { availabilityByLocalityChart } from '../../providers/capacity/charts.ts'
import { formatLondonDate } from '../../shared/dates.ts'
import { formatPounds, formatPoundsShort, formatRoundedPounds } from '../../shared/money.ts'
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

const percentText = (n: number | null) =>
  n === null ? '' : `${n.toLocaleString('en-GB', { maximumFractionDigits: 2 })}%`

/** A sector's uplift as the tables show it: "5%", or "2%, at least £24.00 an hour". */
function upliftText(cost: SectorCost): string {
  const rate = cost.newRate
  if (rate === null) return percentText(cost.upliftPercent)
  return `${percentText(cost.upliftPercent)}, at least ${formatPounds(rate.pence)} ${rate.unit === 'weekly' ? 'a week' : 'an hour'}`
}

/** Each sector's row and the total's, picked from a model. */
function lines(model: UpliftModel): SectorCost[] {
  return [...model.sectors, model.total]
}

/** The fees section's tables and chart: the saved scenarios side by side, the chosen one, the NLW's 1p. */
async function feesSection(fees: SavedScenarioModels) {
  if (fees.scenarios.length === 0) return null
  const models = fees.scenarios.map((s) => s.model)
  const names = fees.scenarios.map((s) => s.saved.name)
  const first = models[0] as UpliftModel
  const numeric = (text: string) => ({ text, format: 'numeric' })
  const sideBySide = lines(first).map((base, i) => [
    { text: base.label },
    numeric(formatRoundedPounds(base.annualCostBeforePence)),
    ...models.map((m) => numeric(formatRoundedPounds((lines(m)[i] as SectorCost).annualCostAfterPence))),
  ])
  sideBySide.push([
    { text: 'Increase' },
    numeric('–'),
    ...models.map((m) => numeric(formatRoundedPounds(m.total.increasePence))),
  ])
  const nlw = lines(first).map((base, i) => [
    { text: base.label },
    ...models.map((m) => {
      const pence = (lines(m)[i] as SectorCost).nlwPennyCostPence
      return numeric(pence === null ? 'No NLW given' : formatRoundedPounds(pence))
    }),
  ])
  const shown = fees.chosen ?? fees.scenarios[0]
  const model = (shown as { model: UpliftModel }).model
  const shownName = (shown as SavedScenarioModels['scenarios'][number]).saved.name
  const bySector = lines(model).map((line) => [
    { text: line.label },
    numeric(line.sector === 'total' ? '' : upliftText(line)),
    numeric(formatRoundedPounds(line.annualCostBeforePence)),
    numeric(formatRoundedPounds(line.annualCostAfterPence)),
    numeric(formatRoundedPounds(line.increasePence)),
  ])
  const total = model.total
  return {
    names,
    shownName,
    sideBySide,
    nlw,
    bySector,
    packages: first.total.packages,
    beforeText: formatRoundedPounds(first.total.annualCostBeforePence),
    chosen: fees.chosen && {
      ...fees.chosen.saved.chosen,
      name: fees.chosen.saved.name,
      afterText: formatRoundedPounds(total.annualCostAfterPence),
      increaseText: formatRoundedPounds(total.increasePence),
      increasePercent:
        total.annualCostBeforePence === 0
          ? null
          : figure((total.increasePence / total.annualCostBeforePence) * 100),
      nlwText: total.nlwPennyCostPence === null ? null : formatRoundedPounds(total.nlwPennyCostPence),
    },
    chart: await chartMarkup(upliftChart([model], [shownName]), {
      id: 'report-fees',
      title: `Bar chart of each sector’s annual cost in ${fees.label}, before and after the uplifts of “${shownName}”`,
    }),
  }
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
    fees: await feesSection(report.fees),
  })
  return html.trimStart()
}
