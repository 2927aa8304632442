import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import {
  type Areas,
  addPcnAreas,
  addRequestHistory,
  type HistorySpec,
  placeLocation,
  reportSpareMinutes,
  reportVacancies,
} from '../../../test/support/sufficiency-fixture.ts'
import { auditLog } from '../../db/schema.ts'
import { ValidationError } from '../../errors.ts'
import { STALE_AFTER_DAYS } from '../../providers/capacity/rules.ts'
import {
  DEFAULT_SUFFICIENCY_THRESHOLDS,
  PLACEMENT_TYPES,
  type PlacementType,
  rateSufficiency,
} from './rules.ts'
import {
  getSufficiencyThresholds,
  type SufficiencyMatrix,
  sufficiencyMatrix,
  updateSufficiencyThresholds,
} from './service.ts'

const NOW = new Date('2026-06-15T12:00:00Z')
const DAY_MS = 86_400_000
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS)
const system = { kind: 'system', label: 'test' } as const

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let areas: Areas
let specs: HistorySpec[]
let matrix: SufficiencyMatrix

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  home = await seedCouncil(t.database, 'SUFS', t.config)
  other = await seedCouncil(t.database, 'SUFO', t.config)
  areas = await addPcnAreas(db, home.councilId, ['North', 'South', 'East'])
  const north = areas.pcn.North as number
  const south = areas.pcn.South as number
  const offerA = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
  const offerB = { locationId: home.providerB.locationId, providerOrganisationId: home.providerB.id }
  const awarded = (
    pcnAreaId: number | null,
    type: PlacementType,
    submittedDaysAgo: number,
    after: number,
  ) => ({
    pcnAreaId,
    type,
    submittedDaysAgo,
    awardedAfterDays: after,
    offerLocations: [offerA],
  })
  specs = [
    // North residential: 5 of 6 sourced, median 3 days.
    ...[1, 2, 3, 4, 10].map((after, i) => awarded(north, 'residential', 20 + i, after)),
    { pcnAreaId: north, type: 'residential', submittedDaysAgo: 30, unsourced: true },
    // Not counted: before the period, never submitted, still in brokerage, cancelled after an
    // offer, awarded only after now.
    awarded(north, 'residential', 100, 1),
    { pcnAreaId: north, type: 'residential', submittedDaysAgo: null },
    { pcnAreaId: north, type: 'residential', submittedDaysAgo: 2, offerLocations: [offerA, offerB] },
    {
      pcnAreaId: north,
      type: 'residential',
      submittedDaysAgo: 10,
      cancelled: true,
      offerLocations: [offerB],
    },
    awarded(north, 'residential', 3, 5),
    // North nursing: 2 of 5 sourced.
    awarded(north, 'nursing', 40, 5),
    awarded(north, 'nursing', 41, 30),
    ...[42, 43, 44].map((d) => ({
      pcnAreaId: north,
      type: 'nursing' as const,
      submittedDaysAgo: d,
      cancelled: true,
    })),
    // South home care: 4 of 5 sourced, median 1.5 days.
    ...[1, 1, 2, 2].map((after, i) => awarded(south, 'home_care', 10 + i, after)),
    { pcnAreaId: south, type: 'home_care', submittedDaysAgo: 15, cancelled: true },
    // South residential: too few.
    ...[1, 2, 3].map((after) => awarded(south, 'residential', 12, after)),
    // In no PCN area; and not a placement type.
    awarded(null, 'residential', 5, 1),
    { pcnAreaId: south, type: 'supported_living' as PlacementType, submittedDaysAgo: 5, unsourced: true },
  ] as HistorySpec[]
  for (const spec of specs) await addRequestHistory(db, home.councilId, spec, NOW)
  // Another council's request never counts, even against this council's area.
  await addRequestHistory(
    db,
    other.councilId,
    { pcnAreaId: north, type: 'nursing', submittedDaysAgo: 5, unsourced: true },
    NOW,
  )

  // Capacity: both homes in North; only recent reports, each home's newest, count.
  await placeLocation(db, home.providerA.locationId, north)
  await placeLocation(db, home.providerB.locationId, north)
  await reportVacancies(db, home.councilId, home.providerA.locationId, 'residential', 3, daysAgo(3))
  await reportVacancies(db, home.councilId, home.providerA.locationId, 'residential', 2, daysAgo(1))
  await reportVacancies(
    db,
    home.councilId,
    home.providerA.locationId,
    'residential',
    9,
    new Date(NOW.getTime() + 3_600_000),
  )
  await reportVacancies(db, home.councilId, home.providerA.locationId, 'nursing', 0, daysAgo(1))
  await reportVacancies(
    db,
    home.councilId,
    home.providerB.locationId,
    'residential',
    4,
    daysAgo(STALE_AFTER_DAYS + 1),
  )
  await reportVacancies(db, home.councilId, home.providerB.locationId, 'dementia_residential', 1, daysAgo(2))
  await reportSpareMinutes(db, home.councilId, home.providerB.locationId, 'SO1', 1200, daysAgo(3))
  await reportSpareMinutes(db, home.councilId, home.providerB.locationId, 'SO1', 600, daysAgo(2))
  await reportSpareMinutes(db, home.councilId, home.providerA.locationId, 'SO1', 90, daysAgo(1))
  await reportSpareMinutes(db, home.councilId, home.providerA.locationId, 'NO1', 120, daysAgo(1))
  await reportSpareMinutes(db, home.councilId, home.providerA.locationId, 'ZZ9', 6000, daysAgo(1))

  matrix = await sufficiencyMatrix(db, home.councilId, NOW)
})
afterAll(async () => t.close())

