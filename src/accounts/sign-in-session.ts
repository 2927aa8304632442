import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import type { SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'

/** Every sign-in cookie's settings: HttpOnly, Lax (sent on the redirect back from an identity provider). */
export function signInCookieOptions(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies }
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
  const policy = { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours }
  return async (request: FastifyRequest, reply: FastifyReply, user: SessionUser, method?: string) => {
    await accounts.recordSignIn(user, { ip: request.ip, ...(method ? { method } : {}) })
    if (request.sessionToken && request.user) await accounts.endSession(request.sessionToken, request.user)
    const token = await accounts.createSession(user, policy)
    reply.setCookie(sessionCookie, token, { ...signInCookieOptions(config), maxAge: policy.maxHours * 3600 })
  }
}
