import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { multipart } from '../../../test/support/multipart.ts'
import { importedPackages } from '../../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'PKGR', t.config)
  other = await seedCouncil(t.database, 'PKGX', t.config)
})
afterAll(async () => t.close())

const HEADER =
  'Person_Ref,Age_Band,Postcode_District,Client_Group,Service_Type,Location_Ref,Weekly_Cost,Hours_Per_Week,Start_Date,End_Date,Funding'
const GOOD = `${HEADER}\nR100,85+,NR3,older_people,home_care,1-LPKGRA,"£410.00",14,01/04/2025,,council\nR101,65-74,NR4,older_people,residential,1-lpkgrb,900,,2025-05-01,,health\n`
const BAD = `${HEADER}\nR200,85+,NR3,older_people,home_care,1-LPKGRA,410,14,2025-04-01,,council\nJane Doe,85+,NR3,older_people,home_care,1-LPKGRA,410,,2025-04-01,,council\n`

async function upload(client: Client, url: string, content: string, fields: Record<string, string> = {}) {
  const body = multipart(
    { _csrf: client.csrfToken, ...fields },
    { name: 'book.csv', content: Buffer.from(content) },
  )
  return t.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { cookie: client.cookies, 'content-type': body.contentType },
  })
}

async function count(fixture: Fixture) {
  return (
    await t.database.db
      .select()
      .from(importedPackages)
      .where(eq(importedPackages.councilId, fixture.councilId))
  ).length
}

describe('loading the council’s packages on the web', () => {
  it('lets a broker upload the book and shows what changed', async () => {
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    const form = await broker.get('/packages/import')
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('enctype="multipart/form-data"')
    expect(form.body).toContain('location_ref')

    const done = await upload(broker, '/packages/import', GOOD)
    expect(done.statusCode, done.body).toBe(303)
    const report = await broker.get(done.headers.location as string)
    expect(report.statusCode).toBe(200)
    expect(report.body).toContain('Packages loaded')
    expect(report.body).toMatch(/Added<\/th>\s*<td[^>]*>\s*2\s*</)
    expect(await count(home)).toBe(2)

    const again = await upload(broker, '/packages/import', GOOD)
    const second = await broker.get(again.headers.location as string)
    expect(second.body).toMatch(/Unchanged<\/th>\s*<td[^>]*>\s*2\s*</)
    expect(await count(home)).toBe(2)
  })

  it('lists every rejected row with its line and reason, and loads nothing', async () => {
    const commissioner = new Client(t.app)
    await commissioner.signIn(other.emails.commissioner)
    await commissioner.get('/packages/import')
    const done = await upload(commissioner, '/packages/import', BAD.replaceAll('PKGR', 'PKGX'))
    expect(done.statusCode).toBe(303)
    const report = await commissioner.get(done.headers.location as string)
    expect(report.body).toContain('Nothing was loaded')
    expect(report.body).toContain('person_ref has no digits')
    expect(report.body).toContain('hours_per_week is empty')
    expect(report.body).toMatch(/<th[^>]*>\s*3\s*<\/th>/)
    expect(await count(other)).toBe(0)

    // Another council's import is not found.
    const stranger = new Client(t.app)
    await stranger.signIn(home.emails.commissioner)
    expect((await stranger.get(done.headers.location as string)).statusCode).toBe(404)
  })

  it('says on the form what is wrong with a file that is not a table of packages', async () => {
    const commissioner = new Client(t.app)
    await commissioner.signIn(home.emails.commissioner)
    await commissioner.get('/packages/import')
    const response = await upload(commissioner, '/packages/import', 'name,address\nJane,1 Street\n')
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('govuk-error-summary')
    expect(response.body).toContain('Missing: person_ref')
    const empty = await t.app.inject({
      method: 'POST',
      url: '/packages/import',
      payload: multipart({ _csrf: commissioner.csrfToken }).payload,
      headers: { cookie: commissioner.cookies, 'content-type': multipart({}).contentType },
    })
    expect(empty.statusCode).toBe(400)
  })

  it('is not for social workers or providers', async () => {
    for (const email of [home.emails.social_worker, home.emails.providerA]) {
      const client = new Client(t.app)
      await client.signIn(email)
      expect((await client.get('/packages/import')).statusCode).toBe(403)
    }
  })
})

describe('POST /api/v1/packages/imports', () => {
  const send = (token: string, content: string, fields: Record<string, string> = {}) => {
    const body = multipart(fields, { name: 'book.csv', content: Buffer.from(content) })
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/packages/imports',
      payload: body.payload,
      headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType },
    })
  }

  it('answers 201 with the report, which lists every rejected row when any is bad', async () => {
    const token = other.councilApiToken
    const good = await send(token, GOOD.replaceAll('PKGR', 'PKGX').replaceAll('pkgr', 'pkgx'))
    expect(good.statusCode, good.body).toBe(201)
    expect(good.json()).toMatchObject({
      status: 'completed',
      added: 2,
      updated: 0,
      unchanged: 0,
      ended: 0,
      rejected: [],
    })

    const ended = await send(
      token,
      GOOD.replaceAll('PKGR', 'PKGX')
        .replaceAll('pkgr', 'pkgx')
        .replace('01/04/2025,,', '01/04/2025,2025-09-30,'),
    )
    expect(ended.json()).toMatchObject({ added: 0, unchanged: 1, ended: 1 })

    const bad = await send(token, BAD.replaceAll('PKGR', 'PKGX'))
    expect(bad.statusCode).toBe(201)
    const report = bad.json() as {
      importId: number
      status: string
      rejected: { line: number; reason: string }[]
    }
    expect(report).toMatchObject({ status: 'rejected', added: 0 })
    expect(report.rejected.map((r) => r.line)).toEqual([3])
    const kept = await t.app.inject({
      method: 'GET',
      url: `/api/v1/packages/imports/${report.importId}`,
      headers: { authorization: `Bearer ${token}` },
    })
    expect(kept.json()).toMatchObject({ import: { status: 'rejected', rejected: report.rejected } })
    expect(await count(other)).toBe(2)
  })

  it('answers 400 for a file without the columns, and 401 without a token', async () => {
    const response = await send(home.councilApiToken, 'a,b\n1,2\n')
    expect(response.statusCode).toBe(400)
    expect(response.json().error.errors[0]).toMatchObject({ field: 'file' })
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/packages/imports' })
    expect(anonymous.statusCode).toBe(401)
  })

  it('is refused to a provider’s token', async () => {
    const response = await send(home.providerApiToken, GOOD)
    expect(response.statusCode).toBe(403)
  })
})
