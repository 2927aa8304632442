// The market's areas, each with its routes, navigation and jobs.
import type { DomainModule } from '../module.ts'
import { marketEventsCapabilities, marketEventsRoutes } from './events/routes.ts'
import { failureRoutes } from './failures/routes.ts'
import { marketCapabilities, marketRoutes } from './icl/routes.ts'
import { insightsCapabilities, insightsRoutes } from './insights/routes.ts'
import { mpsCapabilities, mpsRoutes } from './mps/routes.ts'
import { sufficiencyCapabilities, sufficiencyRoutes } from './sufficiency/routes.ts'

export const iclModule: DomainModule = {
  async routes(app, { icl, geography }) {
    await app.register(marketRoutes, {
      icl,
      localityNames: async (councilId) => (await geography.listLocalities(councilId)).map((l) => l.name),
    })
  },
  navigation: marketCapabilities,
  queue:
    ({ marketQueue }) =>
    (user) =>
      marketQueue.marketQueue(user),
  jobs: ({ icl }) => [
    {
      failure: 'taking the Interim Care List’s daily snapshots failed; will try again',
      run: async (now) => {
        const result = await icl.takeDueSnapshots(now)
        if (result.taken.length === 0) return null
        return {
          message: 'took the Interim Care List’s daily snapshots',
          details: { snapshots: result.taken.length },
        }
      },
    },
  ],
}

export const mpsModule: DomainModule = {
  async routes(app, { mps, feeRates, uplifts }) {
    // The fees page publishes the rate book and the chosen uplifts: fees' own services, handed in.
    await app.register(mpsRoutes, {
      mps,
      fees: { ratesAt: feeRates.ratesAt, publishedUplift: uplifts.publishedUplift },
    })
  },
  navigation: mpsCapabilities,
}

export const insightsModule: DomainModule = {
  async routes(app, { insights, marketReport, geography }) {
    await app.register(insightsRoutes, { insights, marketReport, geography })
  },
  navigation: insightsCapabilities,
}

export const marketEventsModule: DomainModule = {
  async routes(app, { marketEvents, failures }) {
    await app.register(marketEventsRoutes, { marketEvents })
    await app.register(failureRoutes, { failures, marketEvents })
  },
  navigation: marketEventsCapabilities,
}

export const sufficiencyModule: DomainModule = {
  async routes(app, { sufficiency }) {
    await app.register(sufficiencyRoutes, { sufficiency })
  },
  navigation: sufficiencyCapabilities,
}
