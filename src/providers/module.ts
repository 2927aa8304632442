// The register's areas, each with its routes, navigation and jobs.
import { type DomainModule, databaseOptions } from '../module.ts'
import { capacityCapabilities, capacityRoutes } from './capacity/routes.ts'
import { cqcImportCapabilities, cqcImportRoutes } from './cqc/routes.ts'
import { frameworksCapabilities, frameworksRoutes } from './frameworks/routes.ts'
import { profileCapabilities, profileRoutes } from './profile/routes.ts'
import { qualityCapabilities, qualityRoutes } from './quality/routes.ts'
import { providersRoutes } from './routes.ts'

export const registerModule: DomainModule = {
  async routes(app, services) {
    await app.register(providersRoutes, {
      db: services.database.db,
      locationMarketEvents: services.marketEvents.locationMarketEvents,
    })
  },
  navigation: [
    {
      href: '/locations',
      label: 'Provider register',
      description:
        'Look up the care homes and home care services registered in your council’s area, with their ratings.',
      roles: ['social_worker', 'broker', 'commissioner', 'council_admin'],
    },
    {
      href: '/provider',
      label: 'Your organisation',
      description: 'See your organisation’s locations as the council’s register records them.',
      roles: ['provider_user'],
    },
  ],
}

export const cqcImportModule: DomainModule = {
  async routes(app, services) {
    await app.register(cqcImportRoutes, databaseOptions(services))
  },
  navigation: cqcImportCapabilities,
  jobs: ({ cqcImports }) => [
    {
      // A killed process cannot say so itself.
      failure: 'recording abandoned CQC imports as failed failed; will try again',
      run: async () => {
        const failed = await cqcImports.failAbandonedImports()
        if (failed.length === 0) return null
        return {
          message: 'recorded CQC imports whose process ended as failed',
          details: { imports: failed.map((f) => f.id) },
        }
      },
    },
  ],
}

export const qualityModule: DomainModule = {
  async routes(app, services) {
    await app.register(qualityRoutes, databaseOptions(services))
  },
  navigation: qualityCapabilities,
}

export const frameworksModule: DomainModule = {
  async routes(app, services) {
    await app.register(frameworksRoutes, databaseOptions(services))
  },
  navigation: frameworksCapabilities,
}

export const capacityModule: DomainModule = {
  async routes(app, services) {
    await app.register(capacityRoutes, databaseOptions(services))
  },
  navigation: capacityCapabilities,
}

export const profileModule: DomainModule = {
  async routes(app, services) {
    await app.register(profileRoutes, databaseOptions(services))
  },
  navigation: profileCapabilities,
}
