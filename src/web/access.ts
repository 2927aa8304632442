import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { ApiTokenResolver } from '../accounts/api-token-cache.ts'
import { OnBehalfRefusal, recordTokenUses } from '../accounts/api-tokens.ts'
import { ROLES, type Role } from '../accounts/roles.ts'
import type { SessionPolicy, SessionUser } from '../accounts/service.ts'

/** Who may use a route: anyone, or signed-in users holding one of the roles. */
type Access = 'public' | readonly Role[]
export const ANY_ROLE: readonly Role[] = ROLES
export const COUNCIL_STAFF: readonly Role[] = ['social_worker', 'broker', 'commissioner', 'council_admin']

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    user: SessionUser | null
    sessionToken: string | null
  }
  interface FastifyInstance {
    /** Every route with the access it declared, for the authorisation tests and the docs. */
    routeAccess: { method: string; url: string; access: Access }[]
  }
}

export interface AccessOptions {
  /** The signed-in user a session cookie names, or null when it has ended or expired. */
  resolveSession: (token: string, policy: SessionPolicy) => Promise<SessionUser | null>
  apiTokens: ApiTokenResolver
  sessionCookie: string
  sessionPolicy: SessionPolicy
  /** Runs once the user is known and before access is decided, so refusal pages have their context. */
  afterSession?: (request: FastifyRequest, reply: FastifyReply) => void
}

function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/')
}

const OPEN_DATA_PATH = /^\/councils\/[^/?#]+\/openreferral(?:[/?#]|$)/

/** A council's public open data feed: JSON for anyone, with no page context and so no cookie. */
function isOpenDataRequest(request: FastifyRequest): boolean {
  return OPEN_DATA_PATH.test(request.url)
}

/** Whether answers, errors included, are JSON rather than pages. */
export function answersJson(request: FastifyRequest): boolean {
  return isApiRequest(request) || isOpenDataRequest(request)
}

/**
 * The one place where authorisation is enforced. Every route must declare `config.access`;
 * the service refuses to start if one does not. Council and provider scope come from the
 * session here and nowhere else.
 */
export const accessPlugin = fp<AccessOptions>(async (app, options) => {
  const declared: { method: string; url: string; config: { access?: Access } }[] = []
  app.decorate('routeAccess', [])
  app.decorateRequest('user', null)
  app.decorateRequest('sessionToken', null)

  app.addHook('onRoute', (route) => {
    route.config ??= {}
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods)
      declared.push({ method, url: route.url, config: route.config as { access?: Access } })
  })

  app.addHook('onReady', async () => {
    const undeclared = declared.filter((r) => r.config.access === undefined)
    if (undeclared.length > 0) {
      throw new Error(
        `Routes without declared access: ${undeclared.map((r) => `${r.method} ${r.url}`).join(', ')}`,
      )
    }
    app.routeAccess = declared.map((r) => ({
      method: r.method,
      url: r.url,
      access: r.config.access as Access,
    }))
  })

  // Token uses are recorded in the background; write the last of them before the database closes.
  app.addHook('onClose', () => recordTokenUses())

  app.addHook('onRequest', async (request, reply) => {
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1]
    if (bearer && isApiRequest(request)) {
      // A case-management system's token names the person it acts for; see actOnBehalfOf.
      const onBehalfOf = request.headers['x-on-behalf-of']
      if (Array.isArray(onBehalfOf)) {
        return reply
          .code(400)
          .send({ error: { status: 400, message: 'Send X-On-Behalf-Of once, naming one person' } })
      }
      try {
        request.user = await options.apiTokens.resolve(bearer, onBehalfOf)
      } catch (error) {
        if (error instanceof OnBehalfRefusal)
          return reply.code(403).send({ error: { status: 403, message: error.message } })
        throw error
      }
      if (!request.user) {
        return reply.code(401).send({
          error: { status: 401, message: 'The API token is not valid: unknown, expired or revoked' },
        })
      }
      return enforce(request, reply)
    }
    const token = request.cookies[options.sessionCookie]
    if (token) {
      request.user = await options.resolveSession(token, options.sessionPolicy)
      request.sessionToken = request.user ? token : null
    }
    options.afterSession?.(request, reply)
    return enforce(request, reply)
  })
})

function enforce(request: FastifyRequest, reply: FastifyReply) {
  const access = request.routeOptions.config.access
  if (access === undefined || access === 'public') return
  if (!request.user) return refuseAnonymous(request, reply)
  if (!access.includes(request.user.role)) return refuseRole(request, reply)
}

function refuseAnonymous(request: FastifyRequest, reply: FastifyReply) {
  if (isApiRequest(request)) {
    return reply.code(401).send({ error: { status: 401, message: 'Sign in or present an API token' } })
  }
  const returnTo = request.method === 'GET' ? `?returnTo=${encodeURIComponent(request.url)}` : ''
  return reply.redirect(`/sign-in${returnTo}`, 303)
}

function refuseRole(request: FastifyRequest, reply: FastifyReply) {
  if (isApiRequest(request)) {
    return reply.code(403).send({ error: { status: 403, message: 'Your role does not allow this' } })
  }
  return reply.code(403).view('web/views/pages/error.njk', forbiddenPage)
}

export const forbiddenPage = {
  pageTitle: 'You do not have permission to view this page',
  paragraphs: [
    'Your role does not give you access to this page. If you need it, ask your council’s Caremarket administrator.',
  ],
  showHomeLink: true,
}

/** Registers plugin-owned routes (static files, API docs) as public. */
export function markRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // Mutate in place: the access plugin keeps a reference to this object.
    route.config ??= {}
    ;(route.config as { access?: Access }).access = 'public'
  })
}
