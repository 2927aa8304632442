import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { ConflictError, parseInput, ValidationError } from '../../errors.ts'
import { recordId } from '../../storable.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { operation } from '../../web/api-schema.ts'
import { dateFromForm, field, formErrors, typedDateParts } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import type { ProvidersServices } from '../services.ts'
import { RESTRICTION_KIND_LABELS, RESTRICTION_KINDS } from '../vocabulary.ts'
import { describeRestrictionView, registerPage, scopeOf } from './location-page.ts'
import { PAMMS_RATINGS } from './rules.ts'
import { locationQualitySchema, restrictionRegisterSchema } from './schemas.ts'
import { type PammsAuditInput, type RestrictionInput, todayInLondon } from './service.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const qualityCapabilities: Capability[] = [
  {
    href: '/restrictions',
    section: 'providers',
    label: 'Restrictions',
    description:
      'See which services may not take new placements, or only with conditions, and how many services and beds that affects in each sector.',
    roles: COUNCIL_STAFF,
  },
]

const COMMISSIONER = ['commissioner'] as const
const EVERYONE = [...COUNCIL_STAFF, 'provider_user'] as const

const locationParams = z.object({ id: recordId('Location ID') })
const restrictionParams = z.object({ id: recordId('Location ID'), restrictionId: recordId('Restriction ID') })

const DATE_FIELDS = ['ratedOn', 'startsOn', 'endsOn']

/** The error summary links a date to its first box, as the GOV.UK date input pattern asks. */
function pageErrors(error: ValidationError | null) {
  const { errorList, fieldErrors } = formErrors(error?.errors ?? [])
  return {
    errorList: errorList.map((e) =>
      DATE_FIELDS.includes(e.href.slice(1)) ? { ...e, href: `${e.href}-day` } : e,
    ),
    fieldErrors,
  }
}

/** What the quality pages and API are given: the services they call, nothing more. */
export interface QualityRouteOptions {
  quality: ProvidersServices['quality']
  register: Pick<ProvidersServices['register'], 'getLocation'>
}

