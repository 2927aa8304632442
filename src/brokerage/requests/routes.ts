import type { FastifyPluginAsync } from 'fastify'
import type { DomainOptions } from '../../web/domain.ts'
import type { Capability } from '../../web/navigation.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const requestsCapabilities: Capability[] = []

export const requestsRoutes: FastifyPluginAsync<DomainOptions> = async (_app, _options) => {}
