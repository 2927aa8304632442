// Builds the web app over substitute services, for route tests that run in milliseconds: no
// database is opened, and a service a test did not give fails the request that calls it.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import type { Role } from '../../src/accounts/roles.ts'
import type { SessionUser } from '../../src/accounts/service.ts'
import { type Config, loadConfig } from '../../src/config.ts'
import type { DomainModule } from '../../src/module.ts'
import type { Services } from '../../src/services.ts'
import { buildApp } from '../../src/web/app.ts'

/** Only the parts of each service a test gives; the rest is missing, and fails if called. */
export type SubstituteServices = { [K in keyof Services]?: Partial<Services[K]> }

const SESSION_TOKEN = 'substitute-session'
const API_TOKEN = 'substitute-api-token'

/** A signed-in user of the given role in council 1 (a provider user is of organisation 10). */
export function sessionUser(role: Role, overrides: Partial<SessionUser> = {}): SessionUser {
  return {
    id: 1,
    email: `${role}@council.test`,
    role,
    councilId: 1,
    councilCode: 'UNIT',
    councilName: 'Unit Test Council',
    councilIsDemo: false,
    providerOrganisationId: role === 'provider_user' ? 10 : null,
    ...overrides,
  }
}

/** Anything this object is asked for is missing: reading it is fine, calling it fails. */
function missing(path: string): unknown {
  return new Proxy(() => {}, {
    get: (_target, name) => (name === 'then' ? undefined : missing(`${path}.${String(name)}`)),
    apply: () => {
      throw new Error(`${path} was not given to this test`)
    },
  })
}

function substituteRegistry(
  given: SubstituteServices,
  user: () => SessionUser | null,
  config: Config,
): Services {
  const infrastructure = {
    config,
    clock: () => new Date(),
    database: { engine: 'pglite', db: missing('database.db') },
    health: { engine: 'pglite', check: async () => ({ status: 'ok', latencyMs: 0 }) },
    accounts: {
      loadServiceSecret: async () => 'a cookie-signing secret for route tests only',
      resolveSession: async (token: string) => (token === SESSION_TOKEN ? user() : null),
      startApiTokenResolver: async () => ({
        resolve: async (token: string) => {
          const signedIn = user()
          return token === API_TOKEN && signedIn ? { ...signedIn, apiTokenId: 99 } : null
        },
        stop: async () => {},
      }),
      ...given.accounts,
    },
  }
  return new Proxy(infrastructure, {
    get: (target, name: string) =>
      given[name as keyof Services] ?? target[name as keyof typeof target] ?? missing(name),
  }) as unknown as Services
}

export interface RouteApp {
  app: FastifyInstance
  /** Who is signed in from now on (the session and the API token both act as them), or no one. */
  signIn(user: SessionUser | null): void
  /** A GET as the signed-in user's browser. */
  get(url: string): Promise<LightMyRequestResponse>
  /** A form POST as the signed-in user's browser, with a valid CSRF token. */
  post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse>
  /** A call of the JSON API with the user's API token. */
  api(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

/**
 * The app with only the given modules' routes, over the given services, with `user` signed in
 * (or no one). Requests carry the session cookie; posts carry a CSRF token. The routes hold the
 * given service objects themselves, so a test may replace their methods between requests and
 * build the app once per file.
 */
export async function buildRouteApp(options: {
  modules: readonly DomainModule[]
  services: SubstituteServices
  user: SessionUser | null
}): Promise<RouteApp> {
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  let user = options.user
  const services = substituteRegistry(options.services, () => user, config)
  const app = await buildApp(services, { modules: options.modules, logger: pino({ level: 'silent' }) })
  // A CSRF token as a page's form carries it, without needing any module's page.
  app.get('/csrf-token-for-tests', { config: { access: 'public' } }, async (_request, reply) => ({
    token: reply.generateCsrf(),
  }))
  await app.ready()
  const session = `caremarket-session=${SESSION_TOKEN}`
  let csrf: { token: string; cookie: string } | null = null
  const csrfToken = async () => {
    if (csrf) return csrf
    const page = await app.inject({
      method: 'GET',
      url: '/csrf-token-for-tests',
      headers: { cookie: session },
    })
    const token = (page.json() as { token?: string }).token
    const cookie = page.cookies.find((c) => c.name.endsWith('caremarket-csrf'))
    if (!token || !cookie) throw new Error('no CSRF token on the page')
    csrf = { token, cookie: `${cookie.name}=${cookie.value}` }
    return csrf
  }
  return {
    app,
    signIn: (next) => {
      user = next
    },
    get: (url) => app.inject({ method: 'GET', url, headers: { cookie: session } }),
    async post(url, form) {
      const { token, cookie } = await csrfToken()
      return app.inject({
        method: 'POST',
        url,
        headers: { cookie: `${session}; ${cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: token, ...form }).toString(),
      })
    },
    api: (method, url, payload) =>
      app.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        payload: payload === undefined ? undefined : JSON.stringify(payload),
      }),
    close: () => app.close(),
  }
}
