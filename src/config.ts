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
  CAREMARKET_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  CAREMARKET_SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  CAREMARKET_SESSION_MAX_HOURS: z.coerce.number().int().positive().default(12),
  CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  // scrypt cost as a power of two (OWASP: 17). Lower only for tests.
  CAREMARKET_PASSWORD_COST_LOG2: z.coerce.number().int().min(10).max(20).default(17),
  CAREMARKET_DEMO_PASSWORD: z.string().min(8).default('caremarket-demo'),
})

export interface Config {
  port: number
  host: string
  /** A PostgreSQL server; when absent the embedded database in `dataDir` is used. */
  databaseUrl: string | undefined
  dataDir: string
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL']
  secureCookies: boolean
  trustProxy: boolean
  sessionIdleMinutes: number
  sessionMaxHours: number
  signInAttemptsPerMinute: number
  demoPassword: string
  passwordCostLog2: number
}

export class ConfigError extends Error {}

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
    trustProxy: e.CAREMARKET_TRUST_PROXY === 'true',
    sessionIdleMinutes: e.CAREMARKET_SESSION_IDLE_MINUTES,
    sessionMaxHours: e.CAREMARKET_SESSION_MAX_HOURS,
    signInAttemptsPerMinute: e.CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE,
    demoPassword: e.CAREMARKET_DEMO_PASSWORD,
    passwordCostLog2: e.CAREMARKET_PASSWORD_COST_LOG2,
  }
}
