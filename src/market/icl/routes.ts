import type { FastifyPluginAsync } from 'fastify'
import type { SessionUser } from '../../accounts/service.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import { operation } from '../../web/api-schema.ts'
import { chartMarkup } from '../../web/charts.ts'
import { csvText } from '../../web/csv.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { dateParam, periodBoxes, typedPeriodValues } from '../period.ts'
import type { MarketServices } from '../services.ts'
import { hoursTrendChart, peopleTrendChart } from './charts.ts'
import { hoursPerWeek } from './rules.ts'
import { iclReportSchema, snapshotsSchema } from './schemas.ts'
import { type IclReport, periodSchema, snapshotPeriodSchema } from './service.ts'

/** Council staff who broker care or commission it; providers never see the list. */
const ICL_ROLES = ['broker', 'commissioner', 'council_admin'] as const

export const marketCapabilities: Capability[] = [
  {
    href: '/icl',
    label: 'Interim Care List',
    description: 'See who is waiting for care, the unfilled hours, and how the list has changed.',
    roles: ICL_ROLES,
  },
]

function periodQuery(query: unknown) {
  return {
    from: dateParam(query, 'from'),
    to: dateParam(query, 'to'),
    locality: field(query, 'locality').trim(),
  }
}

/** The boxes as the user typed them, to show back with the error. */
function typedValues(query: unknown): Record<string, string> {
  return { ...typedPeriodValues(query), locality: field(query, 'locality') }
}

function valuesOf(report: IclReport): Record<string, string> {
  return { ...periodBoxes(report), locality: report.locality ?? '' }
}

const oneDecimal = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10)

/** People shown a page: a large council has well over a thousand on its list, all in the CSV. */
export const ICL_PAGE_SIZE = 100

/** The page of the list asked for; one past the last shows the last. */
function listPage(query: unknown, people: number): number {
  const typed = field(query, 'page').trim()
  if (typed === '') return 1
  if (!/^\d{1,6}$/.test(typed) || Number(typed) < 1)
    throw new ValidationError([{ field: 'page', message: 'Page must be a whole number from 1' }])
  return Math.min(Number(typed), Math.max(1, Math.ceil(people / ICL_PAGE_SIZE)))
}

/** What the Interim Care List's pages and API are given: the services they call, nothing more. */
export interface IclRouteOptions {
  icl: Pick<MarketServices['icl'], 'iclReport' | 'snapshotsInPeriod'>
  /** The council's localities, for the filter. */
  localityNames(councilId: number): Promise<string[]>
}

export const marketRoutes: FastifyPluginAsync<IclRouteOptions> = async (app, { icl, localityNames }) => {
  app.get('/icl', { config: { access: ICL_ROLES } }, async (request, reply) => {
    const user = request.user as SessionUser
    try {
      const report = await icl.iclReport(user.councilId, periodQuery(request.query))
      const csvQuery = new URLSearchParams({
        from: report.from,
        to: report.to,
        ...(report.locality ? { locality: report.locality } : {}),
      })
      const people = report.entries.length
      const page = listPage(request.query, people)
      const first = (page - 1) * ICL_PAGE_SIZE
      const pageHref = (n: number) => `/icl?${csvQuery}&page=${n}#who-is-waiting`
      return reply.view('market/icl/views/icl.njk', {
        pageTitle: 'Interim Care List',
        report,
        pageEntries: report.entries.slice(first, first + ICL_PAGE_SIZE),
        listShown: { first: first + 1, last: Math.min(first + ICL_PAGE_SIZE, people), people },
        previousHref: page > 1 ? pageHref(page - 1) : null,
        nextHref: first + ICL_PAGE_SIZE < people ? pageHref(page + 1) : null,
        localities: report.localities,
        values: valuesOf(report),
        csvHref: `/icl.csv?${csvQuery}`,
        ...(await trendCharts(report)),
        hours: hoursPerWeek,
        oneDecimal,
        errorList: [],
        fieldErrors: {},
      })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply.code(400).view('market/icl/views/icl.njk', {
        pageTitle: 'Interim Care List',
        report: null,
        localities: await localityNames(user.councilId),
        values: typedValues(request.query),
        ...dateErrors(error.errors),
      })
    }
  })

  app.get('/icl.csv', { config: { access: ICL_ROLES } }, async (request, reply) => {
    const user = request.user as SessionUser
    const report = await icl.iclReport(user.councilId, periodQuery(request.query))
    const rows = report.entries.map((e) => [
      e.requestId,
      e.personName,
      e.daysWaiting,
      hoursPerWeek(e.unfilledMinutesPerWeek),
      e.locality,
      e.pcn,
      e.ageGroup,
      e.careType,
      e.inHospital ? 'yes' : 'no',
      e.handBackPackageId ?? '',
    ])
    const csv = csvText([
      [
        'request',
        'name',
        'days waiting',
        'unfilled hours a week',
        'locality',
        'PCN',
        'age group',
        'care type',
        'in hospital',
        'handed-back package',
      ],
      ...rows,
    ])
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="interim-care-list-${report.to}.csv"`)
      .send(csv)
  })

  app.get(
    '/api/v1/icl',
    {
      config: { access: ICL_ROLES },
      schema: operation({
        summary:
          'The Interim Care List: the headline figures and breakdowns at the end of a period (?from=&to=, YYYY-MM-DD, by default the 28 days to today), the people added and removed in it, and who is on the list; ?locality= for one locality',
        tags: ['market'],
        querystring: periodSchema,
        responses: { 200: iclReportSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const report = await icl.iclReport(user.councilId, periodQuery(request.query))
      return {
        from: report.from,
        to: report.to,
        locality: report.locality,
        at: report.at,
        people: report.people,
        unfilledMinutesPerWeek: report.unfilledMinutesPerWeek,
        unfilledHoursPerWeek: hoursPerWeek(report.unfilledMinutesPerWeek),
        meanDaysWaiting: report.meanDaysWaiting,
        medianDaysWaiting: report.medianDaysWaiting,
        added: report.added,
        removed: report.removed,
        breakdowns: report.breakdowns,
        entries: report.entries.map((e) => ({
          ...e,
          unfilledHoursPerWeek: hoursPerWeek(e.unfilledMinutesPerWeek),
        })),
      }
    },
  )

  app.get(
    '/api/v1/icl/snapshots',
    {
      config: { access: ICL_ROLES },
      schema: operation({
        summary:
          'The Interim Care List’s daily snapshots in a period (?from=&to=, YYYY-MM-DD, by default the 28 days to today), oldest first: each day’s figures at its end, its additions and removals, and its breakdowns',
        tags: ['market'],
        querystring: snapshotPeriodSchema,
        responses: { 200: snapshotsSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { from, to } = periodQuery(request.query)
      return icl.snapshotsInPeriod(user.councilId, { from, to })
    },
  )
}

/** The trend's two charts, or none before the first snapshot: the page says so instead. */
async function trendCharts(report: IclReport) {
  if (report.trend.length === 0) return {}
  const where = report.locality ? `, ${report.locality}` : ''
  return {
    peopleChart: await chartMarkup(peopleTrendChart(report.trend), {
      id: 'icl-people-trend',
      title: `Line chart of the people waiting at the end of each day${where}`,
    }),
    hoursChart: await chartMarkup(hoursTrendChart(report.trend), {
      id: 'icl-hours-trend',
      title: `Line chart of the unfilled home care hours a week at the end of each day${where}`,
    }),
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
