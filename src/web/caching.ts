import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The same for everyone and free of personal data (static files, API docs): keeps its own caching. */
    sharedCache?: boolean
  }
}

/**
 * Nothing Caremarket answers is stored by a browser or proxy unless its route says so: pages and
 * API answers for a signed-in user carry personal data, and so can answers to anyone (a sign-in
 * form shows the address typed). Shared routes keep their caching; a public route may set its own
 * for anonymous visitors, never for a signed-in user, whose page shows who they are.
 */
export function setUpCaching(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.config.sharedCache) return payload
    if (request.user || !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })
}

/** Marks every route the plugin registers as shared: static files and API docs. */
export function markRoutesShared(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // In place, as markRoutesPublic does: the access plugin keeps a reference to this object.
    route.config ??= {}
    ;(route.config as { sharedCache?: boolean }).sharedCache = true
  })
}
