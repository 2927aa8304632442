import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CQC_TEST_KEY, type CqcApiServer, startCqcApiServer } from '../../../test/support/cqc-api-server.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { createCouncil } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { ValidationError } from '../../errors.ts'
import { cqcApiSyncs, locationKeyQuestionRatings, locations } from '../schema.ts'
import { CqcApiError, createCqcApiClient } from './api-client.ts'
import { importCqcApiChanges, startDueCqcApiImports } from './api-import.ts'
import { getCqcImport, importCqcFile, listCqcImports } from './import.ts'

const fixtures = fileURLToPath(new URL('../../../test/fixtures/cqc/', import.meta.url))
/** CQC's documented location objects: a Norfolk care home, Suffolk ones, a deregistered and a providerless one. */
const documented = JSON.parse(readFileSync(`${fixtures}api-locations.json`, 'utf8')) as Record<
  string,
  unknown
>[]
const actor = { kind: 'system', label: 'test' } as const
const SINCE = new Date('2026-11-01T00:00:00Z')

let database: DatabaseHandle
let server: CqcApiServer
let councilCount = 0
/** Every wait the client asked for: checked for what it was, never timed. */
let waits: number[] = []

async function council(name = 'Norfolk County Council') {
  councilCount++
  return createCouncil(database.db, { code: `API${councilCount}`, name }, actor)
}

function client(options: { key?: string; attempts?: number } = {}) {
  return createCqcApiClient({
    baseUrl: server.url,
    subscriptionKey: options.key ?? CQC_TEST_KEY,
    attempts: options.attempts ?? 3,
    sleep: async (ms) => {
      waits.push(ms)
    },
    random: () => 0.5,
  })
}

/** A Norfolk care home in CQC's documented shape, numbered. */
function norfolkHome(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...documented[0],
    locationId: `1-70000000${String(n).padStart(2, '0')}`,
    providerId: `1-80000000${String(n % 3).padStart(2, '0')}`,
    name: `Norfolk Home ${n}`,
    numberOfBeds: 20 + n,
    ...overrides,
  }
}

/**
 * Fifteen changes over three pages of five: seven Norfolk homes, CQC's fixture (one Norfolk care
 * home, three Suffolk services, a deregistered and a providerless location), an entry that is no
 * location ID and a location whose answer is not JSON.
 */
function serveChanges() {
  server.locations.clear()
  const homes = [1, 2, 3, 4, 5, 6, 7].map((n) => norfolkHome(n))
  for (const body of [...homes, ...documented]) server.locations.set(body.locationId as string, body)
  server.locations.set('1-7999999999', '{"locationId": "1-7999999999", "name": ')
  server.changes = [
    ...homes.slice(0, 4).map((h) => h.locationId),
    42,
    ...documented.map((d) => d.locationId),
    '1-7999999999',
    ...homes.slice(4).map((h) => h.locationId),
  ]
}

async function registerOf(councilId: number) {
  return database.db
    .select()
    .from(locations)
    .where(eq(locations.councilId, councilId))
    .orderBy(asc(locations.cqcLocationId))
}

async function syncOf(councilId: number) {
  const [row] = await database.db.select().from(cqcApiSyncs).where(eq(cqcApiSyncs.councilId, councilId))
  return row
}

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startCqcApiServer()
})
afterAll(async () => {
  await server?.close()
  await database?.close()
})
beforeEach(() => {
  waits = []
  server.requests.length = 0
  server.interfere = undefined
  server.changesBody = undefined
  serveChanges()
})

