import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { ConflictError, type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { londonDate } from '../../shared/dates.ts'
import { recordId } from '../../storable.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { pageOfList, pagingQuery } from '../../web/paging.ts'
import type { ProvidersServices } from '../services.ts'
import { SERVICE_TYPE_LABELS, SERVICE_TYPES, type ServiceType } from '../vocabulary.ts'
import {
  availableDecisions,
  DECISION_RULES,
  LOT_STATUS_LABELS,
  PROCUREMENT_LABELS,
  PROCUREMENTS,
} from './rules.ts'
import { admittedQuery, admittedSchema, lotsSchema } from './schemas.ts'
import type { DecisionInput, Lot, NewLot, ProviderScope } from './service.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const frameworksCapabilities: Capability[] = [
  {
    href: '/frameworks',
    section: 'providers',
    label: 'Frameworks and DPS',
    description:
      'See the framework and Dynamic Purchasing System lots, which locations are admitted to each, and on what date.',
    roles: COUNCIL_STAFF,
  },
  {
    href: '/provider/frameworks',
    section: 'organisation',
    label: 'Frameworks you can join',
    description: 'Apply to join the council’s frameworks and DPS lots, and follow your applications.',
    roles: ['provider_user'],
  },
]

const COMMISSIONERS = ['commissioner'] as const

const lotParams = z.object({ lotId: recordId('Lot ID') })
const membershipParams = z.object({ lotId: recordId('Lot ID'), membershipId: recordId('Membership ID') })
const onQuery = z.object({ on: z.iso.date({ error: 'Enter a date' }) })

const STATUS_TAG_CLASSES: Record<string, string> = {
  applied: 'govuk-tag--blue',
  admitted: 'govuk-tag--green',
  rejected: 'govuk-tag--red',
  suspended: 'govuk-tag--orange',
  removed: 'govuk-tag--grey',
}

/** What every frameworks page needs to name things. */
const vocabulary = {
  statusLabels: LOT_STATUS_LABELS,
  statusClasses: STATUS_TAG_CLASSES,
  procurementLabels: PROCUREMENT_LABELS,
  serviceTypeLabels: SERVICE_TYPE_LABELS,
}

function providerScope(user: SessionUser): ProviderScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId as number }
}

/** Form fields cannot hold dots in Caremarket's ids; `answers.q1` becomes `answers-q1`. */
function formFieldOf(error: FieldError): FieldError {
  const [head, rest] = [error.field.split('.')[0] ?? error.field, error.field.split('.')[1]]
  if (head === 'answers' && rest) return { ...error, field: `answers-${rest}` }
  return { ...error, field: head }
}

/** What the frameworks' pages and API are given: the services they call, nothing more. */
export interface FrameworksRouteOptions {
  frameworks: ProvidersServices['frameworks']
}

