// The register's areas, each with its routes, navigation and jobs.
import type { DomainModule } from '../module.ts'
import { accreditedCapabilities, accreditedRoutes } from './accredited/routes.ts'
import { capacityCapabilities, capacityRoutes } from './capacity/routes.ts'
import { cqcImportCapabilities, cqcImportRoutes } from './cqc/routes.ts'
import { frameworksCapabilities, frameworksRoutes } from './frameworks/routes.ts'
import { openReferralRoutes } from './openreferral/routes.ts'
import { profileCapabilities, profileRoutes } from './profile/routes.ts'
import { qualityCapabilities, qualityRoutes } from './quality/routes.ts'
import { providersRoutes } from './routes.ts'

export const registerModule: DomainModule = {
  async routes(app, services) {
    await app.register(providersRoutes, {
      register: services.register,
      quality: services.quality,
      accreditation: services.accredited.locationAccreditation,
      locationMarketEvents: services.marketEvents.locationMarketEvents,
    })
  },
  navigation: [
    {
      href: '/locations',
      section: 'providers',
      label: 'Provider register',
      description:
        'Look up the care homes and home care services registered in your council’s area, with their ratings.',
      roles: ['social_worker', 'broker', 'commissioner', 'council_admin'],
    },
    {
      href: '/provider',
      section: 'organisation',
      label: 'Your organisation',
      description: 'See your organisation’s locations as the council’s register records them.',
      roles: ['provider_user'],
    },
  ],
}

export const cqcImportModule: DomainModule = {
  async routes(app, { cqcImports }) {
    await app.register(cqcImportRoutes, { cqcImports })
  },
  navigation: cqcImportCapabilities,
  jobs: ({ cqcImports, cqcApiImports }) => [
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
    {
      // After the job above, so a run whose process ended is recorded as stopped and carried on.
      failure: 'starting the daily imports from CQC’s API failed; will try again',
      run: async (now) => {
        // Each run goes on in the background; its outcome is on its import's record.
        const { started } = await cqcApiImports.startDue(now)
        if (started.length === 0) return null
        return {
          message: 'started the daily imports from CQC’s API',
          details: { councils: started.map((s) => s.code) },
        }
      },
    },
  ],
}

export const accreditedModule: DomainModule = {
  async routes(app, { accredited }) {
    await app.register(accreditedRoutes, { accredited })
  },
  navigation: accreditedCapabilities,
}

export const qualityModule: DomainModule = {
  async routes(app, { quality, register }) {
    await app.register(qualityRoutes, { quality, register })
  },
  navigation: qualityCapabilities,
}

export const frameworksModule: DomainModule = {
  async routes(app, { frameworks }) {
    await app.register(frameworksRoutes, { frameworks })
  },
  navigation: frameworksCapabilities,
}

export const capacityModule: DomainModule = {
  async routes(app, { capacity }) {
    await app.register(capacityRoutes, { capacity })
  },
  navigation: capacityCapabilities,
  queue:
    ({ providersQueue }) =>
    (user) =>
      providersQueue.providersQueue(user),
}

export const profileModule: DomainModule = {
  async routes(app, { profile }) {
    await app.register(profileRoutes, { profile })
  },
  navigation: profileCapabilities,
}

/** The register published as open data: no navigation, since the feed is for other systems. */
export const openReferralModule: DomainModule = {
  async routes(app, { openReferral }) {
    await app.register(openReferralRoutes, { openReferral })
  },
  navigation: [],
}
