import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Config } from '../../config.ts'
import { NotFoundError, ValidationError } from '../../errors.ts'
import { field, formErrors, safeReturnPath } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { COUNCIL_ROLES, ROLE_LABELS } from '../roles.ts'
import type { SessionUser } from '../service.ts'
import type { AccountsServices } from '../services.ts'
import { sessionStarter, signInCookieOptions } from '../sign-in-session.ts'
import { type AuthorisationChecks, beginAuthorisation, completeAuthorisation, isUnreachable } from './oidc.ts'
import { refusalMessage, type SsoRefusal } from './rules.ts'
import { type SsoClient, SsoRefused } from './service.ts'

export interface SingleSignOnRoutesOptions {
  accounts: Pick<AccountsServices['accounts'], 'recordSignIn' | 'endSession' | 'createSession'>
  singleSignOn: AccountsServices['singleSignOn']
  config: Config
  sessionCookie: string
  singleSignOnCookie: string
}

export const singleSignOnCapabilities: readonly Capability[] = [
  {
    href: '/admin/single-sign-on',
    section: 'admin',
    label: 'Single sign-on',
    description: 'Let council staff sign in with the council’s own accounts (OpenID Connect).',
    roles: ['council_admin'],
  },
]

/** How long the person has at the identity provider before the checks kept for their return expire. */
const FLOW_MINUTES = 10

const flowSchema = z.object({
  councilCode: z.string(),
  returnTo: z.string(),
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  expiresAt: z.number(),
})

type Flow = z.infer<typeof flowSchema>

