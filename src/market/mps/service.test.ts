import { Readable } from 'node:stream'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import {
  addLot,
  buildMarket,
  type LocationSpec,
  type PackageSpec,
  retireLocation,
} from '../../../test/support/mps-fixture.ts'
import { importPackages } from '../../brokerage/package-imports/service.ts'
import { auditLog } from '../../db/schema.ts'
import { ValidationError } from '../../errors.ts'
import type { KeyDataRow } from './service.ts'
import {
  getNarrative,
  getSuppressionThreshold,
  keyData,
  keyDataCsvRows,
  saveNarrative,
  updateMarketSettings,
} from './service.ts'

const TODAY = '2026-06-15'
const system = { kind: 'system', label: 'test' } as const

const LOCATIONS: LocationSpec[] = [
  {
    key: 'R1',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 10,
    cqcRating: 'Good',
  },
  {
    key: 'R2',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 20,
    cqcRating: 'Outstanding',
  },
  {
    key: 'R3',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 30,
    cqcRating: 'Good',
  },
  {
    key: 'R4',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 40,
    cqcRating: 'Requires improvement',
  },
  {
    key: 'R5',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 50,
    cqcRating: 'Good',
  },
  {
    key: 'R6',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 25,
    cqcRating: null,
  },
  {
    key: 'R7',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 15,
    cqcRating: 'Good',
    pamms: 'Requires improvement',
  },
  {
    key: 'RX',
    serviceTypes: ['residential_home'],
    clientGroups: ['older_people'],
    beds: 99,
    cqcRating: 'Good',
    active: false,
  },
  {
    key: 'N1',
    serviceTypes: ['nursing_home', 'residential_home'],
    clientGroups: ['older_people'],
    beds: 60,
    cqcRating: 'Good',
  },
  {
    key: 'N2',
    serviceTypes: ['nursing_home'],
    clientGroups: ['older_people', 'younger_adults'],
    beds: 40,
    cqcRating: 'Inadequate',
  },
  {
    key: 'Y1',
    serviceTypes: ['residential_home'],
    clientGroups: ['younger_adults'],
    beds: 8,
    cqcRating: 'Good',
  },
  ...['H1', 'H2', 'H3', 'H4', 'H5'].map((key, i) => ({
    key,
    serviceTypes: ['home_care'],
    clientGroups: ['older_people'],
    beds: null,
    cqcRating: i === 4 ? 'Requires improvement' : 'Good',
  })),
  {
    key: 'H6',
    serviceTypes: ['home_care'],
    clientGroups: ['older_people', 'younger_adults'],
    beds: null,
    cqcRating: 'Outstanding',
  },
  {
    key: 'S1',
    serviceTypes: ['supported_living'],
    clientGroups: ['younger_adults'],
    beds: null,
    cqcRating: 'Good',
  },
  {
    key: 'D1',
    serviceTypes: ['day_opportunities'],
    clientGroups: ['older_people'],
    beds: null,
    cqcRating: null,
  },
]

