import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../../config.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { ANY_ROLE } from '../../web/access.ts'
import { field, formErrors, safeReturnPath } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import type { SessionUser } from '../service.ts'
import type { AccountsServices } from '../services.ts'
import { sessionStarter, signInCookieOptions } from '../sign-in-session.ts'
import { TWO_FACTOR_WINDOW_MINUTES, TwoFactorLimits } from './limits.ts'
import { type PendingSignIn, readPendingSignIn } from './pending.ts'
import { qrCodeDataUri } from './qr.ts'
import { groupedSecret } from './rules.ts'
import { ENTER_CODE, WRONG_CODE } from './service.ts'

export interface TwoFactorRoutesOptions {
  accounts: Pick<
    AccountsServices['accounts'],
    'activeAccounts' | 'recordSignIn' | 'endSession' | 'createSession'
  >
  twoFactor: AccountsServices['twoFactor']
  config: Config
  sessionCookie: string
  twoFactorCookie: string
}

export const twoFactorCapabilities: readonly Capability[] = [
  // Each person's own two-factor set-up is on their account page (/account), linked from the header.
  {
    href: '/admin/two-factor',
    section: 'admin',
    label: 'Two-factor rules',
    description: 'Choose whether council staff must sign in with a code from an authenticator app.',
    roles: ['council_admin'],
  },
]

const USED_CODE =
  'That code has already been used. Wait for your authenticator app to show a new code, then enter it'
const WRONG_RECOVERY_CODE = 'The recovery code is not correct, or it has already been used'
const ENTER_RECOVERY_CODE = 'Enter one of your recovery codes'
const TOO_MANY = `You have entered too many wrong codes. Wait ${TWO_FACTOR_WINDOW_MINUTES} minutes, then try again`
const CHOOSE_REQUIREMENT = 'Select whether council staff must use two-factor authentication'

type FieldErrors = { field: string; message: string }[]

