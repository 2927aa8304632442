// The OpenID Connect protocol, through openid-client (OpenID certified): discovery, the
// authorisation code flow with PKCE, state and nonce, and the ID token and userinfo checks.
import { createHash } from 'node:crypto'
import * as oidc from 'openid-client'

export interface OidcClientSettings {
  issuerUrl: string
  clientId: string
  clientSecret: string
}

/** What must come back unchanged from the identity provider: kept in a signed cookie meanwhile. */
export interface AuthorisationChecks {
  state: string
  nonce: string
  codeVerifier: string
}

/** The claims Caremarket reads: who the provider says the person is. */
export interface IdentityClaims {
  iss: string
  sub: string
  email?: unknown
  email_verified?: unknown
}

// Discovery once per provider and client; a changed secret makes a new key, so nothing stale is used.
const configurations = new Map<string, Promise<oidc.Configuration>>()

function configurationFor(settings: OidcClientSettings, allowHttp: boolean): Promise<oidc.Configuration> {
  const key = createHash('sha256')
    .update(JSON.stringify([settings.issuerUrl, settings.clientId, settings.clientSecret, allowHttp]))
    .digest('hex')
  let configuration = configurations.get(key)
  if (!configuration) {
    configuration = oidc.discovery(
      new URL(settings.issuerUrl),
      settings.clientId,
      settings.clientSecret,
      oidc.ClientSecretPost(settings.clientSecret),
      // Plain http only outside production, for a provider on this machine in tests.
      allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined,
    )
    // A provider that was down is asked again next time.
    configuration.catch(() => configurations.delete(key))
    configurations.set(key, configuration)
  }
  return configuration
}

/** The provider's address to send the person to, and the checks to keep until they come back. */
export async function beginAuthorisation(
  settings: OidcClientSettings,
  redirectUri: string,
  allowHttp: boolean,
): Promise<{ url: URL; checks: AuthorisationChecks }> {
  const configuration = await configurationFor(settings, allowHttp)
  const checks = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
  }
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    response_type: 'code',
    state: checks.state,
    nonce: checks.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
    code_challenge_method: 'S256',
  })
  return { url, checks }
}

/**
 * Exchanges the code the person came back with, checking state, PKCE, nonce and the ID token,
 * and reads the email claims from userinfo when the ID token leaves them out. Throws when any
 * check fails.
 */
export async function completeAuthorisation(
  settings: OidcClientSettings,
  callbackUrl: URL,
  checks: AuthorisationChecks,
  allowHttp: boolean,
): Promise<IdentityClaims> {
  const configuration = await configurationFor(settings, allowHttp)
  const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    pkceCodeVerifier: checks.codeVerifier,
    idTokenExpected: true,
  })
  const claims = tokens.claims()
  if (!claims) throw new Error('the identity provider sent no ID token')
  if (claims.email !== undefined && claims.email_verified !== undefined) return claims
  const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub)
  return { ...claims, email: userinfo.email, email_verified: userinfo.email_verified }
}

/** Whether an error is the provider being unreachable, rather than a check that failed. */
export function isUnreachable(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause
  return (
    error instanceof TypeError ||
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(cause?.code ?? '')
  )
}
