import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { Config } from '../../config.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import { ANY_ROLE } from '../../web/access.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { SessionUser } from '../service.ts'
import type { AccountsServices } from '../services.ts'
import { sessionPolicyOf, signInCookieOptions } from '../sign-in-session.ts'
import { PasswordLinkNotValidError, passwordLinkBase } from './links.ts'
import { MIN_PASSWORD_LENGTH, RESET_REQUESTS_PER_ADDRESS_PER_HOUR } from './rules.ts'

export interface PasswordRoutesOptions {
  accounts: AccountsServices['accounts']
  /** Whether the person's two-factor sign-in is on and required, for the account page. */
  twoFactorStatus: AccountsServices['twoFactor']['twoFactorStatus']
  config: Config
  sessionCookie: string
}

const EMAIL_MISSING = 'Enter your email address'
const EMAIL_FORMAT = 'Enter an email address in the correct format, like name@example.org'

/** Forgotten passwords, invitation and reset links, and a signed-in person's password and sessions. */
export const passwordRoutes: FastifyPluginAsync<PasswordRoutesOptions> = async (
  app,
  { accounts, twoFactorStatus, config, sessionCookie },
) => {
  const linkBase = passwordLinkBase(config)
  const policy = sessionPolicyOf(config)
  const cookieOptions = signInCookieOptions(config)

  const showForgotten = (
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) =>
    reply.code(status).view('accounts/passwords/views/forgotten-password.njk', {
      pageTitle: 'Reset your password',
      values,
      ...formErrors(errors),
    })

  app.get('/forgotten-password', { config: { access: 'public' } }, async (_request, reply) =>
    showForgotten(reply, 200, {}, []),
  )

  app.post(
    '/forgotten-password',
    {
      config: {
        access: 'public',
        rateLimit: { max: RESET_REQUESTS_PER_ADDRESS_PER_HOUR, timeWindow: '1 hour' },
      },
    },
    async (request, reply) => {
      const email = field(request.body, 'email').trim()
      if (!email) return showForgotten(reply, 400, { email }, [{ field: 'email', message: EMAIL_MISSING }])
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
        return showForgotten(reply, 400, { email }, [{ field: 'email', message: EMAIL_FORMAT }])
      await accounts.requestPasswordReset(email, { ip: request.ip, linkBase })
      // The same answer whether or not the address has an account.
      return reply.view('accounts/passwords/views/reset-requested.njk', {
        pageTitle: 'Check your email',
        email,
      })
    },
  )

  const linkNotValid = (reply: FastifyReply) =>
    reply.code(400).view('accounts/passwords/views/link-not-valid.njk', {
      pageTitle: 'This link has expired or has already been used',
    })

  const showSetPassword = (
    reply: FastifyReply,
    status: number,
    token: string,
    link: { email: string; purpose: string; councilName: string },
    errors: FieldError[],
  ) =>
    reply.code(status).view('accounts/passwords/views/set-password.njk', {
      pageTitle: link.purpose === 'invitation' ? 'Set your password' : 'Choose a new password',
      token,
      link,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      ...formErrors(errors),
    })

  app.get('/set-password', { config: { access: 'public' } }, async (request, reply) => {
    const token = field(request.query, 'token')
    try {
      return showSetPassword(reply, 200, token, await accounts.checkPasswordLink(token), [])
    } catch (error) {
      if (error instanceof PasswordLinkNotValidError) return linkNotValid(reply)
      throw error
    }
  })

  app.post('/set-password', { config: { access: 'public' } }, async (request, reply) => {
    const token = field(request.body, 'token')
    const password = field(request.body, 'password')
    const confirm = field(request.body, 'confirmPassword')
    try {
      const link = await accounts.checkPasswordLink(token)
      if (password && password !== confirm)
        return showSetPassword(reply, 400, token, link, [
          { field: 'confirmPassword', message: 'The passwords do not match. Type the same password twice' },
        ])
      try {
        await accounts.setPasswordWithLink(token, password, { passwordCostLog2: config.passwordCostLog2 })
      } catch (error) {
        if (error instanceof ValidationError) return showSetPassword(reply, 400, token, link, error.errors)
        throw error
      }
      // Any session this browser had belonged to the old password; it has ended.
      reply.clearCookie(sessionCookie, cookieOptions)
      return reply.redirect('/sign-in?notice=password-set', 303)
    } catch (error) {
      if (error instanceof PasswordLinkNotValidError) return linkNotValid(reply)
      throw error
    }
  })

  app.get('/account', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    const sessions = await accounts.listSessions(user, request.sessionToken, policy)
    return reply.view('accounts/passwords/views/account.njk', {
      pageTitle: 'Your account',
      sessions,
      twoFactor: await twoFactorStatus(user, config.production),
      passwordChanged: field(request.query, 'passwordChanged') === '1',
    })
  })

  const showChangePassword = (reply: FastifyReply, status: number, errors: FieldError[]) =>
    reply.code(status).view('accounts/passwords/views/change-password.njk', {
      pageTitle: 'Change your password',
      minPasswordLength: MIN_PASSWORD_LENGTH,
      ...formErrors(errors),
    })

  app.get('/account/password', { config: { access: ANY_ROLE } }, async (_request, reply) =>
    showChangePassword(reply, 200, []),
  )

  app.post('/account/password', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    // An API token has no password of its own to change.
    if (!request.sessionToken)
      return showChangePassword(reply, 400, [
        { field: 'currentPassword', message: 'Sign in to change your password' },
      ])
    try {
      const { sessionToken } = await accounts.changePassword(
        user,
        request.sessionToken,
        {
          currentPassword: field(request.body, 'currentPassword'),
          newPassword: field(request.body, 'newPassword'),
          confirmPassword: field(request.body, 'confirmPassword'),
        },
        {
          policy,
          origin: { userAgent: request.headers['user-agent'], ip: request.ip },
          passwordCostLog2: config.passwordCostLog2,
        },
      )
      reply.setCookie(sessionCookie, sessionToken, { ...cookieOptions, maxAge: policy.maxHours * 3600 })
      return reply.redirect('/account?passwordChanged=1', 303)
    } catch (error) {
      if (error instanceof ValidationError) return showChangePassword(reply, 400, error.errors)
      throw error
    }
  })

  app.post('/account/sign-out-everywhere', { config: { access: ANY_ROLE } }, async (request, reply) => {
    await accounts.endAllSessions(request.user as SessionUser)
    reply.clearCookie(sessionCookie, cookieOptions)
    return reply.redirect('/sign-in?notice=signed-out-everywhere', 303)
  })
}
