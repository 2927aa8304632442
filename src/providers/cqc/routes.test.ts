import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse as parseCsv } from 'csv-parse/sync'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { multipart } from '../../../test/support/multipart.ts'
import { odsBuffer, xlsxBuffer } from '../../../test/workbooks.ts'
import { issueApiToken } from '../../accounts/api-tokens.ts'
import { INSTANCE_ID } from '../../instance.ts'
import { scheduledJobs } from '../../modules.ts'
import { startScheduler } from '../../scheduler.ts'
import { cqcImports, locations } from '../schema.ts'
import { ABANDONED_API_IMPORT_ERROR, ABANDONED_IMPORT_ERROR } from './import.ts'
import { parseCqcFile } from './parse.ts'
import { writeHscaXlsx } from './write.ts'

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/cqc')
const HSCA = readFileSync(path.join(fixtures, 'hsca-active-locations.csv'))

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let commissioner: Client

async function upload(
  client: Client,
  url: string,
  fields: Record<string, string>,
  file?: { name: string; content: Buffer },
  headers: Record<string, string> = {},
) {
  const body = multipart({ _csrf: client.csrfToken, ...fields }, file)
  return t.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { cookie: client.cookies, 'content-type': body.contentType, ...headers },
  })
}

/** Waits for a background import to finish; the embedded database answers once it has. */
async function finished(client: Client, importId: number) {
  for (let attempt = 0; attempt < 600; attempt++) {
    const response = await client.get(`/api/v1/register/imports/${importId}`)
    const body = response.json() as { import: { status: string } }
    if (body.import.status !== 'running') return body.import
    await sleep(50)
  }
  throw new Error(`import ${importId} did not finish`)
}

const leftoverUploads = () => readdirSync(tmpdir()).filter((name) => name.startsWith('caremarket-cqc-'))

async function noUploadsLeft(before: string[]) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const left = leftoverUploads().filter((name) => !before.includes(name))
    if (left.length === 0) return
    await sleep(20)
  }
  throw new Error('an uploaded file was left behind')
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'HOME', t.config)
  other = await seedCouncil(t.database, 'OTHER', t.config)
  commissioner = new Client(t.app)
  await commissioner.signIn(home.emails.commissioner)
})
afterAll(async () => t.close())