/** The figures worked out from the specs alone, the way the page explains them. */
function expected(pcnAreaId: number, type: PlacementType) {
  const period = DEFAULT_SUFFICIENCY_THRESHOLDS.periodDays
  const cell = specs.filter(
    (s) =>
      s.pcnAreaId === pcnAreaId &&
      s.type === type &&
      s.submittedDaysAgo !== null &&
      s.submittedDaysAgo <= period,
  )
  const sourcedDays = cell
    .filter((s) => s.awardedAfterDays !== undefined && s.awardedAfterDays <= (s.submittedDaysAgo as number))
    .map((s) => s.awardedAfterDays as number)
    .sort((a, b) => a - b)
  const notSourced = cell.filter(
    (s) => s.awardedAfterDays === undefined && (s.unsourced || (s.cancelled && !s.offerLocations?.length)),
  ).length
  const n = sourcedDays.length
  const median =
    n === 0
      ? null
      : n % 2
        ? sourcedDays[(n - 1) / 2]
        : ((sourcedDays[n / 2 - 1] as number) + (sourcedDays[n / 2] as number)) / 2
  return { sourced: n, notSourced, medianDaysToSource: median }
}

function cell(area: string, type: PlacementType) {
  const row = matrix.rows.find((r) => r.pcnArea === area)
  const found = row?.cells.find((c) => c.placementType === type)
  if (!found) throw new Error(`no cell ${area} ${type}`)
  return found
}