export const qualityRoutes: FastifyPluginAsync<QualityRouteOptions> = async (
  app,
  { quality: qualityService, register },
) => {
  const locationFor = (user: SessionUser, id: number) => register.getLocation(scopeOf(user), id)

  // PAMMS audits -------------------------------------------------------------------------------

  const showPammsForm = async (
    reply: FastifyReply,
    user: SessionUser,
    locationId: number,
    status: number,
    values: Record<string, string>,
    error: ValidationError | null,
  ) => {
    const location = await locationFor(user, locationId)
    return reply.code(status).view('providers/quality/views/pamms-new.njk', {
      pageTitle: 'Record a PAMMS audit',
      location,
      ratings: PAMMS_RATINGS,
      values,
      ...pageErrors(error),
    })
  }

  app.get('/locations/:id/pamms/new', { config: { access: COMMISSIONER } }, async (request, reply) => {
    const { id } = parseInput(locationParams, request.params)
    return showPammsForm(reply, request.user as SessionUser, id, 200, {}, null)
  })

  app.post('/locations/:id/pamms', { config: { access: COMMISSIONER } }, async (request, reply) => {
    const { id } = parseInput(locationParams, request.params)
    const user = request.user as SessionUser
    const values = {
      rating: field(request.body, 'rating'),
      reference: field(request.body, 'reference'),
      ...typedDateParts(request.body, 'ratedOn'),
    }
    try {
      await qualityService.recordPammsAudit(
        user.councilId,
        id,
        {
          rating: values.rating as PammsAuditInput['rating'],
          reference: values.reference,
          ratedOn: dateFromForm(request.body, 'ratedOn'),
        },
        actorOf(user),
      )
    } catch (error) {
      if (error instanceof ValidationError) return showPammsForm(reply, user, id, 400, values, error)
      if (error instanceof ConflictError) {
        const conflict = new ValidationError([{ field: 'ratedOn', message: error.message }])
        return showPammsForm(reply, user, id, 409, values, conflict)
      }
      throw error
    }
    return reply.redirect(`/locations/${id}?done=pamms-recorded`, 303)
  })

  // Restrictions -------------------------------------------------------------------------------

  const showRestrictionForm = async (
    reply: FastifyReply,
    user: SessionUser,
    locationId: number,
    status: number,
    values: Record<string, string>,
    error: ValidationError | null,
  ) => {
    const location = await locationFor(user, locationId)
    return reply.code(status).view('providers/quality/views/restriction-new.njk', {
      pageTitle: 'Place a restriction',
      location,
      kinds: RESTRICTION_KINDS.map((value) => ({ value, label: RESTRICTION_KIND_LABELS[value] })),
      values,
      ...pageErrors(error),
    })
  }

  app.get('/locations/:id/restrictions/new', { config: { access: COMMISSIONER } }, async (request, reply) => {
    const { id } = parseInput(locationParams, request.params)
    return showRestrictionForm(reply, request.user as SessionUser, id, 200, {}, null)
  })

  app.post('/locations/:id/restrictions', { config: { access: COMMISSIONER } }, async (request, reply) => {
    const { id } = parseInput(locationParams, request.params)
    const user = request.user as SessionUser
    const values = {
      kind: field(request.body, 'kind'),
      monthlyLimit: field(request.body, 'monthlyLimit'),
      reason: field(request.body, 'reason'),
      ...typedDateParts(request.body, 'startsOn'),
      ...typedDateParts(request.body, 'endsOn'),
    }
    try {
      await qualityService.placeRestriction(
        user.councilId,
        id,
        {
          kind: values.kind as RestrictionInput['kind'],
          monthlyLimit: values.monthlyLimit,
          reason: values.reason,
          startsOn: dateFromForm(request.body, 'startsOn'),
          endsOn: dateFromForm(request.body, 'endsOn'),
        },
        actorOf(user),
      )
    } catch (error) {
      if (error instanceof ValidationError) return showRestrictionForm(reply, user, id, 400, values, error)
      throw error
    }
    return reply.redirect(`/locations/${id}?done=restriction-placed`, 303)
  })

  const showLiftForm = async (
    reply: FastifyReply,
    user: SessionUser,
    params: { id: number; restrictionId: number },
    status: number,
    values: Record<string, string>,
    error: ValidationError | null,
  ) => {
    const location = await locationFor(user, params.id)
    const restriction = await qualityService.getRestriction(scopeOf(user), params.id, params.restrictionId)
    if (restriction.liftedAt)
      throw new ConflictError(`This restriction was already lifted by ${restriction.liftedBy}`)
    return reply.code(status).view('providers/quality/views/restriction-lift.njk', {
      pageTitle: 'Lift a restriction',
      location,
      restriction: describeRestrictionView(restriction, todayInLondon()),
      values,
      ...pageErrors(error),
    })
  }

  app.get(
    '/locations/:id/restrictions/:restrictionId/lift',
    { config: { access: COMMISSIONER } },
    async (request, reply) => {
      const params = parseInput(restrictionParams, request.params)
      return showLiftForm(reply, request.user as SessionUser, params, 200, {}, null)
    },
  )

  app.post(
    '/locations/:id/restrictions/:restrictionId/lift',
    { config: { access: COMMISSIONER } },
    async (request, reply) => {
      const params = parseInput(restrictionParams, request.params)
      const user = request.user as SessionUser
      const values = { reason: field(request.body, 'reason') }
      try {
        await qualityService.liftRestriction(
          user.councilId,
          params.id,
          params.restrictionId,
          values,
          actorOf(user),
        )
      } catch (error) {
        if (error instanceof ValidationError) return showLiftForm(reply, user, params, 400, values, error)
        throw error
      }
      return reply.redirect(`/locations/${params.id}?done=restriction-lifted`, 303)
    },
  )

  // The register's restrictions ----------------------------------------------------------------

  app.get('/restrictions', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const register = await qualityService.restrictionRegister((request.user as SessionUser).councilId)
    return reply.view('providers/quality/views/restrictions.njk', {
      pageTitle: 'Restrictions',
      ...registerPage(register),
    })
  })

  // API ----------------------------------------------------------------------------------------

  app.get(
    '/api/v1/locations/:id/quality',
    {
      config: { access: EVERYONE },
      schema: operation({
        summary:
          'A location’s CQC ratings (overall and by key question), PAMMS audits, effective rating and restrictions',
        tags: ['providers'],
        params: locationParams,
        responses: { 200: locationQualitySchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(locationParams, request.params)
      const quality = await qualityService.locationQuality(scopeOf(request.user as SessionUser), id)
      return {
        locationId: id,
        effectiveRating: quality.effective,
        ratings: quality.history,
        keyQuestionRatings: quality.keyQuestions,
        restrictions: { current: quality.currentRestrictions, past: quality.pastRestrictions },
      }
    },
  )

  app.get(
    '/api/v1/restrictions',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary: 'Restrictions in force today, with restricted services and beds by sector',
        tags: ['providers'],
        responses: { 200: restrictionRegisterSchema },
        errors: [],
      }),
    },
    async (request) => qualityService.restrictionRegister((request.user as SessionUser).councilId),
  )
}
