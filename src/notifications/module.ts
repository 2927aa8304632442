import type { DomainModule } from '../module.ts'
import {
  notificationsCapabilities,
  notificationsRoutes,
  showUnreadCount,
  staffNotificationRoutes,
} from './routes.ts'

export const notificationsModule: DomainModule = {
  async routes(app, { notifications, staffNotifications, config }) {
    showUnreadCount(app, staffNotifications.unread)
    await app.register(notificationsRoutes, { notifications, config })
    await app.register(staffNotificationRoutes, { staffNotifications })
  },
  navigation: notificationsCapabilities,
  jobs: ({ staffNotifications }) => [
    {
      failure: 'telling brokers of requests due to be republished failed; will try again',
      run: async (now) => {
        const result = await staffNotifications.notifyRepublishDue(now)
        if (result.requests === 0) return null
        return { message: 'told brokers of requests due to be republished', details: result }
      },
    },
    {
      failure: 'sending the daily notification digests failed; will try again',
      run: async (now) => {
        const result = await staffNotifications.sendDigests(now)
        if (result.digests === 0) return null
        return { message: 'sent daily notification digests', details: result }
      },
    },
  ],
}