describe('sufficiencyMatrix', () => {
  it('has a row per PCN area of the council and a cell per placement type', () => {
    expect(matrix.rows.map((r) => r.pcnArea)).toEqual(['East', 'North', 'South'])
    for (const row of matrix.rows) expect(row.cells.map((c) => c.placementType)).toEqual([...PLACEMENT_TYPES])
    expect(matrix.requestsWithoutArea).toBe(1)
    expect(matrix.from).toEqual(daysAgo(DEFAULT_SUFFICIENCY_THRESHOLDS.periodDays))
  })

  it('counts each cell’s requests as an independent reading of the history does', () => {
    for (const [name, id] of Object.entries(areas.pcn))
      for (const type of PLACEMENT_TYPES) {
        const c = cell(name, type)
        expect({
          sourced: c.sourced,
          notSourced: c.notSourced,
          medianDaysToSource: c.medianDaysToSource,
        }).toEqual(expected(id, type))
      }
    // The hand-built history gives these; a change to the fixture shows here first.
    expect(cell('North', 'residential')).toMatchObject({ sourced: 5, notSourced: 1, medianDaysToSource: 3 })
    expect(cell('North', 'nursing')).toMatchObject({ sourced: 2, notSourced: 3, medianDaysToSource: 17.5 })
    expect(cell('South', 'home_care')).toMatchObject({ sourced: 4, notSourced: 1, medianDaysToSource: 1.5 })
  })

  it('takes each home’s newest recent vacancy report of the bed type, and spare hours by district', () => {
    expect(cell('North', 'residential').vacancies).toBe(2)
    expect(cell('North', 'nursing').vacancies).toBe(0)
    expect(cell('North', 'dementia_residential').vacancies).toBe(1)
    expect(cell('North', 'dementia_nursing').vacancies).toBeNull()
    expect(cell('South', 'residential').vacancies).toBeNull()
    expect(cell('South', 'home_care').vacancies).toBe((600 + 90) / 60)
    expect(cell('North', 'home_care').vacancies).toBe(120 / 60)
    expect(cell('East', 'home_care').vacancies).toBeNull()
  })

  it('rates each cell by the rule', () => {
    for (const row of matrix.rows)
      for (const c of row.cells) expect(c.rating).toBe(rateSufficiency(c, matrix.thresholds))
    expect(cell('North', 'residential').rating).toBe('sufficient')
    expect(cell('North', 'nursing').rating).toBe('low')
    expect(cell('South', 'home_care').rating).toBe('sufficient')
    expect(cell('South', 'residential').rating).toBe('not_enough_data')
    expect(cell('East', 'nursing').rating).toBe('not_enough_data')
    expect(cell('North', 'residential').successPercent).toBeCloseTo((5 / 6) * 100)
  })

  it('follows the council’s own thresholds', async () => {
    const db = t.database.db
    await updateSufficiencyThresholds(
      db,
      home.councilId,
      { ...DEFAULT_SUFFICIENCY_THRESHOLDS, sufficientSuccessPercent: 90, minRequests: 3 },
      system,
    )
    const stricter = await sufficiencyMatrix(db, home.councilId, NOW)
    const c = (area: string, type: PlacementType) =>
      stricter.rows.find((r) => r.pcnArea === area)?.cells.find((x) => x.placementType === type)?.rating
    expect(c('North', 'residential')).toBe('medium')
    // Three requests now rate: all sourced within days, but no vacancy reported.
    expect(c('South', 'residential')).toBe('medium')
    await updateSufficiencyThresholds(db, home.councilId, DEFAULT_SUFFICIENCY_THRESHOLDS, system)
  })
})

describe('sufficiency thresholds', () => {
  it('defaults for a council without settings, and keeps other councils apart', async () => {
    expect(await getSufficiencyThresholds(t.database.db, other.councilId)).toEqual(
      DEFAULT_SUFFICIENCY_THRESHOLDS,
    )
  })

  it('saves valid thresholds with an audit entry of what changed', async () => {
    const db = t.database.db
    const values = { ...DEFAULT_SUFFICIENCY_THRESHOLDS, periodDays: 60, lowMedianDays: 28 }
    await updateSufficiencyThresholds(db, other.councilId, values, system)
    expect(await getSufficiencyThresholds(db, other.councilId)).toEqual(values)
    const audit = await db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.councilId, other.councilId),
          eq(auditLog.action, 'market_settings.sufficiency_updated'),
        ),
      )
    expect(audit.at(-1)?.details).toEqual({
      periodDays: { from: 90, to: 60 },
      lowMedianDays: { from: 21, to: 28 },
    })
  })

  it.each([
    [{ periodDays: '' }, 'periodDays'],
    [{ periodDays: '6' }, 'periodDays'],
    [{ minRequests: '0' }, 'minRequests'],
    [{ minRequests: '2.5' }, 'minRequests'],
    [{ sufficientSuccessPercent: '101' }, 'sufficientSuccessPercent'],
    [{ lowSuccessPercent: '80' }, 'lowSuccessPercent'],
    [{ lowSuccessPercent: '-1' }, 'lowSuccessPercent'],
    [{ lowMedianDays: '7' }, 'lowMedianDays'],
    [{ sufficientMedianDays: 'seven' }, 'sufficientMedianDays'],
  ])('refuses %o', async (change, field) => {
    const input = { ...DEFAULT_SUFFICIENCY_THRESHOLDS, ...change }
    const error = await updateSufficiencyThresholds(t.database.db, home.councilId, input, system).catch(
      (e) => e,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors.map((e) => e.field)).toEqual([field])
  })
})
