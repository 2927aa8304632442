// Brokerage's areas, each with its routes, navigation and jobs.
import type { DomainModule } from '../module.ts'
import { allocationCapabilities, allocationRoutes } from './allocation/routes.ts'
import { offersCapabilities, offersRoutes } from './offers/routes.ts'
import { packageImportRoutes } from './package-imports/routes.ts'
import { requestsCapabilities, requestsRoutes } from './requests/routes.ts'
import { usualPriceRoutes } from './requests/usual-price-routes.ts'
import { settingsCapabilities, settingsRoutes } from './settings/routes.ts'

export const requestsModule: DomainModule = {
  async routes(app, { requests, brokerageSettings, usualPrice }) {
    await app.register(requestsRoutes, { requests, brokerageSettings })
    await app.register(usualPriceRoutes, { requests, usualPrice })
  },
  navigation: requestsCapabilities,
  queue:
    ({ brokerageQueue }) =>
    (user) =>
      brokerageQueue.brokerageQueue(user),
  jobs: ({ timedTransitions }) => [
    {
      failure: 'closing requests at their deadline failed; will try again',
      run: async (now) => {
        const result = await timedTransitions.closeDueRequests(now)
        if (result.closed.length === 0) return null
        return {
          message: 'closed requests whose deadline passed',
          details: { closed: result.closed.map((c) => c.requestId), skipped: result.skipped },
        }
      },
    },
    {
      failure: 'starting requests whose care started failed; will try again',
      run: async (now) => {
        const result = await timedTransitions.startDueRequests(now)
        if (result.started.length === 0) return null
        return {
          message: 'started requests whose care started',
          details: { started: result.started.map((s) => s.requestId), skipped: result.skipped },
        }
      },
    },
  ],
}

export const brokerageSettingsModule: DomainModule = {
  async routes(app, { brokerageSettings }) {
    await app.register(settingsRoutes, { brokerageSettings })
  },
  navigation: settingsCapabilities,
}

export const offersModule: DomainModule = {
  async routes(app, { offers }) {
    await app.register(offersRoutes, { offers })
  },
  navigation: offersCapabilities,
}

export const packageImportsModule: DomainModule = {
  async routes(app, { packageImports }) {
    await app.register(packageImportRoutes, { packageImports })
  },
  // Reached from the packages page, whose book it loads.
  navigation: [],
}

export const allocationModule: DomainModule = {
  async routes(app, { allocation, failures }) {
    await app.register(allocationRoutes, {
      allocation,
      requestsOfEvent: (councilId, eventId) => failures.resourcingRequestsOfEvent(councilId, eventId),
    })
  },
  navigation: allocationCapabilities,
}