const active = { startDate: '2026-01-05' }
const PACKAGES: PackageSpec[] = [
  ...[1, 2, 3, 4, 5].map((n) => ({
    person: `p${n}`,
    serviceType: 'residential' as const,
    clientGroup: 'older_people' as const,
    weeklyCostPence: 80_000 + n * 1_000,
    ...active,
  })),
  {
    person: 'p6',
    serviceType: 'dementia_residential',
    clientGroup: 'older_people',
    weeklyCostPence: 95_000,
    ...active,
  },
  {
    person: 'p7',
    serviceType: 'residential',
    clientGroup: 'older_people',
    weeklyCostPence: 70_000,
    startDate: '2026-01-01',
    endDate: '2026-06-14',
  },
  {
    person: 'p8',
    serviceType: 'residential',
    clientGroup: 'older_people',
    weeklyCostPence: 70_000,
    startDate: '2026-06-16',
  },
  {
    person: 'p9',
    serviceType: 'residential',
    clientGroup: 'older_people',
    weeklyCostPence: 72_500,
    startDate: '2026-02-01',
    endDate: TODAY,
  },
  ...[10, 11, 12, 13].map((n) => ({
    person: `p${n}`,
    serviceType: n === 13 ? ('dementia_nursing' as const) : ('nursing' as const),
    clientGroup: 'older_people' as const,
    weeklyCostPence: 110_000,
    ...active,
  })),
  {
    person: 'p14',
    serviceType: 'residential',
    clientGroup: 'younger_adults',
    weeklyCostPence: 150_000,
    ...active,
  },
  {
    person: 'p15',
    serviceType: 'home_care',
    clientGroup: 'older_people',
    weeklyCostPence: 30_000,
    ...active,
  },
  ...[15, 16, 17, 18, 19, 20].map((n) => ({
    person: `p${n}`,
    serviceType: 'home_care' as const,
    clientGroup: 'older_people' as const,
    weeklyCostPence: 20_000 + n * 100,
    ...active,
  })),
  {
    person: 'p21',
    serviceType: 'supported_living',
    clientGroup: 'younger_adults',
    weeklyCostPence: 120_000,
    ...active,
  },
]

// An independent statement of what each row counts, written from DOMAIN.md rather than read from sectors.ts.
type Expectation = {
  pkg: (p: PackageSpec) => boolean
  loc: (l: LocationSpec) => boolean
  places: boolean
}
const has = (l: LocationSpec, type: string, group: string) =>
  l.serviceTypes.includes(type) && l.clientGroups.includes(group)
const EXPECTED_ROWS: Record<string, Expectation[]> = {
  'older-people-care-homes': [
    {
      pkg: (p) =>
        (p.serviceType === 'residential' || p.serviceType === 'dementia_residential') &&
        p.clientGroup === 'older_people',
      loc: (l) => has(l, 'residential_home', 'older_people') && !l.serviceTypes.includes('nursing_home'),
      places: true,
    },
    {
      pkg: (p) =>
        (p.serviceType === 'nursing' || p.serviceType === 'dementia_nursing') &&
        p.clientGroup === 'older_people',
      loc: (l) => has(l, 'nursing_home', 'older_people'),
      places: true,
    },
  ],
  'working-age-care-homes': [
    {
      pkg: (p) =>
        (p.serviceType === 'residential' || p.serviceType === 'dementia_residential') &&
        p.clientGroup === 'younger_adults',
      loc: (l) => has(l, 'residential_home', 'younger_adults') && !l.serviceTypes.includes('nursing_home'),
      places: true,
    },
    {
      pkg: (p) =>
        (p.serviceType === 'nursing' || p.serviceType === 'dementia_nursing') &&
        p.clientGroup === 'younger_adults',
      loc: (l) => has(l, 'nursing_home', 'younger_adults'),
      places: true,
    },
  ],
  'home-care': ['older_people', 'younger_adults'].map((group) => ({
    pkg: (p: PackageSpec) => p.serviceType === 'home_care' && p.clientGroup === group,
    loc: (l: LocationSpec) => has(l, 'home_care', group),
    places: false,
  })),
  'supported-living': ['older_people', 'younger_adults'].map((group) => ({
    pkg: (p: PackageSpec) => p.serviceType === 'supported_living' && p.clientGroup === group,
    loc: (l: LocationSpec) => has(l, 'supported_living', group),
    places: false,
  })),
  'day-services': ['older_people', 'younger_adults'].map((group) => ({
    pkg: (p: PackageSpec) => p.serviceType === 'day_opportunities' && p.clientGroup === group,
    loc: (l: LocationSpec) => has(l, 'day_opportunities', group),
    places: false,
  })),
}

