import type { FastifyPluginAsync } from 'fastify'
import type { SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { londonDate } from '../../shared/dates.ts'
import { formatPounds, formatRoundedPounds, parsePounds } from '../../shared/money.ts'
import { operation } from '../../web/api-schema.ts'
import { chartMarkup } from '../../web/charts.ts'
import { field } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { upliftChart } from './charts.ts'
import {
  financialYearLabel,
  MAX_BUDGET_PENCE,
  parseScenarioJson,
  type Scenario,
  type SectorCost,
  UPLIFT_SECTORS,
  type UpliftModel,
} from './rules.ts'
import { upliftModelSchema, upliftParams, upliftQuery } from './schemas.ts'
import type { UpliftsService } from './service.ts'

const READERS = ['commissioner', 'council_admin'] as const

export const upliftsCapabilities: Capability[] = [
  {
    href: '/fees/uplifts',
    section: 'market',
    label: 'Uplift modelling',
    description:
      'Cost a year’s fee uplifts against the live book of packages, by sector, with the cost of each 1p on the National Living Wage, and find the uplift a budget allows.',
    roles: READERS,
  },
]

/** The financial year a date falls in, by the year it starts. */
function financialYearOf(date: string): number {
  const year = Number(date.slice(0, 4))
  return date.slice(5) >= '04-01' ? year : year - 1
}

const SCENARIO_FIELDS = ['scenario', 'scenario2', 'scenario3'] as const
const EXAMPLE_SCENARIO = '{"default": 5, "nlwOldPence": 1271, "nlwNewPence": 1321}'

/** Errors of a page's field, its sub-fields' messages joined, so the summary links each box once. */
function pageErrors(errors: FieldError[]): {
  errorList: { text: string; href: string }[]
  fieldErrors: Record<string, string>
} {
  const fieldErrors: Record<string, string> = {}
  for (const e of errors) {
    const [box = 'scenario', ...rest] = e.field.split('.')
    const text = rest.length > 0 ? `${rest.join('.')}: ${e.message}` : e.message
    fieldErrors[box] = fieldErrors[box] ? `${fieldErrors[box]}; ${text}` : text
  }
  return {
    errorList: Object.entries(fieldErrors).map(([f, text]) => ({ text, href: `#${f}` })),
    fieldErrors,
  }
}

const percentText = (n: number | null) =>
  n === null ? '' : `${n.toLocaleString('en-GB', { maximumFractionDigits: 2 })}%`

/** A sector's uplift as the table shows it: "5%", or "2%, at least £24.00 an hour". */
function upliftText(cost: SectorCost): string {
  const rate = cost.newRate
  if (rate === null) return percentText(cost.upliftPercent)
  return `${percentText(cost.upliftPercent)}, at least ${formatPounds(rate.pence)} ${rate.unit === 'weekly' ? 'a week' : 'an hour'}`
}

export interface UpliftsRouteOptions {
  uplifts: UpliftsService
}

export const upliftsRoutes: FastifyPluginAsync<UpliftsRouteOptions> = async (app, { uplifts }) => {
  app.get('/fees/uplifts', { config: { access: READERS } }, async (_request, reply) =>
    reply.redirect(`/fees/uplifts/${financialYearOf(londonDate(new Date()))}`, 303),
  )

  app.get('/fees/uplifts/:year', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { year } = parseInput(upliftParams, request.params)
    const values: Record<string, string> = {}
    for (const f of SCENARIO_FIELDS) values[f] = field(request.query, f)
    values.budget = field(request.query, 'budget')
    if (values.scenario === '') values.scenario = EXAMPLE_SCENARIO
    const errors: FieldError[] = []
    const scenarios: Scenario[] = []
    const names: string[] = []
    for (const [i, f] of SCENARIO_FIELDS.entries()) {
      const text = values[f] ?? ''
      if (text === '') continue
      try {
        scenarios.push(parseScenarioJson(text, f))
        names.push(`Scenario ${i + 1}`)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        errors.push(...error.errors)
      }
    }
    let budgetPence: number | undefined
    if (values.budget !== '') {
      const parsed = parsePounds(values.budget)
      if (!parsed.ok || parsed.pence > MAX_BUDGET_PENCE)
        errors.push({
          field: 'budget',
          message: 'Enter a budget in pounds from £0 to £10,000,000,000, like 5,350,000',
        })
      else budgetPence = parsed.pence
    }
    const view = {
      pageTitle: `Uplift modelling ${financialYearLabel(year)}`,
      year,
      yearLabel: financialYearLabel(year),
      values,
      exampleScenario: EXAMPLE_SCENARIO,
      previousYear: year - 1,
      nextYear: year + 1,
    }
    if (errors.length > 0)
      return reply.code(400).view('fees/uplifts/views/index.njk', { ...view, ...pageErrors(errors) })
    const { models, budget } = await uplifts.modelUplifts(user.councilId, year, scenarios, budgetPence)
    const first = models[0] as UpliftModel
    const row = (pick: (m: UpliftModel) => SectorCost) => (m: UpliftModel) => pick(m)
    const costRows = [...first.sectors.map((_, i) => i), -1].map((i) => {
      const of = row((m) => (i < 0 ? m.total : (m.sectors[i] as SectorCost)))
      const base = of(first)
      return [
        { text: base.label },
        { text: base.packages.toLocaleString('en-GB'), format: 'numeric' },
        { text: formatRoundedPounds(base.annualCostBeforePence), format: 'numeric' },
        ...models.flatMap((m) => [
          { text: upliftText(of(m)), format: 'numeric' },
          { text: formatRoundedPounds(of(m).annualCostAfterPence), format: 'numeric' },
          { text: formatRoundedPounds(of(m).increasePence), format: 'numeric' },
        ]),
      ]
    })
    const nlwRows = [...first.sectors.map((_, i) => i), -1].map((i) => {
      const of = row((m) => (i < 0 ? m.total : (m.sectors[i] as SectorCost)))
      return [
        { text: of(first).label },
        ...models.flatMap((m) => [
          { text: percentText(of(m).paySharePercent), format: 'numeric' },
          {
            text:
              of(m).nlwPennyCostPence === null
                ? 'No NLW given'
                : formatRoundedPounds(of(m).nlwPennyCostPence as number),
            format: 'numeric',
          },
        ]),
      ]
    })
    return reply.view('fees/uplifts/views/index.njk', {
      ...view,
      models,
      names,
      sectorCount: UPLIFT_SECTORS.length,
      costRows,
      nlwRows,
      budget: budget && {
        ...budget,
        budgetText: formatRoundedPounds(budget.budgetPence),
        increaseText: formatRoundedPounds(budget.increasePence),
        percentText: percentText(budget.upliftPercent),
      },
      chart: await chartMarkup(upliftChart(models, names), {
        id: 'uplift',
        title: `Bar chart of each sector’s annual cost in ${financialYearLabel(year)}, before and after the uplift`,
      }),
    })
  })

  app.get(
    '/api/v1/fees/uplifts/:year',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'What a scenario of fee uplifts costs in the financial year starting 1 April {year}, by sector and in total, against the live book of packages',
        tags: ['fees'],
        params: upliftParams,
        querystring: upliftQuery,
        responses: { 200: upliftModelSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year } = parseInput(upliftParams, request.params)
      const query = parseInput(upliftQuery, request.query ?? {})
      const scenario = parseScenarioJson(query.scenario)
      const { models, budget } = await uplifts.modelUplifts(
        user.councilId,
        year,
        [scenario],
        query.budgetPence,
      )
      return { ...(models[0] as UpliftModel), budget }
    },
  )
}
