import type { DomainModule } from '../module.ts'
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
