import { createReadStream } from 'node:fs'
import { PassThrough, Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { and, asc, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { createCouncil } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog } from '../../db/schema.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { councilDistricts, localities, outcodes, postcodes } from '../../geography/schema.ts'
import { locationQuality } from '../quality/service.ts'
import {
  cqcImports,
  locationKeyQuestionRatings,
  locationRatings,
  locations,
  providerOrganisations,
} from '../schema.ts'
import {
  ABANDONED_IMPORT_ERROR,
  failAbandonedImports,
  getCqcImport,
  importCqcFile,
  importProgress,
  listCqcImports,
  startCqcImport,
} from './import.ts'
import { inLocalAuthority, localAuthorityKey, localAuthorityOfCouncil } from './import-rules.ts'
import { type CqcLocationWriteInput, writeHscaCsv } from './write.ts'

const fixtures = fileURLToPath(new URL('../../../test/fixtures/cqc/', import.meta.url))
const fixture = (name: string) => createReadStream(`${fixtures}${name}`)
const actor = { kind: 'system', label: 'test' } as const

let database: DatabaseHandle
let councilCount = 0

/** A fresh council named after a local authority, so each test starts with an empty register. */
async function council(name = 'Norfolk County Council'): Promise<number> {
  councilCount++
  return (await createCouncil(database.db, { code: `IMP${councilCount}`, name }, actor)).id
}

async function hscaFile(rows: CqcLocationWriteInput[]): Promise<Readable> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await writeHscaCsv(rows, out)
  return Readable.from([Buffer.concat(chunks)])
}

function home(n: number, overrides: Partial<CqcLocationWriteInput> = {}): CqcLocationWriteInput {
  return {
    cqcLocationId: `1-10${String(n).padStart(8, '0')}`,
    cqcProviderId: `1-20${String(n % 7).padStart(8, '0')}`,
    providerName: `Provider ${n % 7} Ltd`,
    name: `Home ${n}`,
    address: `${n} Test Street, Testham`,
    postcode: 'NR4 9ZA',
    latitude: null,
    longitude: null,
    registeredBeds: 20 + (n % 10),
    serviceTypes: ['residential_home'],
    specialisms: ['dementia'],
    clientGroups: ['older_people'],
    cqcRating: 'Good',
    cqcRatingDate: `2025-01-0${(n % 9) + 1}`,
    localAuthority: 'Norfolk',
    ...overrides,
  }
}

async function register(councilId: number) {
  return database.db
    .select()
    .from(locations)
    .where(eq(locations.councilId, councilId))
    .orderBy(asc(locations.cqcLocationId))
}

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => database.close())

describe('local authority rules', () => {
  it('derives the local authority from the council’s name and matches CQC’s spellings', () => {
    expect(localAuthorityOfCouncil('Norfolk County Council')).toBe('Norfolk')
    expect(localAuthorityOfCouncil('Demo Shire County Council (demo)')).toBe('Demo Shire')
    expect(localAuthorityOfCouncil('London Borough of Camden')).toBe('Camden')
    expect(localAuthorityOfCouncil('City of York Council')).toBe('York')
    expect(localAuthorityKey('Bristol, City of')).toBe(localAuthorityKey('Bristol City Council'))
    expect(localAuthorityKey('County Durham')).toBe(localAuthorityKey('Durham County Council'))
    expect(localAuthorityKey('Herefordshire, County of')).toBe(localAuthorityKey('Herefordshire Council'))
    expect(localAuthorityKey('Brighton and Hove')).toBe(localAuthorityKey('Brighton & Hove City Council'))
    expect(localAuthorityKey('Norfolk')).not.toBe(localAuthorityKey('Suffolk'))
  })

  it('leaves out rows that name no local authority unless every one is wanted', () => {
    expect(inLocalAuthority({ localAuthority: null }, 'norfolk')).toBe(false)
    expect(inLocalAuthority({ localAuthority: null }, null)).toBe(true)
    expect(inLocalAuthority({ localAuthority: 'NORFOLK' }, 'norfolk')).toBe(true)
  })
})

