// The JSON API for case-management systems: create a request, read it, and move it through its
// life. Errors are JSON with field details; the wrong state is 409, the wrong role 403 and
// another council's request 404.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { SessionUser } from '../../accounts/service.ts'
import { parseInput } from '../../errors.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { operation } from '../../web/api-schema.ts'
import { pageAnswer, pagingQuery } from '../../web/paging.ts'
import { assignmentSchema } from './assignment.ts'
import { type InputContext, newRequestSchema, republishSchema } from './input.ts'
import { REQUESTERS, requestParams } from './pages.ts'
import type { RequestsRouteOptions } from './route-options.ts'
import {
  changedSchema,
  invitationPreviewSchema,
  publishedSchema,
  requestEventSchema,
  requestListSchema,
  sourcingRequestSchema,
} from './schemas.ts'
import { requestFiltersQuery } from './search.ts'
import {
  cancelSchema,
  changeSchema,
  closeEarlySchema,
  type PublishResult,
  referencesSchema,
  returnSchema,
} from './service.ts'

const BROKERS = ['broker'] as const
const TAGS = ['requests']
const oneRequest = z.object({ request: sourcingRequestSchema })
const NOBODY_INVITED =
  ' Publishing that would invite no location is refused with 422, its message saying how many locations each reason keeps out (widen the request first: see PATCH /api/v1/requests/{id}/criteria).'
const PUBLISH_CHECK =
  'Optional JSON body {version?, identifiersChecked?}. The person’s name, date of birth, NHS number and full postcode are always taken out of the needs summary, notes for providers and language before providers read them. When that text still has something that looks like anyone’s identity (a date, a phone number, an email address, a 10-digit number, a full postcode, a title and a name), publishing is refused with 400 on the field identifiersChecked, naming what and where, until the request is sent again with identifiersChecked: true to confirm it was checked.'

function body(request: FastifyRequest): Record<string, unknown> {
  const given = request.body
  return given && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {}
}

const version = z.preprocess(
  (v) => (v === '' || v === null ? undefined : v),
  z.coerce
    .number({ error: 'version must be a whole number' })
    .int('version must be a whole number')
    .positive('version must be a whole number')
    .optional()
    .describe('The change is made only if the request is still at this version; 409 if not'),
)
const identifiersCheckedSchema = z
  .boolean({ error: 'identifiersChecked must be true or false' })
  .optional()
  .describe(
    'true: the broker has checked the text providers will read for anything that identifies the person',
  )

const versionBody = z.object({ version })
const publishBody = z.object({ version, identifiersChecked: identifiersCheckedSchema })
const cancelBody = cancelSchema.extend({ version })
const closeBody = closeEarlySchema.extend({ version })
const returnBody = returnSchema.extend({ version })
// A schema's shape does not depend on the day or the council's default distance; only its checks do.
const anyDay: InputContext = { today: '1970-01-01', defaultMaxDistanceMiles: 1 }
const changeBody = changeSchema(anyDay).extend({ version })
const republishBody = republishSchema(anyDay).extend({
  version,
  identifiersChecked: identifiersCheckedSchema,
})

/** An optional `version` in the body: the change is made only if the request is still at it. */
function expectedVersion(request: FastifyRequest): number | undefined {
  return parseInput(versionBody, { version: body(request).version }).version
}

/** `identifiersChecked: true`: the broker has checked the text providers will read (see publish). */
function identifiersChecked(request: FastifyRequest): boolean | undefined {
  const { identifiersChecked } = parseInput(z.object({ identifiersChecked: identifiersCheckedSchema }), {
    identifiersChecked: body(request).identifiersChecked,
  })
  return identifiersChecked
}

function published(result: PublishResult) {
  return {
    request: result.request,
    round: result.round,
    deadlineAt: result.window.deadline,
    window: {
      kind: result.window.kind,
      hours: result.window.hours,
      workingDays: result.window.workingDays,
      explanation: result.window.explanation,
      closesAfterStart: result.window.closesAfterStart,
    },
    invitations: result.invitations,
  }
}

const listQuery = requestFiltersQuery.extend(pagingQuery.shape)

