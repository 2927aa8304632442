import type { FastifyPluginAsync } from 'fastify'
import type { DomainOptions } from '../../web/domain.ts'
import type { Capability } from '../../web/navigation.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const offersCapabilities: Capability[] = []

export const offersRoutes: FastifyPluginAsync<DomainOptions> = async (_app, _options) => {}
