// Single sign-on's pure rules: which email addresses a council allows, and what each refusal says.

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/

/** Domains as an admin types them, one a line or comma-separated, with or without '@'; invalid ones named. */
export function parseDomains(typed: string): { domains: string[]; invalid: string[] } {
  const entries = typed
    .split(/[\s,;]+/)
    .map((entry) => entry.trim().toLowerCase().replace(/^@/, ''))
    .filter(Boolean)
  return {
    domains: [...new Set(entries.filter((entry) => DOMAIN.test(entry)))],
    invalid: entries.filter((entry) => !DOMAIN.test(entry)),
  }
}

/** The part after the last '@', lower-case; null when the address has none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@')
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).toLowerCase() : null
}

/** An address is allowed when its domain is one of the council's exactly: a subdomain is another organisation. */
export function domainAllowed(email: string, allowed: readonly string[]): boolean {
  const domain = emailDomain(email)
  return domain !== null && allowed.includes(domain)
}

/** Why single sign-on did not sign someone in. */
export type SsoRefusal =
  | 'no-email'
  | 'unverified-email'
  | 'domain-not-allowed'
  | 'disabled'
  | 'unknown-user'
  | 'provider-user'
  | 'other-identity'
  | 'not-completed'
  | 'provider-refused'
  | 'provider-unreachable'

interface RefusalContext {
  providerName: string
  councilName: string
  email?: string
}

/** What the person is told, in GOV.UK's words: what happened and what to do next. */
export function refusalMessage(
  refusal: SsoRefusal,
  { providerName, councilName, email }: RefusalContext,
): string {
  switch (refusal) {
    case 'no-email':
      return `${providerName} did not tell Caremarket your email address. Ask your IT service desk to let ${providerName} share it with Caremarket.`
    case 'unverified-email':
      return `${providerName} says your email address has not been verified, so Caremarket cannot be sure it is yours. Ask your IT service desk to verify it, then try again.`
    case 'domain-not-allowed':
      return `Email addresses ending @${emailDomain(email ?? '') ?? ''} cannot sign in to ${councilName} with ${providerName}. Sign in with your email address and password, or ask your council’s Caremarket administrator.`
    case 'disabled':
      return `Your Caremarket account at ${councilName} has been disabled. Ask your council’s Caremarket administrator if you still need it.`
    case 'unknown-user':
      return `There is no Caremarket account for ${email ?? 'you'} at ${councilName}. Ask your council’s Caremarket administrator to add you.`
    case 'provider-user':
      return `Provider users sign in with their email address and password, not with ${providerName}.`
    case 'other-identity':
      return `Your Caremarket account is linked to a different ${providerName} account. Ask your council’s Caremarket administrator.`
    case 'not-completed':
      return `Signing in with ${providerName} could not be completed, so you have not been signed in. This happens when it takes too long or is started in another browser tab. Start again.`
    case 'provider-refused':
      return `${providerName} did not sign you in. Try again, or ask your IT service desk.`
    case 'provider-unreachable':
      return `Caremarket could not reach ${providerName}. Try again in a few minutes, or sign in with your email address and password.`
  }
}
