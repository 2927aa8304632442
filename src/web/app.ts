import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import type { DomainModule } from '../module.ts'
import type { Services } from '../services.ts'
import { accessPlugin, answersJson, markRoutesPublic } from './access.ts'
import { apiReference, type OpenApiDocument } from './api-reference.ts'
import { errorComponent, finishDocument, serializeAsIs, zodSchemasOnly, zodToOpenApi } from './api-schema.ts'
import { markRoutesShared, setUpCaching } from './caching.ts'
import { answerUnreadableAddress, setUpErrorHandling } from './errors.ts'
import { healthSchema, setUpHealth } from './health.ts'
import { inputChecks } from './input.ts'
import { type Capability, createNavigation, type Navigation } from './navigation.ts'
import { combineQueues } from './queue.ts'
import { setUpSections } from './sections.ts'
import { setUpSecurity } from './security.ts'
import { govukFrontendDir, setUpViews, sourceDir } from './views.ts'

declare module 'fastify' {
  interface FastifyReply {
    /** Merged by @fastify/view into every template's data. */
    locals: Record<string, unknown>
  }
}

export interface AppOptions {
  /** The areas whose routes and navigation make up the app: MODULES from src/modules.ts. */
  modules: readonly DomainModule[]
  logger: FastifyBaseLogger
}

function cookieNames(secure: boolean) {
  // The __Host- prefix needs Secure, so it is used only behind TLS.
  const prefix = secure ? '__Host-' : ''
  return {
    session: `${prefix}caremarket-session`,
    csrf: `${prefix}caremarket-csrf`,
    councilChoice: `${prefix}caremarket-council-choice`,
    twoFactor: `${prefix}caremarket-two-factor`,
    singleSignOn: `${prefix}caremarket-single-sign-on`,
  }
}

/**
 * Composes the web service from one plugin per concern over the service registry; each module
 * brings its own routes and navigation, and its route plugins are given only the services they use.
 */
export async function buildApp(
  services: Services,
  { modules, logger }: AppOptions,
): Promise<FastifyInstance> {
  const { config } = services
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    frameworkErrors: answerUnreadableAddress,
  })
  const cookies = cookieNames(config.secureCookies)
  const navigation = createNavigation(modules.flatMap((m): readonly Capability[] => m.navigation))
  const cookieSecret = await services.accounts.loadServiceSecret('cookie-signing')

  app.addSchema(healthSchema)
  app.setValidatorCompiler(zodSchemasOnly)
  app.setSerializerCompiler(serializeAsIs)
  await app.register(fastifySwagger, {
    transform: zodToOpenApi,
    transformObject: finishDocument,
    // Shared schemas are named by their $id (`health`) rather than numbered.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Caremarket API',
        version: '1',
        description: 'eBrokerage and care-market API for councils and providers.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: cookies.session },
          token: { type: 'http', scheme: 'bearer' },
        },
        schemas: { Error: errorComponent() },
      },
      security: [{ session: [] }, { token: [] }],
    },
  })
  await setUpSecurity(app, { cookieSecret, secureCookies: config.secureCookies, csrfCookie: cookies.csrf })
  // Before the access plugin: @fastify/view resets reply.locals in its own onRequest hook.
  await setUpViews(app)
  const apiTokens = await services.accounts.startApiTokenResolver()
  app.addHook('onClose', () => apiTokens.stop())
  await app.register(accessPlugin, {
    resolveSession: services.accounts.resolveSession,
    apiTokens,
    sessionCookie: cookies.session,
    sessionPolicy: { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours },
    afterSession: (request, reply) => setPageContext(navigation, request, reply),
  })
  setUpErrorHandling(app)
  await app.register(inputChecks)
  setUpCaching(app)

  await app.register(async (assets) => {
    markRoutesPublic(assets)
    markRoutesShared(assets)
    await assets.register(fastifyStatic, {
      root: [`${govukFrontendDir}/govuk/assets`, `${govukFrontendDir}/govuk`, `${sourceDir}/web/public`],
      prefix: '/assets/',
      maxAge: '1h',
    })
    assets.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
    assets.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
      const document = app.swagger() as unknown as OpenApiDocument
      return reply.view('web/views/pages/api-reference.njk', {
        pageTitle: 'Caremarket API reference',
        info: document.info,
        sections: apiReference(document),
      })
    })
  })

  setUpHealth(app, services.health)
  setUpSections(app, navigation)
  const queueFor = combineQueues(modules.flatMap((m) => (m.queue ? [m.queue(services)] : [])))
  const web = { cookies, navigation, queueFor }
  for (const module of modules) await module.routes(app, services, web)
  return app
}

/** What every page's layout needs. Set before the body is read, so error pages have it too. */
function setPageContext(navigation: Navigation, request: FastifyRequest, reply: FastifyReply): void {
  if (answersJson(request) || request.url.startsWith('/assets/')) return
  reply.locals = {
    user: request.user,
    navigation: navigation.navigationFor(request.user?.role, request.url),
    cspNonce: reply.cspNonce?.script,
    csrfToken: reply.generateCsrf(),
  }
}