describe('importing the CQC register on the web', () => {
  it('offers the import to commissioners, with their council’s local authority as the default', async () => {
    const homePage = await commissioner.get('/')
    expect(homePage.body).toContain('href="/register/import"')
    expect(homePage.body).toContain('Import the CQC register')
    const form = await commissioner.get('/register/import')
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('enctype="multipart/form-data"')
    expect(form.body).toContain('Leave it empty for HOME Test.')
  })

  it('imports an uploaded file in the background and shows the same report as the CLI', async () => {
    const before = leftoverUploads()
    await commissioner.get('/register/import')
    const response = await upload(
      commissioner,
      '/register/import',
      { localAuthority: 'Norfolk' },
      { name: 'hsca-active-locations.csv', content: HSCA },
    )
    expect(response.statusCode).toBe(303)
    const importId = Number(response.headers.location?.match(/^\/register\/import\/(\d+)$/)?.[1])
    expect(importId).toBeGreaterThan(0)

    const result = await finished(commissioner, importId)
    expect(result).toMatchObject({
      status: 'completed',
      fileName: 'hsca-active-locations.csv',
      format: 'hsca-active-locations',
      localAuthority: 'Norfolk',
      added: 3,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      rejected: [
        { line: 5, reason: 'unknown rating "Brilliant"' },
        { line: 6, reason: 'negative registered beds "-4"' },
        { line: 7, reason: 'registered beds not a whole number "twelve"' },
      ],
      bytesTotal: HSCA.length,
      bytesRead: HSCA.length,
      startedBy: home.emails.commissioner,
    })

    const page = await commissioner.get(`/register/import/${importId}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Import complete')
    expect(page.body).toMatch(/Added<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">3</)
    expect(page.body).toContain('Rejected rows')
    expect(page.body).toContain('negative registered beds &quot;-4&quot;')
    expect(page.body).not.toContain('http-equiv="refresh"')

    const added = await t.database.db
      .select({ cqcLocationId: locations.cqcLocationId })
      .from(locations)
      .where(eq(locations.councilId, home.councilId))
    expect(added.map((l) => l.cqcLocationId)).toEqual(
      expect.arrayContaining(['1-7000000001', '1-7000000003', '1-7000000008']),
    )

    const list = await commissioner.get('/register/imports')
    expect(list.body).toContain(`href="/register/import/${importId}"`)
    expect(list.body).toContain('hsca-active-locations.csv')
    const apiList = (await commissioner.get('/api/v1/register/imports')).json() as {
      imports: { id: number }[]
    }
    expect(apiList.imports[0]?.id).toBe(importId)
    await noUploadsLeft(before)

    // The same file again: nothing changes.
    await commissioner.get('/register/import')
    const again = await upload(
      commissioner,
      '/register/import',
      { localAuthority: 'Norfolk' },
      { name: 'hsca-active-locations.csv', content: HSCA },
    )
    const againId = Number(again.headers.location?.split('/').at(-1))
    expect(await finished(commissioner, againId)).toMatchObject({ added: 0, updated: 0, unchanged: 3 })
  })

  it('says what is wrong with the upload on the form, and starts nothing', async () => {
    const before = leftoverUploads()
    const importsBefore = await t.database.db.select().from(cqcImports)
    await commissioner.get('/register/import')
    const wrong = await upload(
      commissioner,
      '/register/import',
      { full: 'yes' },
      { name: 'wrong.csv', content: Buffer.from('Id,Title,Postcode\n1,Somewhere,NR1 1AA\n') },
    )
    expect(wrong.statusCode).toBe(400)
    expect(wrong.body).toContain('There is a problem')
    expect(wrong.body).toContain('href="#file"')
    expect(wrong.body).toContain('CQC Location ID (for office use only)')
    // The choices made are kept.
    expect(wrong.body).toMatch(/name="full" type="checkbox" value="yes" checked/)

    await commissioner.get('/register/import')
    const empty = await upload(commissioner, '/register/import', { localAuthority: 'Norfolk' })
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Select a CQC register file')
    expect(empty.body).toContain('value="Norfolk"')

    await commissioner.get('/register/import')
    const both = await upload(
      commissioner,
      '/register/import',
      { localAuthority: 'Norfolk', allLocalAuthorities: 'yes' },
      { name: 'hsca.csv', content: HSCA },
    )
    expect(both.statusCode).toBe(400)
    expect(both.body).toContain('Leave the local authority empty to keep every local authority')

    const forged = await t.app.inject({
      method: 'POST',
      url: '/register/import',
      ...(() => {
        const body = multipart({}, { name: 'hsca.csv', content: HSCA })
        return {
          payload: body.payload,
          headers: { cookie: commissioner.cookies, 'content-type': body.contentType },
        }
      })(),
    })
    expect(forged.statusCode).toBe(403)
    expect(await t.database.db.select().from(cqcImports)).toEqual(importsBefore)
    await noUploadsLeft(before)
  })

  it('keeps each council’s imports to itself', async () => {
    const [mine] = await t.database.db
      .select()
      .from(cqcImports)
      .where(eq(cqcImports.councilId, home.councilId))
    const stranger = new Client(t.app)
    await stranger.signIn(other.emails.commissioner)
    expect((await stranger.get(`/register/import/${mine?.id}`)).statusCode).toBe(404)
    expect((await stranger.get(`/api/v1/register/imports/${mine?.id}`)).statusCode).toBe(404)
    const list = await stranger.get('/register/imports')
    expect(list.body).toContain('Nothing has been imported from CQC yet.')
  })

  it('accepts the same upload through the API with a commissioner’s token', async () => {
    const { token } = await issueApiToken(
      t.database.db,
      {
        councilId: home.councilId,
        name: 'register sync',
        role: 'commissioner',
        providerOrganisationId: null,
        createdByUserId: null,
      },
      { kind: 'system', label: 'test' },
    )
    const body = multipart(
      { allLocalAuthorities: 'yes', full: 'yes' },
      { name: 'api-locations.json', content: readFileSync(path.join(fixtures, 'api-locations.json')) },
    )
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/register/imports',
      payload: body.payload,
      headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType },
    })
    expect(response.statusCode).toBe(202)
    const created = (response.json() as { import: { id: number; status: string } }).import
    expect(response.headers.location).toBe(`/api/v1/register/imports/${created.id}`)
    let result: { status: string; added: number; deactivated: number; rejected: unknown[] } | undefined
    for (let attempt = 0; attempt < 600 && result?.status !== 'completed'; attempt++) {
      const polled = await t.app.inject({
        method: 'GET',
        url: `/api/v1/register/imports/${created.id}`,
        headers: { authorization: `Bearer ${token}` },
      })
      result = (polled.json() as { import: typeof result }).import
      if (result?.status === 'running') await sleep(50)
    }
    // Every local authority's four good rows; with the whole register, the seeded two and the
    // HSCA file's three are no longer in it.
    expect(result).toMatchObject({ status: 'completed', added: 4, deactivated: 5 })
    expect(result?.rejected).toHaveLength(2)

    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/register/imports',
      payload: 'not multipart',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({
      error: { status: 400, errors: [{ field: 'file', message: 'Select a CQC register file' }] },
    })
  })

  it('says an import whose process ended has failed, on the page and in the API', async () => {
    const running = {
      councilId: home.councilId,
      fileName: 'register.csv',
      status: 'running',
      bytesTotal: 1000,
      bytesRead: 300,
      startedBy: home.emails.commissioner,
    }
    const [abandoned] = await t.database.db
      .insert(cqcImports)
      .values({
        ...running,
        ownerId: 'gone-host:4242:0badcafe',
        heartbeatAt: new Date(Date.now() - 3600_000),
      })
      .returning()
    // Alive: on a server, another instance's import that still beats; on the embedded database,
    // which one process holds, only this process's own.
    const [alive] = await t.database.db
      .insert(cqcImports)
      .values({
        ...running,
        ownerId: t.database.engine === 'postgres' ? 'other-host:77:feedf00d' : INSTANCE_ID,
        heartbeatAt: new Date(),
      })
      .returning()
    const stranded = await commissioner.get(`/register/import/${abandoned?.id}`)
    expect(stranded.body).toContain('30% of the file read')

    // The scheduler's first round, as at start-up.
    await startScheduler({ jobs: scheduledJobs(t.services), logger: { info() {}, error() {} } })()

    const page = await commissioner.get(`/register/import/${abandoned?.id}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('The import failed')
    expect(page.body).toContain(ABANDONED_IMPORT_ERROR)
    expect(page.body).not.toContain('the import carries on')
    const api = (await commissioner.get(`/api/v1/register/imports/${abandoned?.id}`)).json() as {
      import: Record<string, unknown>
    }
    expect(api.import).toMatchObject({
      status: 'failed',
      error: ABANDONED_IMPORT_ERROR,
      finishedAt: expect.any(String),
    })
    const stillRunning = (await commissioner.get(`/api/v1/register/imports/${alive?.id}`)).json() as {
      import: Record<string, unknown>
    }
    expect(stillRunning.import).toMatchObject({ status: 'running', error: null, finishedAt: null })
    await t.database.db.delete(cqcImports).where(eq(cqcImports.id, alive?.id as number))
  })

  it('shows imports from CQC’s API in the list and on their page, and one whose process ended as stopped with its pages kept', async () => {
    const api = {
      councilId: home.councilId,
      source: 'api',
      fileName: 'CQC API changes',
      format: 'api-json',
      localAuthority: 'HOME',
      changesFrom: new Date('2026-11-01T00:00:00Z'),
      changesTo: new Date('2026-12-07T06:00:00Z'),
      startedBy: 'scheduler',
    }
    const [completed] = await t.database.db
      .insert(cqcImports)
      .values({
        ...api,
        status: 'completed',
        added: 8,
        unchanged: 2,
        deactivated: 1,
        rejected: [
          {
            line: 12,
            locationId: '1-7999999999',
            reason: 'CQC’s API answered with something that is not JSON',
          },
        ],
        finishedAt: new Date(),
      })
      .returning()
    const [abandoned] = await t.database.db
      .insert(cqcImports)
      .values({
        ...api,
        status: 'running',
        added: 4,
        ownerId: 'gone-host:4242:0badcafe',
        heartbeatAt: new Date(0),
      })
      .returning()

    const list = await commissioner.get('/register/imports')
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain(
      'API import: changes from 1 November 2026 at 00:00 to 7 December 2026 at 06:00',
    )

    const page = await commissioner.get(`/register/import/${completed?.id}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('CQC API: changes from 1 November 2026 at 00:00 to 7 December 2026 at 06:00')
    expect(page.body).toContain('Rejected locations')
    expect(page.body).toContain('1-7999999999')
    expect(page.body).not.toContain('Whole register')
    const json = (await commissioner.get(`/api/v1/register/imports/${completed?.id}`)).json() as {
      import: Record<string, unknown>
    }
    expect(json.import).toMatchObject({
      source: 'api',
      changesFrom: '2026-11-01T00:00:00.000Z',
      changesTo: '2026-12-07T06:00:00.000Z',
      added: 8,
      deactivated: 1,
      rejected: [{ line: 12, locationId: '1-7999999999' }],
    })

    const running = await commissioner.get(`/register/import/${abandoned?.id}`)
    expect(running.body).toContain('So far 4 added')
    await startScheduler({ jobs: scheduledJobs(t.services), logger: { info() {}, error() {} } })()
    const stopped = await commissioner.get(`/register/import/${abandoned?.id}`)
    expect(stopped.body).toContain('The import from CQC’s API stopped before it finished.')
    expect(stopped.body).toContain(ABANDONED_API_IMPORT_ERROR)
    expect(stopped.body).not.toContain('Nothing in the register was changed')
  })

  it('imports the HSCA workbook as CQC publishes it, .xlsx or .ods', async () => {
    const records = []
    for await (const row of parseCqcFile(Readable.from([HSCA]))) if (row.ok) records.push(row.record)
    const xlsx = new PassThrough()
    const chunks: Buffer[] = []
    xlsx.on('data', (chunk: Buffer) => chunks.push(chunk))
    await writeHscaXlsx(records, xlsx)
    const csvRows = parseCsv(HSCA, { relax_column_count: true }) as string[][]
    const ods = await odsBuffer([
      { name: 'Notes', rows: [['About this file']] },
      { name: 'HSCA_Active_Locations', rows: [['HSCA Active Locations'], [], ...csvRows] },
    ])
    for (const file of [
      { name: 'HSCA_Active_Locations.xlsx', content: Buffer.concat(chunks) },
      { name: 'HSCA_Active_Locations.ods', content: ods },
    ]) {
      await commissioner.get('/register/import')
      const response = await upload(commissioner, '/register/import', { localAuthority: 'Suffolk' }, file)
      expect(response.statusCode).toBe(303)
      const importId = Number(response.headers.location?.split('/').at(-1))
      expect(await finished(commissioner, importId)).toMatchObject({
        status: 'completed',
        format: 'hsca-active-locations',
        fileName: file.name,
        bytesRead: file.content.length,
        error: null,
      })
    }
  })

  it('refuses a workbook it cannot read, or one with no register sheet, on the form', async () => {
    const before = leftoverUploads()
    const importsBefore = await t.database.db.select().from(cqcImports)
    const whole = await xlsxBuffer([
      {
        name: 'A',
        rows: [
          ['Location ID', 'Location Name'],
          ['1-1', 'A'],
        ],
      },
    ])
    for (const [name, content, message] of [
      ['cut.xlsx', whole.subarray(0, whole.length - 100), 'the file ends part-way through the workbook'],
      ['old.xls', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]), '(.xls)'],
      ['other.xlsx', whole, 'The file is not a CQC register file.'],
    ] as const) {
      await commissioner.get('/register/import')
      const response = await upload(commissioner, '/register/import', {}, { name, content })
      expect(response.statusCode).toBe(400)
      expect(response.body).toContain('There is a problem')
      expect(response.body).toContain(message)
    }
    expect(await t.database.db.select().from(cqcImports)).toEqual(importsBefore)
    await noUploadsLeft(before)
  })
})
