import { secretBoxOf } from '../../src/accounts/secret-box.ts'
import { councilSsoSettings } from '../../src/db/schema.ts'
import { startIdentityProvider, type TestIdentityProvider } from '../support/oidc-provider.ts'
import { type AccessRule, EVERYONE, type MatrixContext } from './types.ts'

const ADMIN: AccessRule['allowed'] = ['council_admin']

let provider: Promise<TestIdentityProvider> | undefined

/** The home council's single sign-on, through a real identity provider started on first use. */
async function singleSignOn({ database, home }: MatrixContext): Promise<string> {
  provider ??= startIdentityProvider(['http://caremarket.test/callback'], { unref: true })
  const idp = await provider
  const box = await secretBoxOf(database.db)
  await database.db
    .insert(councilSsoSettings)
    .values({
      councilId: home.councilId,
      providerName: 'Matrix ID',
      issuerUrl: idp.issuer,
      clientId: idp.clientId,
      clientSecretEncrypted: box.seal(idp.clientSecret),
      allowedDomains: ['home.test'],
    })
    .onConflictDoNothing()
  return `/sign-in/sso/${home.code}`
}

export const signInSecurityRules: AccessRule[] = [
  // The steps after the password: public, and each sends anyone without a pending sign-in back to it.
  { route: 'GET /sign-in/two-factor', allowed: 'public' },
  { route: 'POST /sign-in/two-factor', allowed: 'public' },
  { route: 'GET /sign-in/two-factor/recovery', allowed: 'public' },
  { route: 'POST /sign-in/two-factor/recovery', allowed: 'public' },
  { route: 'GET /sign-in/two-factor/set-up', allowed: 'public' },
  { route: 'POST /sign-in/two-factor/set-up', allowed: 'public' },
  { route: 'GET /account/two-factor', allowed: EVERYONE },
  { route: 'GET /account/two-factor/set-up', allowed: EVERYONE },
  { route: 'POST /account/two-factor/set-up', allowed: EVERYONE },
  { route: 'GET /account/two-factor/turn-off', allowed: EVERYONE },
  { route: 'POST /account/two-factor/turn-off', allowed: EVERYONE },
  { route: 'GET /admin/two-factor', allowed: ADMIN },
  { route: 'POST /admin/two-factor', allowed: ADMIN },
  { route: 'GET /admin/single-sign-on', allowed: ADMIN },
  { route: 'POST /admin/single-sign-on', allowed: ADMIN },
  { route: 'GET /sign-in/sso/:council', allowed: 'public', url: singleSignOn },
  {
    route: 'GET /sign-in/sso/:council/callback',
    allowed: 'public',
    url: async (context) => `${await singleSignOn(context)}/callback`,
  },
]
