import fastifyCookie from '@fastify/cookie'
import fastifyCsrf from '@fastify/csrf-protection'
import fastifyFormbody from '@fastify/formbody'
import fastifyHelmet from '@fastify/helmet'
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'

export interface SecurityOptions {
  cookieSecret: string
  secureCookies: boolean
  csrfCookie: string
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Headers, cookies, form bodies, CSRF protection on every unsafe request, and rate limiting on demand. */
export async function setUpSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  // JSON API responses are never rendered as pages: they get a fixed policy that allows nothing,
  // instead of fresh script and style nonces on every request (a measurable share of an offer's
  // CPU in bench brokerage). Set before helmet registers, so it applies to every route.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return
    route.config = Object.assign(route.config ?? {}, {
      helmet: {
        enableCSPNonces: false,
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
      },
    })
  })
  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: options.secureCookies ? [] : null,
      },
    },
    hsts: options.secureCookies,
  })
  await app.register(fastifyCookie, { secret: options.cookieSecret })
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 })
  await app.register(fastifyCsrf, {
    cookieKey: options.csrfCookie,
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: options.secureCookies },
    getToken: (request) => {
      const body = request.body as { _csrf?: unknown } | undefined
      if (body && typeof body._csrf === 'string') return body._csrf
      const header = request.headers['csrf-token']
      return typeof header === 'string' ? header : undefined
    },
  })
  await app.register(fastifyRateLimit, { global: false })

  // Runs after the body is parsed, so the token can come from the form.
  app.addHook('preHandler', (request, reply, done) => {
    // A request carrying an API token cannot be forged by another site: browsers never add the header.
    if (!UNSAFE_METHODS.has(request.method) || request.user?.apiTokenId) return done()
    app.csrfProtection(request, reply, done)
  })
}
