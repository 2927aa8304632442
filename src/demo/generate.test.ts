import { asc, eq, sql } from 'drizzle-orm'
import { isValid, toOutcode } from 'postcode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { verifyPassword } from '../accounts/password.ts'
import { ROLES } from '../accounts/roles.ts'
import type { Database, DatabaseHandle } from '../db/connection.ts'
import {
  auditLog,
  costReturns,
  councilDistricts,
  councils,
  localities,
  locations,
  outcodes,
  pcnAreas,
  postcodes,
  providerOrganisations,
  users,
} from '../db/schema.ts'
import { ConflictError } from '../errors.ts'
import { type CostSector, checkReturn } from '../fees/costs/rules.ts'
import { costOfCareSummary } from '../fees/costs/service.ts'
import { greatCircleMiles } from '../shared/distance.ts'
import { createDemo, type DemoResult } from './generate.ts'
import { boxContains, councilBox, postcodeArea } from './geography.ts'
import { planCouncil } from './plan.ts'

const PASSWORD = 'demo-password-for-tests'
const options = (seed: number, scale = 1) => ({ scale, seed, password: PASSWORD, passwordCostLog2: 10 })

/** Every location as plain values, with generated ids replaced by the natural keys they point to. */
async function snapshot(db: Database) {
  const rows = await db
    .select({
      council: councils.code,
      provider: providerOrganisations.cqcProviderId,
      providerName: providerOrganisations.name,
      location: locations,
      locality: localities.name,
      pcn: pcnAreas.name,
      postcodeLatitude: postcodes.latitude,
      postcodeLongitude: postcodes.longitude,
    })
    .from(locations)
    .innerJoin(councils, eq(councils.id, locations.councilId))
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .leftJoin(localities, eq(localities.id, locations.localityId))
    .leftJoin(pcnAreas, eq(pcnAreas.id, locations.pcnAreaId))
    .leftJoin(postcodes, eq(postcodes.postcode, locations.postcode))
    .orderBy(asc(locations.cqcLocationId))
  return rows.map(({ location, ...rest }) => {
    const { id, councilId, providerOrganisationId, localityId, pcnAreaId, createdAt, updatedAt, ...values } =
      location
    return { ...rest, ...values }
  })
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole
}

