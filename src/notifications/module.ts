import type { DomainModule } from '../module.ts'
import { notificationsCapabilities, notificationsRoutes } from './routes.ts'

export const notificationsModule: DomainModule = {
  async routes(app, { notifications, config }) {
    await app.register(notificationsRoutes, { notifications, config })
  },
  navigation: notificationsCapabilities,
}