export const frameworksRoutes: FastifyPluginAsync<FrameworksRouteOptions> = async (app, { frameworks }) => {
  app.get('/frameworks', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    return reply.view('providers/frameworks/views/lots.njk', {
      ...vocabulary,
      pageTitle: 'Frameworks and DPS',
      lots: await frameworks.listLots(user.councilId),
      canCreate: user.role === 'commissioner',
    })
  })

  const showNewLotForm = (
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) =>
    reply.code(status).view('providers/frameworks/views/lot-new.njk', {
      ...vocabulary,
      pageTitle: 'Create a lot',
      procurements: PROCUREMENTS,
      serviceTypes: SERVICE_TYPES,
      values,
      ...formErrors(errors.map(formFieldOf)),
    })

  app.get('/frameworks/new', { config: { access: COMMISSIONERS } }, async (_request, reply) =>
    showNewLotForm(reply, 200, { opensOn: londonDate(new Date()) }, []),
  )

  app.post('/frameworks', { config: { access: COMMISSIONERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = Object.fromEntries(
      ['name', 'procurement', 'serviceType', 'description', 'questions', 'opensOn', 'closesOn'].map(
        (name) => [name, field(request.body, name)],
      ),
    ) as Record<string, string>
    const input = {
      name: values.name,
      procurement: values.procurement,
      serviceType: values.serviceType ? (values.serviceType as ServiceType) : null,
      description: values.description,
      questions: (values.questions ?? '')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean),
      opensOn: values.opensOn,
      closesOn: values.closesOn || null,
    } as NewLot
    try {
      const lot = await frameworks.createLot(user.councilId, input, actorOf(user))
      return reply.redirect(`/frameworks/${lot.id}?created=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return showNewLotForm(reply, 400, values, error.errors)
      if (error instanceof ConflictError)
        return showNewLotForm(reply, 409, values, [{ field: 'name', message: error.message }])
      throw error
    }
  })

  app.get('/frameworks/:lotId', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { lotId } = parseInput(lotParams, request.params)
    const lot = await frameworks.getLot(user.councilId, lotId)
    const memberships = await frameworks.listMemberships(user.councilId, lotId)
    const on = field(request.query, 'on')
    let admitted: { on: string; locations: typeof memberships } | null = null
    let errors: FieldError[] = []
    if (on) {
      const parsed = onQuery.safeParse({ on })
      if (parsed.success) {
        const ids = new Set(await frameworks.admittedLocations(user.councilId, lotId, parsed.data.on))
        admitted = { on: parsed.data.on, locations: memberships.filter((m) => ids.has(m.locationId)) }
      } else errors = [{ field: 'on', message: 'Enter a date' }]
    }
    return reply.code(errors.length > 0 ? 400 : 200).view('providers/frameworks/views/lot.njk', {
      ...vocabulary,
      pageTitle: lot.name,
      lot,
      created: field(request.query, 'created') === '1',
      awaiting: memberships.filter((m) => m.status === 'applied'),
      members: memberships.filter((m) => m.status !== 'applied'),
      on: on || londonDate(new Date()),
      admitted,
      ...formErrors(errors),
    })
  })

  const showMembership = async (
    reply: FastifyReply,
    user: SessionUser,
    params: { lotId: number; membershipId: number },
    options: {
      status?: number
      values?: Record<string, string>
      errors?: FieldError[]
      decided?: boolean
    } = {},
  ) => {
    const lot = await frameworks.getLot(user.councilId, params.lotId)
    const membership = await frameworks.getMembership(user.councilId, params.lotId, params.membershipId)
    const decisions = user.role === 'commissioner' ? availableDecisions(membership.status) : []
    return reply.code(options.status ?? 200).view('providers/frameworks/views/membership.njk', {
      ...vocabulary,
      pageTitle: membership.locationName,
      lot,
      membership,
      decided: options.decided ?? false,
      decisions: decisions.map((d) => ({
        value: d,
        label: DECISION_RULES[d].label,
        to: DECISION_RULES[d].to,
      })),
      values: { effectiveOn: londonDate(new Date()), ...options.values },
      ...formErrors(options.errors ?? []),
    })
  }

  app.get(
    '/frameworks/:lotId/memberships/:membershipId',
    { config: { access: COUNCIL_STAFF } },
    async (request, reply) => {
      const params = parseInput(membershipParams, request.params)
      return showMembership(reply, request.user as SessionUser, params, {
        decided: field(request.query, 'decided') === '1',
      })
    },
  )

  app.post(
    '/frameworks/:lotId/memberships/:membershipId',
    { config: { access: COMMISSIONERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const params = parseInput(membershipParams, request.params)
      const values = {
        decision: field(request.body, 'decision'),
        reason: field(request.body, 'reason'),
        effectiveOn: field(request.body, 'effectiveOn'),
      }
      const expectedStatus = field(request.body, 'expectedStatus')
      try {
        await frameworks.decide(
          user.councilId,
          params.lotId,
          params.membershipId,
          {
            decision: values.decision,
            reason: values.reason,
            effectiveOn: values.effectiveOn || undefined,
            expectedStatus: expectedStatus || undefined,
          } as DecisionInput,
          actorOf(user),
        )
        return reply.redirect(`/frameworks/${params.lotId}/memberships/${params.membershipId}?decided=1`, 303)
      } catch (error) {
        if (error instanceof ValidationError)
          return showMembership(reply, user, params, { status: 400, values, errors: error.errors })
        if (error instanceof ConflictError)
          return showMembership(reply, user, params, {
            status: 409,
            values,
            errors: [{ field: 'decision', message: error.message }],
          })
        throw error
      }
    },
  )

  app.get('/provider/frameworks', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const scope = providerScope(user)
    const memberships = await frameworks.providerMemberships(scope)
    const appliedId = Number(field(request.query, 'applied'))
    return reply.view('providers/frameworks/views/provider-lots.njk', {
      ...vocabulary,
      pageTitle: 'Frameworks you can join',
      openLots: await frameworks.listOpenLots(user.councilId),
      memberships,
      applied: memberships.find((m) => m.id === appliedId && m.status === 'applied'),
    })
  })

  const showApplyForm = async (
    reply: FastifyReply,
    user: SessionUser,
    lotId: number,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[] } = {},
  ) => {
    const choices = await frameworks.applicationChoices(providerScope(user), lotId)
    return reply.code(options.status ?? 200).view('providers/frameworks/views/apply.njk', {
      ...vocabulary,
      pageTitle: choices.lot.name,
      lot: choices.lot,
      window: choices.window,
      today: londonDate(new Date()),
      eligible: choices.locations.filter((l) => l.mayApply.ok),
      ineligible: choices.locations.filter((l) => !l.mayApply.ok),
      values: options.values ?? {},
      ...formErrors((options.errors ?? []).map(formFieldOf)),
    })
  }

  app.get(
    '/provider/frameworks/:lotId/apply',
    { config: { access: ['provider_user'] } },
    async (request, reply) => {
      const { lotId } = parseInput(lotParams, request.params)
      return showApplyForm(reply, request.user as SessionUser, lotId)
    },
  )

  app.post(
    '/provider/frameworks/:lotId/apply',
    { config: { access: ['provider_user'] } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { lotId } = parseInput(lotParams, request.params)
      const lot: Lot = await frameworks.getLot(user.councilId, lotId)
      const values: Record<string, string> = { locationId: field(request.body, 'locationId') }
      const answers: Record<string, string> = {}
      for (const question of lot.questions) {
        answers[question.id] = field(request.body, `answers-${question.id}`)
        values[`answers-${question.id}`] = answers[question.id] as string
      }
      try {
        const membership = await frameworks.apply(
          providerScope(user),
          lotId,
          { locationId: values.locationId as string, answers },
          actorOf(user),
        )
        return reply.redirect(`/provider/frameworks?applied=${membership.id}`, 303)
      } catch (error) {
        if (error instanceof ValidationError)
          return showApplyForm(reply, user, lotId, { status: 400, values, errors: error.errors })
        if (error instanceof ConflictError)
          return showApplyForm(reply, user, lotId, {
            status: 409,
            values,
            errors: [{ field: 'locationId', message: error.message }],
          })
        throw error
      }
    },
  )

  app.get(
    '/api/v1/frameworks',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary: 'Framework and DPS lots, with how many memberships are in each status, a page at a time',
        tags: ['frameworks'],
        querystring: pagingQuery,
        responses: { 200: lotsSchema },
        errors: [],
      }),
    },
    async (request) => {
      const paging = parseInput(pagingQuery, request.query ?? {})
      return pageOfList('lots', await frameworks.listLots((request.user as SessionUser).councilId), paging)
    },
  )

  app.get(
    '/api/v1/frameworks/:lotId/admitted',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary: 'The locations admitted to a lot on a date (?on=YYYY-MM-DD, default today)',
        tags: ['frameworks'],
        params: lotParams,
        querystring: admittedQuery,
        responses: { 200: admittedSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { lotId } = parseInput(lotParams, request.params)
      const on = field(request.query, 'on') || londonDate(new Date())
      const lot = await frameworks.getLot(user.councilId, lotId)
      return {
        lot: { id: lot.id, name: lot.name, procurement: lot.procurement },
        on,
        locationIds: await frameworks.admittedLocations(user.councilId, lotId, on),
      }
    },
  )
}
