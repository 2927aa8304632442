import type { DomainModule } from '../module.ts'
import { costReturnsCapabilities, costReturnsRoutes } from './costs/provider-routes.ts'
import { costOfCareCapabilities, costOfCareRoutes } from './costs/routes.ts'
import { ratesCapabilities, ratesRoutes } from './rates/routes.ts'
import { upliftsCapabilities, upliftsRoutes } from './uplifts/routes.ts'

/** The council's rate book: the usual prices it pays (issue 20). */
export const ratesModule: DomainModule = {
  async routes(app, { feeRates, geography, clock }) {
    await app.register(ratesRoutes, { feeRates, listLocalities: geography.listLocalities, clock })
  },
  navigation: ratesCapabilities,
}

/** Uplift modelling: next year's fees costed against the live book of packages (issue 20). */
export const upliftsModule: DomainModule = {
  async routes(app, { uplifts }) {
    await app.register(upliftsRoutes, { uplifts })
  },
  navigation: upliftsCapabilities,
}

/** Providers' cost returns, and the cost of care commissioners read from them (issue 20). */
export const costsModule: DomainModule = {
  async routes(app, { costReturns, costOfCare, feeRates, clock }) {
    await app.register(costReturnsRoutes, { costReturns, clock })
    await app.register(costOfCareRoutes, { costOfCare, ratesAt: feeRates.ratesAt, clock })
  },
  navigation: [...costReturnsCapabilities, ...costOfCareCapabilities],
}