export const requestsApiRoutes: FastifyPluginAsync<RequestsRouteOptions> = async (app, { requests }) => {
  app.post(
    '/api/v1/requests',
    {
      config: { access: REQUESTERS },
      schema: operation({
        summary: 'Create a sourcing request (as a draft; submit it next)',
        description:
          'JSON body: person {name, dateOfBirth, sex?, postcode, nhsNumber?} or personId; personRef? and caseRef? (the council’s case system’s person and case or service agreement IDs: up to 100 printable characters, never shown to providers); serviceType; clientGroup; specialisms[]; needsSummary; preferredPostcode?; maxDistanceMiles?; startDate; urgency (routine, urgent, emergency); inHospital?; emergencyHours? (24 or 48); usualPricePounds and/or budgetPounds (both optional where the council’s rate book has a standard rate for the service and client group at the person’s locality, or every locality, on the start date: the request’s usual price then comes from the book; without such a rate, 400 on usualPricePounds); notesForProviders?; lotId?; for home care visits[] {days[], windowStart, windowEnd, durationMinutes, carers}, carerGender?, language?; for supported living supportHoursPerWeek (hours of support a week, like 20 or 37.5).',
        tags: TAGS,
        body: newRequestSchema(anyDay),
        responses: { 201: oneRequest },
        errors: [404],
      }),
    },
    async (request, reply) => {
      const created = await requests.createRequest(request.user as SessionUser, body(request))
      return reply.code(201).send({ request: created })
    },
  )

  app.get(
    '/api/v1/requests',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary:
          'The council’s sourcing requests, most recently changed first: search (?q=) and filter them, a page at a time',
        description:
          'q finds words of the person’s name in any order, any case and with or without accents, the request ID, the NHS number in any spacing, and case-system person or case IDs. The filters narrow it further. Not for provider users: providers never search by a person’s identity.',
        tags: TAGS,
        querystring: listQuery,
        responses: { 200: requestListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const query = parseInput(listQuery, request.query ?? {})
      const found = await requests.listRequests(user, query)
      return pageAnswer('requests', found.requests, found.total, query)
    },
  )

  app.get(
    '/api/v1/requests/:id',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary: 'A sourcing request, with its person, visits and history',
        tags: TAGS,
        params: requestParams,
        responses: { 200: z.object({ request: sourcingRequestSchema, events: z.array(requestEventSchema) }) },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { id } = parseInput(requestParams, request.params)
      return {
        request: await requests.getRequest(user, id),
        events: await requests.listRequestEvents(user, id),
      }
    },
  )

  app.patch(
    '/api/v1/requests/:id',
    {
      config: { access: REQUESTERS },
      schema: operation({
        summary: 'Change the request’s case-system IDs, at any stage: {personRef?, caseRef?}',
        description:
          'Only the IDs from the council’s case system change here; every other answer is fixed once the request is submitted. A field left out is kept; null or an empty string takes it away. The request’s packages take the new IDs too. Never shown to providers.',
        tags: TAGS,
        params: requestParams,
        body: referencesSchema,
        responses: { 200: oneRequest },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return { request: await requests.setReferences(request.user as SessionUser, id, body(request)) }
    },
  )

  app.patch(
    '/api/v1/requests/:id/criteria',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Change a submitted or published request, with a reason: {maxDistanceMiles?, budgetPounds?, lotId? (null for none), startDate?, reason, version?}',
        description:
          'The reason is required (400 on reason without it); at least one answer must change. A published request’s eligibility is decided again as a new round: locations newly eligible are invited, and providers whose locations are no longer eligible, or whose offers now come from one, are told. The deadline stays. 409 for a request in any other status.',
        tags: TAGS,
        params: requestParams,
        body: changeBody,
        responses: { 200: changedSchema },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      const { version: _version, ...change } = body(request)
      return requests.changeRequest(request.user as SessionUser, id, change, {
        expectedVersion: expectedVersion(request),
      })
    },
  )

  app.post(
    '/api/v1/requests/:id/submit',
    {
      config: { access: REQUESTERS },
      schema: operation({
        summary: 'Submit a draft request to the brokerage team',
        tags: TAGS,
        params: requestParams,
        body: versionBody,
        responses: { 200: oneRequest },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return {
        request: await requests.submit(request.user as SessionUser, id, {
          expectedVersion: expectedVersion(request),
        }),
      }
    },
  )

  app.post(
    '/api/v1/requests/:id/assignment',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Assign the request to a broker of the council: {userId} or {brokerEmail}, or neither for yourself',
        description:
          'The broker looking after the request, shown on it and found by GET /api/v1/requests?assignedTo=me|none|<userId>. 400 when the user given is not an active broker of this council; 409 for a started or cancelled request. Audited.',
        tags: TAGS,
        params: requestParams,
        body: assignmentSchema,
        responses: { 200: oneRequest },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return { request: await requests.assignRequest(request.user as SessionUser, id, body(request)) }
    },
  )

  app.get(
    '/api/v1/requests/:id/invitation-preview',
    {
      config: { access: BROKERS },
      schema: operation({
        summary: 'Who publishing the submitted request now would invite, and why the others would not be',
        description:
          'Nothing is written. exclusions counts the locations not invited by their first reason, most common first.',
        tags: TAGS,
        params: requestParams,
        responses: { 200: invitationPreviewSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return requests.previewPublication(request.user as SessionUser, id)
    },
  )

  app.post(
    '/api/v1/requests/:id/return',
    {
      config: { access: BROKERS },
      schema: operation({
        summary: 'Return a submitted request to the social worker with a note; body {reason} is required',
        description:
          'The request becomes returned: the social worker sees the note, changes the request and submits it again (POST /api/v1/requests/{id}/submit). 400 on reason without a note; 409 unless the request is submitted.',
        tags: TAGS,
        params: requestParams,
        body: returnBody,
        responses: { 200: oneRequest },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return {
        request: await requests.returnToSocialWorker(request.user as SessionUser, id, {
          reason: body(request).reason,
          expectedVersion: expectedVersion(request),
        }),
      }
    },
  )

  app.post(
    '/api/v1/requests/:id/publish',
    {
      config: { access: BROKERS },
      schema: operation({
        summary: 'Publish a submitted request: sets its deadline and invites the eligible providers',
        description: PUBLISH_CHECK + NOBODY_INVITED,
        tags: TAGS,
        params: requestParams,
        body: publishBody,
        responses: { 200: publishedSchema },
        errors: [404, 409, 422],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return published(
        await requests.publish(request.user as SessionUser, id, {
          expectedVersion: expectedVersion(request),
          identifiersChecked: identifiersChecked(request),
        }),
      )
    },
  )

  app.post(
    '/api/v1/requests/:id/close',
    {
      config: { access: BROKERS },
      schema: operation({
        summary: 'Close a published request to offers early; body {reason} is required',
        description:
          'Every provider invited or having offered is told the request closed early (not the reason). The request keeps closedAt, the time it really closed, beside deadlineAt. Closing a closed request does nothing.',
        tags: TAGS,
        params: requestParams,
        body: closeBody,
        responses: { 200: oneRequest },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return {
        request: await requests.closeRequest(request.user as SessionUser, id, {
          reason: body(request).reason,
          expectedVersion: expectedVersion(request),
        }),
      }
    },
  )

  app.post(
    '/api/v1/requests/:id/cancel',
    {
      config: { access: REQUESTERS },
      schema: operation({
        summary: 'Cancel a request before care starts; body {reason} is required',
        tags: TAGS,
        params: requestParams,
        body: cancelBody,
        responses: { 200: oneRequest },
        errors: [404, 409],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      return {
        request: await requests.cancel(request.user as SessionUser, id, {
          reason: body(request).reason,
          expectedVersion: expectedVersion(request),
        }),
      }
    },
  )

  app.post(
    '/api/v1/requests/:id/republish',
    {
      config: { access: BROKERS },
      schema: operation({
        summary:
          'Publish an unsourced request again, optionally wider: {maxDistanceMiles?, budgetPounds?, lotId? (null for none), startDate?, identifiersChecked?}',
        description: PUBLISH_CHECK + NOBODY_INVITED,
        tags: TAGS,
        params: requestParams,
        body: republishBody,
        responses: { 200: publishedSchema },
        errors: [404, 409, 422],
      }),
    },
    async (request) => {
      const { id } = parseInput(requestParams, request.params)
      const { version: _version, identifiersChecked: _checked, ...widened } = body(request)
      return published(
        await requests.republish(request.user as SessionUser, id, widened, {
          expectedVersion: expectedVersion(request),
          identifiersChecked: identifiersChecked(request),
        }),
      )
    },
  )
}
