import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { TooManyAttemptsError } from '../errors.ts'
import { ANY_ROLE } from '../web/access.ts'
import { operation } from '../web/api-schema.ts'
import { field, formErrors, safeReturnPath } from '../web/forms.ts'
import type { Navigation } from '../web/navigation.ts'
import type { QueueSource } from '../web/queue.ts'
import { COUNCIL_CHOICE_MINUTES, decodeCouncilChoice, encodeCouncilChoice } from './council-choice.ts'
import { FailedSignIns } from './failed-sign-ins.ts'
import { ROLE_LABELS } from './roles.ts'
import { meSchema } from './schemas.ts'
import { normaliseEmail, type SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'
import { sessionStarter, signInCookieOptions } from './sign-in-session.ts'
import { handOffToTwoFactor } from './two-factor/pending.ts'

export interface AccountsRoutesOptions {
  accounts: AccountsServices['accounts']
  /** A provider user's organisation, for the home page: the register's, given at composition. */
  organisationOf(councilId: number, organisationId: number): Promise<{ name: string }>
  config: Config
  sessionCookie: string
  /** Holds the accounts a password opened in several councils while the person chooses one. */
  councilChoiceCookie: string
  /** Holds a sign-in whose password passed while the person gives their second factor. */
  twoFactorCookie: string
  twoFactor: Pick<AccountsServices['twoFactor'], 'stageAfterPassword'>
  /** The councils whose identity providers get a "Sign in with …" button. */
  singleSignOn: Pick<AccountsServices['singleSignOn'], 'ssoSignInChoices'>
  /** The lines on each role's home page, from every module's navigation. */
  capabilitiesFor: Navigation['capabilitiesFor']
  /** The work waiting for the user, shown on their home page. */
  queueFor: QueueSource
}

/** Banners the sign-in page shows after something that sent the person to it. */
const SIGN_IN_NOTICES: Record<string, string> = {
  'password-set': 'Your password has been set. Sign in with it.',
  'signed-out-everywhere': 'You have been signed out on every device.',
}

const SIGN_IN_FAILED = 'Enter a correct email address and password'
const CHOOSE_COUNCIL = 'Select the council you want to sign in to'

export const accountsRoutes: FastifyPluginAsync<AccountsRoutesOptions> = async (
  app,
  {
    accounts: accountsService,
    organisationOf,
    config,
    sessionCookie,
    councilChoiceCookie,
    twoFactorCookie,
    twoFactor,
    singleSignOn,
    capabilitiesFor,
    queueFor,
  },
) => {
  const cookieOptions = signInCookieOptions(config)

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    if (request.user) return reply.redirect('/', 303)
    const query = request.query as Record<string, unknown>
    return reply.view('accounts/views/sign-in.njk', {
      pageTitle: 'Sign in to Caremarket',
      returnTo: safeReturnPath(query.returnTo),
      signedOut: query.signedOut === '1',
      notice: SIGN_IN_NOTICES[String(query.notice)],
      singleSignOn: await singleSignOn.ssoSignInChoices(),
      values: {},
      fieldErrors: {},
    })
  })

  const failedSignIns = new FailedSignIns(config.signInFailuresPerEmailPerMinute)

  const startSignedInSession = sessionStarter(accountsService, config, sessionCookie)
  /** The password (and council) passed: on to the second factor when there is one, else signed in. */
  const startSession = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: SessionUser,
    returnTo: string,
  ) => {
    const stage = await twoFactor.stageAfterPassword(user, config.production)
    if (stage !== 'none')
      return handOffToTwoFactor(
        reply,
        { name: twoFactorCookie, options: cookieOptions },
        { userId: user.id, returnTo, stage },
      )
    await startSignedInSession(request, reply, user)
    return reply.redirect(returnTo, 303)
  }

  app.post(
    '/sign-in',
    {
      config: {
        access: 'public',
        rateLimit: { max: config.signInAttemptsPerMinute, timeWindow: '1 minute' },
      },
    },
    async (request, reply) => {
      const email = field(request.body, 'email').trim()
      const password = field(request.body, 'password')
      const returnTo = safeReturnPath(field(request.body, 'returnTo'))
      const missing = [
        ...(email ? [] : [{ field: 'email', message: 'Enter your email address' }]),
        ...(password ? [] : [{ field: 'password', message: 'Enter your password' }]),
      ]
      const showForm = async (status: number, errors: { field: string; message: string }[]) =>
        reply.code(status).view('accounts/views/sign-in.njk', {
          pageTitle: 'Sign in to Caremarket',
          returnTo,
          singleSignOn: await singleSignOn.ssoSignInChoices(),
          values: { email },
          ...formErrors(errors),
        })
      if (missing.length > 0) return showForm(400, missing)

      const limitKey = normaliseEmail(email)
      if (!failedSignIns.begin(limitKey)) throw new TooManyAttemptsError('Too many failed sign-ins')
      const accounts = await accountsService.verifySignIn(
        email,
        password.slice(0, 1024),
        { ip: request.ip },
        { passwordCostLog2: config.passwordCostLog2 },
      )
      if (accounts.length === 0) return showForm(401, [{ field: 'email', message: SIGN_IN_FAILED }])
      failedSignIns.succeeded(limitKey)
      const [only] = accounts
      if (only && accounts.length === 1) return startSession(request, reply, only, returnTo)
      const choice = encodeCouncilChoice(
        accounts.map((account) => account.id),
        returnTo,
      )
      reply.setCookie(councilChoiceCookie, choice, {
        ...cookieOptions,
        signed: true,
        maxAge: COUNCIL_CHOICE_MINUTES * 60,
      })
      return reply.redirect('/sign-in/council', 303)
    },
  )

  /** The accounts waiting to be chosen from, or null (back to sign-in) when there is no valid choice. */
  const pendingChoice = async (request: FastifyRequest) => {
    const cookie = request.cookies[councilChoiceCookie]
    const unsigned = cookie ? request.unsignCookie(cookie) : null
    const choice = unsigned?.valid && unsigned.value ? decodeCouncilChoice(unsigned.value) : null
    if (!choice) return null
    const accounts = await accountsService.activeAccounts(choice.userIds)
    return accounts.length > 0 ? { accounts, returnTo: choice.returnTo } : null
  }

  const showCouncilChoice = (reply: FastifyReply, status: number, accounts: SessionUser[], error?: string) =>
    reply.code(status).view('accounts/views/sign-in-council.njk', {
      pageTitle: 'Which council do you want to sign in to?',
      accounts: accounts.map((account) => ({
        value: String(account.id),
        text: account.councilName,
        hint: ROLE_LABELS[account.role],
      })),
      ...formErrors(error ? [{ field: 'account', message: error }] : []),
    })

  app.get('/sign-in/council', { config: { access: 'public' } }, async (request, reply) => {
    const choice = await pendingChoice(request)
    if (!choice) return reply.redirect('/sign-in', 303)
    return showCouncilChoice(reply, 200, choice.accounts)
  })

  app.post('/sign-in/council', { config: { access: 'public' } }, async (request, reply) => {
    const choice = await pendingChoice(request)
    if (!choice) return reply.redirect('/sign-in', 303)
    const chosen = choice.accounts.find((account) => String(account.id) === field(request.body, 'account'))
    if (!chosen) return showCouncilChoice(reply, 400, choice.accounts, CHOOSE_COUNCIL)
    reply.clearCookie(councilChoiceCookie, cookieOptions)
    return startSession(request, reply, chosen, safeReturnPath(choice.returnTo))
  })

  app.post('/sign-out', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    if (request.sessionToken) await accountsService.endSession(request.sessionToken, user)
    reply.clearCookie(sessionCookie, cookieOptions)
    return reply.redirect('/sign-in?signedOut=1', 303)
  })

  app.get('/', { config: { access: ANY_ROLE } }, async (request, reply) => {
    const user = request.user as SessionUser
    const organisation = user.providerOrganisationId
      ? await organisationOf(user.councilId, user.providerOrganisationId)
      : null
    return reply.view('web/views/pages/home.njk', {
      pageTitle: organisation ? organisation.name : user.councilName,
      roleLabel: ROLE_LABELS[user.role],
      capabilities: capabilitiesFor(user.role),
      queue: await queueFor(user),
    })
  })

  app.get('/accessibility', { config: { access: 'public' } }, async (_request, reply) =>
    reply.view('web/views/pages/accessibility.njk', { pageTitle: 'Accessibility statement' }),
  )

  app.get(
    '/api/v1/me',
    {
      config: { access: ANY_ROLE },
      schema: operation({
        summary: 'The signed-in user',
        tags: ['accounts'],
        responses: { 200: meSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      return {
        id: user.id,
        email: user.email,
        role: user.role,
        council: { code: user.councilCode, name: user.councilName },
        providerOrganisationId: user.providerOrganisationId,
        teamIds: user.teamIds ?? [],
        via: user.via ?? null,
      }
    },
  )
}
