import { type DomainModule, databaseOptions } from '../module.ts'
import { notificationsCapabilities, notificationsRoutes } from './routes.ts'

export const notificationsModule: DomainModule = {
  async routes(app, services) {
    await app.register(notificationsRoutes, databaseOptions(services))
  },
  navigation: notificationsCapabilities,
}
