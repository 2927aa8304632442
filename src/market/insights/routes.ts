import type { FastifyPluginAsync } from 'fastify'
import type { SessionUser } from '../../accounts/service.ts'
import { REQUEST_SERVICE_TYPE_LABELS, REQUEST_SERVICE_TYPES } from '../../brokerage/rules/index.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import type { GeographyServices } from '../../geography/services.ts'
import { availabilityByLocalityChart } from '../../providers/capacity/charts.ts'
import { formatPounds } from '../../shared/money.ts'
import { operation } from '../../web/api-schema.ts'
import { chartMarkup } from '../../web/charts.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { dateParam, periodBoxes, typedPeriodValues } from '../period.ts'
import { renderMarketReportHtml } from '../report/render.ts'
import type { MarketServices } from '../services.ts'
import { handBacksByMonthChart, hardToServeChart, hoursTrendChart, timeToSourceChart } from './charts.ts'
import { insightsCsv } from './csv.ts'
import { insightsReportSchema } from './schemas.ts'
import { type InsightsReport, insightsSchema } from './service.ts'

/** Commissioners and admins; brokers too, read-only like everything here: it holds no personal data. */
const INSIGHTS_ROLES = ['broker', 'commissioner', 'council_admin'] as const

export const insightsCapabilities: Capability[] = [
  {
    href: '/insights',
    section: 'market',
    label: 'Market insights',
    description:
      'See how the market responds: offers per request, time to source, requests hard to serve, home care hours, care home beds available, prices and quality.',
    roles: INSIGHTS_ROLES,
  },
]

const SERVICE_TYPE_OPTIONS = REQUEST_SERVICE_TYPES.map((t) => ({
  value: t,
  text: REQUEST_SERVICE_TYPE_LABELS[t],
}))

function filtersOf(query: unknown) {
  return {
    from: dateParam(query, 'from'),
    to: dateParam(query, 'to'),
    serviceType: field(query, 'serviceType').trim(),
    locality: field(query, 'locality').trim(),
    hardToServeDays: field(query, 'hardToServeDays').trim(),
  }
}

/** The filters of a report as a query string, for its CSV and API addresses. */
function filtersQuery(report: InsightsReport): string {
  return new URLSearchParams({
    from: report.from,
    to: report.to,
    ...(report.serviceType ? { serviceType: report.serviceType } : {}),
    ...(report.locality ? { locality: report.locality } : {}),
    hardToServeDays: String(report.hardToServeDays),
  }).toString()
}

/** The boxes as the user typed them, to show back with the error. */
function typedValues(query: unknown): Record<string, string> {
  return {
    ...typedPeriodValues(query),
    serviceType: field(query, 'serviceType'),
    locality: field(query, 'locality'),
    hardToServeDays: field(query, 'hardToServeDays'),
  }
}

function valuesOf(report: InsightsReport): Record<string, string> {
  return {
    ...periodBoxes(report),
    serviceType: report.serviceType ?? '',
    locality: report.locality ?? '',
    hardToServeDays: String(report.hardToServeDays),
  }
}

const oneDecimal = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10)
/** A figure rounded to one decimal place, or what to say when there is none. */
const figure = (n: number | null, fallback: string, suffix = '') =>
  n === null ? fallback : `${(Math.round(n * 10) / 10).toLocaleString('en-GB')}${suffix}`
const pounds = (pence: number | null) => (pence === null ? null : formatPounds(pence))
/** A rate rounded to two decimal places (hand-backs per 1,000 hours are small), or what to say when there is none. */
const rate = (n: number | null, fallback: string) =>
  n === null ? fallback : (Math.round(n * 100) / 100).toLocaleString('en-GB')

/** What the insights dashboard, its CSV and API are given: the services they call, nothing more. */
export interface InsightsRouteOptions {
  insights: MarketServices['insights']
  marketReport: MarketServices['marketReport']
  geography: Pick<GeographyServices['geography'], 'listLocalities'>
}

