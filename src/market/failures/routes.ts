// The response to a provider failure: the tracker page and its actions for commissioners and
// brokers, its CSV, and the API for commissioners' systems.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { formatPoundsInput, formatPoundsShort } from '../../shared/money.ts'
import { recordId } from '../../storable.ts'
import { operation } from '../../web/api-schema.ts'
import { csvText } from '../../web/csv.ts'
import { field, formErrors } from '../../web/forms.ts'
import { MARKET_EVENT_KINDS } from '../events/rules.ts'
import { dateParam } from '../period.ts'
import type { MarketServices } from '../services.ts'
import { CASE_OUTCOMES, CASE_STATE_LABELS, CASE_STATES, type CaseOutcome } from './rules.ts'
import type { ResponseView, TrackedCase } from './service.ts'

/** Everyone at the council who works on a failure reads the tracker. */
const READERS = ['broker', 'commissioner', 'council_admin'] as const
/** Commissioners open the response and enter its one-off costs; they record events through the API too. */
const COMMISSIONERS = ['commissioner', 'council_admin'] as const
/** Brokers re-source the people and record what happened to each. */
const BROKERS = ['broker'] as const

const eventParams = z.object({ id: recordId('Market event ID') })
const responseParams = z.object({ id: recordId('Failure response ID') })
const caseParams = z.object({ id: recordId('Failure response ID'), caseId: recordId('Case ID') })

interface PageExtra {
  values?: Record<string, string>
  errors?: FieldError[]
  result?: unknown
  done?: string
}

const OUTCOME_LABELS: Record<CaseOutcome, string> = {
  moved_elsewhere: CASE_STATE_LABELS.moved_elsewhere,
  self_arranged: CASE_STATE_LABELS.self_arranged,
  in_hospital: CASE_STATE_LABELS.in_hospital,
  died: CASE_STATE_LABELS.died,
}

const SERVICE_LABELS: Record<string, string> = {
  residential: 'Residential care',
  nursing: 'Nursing care',
  dementia_residential: 'Residential dementia care',
  dementia_nursing: 'Nursing dementia care',
  home_care: 'Home care',
  supported_living: 'Supported living',
  day_opportunities: 'Day opportunities',
}

const FUNDING_LABELS: Record<string, string> = {
  council: 'Council',
  health: 'Health',
  joint: 'Joint',
  self_funder: 'Self-funder',
}

function hoursOrBed(c: Pick<TrackedCase, 'minutesPerWeek'>): string {
  if (c.minutesPerWeek === null) return 'A bed'
  const hours = Math.round((c.minutesPerWeek / 60) * 100) / 100
  return `${hours} ${hours === 1 ? 'hour' : 'hours'} a week`
}

const money = (pence: number | null | undefined) => (pence == null ? null : formatPoundsShort(pence))

// ---------------------------------------------------------------------------------------------
// API schemas

const caseSchema = z.object({
  id: z.int(),
  person: z
    .string()
    .describe("The person's name, or their case reference when only the council's own book holds them"),
  fromBook: z
    .boolean()
    .describe("Known only from the council's own book: their request is a draft to complete"),
  locationId: z.int(),
  locationName: z.string(),
  serviceType: z.string(),
  minutesPerWeek: z.int().nullable().describe('Home care a week; null for a bed'),
  weeklyCostPence: z.int(),
  funding: z.string(),
  requestId: z.int().nullable().describe('The re-sourcing request, once made'),
  state: z.enum(CASE_STATES),
  stateLabel: z.string(),
  outcomeNote: z.string(),
  replacement: z
    .object({
      packageId: z.int(),
      locationId: z.int(),
      locationName: z.string(),
      weeklyCostPence: z.int(),
      startDate: z.iso.date(),
      awardedOn: z.iso.date(),
      choiceReason: z.string().nullable().describe("The person's choice, as the award recorded it"),
    })
    .nullable(),
  daysToReplace: z.int().nullable(),
  gapDays: z.int().describe('Days without care after the last day'),
})

