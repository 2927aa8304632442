// Council pages: who was invited and why, the ranked shortlist, the award, and packages.

import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { formatDate } from '../../shared/dates.ts'
import { recordId } from '../../storable.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { chosenFilters, filterQuery } from '../../web/filters.ts'
import { dateFromForm, field, formErrors, typedDateParts } from '../../web/forms.ts'
import {
  describePrice,
  durationText,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_STATUS_LABELS,
} from '../rules/index.ts'
import { agreementContext, sendAgreementPdf } from './agreement.ts'
import type { Evaluation } from './award.ts'
import { fieldList, ids, onPage } from './forms.ts'
import { CONFIRMATION_LABELS, type Confirmation } from './handover.ts'
import { packageFiltersForm } from './package-search.ts'
import type { OffersRouteOptions } from './route-options.ts'
import {
  offersClosingText,
  PACKAGE_STATE_LABELS,
  type PackageState,
  parsePrice,
  poundsInput,
} from './rules.ts'

export const BROKERS = ['broker'] as const
const EVALUATORS = ['broker', 'social_worker'] as const
/** Who may end a package: the broker who arranged it, or the person's social worker. */
export const PACKAGE_MANAGERS = ['broker', 'social_worker'] as const

export const requestParams = z.object({ id: recordId('Request ID') })
const awardParams = z.object({ id: recordId('Request ID'), offerId: recordId('Offer ID') })
export const packageParams = z.object({ packageId: recordId('Package ID') })
const PACKAGES_PAGE_SIZE = 50
const PACKAGE_FILTER_FIELDS = [
  'q',
  'providerOrganisationId',
  'state',
  'confirmation',
  'startFrom',
  'startTo',
] as const

type FormValues = Record<string, string | string[]>

/** Everything the shortlist and award pages show about a request's evaluation, ready for a template. */
function evaluationView(evaluation: Evaluation) {
  const offerById = new Map(evaluation.offers.map((o) => [o.id, o]))
  const awardedTo = new Map(evaluation.awarded.map((a) => [a.slot, a.packageId]))
  return {
    ...evaluation,
    serviceLabel: REQUEST_SERVICE_TYPE_LABELS[evaluation.request.serviceType],
    statusLabel: REQUEST_STATUS_LABELS[evaluation.request.status],
    usualPrice: evaluation.request.usualPricePence
      ? describePrice(evaluation.request.usualPricePence, evaluation.priceUnit)
      : null,
    deadline: offersClosingText(evaluation.request.deadlineAt, evaluation.request.closedAt),
    ranked: evaluation.shortlist.ranked.map((r) => ({ ...r, offer: offerById.get(r.offerId) })),
    excluded: evaluation.shortlist.excluded.map((e) => ({ ...e, offer: offerById.get(e.offerId) })),
    notLive: evaluation.offers.filter((o) => o.status === 'withdrawn' || o.status === 'declined'),
    perVisit: evaluation.perVisit
      ? evaluation.perVisit.slots.map((slot) => ({
          visit: evaluation.visits.find((v) => v.id === slot.slotId),
          packageId: awardedTo.get(Number(slot.slotId)) ?? null,
          ranked: slot.shortlist.ranked.map((r) => ({ ...r, offer: offerById.get(r.offerId) })),
        }))
      : null,
    packageOfPlacement: awardedTo.get(0) ?? null,
    // Visits left unfilled stay awardable once care has started, as canAwardSlot() allows.
    awardable:
      evaluation.request.status === 'closed' ||
      ((evaluation.request.status === 'awarded' || evaluation.request.status === 'started') &&
        evaluation.unfilledSlots.length > 0),
    unfilledHours: durationText(evaluation.unfilledCareMinutesPerWeek),
  }
}

