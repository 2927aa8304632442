// A real OpenID Connect provider (oidc-provider, the certified implementation) in the test
// process, on a local port, and a person's browser at it: following redirects and submitting its
// sign-in and consent forms, until it sends them back to Caremarket.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

interface ProviderAccount {
  email: string
  email_verified: boolean
}

export interface TestIdentityProvider {
  issuer: string
  clientId: string
  clientSecret: string
  /** The people it knows, by subject; a test changes them as it goes. */
  accounts: Map<string, ProviderAccount>
  /** Signs `subject` in at the provider from the address Caremarket sent them to; returns where the provider sends them back. */
  signIn(authorisationUrl: string, subject: string): Promise<URL>
  close(): Promise<void>
}

export async function startIdentityProvider(
  redirectUris: string[],
  // For a provider no test closes: it does not keep the test process alive.
  options: { unref?: boolean } = {},
): Promise<TestIdentityProvider> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  if (options.unref) server.unref()
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const accounts = new Map<string, ProviderAccount>()
  const clientId = 'caremarket'
  const clientSecret = 'a client secret for the test identity provider only'
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['a cookie key for the test identity provider only'] },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub)
      if (!account) return undefined
      return { accountId: sub, claims: async () => ({ sub, ...account }) }
    },
  })
  server.on('request', provider.callback())

  async function signIn(authorisationUrl: string, subject: string): Promise<URL> {
    const jar = new Map<string, string>()
    let url = authorisationUrl
    let form: URLSearchParams | undefined
    for (let step = 0; step < 12; step++) {
      const response = await fetch(url, {
        method: form ? 'POST' : 'GET',
        body: form,
        redirect: 'manual',
        headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
      })
      for (const header of response.headers.getSetCookie()) {
        const [pair = ''] = header.split(';')
        const name = pair.slice(0, pair.indexOf('='))
        const value = pair.slice(pair.indexOf('=') + 1)
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name)
        else jar.set(name, value)
      }
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, url)
        // Back to the client: the browser's part at the provider is over.
        if (next.origin !== issuer) return next
        url = next.href
        form = undefined
        continue
      }
      const page = await response.text()
      const prompt = page.match(/name="prompt" value="(\w+)"/)?.[1]
      const action = page.match(/<form[^>]*action="([^"]+)"/)?.[1]
      if (!prompt || !action)
        throw new Error(`the identity provider answered ${response.status}: ${page.slice(0, 500)}`)
      url = new URL(action, url).href
      form = new URLSearchParams(
        prompt === 'login' ? { prompt, login: subject, password: 'any password' } : { prompt },
      )
    }
    throw new Error('the identity provider never sent the browser back')
  }

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signIn,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
