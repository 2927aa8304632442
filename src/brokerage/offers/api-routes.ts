// The JSON API of offers, awards and packages, for case-management systems and providers' own systems.
import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { parseInput, ValidationError } from '../../errors.ts'
import { recordId } from '../../storable.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { field } from '../../web/forms.ts'
import { BROKERS, PACKAGE_MANAGERS, packageParams, requestParams } from './council-routes.ts'
import { PROVIDERS, providerScope } from './provider-routes.ts'
import type { OffersRouteOptions } from './route-options.ts'
import { opportunityFiltersSchema } from './service.ts'

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

const json = (summary: string, tags: string[]) => ({ summary, tags })

export const offersApiRoutes: FastifyPluginAsync<OffersRouteOptions> = async (app, { offers }) => {
  // ---- Council: eligibility, evaluation and award ----

  app.get(
    '/api/v1/requests/:id/eligibility',
    {
      config: { access: BROKERS },
      schema: json(
        'Why each location was or was not invited: the invited, any found by ?q= (name or CQC ID), one ?locationId=, or every decision a page at a time (?eligible=&offset=&limit=)',
        ['eligibility'],
      ),
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
      schema: json(
        'The ranked shortlist of a request’s offers, with every score’s parts, the weights and the flags',
        ['offers'],
      ),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      const evaluation = await offers.evaluateOffers(user.councilId, id)
      const { person: _person, ...rest } = evaluation
      return rest
    },
  )

  app.post(
    '/api/v1/requests/:id/award',
    {
      config: { access: BROKERS },
      schema: json(
        'Accept an offer (home care: for some or all of its visits) and create the package. 409 when the request is not open to award (closed, or awarded or started with home care visits still unfilled), or the slot was awarded already.',
        ['offers'],
      ),
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
      schema: json(
        'Mark a closed request with no acceptable offer as unsourced (the person goes on the Interim Care List)',
        ['offers'],
      ),
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
      schema: json('The council’s packages, newest first (?requestId=)', ['packages']),
    },
    async (request) => {
      const user = request.user as SessionUser
      const requestId = Number(field(request.query, 'requestId'))
      return {
        packages: await offers.listPackages(user.councilId, {
          requestId: Number.isInteger(requestId) && requestId > 0 ? requestId : undefined,
        }),
      }
    },
  )

  app.get(
    '/api/v1/packages/:packageId',
    { config: { access: COUNCIL_STAFF }, schema: json('One package', ['packages']) },
    async (request) => {
      const { packageId } = parseInput(packageParams, request.params)
      return offers.getPackage((request.user as SessionUser).councilId, packageId)
    },
  )

  app.post(
    '/api/v1/packages/:packageId/end',
    {
      config: { access: PACKAGE_MANAGERS },
      schema: json('End a package: { endDate, reason }', ['packages']),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      return offers.endPackage(
        { councilId: user.councilId, actor: actorOf(user) },
        packageId,
        bodyObject(request.body),
      )
    },
  )

  // ---- Providers: opportunities and offers ----

  app.get(
    '/api/v1/opportunities',
    {
      config: { access: PROVIDERS },
      schema: json(
        'Published requests your locations were invited to, anonymised (?serviceType=&district=)',
        ['opportunities'],
      ),
    },
    async (request) => {
      const filters = opportunityFiltersSchema.parse({
        serviceType: field(request.query, 'serviceType'),
        district: field(request.query, 'district'),
      })
      return {
        opportunities: await offers.listOpportunities(providerScope(request.user as SessionUser), filters),
      }
    },
  )

  app.get(
    '/api/v1/opportunities/:requestId',
    {
      config: { access: PROVIDERS },
      schema: json('One opportunity, anonymised, with your offers on it', ['opportunities']),
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
      schema: {
        ...json(
          'Make an offer: { locationId, pricePence, earliestStart, visitIds, meetsAllNeeds, notes }. With an Idempotency-Key header, sending again returns the first offer (200) instead of making another.',
          ['opportunities'],
        ),
        description:
          'Answers 201 with the offer made. With an Idempotency-Key header (up to 200 characters), the same key sent again with the same body to the same request answers 200 with the offer it first made, however often it is sent; the same key with a different body answers 422 ("This Idempotency-Key was already used with a different request"), and makes nothing. A key belongs to your organisation and the request it is sent to, whichever of your tokens sends it. 400 names the field at fault; 404 if the request is not one your locations were invited to; 409 if offers are closed or the location already has a live offer.',
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              description:
                'A key of your choosing, unique to this offer, so that sending it again makes no second offer',
            },
          },
        },
      },
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
      schema: json(
        'Revise an offer until the deadline: the full terms and the version revised (in the body, or If-Match). 409 if it has changed since.',
        ['opportunities'],
      ),
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
      schema: json('Withdraw an offer until the deadline', ['opportunities']),
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
      schema: json('Packages your organisation provides, without the person’s details', ['packages']),
    },
    async (request) => ({
      packages: await offers.listProviderPackages(providerScope(request.user as SessionUser)),
    }),
  )

  app.get(
    '/api/v1/provider/packages/:packageId',
    {
      config: { access: PROVIDERS },
      schema: json(
        'One of your packages with the person’s details; every call is logged as a view of personal data',
        ['packages'],
      ),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { packageId } = parseInput(packageParams, request.params)
      return offers.viewProviderPackage(providerScope(user), actorOf(user), packageId)
    },
  )
}
