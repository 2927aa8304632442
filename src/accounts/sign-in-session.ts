import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'

/**
 * Every sign-in cookie's settings: out of scripts' reach, Lax (sent on the redirect back from an
 * identity provider, not on other sites' requests), Secure behind TLS (and then named __Host-).
 */
export function signInCookieOptions(config: Pick<Config, 'secureCookies'>) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies }
}

export function sessionPolicyOf(config: Pick<Config, 'sessionIdleMinutes' | 'sessionMaxHours'>) {
  return { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours }
}

/**
 * Signs the person in to one account once every step of sign-in has passed (password and council,
 * a second factor, or single sign-on): a new session every time, so one fixed before is worthless.
 */
export function sessionStarter(
  accounts: Pick<AccountsServices['accounts'], 'recordSignIn' | 'endSession' | 'createSession'>,
  config: Config,
  sessionCookie: string,
) {
  const policy = sessionPolicyOf(config)
  return async (request: FastifyRequest, reply: FastifyReply, user: SessionUser, method?: string) => {
    await accounts.recordSignIn(user, { ip: request.ip, ...(method ? { method } : {}) })
    if (request.sessionToken && request.user) await accounts.endSession(request.sessionToken, request.user)
    const token = await accounts.createSession(user, policy, {
      userAgent: request.headers['user-agent'],
      ip: request.ip,
    })
    reply.setCookie(sessionCookie, token, { ...signInCookieOptions(config), maxAge: policy.maxHours * 3600 })
  }
}
