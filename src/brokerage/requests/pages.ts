// The question pages of a new request. The draft lives in the database from the first page on,
// so it survives a closed browser, and every page works without JavaScript: each posts its
// answers and is redirected to the next question, ending on "Check your answers".
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import type { SessionUser } from '../../accounts/service.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import {
  CLIENT_GROUP_LABELS,
  CLIENT_GROUPS,
  SPECIALISM_LABELS,
  SPECIALISMS,
} from '../../providers/vocabulary.ts'
import { recordId } from '../../storable.ts'
import { field } from '../../web/forms.ts'
import {
  PRICE_UNIT_LABELS,
  priceUnitFor,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPES,
} from '../rules/index.ts'
import { ForbiddenError, mayAct } from './callers.ts'
import type { DraftSection } from './drafts.ts'
import { type FormValues, inputFrom, pageErrors, valuesFor } from './forms.ts'
import {
  CARER_GENDER_CHOICES,
  CARER_GENDER_LABELS,
  DAY_LABELS,
  DAYS_OF_WEEK,
  MAX_CARERS,
  URGENCIES,
  URGENCY_LABELS,
} from './input.ts'
import { summarySections, visitText } from './presenters.ts'
import { providerPreview, suspectedIdentifiersSummary } from './privacy.ts'
import { measuredFromPersonsPostcode } from './records.ts'
import type { RequestsRouteOptions } from './route-options.ts'
import type { SourcingRequest } from './store.ts'
import {
  CHECK_ANSWERS,
  DRAFT_PAGE_NAMES,
  DRAFT_PAGE_TITLES,
  type DraftPage,
  isDraftPage,
  missingPages,
  type NextStep,
  nextStep,
  pageApplies,
  previousStep,
} from './wizard.ts'

/** A draft, or a request the brokerage team returned: the social worker answers its pages again. */
const stillEditable = (request: { status: string }) =>
  request.status === 'draft' || request.status === 'returned'

export const REQUESTERS = ['social_worker', 'broker'] as const

export const requestParams = z.object({ id: recordId('Request ID') })
const pageParams = z.object({ id: recordId('Request ID'), page: z.string() })
const visitParams = z.object({ id: recordId('Request ID'), visitId: recordId('Visit ID') })

function stepHref(requestId: number, step: NextStep, options: { returnToCheck?: boolean } = {}): string {
  if (step === CHECK_ANSWERS) return `/requests/${requestId}/check-answers`
  return `/requests/${requestId}/edit/${step}${options.returnToCheck ? '?return=check' : ''}`
}

/** Everything the question templates need to name things. */
const vocabulary = {
  serviceTypes: REQUEST_SERVICE_TYPES.map((value) => ({ value, text: REQUEST_SERVICE_TYPE_LABELS[value] })),
  clientGroups: CLIENT_GROUPS.map((value) => ({ value, text: CLIENT_GROUP_LABELS[value] })),
  specialisms: SPECIALISMS.map((value) => ({ value, text: SPECIALISM_LABELS[value] })),
  urgencies: URGENCIES.map((value) => ({ value, text: URGENCY_LABELS[value] })),
  days: DAYS_OF_WEEK.map((value) => ({ value, text: DAY_LABELS[value] })),
  carerGenders: CARER_GENDER_CHOICES.map((value) => ({ value, text: CARER_GENDER_LABELS[value] })),
  maxCarers: MAX_CARERS,
}

