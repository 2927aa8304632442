import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../errors.ts'
import { formatDate, londonDate } from '../shared/dates.ts'
import { recordId } from '../storable.ts'
import { COUNCIL_STAFF } from '../web/access.ts'
import { operation } from '../web/api-schema.ts'
import { chosenFilters, filterQuery } from '../web/filters.ts'
import { field, formErrors } from '../web/forms.ts'
import { pageAnswer, pagingQuery } from '../web/paging.ts'
import { locationQualityPage } from './quality/location-page.ts'
import {
  RATING_CHOICES,
  registerFiltersForm,
  registerFiltersQuery,
  type searchRegister,
} from './register-search.ts'
import { locationListSchema, oneLocationSchema } from './schemas.ts'
import type { RegisterScope } from './service.ts'
import type { ProvidersServices } from './services.ts'
import {
  ACCREDITED_KIND_LABELS,
  type AccreditedKind,
  CLIENT_GROUP_LABELS,
  REGISTER_SERVICE_TYPE_LABELS,
  SERVICE_TYPE_LABELS,
  SERVICE_TYPES,
  SPECIALISM_LABELS,
} from './vocabulary.ts'

const PAGE_SIZE = 50
const PAGE_MESSAGE = 'Page must be a whole number from 1'
const pageQuery = z.object({
  page: z.coerce
    .number({ error: PAGE_MESSAGE })
    .int({ error: PAGE_MESSAGE })
    .min(1, { error: PAGE_MESSAGE })
    .max(100_000)
    .default(1),
})
const idParams = z.object({ id: recordId('Location ID') })
const locationsQuery = registerFiltersQuery.extend(pagingQuery.shape)
const REGISTER_FILTER_FIELDS = [
  'q',
  'serviceType',
  'rating',
  'localityId',
  'pcnAreaId',
  'vacancies',
  'restricted',
] as const

/** Council staff see their council's register; a provider user sees only its own organisation. */
function scopeOf(user: SessionUser): RegisterScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId }
}

function labels(values: string[], names: Record<string, string>): string {
  return values.map((v) => names[v] ?? v).join(', ')
}

/** What the register's pages are given: the services they call, nothing more. */
export interface RegisterRouteOptions {
  register: ProvidersServices['register']
  quality: Pick<ProvidersServices['quality'], 'locationQuality'>
  accreditation: ProvidersServices['accredited']['locationAccreditation']
  /**
   * The market events of a location and of its provider, newest first: the market's, given at
   * composition, so the register does not depend on the market.
   */
  locationMarketEvents(
    councilId: number,
    location: { id: number; providerOrganisationId: number },
  ): Promise<unknown[]>
}

