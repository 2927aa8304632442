import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../src/accounts/roles.ts'
import { ACCESS_RULES } from './access/index.ts'
import { OPEN_DATA_ROUTE } from './access/openreferral.ts'
import type { AccessRule } from './access/types.ts'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from './helpers.ts'
import { placeInvitableLocation } from './support/offers-factory.ts'

/**
 * Every route of the authorisation matrix is sent malformed input, as a user allowed to use it
 * (anonymously for public routes), in each place it reads input: its path parameters, the query
 * and body fields it reads, and its body as a whole. No answer may be a 5xx. Which query and body
 * fields a route reads is learnt by watching one ordinary request to it, so a field added to a
 * route is fuzzed without being listed here.
 */

const SEED = 20_260_515
/** Random probes per route, on top of the fixed catalogue below. */
const RANDOM_RUNS_PER_ROUTE = 5

/*
 * Malformed values come in kinds. Each place a route reads input is sent one value of every kind;
 * which of a kind's values it gets turns with the place, so that across places and routes every
 * value is sent, and a run stays short.
 */

/** Already percent-encoded, for path segments and query values: some are bytes no UTF-8 text has. */
const URL_VALUES = [
  ['%00', 'a%00b'],
  ['%ED%A0%80', '%FF'], // a lone surrogate as CESU-8; a byte that starts nothing
  ['2147483648'],
  ['-1', 'abc', '99999999999999999999', '1e400', '2024-02-30'],
  ['%E2%80%AEe%CC%81%CC%81', 'x'.repeat(3000)], // a right-to-left override and combining accents
]

/** Text for form fields. */
const FORM_VALUES = [
  ['a\u0000@b.c', '\u0000'],
  ['2147483648'],
  ['-1', 'abc', '99999999999999999999', '1e400', '2024-02-30'],
  ['\u202ee\u0301\u0301', 'x'.repeat(20_000)],
]

/** Raw JSON for the value of one field of a JSON body. */
const JSON_VALUES = [
  ['"a\\u0000@b.c"', '"x\\ud800y"', '{"\\u0000":1}', '["\\udc00"]'],
  ['2147483648'],
  ['-1', '"abc"', '9223372036854775808', '1.5', '"99999999999999999999"', 'null', '[]'],
  [`"${'x'.repeat(20_000)}"`, `${'['.repeat(200)}${']'.repeat(200)}`],
]

/** One value of each kind, chosen by the place's number. */
function valuesFor(kinds: string[][], place: number): string[] {
  return kinds.map((values) => values[place % values.length] as string)
}

const BOUNDARY = 'fuzzboundary'
const part = (headers: string, body: string) => `--${BOUNDARY}\r\n${headers}\r\n\r\n${body}\r\n`
const multipartType = `multipart/form-data; boundary=${BOUNDARY}`