function readFlow(request: FastifyRequest, cookie: string): Flow | null {
  const raw = request.cookies[cookie]
  const unsigned = raw ? request.unsignCookie(raw) : null
  if (!unsigned?.valid || !unsigned.value) return null
  try {
    const parsed = flowSchema.safeParse(JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')))
    return parsed.success && parsed.data.expiresAt > Date.now() ? parsed.data : null
  } catch {
    return null
  }
}

const councilParams = z.object({ council: z.string().regex(/^[A-Za-z0-9]{2,12}$/) })

const REFUSAL_STATUS: Record<SsoRefusal, number> = {
  'no-email': 403,
  'unverified-email': 403,
  'domain-not-allowed': 403,
  disabled: 403,
  'unknown-user': 403,
  'provider-user': 403,
  'other-identity': 403,
  'not-completed': 400,
  'provider-refused': 401,
  'provider-unreachable': 502,
}

/** Sign-in through a council's OpenID Connect identity provider, and the council admin's settings page. */
export const singleSignOnRoutes: FastifyPluginAsync<SingleSignOnRoutesOptions> = async (
  app,
  { accounts, singleSignOn, config, sessionCookie, singleSignOnCookie },
) => {
  const startSignedInSession = sessionStarter(accounts, config, sessionCookie)
  const cookieOptions = signInCookieOptions(config)
  // Plain http identity providers only outside production (tests run one on this machine).
  const allowHttp = !config.production

  const redirectUri = (request: FastifyRequest, councilCode: string) => {
    const base = config.baseUrl ?? `${request.protocol}://${request.host}`
    return `${base.replace(/\/+$/, '')}/sign-in/sso/${councilCode}/callback`
  }

  const clientFor = async (request: FastifyRequest) => {
    const parsed = councilParams.safeParse(request.params)
    const client = parsed.success ? await singleSignOn.ssoClientFor(parsed.data.council) : null
    if (!client) throw new NotFoundError('This council does not use single sign-on with Caremarket')
    return client
  }

  const refuse = (reply: FastifyReply, client: SsoClient, refusal: SsoRefusal, email?: string) =>
    reply.code(REFUSAL_STATUS[refusal]).view('accounts/sso/views/refused.njk', {
      pageTitle: `You could not sign in with ${client.providerName}`,
      message: refusalMessage(refusal, { ...client, email }),
      retryHref: `/sign-in/sso/${client.councilCode}`,
    })

  app.get('/sign-in/sso/:council', { config: { access: 'public' } }, async (request, reply) => {
    const client = await clientFor(request)
    let begun: { url: URL; checks: AuthorisationChecks }
    try {
      begun = await beginAuthorisation(client, redirectUri(request, client.councilCode), allowHttp)
    } catch (error) {
      request.log.warn({ err: error, council: client.councilCode }, 'identity provider discovery failed')
      return refuse(reply, client, 'provider-unreachable')
    }
    const flow: Flow = {
      councilCode: client.councilCode,
      returnTo: safeReturnPath(field(request.query, 'returnTo')),
      ...begun.checks,
      expiresAt: Date.now() + FLOW_MINUTES * 60_000,
    }
    reply.setCookie(singleSignOnCookie, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
      ...cookieOptions,
      signed: true,
      maxAge: FLOW_MINUTES * 60,
    })
    return reply.redirect(begun.url.href, 303)
  })

  app.get('/sign-in/sso/:council/callback', { config: { access: 'public' } }, async (request, reply) => {
    const client = await clientFor(request)
    const flow = readFlow(request, singleSignOnCookie)
    reply.clearCookie(singleSignOnCookie, cookieOptions)
    const refused = async (refusal: SsoRefusal) => {
      await singleSignOn.recordSsoRefusal(client, refusal, { ip: request.ip })
      return refuse(reply, client, refusal)
    }
    if (field(request.query, 'error')) return refused('provider-refused')
    // No flow, another council's, or an expired one: the checks to compare with are gone.
    if (!flow || flow.councilCode !== client.councilCode) return refused('not-completed')
    const callbackUrl = new URL(request.url, redirectUri(request, client.councilCode))
    let claims: Awaited<ReturnType<typeof completeAuthorisation>>
    try {
      claims = await completeAuthorisation(client, callbackUrl, flow, allowHttp)
    } catch (error) {
      // A state, PKCE, nonce or token check that failed is not completed; a provider that is down is unreachable.
      request.log.warn({ err: error, council: client.councilCode }, 'single sign-on did not complete')
      return refused(isUnreachable(error) ? 'provider-unreachable' : 'not-completed')
    }
    let user: SessionUser
    try {
      user = await singleSignOn.signInWithSso(
        client,
        claims,
        { ip: request.ip },
        {
          passwordCostLog2: config.passwordCostLog2,
        },
      )
    } catch (error) {
      if (error instanceof SsoRefused) return refuse(reply, client, error.refusal, error.email)
      throw error
    }
    // The identity provider's own checks (its MFA included) stand in for Caremarket's second factor.
    await startSignedInSession(request, reply, user, 'single sign-on')
    return reply.redirect(safeReturnPath(flow.returnTo), 303)
  })

  const roleItems = (chosen: string) => [
    {
      value: 'none',
      text: 'No, only people who already have a Caremarket account',
      checked: chosen === 'none',
    },
    { divider: 'or make an account with the role' },
    ...COUNCIL_ROLES.map((role) => ({ value: role, text: ROLE_LABELS[role], checked: chosen === role })),
  ]

  const showSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      status?: number
      values?: Record<string, string>
      errors?: ValidationError
      saved?: boolean
    } = {},
  ) => {
    const user = request.user as SessionUser
    const settings = await singleSignOn.getSsoSettings(user.councilId)
    const values = options.values ?? {
      enabled: settings ? (settings.enabled ? 'yes' : 'no') : '',
      providerName: settings?.providerName ?? '',
      issuerUrl: settings?.issuerUrl ?? '',
      clientId: settings?.clientId ?? '',
      allowedDomains: settings?.allowedDomains.join('\n') ?? '',
      justInTimeRole: settings ? (settings.justInTimeRole ?? 'none') : '',
    }
    return reply.code(options.status ?? 200).view('accounts/sso/views/settings.njk', {
      pageTitle: 'Single sign-on',
      values,
      hasSecret: settings !== null,
      saved: options.saved,
      redirectUri: redirectUri(request, user.councilCode),
      roleItems: roleItems(values.justInTimeRole ?? ''),
      ...formErrors(options.errors?.errors ?? []),
    })
  }

  app.get('/admin/single-sign-on', { config: { access: ['council_admin'] } }, async (request, reply) =>
    showSettings(request, reply, { saved: field(request.query, 'saved') === '1' }),
  )

  app.post('/admin/single-sign-on', { config: { access: ['council_admin'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = {
      enabled: field(request.body, 'enabled'),
      providerName: field(request.body, 'providerName'),
      issuerUrl: field(request.body, 'issuerUrl'),
      clientId: field(request.body, 'clientId'),
      allowedDomains: field(request.body, 'allowedDomains'),
      justInTimeRole: field(request.body, 'justInTimeRole'),
    }
    const role = values.justInTimeRole
    try {
      await singleSignOn.saveSsoSettings(
        user,
        {
          ...values,
          clientSecret: field(request.body, 'clientSecret'),
          justInTime: role === 'none' ? 'no' : role ? 'yes' : '',
        },
        { allowHttp },
      )
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      // The role and the yes/no behind it are one question on the page.
      const errors = new ValidationError(
        error.errors.map((e) => (e.field === 'justInTime' ? { ...e, field: 'justInTimeRole' } : e)),
      )
      return showSettings(request, reply, { status: 400, values, errors })
    }
    return reply.redirect('/admin/single-sign-on?saved=1', 303)
  })
}