describe('createDemo at scale 1', () => {
  let database: DatabaseHandle
  let db: Database
  let result: DemoResult
  const progress: [number, number][] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    db = database.db
    result = await createDemo(db, {
      ...options(7),
      onProgress: (done, total) => progress.push([done, total]),
    })
  })
  afterAll(async () => {
    await database?.close()
  })

  it('creates one clearly fictional demo council and reports progress', async () => {
    const rows = await db.select().from(councils)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ code: 'DEMO', name: 'Demo Shire County Council (demo)', isDemo: true })
    expect(progress).toEqual([
      [0, 1],
      [1, 1],
    ])
    expect(result.totals.councils).toBe(1)
  })

  it('has cost of care returns enough to publish every sector, each one a valid return', async () => {
    const returns = await db.select().from(costReturns)
    for (const r of returns)
      expect(checkReturn({ ...r, sector: r.sector as CostSector }), `return ${r.id}`).toEqual([])
    const [council] = await db.select().from(councils)
    const summary = await costOfCareSummary(db, council?.id as number, 2026, '2026-12-07')
    expect(summary.sectors.map((s) => s.returns)).toEqual([12, 12, 12])
  })

  it('has five localities and about fifteen PCN areas spread across them', async () => {
    const localityRows = await db.select().from(localities)
    expect(localityRows.map((l) => l.name)).toEqual(
      expect.arrayContaining(['North', 'South', 'West', 'East']),
    )
    expect(localityRows).toHaveLength(5)
    const pcnRows = await db.select().from(pcnAreas)
    expect(pcnRows.length).toBeGreaterThanOrEqual(13)
    expect(pcnRows.length).toBeLessThanOrEqual(17)
    expect(new Set(pcnRows.map((p) => p.localityId)).size).toBe(5)
    expect(result.councils[0]).toMatchObject({ localities: 5, pcnAreas: pcnRows.length })
  })

  it('is calibrated to Norfolk’s care market', async () => {
    const rows = await db.select().from(locations)
    const isCareHome = (l: (typeof rows)[number]) =>
      l.serviceTypes.includes('residential_home') || l.serviceTypes.includes('nursing_home')
    const older = rows.filter((l) => isCareHome(l) && l.clientGroups.includes('older_people'))
    const residential = older.filter((l) => l.serviceTypes.includes('residential_home'))
    const nursing = older.filter((l) => l.serviceTypes.includes('nursing_home'))
    const homeCare = rows.filter((l) => l.serviceTypes.includes('home_care'))
    const places = (list: typeof rows) => list.reduce((sum, l) => sum + (l.registeredBeds ?? 0), 0)

    expect(rows.length).toBeGreaterThanOrEqual(550)
    expect(rows.length).toBeLessThanOrEqual(750)
    expect(older.length).toBeGreaterThanOrEqual(220)
    expect(older.length).toBeLessThanOrEqual(260)
    expect(homeCare.length).toBeGreaterThanOrEqual(120)
    expect(homeCare.length).toBeLessThanOrEqual(150)
    expect(Math.abs(places(residential) - 5997)).toBeLessThanOrEqual(600)
    expect(Math.abs(places(nursing) - 2587)).toBeLessThanOrEqual(260)
    // Realistic home sizes, with nursing homes bigger on average.
    for (const home of older) {
      expect(home.registeredBeds).toBeGreaterThanOrEqual(10)
      expect(home.registeredBeds).toBeLessThanOrEqual(100)
    }
    expect(places(residential) / residential.length).toBeGreaterThan(28)
    expect(places(residential) / residential.length).toBeLessThan(38)
    expect(places(nursing) / nursing.length).toBeGreaterThan(42)
    expect(places(nursing) / nursing.length).toBeLessThan(54)
    for (const l of homeCare) expect(l.registeredBeds).toBeNull()

    const count = (rating: string | null) => rows.filter((l) => l.cqcRating === rating).length
    expect(share(count('Requires improvement'), rows.length)).toBeGreaterThanOrEqual(0.14)
    expect(share(count('Requires improvement'), rows.length)).toBeLessThanOrEqual(0.22)
    expect(share(count('Inadequate'), rows.length)).toBeGreaterThanOrEqual(0.015)
    expect(share(count('Inadequate'), rows.length)).toBeLessThanOrEqual(0.045)
    expect(share(count('Outstanding'), rows.length)).toBeGreaterThan(0.005)
    expect(share(count('Outstanding'), rows.length)).toBeLessThan(0.04)
    expect(share(count(null), rows.length)).toBeGreaterThan(0.01)
    expect(share(count(null), rows.length)).toBeLessThan(0.08)
    expect(share(count('Good'), rows.length)).toBeGreaterThan(0.65)

    const summary = result.councils[0]
    expect(summary).toMatchObject({
      locations: rows.length,
      olderPeoplesCareHomes: older.length,
      homeCareOffices: homeCare.length,
      careHomes: rows.filter(isCareHome).length,
      beds: places(rows),
    })
    expect(summary?.ratings['Requires improvement']).toBe(count('Requires improvement'))
    expect(summary?.ratings['Not yet rated']).toBe(count(null))
  })

  it('assigns needs and client groups sensibly', async () => {
    const rows = await db.select().from(locations)
    const older = rows.filter(
      (l) => l.serviceTypes.some((s) => s.endsWith('_home')) && l.clientGroups.includes('older_people'),
    )
    const younger = rows.filter(
      (l) => l.serviceTypes.some((s) => s.endsWith('_home')) && !l.clientGroups.includes('older_people'),
    )
    expect(
      share(older.filter((l) => l.specialisms.includes('dementia')).length, older.length),
    ).toBeGreaterThan(0.5)
    expect(younger.length).toBeGreaterThan(100)
    expect(younger.every((l) => l.clientGroups.includes('younger_adults'))).toBe(true)
    expect(
      share(younger.filter((l) => l.specialisms.includes('learning_disability')).length, younger.length),
    ).toBeGreaterThan(0.5)
    expect(younger.filter((l) => l.specialisms.includes('dementia'))).toHaveLength(0)
    for (const type of ['supported_living', 'extra_care_housing']) {
      expect(rows.filter((l) => l.serviceTypes.includes(type)).length).toBeGreaterThan(5)
    }
  })

  it('gives CQC-style IDs and ratings dated before the reference day', async () => {
    const rows = await db.select().from(locations)
    const providers = await db.select().from(providerOrganisations)
    for (const p of providers) expect(p.cqcProviderId).toMatch(/^1-9\d{9}$/)
    for (const l of rows) {
      expect(l.cqcLocationId).toMatch(/^1-8\d{9}$/)
      expect(l.cqcRatingDate === null).toBe(l.cqcRating === null)
      if (l.cqcRatingDate) {
        expect(l.cqcRatingDate < '2026-01-01').toBe(true)
        expect(l.cqcRatingDate > '2019-01-01').toBe(true)
      }
    }
    expect(new Set(rows.map((l) => l.cqcLocationId)).size).toBe(rows.length)
  })

  it('has many single-site providers and some groups', async () => {
    const rows = await db.select().from(locations)
    const perProvider = new Map<number, number>()
    for (const l of rows)
      perProvider.set(l.providerOrganisationId, (perProvider.get(l.providerOrganisationId) ?? 0) + 1)
    const sizes = [...perProvider.values()]
    const providers = await db.select().from(providerOrganisations)
    expect(sizes).toHaveLength(providers.length)
    expect(providers.length).toBeGreaterThan(rows.length * 0.55)
    expect(providers.length).toBeLessThan(rows.length * 0.85)
    expect(sizes.filter((s) => s === 1).length).toBeGreaterThan(providers.length / 2)
    expect(sizes.filter((s) => s >= 3).length).toBeGreaterThan(10)
  })

  it('places every location at a valid, unique postcode near its district centroid', async () => {
    const rows = await db.select().from(locations)
    const districts = await db
      .select({
        outcode: councilDistricts.outcode,
        localityId: councilDistricts.localityId,
        pcnAreaId: councilDistricts.pcnAreaId,
        rural: councilDistricts.rural,
        latitude: outcodes.latitude,
        longitude: outcodes.longitude,
      })
      .from(councilDistricts)
      .innerJoin(outcodes, eq(outcodes.outcode, councilDistricts.outcode))
    expect(districts).toHaveLength(24)
    const byOutcode = new Map(districts.map((d) => [d.outcode, d]))
    const postcodeRows = new Map((await db.select().from(postcodes)).map((p) => [p.postcode, p]))
    expect(new Set(rows.map((l) => l.postcode)).size).toBe(rows.length)

    for (const l of rows) {
      const postcode = l.postcode as string
      expect(isValid(postcode), postcode).toBe(true)
      expect(postcode.startsWith('XA')).toBe(true)
      const district = byOutcode.get(toOutcode(postcode) as string)
      expect(district, postcode).toBeDefined()
      if (!district) continue
      const point = { latitude: l.latitude as number, longitude: l.longitude as number }
      expect(postcodeRows.get(postcode)).toMatchObject(point)
      expect(greatCircleMiles(point, district)).toBeLessThanOrEqual(2.05)
      expect(l.localityId).toBe(district.localityId)
      expect(l.pcnAreaId).toBe(district.pcnAreaId)
    }

    // About 70% rural, like Norfolk, both in districts and in where the services are.
    const ruralDistricts = districts.filter((d) => d.rural).length
    expect(ruralDistricts).toBeGreaterThanOrEqual(15)
    expect(ruralDistricts).toBeLessThanOrEqual(19)
    const ruralShare = share(
      rows.filter((l) => byOutcode.get(toOutcode(l.postcode as string) as string)?.rural).length,
      rows.length,
    )
    expect(ruralShare).toBeGreaterThan(0.6)
    expect(ruralShare).toBeLessThan(0.8)
  })

  it('spreads districts over a county-sized area with a dense urban core', async () => {
    const districts = await db
      .select({ rural: councilDistricts.rural, latitude: outcodes.latitude, longitude: outcodes.longitude })
      .from(councilDistricts)
      .innerJoin(outcodes, eq(outcodes.outcode, councilDistricts.outcode))
    const furthest = (list: typeof districts) =>
      Math.max(...list.flatMap((a) => list.map((b) => greatCircleMiles(a, b))))
    const urban = districts.filter((d) => !d.rural)
    expect(furthest(districts)).toBeGreaterThan(30)
    expect(furthest(districts)).toBeLessThan(80)
    // The city's districts are within a few miles of each other.
    const city = urban.filter((a) => urban.filter((b) => greatCircleMiles(a, b) < 5).length >= 5)
    expect(city.length).toBeGreaterThanOrEqual(5)
  })

  it('creates one demo user per role, all with the demo password', async () => {
    const rows = await db.select().from(users).orderBy(asc(users.email))
    expect(rows.map((u) => u.role).sort()).toEqual([...ROLES].sort())
    expect(rows.map((u) => u.email)).toContain('broker@demo.caremarket.example')
    expect(rows.map((u) => u.email)).toContain('social-worker@demo.caremarket.example')
    expect(result.users).toHaveLength(ROLES.length)
    for (const user of result.users) expect(user.councilCode).toBe('DEMO')
    expect(await verifyPassword(PASSWORD, rows[0]?.passwordHash as string)).toBe(true)
    expect(await verifyPassword('wrong password', rows[0]?.passwordHash as string)).toBe(false)

    // The provider user works for a care-home group with several homes.
    const providerUser = rows.find((u) => u.role === 'provider_user')
    const homes = await db
      .select()
      .from(locations)
      .where(eq(locations.providerOrganisationId, providerUser?.providerOrganisationId as number))
    expect(homes.length).toBeGreaterThanOrEqual(3)
    for (const home of homes) expect(home.serviceTypes.some((s) => s.endsWith('_home'))).toBe(true)
    for (const user of rows.filter((u) => u.role !== 'provider_user'))
      expect(user.providerOrganisationId).toBeNull()
  })

  it('records an audit entry with the counts', async () => {
    const entries = await db.select().from(auditLog).where(eq(auditLog.action, 'demo.created'))
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ actor: 'cli', entityId: 'DEMO' })
    expect(entries[0]?.details).toMatchObject({ seed: 7, locations: result.totals.locations, users: 5 })
  })

  it('refuses to create the demo twice and changes nothing', async () => {
    const before = await db.select({ n: sql<number>`count(*)::int` }).from(locations)
    await expect(createDemo(db, options(7))).rejects.toBeInstanceOf(ConflictError)
    await expect(createDemo(db, options(8, 2))).rejects.toThrow(/demo already exists.*DEMO/)
    const after = await db.select({ n: sql<number>`count(*)::int` }).from(locations)
    expect(after).toEqual(before)
    expect(await db.select().from(councils)).toHaveLength(1)
  })

  it('rejects a scale or seed out of range', async () => {
    await expect(createDemo(db, options(1, 0))).rejects.toThrow(/scale/)
    await expect(createDemo(db, options(1, 201))).rejects.toThrow(/scale/)
    await expect(createDemo(db, options(-1))).rejects.toThrow(/seed/)
  })
})

