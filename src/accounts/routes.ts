import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { ConflictError, parseInput, TooManyAttemptsError, ValidationError } from '../errors.ts'
import { ANY_ROLE } from '../web/access.ts'
import { operation } from '../web/api-schema.ts'
import { field, formErrors, safeReturnPath } from '../web/forms.ts'
import type { Navigation } from '../web/navigation.ts'
import { pageOfList, pagingQuery } from '../web/paging.ts'
import { COUNCIL_CHOICE_MINUTES, decodeCouncilChoice, encodeCouncilChoice } from './council-choice.ts'
import { FailedSignIns } from './failed-sign-ins.ts'
import { ROLE_LABELS, ROLES } from './roles.ts'
import { meSchema, usersSchema } from './schemas.ts'
import { actorOf, MIN_PASSWORD_LENGTH, type NewUser, normaliseEmail, type SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'

export interface AccountsRoutesOptions {
  accounts: AccountsServices['accounts']
  /** A provider user's organisation, for the home page: the register's, given at composition. */
  organisationOf(councilId: number, organisationId: number): Promise<{ name: string }>
  config: Config
  sessionCookie: string
  /** Holds the accounts a password opened in several councils while the person chooses one. */
  councilChoiceCookie: string
  /** The lines on each role's home page, from every module's navigation. */
  capabilitiesFor: Navigation['capabilitiesFor']
}

const SIGN_IN_FAILED = 'Enter a correct email address and password'
const CHOOSE_COUNCIL = 'Select the council you want to sign in to'

export const accountsRoutes: FastifyPluginAsync<AccountsRoutesOptions> = async (
  app,
  { accounts: accountsService, organisationOf, config, sessionCookie, councilChoiceCookie, capabilitiesFor },
) => {
  const sessionPolicy = { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours }
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.secureCookies,
  }

  app.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    if (request.user) return reply.redirect('/', 303)
    const query = request.query as Record<string, unknown>
    return reply.view('accounts/views/sign-in.njk', {
      pageTitle: 'Sign in to Caremarket',
      returnTo: safeReturnPath(query.returnTo),
      signedOut: query.signedOut === '1',
      values: {},
      fieldErrors: {},
    })
  })

  const failedSignIns = new FailedSignIns(config.signInFailuresPerEmailPerMinute)

  /** Signs the person in to one account: a new session every time, so one fixed before is worthless. */
  const startSession = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: SessionUser,
    returnTo: string,
  ) => {
    await accountsService.recordSignIn(user, { ip: request.ip })
    if (request.sessionToken && request.user)
      await accountsService.endSession(request.sessionToken, request.user)
    const token = await accountsService.createSession(user, sessionPolicy)
    reply.setCookie(sessionCookie, token, { ...cookieOptions, maxAge: sessionPolicy.maxHours * 3600 })
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
      const showForm = (status: number, errors: { field: string; message: string }[]) =>
        reply.code(status).view('accounts/views/sign-in.njk', {
          pageTitle: 'Sign in to Caremarket',
          returnTo,
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
    })
  })

  app.get('/accessibility', { config: { access: 'public' } }, async (_request, reply) =>
    reply.view('web/views/pages/accessibility.njk', { pageTitle: 'Accessibility statement' }),
  )

  const showUsers = async (user: SessionUser, reply: FastifyReply, added?: string) => {
    const rows = await accountsService.listUsers(user.councilId)
    return reply.view('accounts/views/users.njk', {
      pageTitle: 'Users',
      added,
      users: rows.map((u) => ({ ...u, roleLabel: ROLE_LABELS[u.role as keyof typeof ROLE_LABELS] })),
    })
  }

  app.get('/admin/users', { config: { access: ['council_admin'] } }, async (request, reply) => {
    const added = field(request.query, 'added')
    return showUsers(request.user as SessionUser, reply, added || undefined)
  })

  const roleOptions = ROLES.map((value) => ({ value, label: ROLE_LABELS[value] }))
  const showNewUserForm = (
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    errors: ValidationError | null,
  ) =>
    reply.code(status).view('accounts/views/user-new.njk', {
      pageTitle: 'Add a user',
      roles: roleOptions,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      values,
      ...formErrors(errors?.errors ?? []),
    })

  app.get('/admin/users/new', { config: { access: ['council_admin'] } }, async (_request, reply) =>
    showNewUserForm(reply, 200, {}, null),
  )

  app.post('/admin/users', { config: { access: ['council_admin'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = {
      email: field(request.body, 'email'),
      role: field(request.body, 'role'),
      cqcProviderId: field(request.body, 'cqcProviderId'),
    }
    const input = {
      ...values,
      password: field(request.body, 'password'),
      cqcProviderId: values.role === 'provider_user' ? values.cqcProviderId : undefined,
    } as NewUser
    try {
      const created = await accountsService.addUser(user.councilId, input, actorOf(user), {
        passwordCostLog2: config.passwordCostLog2,
      })
      return reply.redirect(`/admin/users?added=${encodeURIComponent(created.email)}`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return showNewUserForm(reply, 400, values, error)
      if (error instanceof ConflictError) {
        return showNewUserForm(
          reply,
          409,
          values,
          new ValidationError([{ field: 'email', message: error.message }]),
        )
      }
      throw error
    }
  })

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
      }
    },
  )

  app.get(
    '/api/v1/users',
    {
      config: { access: ['council_admin'] },
      schema: operation({
        summary: 'Users of your council, a page at a time',
        tags: ['accounts'],
        querystring: pagingQuery,
        responses: { 200: usersSchema },
        errors: [],
      }),
    },
    async (request) => {
      const paging = parseInput(pagingQuery, request.query ?? {})
      return pageOfList(
        'users',
        await accountsService.listUsers((request.user as SessionUser).councilId),
        paging,
      )
    },
  )
}
