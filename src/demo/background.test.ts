import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, PASSWORD } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { getCouncilByCode } from '../accounts/service.ts'
import type { Database } from '../db/connection.ts'
import { fillDemoHistory, planDemoHistory, unfinishedDemoHistories } from './background.ts'
import { createDemo } from './generate.ts'

// The demo's first start: the council exists and people can sign in while its history is still being
// written; a start stopped part-way leaves whole weeks, and the next one finishes the history with
// exactly the rows one uninterrupted run writes.
const END = new Date('2026-03-11T15:30:00Z')
const PLAN = { weeks: 3, seed: 4, end: END }

let app: Awaited<ReturnType<typeof createTestApp>>
let councilId: number

async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows
}

async function progress(db: Database) {
  const [row] = await rows<{ weeks_written: number; completed: boolean }>(
    db,
    sql`select weeks_written, completed_at is not null as completed from demo_histories where council_id = ${councilId}`,
  )
  return row
}

/** The history's rows that a duplicate or a gap would show in: requests, offers and capacity reports. */
async function historyRows(db: Database, council: number) {
  return {
    requests: await rows(
      db,
      sql`select id, person_id, status, service_type from sourcing_requests where council_id = ${council} order by id`,
    ),
    offers: await rows(
      db,
      sql`select id, request_id, location_id, status from offers where council_id = ${council} order by id`,
    ),
    events: await rows(
      db,
      sql`select id, request_id, to_status from request_events where council_id = ${council} order by id`,
    ),
    homeCare: await rows(
      db,
      sql`select id, location_id, outcode from home_care_capacity_reports where council_id = ${council} order by id`,
    ),
  }
}

beforeAll(async () => {
  app = await createTestApp()
  await createDemo(app.database.db, { scale: 1, seed: 1, password: PASSWORD, passwordCostLog2: 10 })
  councilId = (await getCouncilByCode(app.database.db, 'DEMO')).id
  await planDemoHistory(app.database.db, councilId, PLAN)
}, 120_000)
afterAll(async () => app?.close())

describe('the demo history written in the background', () => {
  it('lets people sign in before it is written, survives a stop part-way, and ends as one run would', async () => {
    const db = app.database.db
    expect(await unfinishedDemoHistories(db)).toEqual([councilId])

    // The first start: held before its first week is written, while a broker signs in.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let reachedFirstWeek: () => void = () => {}
    const atFirstWeek = new Promise<void>((resolve) => {
      reachedFirstWeek = resolve
    })
    const firstStart = fillDemoHistory(db, councilId, {
      beforeWeek: async (week) => {
        if (week === 0) {
          reachedFirstWeek()
          await held
        }
        // The service stops during the second week.
        if (week === 1) throw new Error('stopped')
      },
    })
    await atFirstWeek
    const broker = new Client(app.app)
    expect((await broker.get('/sign-in')).statusCode).toBe(200)
    await broker.signIn('broker@demo.caremarket.example')
    expect((await broker.get('/')).statusCode).toBe(200)
    expect(await progress(db)).toEqual({ weeks_written: 0, completed: false })
    release()
    await expect(firstStart).rejects.toThrow('stopped')
    expect(await progress(db)).toEqual({ weeks_written: 1, completed: false })
    expect(await unfinishedDemoHistories(db)).toEqual([councilId])

    // The next start finishes it; one after that has nothing to do.
    const finished = await fillDemoHistory(db, councilId)
    expect(finished?.requests).toBeGreaterThan(50)
    expect(await progress(db)).toMatchObject({ completed: true })
    expect(await unfinishedDemoHistories(db)).toEqual([])
    expect(await fillDemoHistory(db, councilId)).toBeNull()

    // The same rows as a run never stopped, and a request the broker adds takes an id of its own.
    const reference = await createTestDatabase()
    try {
      await createDemo(reference.db, { scale: 1, seed: 1, password: PASSWORD, passwordCostLog2: 10 })
      const referenceCouncil = (await getCouncilByCode(reference.db, 'DEMO')).id
      await planDemoHistory(reference.db, referenceCouncil, PLAN)
      await fillDemoHistory(reference.db, referenceCouncil)
      const written = await historyRows(db, councilId)
      expect(written.requests.length).toBe(finished?.requests)
      expect(written.homeCare.length).toBeGreaterThan(0)
      expect(written).toEqual(await historyRows(reference.db, referenceCouncil))
    } finally {
      await reference.close()
    }
  }, 300_000)
})
