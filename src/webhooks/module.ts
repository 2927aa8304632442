// Webhooks: their pages and API, and the job that delivers them.
import type { DomainModule } from '../module.ts'
import { webhooksCapabilities, webhooksRoutes } from './routes.ts'

export const webhooksModule: DomainModule = {
  async routes(app, { webhooks }) {
    await app.register(webhooksRoutes, { webhooks })
  },
  navigation: webhooksCapabilities,
  jobs: ({ webhooks }) => [
    {
      failure: 'delivering webhooks failed; will try again',
      run: async () => {
        // The database's clock decides what is due, so instances whose clocks differ agree.
        const result = await webhooks.sendDue()
        if (result.delivered + result.retrying + result.failed === 0) return null
        return { message: 'delivered webhooks', details: result }
      },
    },
  ],
}