describe('createDemo determinism', () => {
  const handles: DatabaseHandle[] = []
  afterAll(async () => {
    for (const handle of handles) await handle.close()
  })

  it('gives identical data for the same seed and different data for another', async () => {
    const snapshots = []
    for (const seed of [11, 11, 12]) {
      const handle = await createTestDatabase()
      handles.push(handle)
      await createDemo(handle.db, options(seed))
      snapshots.push(await snapshot(handle.db))
    }
    const [first, again, other] = snapshots
    expect(first?.length).toBeGreaterThan(500)
    expect(again).toEqual(first)
    expect(other).not.toEqual(first)
    // Another seed changes the details, not just the order.
    const names = (rows: typeof first) => new Set(rows?.map((r) => `${r.name}|${r.postcode}|${r.cqcRating}`))
    const overlap = [...names(first)].filter((n) => names(other).has(n)).length
    expect(overlap).toBeLessThan(10)
  })
})

describe('createDemo at scale 2', () => {
  let database: DatabaseHandle
  beforeAll(async () => {
    database = await createTestDatabase()
    await createDemo(database.db, options(3, 2))
  })
  afterAll(async () => {
    await database?.close()
  })

  it('creates two councils with their own users and non-overlapping geography', async () => {
    const { db } = database
    const rows = await db.select().from(councils).orderBy(asc(councils.code))
    expect(rows.map((c) => c.code)).toEqual(['DEMO', 'DEMO02'])
    expect(rows.every((c) => c.isDemo && c.name.includes('(demo)'))).toBe(true)
    expect(new Set(rows.map((c) => c.name)).size).toBe(2)
    expect(await db.select().from(users)).toHaveLength(2 * ROLES.length)
    expect((await db.select().from(users)).map((u) => u.email)).toContain('broker@demo02.caremarket.example')

    const boxes = []
    for (const council of rows) {
      const points = await db
        .select({
          latitude: locations.latitude,
          longitude: locations.longitude,
          postcode: locations.postcode,
        })
        .from(locations)
        .where(eq(locations.councilId, council.id))
      expect(points.length).toBeGreaterThan(500)
      const lat = points.map((p) => p.latitude as number)
      const lon = points.map((p) => p.longitude as number)
      boxes.push({
        south: Math.min(...lat),
        north: Math.max(...lat),
        west: Math.min(...lon),
        east: Math.max(...lon),
      })
      const area = council.code === 'DEMO' ? 'XA' : 'XB'
      expect(points.every((p) => p.postcode?.startsWith(area))).toBe(true)
    }
    const [a, b] = boxes as [(typeof boxes)[0], (typeof boxes)[0]]
    const overlap = a.south <= b.north && b.south <= a.north && a.west <= b.east && b.west <= a.east
    expect(overlap).toBe(false)
    // Both in England.
    for (const box of boxes) {
      expect(box.south).toBeGreaterThan(50.5)
      expect(box.north).toBeLessThan(55)
      expect(box.west).toBeGreaterThan(-3.5)
      expect(box.east).toBeLessThan(1.8)
    }

    const ids = await db.select({ id: locations.cqcLocationId }).from(locations)
    expect(new Set(ids.map((r) => r.id)).size).toBe(ids.length)
    const providerIds = await db
      .select({ id: providerOrganisations.cqcProviderId })
      .from(providerOrganisations)
    expect(new Set(providerIds.map((r) => r.id)).size).toBe(providerIds.length)
  })
})

