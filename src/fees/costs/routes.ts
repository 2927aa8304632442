// The cost of care for commissioners: /fees/cost-of-care/<year> in the Market Sustainability
// Plan's layout, with its CSV, the home care hourly price built up and set against the rate book,
// and GET /api/v1/fees/cost-of-care/{year}.
import type { FastifyPluginAsync } from 'fastify'
import type { SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput } from '../../errors.ts'
import { londonDate } from '../../shared/dates.ts'
import { formatPounds, formatPoundsInput, formatRoundedPounds, parsePounds } from '../../shared/money.ts'
import { operation } from '../../web/api-schema.ts'
import { chartMarkup } from '../../web/charts.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { CLIENT_GROUP_LABELS } from '../rates/rules.ts'
import type { FeesServices } from '../services.ts'
import { financialYear } from '../uplifts/rules.ts'
import { gapChart } from './charts.ts'
import {
  type Breakdown,
  type BreakdownInput,
  breakdownDefaults,
  buildHourlyPrice,
  MAX_LINE_PENCE,
  type Quartiles,
  UNIT_LABELS,
  withNewNlw,
} from './rules.ts'
import { costOfCareParams, costOfCareSchema } from './schemas.ts'
import { costOfCareCsv } from './service.ts'

const READERS = ['commissioner', 'council_admin'] as const

export const costOfCareCapabilities: Capability[] = [
  {
    href: '/fees/cost-of-care',
    section: 'market',
    label: 'Cost of care',
    description:
      'The cost of care from providers’ returns, by sector as the Market Sustainability Plan sets it out, the gap to the fees the council pays, and the home care hourly price built up.',
    roles: READERS,
  },
]

function financialYearOf(date: string): number {
  const year = Number(date.slice(0, 4))
  return date.slice(5) >= '04-01' ? year : year - 1
}

const PENCE_FIELDS = ['pay', 'travel', 'training', 'backOffice'] as const
const PERCENT_FIELDS = ['onCosts', 'surplus'] as const
const BREAKDOWN_LABELS: Record<string, string> = {
  pay: 'Care worker pay',
  onCosts: 'On-costs',
  travel: 'Travel time and mileage',
  training: 'Training',
  backOffice: 'Back office',
  surplus: 'Surplus',
  newNlw: 'New National Living Wage',
}

/** A % as typed, in basis points: 0 to 100, at most 2 decimal places. */
function readPercent(text: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/%$/, ''))
  if (!match) return null
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  return bp > 10_000 ? null : bp
}

/** A gap, negative when the council pays more than the median: "−£12.34". */
const signedPounds = (pence: number, format: (p: number) => string) =>
  pence < 0 ? `−${format(-pence)}` : format(pence)

const quartileCells = (q: Quartiles | null) =>
  q === null
    ? [
        { text: 'Suppressed', format: 'numeric' },
        { text: '', format: 'numeric' },
        { text: '', format: 'numeric' },
      ]
    : [
        { text: formatPounds(q.lowerQuartilePence), format: 'numeric' },
        { text: formatPounds(q.medianPence), format: 'numeric' },
        { text: formatPounds(q.upperQuartilePence), format: 'numeric' },
      ]

export interface CostOfCareRouteOptions {
  costOfCare: FeesServices['costOfCare']
  ratesAt: FeesServices['feeRates']['ratesAt']
  clock: () => Date
}

