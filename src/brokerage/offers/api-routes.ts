// The JSON API of offers, awards and packages, for case-management systems and providers' own systems.
import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { parseInput, ValidationError } from '../../errors.ts'
import { recordId } from '../../storable.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { operation } from '../../web/api-schema.ts'
import { field } from '../../web/forms.ts'
import { pageAnswer, pagedSchema, pageOfList, pagingQuery } from '../../web/paging.ts'
import { awardSchema, unsourcedSchema } from './award.ts'
import { BROKERS, PACKAGE_MANAGERS, packageParams, requestParams } from './council-routes.ts'
import { handBackSchema } from './hand-backs.ts'

import { declineSchema } from './handover.ts'
import { packageFiltersQuery } from './package-search.ts'
import { endPackageSchema } from './packages.ts'
import { PROVIDERS, providerScope } from './provider-routes.ts'
import type { OffersRouteOptions } from './route-options.ts'
import {
  awardResultSchema,
  eligibilitySchema,
  evaluationSchema,
  handBackSchemaOut,
  handoverResultSchema,
  offerSchema,
  opportunityDetailSchema,
  opportunitySchema,
  packageListSchema,
  packageSchema,
  providerPackageDetailSchema,
  providerPackageSchema,
  unsourcedResultSchema,
} from './schemas.ts'
import { newOfferSchema, offerRevisionSchema, opportunityFiltersSchema } from './service.ts'

const offerParams = z.object({ offerId: recordId('Offer ID') })
const opportunityParams = z.object({ requestId: recordId('Request ID') })
const decisionsQuery = z.object({
  locationId: recordId('Location ID').optional(),
  q: z.string().max(200).optional(),
  eligible: z.enum(['true', 'false']).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/** A JSON body as an object; anything else (a string, an array, nothing) is refused plainly. */
function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', message: 'Send a JSON object' }])
  }
  return body as Record<string, unknown>
}

/** The version a revision is of: the body's `version`, or an If-Match header ("3" or W/"3"). */
function versionOf(body: Record<string, unknown>, ifMatch: string | undefined): unknown {
  if (body.version !== undefined) return body.version
  const match = ifMatch?.match(/^(?:W\/)?"?(\d+)"?$/)
  return match ? Number(match[1]) : undefined
}

const packagesQuery = packageFiltersQuery.extend(pagingQuery.shape)
// A schema's shape does not depend on the day; only its checks do.
const ANY_DAY = '1970-01-01'
const offerHeaders = z.object({
  'idempotency-key': z
    .string()
    .max(200)
    .optional()
    .describe('A key of your choosing, unique to this offer, so that sending it again makes no second offer'),
})
const revisionHeaders = z.object({
  'if-match': z
    .string()
    .optional()
    .describe('The version revised ("3" or W/"3"), when the body does not give it'),
})
const oneOffer = z.object({ offer: offerSchema })

