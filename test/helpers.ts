import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { createApiToken } from '../src/accounts/api-tokens.ts'
import type { Role } from '../src/accounts/roles.ts'
import { addUser, createCouncil, type SessionUser } from '../src/accounts/service.ts'
import { type Config, loadConfig } from '../src/config.ts'
import type { DatabaseHandle } from '../src/db/connection.ts'
import { locations, providerOrganisations } from '../src/db/schema.ts'
import { MODULES } from '../src/modules.ts'
import { findOrganisationByCqcId } from '../src/providers/service.ts'
import { createServices } from '../src/services.ts'
import { buildApp } from '../src/web/app.ts'
import { createTestDatabase } from './support/database.ts'

export const PASSWORD = 'correct horse battery'
const system = { kind: 'system', label: 'test' } as const

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ CAREMARKET_PASSWORD_COST_LOG2: '10', LOG_LEVEL: 'silent', ...overrides })
}

export interface Fixture {
  councilId: number
  code: string
  /** Email of the user holding each council role, and of the two provider users. */
  emails: Record<Exclude<Role, 'provider_user'> | 'providerA' | 'providerB', string>
  providerA: { id: number; cqcProviderId: string; locationId: number }
  providerB: { id: number; cqcProviderId: string; locationId: number }
  /** A council token acting as a broker, made by the council admin. */
  councilApiTokenId: number
  councilApiToken: string
  /** A provider token for providerA. */
  providerApiTokenId: number
  providerApiToken: string
}

/** One council with a user per role and two provider organisations, each with a provider user. */
export async function seedCouncil(database: DatabaseHandle, code: string, config: Config): Promise<Fixture> {
  const { db } = database
  const council = await createCouncil(db, { code, name: `${code} Test Council` }, system)
  const providers = []
  for (const suffix of ['A', 'B']) {
    const cqcProviderId = `1-${code}${suffix}`
    const [organisation] = await db
      .insert(providerOrganisations)
      .values({ councilId: council.id, cqcProviderId, name: `${code} Care ${suffix} Ltd` })
      .returning()
    if (!organisation) throw new Error('no organisation')
    const [location] = await db
      .insert(locations)
      .values({
        councilId: council.id,
        providerOrganisationId: organisation.id,
        cqcLocationId: `1-L${code}${suffix}`,
        name: `${code} ${suffix} House`,
        address: `1 ${suffix} Street`,
        postcode: 'XA1 1AA',
        registeredBeds: 30,
        serviceTypes: ['residential_home'],
        clientGroups: ['older_people'],
        cqcRating: 'Good',
      })
      .returning()
    if (!location) throw new Error('no location')
    providers.push({ id: organisation.id, cqcProviderId, locationId: location.id })
  }
  const lower = code.toLowerCase()
  const emails = {
    social_worker: `social-worker@${lower}.test`,
    broker: `broker@${lower}.test`,
    commissioner: `commissioner@${lower}.test`,
    council_admin: `council-admin@${lower}.test`,
    providerA: `provider-a@${lower}.test`,
    providerB: `provider-b@${lower}.test`,
  }
  const options = {
    passwordCostLog2: config.passwordCostLog2,
    findOrganisation: (councilId: number, id: string) => findOrganisationByCqcId(db, councilId, id),
  }
  const userIds: Partial<Record<Role, number>> = {}
  for (const role of ['social_worker', 'broker', 'commissioner', 'council_admin'] as const) {
    userIds[role] = (
      await addUser(db, council.id, { email: emails[role], role, password: PASSWORD }, system, options)
    ).id
  }
  const providerAUser = await addUser(
    db,
    council.id,
    {
      email: emails.providerA,
      role: 'provider_user',
      password: PASSWORD,
      cqcProviderId: providers[0]?.cqcProviderId,
    },
    system,
    options,
  )
  await addUser(
    db,
    council.id,
    {
      email: emails.providerB,
      role: 'provider_user',
      password: PASSWORD,
      cqcProviderId: providers[1]?.cqcProviderId,
    },
    system,
    options,
  )
  const asUser = (
    id: number,
    email: string,
    role: Role,
    providerOrganisationId: number | null,
  ): SessionUser => ({
    id,
    email,
    role,
    councilId: council.id,
    councilCode: council.code,
    councilName: council.name,
    councilIsDemo: false,
    providerOrganisationId,
  })
  const councilToken = await createApiToken(
    db,
    asUser(userIds.council_admin as number, emails.council_admin, 'council_admin', null),
    { name: 'Council system', role: 'broker' },
  )
  const providerToken = await createApiToken(
    db,
    asUser(providerAUser.id, emails.providerA, 'provider_user', providers[0]?.id ?? null),
    { name: 'Provider A rostering' },
  )
  return {
    councilId: council.id,
    code: council.code,
    emails,
    providerA: providers[0] as Fixture['providerA'],
    providerB: providers[1] as Fixture['providerB'],
    councilApiTokenId: councilToken.id,
    councilApiToken: councilToken.token,
    providerApiTokenId: providerToken.id,
    providerApiToken: providerToken.token,
  }
}

