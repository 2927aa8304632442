// Uplift modelling: its routes and navigation.
import type { DomainModule } from '../../module.ts'
import { upliftsCapabilities, upliftsRoutes } from './routes.ts'

export const upliftsModule: DomainModule = {
  async routes(app, { uplifts }) {
    await app.register(upliftsRoutes, { uplifts })
  },
  navigation: upliftsCapabilities,
}