const responseSchema = z.object({
  id: z.int(),
  marketEventId: z.int().nullable().describe('Null for a provider at risk'),
  providerOrganisationId: z.int(),
  locationId: z.int().nullable(),
  lastDay: z.iso.date(),
  noticeOn: z.iso.date(),
  oneOffCostPence: z.int(),
  extraCostPence: z
    .int()
    .describe('Σ (new weekly − old weekly) × weeks to the end of the financial year, plus the one-off costs'),
  figures: z.object({
    people: z.int(),
    rePlaced: z.int(),
    medianDaysToReplace: z.number().nullable(),
    withGap: z.int(),
    byState: z.record(z.string(), z.int()),
  }),
  cases: z.array(caseSchema),
})

const resourceResultSchema = z.object({
  created: z.int().describe('Requests this call made'),
  alreadyMade: z.int().describe('People whose request an earlier or concurrent call made'),
  needReferral: z
    .int()
    .describe(
      "People known only from the council's own book whose request is still a draft: a social worker or broker completes the person's details and submits it",
    ),
  published: z.int(),
  notPublished: z.array(z.object({ caseId: z.int(), requestId: z.int(), reason: z.string() })),
})

const resourceBodySchema = z.object({
  urgency: z.enum(['emergency', 'urgent', 'routine']).optional(),
  emergencyHours: z.union([z.literal(24), z.literal(48)]).optional(),
})

const atRiskBodySchema = z.object({
  locationId: z
    .union([z.int(), z.string()])
    .optional()
    .describe('The location at risk; leave out to name the whole provider'),
  providerId: z
    .union([z.int(), z.string()])
    .optional()
    .describe('The provider at risk (every location of it), when no locationId is given'),
  lastDay: z.iso.date().describe('The last day of care'),
})

const eventBodySchema = z.object({
  kind: z.enum(MARKET_EVENT_KINDS),
  locationId: z.union([z.int(), z.string()]).optional().describe('The location (not for a provider exit)'),
  providerId: z.union([z.int(), z.string()]).optional().describe('The provider (a provider exit)'),
  occurredOn: z.iso.date(),
  bedsLost: z.union([z.number(), z.string()]).optional(),
  bedsGained: z.union([z.number(), z.string()]).optional(),
  homeCareHoursLost: z.union([z.number(), z.string()]).optional(),
  homeCareHoursGained: z.union([z.number(), z.string()]).optional(),
  peopleAffected: z.union([z.number(), z.string()]).optional(),
  notes: z.string().optional(),
})

function apiResponse(view: ResponseView) {
  return {
    id: view.response.id,
    marketEventId: view.subject.eventId,
    providerOrganisationId: view.response.providerOrganisationId,
    locationId: view.response.locationId,
    lastDay: view.response.lastDay,
    noticeOn: view.response.noticeOn,
    oneOffCostPence: view.response.oneOffCostPence,
    extraCostPence: view.extraCostPence,
    figures: view.figures,
    cases: view.cases.map((c) => ({
      id: c.id,
      person: c.person,
      fromBook: c.fromBook,
      locationId: c.locationId,
      locationName: c.locationName,
      serviceType: c.serviceType,
      minutesPerWeek: c.minutesPerWeek,
      weeklyCostPence: c.weeklyCostPence,
      funding: c.funding,
      requestId: c.requestId,
      state: c.state,
      stateLabel: CASE_STATE_LABELS[c.state],
      outcomeNote: c.outcomeNote,
      replacement: c.replacement,
      daysToReplace: c.daysToReplace,
      gapDays: c.gapDays,
    })),
  }
}

export interface FailureRouteOptions {
  failures: MarketServices['failures']
  marketEvents: MarketServices['marketEvents']
}

