import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { ConflictError, type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { formatDate, formatLondonDateTime, londonDate } from '../../shared/dates.ts'
import { formatPounds, formatRoundedPounds, parsePounds } from '../../shared/money.ts'
import { operation } from '../../web/api-schema.ts'
import { chartMarkup } from '../../web/charts.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { applicationJson } from './apply.ts'
import { upliftChart } from './charts.ts'
import { BUILD_FIELDS, formFromScenario, scenarioFromForm, sectorField } from './form.ts'
import {
  financialYear,
  financialYearLabel,
  financialYearOf,
  MAX_BUDGET_PENCE,
  parseScenarioJson,
  type Scenario,
  type SectorCost,
  UPLIFT_SECTOR_LABELS,
  UPLIFT_SECTORS,
  type UpliftModel,
} from './rules.ts'
import { MAX_SAVED_PER_YEAR, type SavedScenario, scenarioFromJson } from './scenarios.ts'
import {
  chooseBody,
  savedScenarioListSchema,
  savedScenarioSchema,
  scenarioBody,
  scenarioParams,
  upliftApplicationSchema,
  upliftBookSchema,
  upliftModelSchema,
  upliftParams,
  upliftQuery,
  upliftScenarioBody,
} from './schemas.ts'
import { MAX_COMPARED, type UpliftsService } from './service.ts'

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

const SCENARIO_FIELDS = ['scenario', 'scenario2', 'scenario3'] as const

/** The saved scenarios ticked to compare: `compare=3&compare=7`. */
function compareIds(query: unknown): number[] {
  const value = (query as Record<string, unknown> | null | undefined)?.compare
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return [...new Set(list.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0))]
}
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

  /** The page: the scenarios in the boxes costed, the saved ones listed, and any form's errors. */
  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    year: number,
    query: unknown,
    options: {
      status?: number
      saveValues?: { name: string }
      saveErrors?: FieldError[]
      buildValues?: Record<string, string>
      buildErrors?: FieldError[]
    } = {},
  ) => {
    const user = request.user as SessionUser
    const saved = await uplifts.listScenarios(user.councilId, year)
    const values: Record<string, string> = {}
    const names: string[] = []
    const errors: FieldError[] = []
    const compared = compareIds(query)
    if (compared.length > 0) {
      // Saved scenarios side by side: their JSON in the boxes, their names on the columns.
      const picked = compared
        .map((id) => saved.find((s) => s.id === id))
        .filter((s): s is SavedScenario => s !== undefined)
      if (picked.length < 2 || picked.length > MAX_COMPARED)
        errors.push({
          field: 'compare',
          message: `Choose from 2 to ${MAX_COMPARED} saved scenarios to compare`,
        })
      for (const [i, f] of SCENARIO_FIELDS.entries())
        values[f] = picked[i] ? JSON.stringify(picked[i].scenario) : ''
    } else for (const f of SCENARIO_FIELDS) values[f] = field(query, f)
    values.budget = field(query, 'budget')
    if (values.scenario === '' && compared.length === 0) values.scenario = EXAMPLE_SCENARIO
    const scenarios: Scenario[] = []
    const pickedNames = compared.map((id) => saved.find((s) => s.id === id)?.name)
    for (const [i, f] of SCENARIO_FIELDS.entries()) {
      const text = values[f] ?? ''
      if (text === '') continue
      try {
        scenarios.push(parseScenarioJson(text, f))
        names.push(pickedNames[i] ?? `Scenario ${i + 1}`)
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
    const applied = await uplifts.appliedUplift(user.councilId, year)
    const saveErrors = formErrors(options.saveErrors ?? [])
    const view = {
      pageTitle: `Uplift modelling ${financialYearLabel(year)}`,
      applied: applied && {
        atText: formatLondonDateTime(applied.appliedAt),
        by: applied.appliedBy,
        fromText: formatDate(applied.effectiveFrom),
      },
      fromText: formatDate(financialYear(year).from),
      year,
      yearLabel: financialYearLabel(year),
      values,
      exampleScenario: EXAMPLE_SCENARIO,
      previousYear: year - 1,
      nextYear: year + 1,
      saved: saved.map((s) => ({
        ...s,
        json: JSON.stringify(s.scenario),
        costHref: `/fees/uplifts/${year}?scenario=${encodeURIComponent(JSON.stringify(s.scenario))}`,
        compared: compared.includes(s.id),
      })),
      maxSaved: MAX_SAVED_PER_YEAR,
      maxCompared: MAX_COMPARED,
      saveValues: options.saveValues ?? { name: '' },
      build: {
        values: options.buildValues ?? formFromScenario(values.scenario ?? '') ?? {},
        // A scenario 1 the form cannot say (new rates, a sector's own pay share) is shown as JSON only.
        saysScenario: options.buildValues !== undefined || formFromScenario(values.scenario ?? '') !== null,
        sectors: UPLIFT_SECTORS.map((sector) => ({
          sector,
          field: sectorField(sector),
          label: UPLIFT_SECTOR_LABELS[sector],
        })),
        fields: BUILD_FIELDS,
      },
      saveFieldErrors: saveErrors.fieldErrors,
      savedFlash: field(query, 'saved'),
      chosenFlash: field(query, 'chosen'),
      deletedFlash: field(query, 'deleted'),
    }
    const allErrors = [
      ...(options.buildErrors ?? []),
      ...(options.saveErrors ?? []).map((e) => ({ ...e, field: `save-${e.field}` })),
      ...errors,
    ]
    if (errors.length > 0)
      return reply
        .code(options.status ?? 400)
        .view('fees/uplifts/views/index.njk', { ...view, ...pageErrors(allErrors) })
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
    const page = {
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
    }
    if (allErrors.length > 0)
      return reply.code(options.status ?? 400).view('fees/uplifts/views/index.njk', {
        ...page,
        ...pageErrors(allErrors),
      })
    return reply.code(options.status ?? 200).view('fees/uplifts/views/index.njk', page)
  }

  app.get('/fees/uplifts/:year', { config: { access: READERS } }, async (request, reply) => {
    const { year } = parseInput(upliftParams, request.params)
    if (field(request.query, 'build') === '1') {
      // The form's scenario becomes scenario 1's JSON, so the page, its links and saving work as one.
      const form = Object.fromEntries(
        Object.entries((request.query ?? {}) as Record<string, unknown>)
          .filter(([name]) => name.startsWith('build-'))
          .map(([name]) => [name, field(request.query, name)]),
      )
      try {
        const scenario = JSON.stringify(scenarioFromForm(form))
        return reply.redirect(`/fees/uplifts/${year}?scenario=${encodeURIComponent(scenario)}`, 303)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        return showPage(
          request,
          reply,
          year,
          {},
          { status: 400, buildValues: form, buildErrors: error.errors },
        )
      }
    }
    return showPage(request, reply, year, request.query)
  })

  // Save the first box's scenario under a name.
  app.post('/fees/uplifts/:year/scenarios', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { year } = parseInput(upliftParams, request.params)
    const name = field(request.body, 'name')
    const text = field(request.body, 'scenario')
    try {
      const saved = await uplifts.saveScenario(
        user.councilId,
        year,
        { name, scenario: scenarioFromJson(text) },
        actorOf(user),
      )
      return reply.redirect(`/fees/uplifts/${year}?saved=${saved.id}#saved-scenarios`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error
      const problems =
        error instanceof ValidationError ? error.errors : [{ field: 'name', message: error.message }]
      // The scenario's own problems show on its box, which the page reads again.
      const nameProblems = problems.filter((e) => !e.field.startsWith('scenario'))
      return showPage(request, reply, year, text === '' ? {} : { scenario: text }, {
        status: error instanceof ConflictError ? 409 : 400,
        saveValues: { name },
        saveErrors:
          nameProblems.length > 0 || text !== ''
            ? nameProblems
            : [{ field: 'name', message: 'Cost a scenario before saving it' }],
      })
    }
  })

  const showChoose = async (
    reply: FastifyReply,
    user: SessionUser,
    year: number,
    id: number,
    options: { status?: number; rationale?: string; errors?: FieldError[] } = {},
  ) => {
    const saved = await uplifts.getScenario(user.councilId, year, id)
    const chosen = (await uplifts.listScenarios(user.councilId, year)).find((s) => s.chosen !== null)
    return reply.code(options.status ?? 200).view('fees/uplifts/views/choose.njk', {
      pageTitle: `Choose “${saved.name}” for ${financialYearLabel(year)}`,
      year,
      yearLabel: financialYearLabel(year),
      saved,
      json: JSON.stringify(saved.scenario),
      replaces: chosen && chosen.id !== id ? chosen : null,
      rationale: options.rationale ?? saved.chosen?.rationale ?? '',
      backHref: `/fees/uplifts/${year}#saved-scenarios`,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get(
    '/fees/uplifts/:year/scenarios/:id/choose',
    { config: { access: READERS } },
    async (request, reply) => {
      const { year, id } = parseInput(scenarioParams, request.params)
      return showChoose(reply, request.user as SessionUser, year, id)
    },
  )

  app.post(
    '/fees/uplifts/:year/scenarios/:id/choose',
    { config: { access: READERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { year, id } = parseInput(scenarioParams, request.params)
      const rationale = field(request.body, 'rationale')
      try {
        await uplifts.chooseScenario(user.councilId, year, id, { rationale }, actorOf(user))
        return reply.redirect(`/fees/uplifts/${year}?chosen=${id}#saved-scenarios`, 303)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        return showChoose(reply, user, year, id, { status: 400, rationale, errors: error.errors })
      }
    },
  )

  app.post(
    '/fees/uplifts/:year/scenarios/:id/delete',
    { config: { access: READERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { year, id } = parseInput(scenarioParams, request.params)
      await uplifts.deleteScenario(user.councilId, year, id, actorOf(user))
      return reply.redirect(`/fees/uplifts/${year}?deleted=1#saved-scenarios`, 303)
    },
  )

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

  app.get(
    '/api/v1/fees/uplifts/:year/packages',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'The packages the financial year starting 1 April {year} is costed over, each with its days in the year at each weekly price: the list an independent sum can check the model against',
        tags: ['fees'],
        params: upliftParams,
        responses: { 200: upliftBookSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year } = parseInput(upliftParams, request.params)
      return uplifts.bookOfYear(user.councilId, year)
    },
  )

  /** The confirmation page: what applying the scenario changes, before it is applied. */
  async function confirmPage(
    user: SessionUser,
    year: number,
    scenarioText: string,
    reply: FastifyReply,
    errors: FieldError[] = [],
    status = 200,
  ) {
    const view = {
      pageTitle: `Apply the ${financialYearLabel(year)} uplift`,
      year,
      yearLabel: financialYearLabel(year),
      fromText: formatDate(financialYear(year).from),
      scenario: scenarioText,
    }
    let model: UpliftModel | null = null
    if (errors.length === 0)
      try {
        const scenario = parseScenarioJson(scenarioText)
        model = (await uplifts.modelUplifts(user.councilId, year, [scenario])).models[0] as UpliftModel
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        errors = error.errors
        status = 400
      }
    return reply.code(status).view('fees/uplifts/views/apply.njk', {
      ...view,
      ...(errors.length > 0 ? pageErrors(errors) : {}),
      rows:
        model &&
        [...model.sectors.filter((s) => s.packages > 0), model.total].map((c) => [
          { text: c.label },
          { text: c.packages.toLocaleString('en-GB'), format: 'numeric' },
          { text: c.sector === 'total' ? '' : upliftText(c), format: 'numeric' },
          { text: formatRoundedPounds(c.annualCostBeforePence), format: 'numeric' },
          { text: formatRoundedPounds(c.annualCostAfterPence), format: 'numeric' },
          { text: formatRoundedPounds(c.increasePence), format: 'numeric' },
        ]),
    })
  }

  app.post('/fees/uplifts/:year/apply', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { year } = parseInput(upliftParams, request.params)
    const scenarioText = field(request.body, 'scenario')
    if (field(request.body, 'confirm') !== 'yes') return confirmPage(user, year, scenarioText, reply)
    try {
      parseScenarioJson(scenarioText)
      await uplifts.applyUplift(user.councilId, year, JSON.parse(scenarioText), actorOf(user))
      return reply.redirect(`/fees/uplifts/${year}/application?applied=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return confirmPage(user, year, scenarioText, reply, error.errors, 400)
      if (error instanceof ConflictError)
        return confirmPage(
          user,
          year,
          scenarioText,
          reply,
          [{ field: 'scenario', message: error.message }],
          409,
        )
      throw error
    }
  })

  app.get('/fees/uplifts/:year/application', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { year } = parseInput(upliftParams, request.params)
    const applied = await uplifts.upliftApplication(user.councilId, year)
    return reply.view('fees/uplifts/views/application.njk', {
      pageTitle: `The ${applied.label} uplift, applied`,
      year,
      justApplied: field(request.query, 'applied') === '1',
      applied,
      atText: formatLondonDateTime(applied.appliedAt),
      fromText: formatDate(applied.effectiveFrom),
      scenarioText: JSON.stringify(applied.scenario),
      beforeText: formatRoundedPounds(applied.annualCostBeforePence),
      afterText: formatRoundedPounds(applied.annualCostAfterPence),
      rows: applied.changes.map((c) => [
        { text: c.ref },
        { text: c.providerName },
        { text: c.locationName },
        { text: c.serviceLabel },
        { text: formatDate(c.effectiveFrom) },
        { text: formatPounds(c.previousWeeklyCostPence), format: 'numeric' },
        { text: formatPounds(c.weeklyCostPence), format: 'numeric' },
      ]),
    })
  })

  app.get('/fees/uplifts/:year/application.csv', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { year } = parseInput(upliftParams, request.params)
    const csv = await uplifts.applicationCsv(user.councilId, year)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="fee-uplift-${year}.csv"`)
      .send(csv)
  })

  app.post(
    '/api/v1/fees/uplifts/:year/apply',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'Apply a scenario of fee uplifts from 1 April {year}: new rates, a new weekly price for every package in force from then, and a letter to each provider',
        description:
          'One transaction, audited. Every package in force on any day from 1 April gets a new price from 1 April (or its start, if later), uplifted from the price in force then as the model costs it; every rate in force on 1 April ends on 31 March and its uplifted successor starts on 1 April. Prices for earlier dates do not change. Applied once a year: a second time answers 409.',
        tags: ['fees'],
        params: upliftParams,
        body: upliftScenarioBody,
        responses: { 201: upliftApplicationSchema },
        errors: [409],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { year } = parseInput(upliftParams, request.params)
      const applied = await uplifts.applyUplift(user.councilId, year, request.body, actorOf(user))
      return reply.code(201).send(applicationJson(applied))
    },
  )

  app.get(
    '/api/v1/fees/uplifts/:year/application',
    {
      config: { access: READERS },
      schema: operation({
        summary: 'The fee uplift applied from 1 April {year}, with each package’s old and new weekly price',
        tags: ['fees'],
        params: upliftParams,
        responses: { 200: upliftApplicationSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year } = parseInput(upliftParams, request.params)
      return applicationJson(await uplifts.upliftApplication(user.councilId, year))
    },
  )

  const savedJson = (s: SavedScenario) => ({
    id: s.id,
    year: s.year,
    name: s.name,
    scenario: s.scenario,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedBy: s.updatedBy,
    updatedAt: s.updatedAt.toISOString(),
    chosen: s.chosen && { at: s.chosen.at.toISOString(), by: s.chosen.by, rationale: s.chosen.rationale },
  })

  app.get(
    '/api/v1/fees/uplifts/:year/scenarios',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'The saved uplift scenarios of the financial year starting 1 April {year}, the chosen one first, each with what it costs against the live book',
        tags: ['fees'],
        params: upliftParams,
        responses: { 200: savedScenarioListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year } = parseInput(upliftParams, request.params)
      const saved = await uplifts.savedScenarioModels(user.councilId, year)
      return {
        year,
        label: saved.label,
        scenarios: saved.scenarios.map(({ saved: s, model }) => ({ ...savedJson(s), costs: model })),
      }
    },
  )

  app.post(
    '/api/v1/fees/uplifts/:year/scenarios',
    {
      config: { access: READERS },
      schema: operation({
        summary: `Save a named uplift scenario for the financial year starting 1 April {year} (at most ${MAX_SAVED_PER_YEAR} a year; names unique within the year)`,
        tags: ['fees'],
        params: upliftParams,
        body: scenarioBody,
        responses: { 201: savedScenarioSchema },
        errors: [409],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { year } = parseInput(upliftParams, request.params)
      const body = parseInput(scenarioBody, request.body ?? {})
      const saved = await uplifts.saveScenario(user.councilId, year, body, actorOf(user))
      return reply.code(201).send(savedJson(saved))
    },
  )

  app.put(
    '/api/v1/fees/uplifts/:year/scenarios/:id',
    {
      config: { access: READERS },
      schema: operation({
        summary: 'Rename a saved uplift scenario and replace what it says; a chosen one stays chosen',
        tags: ['fees'],
        params: scenarioParams,
        body: scenarioBody,
        responses: { 200: savedScenarioSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year, id } = parseInput(scenarioParams, request.params)
      const body = parseInput(scenarioBody, request.body ?? {})
      return savedJson(await uplifts.updateScenario(user.councilId, year, id, body, actorOf(user)))
    },
  )

  app.delete(
    '/api/v1/fees/uplifts/:year/scenarios/:id',
    {
      config: { access: READERS },
      schema: operation({
        summary: 'Delete a saved uplift scenario; deleting the chosen one leaves the year with none chosen',
        tags: ['fees'],
        params: scenarioParams,
        responses: { 200: z.object({ deleted: z.literal(true) }) },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year, id } = parseInput(scenarioParams, request.params)
      await uplifts.deleteScenario(user.councilId, year, id, actorOf(user))
      return { deleted: true as const }
    },
  )

  app.post(
    '/api/v1/fees/uplifts/:year/scenarios/:id/choose',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'Mark the scenario the council chose for the year, with how it was decided: published in the Market Position Statement. Any other chosen scenario of the year stops being chosen.',
        tags: ['fees'],
        params: scenarioParams,
        body: chooseBody,
        responses: { 200: savedScenarioSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { year, id } = parseInput(scenarioParams, request.params)
      const body = parseInput(chooseBody, request.body ?? {})
      return savedJson(await uplifts.chooseScenario(user.councilId, year, id, body, actorOf(user)))
    },
  )
}