/** Second-factor sign-in, setting an authenticator up (at sign-in or later), and the council's rule. */
export const twoFactorRoutes: FastifyPluginAsync<TwoFactorRoutesOptions> = async (
  app,
  { accounts, twoFactor, config, sessionCookie, twoFactorCookie },
) => {
  const startSignedInSession = sessionStarter(accounts, config, sessionCookie)
  const cookieOptions = signInCookieOptions(config)
  const codeLimits = new TwoFactorLimits(
    config.twoFactorFailuresPerAccount,
    config.twoFactorFailuresPerAddress,
  )
  const recoveryLimits = new TwoFactorLimits(
    config.twoFactorFailuresPerAccount,
    config.twoFactorFailuresPerAddress,
  )

  /** The sign-in waiting for this step and its (still active) account, or null to start again. */
  const pendingFor = async (request: FastifyRequest, stage: PendingSignIn['stage']) => {
    const pending = readPendingSignIn(request, twoFactorCookie)
    if (!pending || pending.stage !== stage) return null
    const [user] = await accounts.activeAccounts([pending.userId])
    if (!user) return null
    // The step may no longer be due: an administrator reset the authenticator, or it was set up elsewhere.
    if ((await twoFactor.stageAfterPassword(user, config.production)) !== pending.stage) return null
    return { user, returnTo: safeReturnPath(pending.returnTo) }
  }

  const finishSignIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: SessionUser,
    method: string,
  ) => {
    reply.clearCookie(twoFactorCookie, cookieOptions)
    await startSignedInSession(request, reply, user, method)
  }

  // Entering a code after the password.
  const showCodeForm = (reply: FastifyReply, status: number, errors: FieldErrors = []) =>
    reply.code(status).view('accounts/two-factor/views/code.njk', {
      pageTitle: 'Enter the code from your authenticator app',
      ...formErrors(errors),
    })

  app.get('/sign-in/two-factor', { config: { access: 'public' } }, async (request, reply) => {
    if (!(await pendingFor(request, 'verify'))) return reply.redirect('/sign-in', 303)
    return showCodeForm(reply, 200)
  })

  app.post('/sign-in/two-factor', { config: { access: 'public' } }, async (request, reply) => {
    const pending = await pendingFor(request, 'verify')
    if (!pending) return reply.redirect('/sign-in', 303)
    const typed = field(request.body, 'code')
    if (!typed.trim()) return showCodeForm(reply, 400, [{ field: 'code', message: ENTER_CODE }])
    if (!codeLimits.begin(pending.user.id, request.ip))
      return showCodeForm(reply, 429, [{ field: 'code', message: TOO_MANY }])
    const result = await twoFactor.checkTwoFactorCode(pending.user, typed, { ip: request.ip })
    if (result === 'wrong') return showCodeForm(reply, 401, [{ field: 'code', message: WRONG_CODE }])
    if (result === 'used') return showCodeForm(reply, 401, [{ field: 'code', message: USED_CODE }])
    codeLimits.succeeded(pending.user.id, request.ip)
    await finishSignIn(request, reply, pending.user, 'password and authenticator code')
    return reply.redirect(pending.returnTo, 303)
  })

  // A recovery code instead, when the phone is lost.
  const showRecoveryForm = (reply: FastifyReply, status: number, errors: FieldErrors = []) =>
    reply.code(status).view('accounts/two-factor/views/recovery.njk', {
      pageTitle: 'Enter a recovery code',
      ...formErrors(errors),
    })

  app.get('/sign-in/two-factor/recovery', { config: { access: 'public' } }, async (request, reply) => {
    if (!(await pendingFor(request, 'verify'))) return reply.redirect('/sign-in', 303)
    return showRecoveryForm(reply, 200)
  })

  app.post('/sign-in/two-factor/recovery', { config: { access: 'public' } }, async (request, reply) => {
    const pending = await pendingFor(request, 'verify')
    if (!pending) return reply.redirect('/sign-in', 303)
    const typed = field(request.body, 'recoveryCode').slice(0, 100)
    if (!typed.trim())
      return showRecoveryForm(reply, 400, [{ field: 'recoveryCode', message: ENTER_RECOVERY_CODE }])
    if (!recoveryLimits.begin(pending.user.id, request.ip))
      return showRecoveryForm(reply, 429, [{ field: 'recoveryCode', message: TOO_MANY }])
    if (!(await twoFactor.useRecoveryCode(pending.user, typed, { ip: request.ip })))
      return showRecoveryForm(reply, 401, [{ field: 'recoveryCode', message: WRONG_RECOVERY_CODE }])
    recoveryLimits.succeeded(pending.user.id, request.ip)
    await finishSignIn(request, reply, pending.user, 'password and recovery code')
    return reply.redirect(pending.returnTo, 303)
  })

  // Setting an authenticator up: at sign-in when it is required, or later from the account page.
  const showSetUp = async (
    reply: FastifyReply,
    user: SessionUser,
    options: { status?: number; action: string; required: boolean; errors?: FieldErrors },
  ) => {
    const { secret, otpauthUri } = await twoFactor.startTwoFactorSetUp(user)
    return reply.code(options.status ?? 200).view('accounts/two-factor/views/set-up.njk', {
      pageTitle: 'Set up two-factor authentication',
      action: options.action,
      required: options.required,
      qrCode: await qrCodeDataUri(otpauthUri),
      secret: groupedSecret(secret),
      ...formErrors(options.errors ?? []),
    })
  }

  /** Checks the first code and, when it is right, shows the recovery codes: the only time they are shown. */
  const confirmSetUp = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: SessionUser,
    setUp: { action: string; required: boolean; continueTo: string; onConfirmed?: () => Promise<void> },
  ) => {
    const typed = field(request.body, 'code')
    if (!typed.trim())
      return showSetUp(reply, user, {
        ...setUp,
        status: 400,
        errors: [{ field: 'code', message: ENTER_CODE }],
      })
    if (!codeLimits.begin(user.id, request.ip))
      return showSetUp(reply, user, { ...setUp, status: 429, errors: [{ field: 'code', message: TOO_MANY }] })
    let codes: string[]
    try {
      codes = await twoFactor.confirmTwoFactorSetUp(user, typed)
    } catch (error) {
      if (error instanceof ValidationError)
        return showSetUp(reply, user, { ...setUp, status: 400, errors: error.errors })
      throw error
    }
    codeLimits.succeeded(user.id, request.ip)
    await setUp.onConfirmed?.()
    return reply.view('accounts/two-factor/views/recovery-codes.njk', {
      pageTitle: 'Save your recovery codes',
      codes,
      continueTo: setUp.continueTo,
    })
  }

  app.get('/sign-in/two-factor/set-up', { config: { access: 'public' } }, async (request, reply) => {
    const pending = await pendingFor(request, 'set-up')
    if (!pending) return reply.redirect('/sign-in', 303)
    return showSetUp(reply, pending.user, { action: '/sign-in/two-factor/set-up', required: true })
  })

  app.post('/sign-in/two-factor/set-up', { config: { access: 'public' } }, async (request, reply) => {
    const pending = await pendingFor(request, 'set-up')
    if (!pending) return reply.redirect('/sign-in', 303)
    return confirmSetUp(request, reply, pending.user, {
      action: '/sign-in/two-factor/set-up',
      required: true,
      continueTo: pending.returnTo,
      onConfirmed: () => finishSignIn(request, reply, pending.user, 'password and new authenticator'),
    })
  })

  app.get('/account/two-factor', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    const status = await twoFactor.twoFactorStatus(user, config.production)
    return reply.view('accounts/two-factor/views/account.njk', {
      pageTitle: 'Two-factor authentication',
      status,
      turnedOff: field(request.query, 'done') === 'turned-off',
    })
  })

  app.get('/account/two-factor/set-up', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    try {
      return await showSetUp(reply, user, { action: '/account/two-factor/set-up', required: false })
    } catch (error) {
      if (error instanceof ConflictError) return reply.redirect('/account/two-factor', 303)
      throw error
    }
  })

  app.post('/account/two-factor/set-up', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    try {
      return await confirmSetUp(request, reply, user, {
        action: '/account/two-factor/set-up',
        required: false,
        continueTo: '/account/two-factor',
      })
    } catch (error) {
      if (error instanceof ConflictError) return reply.redirect('/account/two-factor', 303)
      throw error
    }
  })

  // Turning it off again, when nothing requires it: with a current code, so an open session is not enough.
  const showTurnOff = (reply: FastifyReply, status: number, errors: FieldErrors = []) =>
    reply.code(status).view('accounts/two-factor/views/turn-off.njk', {
      pageTitle: 'Turn off two-factor authentication',
      ...formErrors(errors),
    })

  /** Whether this person may turn their two-factor sign-in off now: it is on, and nothing requires it. */
  const mayTurnOff = async (user: SessionUser) => {
    const status = await twoFactor.twoFactorStatus(user, config.production)
    return status.enabled && !status.required
  }

  app.get('/account/two-factor/turn-off', { config: { access: ANY_ROLE } }, async (request, reply) => {
    if (!(await mayTurnOff(request.user as SessionUser))) return reply.redirect('/account/two-factor', 303)
    return showTurnOff(reply, 200)
  })

  app.post('/account/two-factor/turn-off', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    if (!(await mayTurnOff(user))) return reply.redirect('/account/two-factor', 303)
    const typed = field(request.body, 'code')
    if (!typed.trim()) return showTurnOff(reply, 400, [{ field: 'code', message: ENTER_CODE }])
    if (!codeLimits.begin(user.id, request.ip))
      return showTurnOff(reply, 429, [{ field: 'code', message: TOO_MANY }])
    let result: Awaited<ReturnType<typeof twoFactor.turnOffTwoFactor>>
    try {
      result = await twoFactor.turnOffTwoFactor(user, typed, {
        ip: request.ip,
        productionDefault: config.production,
      })
    } catch (error) {
      // Turned off, or required, since the check above: the account page says how it stands now.
      if (error instanceof ConflictError) return reply.redirect('/account/two-factor', 303)
      throw error
    }
    if (result === 'wrong') return showTurnOff(reply, 401, [{ field: 'code', message: WRONG_CODE }])
    if (result === 'used') return showTurnOff(reply, 401, [{ field: 'code', message: USED_CODE }])
    codeLimits.succeeded(user.id, request.ip)
    return reply.redirect('/account/two-factor?done=turned-off', 303)
  })

  const showRequirement = async (
    reply: FastifyReply,
    user: SessionUser,
    options: { status?: number; saved?: boolean; errors?: FieldErrors } = {},
  ) => {
    const required = await twoFactor.councilRequiresTwoFactor(user.councilId)
    return reply.code(options.status ?? 200).view('accounts/two-factor/views/admin.njk', {
      pageTitle: 'Two-factor rules',
      required: required ?? config.production,
      chosen: required !== null,
      productionDefault: config.production,
      saved: options.saved,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/admin/two-factor', { config: { access: ['council_admin'] } }, async (request, reply) =>
    showRequirement(reply, request.user as SessionUser, { saved: field(request.query, 'saved') === '1' }),
  )

  app.post('/admin/two-factor', { config: { access: ['council_admin'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const answer = field(request.body, 'required')
    if (answer !== 'yes' && answer !== 'no')
      return showRequirement(reply, user, {
        status: 400,
        errors: [{ field: 'required', message: CHOOSE_REQUIREMENT }],
      })
    await twoFactor.setCouncilTwoFactorRequirement(user, answer === 'yes')
    return reply.redirect('/admin/two-factor?saved=1', 303)
  })
}