export const failureRoutes: FastifyPluginAsync<FailureRouteOptions> = async (
  app,
  { failures, marketEvents },
) => {
  const DONE: Record<string, string> = {
    opened: 'Response opened: the people affected are listed below',
    resourced: 'Re-sourcing requests made',
    outcome: 'What happened has been recorded',
    costs: 'One-off costs saved',
  }

  const common = (user: SessionUser, extra: PageExtra) => {
    const { errorList, fieldErrors } = formErrors(extra.errors ?? [])
    return {
      mayOpen: (COMMISSIONERS as readonly string[]).includes(user.role),
      mayResource: (BROKERS as readonly string[]).includes(user.role),
      values: extra.values ?? {},
      errorList: errorList.map((e) => (e.href === '#lastDay' ? { ...e, href: '#lastDay-day' } : e)),
      fieldErrors,
      successMessage: extra.done ? (DONE[extra.done] ?? null) : null,
      result: extra.result ?? null,
      money,
    }
  }

  const showTracker = async (
    reply: FastifyReply,
    user: SessionUser,
    responseId: number,
    status: number,
    extra: PageExtra,
  ) => {
    const view = await failures.getResponseById(user.councilId, responseId)
    return reply.code(status).view('market/failures/views/tracker.njk', {
      ...common(user, extra),
      pageTitle: `Response to the ${view.subject.title}`,
      view,
      base: `/failure-responses/${responseId}`,
      backHref: view.subject.eventId
        ? `/market-events/${view.subject.eventId}`
        : view.response.locationId
          ? `/locations/${view.response.locationId}`
          : '/market-events',
      stateLabels: CASE_STATE_LABELS,
      outcomeItems: [
        { value: '', text: 'Nothing recorded' },
        ...CASE_OUTCOMES.map((o) => ({ value: o, text: OUTCOME_LABELS[o] })),
      ],
      serviceLabels: SERVICE_LABELS,
      fundingLabels: FUNDING_LABELS,
      hoursOrBed,
      oneOffCost: extra.values?.oneOffCost ?? formatPoundsInput(view.response.oneOffCostPence),
    })
  }

  const dateValues = (body: unknown) => ({
    'lastDay-day': field(body, 'lastDay-day'),
    'lastDay-month': field(body, 'lastDay-month'),
    'lastDay-year': field(body, 'lastDay-year'),
  })
  const lastDayOf = (body: unknown) => {
    const value = dateParam(body, 'lastDay')
    return value === 'invalid' ? 'not a date' : value
  }

  // For a market event -------------------------------------------------------------------------

  const showOpenForm = async (
    reply: FastifyReply,
    user: SessionUser,
    id: number,
    status: number,
    extra: PageExtra,
  ) => {
    const event = await marketEvents.getMarketEvent(user.councilId, id)
    return reply.code(status).view('market/failures/views/open.njk', {
      ...common(user, extra),
      pageTitle: `Respond to the ${event.kindLabel.toLowerCase()} of ${event.locationName ?? event.providerName}`,
      event,
    })
  }

  app.get('/market-events/:id/response', { config: { access: READERS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    const user = request.user as SessionUser
    const responseId = await failures.responseIdOfEvent(user.councilId, id)
    if (responseId !== null) return reply.redirect(`/failure-responses/${responseId}`, 303)
    return showOpenForm(reply, user, id, 200, {})
  })

  app.post('/market-events/:id/response', { config: { access: COMMISSIONERS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    const user = request.user as SessionUser
    try {
      const { response, created } = await failures.openResponse(
        user.councilId,
        id,
        { lastDay: lastDayOf(request.body) },
        actorOf(user),
      )
      return reply.redirect(`/failure-responses/${response.id}${created ? '?done=opened' : ''}`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showOpenForm(reply, user, id, 400, { errors: error.errors, values: dateValues(request.body) })
    }
  })

  // For a provider at risk ---------------------------------------------------------------------

  const showAtRiskForm = async (reply: FastifyReply, user: SessionUser, status: number, extra: PageExtra) =>
    reply.code(status).view('market/failures/views/at-risk.njk', {
      ...common(user, extra),
      pageTitle: 'Respond to a provider at risk',
      options: await marketEvents.placeOptions(user.councilId),
    })

  app.get('/failure-responses/new', { config: { access: COMMISSIONERS } }, async (request, reply) =>
    showAtRiskForm(reply, request.user as SessionUser, 200, {
      values: { locationId: field(request.query, 'location'), providerId: field(request.query, 'provider') },
    }),
  )

  app.post('/failure-responses', { config: { access: COMMISSIONERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = {
      locationId: field(request.body, 'locationId'),
      providerId: field(request.body, 'providerId'),
      ...dateValues(request.body),
    }
    try {
      const { response, created } = await failures.openAtRiskResponse(
        user.councilId,
        { locationId: values.locationId, providerId: values.providerId, lastDay: lastDayOf(request.body) },
        actorOf(user),
      )
      return reply.redirect(`/failure-responses/${response.id}${created ? '?done=opened' : ''}`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showAtRiskForm(reply, user, 400, { errors: error.errors, values })
    }
  })

  // The tracker and its actions ----------------------------------------------------------------

  app.get('/failure-responses/:id', { config: { access: READERS } }, async (request, reply) => {
    const { id } = parseInput(responseParams, request.params)
    return showTracker(reply, request.user as SessionUser, id, 200, { done: field(request.query, 'done') })
  })

  app.post('/failure-responses/:id/resource', { config: { access: BROKERS } }, async (request, reply) => {
    const { id } = parseInput(responseParams, request.params)
    const user = request.user as SessionUser
    try {
      const result = await failures.resourceResponseById(
        user,
        id,
        { urgency: field(request.body, 'urgency'), emergencyHours: field(request.body, 'emergencyHours') },
        actorOf(user),
      )
      return showTracker(reply, user, id, 200, { result, done: 'resourced' })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showTracker(reply, user, id, 400, { errors: error.errors })
    }
  })

  app.post(
    '/failure-responses/:id/cases/:caseId',
    { config: { access: BROKERS } },
    async (request, reply) => {
      const { id, caseId } = parseInput(caseParams, request.params)
      const user = request.user as SessionUser
      try {
        await failures.setCaseOutcomeById(
          user.councilId,
          id,
          caseId,
          { outcome: field(request.body, 'outcome'), note: field(request.body, 'note') },
          actorOf(user),
        )
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        return showTracker(reply, user, id, 400, { errors: error.errors })
      }
      return reply.redirect(`/failure-responses/${id}?done=outcome#case-${caseId}`, 303)
    },
  )

  app.post('/failure-responses/:id/costs', { config: { access: COMMISSIONERS } }, async (request, reply) => {
    const { id } = parseInput(responseParams, request.params)
    const user = request.user as SessionUser
    const oneOffCost = field(request.body, 'oneOffCost')
    try {
      await failures.setOneOffCostById(user.councilId, id, { oneOffCost }, actorOf(user))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showTracker(reply, user, id, 400, { errors: error.errors, values: { oneOffCost } })
    }
    return reply.redirect(`/failure-responses/${id}?done=costs`, 303)
  })

  app.get('/failure-responses/:id/people.csv', { config: { access: READERS } }, async (request, reply) => {
    const { id } = parseInput(responseParams, request.params)
    const user = request.user as SessionUser
    const view = await failures.getResponseById(user.councilId, id)
    const csv = csvText([
      [
        'case',
        'person',
        'location',
        'service',
        'hours or bed',
        'weekly cost (£)',
        'funder',
        'state',
        'request',
        'new location',
        'new weekly cost (£)',
        'new start',
        'person’s choice',
        'days from notice to re-placement',
        'days without care',
        'note',
      ],
      ...view.cases.map((c) => [
        c.id,
        c.person,
        c.locationName,
        SERVICE_LABELS[c.serviceType] ?? c.serviceType,
        hoursOrBed(c),
        (c.weeklyCostPence / 100).toFixed(2),
        FUNDING_LABELS[c.funding] ?? c.funding,
        CASE_STATE_LABELS[c.state],
        c.requestId ?? '',
        c.replacement?.locationName ?? '',
        c.replacement ? (c.replacement.weeklyCostPence / 100).toFixed(2) : '',
        c.replacement?.startDate ?? '',
        c.replacement?.choiceReason ?? '',
        c.daysToReplace ?? '',
        c.gapDays,
        c.outcomeNote,
      ]),
    ])
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="failure-response-${id}.csv"`)
      .send(csv)
  })

  // API -----------------------------------------------------------------------------------------

  app.post(
    '/api/v1/market-events',
    {
      config: { access: COMMISSIONERS },
      schema: operation({
        summary:
          'Record a market event: a provider exit, closure, deregistration, opening or change in capacity',
        description:
          'As the web form: a provider exit names providerId (or one of its locations); anything else names locationId. Figures are counts, and hours a week for home care. A bad value answers 400 with the field at fault.',
        tags: ['market'],
        body: eventBodySchema,
        responses: {
          201: z.object({ id: z.int(), kind: z.enum(MARKET_EVENT_KINDS), occurredOn: z.iso.date() }),
        },
        errors: [],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const body = (request.body ?? {}) as Record<string, unknown>
      const event = await marketEvents.recordMarketEvent(user.councilId, body, actorOf(user))
      return reply.code(201).send({ id: event.id, kind: event.kind, occurredOn: event.occurredOn })
    },
  )

  app.post(
    '/api/v1/market-events/:id/response',
    {
      config: { access: COMMISSIONERS },
      schema: operation({
        summary: 'Open the response to a provider failure: every person whose care must be re-sourced',
        description:
          'For a provider exit, closure or deregistration. lastDay (YYYY-MM-DD) is the last day of care, by default the day of the event. Opening it again answers 200 with the response already open, unchanged; the first answers 201.',
        tags: ['market'],
        params: eventParams,
        body: z.object({ lastDay: z.iso.date().optional() }),
        responses: { 200: responseSchema, 201: responseSchema },
        errors: [404, 409, 422],
      }),
    },
    async (request, reply) => {
      const { id } = parseInput(eventParams, request.params)
      const user = request.user as SessionUser
      const body = (request.body ?? {}) as Record<string, unknown>
      const opened = await failures.openResponse(user.councilId, id, { lastDay: body.lastDay }, actorOf(user))
      const view = await failures.getResponse(user.councilId, id)
      return reply.code(opened.created ? 201 : 200).send(apiResponse(view))
    },
  )

  app.post(
    '/api/v1/market-events/:id/response/resource',
    {
      config: { access: BROKERS },
      schema: operation({
        summary: 'Re-source every person of a failure response: one urgent request each, exactly once',
        description:
          'Makes a request for each person who has none, copying the needs and visits of the package they had, starting the day after the last day of care, leaving the failing provider out, and publishes it. urgency is emergency (the default), urgent or routine; emergencyHours 24 or 48, or the council’s own emergency window when left out. Calling it again, or at the same time as another broker, makes nothing twice.',
        tags: ['market'],
        params: eventParams,
        body: resourceBodySchema,
        responses: { 200: resourceResultSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(eventParams, request.params)
      const user = request.user as SessionUser
      const body = (request.body ?? {}) as Record<string, unknown>
      return failures.resourceResponse(
        user,
        id,
        { urgency: body.urgency, emergencyHours: body.emergencyHours },
        actorOf(user),
      )
    },
  )

  app.get(
    '/api/v1/market-events/:id/response',
    {
      config: { access: READERS },
      schema: operation({
        summary: 'A failure response: each person’s case and state, the figures and the extra cost',
        tags: ['market'],
        params: eventParams,
        responses: { 200: responseSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(eventParams, request.params)
      const user = request.user as SessionUser
      return apiResponse(await failures.getResponse(user.councilId, id))
    },
  )

  app.post(
    '/api/v1/failure-responses',
    {
      config: { access: COMMISSIONERS },
      schema: operation({
        summary: 'Open the response to a provider or location at risk, before any market event',
        description:
          'As the web form: name locationId (one location) or providerId (every location of the provider), and lastDay (YYYY-MM-DD), the last day of care. Every person with a package there running past the last day becomes a case. One response per provider or location at risk: opening it again answers 200 with the one already open, unchanged; the first answers 201.',
        tags: ['market'],
        body: atRiskBodySchema,
        responses: { 200: responseSchema, 201: responseSchema },
        errors: [],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const body = (request.body ?? {}) as Record<string, unknown>
      const opened = await failures.openAtRiskResponse(
        user.councilId,
        { locationId: body.locationId, providerId: body.providerId, lastDay: body.lastDay },
        actorOf(user),
      )
      const view = await failures.getResponseById(user.councilId, opened.response.id)
      return reply.code(opened.created ? 201 : 200).send(apiResponse(view))
    },
  )

  app.get(
    '/api/v1/failure-responses/:id',
    {
      config: { access: READERS },
      schema: operation({
        summary: 'A failure response by its own id (a provider at risk has no event)',
        tags: ['market'],
        params: responseParams,
        responses: { 200: responseSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(responseParams, request.params)
      const user = request.user as SessionUser
      return apiResponse(await failures.getResponseById(user.councilId, id))
    },
  )

  app.post(
    '/api/v1/failure-responses/:id/resource',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Re-source every person of a failure response, by its own id: one request each, exactly once',
        description: 'As POST /api/v1/market-events/{id}/response/resource, for a response by its own id.',
        tags: ['market'],
        params: responseParams,
        body: resourceBodySchema,
        responses: { 200: resourceResultSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(responseParams, request.params)
      const user = request.user as SessionUser
      const body = (request.body ?? {}) as Record<string, unknown>
      return failures.resourceResponseById(
        user,
        id,
        { urgency: body.urgency, emergencyHours: body.emergencyHours },
        actorOf(user),
      )
    },
  )
}