/** Bodies as a whole, for every route that takes one: wrong types, broken encodings, extremes. */
const WHOLE_BODIES: { what: string; contentType: string; payload: string }[] = [
  {
    what: 'JSON nested 10,000 deep',
    contentType: 'application/json',
    payload: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  },
  { what: 'JSON with a NUL key', contentType: 'application/json', payload: '{"\\u0000":1}' },
  { what: 'a JSON array', contentType: 'application/json', payload: '[1,2,3]' },
  { what: 'JSON null', contentType: 'application/json', payload: 'null' },
  { what: 'broken JSON', contentType: 'application/json', payload: '{"a":' },
  {
    what: 'JSON over the size limit',
    contentType: 'application/json',
    payload: `"${'x'.repeat(1_100_000)}"`,
  },
  { what: 'plain text', contentType: 'text/plain', payload: 'hello' },
  { what: 'XML', contentType: 'application/xml', payload: '<a/>' },
  {
    what: 'a form with a broken escape',
    contentType: 'application/x-www-form-urlencoded',
    payload: 'a=%E0%A4%A&b=%',
  },
  { what: 'multipart without a boundary', contentType: 'multipart/form-data', payload: 'garbage' },
  {
    what: 'multipart cut off',
    contentType: multipartType,
    payload: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc`,
  },
  {
    what: 'multipart with a NUL in the file name',
    contentType: multipartType,
    payload: `${part('Content-Disposition: form-data; name="file"; filename="a\u0000.csv"', 'a,b')}--${BOUNDARY}--\r\n`,
  },
  {
    what: 'multipart with a NUL in a field name',
    contentType: multipartType,
    payload: `${part('Content-Disposition: form-data; name="a\u0000"', 'x')}--${BOUNDARY}--\r\n`,
  },
  {
    what: 'multipart with a bad part header',
    contentType: multipartType,
    payload: `--${BOUNDARY}\r\nContent-Disposition\r\n\r\nx\r\n--${BOUNDARY}--\r\n`,
  },
]

/** Routes that take a file: their body fields are sent as multipart, with a file holding NUL bytes. */
const UPLOAD_ROUTES = new Set([
  'POST /provider/capacity/upload',
  'POST /register/import',
  'POST /api/v1/register/imports',
])

interface Probe {
  what: string
  method: string
  url: string
  contentType?: string
  payload?: string
}

type Who = Role | 'anonymous'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
const clients = new Map<Who, Client>()
const inputsRead = new Map<string, { query: Set<string>; body: Set<string> }>()
let watching = false
let probesSent = 0

/** Records the fields a route reads from the query and body, while `watching`. */
function watchInputs(app: FastifyInstance) {
  app.addHook('preHandler', async (request) => {
    if (!watching) return
    const route = `${request.method} ${request.routeOptions.url}`
    const read = inputsRead.get(route) ?? { query: new Set<string>(), body: new Set<string>() }
    inputsRead.set(route, read)
    request.query = recordingReads(request.query, read.query)
    request.body = recordingReads(request.body, read.body)
  })
}

function recordingReads<T>(target: T, keys: Set<string>): T {
  if (!target || typeof target !== 'object' || Array.isArray(target) || Buffer.isBuffer(target)) return target
  return new Proxy(target, {
    get(object, key, receiver) {
      if (
        typeof key === 'string' &&
        /^[A-Za-z][\w-]*$/.test(key) &&
        !['_csrf', 'then', 'toJSON'].includes(key)
      )
        keys.add(key)
      return Reflect.get(object, key, receiver)
    },
  })
}

/** Percent-encodes text as UTF-8, writing a lone surrogate as the three bytes CESU-8 gives it. */
function percentEncode(text: string): string {
  let out = ''
  for (const char of text) {
    const unit = char.charCodeAt(0)
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('')
    } else out += encodeURIComponent(char)
  }
  return out
}

function withQuery(url: string, key: string, encodedValue: string): string {
  const [path, query = ''] = url.split('?') as [string, string?]
  const kept = query.split('&').filter((pair) => pair && pair.split('=')[0] !== encodeURIComponent(key))
  return `${path}?${[...kept, `${encodeURIComponent(key)}=${encodedValue}`].join('&')}`
}

/** The concrete address with one path parameter replaced. */
function withParam(pattern: string, url: string, index: number, encodedValue: string): string {
  const [path, query] = url.split('?') as [string, string?]
  const segments = path.split('/')
  segments[index] = encodedValue
  if (pattern.split('/')[index] === '*') segments.length = index + 1
  return query === undefined ? segments.join('/') : `${segments.join('/')}?${query}`
}

function paramIndexes(pattern: string): number[] {
  return pattern.split('/').flatMap((segment, i) => (segment.startsWith(':') || segment === '*' ? [i] : []))
}

type BodyKind = 'form' | 'json' | 'multipart'

function bodyKindOf(route: string): BodyKind {
  if (UPLOAD_ROUTES.has(route)) return 'multipart'
  return route.split(' ')[1]?.startsWith('/api/') ? 'json' : 'form'
}

/**
 * Valid bodies for routes whose other fields must be right before a field reaches the database;
 * each probe changes one field of it. Other routes are sent the one field alone.
 */
const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /sign-in': () => ({ email: home.emails.broker, password: PASSWORD }),
  'POST /admin/users': () => ({
    email: 'fuzz@home.test',
    role: 'broker',
    password: 'a long enough password',
  }),
  'POST /requests/new/person': () => ({
    name: 'Ada Lovelace',
    sex: 'female',
    postcode: 'NR1 1AA',
    'dateOfBirth-day': '10',
    'dateOfBirth-month': '12',
    'dateOfBirth-year': '1940',
  }),
  'POST /admin/bank-holidays': () => ({
    'date-day': '25',
    'date-month': '12',
    'date-year': '2098',
    name: 'Fuzz day',
  }),
  'POST /provider/profile/contacts': () => ({
    name: 'Sam Jones',
    jobTitle: 'Manager',
    email: 'sam@example.org',
    phone: '01234 567890',
  }),
  'PUT /api/v1/offers/:offerId': () => ({
    pricePence: 90_000,
    earliestStart: '2099-01-01',
    meetsAllNeeds: true,
    version: 1,
  }),
}

/** A body with one field set, encoded as the route expects; `value` is raw JSON for JSON bodies. */
function bodyWith(route: string, key: string, value: string): Pick<Probe, 'contentType' | 'payload'> {
  const kind = bodyKindOf(route)
  const { [key]: _replaced, ...others } = VALID_BODIES[route]?.() ?? {}
  if (kind === 'json') {
    const rest = Object.entries(others).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`)
    return { contentType: 'application/json', payload: `{${rest.join('')}${JSON.stringify(key)}:${value}}` }
  }
  if (kind === 'form') {
    const fields = { ...others, [key]: value }
    const payload = Object.entries(fields).map(([k, v]) => `${percentEncode(k)}=${percentEncode(String(v))}`)
    return { contentType: 'application/x-www-form-urlencoded', payload: payload.join('&') }
  }
  const field = part(`Content-Disposition: form-data; name="${key}"`, value)
  const file = part('Content-Disposition: form-data; name="file"; filename="upload.csv"', 'a,b\r\n1,\u00002')
  return { contentType: multipartType, payload: `${field}${file}--${BOUNDARY}--\r\n` }
}