/** An award form as the service takes it. */
function awardFromForm(body: unknown) {
  const choice = field(body, 'aboveUsualPrice')
  const topUp = parsePrice(field(body, 'topUp'), 'the top-up')
  const visits = fieldList(body, 'visitIds')
  return {
    values: {
      visitIds: visits,
      choiceReason: field(body, 'choiceReason'),
      aboveUsualPrice: choice,
      agreedReason: field(body, 'agreedReason'),
      topUp: field(body, 'topUp'),
      qualitySignOffBy: field(body, 'qualitySignOffBy'),
    } as FormValues,
    input: {
      visitIds: field(body, 'homeCare') === 'yes' ? ids(visits) : undefined,
      choiceReason: field(body, 'choiceReason'),
      aboveUsualPrice:
        choice === 'agreed'
          ? { agreedReason: field(body, 'agreedReason') }
          : choice === 'topUp' && topUp.ok
            ? { topUpPencePerWeek: topUp.value }
            : undefined,
      qualitySignOffBy: field(body, 'qualitySignOffBy'),
    },
    topUpProblem: choice === 'topUp' && !topUp.ok ? topUp.problem : null,
    choice,
  }
}

export const councilOffersRoutes: FastifyPluginAsync<OffersRouteOptions> = async (app, { offers }) => {
  app.get('/requests/:id/eligibility', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const search = field(request.query, 'q').trim().slice(0, 200)
    const overview = await offers.eligibilityOverview(user.councilId, id, { search })
    return reply.view('brokerage/offers/views/eligibility.njk', {
      pageTitle: `Who was invited to offer on request ${id}`,
      overview,
      search,
    })
  })

  const showShortlist = async (
    reply: FastifyReply,
    user: SessionUser,
    id: number,
    options: { status?: number; errors?: FieldError[]; done?: string | null; values?: FormValues } = {},
  ) => {
    const evaluation = evaluationView(await offers.evaluateOffers(user, id))
    // Awards the provider turned down, with why: the broker awards the next offer from here.
    const declined = await offers.listPackages(user, { requestId: id, confirmation: 'declined' })
    return reply.code(options.status ?? 200).view('brokerage/offers/views/shortlist.njk', {
      pageTitle: `Offers for request ${id}`,
      e: evaluation,
      declined: declined.packages,
      isBroker: user.role === 'broker',
      done: options.done ?? null,
      values: options.values ?? {},
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/requests/:id/offers', { config: { access: EVALUATORS } }, async (request, reply) => {
    const { id } = parseInput(requestParams, request.params)
    const done = field(request.query, 'done')
    const awarded = recordId('package').safeParse(field(request.query, 'package')).data
    const messages: Record<string, string> = {
      awarded: `Offer accepted: ${awarded ? `package ${awarded}` : 'a package'} has been created and every bidder has been told.`,
      unsourced:
        'The request is unsourced: the person is on the Interim Care List until it is sourced or cancelled.',
    }
    return showShortlist(reply, request.user as SessionUser, id, { done: messages[done] ?? null })
  })

  const showAward = async (
    reply: FastifyReply,
    user: SessionUser,
    params: { id: number; offerId: number },
    options: { status?: number; values?: FormValues; errors?: FieldError[]; onlyVisit?: number } = {},
  ) => {
    const evaluation = evaluationView(await offers.evaluateOffers(user, params.id))
    const offer = evaluation.offers.find((o) => o.id === params.offerId)
    if (!offer) throw new NotFoundError('No such offer on this request')
    const scored = evaluation.ranked.find((r) => r.offerId === offer.id) ?? null
    const openVisits = evaluation.visits.filter(
      (v) => offer.visitIds.includes(v.id) && evaluation.unfilledSlots.includes(v.id),
    )
    const topOnVisits = evaluation.perVisit
      ? openVisits.every(
          (v) => evaluation.perVisit?.find((s) => s.visit?.id === v.id)?.ranked[0]?.offerId === offer.id,
        )
      : scored?.rank === 1
    const above = scored?.aboveUsualPriceByPence ?? null
    return reply.code(options.status ?? 200).view('brokerage/offers/views/award.njk', {
      pageTitle: `Accept offer ${offer.id}`,
      e: evaluation,
      offer,
      scored,
      openVisits,
      isTopRanked: Boolean(topOnVisits),
      aboveText: above !== null ? describePrice(above, evaluation.priceUnit) : null,
      careHome: evaluation.priceUnit === 'weekly',
      values: options.values ?? {
        visitIds: openVisits
          .filter((v) => options.onlyVisit === undefined || v.id === options.onlyVisit)
          .map((v) => String(v.id)),
        topUp: above !== null ? poundsInput(above) : '',
      },
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/requests/:id/offers/:offerId/award', { config: { access: BROKERS } }, async (request, reply) => {
    // "Accept for this visit" on the shortlist preselects only that visit.
    const visit = field(request.query, 'visit')
    return showAward(reply, request.user as SessionUser, parseInput(awardParams, request.params), {
      onlyVisit: /^\d+$/.test(visit) ? Number(visit) : undefined,
    })
  })

  app.post('/requests/:id/offers/:offerId/award', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const params = parseInput(awardParams, request.params)
    const { values, input, topUpProblem, choice } = awardFromForm(request.body)
    try {
      if (topUpProblem) throw new ValidationError([{ field: 'topUp', message: topUpProblem }])
      const result = await offers.award({ councilId: user.councilId, actor: actorOf(user) }, params.id, {
        ...input,
        offerId: params.offerId,
      })
      return reply.redirect(`/requests/${params.id}/offers?done=awarded&package=${result.packageId}`, 303)
    } catch (error) {
      if (error instanceof ValidationError) {
        const errors = onPage(error.errors, {
          topUpPencePerWeek: 'topUp',
          aboveUsualPrice: choice === 'agreed' ? 'agreedReason' : 'aboveUsualPrice',
          personChoseTopRanked: 'choiceReason',
        })
        return showAward(reply, user, params, { status: 400, values, errors })
      }
      if (error instanceof ConflictError) {
        return showAward(reply, user, params, {
          status: 409,
          values,
          errors: [{ field: 'award', message: error.message }],
        })
      }
      throw error
    }
  })

  app.post('/requests/:id/unsourced', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(requestParams, request.params)
    const values = { reason: field(request.body, 'reason'), inHospital: field(request.body, 'inHospital') }
    try {
      await offers.markUnsourced({ councilId: user.councilId, actor: actorOf(user) }, id, {
        reason: values.reason,
        inHospital: values.inHospital === 'yes' ? true : values.inHospital === 'no' ? false : undefined,
      })
      return reply.redirect(`/requests/${id}/offers?done=unsourced`, 303)
    } catch (error) {
      if (error instanceof ValidationError) {
        return showShortlist(reply, user, id, { status: 400, values, errors: onPage(error.errors, {}) })
      }
      if (error instanceof ConflictError) {
        return showShortlist(reply, user, id, {
          status: 409,
          values,
          errors: [{ field: 'reason', message: error.message }],
        })
      }
      throw error
    }
  })

  app.get('/packages', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const typed = Object.fromEntries(
      PACKAGE_FILTER_FIELDS.map((name) => [name, field(request.query, name).trim()]),
    ) as Record<(typeof PACKAGE_FILTER_FIELDS)[number], string>
    const page = Math.max(1, Math.min(100_000, Math.trunc(Number(field(request.query, 'page'))) || 1))
    const parsed = packageFiltersForm.safeParse(typed)
    const errors: FieldError[] = parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'q'), message: issue.message }))
    const [found, choices] = await Promise.all([
      parsed.success
        ? offers.listPackages(user, {
            ...parsed.data,
            limit: PACKAGES_PAGE_SIZE,
            offset: (page - 1) * PACKAGES_PAGE_SIZE,
          })
        : { packages: [], total: 0 },
      offers.packageFilterChoices(user.councilId),
    ])
    const kept = filterQuery(typed)
    const base = `/packages?${kept ? `${kept}&` : ''}`
    const providerName = (id: string) => choices.providers.find((p) => String(p.id) === id)?.name ?? id
    return reply.code(errors.length > 0 ? 400 : 200).view('brokerage/offers/views/packages.njk', {
      pageTitle: 'Packages',
      packages: found.packages,
      total: found.total,
      values: typed,
      chosen: chosenFilters('/packages', typed, {
        q: { heading: 'Person' },
        providerOrganisationId: { heading: 'Provider', text: providerName },
        state: { heading: 'Status', text: (v) => PACKAGE_STATE_LABELS[v as PackageState] ?? v },
        confirmation: {
          heading: 'Provider’s answer',
          text: (v) => CONFIRMATION_LABELS[v as Confirmation] ?? v,
        },
        startFrom: { heading: 'Starts from' },
        startTo: { heading: 'Starts to' },
      }),
      providerItems: [
        { value: '', text: 'All providers' },
        ...choices.providers.map((p) => ({
          value: String(p.id),
          text: p.name,
          selected: String(p.id) === typed.providerOrganisationId,
        })),
      ],
      stateLabels: PACKAGE_STATE_LABELS,
      confirmationLabels: CONFIRMATION_LABELS,
      previousHref: page > 1 ? `${base}page=${page - 1}` : null,
      nextHref: page * PACKAGES_PAGE_SIZE < found.total ? `${base}page=${page + 1}` : null,
      ...formErrors(errors),
    })
  })

  const showPackage = async (
    reply: FastifyReply,
    user: SessionUser,
    packageId: number,
    options: { status?: number; values?: FormValues; errors?: FieldError[]; ended?: boolean } = {},
  ) => {
    const pkg = await offers.getPackage(user, packageId)
    const handBack = await offers.handBackOf(user.councilId, pkg.id)
    return reply.code(options.status ?? 200).view('brokerage/offers/views/package.njk', {
      pageTitle: `Package ${pkg.id}`,
      pkg,
      handBack,
      canResource:
        (BROKERS as readonly string[]).includes(user.role) && handBack?.resourcingRequestId === null,
      canEnd: (PACKAGE_MANAGERS as readonly string[]).includes(user.role) && pkg.endDate === null,
      ended: options.ended ?? false,
      startText: formatDate(pkg.startDate),
      endText: pkg.endDate ? formatDate(pkg.endDate) : null,
      values: options.values ?? {},
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/packages/:packageId', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const { packageId } = parseInput(packageParams, request.params)
    return showPackage(reply, request.user as SessionUser, packageId, {
      ended: field(request.query, 'ended') === '1',
    })
  })

  app.get('/packages/:packageId/agreement', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { packageId } = parseInput(packageParams, request.params)
    const pkg = await offers.packageAgreement(user, packageId)
    return reply.view('brokerage/offers/views/agreement-page.njk', {
      pageTitle: `Individual service agreement: package ${pkg.id}`,
      ...agreementContext(pkg, user.councilName),
      backHref: `/packages/${pkg.id}`,
      pdfHref: `/packages/${pkg.id}/agreement.pdf`,
    })
  })

  app.get(
    '/packages/:packageId/agreement.pdf',
    { config: { access: COUNCIL_STAFF } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      const pkg = await offers.packageAgreement(user, packageId)
      return sendAgreementPdf(reply, pkg, user.councilName)
    },
  )

  app.post('/packages/:packageId/end', { config: { access: PACKAGE_MANAGERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { packageId } = parseInput(packageParams, request.params)
    const values = {
      ...typedDateParts(request.body, 'endDate'),
      reason: field(request.body, 'reason'),
    }
    try {
      await offers.endPackage({ ...user, actor: actorOf(user) }, packageId, {
        endDate: dateFromForm(request.body, 'endDate'),
        reason: values.reason,
      })
      return reply.redirect(`/packages/${packageId}?ended=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError) {
        return showPackage(reply, user, packageId, {
          status: 400,
          values,
          errors: onPage(error.errors, { endDate: 'endDate-day' }),
        })
      }
      if (error instanceof ConflictError) {
        return showPackage(reply, user, packageId, {
          status: 409,
          values,
          errors: [{ field: 'reason', message: error.message }],
        })
      }
      throw error
    }
  })

  app.post('/packages/:packageId/resource', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { packageId } = parseInput(packageParams, request.params)
    try {
      const { requestId } = await offers.resourceHandBack({ ...user, actor: actorOf(user) }, packageId)
      return reply.redirect(`/requests/${requestId}`, 303)
    } catch (error) {
      if (error instanceof ConflictError) {
        return showPackage(reply, user, packageId, {
          status: 409,
          errors: [{ field: 'resource', message: error.message }],
        })
      }
      throw error
    }
  })
}