export const costOfCareRoutes: FastifyPluginAsync<CostOfCareRouteOptions> = async (
  app,
  { costOfCare, ratesAt, clock },
) => {
  const today = () => londonDate(clock())

  app.get('/fees/cost-of-care', { config: { access: READERS } }, async (_request, reply) =>
    reply.redirect(`/fees/cost-of-care/${financialYearOf(today())}`, 303),
  )

  app.get('/fees/cost-of-care/:year', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { year } = parseInput(costOfCareParams, request.params)
    const fy = financialYear(year)
    const [summary, rates] = await Promise.all([
      costOfCare.costOfCareSummary(user.councilId, year, today()),
      ratesAt(user.councilId, fy.from),
    ])
    const homeCare = summary.sectors.find((s) => s.sector === 'home-support')
    const defaults = homeCare ? breakdownDefaults(homeCare) : null

    // The breakdown's inputs: as typed, else the medians of the returns.
    const values: Record<string, string> = {}
    const typed = Object.keys(BREAKDOWN_LABELS).some((f) => field(request.query, f) !== '')
    const defaultText: Record<string, string> = defaults
      ? {
          pay: formatPoundsInput(defaults.payPence, { pence: 'always' }),
          onCosts: String(defaults.onCostsBasisPoints / 100),
          travel: formatPoundsInput(defaults.travelPence, { pence: 'always' }),
          training: formatPoundsInput(defaults.trainingPence, { pence: 'always' }),
          backOffice: formatPoundsInput(defaults.backOfficePence, { pence: 'always' }),
          surplus: String(defaults.surplusBasisPoints / 100),
        }
      : {}
    for (const f of Object.keys(BREAKDOWN_LABELS))
      values[f] = typed ? field(request.query, f) : (defaultText[f] ?? '')
    const showBreakdown = typed || defaults !== null
    const errors: FieldError[] = []
    const pence: Record<string, number> = {}
    const basisPoints: Record<string, number> = {}
    if (showBreakdown) {
      for (const f of [...PENCE_FIELDS, 'newNlw'] as const) {
        const text = values[f] ?? ''
        if (f === 'newNlw' && text === '') continue
        const parsed = parsePounds(text)
        if (!parsed.ok || parsed.pence > MAX_LINE_PENCE || (f === 'newNlw' && parsed.pence === 0))
          errors.push({
            field: f,
            message: `Enter ${BREAKDOWN_LABELS[f]?.toLowerCase()} in pounds an hour, like 12.50`,
          })
        else pence[f] = parsed.pence
      }
      for (const f of PERCENT_FIELDS) {
        const bp = readPercent(values[f] ?? '')
        if (bp === null)
          errors.push({
            field: f,
            message: `Enter ${BREAKDOWN_LABELS[f]?.toLowerCase()} as a % from 0 to 100, like 20.5`,
          })
        else basisPoints[f] = bp
      }
    }
    let breakdown: { now: Breakdown; after: Breakdown | null } | null = null
    if (showBreakdown && errors.length === 0) {
      const input: BreakdownInput = {
        payPence: pence.pay ?? 0,
        onCostsBasisPoints: basisPoints.onCosts ?? 0,
        travelPence: pence.travel ?? 0,
        trainingPence: pence.training ?? 0,
        backOfficePence: pence.backOffice ?? 0,
        surplusBasisPoints: basisPoints.surplus ?? 0,
      }
      const nlw = summary.nlwPence
      breakdown = {
        now: buildHourlyPrice(input),
        after: pence.newNlw !== undefined && nlw !== null ? withNewNlw(input, nlw, pence.newNlw) : null,
      }
    }
    const breakdownRows = breakdown
      ? (
          [
            ['Care worker pay', 'payPence'],
            ['On-costs', 'onCostsPence'],
            ['Travel time and mileage', 'travelPence'],
            ['Training', 'trainingPence'],
            ['Back office', 'backOfficePence'],
            ['Surplus', 'surplusPence'],
            ['Hourly price', 'pricePence'],
          ] as const
        ).map(([label, key]) => [
          { text: label },
          { text: formatPounds(breakdown.now[key]), format: 'numeric' },
          ...(breakdown.after ? [{ text: formatPounds(breakdown.after[key]), format: 'numeric' }] : []),
        ])
      : []
    const homeCareRates = rates.filter(
      (r) => r.serviceType === 'home_care' && r.band === 'standard' && r.localityId === null,
    )
    const price = breakdown ? (breakdown.after ?? breakdown.now).pricePence : null
    const rateRows = homeCareRates.map((r) => [
      { text: CLIENT_GROUP_LABELS[r.clientGroup] },
      { text: formatPounds(r.pricePence), format: 'numeric' },
      {
        text:
          price === null
            ? ''
            : `${r.pricePence >= price ? '' : '−'}${formatPounds(Math.abs(r.pricePence - price))}`,
        format: 'numeric',
      },
    ])

    const gapRows = summary.sectors.map((s) => [
      { text: s.label },
      {
        text: s.suppressed ? `Fewer than ${summary.minReturnsPublished}` : String(s.returns),
        format: 'numeric',
      },
      { text: s.total ? formatPounds(s.total.medianPence) : 'Suppressed', format: 'numeric' },
      {
        text: s.paid.averagePence === null ? 'No packages' : formatPounds(s.paid.averagePence),
        format: 'numeric',
      },
      {
        text: `${s.paid.volume.toLocaleString('en-GB')} ${s.kind === 'care_home' ? 'residents' : 'hours a year'}`,
        format: 'numeric',
      },
      { text: s.gap ? signedPounds(s.gap.perUnitPence, formatPounds) : '', format: 'numeric' },
      {
        text: s.gap ? signedPounds(s.gap.annualPence, formatRoundedPounds) : '',
        format: 'numeric',
      },
    ])
    const sectorTables = summary.sectors.map((s) => ({
      label: s.label,
      unit: UNIT_LABELS[s.kind],
      suppressed: s.suppressed,
      rows: s.suppressed
        ? []
        : [
            ...(s.lines ?? []).map((l) => [{ text: l.label }, ...quartileCells(l)]),
            [{ text: 'Total' }, ...quartileCells(s.total)],
            ...(s.hourlyWage ? [[{ text: 'Care worker hourly wage' }, ...quartileCells(s.hourlyWage)]] : []),
          ],
    }))
    const { errorList, fieldErrors } = formErrors(errors)
    return reply.code(errors.length > 0 ? 400 : 200).view('fees/costs/views/cost-of-care.njk', {
      pageTitle: `Cost of care ${summary.yearLabel}`,
      summary,
      previousYear: year - 1,
      nextYear: year + 1,
      sectorTables,
      gapRows,
      chart: await chartMarkup(gapChart(summary.sectors), {
        id: 'gap',
        title: `Bar chart of each sector’s gap a year between the median cost and the fees paid, ${summary.yearLabel}`,
      }),
      nlwText: summary.nlwPence === null ? null : formatPounds(summary.nlwPence),
      values,
      defaultsFromReturns: !typed && defaults !== null,
      showBreakdown,
      breakdown,
      breakdownRows,
      rateRows,
      fyStart: fy.from,
      errorList,
      fieldErrors,
    })
  })

  app.get(
    '/fees/cost-of-care/:year/cost-of-care.csv',
    { config: { access: READERS } },
    async (request, reply) => {
      const { year } = parseInput(costOfCareParams, request.params)
      const summary = await costOfCare.costOfCareSummary(
        (request.user as SessionUser).councilId,
        year,
        today(),
      )
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="cost-of-care-${year}.csv"`)
        .send(costOfCareCsv(summary))
    },
  )

  app.get(
    '/api/v1/fees/cost-of-care/:year',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'The cost of care in the financial year starting 1 April {year}, from providers’ returns: the quartiles of each line and the total per sector, and the gap to the fees paid',
        description:
          'Care homes are per resident a week, home care per contact hour. A sector with fewer than minReturnsPublished returns is suppressed: its counts, quartiles and gap are null.',
        tags: ['fees'],
        params: costOfCareParams,
        responses: { 200: costOfCareSchema },
        errors: [],
      }),
    },
    async (request) => {
      const { year } = parseInput(costOfCareParams, request.params)
      return costOfCare.costOfCareSummary((request.user as SessionUser).councilId, year, today())
    },
  )
}
