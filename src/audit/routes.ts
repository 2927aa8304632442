import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import type { SessionUser } from '../accounts/service.ts'
import { parseInput } from '../errors.ts'
import { recordId } from '../storable.ts'
import type { AuditServices } from './services.ts'

const PAGE_SIZE = 100
// Audit entries have bigint IDs.
const query = z.object({ before: recordId('before', { column: 'bigint' }).optional() })

/** What the audit log page is given: the service it calls, nothing more. */
export interface AuditRouteOptions {
  audit: AuditServices['audit']
}

export const auditRoutes: FastifyPluginAsync<AuditRouteOptions> = async (app, { audit }) => {
  app.get('/admin/audit', { config: { access: ['council_admin'] } }, async (request, reply) => {
    const { before } = parseInput(query, request.query)
    const entries = await audit.listAudit((request.user as SessionUser).councilId, {
      before,
      limit: PAGE_SIZE + 1,
    })
    const page = entries.slice(0, PAGE_SIZE)
    return reply.view('audit/views/audit.njk', {
      pageTitle: 'Audit log',
      entries: page.map((e) => ({ ...e, detailsText: e.details ? JSON.stringify(e.details) : '' })),
      olderHref: entries.length > PAGE_SIZE ? `/admin/audit?before=${page[page.length - 1]?.id}` : null,
      newestHref: before ? '/admin/audit' : null,
    })
  })
}
