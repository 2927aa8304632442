import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'

import { startApiTokenResolver } from '../accounts/api-token-cache.ts'
import { apiTokenRoutes } from '../accounts/api-token-routes.ts'
import { accountsRoutes } from '../accounts/routes.ts'
import { loadServiceSecret } from '../accounts/service.ts'
import { auditRoutes } from '../audit/routes.ts'
import { offersRoutes } from '../brokerage/offers/routes.ts'
import { requestsRoutes } from '../brokerage/requests/routes.ts'
import { settingsRoutes } from '../brokerage/settings/routes.ts'
import type { Config } from '../config.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { marketEventsRoutes } from '../market/events/routes.ts'
import { marketRoutes } from '../market/icl/routes.ts'
import { insightsRoutes } from '../market/insights/routes.ts'
import { mpsRoutes } from '../market/mps/routes.ts'
import { sufficiencyRoutes } from '../market/sufficiency/routes.ts'
import { notificationsRoutes } from '../notifications/routes.ts'
import { capacityRoutes } from '../providers/capacity/routes.ts'
import { cqcImportRoutes } from '../providers/cqc/routes.ts'
import { frameworksRoutes } from '../providers/frameworks/routes.ts'
import { profileRoutes } from '../providers/profile/routes.ts'
import { qualityRoutes } from '../providers/quality/routes.ts'
import { providersRoutes } from '../providers/routes.ts'
import { accessPlugin, isApiRequest, markRoutesPublic } from './access.ts'
import { markRoutesShared, setUpCaching } from './caching.ts'
import { answerUnreadableAddress, setUpErrorHandling } from './errors.ts'
import { healthSchema, setUpHealth } from './health.ts'
import { inputChecks } from './input.ts'
import { navigationFor } from './navigation.ts'
import { setUpSecurity } from './security.ts'
import { govukFrontendDir, setUpViews, sourceDir } from './views.ts'

declare module 'fastify' {
  interface FastifyReply {
    /** Merged by @fastify/view into every template's data. */
    locals: Record<string, unknown>
  }
}

export interface AppDependencies {
  config: Config
  database: DatabaseHandle
  logger: FastifyBaseLogger
}

function cookieNames(secure: boolean) {
  // The __Host- prefix needs Secure, so it is used only behind TLS.
  const prefix = secure ? '__Host-' : ''
  return {
    session: `${prefix}caremarket-session`,
    csrf: `${prefix}caremarket-csrf`,
    councilChoice: `${prefix}caremarket-council-choice`,
  }
}

/** Composes the web service from one plugin per concern; each domain brings its own routes. */
export async function buildApp({ config, database, logger }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    frameworkErrors: answerUnreadableAddress,
  })
  const cookies = cookieNames(config.secureCookies)
  const cookieSecret = await loadServiceSecret(database.db, 'cookie-signing')

  app.addSchema(healthSchema)
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Caremarket API',
        version: '1',
        description: 'eBrokerage and care-market API for councils and providers.',
      },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: cookies.session } } },
    },
  })
  await setUpSecurity(app, { cookieSecret, secureCookies: config.secureCookies, csrfCookie: cookies.csrf })
  // Before the access plugin: @fastify/view resets reply.locals in its own onRequest hook.
  await setUpViews(app)
  const apiTokens = await startApiTokenResolver(database)
  app.addHook('onClose', () => apiTokens.stop())
  await app.register(accessPlugin, {
    db: database.db,
    apiTokens,
    sessionCookie: cookies.session,
    sessionPolicy: { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours },
    afterSession: setPageContext,
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
    await assets.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true })
    assets.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  })

  setUpHealth(app, database)
  await app.register(accountsRoutes, {
    db: database.db,
    config,
    sessionCookie: cookies.session,
    councilChoiceCookie: cookies.councilChoice,
  })
  await app.register(providersRoutes, { db: database.db })
  await app.register(auditRoutes, { db: database.db })
  const domain = { db: database.db, config }
  await app.register(apiTokenRoutes, domain)
  await app.register(cqcImportRoutes, domain)
  await app.register(qualityRoutes, domain)
  await app.register(frameworksRoutes, domain)
  await app.register(capacityRoutes, domain)
  await app.register(profileRoutes, domain)
  await app.register(notificationsRoutes, domain)
  await app.register(settingsRoutes, domain)
  await app.register(requestsRoutes, domain)
  await app.register(offersRoutes, domain)
  await app.register(marketRoutes, domain)
  await app.register(mpsRoutes, domain)
  await app.register(insightsRoutes, domain)
  await app.register(marketEventsRoutes, domain)
  await app.register(sufficiencyRoutes, domain)
  return app
}

/** What every page's layout needs. Set before the body is read, so error pages have it too. */
function setPageContext(request: FastifyRequest, reply: FastifyReply): void {
  if (isApiRequest(request) || request.url.startsWith('/assets/')) return
  reply.locals = {
    user: request.user,
    navigation: navigationFor(request.user?.role, request.url),
    cspNonce: reply.cspNonce?.script,
    csrfToken: reply.generateCsrf(),
  }
}