describe('the import from CQC’s API', () => {
  it('reads every page of changes, keeps the council’s locations, rejects malformed ones, and a re-run changes nothing', async () => {
    const { id: councilId } = await council()
    const summary = await importCqcApiChanges(database.db, {
      councilId,
      client: client(),
      since: SINCE,
      actor,
      perPage: 5,
      now: new Date('2026-12-07T06:00:00.750Z'),
    })
    // Seven homes and the fixture's Norfolk care home; Suffolk's three are another council's.
    expect(summary).toMatchObject({
      added: 8,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      changesFrom: SINCE,
      changesTo: new Date('2026-12-07T06:00:00Z'),
      localAuthority: 'Norfolk',
      pages: { first: 1, written: 3, total: 3 },
      skipped: { otherLocalAuthority: 3, notCareService: 0, notInRegister: 1 },
    })
    expect(summary.rejected).toEqual([
      { line: 5, reason: 'not a CQC location ID' },
      { line: 10, locationId: '1-5000000005', reason: expect.stringContaining('missing CQC provider ID') },
      { line: 12, locationId: '1-7999999999', reason: 'CQC’s API answered with something that is not JSON' },
    ])
    expect(server.requests.filter((r) => r.startsWith('/changes/location'))).toEqual(
      [1, 2, 3].map(
        (page) =>
          `/changes/location?startTimestamp=2026-11-01T00%3A00%3A00Z&endTimestamp=2026-12-07T06%3A00%3A00Z&page=${page}&perPage=5`,
      ),
    )
    const rows = await registerOf(councilId)
    expect(rows.map((r) => r.cqcLocationId)).toEqual([
      '1-5000000001',
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => `1-70000000${String(n).padStart(2, '0')}`),
    ])
    const willowmere = rows.find((r) => r.cqcLocationId === '1-5000000001')
    expect(willowmere).toMatchObject({ registeredBeds: 48, cqcRating: 'Good', cqcRatingDate: '2025-06-12' })
    const keyQuestions = await database.db
      .select({
        keyQuestion: locationKeyQuestionRatings.keyQuestion,
        rating: locationKeyQuestionRatings.rating,
      })
      .from(locationKeyQuestionRatings)
      .where(
        and(
          eq(locationKeyQuestionRatings.councilId, councilId),
          eq(locationKeyQuestionRatings.locationId, willowmere?.id ?? 0),
        ),
      )
    expect(keyQuestions).toEqual([{ keyQuestion: 'safe', rating: 'Good' }])

    const record = await getCqcImport(database.db, councilId, summary.importId)
    expect(record).toMatchObject({
      source: 'api',
      status: 'completed',
      format: 'api-json',
      added: 8,
      changesFrom: SINCE,
      rejected: summary.rejected,
    })
    expect(await syncOf(councilId)).toMatchObject({
      nextFrom: new Date('2026-12-07T06:00:00Z'),
      windowFrom: null,
      pagesDone: 0,
    })

    // The next run starts where this one ended; CQC lists the same locations, unchanged.
    server.requests.length = 0
    const again = await importCqcApiChanges(database.db, {
      councilId,
      client: client(),
      actor,
      perPage: 5,
      now: new Date('2026-12-08T06:00:00Z'),
    })
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 8, deactivated: 0 })
    expect(again.changesFrom).toEqual(new Date('2026-12-07T06:00:00Z'))
    expect(server.requests[0]).toContain('startTimestamp=2026-12-07T06%3A00%3A00Z')
    expect(waits).toEqual([])
  })

  it('waits as CQC’s rate limit asks, and tries again after server errors and dropped connections', async () => {
    const { id: councilId } = await council()
    const answered = new Map<string, number>()
    server.interfere = (path) => {
      const count = (answered.get(path) ?? 0) + 1
      answered.set(path, count)
      if (path === '/changes/location' && count === 1)
        return { status: 429, headers: { 'retry-after': '7' }, body: '{"statusCode": 429}' }
      if (path === '/locations/1-7000000002' && count <= 2) return { status: 503 }
      if (path === '/locations/1-7000000003' && count === 1) return 'drop'
      return undefined
    }
    const summary = await importCqcApiChanges(database.db, {
      councilId,
      client: client(),
      since: SINCE,
      actor,
      perPage: 20,
    })
    expect(summary).toMatchObject({ added: 8, pages: { written: 1, total: 1 } })
    // Retry-After's seven seconds; then 1 s and 2 s after the 503s; 1 s after the dropped connection.
    expect(waits).toEqual([7000, 1000, 2000, 1000])
  })

  it('stops with a clear message when CQC keeps failing, and the next run carries on from the page it reached', async () => {
    const { id: councilId } = await council()
    server.interfere = (path) => (path === '/locations/1-5000000002' ? { status: 500 } : undefined)
    const stopped = importCqcApiChanges(database.db, {
      councilId,
      client: client(),
      since: SINCE,
      actor,
      perPage: 5,
    })
    await expect(stopped).rejects.toThrow(CqcApiError)
    await expect(stopped).rejects.toThrow(
      'CQC’s API did not answer location 1-5000000002 after 3 tries; the last answer was HTTP 500. ' +
        'Pages 1 to 1 of CQC’s changes were saved; the next run carries on from page 2.',
    )
    // Page 1 (four Norfolk homes) is saved; nothing of page 2.
    expect((await registerOf(councilId)).length).toBe(4)
    expect(await syncOf(councilId)).toMatchObject({ pagesDone: 1, perPage: 5 })
    const [failed] = await listCqcImports(database.db, councilId, { limit: 1 })
    expect(failed).toMatchObject({ source: 'api', status: 'failed', added: 4 })
    expect(failed?.error).toContain('the next run carries on from page 2')

    server.interfere = undefined
    server.requests.length = 0
    const resumed = await importCqcApiChanges(database.db, { councilId, client: client(), actor })
    expect(resumed).toMatchObject({ added: 4, pages: { first: 2, written: 2, total: 3 }, changesFrom: SINCE })
    // Neither page 1 nor its locations were asked for again.
    expect(server.requests.some((r) => r.includes('page=1&'))).toBe(false)
    for (const n of [1, 2, 3, 4])
      expect(server.requests).not.toContain(`/locations/1-70000000${String(n).padStart(2, '0')}`)
    expect((await registerOf(councilId)).length).toBe(8)
    expect(await syncOf(councilId)).toMatchObject({ windowFrom: null, nextFrom: resumed.changesTo })
  })

  it('marks a location CQC deregistered inactive, and says so in a market event', async () => {
    const { id: councilId } = await council()
    await importCqcApiChanges(database.db, {
      councilId,
      client: client(),
      since: SINCE,
      actor,
      now: new Date('2026-12-02T00:00:00Z'),
    })
    server.changes = ['1-7000000003']
    server.locations.set(
      '1-7000000003',
      norfolkHome(3, { registrationStatus: 'Deregistered', deregistrationDate: '2026-12-01' }),
    )
    const summary = await importCqcApiChanges(database.db, {
      councilId,
      client: client(),
      actor,
      now: new Date('2026-12-03T00:00:00Z'),
    })
    expect(summary).toMatchObject({ added: 0, deactivated: 1, rejected: [], marketEvents: { recorded: 1 } })
    const home = (await registerOf(councilId)).find((r) => r.cqcLocationId === '1-7000000003')
    expect(home?.active).toBe(false)
  })

  it('refuses a wrong key, a malformed page and a first run with nowhere to start, each with a clear message', async () => {
    const { id: councilId } = await council()
    await expect(
      importCqcApiChanges(database.db, { councilId, client: client({ key: 'wrong' }), since: SINCE, actor }),
    ).rejects.toThrow('CQC’s API refused page 1 of the changes with HTTP 401: check the subscription key')
    // Refusals are not tried again.
    expect(server.requests.length).toBe(1)

    server.changesBody = '{"total": 3, "page": 1, "changes": "1-1"}'
    await expect(
      importCqcApiChanges(database.db, { councilId, client: client(), since: SINCE, actor }),
    ).rejects.toThrow(/answered page 1 of the changes with something other than its list of changes/)
    const imports = await listCqcImports(database.db, councilId, { limit: 5 })
    expect(imports.map((i) => i.status)).toEqual(['failed', 'failed'])
    expect(await registerOf(councilId)).toEqual([])

    const fresh = await council()
    await expect(
      importCqcApiChanges(database.db, { councilId: fresh.id, client: client(), actor }),
    ).rejects.toThrow(ValidationError)
  })

  it('runs daily for each council with a key, from its last register file import', async () => {
    const keyed = await council()
    const unkeyed = await council()
    for (const c of [keyed, unkeyed])
      await importCqcFile(database.db, {
        councilId: c.id,
        input: (await import('node:fs')).createReadStream(`${fixtures}api-locations.json`),
        fileName: 'api-locations.json',
        full: false,
        actor,
      })
    const [fileImport] = await listCqcImports(database.db, keyed.id, { limit: 1 })
    const fileImportAt = fileImport?.finishedAt as Date
    const config = {
      cqcApi: { baseUrl: server.url, key: undefined, councilKeys: { [keyed.code]: CQC_TEST_KEY } },
    }
    const start = (now: Date) => startDueCqcApiImports(database.db, { config, now, client: () => client() })

    const early = await start(new Date(fileImportAt.getTime() + 23 * 3600_000))
    expect(early.started).toEqual([])

    const now = new Date(fileImportAt.getTime() + 25 * 3600_000)
    const due = await start(now)
    expect(due.started).toEqual([{ councilId: keyed.id, code: keyed.code }])
    await due.finished
    const [run] = await listCqcImports(database.db, keyed.id, { limit: 1 })
    expect(run).toMatchObject({
      source: 'api',
      status: 'completed',
      startedBy: 'scheduler',
      added: 7,
      unchanged: 1,
    })
    expect(run?.changesFrom).toEqual(fileImportAt)
    expect((await listCqcImports(database.db, unkeyed.id, { limit: 5 })).map((i) => i.source)).toEqual([
      'file',
    ])

    // Done for the day.
    expect((await start(new Date(now.getTime() + 3600_000))).started).toEqual([])
  })
})
