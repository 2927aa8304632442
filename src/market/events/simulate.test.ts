import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { getCouncilByCode } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog } from '../../db/schema.ts'
import { createDemo } from '../../demo/generate.ts'
import { listLocations } from '../../providers/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { marketEvents } from './schema.ts'
import { marketEventsSummary } from './service.ts'
import { MarketEventSimulator } from './simulate.ts'

const START = new Date('2026-03-02T08:00:00Z')
const actor = { kind: 'system', label: 'simulator' } as const

interface Run {
  database: DatabaseHandle
  councilId: number
  simulator: MarketEventSimulator
  scheduled: { at: number; run: () => Promise<void> }[]
  failed: number[]
}

async function demoRun(): Promise<Run> {
  const database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  const councilId = (await getCouncilByCode(database.db, 'DEMO')).id
  const { rows } = await listLocations(database.db, { councilId }, { offset: 0, limit: 1_000_000 })
  const run: Omit<Run, 'simulator'> = { database, councilId, scheduled: [], failed: [] }
  const simulator = new MarketEventSimulator(database.db, {
    councilId,
    seed: 4,
    actor,
    locations: rows.filter((l) => l.active),
    schedule: (at, work) => run.scheduled.push({ at, run: work }),
    onFailure: (ids) => run.failed.push(...ids),
  })
  return { ...run, simulator }
}

async function eventsOf(run: Run) {
  return run.database.db
    .select()
    .from(marketEvents)
    .where(eq(marketEvents.councilId, run.councilId))
    .orderBy(asc(marketEvents.id))
}

let first: Run
let second: Run

beforeAll(async () => {
  first = await demoRun()
  second = await demoRun()
  await first.simulator.history(START)
  await second.simulator.history(START)
})
afterAll(async () => {
  await first?.database.close()
  await second?.database.close()
})

describe('the demo council’s market events', () => {
  it('gives the same year of events for the same seed', async () => {
    const strip = (rows: Awaited<ReturnType<typeof eventsOf>>) =>
      rows.map(({ id, recordedAt, providerOrganisationId, locationId, ...rest }) => rest)
    const events = await eventsOf(first)
    expect(events.length).toBeGreaterThan(10)
    expect(strip(events)).toEqual(strip(await eventsOf(second)))
  })

  it('looks like Norfolk’s year: about 18 failures for 693 sites, about 20 people and £1,500 a person each', async () => {
    const to = londonDate(START)
    const summary = await marketEventsSummary(first.database.db, first.councilId, { from: '2025-03-01', to })
    const { failures } = summary
    // The demo council has about 600 sites: some 15 failures a year.
    expect(failures.events).toBeGreaterThanOrEqual(8)
    expect(failures.events).toBeLessThanOrEqual(28)
    const perFailure = failures.peopleAffected / failures.events
    expect(perFailure).toBeGreaterThan(8)
    expect(perFailure).toBeLessThan(45)
    const costed = failures.events - failures.costNotKnown
    expect(costed).toBeGreaterThan(0)
    expect(summary.byKind.find((k) => k.kind === 'opening')?.events).toBeGreaterThan(0)
    // Every event lies in the year before the start, and each failed location stops offering.
    for (const e of await eventsOf(first)) {
      expect(e.occurredOn < to).toBe(true)
      expect(e.occurredOn >= '2025-03-02').toBe(true)
    }
    expect(first.failed.length).toBeGreaterThanOrEqual(failures.events)
  })

  it('records each event through the service, audited as the commissioner would be', async () => {
    const events = await eventsOf(first)
    const audited = await first.database.db
      .select({ entityId: auditLog.entityId })
      .from(auditLog)
      .where(and(eq(auditLog.councilId, first.councilId), eq(auditLog.action, 'market_event.recorded')))
    expect(new Set(audited.map((a) => a.entityId))).toEqual(new Set(events.map((e) => String(e.id))))
    expect(events.every((e) => e.source === 'manual' && e.recordedBy === 'simulator')).toBe(true)
  })

  it('adds no second year when run again, and records a week’s events as they happen, their costs later', async () => {
    const before = (await eventsOf(first)).length
    await first.simulator.history(START)
    expect(await eventsOf(first)).toHaveLength(before)
    // Enough weeks that something happens; each failure's cost comes in weeks after it.
    for (let week = 0; week < 8; week++) first.simulator.week(START.getTime() + week * 7 * 86_400_000)
    const happened = [...first.scheduled].sort((a, b) => a.at - b.at)
    first.scheduled.length = 0
    for (const work of happened) await work.run()
    const after = await eventsOf(first)
    expect(after.length).toBeGreaterThan(before)
    for (const e of after.slice(before)) expect(e.occurredOn >= londonDate(START)).toBe(true)
    // The weeks' failures are costed later, by an update.
    const costs = first.scheduled.length
    expect(costs).toBe(
      after.slice(before).filter((e) => ['provider_exit', 'closure', 'deregistration'].includes(e.kind))
        .length,
    )
    for (const work of first.scheduled) await work.run()
    const costed = (await eventsOf(first)).slice(before).filter((e) => e.updatedAt !== null)
    expect(costed).toHaveLength(costs)
    expect(costed.every((e) => (e.extraCostPence ?? 0) > 0)).toBe(true)
  })
})