describe('demo geography', () => {
  it('measures great-circle distances in miles', () => {
    const london = { latitude: 51.5074, longitude: -0.1278 }
    const norwich = { latitude: 52.6309, longitude: 1.2974 }
    expect(greatCircleMiles(london, norwich)).toBeGreaterThan(95)
    expect(greatCircleMiles(london, norwich)).toBeLessThan(102)
    expect(greatCircleMiles(london, london)).toBe(0)
  })

  it('gives each council its own postcode area that real postcodes never use', () => {
    expect(postcodeArea(0)).toEqual({ area: 'XA', firstDistrict: 1 })
    expect(postcodeArea(1)).toEqual({ area: 'XB', firstDistrict: 1 })
    expect(postcodeArea(26)).toEqual({ area: 'QA', firstDistrict: 1 })
    expect(postcodeArea(52)).toEqual({ area: 'VA', firstDistrict: 1 })
    expect(postcodeArea(78)).toEqual({ area: 'XA', firstDistrict: 25 })
    const districts = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const { area, firstDistrict } = postcodeArea(i)
      for (let d = firstDistrict; d < firstDistrict + 24; d++) districts.add(`${area}${d}`)
    }
    expect(districts.size).toBe(200 * 24)
  })

  it('keeps 200 councils in separate boxes in England, each holding all its postcodes', () => {
    const boxes = Array.from({ length: 200 }, (_, i) => councilBox(i, 200))
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i] as (typeof boxes)[number]
      expect(a.south).toBeGreaterThan(50.9)
      expect(a.north).toBeLessThan(53.5)
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j] as (typeof boxes)[number]
        expect(a.south < b.north && b.south < a.north && a.west < b.east && b.west < a.east).toBe(false)
      }
    }
    const last = planCouncil(199, { seed: 5, scale: 200 })
    expect(last.code).toBe('DEMO200')
    for (const l of last.locations) {
      expect(isValid(l.postcode)).toBe(true)
      expect(boxContains(last.box, l)).toBe(true)
    }
  })

  it('draws a single council about the size of Norfolk', () => {
    const box = councilBox(0, 1)
    const height = greatCircleMiles(
      { latitude: box.south, longitude: box.west },
      { latitude: box.north, longitude: box.west },
    )
    const width = greatCircleMiles(
      { latitude: box.south, longitude: box.west },
      { latitude: box.south, longitude: box.east },
    )
    expect(height).toBeGreaterThan(30)
    expect(width).toBeGreaterThan(40)
    expect(width).toBeLessThan(75)
  })
})
