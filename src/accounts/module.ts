import type { DomainModule } from '../module.ts'
import { apiTokenRoutes } from './api-token-routes.ts'
import { accountsRoutes } from './routes.ts'
import { teamRoutes } from './team-routes.ts'

/** Sign-in, the home page, users, teams and API tokens. */
export const accountsModule: DomainModule = {
  async routes(app, services, web) {
    await app.register(accountsRoutes, {
      accounts: services.accounts,
      organisationOf: services.register.getOrganisation,
      config: services.config,
      sessionCookie: web.cookies.session,
      councilChoiceCookie: web.cookies.councilChoice,
      capabilitiesFor: web.navigation.capabilitiesFor,
    })
    await app.register(apiTokenRoutes, { accounts: services.accounts })
    await app.register(teamRoutes, { teams: services.teams })
  },
  navigation: [
    {
      href: '/admin/users',
      label: 'Users',
      description: 'Add people to Caremarket and see who has access.',
      roles: ['council_admin'],
    },
    {
      href: '/admin/teams',
      label: 'Teams',
      description: 'Put social workers in teams: each sees the requests of their teams.',
      roles: ['council_admin'],
    },
    {
      href: '/admin/api-tokens',
      label: 'API tokens',
      description: 'Let council systems use the Caremarket API.',
      roles: ['council_admin'],
    },
    {
      href: '/provider/api-tokens',
      label: 'API tokens',
      description: 'Let your own systems update Caremarket through its API.',
      roles: ['provider_user'],
    },
  ],
}
