import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import type { Role } from '../../accounts/roles.ts'
import type { SessionUser } from '../../accounts/service.ts'
import {
  ConflictError,
  type FieldError,
  parseInput,
  UnprocessableError,
  ValidationError,
} from '../../errors.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { chosenFilters, filterQuery } from '../../web/filters.ts'
import { dateFromForm, field } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import {
  REQUEST_SERVICE_TYPES,
  REQUEST_STATUSES,
  type RequestAction,
  type RequestServiceType,
  type RequestStatus,
} from '../rules/index.ts'
import { requestsApiRoutes } from './api.ts'
import { availableActions, mayAct } from './callers.ts'
import { pageErrors } from './forms.ts'
import { draftPagesRoutes, REQUESTERS, requestParams } from './pages.ts'
import {
  ACTION_BUTTON_LABELS,
  dateText,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_STATUS_LABELS,
  STATUS_TAG_CLASSES,
  summarySections,
} from './presenters.ts'
import { IDENTIFIERS_CHECKED_FIELD, providerPreview, suspectedIdentifiersSummary } from './privacy.ts'
import { REQUEST_QUEUE_LABELS, REQUEST_QUEUES, type RequestQueue } from './queues.ts'
import { measuredFromPersonsPostcode } from './records.ts'
import type { RequestsRouteOptions } from './route-options.ts'
import { requestFiltersForm, requestsCsv } from './search.ts'
import type { SourcingRequest } from './store.ts'

const BROKERS = ['broker'] as const
const PAGE_SIZE = 50

/** Pages this domain offers, for the navigation and each role's home page. */
export const requestsCapabilities: Capability[] = [
  {
    href: '/requests/new',
    label: 'Request care',
    description: 'Ask the brokerage team to find care for a person, one question at a time.',
    roles: REQUESTERS,
  },
  {
    href: '/requests',
    label: 'Sourcing requests',
    description: 'Follow requests from draft to award: their status, deadlines and history.',
    roles: COUNCIL_STAFF,
  },
]

const DONE_MESSAGES: Record<string, string> = {
  submitted: 'Request submitted to the brokerage team.',
  published: 'Request published: eligible providers have been invited to offer.',
  closed: 'Request closed to offers.',
  cancelled: 'Request cancelled.',
  republished: 'Request published again: eligible providers have been invited to offer.',
  assigned: 'Request assigned.',
  changed:
    'Request changed. For a published request, who is invited has been decided again and the providers affected told.',
}

const listQuery = requestFiltersForm.extend({
  page: z.coerce
    .number({ error: 'page must be a whole number from 1' })
    .int({ error: 'page must be a whole number from 1' })
    .positive({ error: 'page must be a whole number from 1' })
    .max(100_000, { error: 'page must be a whole number from 1' })
    .default(1),
})

/** The query string's filters, as typed: shown again in the panel, and kept by its links. */
const FILTER_FIELDS = [
  'q',
  'status',
  'serviceType',
  'localityId',
  'pcnAreaId',
  'createdFrom',
  'createdTo',
  'startFrom',
  'startTo',
  'externalRef',
  'assignedTo',
  'queue',
] as const

/** What each filter's link says when chosen ("Status: Published"). */
function filterDescriptions(choices: {
  localities: { id: number; name: string }[]
  pcnAreas: { id: number; name: string }[]
  brokers: { id: number; email: string }[]
}) {
  const named = (rows: { id: number; name: string }[]) => (value: string) =>
    rows.find((row) => String(row.id) === value)?.name ?? value
  return {
    q: { heading: 'Search' },
    status: { heading: 'Status', text: (v: string) => REQUEST_STATUS_LABELS[v as RequestStatus] ?? v },
    serviceType: {
      heading: 'Type of care',
      text: (v: string) => REQUEST_SERVICE_TYPE_LABELS[v as RequestServiceType] ?? v,
    },
    localityId: { heading: 'Locality', text: named(choices.localities) },
    pcnAreaId: { heading: 'PCN', text: named(choices.pcnAreas) },
    createdFrom: { heading: 'Made from' },
    createdTo: { heading: 'Made to' },
    startFrom: { heading: 'Starting from' },
    startTo: { heading: 'Starting to' },
    externalRef: { heading: 'Case system ID' },
    assignedTo: {
      heading: 'Assigned to',
      text: (v: string) =>
        v === 'me'
          ? 'Me'
          : v === 'none'
            ? 'Nobody'
            : (choices.brokers.find((b) => String(b.id) === v)?.email ?? v),
    },
    queue: { heading: 'Queue', text: (v: string) => REQUEST_QUEUE_LABELS[v as RequestQueue] ?? v },
  }
}

