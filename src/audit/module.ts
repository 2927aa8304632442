import type { DomainModule } from '../module.ts'
import { auditRoutes } from './routes.ts'

export const auditModule: DomainModule = {
  async routes(app, { audit }) {
    await app.register(auditRoutes, { audit })
  },
  navigation: [
    {
      href: '/admin/audit',
      section: 'admin',
      label: 'Audit log',
      description: 'See who did what, and when.',
      roles: ['council_admin'],
    },
  ],
}
