import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import type { SessionUser } from '../accounts/service.ts'
import type { Database } from '../db/connection.ts'
import { parseInput } from '../errors.ts'
import { COUNCIL_STAFF } from '../web/access.ts'
import { locationQualityPage } from './quality/location-page.ts'
import { getLocation, getOrganisation, listLocations, type RegisterScope } from './service.ts'
import { CLIENT_GROUP_LABELS, SERVICE_TYPE_LABELS, SPECIALISM_LABELS } from './vocabulary.ts'

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
const ID_MESSAGE = 'Location ID must be a positive whole number'
const idParams = z.object({
  id: z.coerce.number({ error: ID_MESSAGE }).int({ error: ID_MESSAGE }).positive({ error: ID_MESSAGE }),
})

/** Council staff see their council's register; a provider user sees only its own organisation. */
function scopeOf(user: SessionUser): RegisterScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId }
}

function labels(values: string[], names: Record<string, string>): string {
  return values.map((v) => names[v] ?? v).join(', ')
}

export const providersRoutes: FastifyPluginAsync<{ db: Database }> = async (app, { db }) => {
  app.get('/locations', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const { page } = parseInput(pageQuery, request.query)
    const user = request.user as SessionUser
    const result = await listLocations(db, scopeOf(user), {
      offset: (page - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    })
    return reply.view('providers/views/locations.njk', {
      pageTitle: 'Provider register',
      ...locationsPage(result, page),
      basePath: '/locations',
    })
  })

  app.get('/locations/:id', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const { id } = parseInput(idParams, request.params)
    const user = request.user as SessionUser
    const location = await getLocation(db, scopeOf(user), id)
    return reply.view('providers/views/location.njk', {
      pageTitle: location.name,
      location: describeLocation(location),
      ...(await locationQualityPage(db, user, id, request.query)),
    })
  })

  app.get('/provider', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { page } = parseInput(pageQuery, request.query)
    const organisation = await getOrganisation(db, user.councilId, user.providerOrganisationId as number)
    const result = await listLocations(db, scopeOf(user), {
      offset: (page - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    })
    return reply.view('providers/views/locations.njk', {
      pageTitle: organisation.name,
      caption: `CQC provider ID ${organisation.cqcProviderId}`,
      ...locationsPage(result, page),
      basePath: '/provider',
      locationPath: '/provider/locations',
    })
  })

  app.get('/provider/locations/:id', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const { id } = parseInput(idParams, request.params)
    const user = request.user as SessionUser
    const location = await getLocation(db, scopeOf(user), id)
    return reply.view('providers/views/location.njk', {
      pageTitle: location.name,
      location: describeLocation(location),
      backPath: '/provider',
      ...(await locationQualityPage(db, user, id, request.query)),
    })
  })

  app.get(
    '/api/v1/locations',
    {
      config: { access: ['social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user'] },
      schema: { summary: 'Locations in your scope, a page at a time', tags: ['providers'] },
    },
    async (request) => {
      const { page } = parseInput(pageQuery, request.query)
      const result = await listLocations(db, scopeOf(request.user as SessionUser), {
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
      })
      return { page, pageSize: PAGE_SIZE, total: result.total, locations: result.rows }
    },
  )

  app.get(
    '/api/v1/locations/:id',
    {
      config: { access: ['social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user'] },
      schema: { summary: 'One location in your scope', tags: ['providers'] },
    },
    async (request) => {
      const { id } = parseInput(idParams, request.params)
      return { location: await getLocation(db, scopeOf(request.user as SessionUser), id) }
    },
  )
}

function locationsPage(result: Awaited<ReturnType<typeof listLocations>>, page: number) {
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

function labelsOf(location: {
  serviceTypes: string[]
  specialisms: string[]
  clientGroups: string[]
  cqcRating: string | null
}) {
  return {
    serviceTypeLabels: labels(location.serviceTypes, SERVICE_TYPE_LABELS),
    specialismLabels: labels(location.specialisms, SPECIALISM_LABELS),
    clientGroupLabels: labels(location.clientGroups, CLIENT_GROUP_LABELS),
    ratingLabel: location.cqcRating ?? 'Not yet rated',
  }
}