function expectedFacts(row: Expectation, admitted?: (key: string) => boolean) {
  const live = PACKAGES.filter(
    (p) => p.startDate <= TODAY && (!p.endDate || p.endDate >= TODAY) && row.pkg(p),
  )
  const locs = LOCATIONS.filter((l) => (l.active ?? true) && row.loc(l) && (!admitted || admitted(l.key)))
  const ratings = locs.map((l) => l.pamms ?? l.cqcRating).filter((r) => r !== null)
  return {
    weeklyCostPence: live.reduce((sum, p) => sum + p.weeklyCostPence, 0),
    people: new Set(live.map((p) => p.person)).size,
    // Every package of the fixture was brokered; the council's book holds only one that has ended.
    brokeredPeople: new Set(live.map((p) => p.person)).size,
    locations: locs.length,
    places: row.places ? locs.reduce((sum, l) => sum + (l.beds ?? 0), 0) : null,
    rated: ratings.length,
    goodOrOutstanding: ratings.filter((r) => r === 'Good' || r === 'Outstanding').length,
  }
}

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let lots: Fixture
let lotMarket: Map<string, number>

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  home = await seedCouncil(t.database, 'MPSS', t.config)
  lots = await seedCouncil(t.database, 'MPSL', t.config)
  for (const fixture of [home, lots]) {
    await retireLocation(db, fixture.providerA.locationId)
    await retireLocation(db, fixture.providerB.locationId)
  }
  await buildMarket(db, home.councilId, home.providerA.id, { locations: LOCATIONS, packages: PACKAGES })
  lotMarket = (
    await buildMarket(db, lots.councilId, lots.providerA.id, { locations: LOCATIONS, packages: [] })
  ).locationIds
  const id = (key: string) => lotMarket.get(key) as number
  // Home care is bought through a DPS: H1 is admitted, H2 was suspended, H3 is admitted only from next month.
  await addLot(db, lots.councilId, {
    name: 'Home care DPS',
    serviceType: 'home_care',
    opensOn: '2025-01-01',
    members: [
      { locationId: id('H1'), events: [{ status: 'admitted', effectiveOn: '2025-02-01' }] },
      {
        locationId: id('H2'),
        events: [
          { status: 'admitted', effectiveOn: '2025-02-01' },
          { status: 'suspended', effectiveOn: '2026-03-01' },
        ],
      },
      { locationId: id('H3'), events: [{ status: 'admitted', effectiveOn: '2026-07-01' }] },
    ],
  })
  // A care home framework that has not opened yet does not change who is accredited.
  await addLot(db, lots.councilId, {
    name: 'Care home framework 2027',
    serviceType: 'residential_home',
    opensOn: '2027-04-01',
    members: [{ locationId: id('R1'), events: [{ status: 'admitted', effectiveOn: '2027-04-01' }] }],
  })
  // The council has loaded its own book (one package, ended long ago), so people and spend are published.
  await importPackages(db, {
    councilId: home.councilId,
    input: Readable.from([
      Buffer.from(
        'person_ref,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,start_date,end_date,funding\n' +
          `OLD1,85+,NR3,older_people,residential,1-MPS-${home.councilId}-R1,700,2020-01-01,2020-12-31,council\n`,
      ),
    ]),
    fileName: 'book.csv',
    full: false,
    actor: system,
  })
})
afterAll(async () => t.close())