describe('importCqcFile', () => {
  it('imports the council’s own rows, reports bad rows by line, and places each location', async () => {
    const councilId = await council()
    const [locality] = await database.db.insert(localities).values({ councilId, name: 'South' }).returning()
    await database.db
      .insert(outcodes)
      .values({ outcode: 'NR4', latitude: 52.61, longitude: 1.25 })
      .onConflictDoNothing()
    await database.db.insert(councilDistricts).values({
      councilId,
      outcode: 'NR4',
      localityId: locality?.id as number,
      rural: false,
    })
    const result = await importCqcFile(database.db, {
      councilId,
      input: fixture('hsca-active-locations.csv'),
      fileName: 'hsca-active-locations.csv',
      full: false,
      actor,
    })
    expect(result).toMatchObject({
      added: 3,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      rejected: [
        { line: 5, reason: 'unknown rating "Brilliant"' },
        { line: 6, reason: 'negative registered beds "-4"' },
        { line: 7, reason: 'registered beds not a whole number "twelve"' },
      ],
      format: 'hsca-active-locations',
      localAuthority: 'Norfolk',
      skipped: { otherLocalAuthority: 2, notCareService: 0 },
      providersAdded: 3,
      ratingsAdded: 2,
    })
    const rows = await register(councilId)
    expect(rows.map((r) => r.cqcLocationId)).toEqual(['1-7000000001', '1-7000000003', '1-7000000008'])
    const larkspur = rows[0]
    expect(larkspur).toMatchObject({
      name: 'Larkspur Nursing Home',
      postcode: 'NR4 9ZA',
      // CQC's own coordinates for the postcode, and the council's locality for its district.
      latitude: 52.612345,
      longitude: 1.254321,
      geoSource: 'postcode',
      localityId: locality?.id,
      registeredBeds: 40,
      serviceTypes: ['nursing_home'],
      cqcRating: 'Good',
      cqcRatingDate: '2025-02-01',
      active: true,
    })
    // No postcode and no coordinates: placed nowhere, never guessed.
    expect(rows[2]).toMatchObject({
      postcode: null,
      latitude: null,
      geoSource: null,
      cqcRating: 'Inadequate',
    })
    const organisation = await database.db
      .select()
      .from(providerOrganisations)
      .where(eq(providerOrganisations.id, larkspur?.providerOrganisationId as number))
    expect(organisation[0]).toMatchObject({
      cqcProviderId: '1-6000000001',
      name: 'Larkspur Example Care Ltd',
    })
    const history = await database.db
      .select({
        rating: locationRatings.rating,
        ratedOn: locationRatings.ratedOn,
        source: locationRatings.source,
      })
      .from(locationRatings)
      .where(eq(locationRatings.locationId, larkspur?.id as number))
    expect(history).toEqual([{ rating: 'Good', ratedOn: '2025-02-01', source: 'cqc' }])

    const record = await getCqcImport(database.db, councilId, result.importId)
    expect(record).toMatchObject({
      status: 'completed',
      format: 'hsca-active-locations',
      added: 3,
      rejected: result.rejected,
      localAuthority: 'Norfolk',
    })
    expect(record.bytesRead).toBeGreaterThan(8000)
    expect(importProgress(result.importId)).toBeUndefined()
  })

  it('changes nothing when the same file is imported again', async () => {
    const councilId = await council()
    const options = { councilId, fileName: 'hsca.csv', full: false, actor }
    await importCqcFile(database.db, { ...options, input: fixture('hsca-active-locations.csv') })
    const before = await register(councilId)
    const ratingsBefore = await database.db
      .select()
      .from(locationRatings)
      .where(eq(locationRatings.councilId, councilId))
    const again = await importCqcFile(database.db, {
      ...options,
      input: fixture('hsca-active-locations.csv'),
    })
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 3, deactivated: 0, ratingsAdded: 0 })
    expect(await register(councilId)).toEqual(before)
    expect(
      await database.db.select().from(locationRatings).where(eq(locationRatings.councilId, councilId)),
    ).toEqual(ratingsBefore)
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.councilId, councilId))
    expect(audit.filter((e) => e.action === 'cqc_import.completed')).toHaveLength(2)
    expect(audit.find((e) => e.entityId === String(again.importId))?.details).toMatchObject({
      added: 0,
      updated: 0,
      unchanged: 3,
      deactivated: 0,
      rejected: 3,
    })
  })

  it('seeds specialisms on a new location and then leaves the provider’s own alone', async () => {
    const councilId = await council()
    const options = { councilId, fileName: 'hsca.csv', full: false, actor }
    await importCqcFile(database.db, { ...options, input: await hscaFile([home(1)]) })
    const [added] = await register(councilId)
    expect(added?.specialisms).toEqual(['dementia'])
    // The provider says in its profile what it really specialises in.
    await database.db
      .update(locations)
      .set({ specialisms: ['dementia', 'mental_health'] })
      .where(eq(locations.id, added?.id as number))
    const again = await importCqcFile(database.db, { ...options, input: await hscaFile([home(1)]) })
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 1 })
    const changed = await importCqcFile(database.db, {
      ...options,
      input: await hscaFile([home(1, { registeredBeds: 44 })]),
    })
    expect(changed).toMatchObject({ updated: 1 })
    const [kept] = await register(councilId)
    expect(kept?.registeredBeds).toBe(44)
    expect(kept?.specialisms).toEqual(['dementia', 'mental_health'])
  })

  it('with --full marks missing locations inactive, never deletes them, and brings them back', async () => {
    const councilId = await council()
    const all = [home(1), home(2), home(3)]
    const options = { councilId, fileName: 'register.csv', actor }
    await importCqcFile(database.db, { ...options, full: true, input: await hscaFile(all) })

    const partial = await importCqcFile(database.db, {
      ...options,
      full: false,
      input: await hscaFile([home(1)]),
    })
    expect(partial).toMatchObject({ unchanged: 1, deactivated: 0 })
    expect((await register(councilId)).every((l) => l.active)).toBe(true)

    const full = await importCqcFile(database.db, {
      ...options,
      full: true,
      input: await hscaFile([home(1)]),
    })
    expect(full).toMatchObject({ added: 0, updated: 0, unchanged: 1, deactivated: 2 })
    const afterFull = await register(councilId)
    expect(afterFull).toHaveLength(3)
    expect(afterFull.map((l) => [l.cqcLocationId, l.active])).toEqual([
      [home(1).cqcLocationId, true],
      [home(2).cqcLocationId, false],
      [home(3).cqcLocationId, false],
    ])
    expect(afterFull[1]?.deactivatedAt).toBeInstanceOf(Date)

    const back = await importCqcFile(database.db, { ...options, full: true, input: await hscaFile(all) })
    expect(back).toMatchObject({ added: 0, updated: 2, unchanged: 1, deactivated: 0 })
    const restored = await register(councilId)
    expect(restored.every((l) => l.active && l.deactivatedAt === null)).toBe(true)
    expect(restored.map((l) => l.id)).toEqual(afterFull.map((l) => l.id))
  })

  it('filters by the local authority given, or takes every row', async () => {
    const suffolk = await council()
    const result = await importCqcFile(database.db, {
      councilId: suffolk,
      input: fixture('api-locations.json'),
      fileName: 'api.json',
      localAuthority: 'Suffolk',
      full: false,
      actor,
    })
    expect(result).toMatchObject({ added: 3, skipped: { otherLocalAuthority: 1, notCareService: 0 } })
    expect(result.rejected.map((r) => r.line)).toEqual([4, 5])
    const rows = await register(suffolk)
    expect(rows.map((r) => r.cqcLocationId)).toEqual(['1-5000000002', '1-5000000003', '1-5000000006'])

    const everywhere = await council('Anywhere Council')
    const all = await importCqcFile(database.db, {
      councilId: everywhere,
      input: fixture('care-directory.csv'),
      fileName: 'directory.csv',
      localAuthority: null,
      full: false,
      actor,
    })
    // Five good rows; the dentist is not a care service.
    expect(all).toMatchObject({
      added: 4,
      localAuthority: null,
      skipped: { otherLocalAuthority: 0, notCareService: 1 },
    })
    expect(all.rejected.map((r) => r.line)).toEqual([10, 11, 14, 15])

    const nobody = await council('Rutland County Council')
    const none = await importCqcFile(database.db, {
      councilId: nobody,
      input: fixture('care-directory.csv'),
      fileName: 'directory.csv',
      full: false,
      actor,
    })
    expect(none).toMatchObject({ added: 0, localAuthority: 'Rutland', skipped: { otherLocalAuthority: 5 } })
  })

  it('names providers the API leaves unnamed by their ID, and keeps a name already on record', async () => {
    const councilId = await council('Suffolk County Council')
    await database.db
      .insert(providerOrganisations)
      .values({ councilId, cqcProviderId: '1-4000000002', name: 'Fenside Care Ltd' })
    await importCqcFile(database.db, {
      councilId,
      input: fixture('api-locations.json'),
      fileName: 'api.json',
      full: false,
      actor,
    })
    const providers = await database.db
      .select({ cqcProviderId: providerOrganisations.cqcProviderId, name: providerOrganisations.name })
      .from(providerOrganisations)
      .where(eq(providerOrganisations.councilId, councilId))
      .orderBy(asc(providerOrganisations.cqcProviderId))
    expect(providers).toEqual([
      { cqcProviderId: '1-4000000002', name: 'Fenside Care Ltd' },
      { cqcProviderId: '1-4000000006', name: '1-4000000006' },
    ])
  })

  it('keeps ratings and beds when a care directory file (which has neither) updates a location', async () => {
    const councilId = await council()
    const options = { councilId, fileName: 'f', full: false, actor, localAuthority: null }
    await importCqcFile(database.db, {
      ...options,
      input: await hscaFile([
        home(1, {
          cqcLocationId: '1-9000000001',
          cqcProviderId: '1-8000000001',
          postcode: 'NR19 9ZX',
          latitude: 52.68,
          longitude: 0.94,
          cqcRating: 'Outstanding',
          cqcRatingDate: '2024-05-06',
          registeredBeds: 33,
        }),
      ]),
    })
    const result = await importCqcFile(database.db, { ...options, input: fixture('care-directory.csv') })
    expect(result).toMatchObject({ added: 3, updated: 1 })
    const [brambleford] = (await register(councilId)).filter((l) => l.cqcLocationId === '1-9000000001')
    expect(brambleford).toMatchObject({
      name: 'Brambleford House',
      serviceTypes: ['residential_home', 'nursing_home'],
      registeredBeds: 33,
      cqcRating: 'Outstanding',
      cqcRatingDate: '2024-05-06',
      // The same postcode: the coordinates CQC gave it before still stand.
      latitude: 52.68,
      geoSource: 'postcode',
    })
  })

  it('keeps the key questions’ ratings in the history, once each, and gives the latest of each', async () => {
    const councilId = await council()
    const apiFile = (safe: { rating: string; reportDate: string }) =>
      Readable.from([
        JSON.stringify([
          {
            locationId: '1-5900000001',
            providerId: '1-4900000001',
            name: 'Key Question House',
            postalCode: 'NR6 9ZH',
            localAuthority: 'Norfolk',
            registrationStatus: 'Registered',
            gacServiceTypes: [
              { name: 'Residential homes', description: 'Care home service without nursing' },
            ],
            currentRatings: {
              overall: {
                rating: 'Good',
                reportDate: '2025-03-01',
                keyQuestionRatings: [
                  { name: 'Safe', ...safe },
                  { name: 'Effective', rating: 'Good', reportDate: '2023-10-09' },
                  { name: 'Well-led', rating: 'Outstanding', reportDate: '2025-03-01' },
                ],
              },
            },
          },
        ]),
      ])
    const run = (input: Readable) =>
      importCqcFile(database.db, { councilId, input, fileName: 'api.json', full: false, actor })
    await run(apiFile({ rating: 'Requires improvement', reportDate: '2024-02-02' }))
    await run(apiFile({ rating: 'Requires improvement', reportDate: '2024-02-02' }))
    const stored = () =>
      database.db
        .select({
          keyQuestion: locationKeyQuestionRatings.keyQuestion,
          rating: locationKeyQuestionRatings.rating,
          ratedOn: locationKeyQuestionRatings.ratedOn,
        })
        .from(locationKeyQuestionRatings)
        .where(eq(locationKeyQuestionRatings.councilId, councilId))
        .orderBy(asc(locationKeyQuestionRatings.keyQuestion), asc(locationKeyQuestionRatings.ratedOn))
    expect(await stored()).toEqual([
      { keyQuestion: 'effective', rating: 'Good', ratedOn: '2023-10-09' },
      { keyQuestion: 'safe', rating: 'Requires improvement', ratedOn: '2024-02-02' },
      { keyQuestion: 'well_led', rating: 'Outstanding', ratedOn: '2025-03-01' },
    ])
    // CQC rates "safe" again: the earlier rating stays in the history.
    await run(apiFile({ rating: 'Good', reportDate: '2025-03-01' }))
    expect(await stored()).toHaveLength(4)
    const [location] = await register(councilId)
    const quality = await locationQuality(database.db, { councilId }, location?.id as number)
    expect(quality.keyQuestions).toEqual([
      { keyQuestion: 'safe', label: 'Safe', rating: 'Good', ratedOn: '2025-03-01' },
      { keyQuestion: 'effective', label: 'Effective', rating: 'Good', ratedOn: '2023-10-09' },
      { keyQuestion: 'well_led', label: 'Well-led', rating: 'Outstanding', ratedOn: '2025-03-01' },
    ])
  })

  it('places by the postcode table first, then by district', async () => {
    const councilId = await council()
    await database.db.insert(postcodes).values({ postcode: 'XK1 1AA', latitude: 51.1, longitude: -1.1 })
    await database.db.insert(outcodes).values({ outcode: 'XK2', latitude: 51.2, longitude: -1.2 })
    await importCqcFile(database.db, {
      councilId,
      input: await hscaFile([
        home(1, { postcode: 'XK1 1AA', latitude: 51.15, longitude: -1.15 }),
        home(2, { postcode: 'XK2 1AA' }),
      ]),
      fileName: 'f.csv',
      full: false,
      actor,
    })
    const [first, second] = await register(councilId)
    expect(first).toMatchObject({ latitude: 51.1, longitude: -1.1, geoSource: 'postcode' })
    expect(second).toMatchObject({ latitude: 51.2, longitude: -1.2, geoSource: 'district' })
  })

  it('writes nothing when the file fails part-way, and records the failure', async () => {
    const councilId = await council()
    const good = await hscaFile(Array.from({ length: 1200 }, (_, i) => home(i)))
    const chunks: Buffer[] = []
    for await (const chunk of good) chunks.push(chunk as Buffer)
    // An unclosed quote on the last line: the CSV cannot be read past the first 1,200 rows.
    const broken = Readable.from([Buffer.concat(chunks), Buffer.from('"1-1099999999,unclosed\r\n')])
    const error = await importCqcFile(database.db, {
      councilId,
      input: broken,
      fileName: 'broken.csv',
      full: false,
      actor,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(await register(councilId)).toEqual([])
    expect(
      await database.db
        .select()
        .from(providerOrganisations)
        .where(eq(providerOrganisations.councilId, councilId)),
    ).toEqual([])
    const [record] = await listCqcImports(database.db, councilId, { limit: 5 })
    expect(record).toMatchObject({
      status: 'failed',
      added: 0,
      fileName: 'broken.csv',
      format: 'hsca-active-locations',
    })
    expect(record?.error).toMatch(/Quote Not Closed/i)
    const audit = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, councilId), eq(auditLog.action, 'cqc_import.completed')))
    expect(audit).toEqual([])
  })

  it('refuses a file with the wrong headers, naming the expected ones', async () => {
    const councilId = await council()
    const error = await importCqcFile(database.db, {
      councilId,
      input: Readable.from([Buffer.from('Id,Title,Postcode\n1,Somewhere,NR1 1AA\n')]),
      fileName: 'wrong.csv',
      full: false,
      actor,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    const message = (error as Error).message
    expect(message).toContain('not a CQC register file')
    expect(message).toContain('CQC Location ID (for office use only)')
    expect(message).toContain('Location Latest Overall Rating')
    const [record] = await listCqcImports(database.db, councilId, { limit: 1 })
    expect(record).toMatchObject({ status: 'failed', format: null })
    expect(record?.error).toContain('Expected one of')
  })

  it('counts rows over many batches and reports progress as it reads', async () => {
    const councilId = await council()
    const rows = Array.from({ length: 1234 }, (_, i) => home(i, { cqcRating: null, cqcRatingDate: null }))
    const input = await hscaFile(rows)
    const seen: number[] = []
    const { importId, finished } = await startCqcImport(database.db, {
      councilId,
      input,
      fileName: 'big.csv',
      full: true,
      actor,
      onProgress: (p) => seen.push(p.rowsRead),
    })
    expect(importProgress(importId)).toMatchObject({ importId })
    const result = await finished
    expect(result).toMatchObject({
      importId,
      added: 1234,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      rejected: [],
    })
    expect(seen.at(-1)).toBe(1234)
    const [count] = await database.db.select().from(cqcImports).where(eq(cqcImports.id, importId))
    expect(count).toMatchObject({ status: 'completed', added: 1234 })
    await expect(getCqcImport(database.db, councilId + 1, importId)).rejects.toThrow('No such import')
  })

  it('saves nothing when it was recorded as abandoned while it ran', async () => {
    const councilId = await council()
    const input = await hscaFile(Array.from({ length: 1200 }, (_, i) => home(i)))
    const { importId, finished } = await startCqcImport(database.db, {
      councilId,
      input,
      fileName: 'overtaken.csv',
      full: false,
      actor,
    })
    // What another instance's sweep does once this process's heartbeat has stopped for too long.
    await database.db
      .update(cqcImports)
      .set({ status: 'failed', error: ABANDONED_IMPORT_ERROR, finishedAt: new Date() })
      .where(eq(cqcImports.id, importId))
    await expect(finished).rejects.toThrow(ConflictError)
    expect(await register(councilId)).toEqual([])
    expect(await getCqcImport(database.db, councilId, importId)).toMatchObject({
      status: 'failed',
      error: ABANDONED_IMPORT_ERROR,
    })
  })

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'on PostgreSQL beats while it runs, even while it waits for another import, and is left running',
    async () => {
      const councilId = await council()
      const input = await hscaFile([home(1)])
      let started: Awaited<ReturnType<typeof startCqcImport>> | undefined
      // Another import of the council holds its lock: this one waits, outside any row it could write.
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(7240102, ${councilId})`)
        started = await startCqcImport(database.db, {
          councilId,
          input,
          fileName: 'waits.csv',
          full: false,
          actor,
        })
        const importId = started.importId
        let row = await getCqcImport(database.db, councilId, importId)
        for (let attempt = 0; attempt < 200 && row.heartbeatAt <= row.startedAt; attempt++) {
          await sleep(50)
          row = await getCqcImport(database.db, councilId, importId)
        }
        expect(row.heartbeatAt.getTime()).toBeGreaterThan(row.startedAt.getTime())
        expect(await failAbandonedImports(database.db)).toEqual([])
        expect(await getCqcImport(database.db, councilId, importId)).toMatchObject({ status: 'running' })
      })
      expect(await started?.finished).toMatchObject({ added: 1 })
    },
  )
})