export async function createTestApp(
  overrides: NodeJS.ProcessEnv = {},
  options: { logger?: FastifyBaseLogger; beforeReady?: (app: FastifyInstance) => void } = {},
) {
  const config = testConfig(overrides)
  const database = await createTestDatabase()
  const services = createServices({ database, config })
  const app = await buildApp(services, {
    modules: MODULES,
    logger: options.logger ?? pino({ level: 'silent' }),
  })
  options.beforeReady?.(app)
  await app.ready()
  return {
    app,
    database,
    config,
    services,
    close: async () => {
      await app.close()
      await database.close()
    },
  }
}

/** Cookies from a response, as a Cookie header value, merged over earlier ones. */
function mergeCookies(previous: string, response: LightMyRequestResponse): string {
  const jar = new Map(
    previous
      .split('; ')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
  )
  for (const cookie of response.cookies) {
    if (cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now()))
      jar.delete(cookie.name)
    else jar.set(cookie.name, cookie.value)
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

/** A browser-like client: keeps cookies and reads the CSRF token from the last page it saw. */
let clientCount = 0

export class Client {
  cookies = ''
  csrfToken = ''
  /** Each client has its own address, so sign-in rate limits apply per client as they would per person. */
  readonly remoteAddress = `198.51.100.${++clientCount % 250}`
  constructor(private readonly app: FastifyInstance) {}

  async get(url: string, headers: Record<string, string> = {}) {
    const response = await this.app.inject({
      method: 'GET',
      url,
      remoteAddress: this.remoteAddress,
      headers: { cookie: this.cookies, ...headers },
    })
    this.cookies = mergeCookies(this.cookies, response)
    const token = response.body.match(/name="_csrf" value="([^"]+)"/)?.[1]
    if (token) this.csrfToken = token
    return response
  }

  post(url: string, form: Record<string, string>, options: { csrf?: boolean } = {}) {
    return this.send('POST', url, form, options)
  }

  /** A form-encoded request of any unsafe method, with the CSRF token unless told otherwise. */
  async send(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    form: Record<string, string>,
    options: { csrf?: boolean } = {},
  ) {
    const payload = new URLSearchParams(
      options.csrf === false ? form : { _csrf: this.csrfToken, ...form },
    ).toString()
    const response = await this.app.inject({
      method,
      url,
      payload,
      remoteAddress: this.remoteAddress,
      headers: { cookie: this.cookies, 'content-type': 'application/x-www-form-urlencoded' },
    })
    this.cookies = mergeCookies(this.cookies, response)
    return response
  }

  async signIn(email: string, password = PASSWORD) {
    await this.get('/sign-in')
    const response = await this.post('/sign-in', { email, password })
    if (response.statusCode !== 303) throw new Error(`sign-in as ${email} failed with ${response.statusCode}`)
    return response
  }
}