export const insightsRoutes: FastifyPluginAsync<InsightsRouteOptions> = async (
  app,
  { insights, geography, marketReport },
) => {
  app.get('/insights', { config: { access: INSIGHTS_ROLES } }, async (request, reply) => {
    const user = request.user as SessionUser
    const common = {
      pageTitle: 'Market insights',
      serviceTypes: SERVICE_TYPE_OPTIONS,
      oneDecimal,
      figure,
      pounds,
      rate,
    }
    try {
      const report = await insights.insightsReport(user.councilId, filtersOf(request.query))
      return reply.view('market/insights/views/insights.njk', {
        ...common,
        report,
        localities: report.localities,
        values: valuesOf(report),
        ...(await charts(report)),
        reportHref: `/insights/report.html?from=${report.from}&to=${report.to}`,
        csvHref: `/insights.csv?${filtersQuery(report)}`,
        errorList: [],
        fieldErrors: {},
      })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply.code(400).view('market/insights/views/insights.njk', {
        ...common,
        report: null,
        localities: (await geography.listLocalities(user.councilId)).map((l) => l.name),
        values: typedValues(request.query),
        ...dateErrors(error.errors),
      })
    }
  })

  app.get('/insights.csv', { config: { access: INSIGHTS_ROLES } }, async (request, reply) => {
    const user = request.user as SessionUser
    const report = await insights.insightsReport(user.councilId, filtersOf(request.query))
    const where = report.locality ? `-${report.locality.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : ''
    const what = report.serviceType ? `-${report.serviceType.replace(/_/g, '-')}` : ''
    return reply
      .type('text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="market-insights${what}${where}-${report.from}-to-${report.to}.csv"`,
      )
      .send(insightsCsv(report))
  })

  app.get(
    '/api/v1/insights',
    {
      config: { access: INSIGHTS_ROLES },
      schema: operation({
        summary:
          'Market insights for a period: response rate, time to source by service type and locality, requests hard to serve (rural and urban), home care hours, % of care home beds available by bed type and locality, accepted prices and the quality mix',
        description:
          'Query parameters, all optional: from and to (YYYY-MM-DD; by default the six months to today), serviceType (one of the request service types), locality (a locality name), hardToServeDays (1 to 365, by default 14). A bad value answers 400 with the field at fault.',
        tags: ['market'],
        querystring: insightsSchema,
        responses: { 200: insightsReportSchema },
        errors: [],
      }),
    },
    async (request) =>
      insights.insightsReport((request.user as SessionUser).councilId, filtersOf(request.query)),
  )

  // The committee report of the dashboard's period, for the whole council, as one standalone file.
  app.get('/insights/report.html', { config: { access: INSIGHTS_ROLES } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { from, to } = filtersOf(request.query)
    const council = { id: user.councilId, code: user.councilCode, name: user.councilName }
    try {
      const feesYear = field(request.query, 'feesYear') || undefined
      const report = await marketReport.marketReport(council, { from, to, feesYear })
      return reply
        .type('text/html; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="social-care-market-${council.code.toLowerCase()}-${report.from}-to-${report.to}.html"`,
        )
        .send(await renderMarketReportHtml(report))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply
        .code(400)
        .type('text/plain; charset=utf-8')
        .send(error.errors.map((e) => e.message).join('\n'))
    }
  })
}

async function charts(report: InsightsReport) {
  const suffix = report.locality ? `: ${report.locality}` : ''
  return {
    hoursChart: report.hours
      ? await chartMarkup(hoursTrendChart(report.hours.trend), {
          id: 'insights-hours-trend',
          title: `Line chart of the home care hours commissioned a week at each month end${suffix}`,
        })
      : null,
    sourcingChart:
      report.timeToSource.byServiceType.length > 0
        ? await chartMarkup(timeToSourceChart(report.timeToSource.byServiceType), {
            id: 'insights-time-to-source',
            title: `Bar chart of the median and 90th percentile days to source by service type${suffix}`,
          })
        : null,
    sourcingByLocalityChart:
      report.timeToSource.byLocality.length > 0
        ? await chartMarkup(timeToSourceChart(report.timeToSource.byLocality, 'Locality'), {
            id: 'insights-time-to-source-locality',
            title: 'Bar chart of the median and 90th percentile days to source by locality',
          })
        : null,
    hardToServeChart:
      report.hardToServe.total.requests > 0
        ? await chartMarkup(hardToServeChart(report.hardToServe.byArea, report.hardToServe.days), {
            id: 'insights-hard-to-serve',
            title: `Bar chart of the percentage of requests unsourced ${report.hardToServe.days} days after publishing, rural and urban${suffix}`,
          })
        : null,
    handBacksChart:
      report.handBacks.total > 0
        ? await chartMarkup(handBacksByMonthChart(report.handBacks.byMonth), {
            id: 'insights-hand-backs',
            title: `Bar chart of the packages handed back by providers in each month${suffix}`,
          })
        : null,
    bedsChart: report.beds?.localities.some((l) => l.percentAvailable !== null)
      ? await chartMarkup(availabilityByLocalityChart(report.beds.localities), {
          id: 'insights-beds',
          title: 'Bar chart of the percentage of care home beds available in each locality',
        })
      : null,
  }
}

/** Error summary links point at a date input's first box. */
function dateErrors(errors: FieldError[]) {
  const { errorList, fieldErrors } = formErrors(errors)
  return {
    errorList: errorList.map((e) =>
      e.href === '#from' || e.href === '#to' ? { ...e, href: `${e.href}-day` } : e,
    ),
    fieldErrors,
  }
}
