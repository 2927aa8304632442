import type { DomainModule } from '../module.ts'
import { apiTokenRoutes } from './api-token-routes.ts'
import { passwordRoutes } from './passwords/routes.ts'
import { accountsRoutes } from './routes.ts'
import { singleSignOnCapabilities, singleSignOnRoutes } from './sso/routes.ts'
import { teamRoutes } from './team-routes.ts'
import { twoFactorCapabilities, twoFactorRoutes } from './two-factor/routes.ts'
import { userRoutes } from './users/routes.ts'

/** Sign-in (with two-factor authentication or single sign-on), passwords, the home page, users, teams and API tokens. */
export const accountsModule: DomainModule = {
  async routes(app, services, web) {
    await app.register(accountsRoutes, {
      accounts: services.accounts,
      organisationOf: services.register.getOrganisation,
      config: services.config,
      sessionCookie: web.cookies.session,
      councilChoiceCookie: web.cookies.councilChoice,
      twoFactorCookie: web.cookies.twoFactor,
      twoFactor: services.twoFactor,
      singleSignOn: services.singleSignOn,
      capabilitiesFor: web.navigation.capabilitiesFor,
      queueFor: web.queueFor,
    })
    await app.register(apiTokenRoutes, { accounts: services.accounts })
    await app.register(userRoutes, {
      accounts: services.accounts,
      listTeams: services.teams.listTeams,
      teamsOfUser: services.teams.teamsOfUser,
      config: services.config,
    })
    await app.register(passwordRoutes, {
      accounts: services.accounts,
      twoFactorStatus: services.twoFactor.twoFactorStatus,
      config: services.config,
      sessionCookie: web.cookies.session,
    })
    await app.register(teamRoutes, { teams: services.teams })
    await app.register(twoFactorRoutes, {
      accounts: services.accounts,
      twoFactor: services.twoFactor,
      config: services.config,
      sessionCookie: web.cookies.session,
      twoFactorCookie: web.cookies.twoFactor,
    })
    await app.register(singleSignOnRoutes, {
      accounts: services.accounts,
      singleSignOn: services.singleSignOn,
      config: services.config,
      sessionCookie: web.cookies.session,
      singleSignOnCookie: web.cookies.singleSignOn,
    })
  },
  navigation: [
    {
      href: '/admin/users',
      section: 'admin',
      label: 'Users',
      description: 'Invite people to Caremarket, see who has access, and disable or remove accounts.',
      roles: ['council_admin'],
    },
    {
      href: '/admin/teams',
      section: 'admin',
      label: 'Teams',
      description: 'Put social workers in teams: each sees the requests of their teams.',
      roles: ['council_admin'],
    },
    {
      href: '/admin/api-tokens',
      section: 'admin',
      label: 'API tokens',
      description: 'Let council systems use the Caremarket API.',
      roles: ['council_admin'],
    },
    {
      href: '/provider/api-tokens',
      section: 'organisation',
      label: 'API tokens',
      description: 'Let your own systems update Caremarket through its API.',
      roles: ['provider_user'],
    },
    ...twoFactorCapabilities,
    ...singleSignOnCapabilities,
  ],
}
