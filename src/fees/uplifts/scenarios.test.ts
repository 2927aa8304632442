// Saved uplift scenarios: the database holds a year to one chosen scenario whatever writes, and
// what the Market Position Statement may publish is the chosen one's uplifts only.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { upliftScenarios } from '../../db/schema.ts'
import { chooseScenario, listScenarios, saveScenario } from './scenarios.ts'
import { createUpliftsService } from './service.ts'

const SYSTEM = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let councilId: number

beforeAll(async () => {
  database = await createTestDatabase()
  councilId = (await seedCouncil(database, 'SCEN', testConfig())).councilId
})
afterAll(async () => database?.close())

describe('saved uplift scenarios', () => {
  it('keeps one chosen scenario a year in the database, and publishes only its uplifts and why', async () => {
    const db = database.db
    const a = await saveScenario(db, councilId, 2027, { name: 'A', scenario: { default: 3 } }, SYSTEM)
    const b = await saveScenario(
      db,
      councilId,
      2027,
      { name: 'B', scenario: { default: 5, 'home-support': { uplift: 6.5, hourlyRatePence: 2500 } } },
      SYSTEM,
    )
    const uplifts = createUpliftsService(db)
    expect(await uplifts.publishedUplift(councilId, 2027)).toBeNull()
    await chooseScenario(db, councilId, 2027, a.id, { rationale: 'First thoughts' }, SYSTEM)
    await chooseScenario(db, councilId, 2027, b.id, { rationale: 'Cabinet agreed' }, SYSTEM)
    expect(
      (await listScenarios(db, councilId, 2027)).map((s) => [s.name, s.chosen?.rationale ?? null]),
    ).toEqual([
      ['B', 'Cabinet agreed'],
      ['A', null],
    ])
    // Written behind the service's back, a second chosen scenario in the year is refused.
    await expect(
      db
        .update(upliftScenarios)
        .set({ chosenAt: new Date(), chosenBy: 'x', rationale: 'x' })
        .where(and(eq(upliftScenarios.councilId, councilId), eq(upliftScenarios.id, a.id))),
    ).rejects.toThrow()
    // A chosen scenario always has why; one not chosen never does.
    await expect(
      db.update(upliftScenarios).set({ rationale: null }).where(eq(upliftScenarios.id, b.id)),
    ).rejects.toThrow()

    const published = await uplifts.publishedUplift(councilId, 2027)
    expect(published).toMatchObject({ year: 2027, label: '2027/28', rationale: 'Cabinet agreed' })
    const home = published?.sectors.find((s) => s.sector === 'home-support')
    expect(home).toEqual({
      sector: 'home-support',
      label: 'Home support',
      upliftPercent: 6.5,
      newRate: { unit: 'hourly', pence: 2500 },
    })
    expect(published?.sectors.find((s) => s.sector === 'older-people-nursing')?.upliftPercent).toBe(5)
    expect(Object.keys(published ?? {})).not.toContain('scenarios')
    // Another year has none chosen.
    expect(await uplifts.publishedUplift(councilId, 2028)).toBeNull()
  })
})