export const providersRoutes: FastifyPluginAsync<RegisterRouteOptions> = async (
  app,
  { register, quality, accreditation, locationMarketEvents },
) => {
  app.get('/locations', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const { page } = parseInput(pageQuery, { page: field(request.query, 'page') || undefined })
    const user = request.user as SessionUser
    const typed = Object.fromEntries(
      REGISTER_FILTER_FIELDS.map((name) => [name, field(request.query, name).trim()]),
    ) as Record<(typeof REGISTER_FILTER_FIELDS)[number], string>
    const parsed = registerFiltersForm.safeParse(typed)
    const errors: FieldError[] = parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'q'), message: issue.message }))
    const [result, areas] = await Promise.all([
      parsed.success
        ? register.searchRegister(scopeOf(user), parsed.data, {
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
          })
        : { rows: [], total: 0 },
      register.registerFilterChoices(user.councilId),
    ])
    const kept = filterQuery(typed)
    const named = (rows: { id: number; name: string }[]) => (value: string) =>
      rows.find((row) => String(row.id) === value)?.name ?? value
    const items = (values: readonly { value: string; text: string }[], chosen: string, none: string) => [
      { value: '', text: none },
      ...values.map((v) => ({ ...v, selected: v.value === chosen })),
    ]
    return reply.code(errors.length > 0 ? 400 : 200).view('providers/views/locations.njk', {
      pageTitle: 'Provider register',
      ...locationsPage(result, page),
      basePath: `/locations?${kept ? `${kept}&` : ''}`,
      filtered: true,
      values: typed,
      chosen: chosenFilters('/locations', typed, {
        q: { heading: 'Name or CQC ID' },
        serviceType: {
          heading: 'Service type',
          text: (v) => SERVICE_TYPE_LABELS[v as keyof typeof SERVICE_TYPE_LABELS] ?? v,
        },
        rating: { heading: 'Effective rating' },
        localityId: { heading: 'Locality', text: named(areas.localities) },
        pcnAreaId: { heading: 'PCN', text: named(areas.pcnAreas) },
        vacancies: { heading: 'Vacancies', text: (v) => (v === 'yes' ? 'Reported' : 'None reported') },
        restricted: { heading: 'Restriction', text: (v) => (v === 'yes' ? 'In force' : 'None in force') },
      }),
      serviceTypeItems: items(
        SERVICE_TYPES.map((s) => ({ value: s, text: SERVICE_TYPE_LABELS[s] })),
        typed.serviceType,
        'All service types',
      ),
      ratingItems: items(
        RATING_CHOICES.map((r) => ({ value: r, text: r })),
        typed.rating,
        'Any rating',
      ),
      localityItems: items(
        areas.localities.map((l) => ({ value: String(l.id), text: l.name })),
        typed.localityId,
        'All localities',
      ),
      pcnItems: items(
        areas.pcnAreas.map((p) => ({ value: String(p.id), text: p.name })),
        typed.pcnAreaId,
        'All PCNs',
      ),
      vacancyItems: items(
        [
          { value: 'yes', text: 'Vacancies or spare hours reported' },
          { value: 'no', text: 'None reported' },
        ],
        typed.vacancies,
        'Any',
      ),
      restrictionItems: items(
        [
          { value: 'yes', text: 'Restriction in force' },
          { value: 'no', text: 'No restriction in force' },
        ],
        typed.restricted,
        'Any',
      ),
      ...formErrors(errors),
    })
  })

  app.get('/locations/:id', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const { id } = parseInput(idParams, request.params)
    const user = request.user as SessionUser
    const location = await register.getLocation(scopeOf(user), id)
    // Market events are for the staff who read the market events list (not social workers).
    const readsEvents = user.role !== 'social_worker'
    return reply.view('providers/views/location.njk', {
      pageTitle: location.name,
      location: describeLocation(location),
      mayEnterCoordinates: user.role === 'commissioner',
      marketEvents: readsEvents ? await locationMarketEvents(location.councilId, location) : null,
      mayRecordEvents: user.role === 'commissioner' || user.role === 'council_admin',
      accreditation: await accreditation(scopeOf(user), id),
      ...(await locationQualityPage(quality, user, id, request.query)),
    })
  })

  const showCoordinatesForm = async (
    reply: FastifyReply,
    user: SessionUser,
    id: number,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) => {
    const location = await register.getLocation(scopeOf(user), id)
    return reply.code(status).view('providers/views/coordinates.njk', {
      pageTitle: 'Enter the location’s coordinates',
      location,
      values,
      ...formErrors(errors),
    })
  }

  app.get('/locations/:id/coordinates', { config: { access: ['commissioner'] } }, async (request, reply) => {
    const { id } = parseInput(idParams, request.params)
    const user = request.user as SessionUser
    const location = await register.getLocation(scopeOf(user), id)
    const values: Record<string, string> =
      location.geoSource === 'manual'
        ? { latitude: String(location.latitude), longitude: String(location.longitude) }
        : {}
    return showCoordinatesForm(reply, user, id, 200, values, [])
  })

  app.post('/locations/:id/coordinates', { config: { access: ['commissioner'] } }, async (request, reply) => {
    const { id } = parseInput(idParams, request.params)
    const user = request.user as SessionUser
    const values = { latitude: field(request.body, 'latitude'), longitude: field(request.body, 'longitude') }
    try {
      const result = await register.setLocationCoordinates(user.councilId, id, values, actorOf(user))
      const done = result.usedEnteredCoordinates ? 'coordinates-saved' : 'coordinates-overridden'
      return reply.redirect(`/locations/${id}?done=${done}`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showCoordinatesForm(reply, user, id, 400, values, error.errors)
      throw error
    }
  })

  app.get('/provider', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { page } = parseInput(pageQuery, request.query)
    const organisation = await register.getOrganisation(user.councilId, user.providerOrganisationId as number)
    const result = await register.searchRegister(
      scopeOf(user),
      {},
      {
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
      },
    )
    return reply.view('providers/views/locations.njk', {
      pageTitle: organisation.name,
      caption: `${organisation.regulator === 'council' ? 'Council organisation ID' : 'CQC provider ID'} ${organisation.cqcProviderId}`,
      ...locationsPage(result, page),
      basePath: '/provider?',
      locationPath: '/provider/locations',
    })
  })

  app.get('/provider/locations/:id', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const { id } = parseInput(idParams, request.params)
    const user = request.user as SessionUser
    const location = await register.getLocation(scopeOf(user), id)
    return reply.view('providers/views/location.njk', {
      pageTitle: location.name,
      location: describeLocation(location),
      backPath: '/provider',
      accreditation: await accreditation(scopeOf(user), id),
      ...(await locationQualityPage(quality, user, id, request.query)),
    })
  })

  app.get(
    '/api/v1/locations',
    {
      config: { access: ['social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user'] },
      schema: operation({
        summary:
          'Locations in your scope, in natural order of name ("Care 2" before "Care 10"): search (?q=) and filter them, a page at a time',
        tags: ['providers'],
        querystring: locationsQuery,
        responses: { 200: locationListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const { limit, offset, ...filters } = parseInput(locationsQuery, request.query ?? {})
      const result = await register.searchRegister(scopeOf(request.user as SessionUser), filters, {
        offset,
        limit,
      })
      return pageAnswer('locations', result.rows, result.total, { limit, offset })
    },
  )

  app.get(
    '/api/v1/locations/:id',
    {
      config: { access: ['social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user'] },
      schema: operation({
        summary: 'One location in your scope',
        tags: ['providers'],
        params: idParams,
        responses: { 200: oneLocationSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { id } = parseInput(idParams, request.params)
      return { location: await register.getLocation(scopeOf(request.user as SessionUser), id) }
    },
  )
}

function locationsPage(result: Awaited<ReturnType<typeof searchRegister>>, page: number) {
  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE))
  return {
    total: result.total,
    page,
    pages,
    locations: result.rows.map(describeLocation),
  }
}

function describeLocation<T extends Parameters<typeof labelsOf>[0]>(location: T) {
  return { ...location, ...labelsOf(location) }
}

const PLACEMENT_LABELS: Record<string, string> = {
  postcode: 'Full postcode',
  district: 'Postcode district (approximate)',
  manual: 'Coordinates entered by a commissioner',
}

function labelsOf(location: {
  serviceTypes: string[]
  specialisms: string[]
  clientGroups: string[]
  cqcRating: string | null
  geoSource?: string | null
  regulator: string
  accreditedKind: string | null
  accreditedTo?: string | null
}) {
  const councilAccredited = location.regulator === 'council'
  const kind = ACCREDITED_KIND_LABELS[location.accreditedKind as AccreditedKind] ?? ''
  return {
    councilAccredited,
    regulatorLabel: councilAccredited ? `Council accreditation (${kind.toLowerCase()})` : 'CQC',
    placementLabel: location.geoSource
      ? (PLACEMENT_LABELS[location.geoSource] ?? location.geoSource)
      : 'Not placed: distances cannot be measured',
    serviceTypeLabels: labels(location.serviceTypes, REGISTER_SERVICE_TYPE_LABELS),
    specialismLabels: labels(location.specialisms, SPECIALISM_LABELS),
    clientGroupLabels: labels(location.clientGroups, CLIENT_GROUP_LABELS),
    ratingLabel: councilAccredited
      ? accreditationLabel(location.accreditedTo ?? null)
      : (location.cqcRating ?? 'Not yet rated'),
  }
}

/** A council-accredited service in the register's list: accredited to its latest end date, or lapsed. */
function accreditationLabel(accreditedTo: string | null): string {
  if (!accreditedTo) return 'Not accredited'
  const to = formatDate(accreditedTo)
  return accreditedTo < londonDate(new Date()) ? `Accreditation expired ${to}` : `Council accredited to ${to}`
}