describe('key data', () => {
  for (const [sector, rows] of Object.entries(EXPECTED_ROWS)) {
    it(`matches an independent count of the fixture for ${sector}`, async () => {
      const data = await keyData(t.database.db, home.councilId, sector as never, TODAY)
      expect(data.rows.map((r: KeyDataRow) => r.facts)).toEqual(rows.map((row) => expectedFacts(row)))
      expect(data.rows.every((r) => !r.byLots)).toBe(true)
    })
  }

  it('annualises spend, and suppresses the rows with few people', async () => {
    const data = await keyData(t.database.db, home.councilId, 'older-people-care-homes', TODAY)
    const [residential, nursing] = data.rows as [KeyDataRow, KeyDataRow]
    expect(residential.figures.annualSpendPence).toEqual({
      kind: 'value',
      value: residential.facts.weeklyCostPence * 52,
    })
    expect(residential.facts.people).toBeGreaterThanOrEqual(5)
    expect(nursing.facts.people).toBeLessThan(5)
    expect(nursing.figures.people).toEqual({ kind: 'suppressed' })
    expect(nursing.figures.annualSpendPence).toEqual({ kind: 'suppressed' })
    const csv = keyDataCsvRows(data)
    expect(csv[2]).toEqual([
      'Nursing homes',
      'suppressed',
      'fewer than 5',
      'fewer than 5',
      'fewer than 5',
      nursing.facts.places,
      'suppressed',
    ])
    expect(csv.flat().join(',')).not.toContain(String((nursing.facts.weeklyCostPence * 52) / 100))
  })

  it('counts as accredited only the locations admitted today to a lot, where the council has lots', async () => {
    const data = await keyData(t.database.db, lots.councilId, 'home-care', TODAY)
    const admittedToday = (key: string) => key === 'H1'
    expect(data.rows.map((r) => r.facts.locations)).toEqual(
      (EXPECTED_ROWS['home-care'] as Expectation[]).map((row) => expectedFacts(row, admittedToday).locations),
    )
    expect(data.rows.every((r) => r.byLots)).toBe(true)
    const careHomes = await keyData(t.database.db, lots.councilId, 'older-people-care-homes', TODAY)
    expect(careHomes.rows.every((r) => !r.byLots)).toBe(true)
    expect(careHomes.rows.map((r) => r.facts.locations)).toEqual(
      (EXPECTED_ROWS['older-people-care-homes'] as Expectation[]).map((row) => expectedFacts(row).locations),
    )
  })
})

describe('settings', () => {
  it('defaults to 5, keeps a valid threshold with an audit entry, and refuses others', async () => {
    const db = t.database.db
    expect(await getSuppressionThreshold(db, lots.councilId)).toBe(5)
    for (const bad of ['', '1', '101', '5.5', 'ten']) {
      await expect(
        updateMarketSettings(db, lots.councilId, { suppressionThreshold: bad }, system),
      ).rejects.toThrow(ValidationError)
    }
    await updateMarketSettings(db, lots.councilId, { suppressionThreshold: '10' }, system)
    expect(await getSuppressionThreshold(db, lots.councilId)).toBe(10)
    const data = await keyData(db, lots.councilId, 'home-care', TODAY)
    expect(data.threshold).toBe(10)
    const audit = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, lots.councilId), eq(auditLog.action, 'market_settings.updated')))
    expect(audit).toHaveLength(1)
    expect(audit[0]?.details).toEqual({ suppressionThreshold: { from: 5, to: 10 } })
  })
})

describe('narrative', () => {
  it('saves each sector on its own, audits each save, and limits the length', async () => {
    const db = t.database.db
    await saveNarrative(db, home.councilId, 'home-care', { supplyAndDemand: 'Demand is rising.' }, system)
    await saveNarrative(
      db,
      home.councilId,
      'home-care',
      { supplyAndDemand: 'Demand is rising.', messagesToProviders: 'Talk to us.' },
      system,
    )
    const narrative = await getNarrative(db, home.councilId, 'home-care')
    expect(narrative.messagesToProviders).toBe('Talk to us.')
    expect(narrative.updatedAt).toBeInstanceOf(Date)
    expect((await getNarrative(db, home.councilId, 'day-services')).updatedAt).toBeNull()
    const audit = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'mps_narrative.updated')))
    expect(audit.map((a) => a.details)).toEqual([
      { sector: 'home-care', changed: ['supplyAndDemand'] },
      { sector: 'home-care', changed: ['messagesToProviders'] },
    ])
    const error = await saveNarrative(
      db,
      home.councilId,
      'home-care',
      { commissioningIntentions: 'x'.repeat(10_001) },
      system,
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors.map((e) => e.field)).toEqual(['commissioningIntentions'])
    expect((await getNarrative(db, home.councilId, 'home-care')).messagesToProviders).toBe('Talk to us.')
  })
})
