import { isIP } from 'node:net'
import path from 'node:path'
import { z } from 'zod'

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  CAREMARKET_DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Set when the service is behind TLS: cookies become Secure and take the __Host- prefix.
  CAREMARKET_SECURE_COOKIES: z.enum(['true', 'false']).optional(),
  NODE_ENV: z.string().optional(),
  // `false`, or the addresses of the proxies in front of the service: see trustProxySetting.
  CAREMARKET_TRUST_PROXY: z.string().trim().default('false'),
  CAREMARKET_SIGN_IN_FAILURES_PER_EMAIL_PER_MINUTE: z.coerce.number().int().positive().default(10),
  // Wrong two-factor codes (authenticator or recovery) allowed in 15 minutes, per account and per client address.
  CAREMARKET_TWO_FACTOR_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(5),
  CAREMARKET_TWO_FACTOR_FAILURES_PER_ADDRESS: z.coerce.number().int().positive().default(20),
  CAREMARKET_SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  CAREMARKET_SESSION_MAX_HOURS: z.coerce.number().int().positive().default(12),
  CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  // scrypt cost as a power of two (OWASP: 17). Lower only for tests.
  CAREMARKET_PASSWORD_COST_LOG2: z.coerce.number().int().min(10).max(20).default(17),
  // Weeks of simulated brokerage given to a newly created demo council.
  CAREMARKET_DEMO_WEEKS: z.coerce.number().int().min(0).max(52).default(8),
  CAREMARKET_DEMO_PASSWORD: z.string().min(8).default('caremarket-demo'),
  // Outgoing email. Without SMTP_URL or SMTP_HOST nothing is sent and the outbox is the mail log.
  SMTP_URL: z.string().url().optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_SECURE: z.enum(['true', 'false']).optional(),
  SMTP_FROM: z.string().min(3).optional(),
  // Where this service is reached (e.g. https://caremarket.council.gov.uk): webhooks may never point at it.
  CAREMARKET_BASE_URL: z.string().url().optional(),
  // Test-only: lets webhooks reach loopback and private addresses. Refused in production.
  CAREMARKET_WEBHOOKS_ALLOW_PRIVATE: z.enum(['true', 'false']).optional(),
  // CQC's public API (its syndication API): where it is, and the subscription key every council
  // uses unless CAREMARKET_CQC_API_KEY_<COUNCIL CODE> gives one its own.
  CAREMARKET_CQC_API_URL: z.string().url().default('https://api.service.cqc.org.uk/public/v1'),
  CAREMARKET_CQC_API_KEY: z.string().trim().min(1).optional(),
})

export interface Config {
  port: number
  host: string
  /** A PostgreSQL server; when absent the embedded database in `dataDir` is used. */
  databaseUrl: string | undefined
  dataDir: string
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL']
  secureCookies: boolean
  /** Which X-Forwarded-For entries to believe: none, or those added by proxies at these addresses. */
  trustProxy: TrustProxy
  sessionIdleMinutes: number
  sessionMaxHours: number
  signInAttemptsPerMinute: number
  signInFailuresPerEmailPerMinute: number
  twoFactorFailuresPerAccount: number
  twoFactorFailuresPerAddress: number
  /** NODE_ENV=production: two-factor sign-in is required of council staff unless a council says otherwise, and identity providers must use https. */
  production: boolean
  demoPassword: string
  demoWeeks: number
  passwordCostLog2: number
  /** Where email goes; null when SMTP is not configured. */
  smtp: SmtpSettings | null
  /** This service's own origin, when configured; webhooks may never point at it. */
  baseUrl: string | undefined
  webhooks: WebhookSettings
  cqcApi: CqcApiSettings
}

interface CqcApiSettings {
  /** CQC's API, without a trailing slash: e.g. https://api.service.cqc.org.uk/public/v1. */
  baseUrl: string
  /** The subscription key of councils without their own. */
  key: string | undefined
  /** Councils' own keys, by council code written as in the variable's name (upper case, _ for others). */
  councilKeys: Record<string, string>
}

const COUNCIL_KEY_PREFIX = 'CAREMARKET_CQC_API_KEY_'

/** How a council code is written in CAREMARKET_CQC_API_KEY_<CODE>: environment names allow A-Z, 0-9 and _. */
function councilKeyName(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '_')
}

/** The variable that gives one council its own CQC API subscription key. */
export function cqcApiKeyVariable(councilCode: string): string {
  return `${COUNCIL_KEY_PREFIX}${councilKeyName(councilCode)}`
}

/** The CQC API subscription key for a council: its own, or the one every council uses; undefined when neither is set. */
export function cqcApiKey(config: Pick<Config, 'cqcApi'>, councilCode: string): string | undefined {
  return config.cqcApi.councilKeys[councilKeyName(councilCode)] ?? config.cqcApi.key
}

interface WebhookSettings {
  /** Plain http endpoints: only outside production. */
  allowHttp: boolean
  /** Loopback and private addresses: only for tests, never in production. */
  allowPrivate: boolean
}

export interface SmtpSettings {
  host: string
  port: number
  /** TLS from the start (port 465); otherwise STARTTLS is used when the server offers it. */
  secure: boolean
  user: string | undefined
  password: string | undefined
  from: string
}

export class ConfigError extends Error {}

/** The proxies whose X-Forwarded-For entries are believed: none, or those at these addresses. */
type TrustProxy = false | string[]

