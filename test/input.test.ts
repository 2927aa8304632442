import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { londonDate } from '../src/shared/dates.ts'
import { ACCESS_RULES } from './access/index.ts'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from './helpers.ts'
import { placeInvitableLocation } from './support/offers-factory.ts'
import { careHomeRequest } from './support/request-users.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
/** A request that passes every check, starting in a fortnight. */
const validRequest = (overrides: Record<string, unknown> = {}) =>
  careHomeRequest({ startDate: addCalendarDays(londonDate(new Date()), 14), ...overrides })

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'HOME', t.config)
  // Publishing to nobody is refused: the home council's requests need a location to invite.
  await placeInvitableLocation(t.database.db, home)
})
afterAll(async () => t.close())

async function signedIn(email: string): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(email)
  return client
}

function sendJson(client: Client, method: 'POST' | 'PUT', url: string, payload: string) {
  return t.app.inject({
    method,
    url,
    payload,
    headers: { cookie: client.cookies, 'csrf-token': client.csrfToken, 'content-type': 'application/json' },
  })
}

function sendMultipart(client: Client, url: string, payload: string | Buffer, boundary = 'edge') {
  return t.app.inject({
    method: 'POST',
    url,
    payload,
    headers: {
      cookie: client.cookies,
      'csrf-token': client.csrfToken,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  })
}

function fileUpload(name: string, content: Buffer, boundary = 'edge'): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
        'Content-Type: text/csv\r\n\r\n',
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
}

function fieldsOf(response: LightMyRequestResponse): string[] {
  return (response.json() as { error: { errors: { field: string }[] } }).error.errors.map((e) => e.field)
}