export const draftPagesRoutes: FastifyPluginAsync<RequestsRouteOptions> = async (
  app,
  { requests, brokerageSettings },
) => {
  /** The draft, if this user may change it; a request past draft goes to its own page. */
  const draftFor = async (user: SessionUser, requestId: number): Promise<SourcingRequest> => {
    const request = await requests.getRequest(user, requestId)
    if (!mayAct(user, 'editDraft', request))
      throw new ForbiddenError('Only a social worker of the request’s team, or a broker, can change it')
    return request
  }

  const showPage = async (
    reply: FastifyReply,
    user: SessionUser,
    page: DraftPage,
    request: SourcingRequest | null,
    options: {
      status?: number
      values?: FormValues
      errors?: FieldError[]
      returnToCheck?: boolean
      added?: boolean
    },
  ) => {
    const settings = await brokerageSettings.getBrokerageSettings(user.councilId)
    const wizard = await requests.wizardContext(user.councilId)
    const fromPersonsPostcode = request ? measuredFromPersonsPostcode(request) : true
    const values = options.values ?? (request ? valuesFor(page, request) : {})
    const returnToCheck = options.returnToCheck ?? false
    const previous = request ? previousStep(page, request, wizard) : null
    const backHref = !request
      ? '/requests/new'
      : returnToCheck
        ? stepHref(request.id, CHECK_ANSWERS)
        : previous
          ? stepHref(request.id, previous)
          : `/requests/${request.id}`
    const unit = request?.serviceType ? priceUnitFor(request.serviceType) : null
    return reply.code(options.status ?? 200).view(`brokerage/requests/views/pages/${page}.njk`, {
      ...vocabulary,
      pageTitle: DRAFT_PAGE_TITLES[page],
      caption: request ? `Request for ${request.person.name}` : 'Request care',
      request,
      values,
      returnToCheck,
      backHref,
      formAction: request ? `/requests/${request.id}/edit/${page}` : '/requests/new/person',
      settings,
      priceUnit: unit ? PRICE_UNIT_LABELS[unit] : null,
      hasRateBook: wizard.hasRateBook === true,
      fromPersonsPostcode,
      lots: page === 'lot' ? await requests.requestLotChoices(user.councilId) : [],
      visits:
        request?.visits.map((visit, index) => ({ ...visit, number: index + 1, text: visitText(visit) })) ??
        [],
      added: options.added ?? false,
      ...((page === 'location' || page === 'contacts') && request
        ? { personPostcode: request.person.postcode }
        : {}),
      // A social worker in several teams says whose caseload a new request is.
      teams: page === 'person' && !request ? await requests.teamChoices(user) : [],
      ...pageErrors(options.errors ?? []),
    })
  }

  app.get('/requests/new', { config: { access: REQUESTERS } }, async (_request, reply) =>
    reply.view('brokerage/requests/views/start.njk', { pageTitle: 'Request care' }),
  )

  app.get('/requests/new/person', { config: { access: REQUESTERS } }, async (request, reply) =>
    showPage(reply, request.user as SessionUser, 'person', null, {}),
  )

  app.post('/requests/new/person', { config: { access: REQUESTERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { input, values } = inputFrom('person', request.body)
    const teamId = field(request.body, 'teamId')
    try {
      const draft = await requests.startDraft(user, { ...input, teamId: teamId || undefined })
      return reply.redirect(stepHref(draft.id, 'contacts'), 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showPage(reply, user, 'person', null, {
          status: 400,
          values: { ...values, teamId },
          errors: error.errors,
        })
      throw error
    }
  })

  const pageOf = (params: unknown): DraftPage => {
    const { page } = parseInput(pageParams, params)
    if (!isDraftPage(page)) throw new NotFoundError('No such question')
    return page
  }

  app.get('/requests/:id/edit/:page', { config: { access: REQUESTERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const page = pageOf(request.params)
    const draft = await draftFor(user, id)
    if (!stillEditable(draft)) return reply.redirect(`/requests/${id}`, 303)
    if (!pageApplies(page, draft, await requests.wizardContext(user.councilId)))
      throw new NotFoundError('This question does not apply to this request')
    return showPage(reply, user, page, draft, {
      returnToCheck: field(request.query, 'return') === 'check',
      added: field(request.query, 'added') === '1',
    })
  })

  app.post('/requests/:id/edit/:page', { config: { access: REQUESTERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const page = pageOf(request.params)
    const draft = await draftFor(user, id)
    const returnToCheck = field(request.body, 'return') === 'check'
    const { input, values } = inputFrom(page, request.body)
    try {
      if (page === 'visits') {
        if (field(request.body, 'intent') === 'add') {
          await requests.addDraftVisit(user, id, input)
          return reply.redirect(
            `${stepHref(id, 'visits', { returnToCheck })}${returnToCheck ? '&' : '?'}added=1#visits`,
            303,
          )
        }
        if (draft.visits.length === 0)
          throw new ValidationError([{ field: 'visits', message: 'Add at least one visit for home care' }])
      } else {
        await requests.saveDraftPage(user, id, page as DraftSection, input)
      }
      const saved = await requests.getRequest(user, id)
      const next = nextStep(page, saved, await requests.wizardContext(user.councilId), { returnToCheck })
      return reply.redirect(
        stepHref(id, next, { returnToCheck: returnToCheck && next !== CHECK_ANSWERS }),
        303,
      )
    } catch (error) {
      if (error instanceof ValidationError)
        return showPage(reply, user, page, await requests.getRequest(user, id), {
          status: 400,
          values:
            page === 'visits' && field(request.body, 'intent') !== 'add'
              ? valuesFor('visits', draft)
              : values,
          errors: error.errors,
          returnToCheck,
        })
      throw error
    }
  })

  app.post(
    '/requests/:id/visits/:visitId/delete',
    { config: { access: REQUESTERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id, visitId } = parseInput(visitParams, request.params)
      await draftFor(user, id)
      await requests.removeDraftVisit(user, id, visitId)
      const returnToCheck = field(request.body, 'return') === 'check'
      return reply.redirect(`${stepHref(id, 'visits', { returnToCheck })}#visits`, 303)
    },
  )

  app.get('/requests/:id/check-answers', { config: { access: REQUESTERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const draft = await draftFor(user, id)
    if (!stillEditable(draft)) return reply.redirect(`/requests/${id}`, 303)
    return showCheckAnswers(reply, user, draft, { status: 200, errors: [] })
  })

  /** "Check your answers": every answer with a link back to its page, then the submit button. */
  async function showCheckAnswers(
    reply: FastifyReply,
    user: SessionUser,
    draft: SourcingRequest,
    options: { status: number; errors: FieldError[] },
  ) {
    const wizard = await requests.wizardContext(user.councilId)
    const lots = draft.lotId !== null ? await requests.requestLotChoices(user.councilId) : []
    const missing = missingPages(draft, wizard)
    const preview = providerPreview(draft)
    // Errors about answers link to the page that asks the question.
    const pageOfField = (name: string): DraftPage | null =>
      isDraftPage(name) ? name : name === 'startDate' ? 'start' : null
    const errorList = options.errors.map((e) => {
      const page = pageOfField(e.field)
      return { text: e.message, href: page ? stepHref(draft.id, page, { returnToCheck: true }) : '#submit' }
    })
    return reply.code(options.status).view('brokerage/requests/views/check-answers.njk', {
      pageTitle: 'Check your answers before submitting the request',
      request: draft,
      sections: summarySections(draft, {
        wizard,
        changeHref: (page) => stepHref(draft.id, page, { returnToCheck: true }),
        lotName: lots.find((lot) => lot.id === draft.lotId)?.name ?? null,
        fromPersonsPostcode: measuredFromPersonsPostcode(draft),
      }),
      missing: missing.map((page) => ({
        text: `Answer the question about ${DRAFT_PAGE_NAMES[page]}`,
        href: stepHref(draft.id, page, { returnToCheck: true }),
      })),
      backHref: stepHref(draft.id, 'notes'),
      providerPreview: preview,
      suspectedSummary: suspectedIdentifiersSummary(preview),
      changeHrefs: {
        needsSummary: stepHref(draft.id, 'needs', { returnToCheck: true }),
        language: stepHref(draft.id, 'carers', { returnToCheck: true }),
        notesForProviders: stepHref(draft.id, 'notes', { returnToCheck: true }),
      },
      errorList,
      fieldErrors: {},
    })
  }

  app.post('/requests/:id/submit', { config: { access: REQUESTERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const version = Number(field(request.body, 'version')) || undefined
    try {
      await requests.submit(user, id, { expectedVersion: version })
      return reply.redirect(`/requests/${id}?done=submitted`, 303)
    } catch (error) {
      const draft = await requests.getRequest(user, id)
      if (stillEditable(draft) && (error instanceof ValidationError || error instanceof ConflictError))
        return showCheckAnswers(reply, user, draft, {
          status: error instanceof ValidationError ? 400 : 409,
          errors:
            error instanceof ValidationError ? error.errors : [{ field: 'submit', message: error.message }],
        })
      throw error
    }
  })
}
