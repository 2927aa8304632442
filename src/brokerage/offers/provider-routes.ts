// Provider pages: opportunities, making and changing offers, packages won, and messages.

import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { londonDate } from '../../shared/dates.ts'
import { recordId } from '../../storable.ts'
import { dateFromForm, dateParts, field, formErrors } from '../../web/forms.ts'
import { REQUEST_SERVICE_TYPE_LABELS, REQUEST_SERVICE_TYPES } from '../rules/index.ts'
import { agreementContext, sendAgreementPdf } from './agreement.ts'
import { fieldList, ids, onPage } from './forms.ts'
import type { OffersRouteOptions } from './route-options.ts'
import { offersClosingText, parsePrice, poundsInput } from './rules.ts'
import {
  newOfferSchema,
  type OfferView,
  type OpportunityDetail,
  offerRevisionSchema,
  opportunityFiltersSchema,
  type ProviderScope,
} from './service.ts'

export const PROVIDERS = ['provider_user'] as const

const requestParams = z.object({ requestId: recordId('Request ID') })
const offerParams = z.object({ requestId: recordId('Request ID'), offerId: recordId('Offer ID') })
const packageParams = z.object({ packageId: recordId('Package ID') })

export function providerScope(user: SessionUser): ProviderScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId as number }
}

/** Form inputs by the service's field names. */
const OFFER_FIELD_IDS: Record<string, string> = {
  pricePence: 'price',
  earliestStart: 'earliestStart-day',
  visitIds: 'visitIds',
  meetsAllNeeds: 'meetsAllNeeds',
  notes: 'notes',
  locationId: 'locationId',
  version: 'price',
}

type FormValues = Record<string, string | string[]>

/** The offer terms a posted form means, and any problem with the price typed in pounds. */
function termsFromForm(body: unknown) {
  const values: FormValues = {
    locationId: field(body, 'locationId'),
    price: field(body, 'price'),
    'earliestStart-day': field(body, 'earliestStart-day'),
    'earliestStart-month': field(body, 'earliestStart-month'),
    'earliestStart-year': field(body, 'earliestStart-year'),
    visitIds: fieldList(body, 'visitIds'),
    meetsAllNeeds: field(body, 'meetsAllNeeds'),
    notes: field(body, 'notes'),
  }
  const price = parsePrice(field(body, 'price'))
  const meets = field(body, 'meetsAllNeeds')
  const terms = {
    pricePence: price.ok ? price.value : 1,
    earliestStart: dateFromForm(body, 'earliestStart'),
    visitIds: ids(fieldList(body, 'visitIds')),
    meetsAllNeeds: meets === 'yes' ? true : meets === 'no' ? false : undefined,
    notes: field(body, 'notes'),
  }
  return { values, terms, priceProblem: price.ok ? null : price.problem }
}

/** Every problem with a form at once: the price in pounds, and what the service would refuse. */
function formProblems(schema: z.ZodType, input: unknown, priceProblem: string | null): FieldError[] {
  const errors: FieldError[] = priceProblem ? [{ field: 'pricePence', message: priceProblem }] : []
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    errors.push(
      ...ValidationError.fromZod(parsed.error).errors.filter(
        (e) => !(priceProblem && e.field === 'pricePence'),
      ),
    )
  }
  return errors
}

function offerValues(offer: OfferView): FormValues {
  return {
    price: poundsInput(offer.pricePence),
    ...dateParts('earliestStart', offer.earliestStart),
    visitIds: offer.visitIds.map(String),
    meetsAllNeeds: offer.meetsAllNeeds ? 'yes' : 'no',
    notes: offer.notes,
  }
}

