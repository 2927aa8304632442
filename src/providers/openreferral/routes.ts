import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { z } from 'zod'
import { NotFoundError, parseInput } from '../../errors.ts'
import { operation } from '../../web/api-schema.ts'
import type { ProvidersServices } from '../services.ts'
import {
  HSDS_OPENAPI_URL,
  ORUK_PROFILE_URL,
  ORUK_VERSION,
  pageOf,
  SERVICE_TYPE_TAXONOMY,
  SERVICE_TYPE_TERMS,
  serviceTypeByTermId,
  serviceTypeTerm,
} from './rules.ts'
import {
  feedItemParams,
  feedParams,
  feedRootSchema,
  fullServiceSchema,
  serviceListSchema,
  taxonomyListSchema,
  taxonomySchema,
  taxonomyTermListSchema,
  taxonomyTermSchema,
} from './schemas.ts'
import { pageQuery, parsePageQuery } from './service.ts'

// The feed is public and changes only when the register does, so anyone may keep it briefly.
// Open Referral UK asks that any web page may read a feed, hence the open CORS header.
function publicAnswer(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*')
}

const PUBLIC = { access: 'public' } as const

/** A route of the feed: public, and documented in /openapi.json as open data. */
function feedRoute(summary: string, answer: z.ZodType, options: { item?: boolean; paged?: boolean } = {}) {
  return {
    config: PUBLIC,
    schema: operation({
      summary,
      tags: ['open data'],
      params: options.item ? feedItemParams : feedParams,
      ...(options.paged ? { querystring: pageQuery } : {}),
      responses: { 200: answer },
      errors: [404],
      open: true,
    }),
  }
}
const SERVICE_TYPE_TAXONOMY_IN_FULL = { ...SERVICE_TYPE_TAXONOMY, taxonomy_terms: SERVICE_TYPE_TERMS }

export interface OpenReferralRouteOptions {
  openReferral: ProvidersServices['openReferral']
}

export const openReferralRoutes: FastifyPluginAsync<OpenReferralRouteOptions> = async (
  app,
  { openReferral },
) => {
  app.get(
    '/councils/:code/openreferral',
    feedRoute('The Open Referral UK version the feed follows', feedRootSchema),
    async (request, reply) => {
      await openReferral.feedCouncil(parseInput(feedParams, request.params).code)
      publicAnswer(reply)
      return { version: ORUK_VERSION, profile: ORUK_PROFILE_URL, openapi_url: HSDS_OPENAPI_URL }
    },
  )

  app.get(
    '/councils/:code/openreferral/services',
    feedRoute('The register’s active locations as services, a page at a time', serviceListSchema, {
      paged: true,
    }),
    async (request, reply) => {
      const council = await openReferral.feedCouncil(parseInput(feedParams, request.params).code)
      const page = parsePageQuery(request.query)
      const answer = await openReferral.listServices(council, page)
      publicAnswer(reply)
      return answer
    },
  )

  app.get(
    '/councils/:code/openreferral/services/:id',
    feedRoute('One service in full', fullServiceSchema, { item: true }),
    async (request, reply) => {
      const params = parseInput(feedItemParams, request.params)
      const council = await openReferral.feedCouncil(params.code)
      const service = await openReferral.getService(council, params.id)
      publicAnswer(reply)
      return service
    },
  )

  app.get(
    '/councils/:code/openreferral/taxonomies',
    feedRoute('The taxonomies of the feed: the service types', taxonomyListSchema, { paged: true }),
    async (request, reply) => {
      await openReferral.feedCouncil(parseInput(feedParams, request.params).code)
      const page = parsePageQuery(request.query)
      publicAnswer(reply)
      return pageSlice([SERVICE_TYPE_TAXONOMY_IN_FULL], page)
    },
  )

  app.get(
    '/councils/:code/openreferral/taxonomies/:id',
    feedRoute('One taxonomy with its terms', taxonomySchema, { item: true }),
    async (request, reply) => {
      const params = parseInput(feedItemParams, request.params)
      await openReferral.feedCouncil(params.code)
      if (params.id.toLowerCase() !== SERVICE_TYPE_TAXONOMY.id) throw new NotFoundError('No such taxonomy')
      publicAnswer(reply)
      return SERVICE_TYPE_TAXONOMY_IN_FULL
    },
  )

  app.get(
    '/councils/:code/openreferral/taxonomy_terms',
    feedRoute('The service types as taxonomy terms', taxonomyTermListSchema, { paged: true }),
    async (request, reply) => {
      await openReferral.feedCouncil(parseInput(feedParams, request.params).code)
      const page = parsePageQuery(request.query)
      publicAnswer(reply)
      return pageSlice(SERVICE_TYPE_TERMS, page)
    },
  )

  app.get(
    '/councils/:code/openreferral/taxonomy_terms/:id',
    feedRoute('One taxonomy term', taxonomyTermSchema, { item: true }),
    async (request, reply) => {
      const params = parseInput(feedItemParams, request.params)
      await openReferral.feedCouncil(params.code)
      const type = serviceTypeByTermId(params.id)
      if (!type) throw new NotFoundError('No such taxonomy term')
      publicAnswer(reply)
      return serviceTypeTerm(type)
    },
  )
}

function pageSlice<T>(all: T[], page: { page: number; perPage: number }) {
  const start = (page.page - 1) * page.perPage
  return pageOf(page, all.length, all.slice(start, start + page.perPage))
}
