import type { FastifyInstance } from 'fastify'
import type { SessionUser } from '../accounts/service.ts'
import { type Navigation, SECTIONS, type SectionId } from './navigation.ts'

/**
 * Each section's landing page: the pages in it that the signed-in user's role can use. Only the
 * roles with a page in the section may open it.
 */
export function setUpSections(app: FastifyInstance, navigation: Navigation): void {
  for (const [id, section] of Object.entries(SECTIONS) as [SectionId, (typeof SECTIONS)[SectionId]][]) {
    const roles = navigation.sectionRoles(id)
    if (!roles.length) continue
    app.get(section.href, { config: { access: roles } }, async (request, reply) =>
      reply.view('web/views/pages/section.njk', {
        pageTitle: section.label,
        description: section.description,
        pages: navigation.sectionFor((request.user as SessionUser).role, id),
      }),
    )
  }
}
