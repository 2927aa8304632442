import type { FastifyPluginAsync } from 'fastify'
import { COUNCIL_STAFF } from '../../web/access.ts'
import type { Capability } from '../../web/navigation.ts'
import { offersApiRoutes } from './api-routes.ts'
import { councilOffersRoutes } from './council-routes.ts'
import { providerOffersRoutes } from './provider-routes.ts'
import type { OffersRouteOptions } from './route-options.ts'
import { VIEW_HELPERS } from './rules.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const offersCapabilities: Capability[] = [
  {
    href: '/packages',
    label: 'Packages',
    description: 'See the care packages awarded, what they cost each week, and end one when care stops.',
    roles: COUNCIL_STAFF,
  },
  {
    href: '/provider/opportunities',
    label: 'Opportunities',
    description:
      'See the requests for care your locations are invited to offer on, and make or change offers.',
    roles: ['provider_user'],
  },
  {
    href: '/provider/packages',
    label: 'Packages you provide',
    description: 'See the packages your offers won, with the person’s details.',
    roles: ['provider_user'],
  },
  {
    href: '/provider/messages',
    label: 'Messages',
    description: 'Invitations to offer, and the outcome of each offer you made.',
    roles: ['provider_user'],
  },
]

export const offersRoutes: FastifyPluginAsync<OffersRouteOptions> = async (app, options) => {
  // Formatting the templates call; only this domain's routes see them.
  app.addHook('preHandler', async (_request, reply) => {
    if (reply.locals) Object.assign(reply.locals, VIEW_HELPERS)
  })
  await app.register(providerOffersRoutes, options)
  await app.register(councilOffersRoutes, options)
  await app.register(offersApiRoutes, options)
}
