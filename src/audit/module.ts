import { type DomainModule, databaseOptions } from '../module.ts'
import { auditRoutes } from './routes.ts'

export const auditModule: DomainModule = {
  async routes(app, services) {
    await app.register(auditRoutes, databaseOptions(services))
  },
  navigation: [
    {
      href: '/admin/audit',
      label: 'Audit log',
      description: 'See who did what, and when.',
      roles: ['council_admin'],
    },
  ],
}