export const providerOffersRoutes: FastifyPluginAsync<OffersRouteOptions> = async (app, { offers }) => {
  app.get('/provider/opportunities', { config: { access: PROVIDERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const filters = opportunityFiltersSchema.parse({
      serviceType: field(request.query, 'serviceType'),
      district: field(request.query, 'district'),
    })
    const scope = providerScope(user)
    const [opportunities, own] = await Promise.all([
      offers.listOpportunities(scope, filters),
      offers.listOwnOffers(scope),
    ])
    // Read before the visit is recorded, so what the home page called new is what was shown here.
    await offers.recordOpportunitiesVisit(user)
    return reply.view('brokerage/offers/views/opportunities.njk', {
      pageTitle: 'Opportunities',
      opportunities,
      offers: own.slice(0, 50),
      filters: { serviceType: filters.serviceType ?? '', district: filters.district ?? '' },
      serviceTypes: REQUEST_SERVICE_TYPES.map((value) => ({
        value,
        text: REQUEST_SERVICE_TYPE_LABELS[value],
      })),
    })
  })

  const showOpportunity = async (
    reply: FastifyReply,
    user: SessionUser,
    requestId: number,
    options: { status?: number; values?: FormValues; errors?: FieldError[]; done?: string } = {},
  ) => {
    const detail: OpportunityDetail = await offers.getOpportunity(providerScope(user), requestId)
    const live = new Set(detail.offers.filter((o) => o.status === 'submitted').map((o) => o.locationId))
    return reply.code(options.status ?? 200).view('brokerage/offers/views/opportunity.njk', {
      pageTitle: `Opportunity ${requestId}`,
      ...detail,
      deadline: offersClosingText(detail.opportunity.deadlineAt, detail.opportunity.closedAt),
      canOfferFrom: detail.closedBecause
        ? []
        : detail.opportunity.matches.filter((m) => !live.has(m.locationId)),
      values: options.values ?? {},
      done: options.done ?? null,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/provider/opportunities/:requestId', { config: { access: PROVIDERS } }, async (request, reply) => {
    const { requestId } = parseInput(requestParams, request.params)
    const done = field(request.query, 'done')
    const messages: Record<string, string> = {
      made: 'Your offer has been sent to the council.',
      revised: 'Your offer has been changed.',
      withdrawn: 'Your offer has been withdrawn.',
    }
    return showOpportunity(reply, request.user as SessionUser, requestId, { done: messages[done] })
  })

  app.post(
    '/provider/opportunities/:requestId/offers',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { requestId } = parseInput(requestParams, request.params)
      const { values, terms, priceProblem } = termsFromForm(request.body)
      const input = { ...terms, locationId: values.locationId }
      const problems = formProblems(newOfferSchema(londonDate(new Date())), input, priceProblem)
      try {
        if (problems.length > 0) throw new ValidationError(problems)
        await offers.makeOffer(providerScope(user), actorOf(user), requestId, input)
        return reply.redirect(`/provider/opportunities/${requestId}?done=made`, 303)
      } catch (error) {
        if (error instanceof ValidationError) {
          return showOpportunity(reply, user, requestId, {
            status: 400,
            values,
            errors: onPage(error.errors, OFFER_FIELD_IDS),
          })
        }
        if (error instanceof ConflictError) {
          return showOpportunity(reply, user, requestId, {
            status: 409,
            values,
            errors: [{ field: 'price', message: error.message }],
          })
        }
        throw error
      }
    },
  )

  const showOffer = async (
    reply: FastifyReply,
    user: SessionUser,
    params: { requestId: number; offerId: number },
    options: { status?: number; values?: FormValues; errors?: FieldError[] } = {},
  ) => {
    const scope = providerScope(user)
    const offer = await offers.getOwnOffer(scope, params.offerId)
    if (offer.requestId !== params.requestId) throw new NotFoundError('No such offer')
    const detail = await offers.getOpportunity(scope, params.requestId)
    return reply.code(options.status ?? 200).view('brokerage/offers/views/offer.njk', {
      pageTitle: `Your offer ${offer.id}`,
      ...detail,
      offer,
      deadline: offersClosingText(detail.opportunity.deadlineAt, detail.opportunity.closedAt),
      values: options.values ?? offerValues(offer),
      ...formErrors(options.errors ?? []),
    })
  }

  app.get(
    '/provider/opportunities/:requestId/offers/:offerId',
    { config: { access: PROVIDERS } },
    async (request, reply) =>
      showOffer(reply, request.user as SessionUser, parseInput(offerParams, request.params)),
  )

  app.post(
    '/provider/opportunities/:requestId/offers/:offerId',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const params = parseInput(offerParams, request.params)
      const { values, terms, priceProblem } = termsFromForm(request.body)
      const input = { ...terms, version: Number(field(request.body, 'version')) || 0 }
      const problems = formProblems(offerRevisionSchema(londonDate(new Date())), input, priceProblem)
      try {
        const offer = await offers.getOwnOffer(providerScope(user), params.offerId)
        if (offer.requestId !== params.requestId) throw new NotFoundError('No such offer')
        if (problems.length > 0) throw new ValidationError(problems)
        await offers.reviseOffer(providerScope(user), actorOf(user), params.offerId, input)
        return reply.redirect(`/provider/opportunities/${params.requestId}?done=revised`, 303)
      } catch (error) {
        if (error instanceof ValidationError) {
          return showOffer(reply, user, params, {
            status: 400,
            values,
            errors: onPage(error.errors, OFFER_FIELD_IDS),
          })
        }
        if (error instanceof ConflictError) {
          return showOffer(reply, user, params, {
            status: 409,
            values,
            errors: [{ field: 'price', message: error.message }],
          })
        }
        throw error
      }
    },
  )

  app.post(
    '/provider/opportunities/:requestId/offers/:offerId/withdraw',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const params = parseInput(offerParams, request.params)
      try {
        const offer = await offers.getOwnOffer(providerScope(user), params.offerId)
        if (offer.requestId !== params.requestId) throw new NotFoundError('No such offer')
        await offers.withdrawOffer(providerScope(user), actorOf(user), params.offerId)
        return reply.redirect(`/provider/opportunities/${params.requestId}?done=withdrawn`, 303)
      } catch (error) {
        if (error instanceof ConflictError) {
          return showOffer(reply, user, params, {
            status: 409,
            errors: [{ field: 'withdraw', message: error.message }],
          })
        }
        throw error
      }
    },
  )

  app.get('/provider/packages', { config: { access: PROVIDERS } }, async (request, reply) =>
    reply.view('brokerage/offers/views/provider-packages.njk', {
      pageTitle: 'Packages you provide',
      packages: await offers.listProviderPackages(providerScope(request.user as SessionUser)),
    }),
  )

  const showProviderPackage = async (
    reply: FastifyReply,
    user: SessionUser,
    packageId: number,
    options: { status?: number; values?: FormValues; errors?: FieldError[]; done?: string } = {},
  ) => {
    const pkg = await offers.viewProviderPackage(providerScope(user), actorOf(user), packageId)
    const { handBack, noticeDays } = await offers.providerHandBackOf(providerScope(user), packageId)
    return reply.code(options.status ?? 200).view('brokerage/offers/views/provider-package.njk', {
      pageTitle: `Package ${pkg.id}`,
      pkg,
      handBack,
      noticeDays,
      canHandBack: handBack === null && pkg.state !== 'ended' && pkg.confirmation !== 'declined',
      done: options.done ?? null,
      values: options.values ?? {},
      ...formErrors(options.errors ?? []),
    })
  }

  const PACKAGE_DONE = ['confirmed', 'declined', 'handedBack']
  app.get('/provider/packages/:packageId', { config: { access: PROVIDERS } }, async (request, reply) => {
    const { packageId } = parseInput(packageParams, request.params)
    const done = field(request.query, 'done')
    return showProviderPackage(reply, request.user as SessionUser, packageId, {
      done: PACKAGE_DONE.includes(done) ? done : undefined,
    })
  })

  app.post(
    '/provider/packages/:packageId/hand-back',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      // The form's reason is named apart from the decline form's, which can share the page.
      const values: FormValues = {
        'lastDay-day': field(request.body, 'lastDay-day'),
        'lastDay-month': field(request.body, 'lastDay-month'),
        'lastDay-year': field(request.body, 'lastDay-year'),
        handBackReason: field(request.body, 'handBackReason'),
        shortNoticeReason: field(request.body, 'shortNoticeReason'),
      }
      const onPage: Record<string, string> = { lastDay: 'lastDay-day', reason: 'handBackReason' }
      try {
        await offers.handBackPackage(providerScope(user), actorOf(user), packageId, {
          lastDay: dateFromForm(request.body, 'lastDay'),
          reason: values.handBackReason,
          shortNoticeReason: values.shortNoticeReason,
        })
        return reply.redirect(`/provider/packages/${packageId}?done=handedBack`, 303)
      } catch (error) {
        if (error instanceof ValidationError || error instanceof ConflictError) {
          const errors =
            error instanceof ValidationError
              ? error.errors.map((e) => ({ ...e, field: onPage[e.field] ?? e.field }))
              : [{ field: 'handBackReason', message: error.message }]
          return showProviderPackage(reply, user, packageId, {
            status: error instanceof ValidationError ? 400 : 409,
            values,
            errors,
          })
        }
        throw error
      }
    },
  )

  app.post(
    '/provider/packages/:packageId/confirm',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      try {
        await offers.confirmPackage(providerScope(user), actorOf(user), packageId)
        return reply.redirect(`/provider/packages/${packageId}?done=confirmed`, 303)
      } catch (error) {
        if (error instanceof ConflictError)
          return showProviderPackage(reply, user, packageId, {
            status: 409,
            errors: [{ field: 'confirm', message: error.message }],
          })
        throw error
      }
    },
  )

  app.post(
    '/provider/packages/:packageId/decline',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      const reason = field(request.body, 'reason')
      try {
        await offers.declinePackage(providerScope(user), actorOf(user), packageId, { reason })
        return reply.redirect(`/provider/packages/${packageId}?done=declined`, 303)
      } catch (error) {
        if (error instanceof ValidationError)
          return showProviderPackage(reply, user, packageId, {
            status: 400,
            errors: error.errors,
            values: { reason },
          })
        if (error instanceof ConflictError)
          return showProviderPackage(reply, user, packageId, {
            status: 409,
            errors: [{ field: 'reason', message: error.message }],
            values: { reason },
          })
        throw error
      }
    },
  )

  app.get(
    '/provider/packages/:packageId/agreement',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      const pkg = await offers.viewProviderPackage(providerScope(user), actorOf(user), packageId)
      return reply.view('brokerage/offers/views/agreement-page.njk', {
        pageTitle: `Individual service agreement: package ${pkg.id}`,
        ...agreementContext(pkg, user.councilName),
        backHref: `/provider/packages/${pkg.id}`,
        pdfHref: `/provider/packages/${pkg.id}/agreement.pdf`,
      })
    },
  )

  app.get(
    '/provider/packages/:packageId/agreement.pdf',
    { config: { access: PROVIDERS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      const pkg = await offers.viewProviderPackage(providerScope(user), actorOf(user), packageId)
      return sendAgreementPdf(reply, pkg, user.councilName)
    },
  )

  app.get('/provider/messages', { config: { access: PROVIDERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const messages = await offers.organisationInbox(user.councilId, user.providerOrganisationId as number)
    await offers.markMessagesRead(user.councilId, user.providerOrganisationId as number)
    return reply.view('brokerage/offers/views/messages.njk', { pageTitle: 'Messages', messages })
  })
}