export const offersApiRoutes: FastifyPluginAsync<OffersRouteOptions> = async (app, { offers }) => {
  // ---- Council: eligibility, evaluation and award ----

  app.get(
    '/api/v1/requests/:id/eligibility',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Why each location was or was not invited: the invited, any found by ?q= (name or CQC ID), one ?locationId=, or every decision a page at a time (?eligible=&offset=&limit=)',
        tags: ['eligibility'],
        params: requestParams,
        querystring: decisionsQuery,
        responses: { 200: eligibilitySchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const query = parseInput(decisionsQuery, request.query)
      if (query.locationId !== undefined)
        return offers.explainEligibility(user.councilId, id, query.locationId)
      const overview = await offers.eligibilityOverview(user.councilId, id, { search: query.q })
      const decisions = await offers.listDecisions(user.councilId, id, {
        offset: query.offset,
        limit: query.limit,
        eligible: query.eligible === undefined ? undefined : query.eligible === 'true',
      })
      return { ...overview, decisions, offset: query.offset, limit: query.limit }
    },
  )

  app.get(
    '/api/v1/requests/:id/offers',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'The ranked shortlist of a request’s offers, with every score’s parts, the weights and the flags',
        tags: ['offers'],
        params: requestParams,
        responses: { 200: evaluationSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const evaluation = await offers.evaluateOffers(user, id)
      const { person: _person, ...rest } = evaluation
      return rest
    },
  )

  app.post(
    '/api/v1/requests/:id/award',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Accept an offer (home care: for some or all of its visits) and create the package. 409 when the request is not open to award (closed, or awarded or started with home care visits still unfilled), or the slot was awarded already.',
        tags: ['offers'],
        params: requestParams,
        body: awardSchema,
        responses: { 201: awardResultSchema },
        errors: [404, 409],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const result = await offers.award(
        { councilId: user.councilId, actor: actorOf(user) },
        id,
        bodyObject(request.body),
      )
      return reply.code(201).send(result)
    },
  )

  app.post(
    '/api/v1/requests/:id/unsourced',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Mark a closed request with no acceptable offer as unsourced (the person goes on the Interim Care List)',
        tags: ['offers'],
        params: requestParams,
        body: unsourcedSchema,
        responses: { 200: unsourcedResultSchema },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      return offers.markUnsourced(
        { councilId: user.councilId, actor: actorOf(user) },
        id,
        bodyObject(request.body ?? {}),
      )
    },
  )

  // ---- Council: packages ----

  app.get(
    '/api/v1/packages',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary:
          'The council’s packages, newest first: by person (?q=), provider, status and start dates, a page at a time',
        tags: ['packages'],
        querystring: packagesQuery,
        responses: { 200: packageListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const query = parseInput(packagesQuery, request.query ?? {})
      const found = await offers.listPackages(user, query)
      return pageAnswer('packages', found.packages, found.total, query)
    },
  )

  app.get(
    '/api/v1/packages/:packageId',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary: 'One package',
        tags: ['packages'],
        params: packageParams,
        responses: { 200: packageSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { packageId } = parseInput(packageParams, request.params)
      return offers.getPackage(request.user as SessionUser, packageId)
    },
  )

  app.post(
    '/api/v1/packages/:packageId/end',
    {
      config: { access: PACKAGE_MANAGERS },
      schema: operation({
        summary: 'End a package: { endDate, reason }',
        tags: ['packages'],
        params: packageParams,
        body: endPackageSchema,
        responses: { 200: packageSchema },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      return offers.endPackage({ ...user, actor: actorOf(user) }, packageId, bodyObject(request.body))
    },
  )

  // ---- Providers: opportunities and offers ----

  app.get(
    '/api/v1/opportunities',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'Published requests your locations were invited to, anonymised (?serviceType=&district=), a page at a time',
        tags: ['opportunities'],
        querystring: opportunityFiltersSchema.extend(pagingQuery.shape),
        responses: { 200: pagedSchema('opportunities', opportunitySchema) },
        errors: [],
      }),
    },
    async (request) => {
      const filters = opportunityFiltersSchema.parse({
        serviceType: field(request.query, 'serviceType'),
        district: field(request.query, 'district'),
      })
      const paging = parseInput(pagingQuery, request.query ?? {})
      return pageOfList(
        'opportunities',
        await offers.listOpportunities(providerScope(request.user as SessionUser), filters),
        paging,
      )
    },
  )

  app.get(
    '/api/v1/opportunities/:requestId',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary: 'One opportunity, anonymised, with your offers on it',
        tags: ['opportunities'],
        params: opportunityParams,
        responses: { 200: opportunityDetailSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { requestId } = parseInput(opportunityParams, request.params)
      return offers.getOpportunity(providerScope(request.user as SessionUser), requestId)
    },
  )

  app.post(
    '/api/v1/requests/:id/offers',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'Make an offer: { locationId, pricePence, earliestStart, visitIds, meetsAllNeeds, notes }. With an Idempotency-Key header, sending again returns the first offer (200) instead of making another.',
        tags: ['opportunities'],
        description:
          'Answers 201 with the offer made. With an Idempotency-Key header (up to 200 characters), the same key sent again with the same body to the same request answers 200 with the offer it first made, however often it is sent; the same key with a different body answers 422 ("This Idempotency-Key was already used with a different request"), and makes nothing. A key belongs to your organisation and the request it is sent to, whichever of your tokens sends it. 400 names the field at fault; 404 if the request is not one your locations were invited to; 409 if offers are closed or the location already has a live offer.',
        params: requestParams,
        headers: offerHeaders,
        body: newOfferSchema(ANY_DAY),
        responses: { 201: oneOffer, 200: oneOffer },
        errors: [404, 409, 422],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const key = request.headers['idempotency-key']
      const result = await offers.makeOffer(
        providerScope(user),
        actorOf(user),
        id,
        bodyObject(request.body),
        {
          idempotencyKey: typeof key === 'string' ? key : null,
        },
      )
      return reply.code(result.created ? 201 : 200).send({ offer: result.offer })
    },
  )

  app.put(
    '/api/v1/offers/:offerId',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'Revise an offer until the deadline: the full terms and the version revised (in the body, or If-Match). 409 if it has changed since.',
        tags: ['opportunities'],
        params: offerParams,
        headers: revisionHeaders,
        body: offerRevisionSchema(ANY_DAY),
        responses: { 200: oneOffer },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { offerId } = parseInput(offerParams, request.params)
      const body = bodyObject(request.body)
      const ifMatch = request.headers['if-match']
      const input = { ...body, version: versionOf(body, typeof ifMatch === 'string' ? ifMatch : undefined) }
      return { offer: await offers.reviseOffer(providerScope(user), actorOf(user), offerId, input) }
    },
  )

  app.delete(
    '/api/v1/offers/:offerId',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary: 'Withdraw an offer until the deadline',
        tags: ['opportunities'],
        params: offerParams,
        responses: { 200: oneOffer },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { offerId } = parseInput(offerParams, request.params)
      return { offer: await offers.withdrawOffer(providerScope(user), actorOf(user), offerId) }
    },
  )

  app.get(
    '/api/v1/provider/packages',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary: 'Packages your organisation provides, without the person’s details, a page at a time',
        tags: ['packages'],
        querystring: pagingQuery,
        responses: { 200: pagedSchema('packages', providerPackageSchema) },
        errors: [],
      }),
    },
    async (request) => {
      const paging = parseInput(pagingQuery, request.query ?? {})
      return pageOfList(
        'packages',
        await offers.listProviderPackages(providerScope(request.user as SessionUser)),
        paging,
      )
    },
  )

  app.get(
    '/api/v1/provider/packages/:packageId',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'One of your packages with the person’s details; every call is logged as a view of personal data',
        tags: ['packages'],
        params: packageParams,
        responses: { 200: providerPackageDetailSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      return offers.viewProviderPackage(providerScope(user), actorOf(user), packageId)
    },
  )

  app.post(
    '/api/v1/provider/packages/:packageId/hand-back',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'Give notice on one of your packages (a hand-back): { reason, lastDay, shortNoticeReason? }. A last day sooner than the council’s notice period needs shortNoticeReason. A package is handed back once.',
        tags: ['packages'],
        params: packageParams,
        body: handBackSchema,
        responses: { 201: handBackSchemaOut },
        errors: [404, 409],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      const handBack = await offers.handBackPackage(
        providerScope(user),
        actorOf(user),
        packageId,
        bodyObject(request.body),
      )
      return reply.code(201).send(handBack)
    },
  )

  app.post(
    '/api/v1/packages/:packageId/resource',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Re-source a handed-back package as a linked request, copied from the one that placed it; doing it again returns the same request',
        tags: ['packages'],
        params: packageParams,
        responses: { 200: z.object({ requestId: z.int(), created: z.boolean() }) },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      return offers.resourceHandBack({ ...user, actor: actorOf(user) }, packageId)
    },
  )

  app.post(
    '/api/v1/provider/packages/:packageId/confirm',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary: 'Confirm you will provide one of your packages awarded to you',
        tags: ['packages'],
        description:
          'Answer within the council’s window (the package’s confirmBy date). 409 when the package has already been confirmed or declined.',
        params: packageParams,
        responses: { 200: handoverResultSchema },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      return offers.confirmPackage(providerScope(user), actorOf(user), packageId)
    },
  )

  app.post(
    '/api/v1/provider/packages/:packageId/decline',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary: 'Decline one of your packages awarded to you: { reason }',
        tags: ['packages'],
        description:
          'The reason is required (400 without it) and goes to the council’s brokers, who may award the care to another offer. 409 when the package has already been confirmed or declined.',
        params: packageParams,
        body: declineSchema,
        responses: { 200: handoverResultSchema },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      const result = await offers.declinePackage(
        providerScope(user),
        actorOf(user),
        packageId,
        bodyObject(request.body),
      )
      return {
        packageId: result.packageId,
        requestId: result.requestId,
        confirmation: result.confirmation,
        respondedAt: result.respondedAt,
      }
    },
  )
}