function typedFilters(query: unknown): Record<(typeof FILTER_FIELDS)[number], string> {
  return Object.fromEntries(FILTER_FIELDS.map((name) => [name, field(query, name).trim()])) as Record<
    (typeof FILTER_FIELDS)[number],
    string
  >
}

function choiceItems<T extends string | number>(
  values: readonly { value: T; text: string }[],
  chosen: string,
  none: string,
) {
  return [
    { value: '', text: none, selected: chosen === '' },
    ...values.map((v) => ({ value: String(v.value), text: v.text, selected: String(v.value) === chosen })),
  ]
}

/** The publish forms' "I have checked the text providers will see" box. */
function identifiersCheckedFrom(body: unknown): boolean {
  return field(body, IDENTIFIERS_CHECKED_FIELD) === 'yes'
}

function versionFrom(body: unknown): number | undefined {
  const version = Number(field(body, 'version'))
  return Number.isInteger(version) && version > 0 ? version : undefined
}

export const requestsRoutes: FastifyPluginAsync<RequestsRouteOptions> = async (app, options) => {
  const { requests } = options
  await app.register(draftPagesRoutes, options)
  await app.register(requestsApiRoutes, options)

  app.get('/requests', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const typed = typedFilters(request.query)
    const parsed = listQuery.safeParse({ ...typed, page: field(request.query, 'page') || undefined })
    // Filters that cannot be read are said beside their fields, with no results, not as an error page.
    const errors: FieldError[] = parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'q'), message: issue.message }))
    const { page, ...filters } = parsed.success ? parsed.data : { page: 1 }
    const [{ requests: found, total }, areas, brokers] = await Promise.all([
      parsed.success
        ? requests.listRequests(user, {
            ...filters,
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
          })
        : { requests: [], total: 0 },
      requests.requestFilterChoices(user.councilId),
      requests.assignableBrokers(user.councilId),
    ])
    const choices = { ...areas, brokers }
    const kept = filterQuery(typed)
    const base = `/requests?${kept ? `${kept}&` : ''}`
    const shownFrom = found.length > 0 ? (page - 1) * PAGE_SIZE + 1 : 0
    return reply.code(errors.length > 0 ? 400 : 200).view('brokerage/requests/views/list.njk', {
      pageTitle: 'Sourcing requests',
      requests: found.map((r) => ({
        ...r,
        serviceTypeLabel: r.serviceType ? REQUEST_SERVICE_TYPE_LABELS[r.serviceType] : 'Not chosen yet',
        startDateText: r.startDate ? dateText(r.startDate) : 'Not chosen yet',
      })),
      total,
      shownFrom,
      shownTo: shownFrom > 0 ? shownFrom + found.length - 1 : 0,
      values: typed,
      chosen: chosenFilters('/requests', typed, filterDescriptions(choices)),
      csvHref: `/requests.csv${kept ? `?${kept}` : ''}`,
      statusItems: choiceItems(
        REQUEST_STATUSES.map((s) => ({ value: s, text: REQUEST_STATUS_LABELS[s] })),
        typed.status,
        'All statuses',
      ),
      serviceTypeItems: choiceItems(
        REQUEST_SERVICE_TYPES.map((s) => ({ value: s, text: REQUEST_SERVICE_TYPE_LABELS[s] })),
        typed.serviceType,
        'All types of care',
      ),
      localityItems: choiceItems(
        choices.localities.map((l) => ({ value: l.id, text: l.name })),
        typed.localityId,
        'All localities',
      ),
      pcnItems: choiceItems(
        choices.pcnAreas.map((p) => ({ value: p.id, text: p.name })),
        typed.pcnAreaId,
        'All PCNs',
      ),
      assignedToItems: choiceItems(
        [
          { value: 'me', text: 'Me' },
          { value: 'none', text: 'Nobody yet' },
          ...brokers.map((b) => ({ value: String(b.id), text: b.email })),
        ],
        typed.assignedTo,
        'Anyone or nobody',
      ),
      queueItems: choiceItems(
        REQUEST_QUEUES.map((q) => ({ value: q, text: REQUEST_QUEUE_LABELS[q] })),
        typed.queue,
        'Any',
      ),
      statusLabels: REQUEST_STATUS_LABELS,
      statusClasses: STATUS_TAG_CLASSES,
      canCreate: user.role === 'social_worker' || user.role === 'broker',
      previousHref: page > 1 ? `${base}page=${page - 1}` : null,
      nextHref: page * PAGE_SIZE < total ? `${base}page=${page + 1}` : null,
      ...pageErrors(errors),
    })
  })

  app.get('/requests.csv', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const filters = parseInput(requestFiltersForm, typedFilters(request.query))
    const { requests: found } = await requests.exportRequests(user, filters)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="sourcing-requests.csv"')
      .send(requestsCsv(found))
  })

  const showRequest = async (
    reply: FastifyReply,
    user: SessionUser,
    requestId: number,
    options: { status?: number; errors?: FieldError[]; done?: string } = {},
  ) => {
    const request = await requests.getRequest(user, requestId)
    const wizard = await requests.wizardContext(user.councilId)
    const lots = request.lotId !== null ? await requests.requestLotChoices(user.councilId) : []
    const actions = availableActions(user, request)
    const preview = request.status === 'draft' ? [] : providerPreview(request)
    const invitations = actions.includes('publish')
      ? await requests.previewPublication(user, requestId)
      : null
    const events = await requests.listRequestEvents(user, requestId)
    const assignedBrokerEmail =
      request.assignedBrokerId === null
        ? null
        : ((await requests.brokerEmails(user.councilId, [request.assignedBrokerId])).get(
            request.assignedBrokerId,
          ) ?? 'a former broker')
    const assignable = user.role === 'broker' && !['started', 'cancelled'].includes(request.status)
    const colleagues = assignable
      ? (await requests.assignableBrokers(user.councilId)).filter(
          (b) => b.id !== user.id && b.id !== request.assignedBrokerId,
        )
      : []
    return reply.code(options.status ?? 200).view('brokerage/requests/views/request.njk', {
      pageTitle: `Request ${request.id}`,
      request,
      serviceTypeLabel: request.serviceType
        ? REQUEST_SERVICE_TYPE_LABELS[request.serviceType]
        : 'Type of care not chosen yet',
      statusLabels: REQUEST_STATUS_LABELS,
      statusClasses: STATUS_TAG_CLASSES,
      sections: summarySections(request, {
        wizard,
        lotName: lots.find((lot) => lot.id === request.lotId)?.name ?? null,
        fromPersonsPostcode: measuredFromPersonsPostcode(request),
      }),
      events,
      teamName: await requests.teamNameOf(request),
      assignedBrokerEmail,
      assignment: assignable
        ? {
            colleagues:
              colleagues.length > 0
                ? [
                    { value: '', text: 'Choose a broker' },
                    ...colleagues.map((b) => ({ value: String(b.id), text: b.email })),
                  ]
                : [],
          }
        : null,
      canContinueDraft:
        (request.status === 'draft' || request.status === 'returned') && mayAct(user, 'editDraft', request),
      canReturn: actions.includes('return'),
      returnNote:
        request.status === 'returned'
          ? ([...events].reverse().find((e) => e.toStatus === 'returned')?.reason ?? null)
          : null,
      buttons: (['publish'] as RequestAction[])
        .filter((a) => actions.includes(a))
        .map((action) => ({ action, label: ACTION_BUTTON_LABELS[action] })),
      canClose: actions.includes('close'),
      providerPreview: preview,
      suspectedSummary: suspectedIdentifiersSummary(preview),
      identifiersToCheck: actions.includes('publish') && preview.some((p) => p.suspected.length > 0),
      invitations,
      canChange: user.role === 'broker' && (request.status === 'submitted' || request.status === 'published'),
      canCancel: actions.includes('cancel'),
      canRepublish: actions.includes('republish'),
      offersHref: request.publishedAt ? `/requests/${request.id}/offers` : null,
      eligibilityHref:
        request.publishedAt && user.role === 'broker' ? `/requests/${request.id}/eligibility` : null,
      done:
        options.done && Object.hasOwn(DONE_MESSAGES, options.done) ? DONE_MESSAGES[options.done] : undefined,
      ...pageErrors(options.errors ?? []),
    })
  }

  app.get('/requests/:id', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const { id } = parseInput(requestParams, request.params)
    return showRequest(reply, request.user as SessionUser, id, { done: field(request.query, 'done') })
  })

  app.post('/requests/:id/assignment', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const userId = field(request.body, 'userId')
    // The colleague form must name someone; the "Assign to me" button sends no one.
    const chose = request.body !== null && typeof request.body === 'object' && 'userId' in request.body
    try {
      if (chose && userId.trim() === '')
        throw new ValidationError([{ field: 'userId', message: 'Choose the broker to assign it to' }])
      await requests.assignRequest(user, id, chose ? { userId } : {})
      return reply.redirect(`/requests/${id}?done=assigned`, 303)
    } catch (error) {
      if (error instanceof ValidationError || error instanceof ConflictError)
        return showRequest(reply, user, id, {
          status: error.statusCode,
          errors:
            error instanceof ValidationError ? error.errors : [{ field: 'actions', message: error.message }],
        })
      throw error
    }
  })

  /** A lifecycle button's POST: do it, or show the request again with why it could not be done. */
  const lifecycle = (action: 'publish', done: string) =>
    app.post(`/requests/:id/${action}`, { config: { access: BROKERS } }, async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const expectedVersion = versionFrom(request.body)
      try {
        await requests.publish(user, id, {
          expectedVersion,
          identifiersChecked: identifiersCheckedFrom(request.body),
        })
        return reply.redirect(`/requests/${id}?done=${done}`, 303)
      } catch (error) {
        if (
          error instanceof ConflictError ||
          error instanceof ValidationError ||
          error instanceof UnprocessableError
        )
          return showRequest(reply, user, id, {
            status: error.statusCode,
            errors:
              error instanceof ValidationError
                ? error.errors
                : [{ field: 'actions', message: error.message }],
          })
        throw error
      }
    })
  lifecycle('publish', 'published')

  // Closing early, cancelling and returning each ask for a reason on a page of their own, then
  // take the request on: one shape, three actions.
  const reasonedAction = (
    action: 'close' | 'cancel' | 'return',
    access: readonly Role[],
    pageTitle: string,
    done: string,
    run: (
      user: SessionUser,
      id: number,
      input: { reason: string; expectedVersion: number | undefined },
    ) => Promise<unknown>,
  ) => {
    const show = async (
      reply: FastifyReply,
      request: SourcingRequest,
      options: { status?: number; values?: Record<string, string>; errors?: FieldError[] } = {},
    ) =>
      reply.code(options.status ?? 200).view(`brokerage/requests/views/${action}.njk`, {
        pageTitle,
        request,
        values: options.values ?? {},
        ...pageErrors(options.errors ?? []),
      })

    app.get(`/requests/:id/${action}`, { config: { access } }, async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const found = await requests.getRequest(user, id)
      if (!availableActions(user, found).includes(action)) return reply.redirect(`/requests/${id}`, 303)
      return show(reply, found)
    })

    app.post(`/requests/:id/${action}`, { config: { access } }, async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const values = { reason: field(request.body, 'reason') }
      try {
        await run(user, id, { reason: values.reason, expectedVersion: versionFrom(request.body) })
        return reply.redirect(`/requests/${id}?done=${done}`, 303)
      } catch (error) {
        if (error instanceof ValidationError)
          return show(reply, await requests.getRequest(user, id), {
            status: 400,
            values,
            errors: error.errors,
          })
        if (error instanceof ConflictError)
          return showRequest(reply, user, id, {
            status: 409,
            errors: [{ field: 'actions', message: error.message }],
          })
        throw error
      }
    })
  }
  reasonedAction('close', BROKERS, 'Close the request to offers early', 'closed', (user, id, input) =>
    requests.closeRequest(user, id, input),
  )
  reasonedAction('cancel', REQUESTERS, 'Cancel the request', 'cancelled', (user, id, input) =>
    requests.cancel(user, id, input),
  )
  reasonedAction(
    'return',
    BROKERS,
    'Return the request to the social worker',
    'returned',
    (user, id, input) => requests.returnToSocialWorker(user, id, input),
  )

  const showChange = async (
    reply: FastifyReply,
    user: SessionUser,
    request: SourcingRequest,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[] } = {},
  ) => {
    const lots = await requests.requestLotChoices(user.councilId)
    return reply.code(options.status ?? 200).view('brokerage/requests/views/change.njk', {
      pageTitle: 'Change the request',
      request,
      startDateText: dateText(request.startDate),
      lots: lots.filter((lot) => lot.procurement === 'dps' || lot.id === request.lotId),
      values: options.values ?? {
        maxDistanceMiles: String(request.maxDistanceMiles),
        budgetPounds: request.budgetPence === null ? '' : String(request.budgetPence / 100),
        lotId: request.lotId === null ? 'none' : String(request.lotId),
      },
      ...pageErrors(options.errors ?? []),
    })
  }

  const changeable = (request: SourcingRequest) =>
    request.status === 'submitted' || request.status === 'published'

  app.get('/requests/:id/change', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const found = await requests.getRequest(user, id)
    if (!changeable(found)) return reply.redirect(`/requests/${id}`, 303)
    return showChange(reply, user, found)
  })

  app.post('/requests/:id/change', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const values = {
      maxDistanceMiles: field(request.body, 'maxDistanceMiles'),
      budgetPounds: field(request.body, 'budgetPounds'),
      lotId: field(request.body, 'lotId'),
      'startDate-day': field(request.body, 'startDate-day'),
      'startDate-month': field(request.body, 'startDate-month'),
      'startDate-year': field(request.body, 'startDate-year'),
      reason: field(request.body, 'reason'),
    }
    try {
      await requests.changeRequest(
        user,
        id,
        {
          maxDistanceMiles: values.maxDistanceMiles,
          budgetPounds: values.budgetPounds,
          lotId: values.lotId,
          startDate: dateFromForm(request.body, 'startDate'),
          reason: values.reason,
        },
        { expectedVersion: versionFrom(request.body) },
      )
      return reply.redirect(`/requests/${id}?done=changed`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showChange(reply, user, await requests.getRequest(user, id), {
          status: 400,
          values,
          errors: error.errors,
        })
      if (error instanceof ConflictError)
        return showRequest(reply, user, id, {
          status: 409,
          errors: [{ field: 'actions', message: error.message }],
        })
      throw error
    }
  })

  const showRepublish = async (
    reply: FastifyReply,
    user: SessionUser,
    request: SourcingRequest,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[] } = {},
  ) => {
    const lots = await requests.requestLotChoices(user.councilId)
    const values = options.values ?? {
      maxDistanceMiles: String(request.maxDistanceMiles),
      budgetPounds: request.budgetPence === null ? '' : String(request.budgetPence / 100),
      lotId: request.lotId === null ? 'none' : String(request.lotId),
    }
    const preview = providerPreview(request)
    return reply.code(options.status ?? 200).view('brokerage/requests/views/republish.njk', {
      pageTitle: 'Republish the request',
      request,
      providerPreview: preview,
      suspectedSummary: suspectedIdentifiersSummary(preview),
      identifiersToCheck: preview.some((p) => p.suspected.length > 0),
      startDateText: dateText(request.startDate),
      lots: lots.filter((lot) => lot.procurement === 'dps' || lot.id === request.lotId),
      values,
      ...pageErrors(options.errors ?? []),
    })
  }

  app.get('/requests/:id/republish', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const found = await requests.getRequest(user, id)
    if (!availableActions(user, found).includes('republish')) return reply.redirect(`/requests/${id}`, 303)
    return showRepublish(reply, user, found)
  })

  app.post('/requests/:id/republish', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const values = {
      maxDistanceMiles: field(request.body, 'maxDistanceMiles'),
      budgetPounds: field(request.body, 'budgetPounds'),
      lotId: field(request.body, 'lotId'),
      'startDate-day': field(request.body, 'startDate-day'),
      'startDate-month': field(request.body, 'startDate-month'),
      'startDate-year': field(request.body, 'startDate-year'),
      [IDENTIFIERS_CHECKED_FIELD]: field(request.body, IDENTIFIERS_CHECKED_FIELD),
    }
    try {
      await requests.republish(
        user,
        id,
        {
          maxDistanceMiles: values.maxDistanceMiles,
          budgetPounds: values.budgetPounds,
          lotId: values.lotId,
          startDate: dateFromForm(request.body, 'startDate'),
        },
        {
          expectedVersion: versionFrom(request.body),
          identifiersChecked: identifiersCheckedFrom(request.body),
        },
      )
      return reply.redirect(`/requests/${id}?done=republished`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showRepublish(reply, user, await requests.getRequest(user, id), {
          status: 400,
          values,
          errors: error.errors,
        })
      if (error instanceof ConflictError)
        return showRequest(reply, user, id, {
          status: 409,
          errors: [{ field: 'actions', message: error.message }],
        })
      throw error
    }
  })
}
