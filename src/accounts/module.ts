import type { DomainModule } from '../module.ts'
import { apiTokenRoutes } from './api-token-routes.ts'
import { accountsRoutes } from './routes.ts'
import { singleSignOnCapabilities, singleSignOnRoutes } from './sso/routes.ts'
import { twoFactorCapabilities, twoFactorRoutes } from './two-factor/routes.ts'

/** Sign-in (with two-factor authentication or single sign-on), the home page, users and API tokens. */
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
    })
    await app.register(apiTokenRoutes, { accounts: services.accounts })
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
      label: 'Users',
      description: 'Add people to Caremarket and see who has access.',
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
    ...twoFactorCapabilities,
    ...singleSignOnCapabilities,
  ],
}