/** The fixed catalogue of malformed requests for one route. */
function catalogue(route: string, url: string): Probe[] {
  const [method, pattern] = route.split(' ') as [string, string]
  const read = inputsRead.get(route) ?? { query: new Set<string>(), body: new Set<string>() }
  const probes: Probe[] = []
  let place = 0
  for (const index of paramIndexes(pattern))
    for (const value of valuesFor(URL_VALUES, place++))
      probes.push({
        what: `path ${pattern.split('/')[index]} = ${value.slice(0, 40)}`,
        method,
        url: withParam(pattern, url, index, value),
      })
  const queryKeys = new Set([...read.query, ...new URLSearchParams(url.split('?')[1] ?? '').keys()])
  for (const key of queryKeys)
    for (const value of valuesFor(URL_VALUES, place++))
      probes.push({ what: `query ${key} = ${value.slice(0, 40)}`, method, url: withQuery(url, key, value) })
  if (method === 'GET') return probes
  const kind = bodyKindOf(route)
  const bodyKeys = new Set([...read.body, ...Object.keys(VALID_BODIES[route]?.() ?? {})])
  for (const key of bodyKeys) {
    for (const value of valuesFor(kind === 'json' ? JSON_VALUES : FORM_VALUES, place++))
      probes.push({
        what: `body ${key} = ${JSON.stringify(value.slice(0, 40))}`,
        method,
        url,
        ...bodyWith(route, key, value),
      })
    if (kind === 'form')
      probes.push({
        what: `body ${key} repeated`,
        method,
        url,
        contentType: 'application/x-www-form-urlencoded',
        payload: `${key}=a&${key}=b`,
      })
  }
  for (const body of WHOLE_BODIES) probes.push({ method, url, ...body, what: `body: ${body.what}` })
  if (kind === 'multipart')
    probes.push({ what: 'a file holding a NUL byte', method, url, ...bodyWith(route, 'note', 'x') })
  return probes
}

/** Random probes: any text, in any place the route reads input. */
function randomProbe(route: string, url: string): fc.Arbitrary<Probe> {
  const [method, pattern] = route.split(' ') as [string, string]
  const read = inputsRead.get(route) ?? { query: new Set<string>(), body: new Set<string>() }
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.bigInt().map(String),
    fc.double().map(String),
  )
  const places: fc.Arbitrary<Probe>[] = []
  const indexes = paramIndexes(pattern)
  if (indexes.length > 0)
    places.push(
      fc.tuple(fc.constantFrom(...indexes), text).map(([index, value]) => ({
        what: `path ${pattern.split('/')[index]} = ${JSON.stringify(value)}`,
        method,
        url: withParam(pattern, url, index, percentEncode(value) || '%20'),
      })),
    )
  const queryKeys = [...read.query, 'q']
  places.push(
    fc.tuple(fc.constantFrom(...queryKeys), text).map(([key, value]) => ({
      what: `query ${key} = ${JSON.stringify(value)}`,
      method,
      url: withQuery(url, key, percentEncode(value)),
    })),
  )
  if (method !== 'GET' && read.body.size > 0) {
    const kind = bodyKindOf(route)
    const json = fc.oneof(
      text.map((value) => JSON.stringify(value)),
      fc.json({ depthSize: 'small' }),
    )
    places.push(
      fc.tuple(fc.constantFrom(...read.body), kind === 'json' ? json : text).map(([key, value]) => ({
        what: `body ${key} = ${JSON.stringify(value)}`,
        method,
        url,
        ...bodyWith(route, key, value),
      })),
    )
  }
  return fc.oneof(...places)
}

