import { createReadStream, existsSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { count, eq, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { createCouncil } from '../accounts/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { ValidationError } from '../errors.ts'
import { greatCircleMiles } from '../shared/distance.ts'
import { councilDistricts, localities, outcodes, pcnAreas, postcodes } from './schema.ts'
import { importCentroids, locate } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
// Real OS-derived district centroids, kept outside the repository (../shared/data/README.md).
const OUTCODES_FILE = path.resolve(import.meta.dirname, '../../../shared/data/uk-outcodes.csv')

let database: DatabaseHandle
let councilId: number
let north: number
let city: number
let cityPcn: number

const csv = (text: string) => Readable.from([Buffer.from(text)])

beforeAll(async () => {
  database = await createTestDatabase()
  const { db } = database
  councilId = (await createCouncil(db, { code: 'GEO', name: 'Geo Test Council' }, system)).id
  const made = await db
    .insert(localities)
    .values([
      { councilId, name: 'North' },
      { councilId, name: 'City' },
    ])
    .returning()
  north = made[0]?.id as number
  city = made[1]?.id as number
  const [pcn] = await db
    .insert(pcnAreas)
    .values({ councilId, localityId: city, name: 'City PCN' })
    .returning()
  cityPcn = pcn?.id as number
  // Two districts of the council; the test's own centroids use the real-looking X areas, never real ones.
  await db.insert(outcodes).values([
    { outcode: 'XA1', latitude: 52.63, longitude: 1.3 },
    { outcode: 'XA2', latitude: 52.9, longitude: 1.3 },
    { outcode: 'XZ9', latitude: 52.1, longitude: 1.1 },
  ])
  await db.insert(postcodes).values({ postcode: 'XA1 1AB', latitude: 52.631, longitude: 1.301 })
  await db.insert(councilDistricts).values([
    { councilId, outcode: 'XA1', localityId: city, pcnAreaId: cityPcn, rural: false },
    { councilId, outcode: 'XA2', localityId: north, rural: true },
  ])
})
afterAll(async () => database.close())

describe('locate', () => {
  it('places by full postcode first, with the district’s locality and PCN', async () => {
    expect(await locate(database.db, councilId, { postcode: 'xa11ab', latitude: 50, longitude: 0 })).toEqual({
      latitude: 52.631,
      longitude: 1.301,
      source: 'postcode',
      outcode: 'XA1',
      localityId: city,
      pcnAreaId: cityPcn,
      inCouncilArea: true,
    })
  })

  it('falls back to the district centroid when the full postcode is unknown', async () => {
    expect(await locate(database.db, councilId, { postcode: 'XA2 9ZZ', latitude: 50, longitude: 0 })).toEqual(
      {
        latitude: 52.9,
        longitude: 1.3,
        source: 'district',
        outcode: 'XA2',
        localityId: north,
        pcnAreaId: null,
        inCouncilArea: true,
      },
    )
  })

  it('prefers a postcode’s own coordinates to the district centroid', async () => {
    const placed = await locate(database.db, councilId, {
      postcode: 'XA2 9ZZ',
      latitude: 52.91,
      longitude: 1.31,
      coordinatesSource: 'postcode',
    })
    expect(placed).toMatchObject({ latitude: 52.91, longitude: 1.31, source: 'postcode', localityId: north })
  })

  it('uses entered coordinates last, with the nearest district’s locality', async () => {
    const placed = await locate(database.db, councilId, { latitude: 52.62, longitude: 1.29 })
    expect(placed).toEqual({
      latitude: 52.62,
      longitude: 1.29,
      source: 'manual',
      outcode: null,
      localityId: city,
      pcnAreaId: cityPcn,
      inCouncilArea: true,
    })
    // An unknown district of another area: no centroid, so the typed coordinates decide.
    const outside = await locate(database.db, councilId, {
      postcode: 'XQ5 1AA',
      latitude: 52.88,
      longitude: 1.2,
    })
    expect(outside).toMatchObject({ source: 'manual', outcode: 'XQ5', localityId: north })
    // A known district 37 miles from the council's: its centroid, but no locality of the council.
    const beyond = await locate(database.db, councilId, { postcode: 'XZ9 1AA' })
    expect(beyond).toMatchObject({
      latitude: 52.1,
      source: 'district',
      outcode: 'XZ9',
      localityId: null,
      inCouncilArea: false,
    })
  })

  it('says nothing when nothing is known, and refuses bad input', async () => {
    expect(await locate(database.db, councilId, {})).toEqual({
      latitude: null,
      longitude: null,
      source: null,
      outcode: null,
      localityId: null,
      pcnAreaId: null,
      inCouncilArea: false,
    })
    await expect(locate(database.db, councilId, { postcode: 'not a postcode' })).rejects.toThrow(
      /real postcode/,
    )
    await expect(locate(database.db, councilId, { latitude: 52 })).rejects.toThrow(
      /both latitude and longitude/,
    )
    await expect(locate(database.db, councilId, { latitude: 91, longitude: 0 })).rejects.toThrow(/-90 to 90/)
  })
})

describe('importCentroids', () => {
  it('files postcodes and districts by shape, reports bad rows by line, and upserts', async () => {
    const report = await importCentroids(
      database.db,
      csv(
        'pcd,lat,long\n' +
          'XB1 1AA,52.1,1.1\n' +
          'xb1,52.2,1.2\n' +
          'Nowhere,52,1\n' +
          '\n' +
          'XB2 2BB,99.999999,0.000000\n' +
          'XB1 1AB,52.11,1.11\n' +
          'XB1 1AA,52.12,1.12\n',
      ),
    )
    expect(report).toEqual({
      postcodes: 2,
      outcodes: 1,
      rejected: [
        { line: 4, reason: 'not a postcode or postcode district "Nowhere"' },
        { line: 6, reason: 'no usable coordinates for XB2 2BB' },
      ],
      rejectedCount: 2,
    })
    const [row] = await database.db.select().from(postcodes).where(eq(postcodes.postcode, 'XB1 1AA'))
    expect(row).toEqual({ postcode: 'XB1 1AA', latitude: 52.12, longitude: 1.12 })
    const [district] = await database.db.select().from(outcodes).where(eq(outcodes.outcode, 'XB1'))
    expect(district).toEqual({ outcode: 'XB1', latitude: 52.2, longitude: 1.2 })
  })

  it('refuses a file without the expected headers, naming them, and loads nothing', async () => {
    const error = await importCentroids(database.db, csv('code,x,y\nXC1,52,1\n')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('no postcode, latitude, longitude column')
    expect((error as Error).message).toContain('postcode (or outcode, pcd, pcds), latitude (or lat)')
    const other = await importCentroids(database.db, csv('outcode,latitude,easting\n')).catch(
      (e: unknown) => e,
    )
    expect((other as Error).message).toMatch(/no longitude column/)
  })

  it('leaves nothing behind when a file fails part-way', async () => {
    // 2,500 distinct postcodes: two full batches are written before the broken last line.
    const rows = Array.from(
      { length: 2500 },
      (_, i) => `XD${(i % 99) + 1} ${i % 10}${'ABD'[Math.floor(i / 990)]}A,52,1`,
    ).join('\n')
    const broken = `postcode,latitude,longitude\n${rows}\n"XD1 1AB,52,1\n`
    await expect(importCentroids(database.db, csv(broken))).rejects.toThrow(/not valid CSV/)
    const [loaded] = await database.db
      .select({ n: count() })
      .from(postcodes)
      .where(like(postcodes.postcode, 'XD%'))
    expect(loaded?.n).toBe(0)
  })

  it.skipIf(!existsSync(OUTCODES_FILE))('loads the real UK district centroids', async () => {
    const report = await importCentroids(database.db, createReadStream(OUTCODES_FILE))
    // 2,848 rows, of which every one is a real district with coordinates.
    expect(report.outcodes).toBe(2848)
    expect(report.postcodes).toBe(0)
    expect(report.rejected).toEqual([])
    const [norwich] = await database.db.select().from(outcodes).where(eq(outcodes.outcode, 'NR1'))
    const [ipswich] = await database.db.select().from(outcodes).where(eq(outcodes.outcode, 'IP1'))
    expect(norwich).toEqual({ outcode: 'NR1', latitude: 52.62671, longitude: 1.31012 })
    expect(greatCircleMiles(norwich as never, ipswich as never)).toBeCloseTo(39.36, 2)
    // A district-only postcode is placed at its district centroid.
    expect(await locate(database.db, councilId, { postcode: 'NR1 9ZZ' })).toMatchObject({
      latitude: 52.62671,
      longitude: 1.31012,
      source: 'district',
      outcode: 'NR1',
    })
  })
})