const TRUST_PROXY_EXAMPLE =
  'list the addresses of the proxies in front of Caremarket, e.g. CAREMARKET_TRUST_PROXY=10.0.0.0/8,127.0.0.1, or set false'

// proxy-addr's names for the private ranges, as Fastify accepts them.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/**
 * Reads CAREMARKET_TRUST_PROXY: `false`, or the proxies' addresses and CIDR ranges. Each trusted
 * proxy's X-Forwarded-For entry is read from the right, and the first address that is not a
 * trusted proxy is the client's. `true` (trust every hop) is refused, since the client writes the
 * leftmost entries itself and could pick the address the sign-in limit counts; so is a count of
 * hops, which Fastify no longer honours because a client reaching the service directly could
 * supply the hops itself.
 */
function trustProxySetting(value: string): TrustProxy {
  if (value === '' || value === 'false') return false
  if (value === 'true')
    throw new ConfigError(
      `Invalid environment: CAREMARKET_TRUST_PROXY=true would believe any X-Forwarded-For a client sends; ${TRUST_PROXY_EXAMPLE}`,
    )
  if (/^\d+$/.test(value))
    throw new ConfigError(
      `Invalid environment: CAREMARKET_TRUST_PROXY=${value} counts proxies, which cannot tell a proxy from a client that connects directly; ${TRUST_PROXY_EXAMPLE}`,
    )
  const entries = value.split(',').map((entry) => entry.trim())
  const invalid = entries.filter((entry) => !isProxyAddress(entry))
  if (invalid.length > 0)
    throw new ConfigError(
      `Invalid environment: CAREMARKET_TRUST_PROXY has ${invalid.map((entry) => `"${entry}"`).join(', ')}, which is not an IP address or CIDR range; ${TRUST_PROXY_EXAMPLE}`,
    )
  return entries
}

function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`)
  }
  const e = parsed.data
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.CAREMARKET_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    secureCookies: e.CAREMARKET_SECURE_COOKIES
      ? e.CAREMARKET_SECURE_COOKIES === 'true'
      : e.NODE_ENV === 'production',
    trustProxy: trustProxySetting(e.CAREMARKET_TRUST_PROXY),
    sessionIdleMinutes: e.CAREMARKET_SESSION_IDLE_MINUTES,
    sessionMaxHours: e.CAREMARKET_SESSION_MAX_HOURS,
    signInAttemptsPerMinute: e.CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE,
    signInFailuresPerEmailPerMinute: e.CAREMARKET_SIGN_IN_FAILURES_PER_EMAIL_PER_MINUTE,
    twoFactorFailuresPerAccount: e.CAREMARKET_TWO_FACTOR_FAILURES_PER_ACCOUNT,
    twoFactorFailuresPerAddress: e.CAREMARKET_TWO_FACTOR_FAILURES_PER_ADDRESS,
    production: e.NODE_ENV === 'production',
    demoPassword: e.CAREMARKET_DEMO_PASSWORD,
    demoWeeks: e.CAREMARKET_DEMO_WEEKS,
    passwordCostLog2: e.CAREMARKET_PASSWORD_COST_LOG2,
    smtp: smtpSettings(e),
    baseUrl: e.CAREMARKET_BASE_URL,
    webhooks: webhookSettings(e),
    cqcApi: {
      baseUrl: e.CAREMARKET_CQC_API_URL.replace(/\/+$/, ''),
      key: e.CAREMARKET_CQC_API_KEY,
      councilKeys: councilKeys(env),
    },
  }
}

function councilKeys(env: NodeJS.ProcessEnv): Record<string, string> {
  const keys: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(COUNCIL_KEY_PREFIX) || !value?.trim()) continue
    keys[name.slice(COUNCIL_KEY_PREFIX.length)] = value.trim()
  }
  return keys
}

function webhookSettings(e: z.infer<typeof environmentSchema>): WebhookSettings {
  const production = e.NODE_ENV === 'production'
  const allowPrivate = e.CAREMARKET_WEBHOOKS_ALLOW_PRIVATE === 'true'
  if (production && allowPrivate)
    throw new ConfigError(
      'Invalid environment: CAREMARKET_WEBHOOKS_ALLOW_PRIVATE=true lets webhooks reach private addresses and is for tests only; remove it in production',
    )
  return { allowHttp: !production, allowPrivate }
}

function smtpSettings(e: z.infer<typeof environmentSchema>): SmtpSettings | null {
  const url = e.SMTP_URL ? new URL(e.SMTP_URL) : undefined
  if (url && url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError(
      `Invalid environment: SMTP_URL must start smtp:// or smtps://, not ${url.protocol}//`,
    )
  const host = url?.hostname || e.SMTP_HOST
  if (!host) return null
  // A relay rejects mail from an address it does not know, so the sender is never guessed.
  if (!e.SMTP_FROM)
    throw new ConfigError('Invalid environment: SMTP_FROM is required when SMTP is configured')
  const secure = url
    ? url.protocol === 'smtps:'
    : e.SMTP_SECURE
      ? e.SMTP_SECURE === 'true'
      : e.SMTP_PORT === 465
  return {
    host,
    port: Number(url?.port) || e.SMTP_PORT || (secure ? 465 : 587),
    secure,
    user: url?.username ? decodeURIComponent(url.username) : e.SMTP_USER,
    password: url?.password ? decodeURIComponent(url.password) : e.SMTP_PASSWORD,
    from: e.SMTP_FROM,
  }
}