async function clientFor(who: Who, route: string): Promise<Client> {
  // Sign-out ends the session it is sent with; give it one of its own.
  if (route === 'POST /sign-out') {
    const client = new Client(t.app)
    await client.signIn(home.emails.broker)
    return client
  }
  let client = clients.get(who)
  if (!client) {
    client = new Client(t.app)
    if (who === 'anonymous') await client.get('/sign-in')
    else await client.signIn(who === 'provider_user' ? home.emails.providerA : home.emails[who])
    clients.set(who, client)
  }
  return client
}

function send(client: Client, probe: Probe): Promise<LightMyRequestResponse> {
  probesSent++
  return t.app.inject({
    method: probe.method as 'GET',
    url: probe.url,
    payload: probe.payload,
    remoteAddress: client.remoteAddress,
    headers: {
      cookie: client.cookies,
      'csrf-token': client.csrfToken,
      ...(probe.contentType ? { 'content-type': probe.contentType } : {}),
    },
  })
}

/** An ordinary request to the route, watched to learn which fields it reads. */
async function learnInputs(client: Client, method: string, url: string) {
  watching = true
  try {
    if (method === 'GET') await client.get(url)
    else await client.send(method as 'POST', url, {})
  } finally {
    watching = false
  }
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '100000' }, { beforeReady: watchInputs })
  home = await seedCouncil(t.database, 'HOME', t.config)
  // Publishing to nobody is refused: the home council's requests need a location to invite.
  await placeInvitableLocation(t.database.db, home)
})
afterAll(async () => {
  await t?.close()
  console.info(`fuzz: ${probesSent} requests sent`)
})

describe('malformed input never gives a 5xx, nor an answer that may be cached', () => {
  for (const rule of ACCESS_RULES) {
    const [method] = rule.route.split(' ') as [string]
    const who: Who = rule.allowed === 'public' ? 'anonymous' : (rule.allowed[0] as Role)
    it(`${rule.route} as ${who}`, async () => {
      const client = await clientFor(who, rule.route)
      const url = await concreteUrl(rule)
      await learnInputs(client, method, url)
      const failures: string[] = []
      const shared = /^GET \/(assets|docs|openapi\.json)/.test(rule.route)
      const openData = OPEN_DATA_ROUTE.test(rule.route)
      const check = async (probe: Probe) => {
        const response = await send(client, probe)
        if (response.statusCode >= 500) failures.push(`${probe.what} gave ${response.statusCode}`)
        // Open data is the same whatever else is sent, so a browser or proxy may keep it briefly.
        else if (openData && response.statusCode === 200) {
          if (response.headers['cache-control'] !== 'public, max-age=300')
            failures.push(`${probe.what} gave open data without its Cache-Control`)
        }
        // Whatever else the answer, no browser or proxy may keep it: it can carry personal data.
        else if (!shared && response.headers['cache-control'] !== 'no-store')
          failures.push(`${probe.what} gave ${response.statusCode} without Cache-Control: no-store`)
      }
      for (const probe of catalogue(rule.route, url)) await check(probe)
      // Failures are collected rather than shrunk, so one run lists every one of them.
      await fc.assert(
        fc.asyncProperty(randomProbe(rule.route, url), async (probe) => {
          await check(probe)
        }),
        { seed: SEED, numRuns: RANDOM_RUNS_PER_ROUTE },
      )
      expect(failures.join('\n')).toBe('')
    })
  }
})

async function concreteUrl(rule: AccessRule): Promise<string> {
  return rule.url ? await rule.url({ database: t.database, home }) : (rule.route.split(' ')[1] as string)
}