describe('text PostgreSQL cannot store', () => {
  it('is refused at sign-in with a 400 that names the email field', async () => {
    const client = new Client(t.app)
    await client.get('/sign-in')
    const response = await client.post('/sign-in', { email: 'a\u0000@b.c', password: PASSWORD })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('email must not contain a NUL character')
  })

  it('is refused in a path, a query or a JSON body, naming the field', async () => {
    const broker = await signedIn(home.emails.broker)
    expect((await broker.get('/locations/1%00')).statusCode).toBe(400)
    const query = await broker.get('/api/v1/requests?status=%00')
    expect(query.statusCode).toBe(400)
    expect(fieldsOf(query)).toEqual(['status'])
    const search = await broker.get('/requests?q=Ada%00')
    expect(search.statusCode).toBe(400)
    expect(search.body).toContain('q must not contain a NUL character')

    const socialWorker = await signedIn(home.emails.social_worker)
    const created = await sendJson(socialWorker, 'POST', '/api/v1/requests', JSON.stringify(validRequest()))
    expect(created.statusCode).toBe(201)
    const nul = await sendJson(
      socialWorker,
      'POST',
      '/api/v1/requests',
      JSON.stringify(validRequest({ notesForProviders: 'Likes \u0000 tea' })),
    )
    expect(nul.statusCode).toBe(400)
    expect(fieldsOf(nul)).toEqual(['notesForProviders'])
  })

  it('is refused as half a surrogate pair, and in a field’s name', async () => {
    const socialWorker = await signedIn(home.emails.social_worker)
    const person = { ...(validRequest().person as object), name: 'Ada \ud800' }
    const surrogate = await sendJson(
      socialWorker,
      'POST',
      '/api/v1/requests',
      JSON.stringify(validRequest({ person })),
    )
    expect(surrogate.statusCode).toBe(400)
    expect(fieldsOf(surrogate)).toEqual(['person.name'])
    const key = await sendJson(socialWorker, 'POST', '/api/v1/requests', '{"\\u0000":1}')
    expect(key.statusCode).toBe(400)
  })

  it('is refused in a JSON body nested too deep to walk', async () => {
    const socialWorker = await signedIn(home.emails.social_worker)
    const deep = `{"person":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const response = await sendJson(socialWorker, 'POST', '/api/v1/requests', deep)
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('must not be nested more than 32 deep')
  })
})

describe('numbers PostgreSQL cannot store', () => {
  it('are refused as IDs in the path, the query and a JSON body, naming the field', async () => {
    const broker = await signedIn(home.emails.broker)
    const path = await broker.get('/api/v1/locations/2147483648')
    expect(path.statusCode).toBe(400)
    expect(fieldsOf(path)).toEqual(['id'])
    expect((await broker.get('/locations/2147483648')).statusCode).toBe(400)
    const query = await broker.get('/api/v1/packages?requestId=99999999999999999999')
    expect(query.statusCode).toBe(400)
    expect(fieldsOf(query)).toEqual(['requestId'])

    // An offer revised with every term right but its version: the version is compared in SQL.
    const provider = await signedIn(home.emails.providerA)
    const revise = ACCESS_RULES.find((rule) => rule.route === 'PUT /api/v1/offers/:offerId')
    const offerUrl = (await revise?.url?.({ database: t.database, home })) as string
    const terms = { pricePence: 90_000, earliestStart: '2099-01-01', meetsAllNeeds: true }
    const version = await sendJson(
      provider,
      'PUT',
      offerUrl,
      JSON.stringify({ ...terms, version: 2_147_483_648 }),
    )
    expect(version.statusCode).toBe(400)
    expect(fieldsOf(version)).toEqual(['version'])
    expect(
      (await sendJson(provider, 'PUT', offerUrl, JSON.stringify({ ...terms, version: 1 }))).statusCode,
    ).toBe(200)
  })

  it('are allowed up to the largest ID a bigint column gives', async () => {
    const commissioner = await signedIn(home.emails.commissioner)
    expect((await commissioner.get('/admin/outbox/2147483648')).statusCode).toBe(404)
    expect((await commissioner.get('/admin/outbox/9007199254740992')).statusCode).toBe(400)
  })
})

describe('uploads', () => {
  it('answer a malformed multipart body with a 400', async () => {
    const commissioner = await signedIn(home.emails.commissioner)
    const cutOff = `--edge\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc`
    const cqc = await sendMultipart(commissioner, '/api/v1/register/imports', cutOff)
    expect(cqc.statusCode).toBe(400)
    expect(fieldsOf(cqc)).toEqual(['body'])
    const provider = await signedIn(home.emails.providerA)
    expect((await sendMultipart(provider, '/api/v1/capacity', cutOff)).statusCode).toBe(400)
    expect((await sendMultipart(provider, '/api/v1/capacity', 'garbage', '')).statusCode).toBe(400)
  })

  it('refuse a file name holding a NUL', async () => {
    const provider = await signedIn(home.emails.providerA)
    await provider.get('/provider/capacity/upload')
    const response = await sendMultipart(
      provider,
      '/provider/capacity/upload',
      fileUpload('a\u0000.csv', Buffer.from('cqc_location_id,bed_type,vacancies\n')),
    )
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('The name of the file in file must not contain a NUL character')
  })

  it('refuse a capacity CSV or a CQC register file holding a NUL byte, saying where', async () => {
    const provider = await signedIn(home.emails.providerA)
    await provider.get('/provider/capacity/upload')
    const capacity = await sendMultipart(
      provider,
      '/provider/capacity/upload',
      fileUpload(
        'beds.csv',
        Buffer.from('cqc_location_id,bed_type,vacancies\n1-LHOMEA,resi\u0000dential,2\n'),
      ),
    )
    expect(capacity.statusCode).toBe(400)
    expect(capacity.body).toContain('The file has a NUL byte at byte 49')

    const commissioner = await signedIn(home.emails.commissioner)
    const register = await sendMultipart(
      commissioner,
      '/api/v1/register/imports',
      fileUpload('register.csv', Buffer.from('L\u0000o\u0000c\u0000', 'latin1')),
    )
    expect(register.statusCode).toBe(400)
    expect(register.body).toContain('The file has a NUL byte at byte 2')
  })
})

describe('query parameters shown on a page', () => {
  it('that are not what the page set are left out rather than failing it', async () => {
    const admin = await signedIn(home.emails.council_admin)
    for (const query of ['added=abc', 'removed=2024-02-30', 'added=99999-01-01'])
      expect((await admin.get(`/admin/bank-holidays?${query}`)).statusCode).toBe(200)
    const added = await admin.get('/admin/bank-holidays?added=2099-01-05')
    expect(added.body).toContain('Bank holiday added: 5 January 2099.')
  })
})
