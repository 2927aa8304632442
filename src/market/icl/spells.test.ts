import { asc, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { getCouncilByCode } from '../../accounts/service.ts'
import type { SystemCaller } from '../../brokerage/requests/callers.ts'
import { cancel, republish } from '../../brokerage/requests/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { iclSpells, iclSpellsPending, sourcingRequests } from '../../db/schema.ts'
import { createDemo } from '../../demo/generate.ts'
import { simulate } from '../../simulator/simulate.ts'
import { iclAt, rebuildIclSpells } from './service.ts'

// Three simulated weeks through the brokerage services, which keep the spells as they go; then
// the broker republishes one unsourced request and cancels another, taking both off the list.
let database: DatabaseHandle
let councilId: number

async function spells() {
  return database.db
    .select({ requestId: iclSpells.requestId, onAt: iclSpells.onAt, offAt: iclSpells.offAt })
    .from(iclSpells)
    .where(eq(iclSpells.councilId, councilId))
    .orderBy(asc(iclSpells.requestId), asc(iclSpells.onAt))
}

beforeAll(async () => {
  database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  councilId = (await getCouncilByCode(database.db, 'DEMO')).id
  await simulate(database.db, {
    councilCode: 'DEMO',
    weeks: 3,
    seed: 7,
    start: new Date('2026-03-02T10:00:00Z'),
    volume: 0.25,
  })
  const caller: SystemCaller = { kind: 'system', label: 'test', councilId }
  const unsourced = await database.db
    .select({ id: sourcingRequests.id })
    .from(sourcingRequests)
    .where(sql`${sourcingRequests.councilId} = ${councilId} and ${sourcingRequests.status} = 'unsourced'`)
    .orderBy(asc(sourcingRequests.id))
  const [first, second] = unsourced.map((r) => r.id) as [number, number]
  await republish(database.db, caller, first, {}, { now: new Date('2026-03-23T09:00:00Z') })
  await cancel(database.db, caller, second, {
    reason: 'The family has arranged care privately',
    now: new Date('2026-03-23T10:00:00Z'),
  })
})
afterAll(async () => database?.close())

describe('spells on the Interim Care List', () => {
  it('are kept with each change exactly as rebuilding them from the history makes them', async () => {
    const kept = await spells()
    expect(kept.some((s) => s.offAt === null)).toBe(true)
    expect(kept.some((s) => s.offAt !== null)).toBe(true)
    expect(await rebuildIclSpells(database.db, councilId)).toBe(kept.length)
    expect(await spells()).toEqual(kept)
  })

  it('hold the people on the list now as their open spells', async () => {
    const open = (await spells()).filter((s) => s.offAt === null).map((s) => s.requestId)
    const list = await iclAt(database.db, councilId, new Date('2026-04-01T12:00:00Z'))
    expect(list.entries.map((e) => e.requestId).sort((a, b) => a - b)).toEqual(open)
  })

  it('are made from the history the first time a council that had history before them has its list asked for', async () => {
    const kept = await spells()
    // As just after the migration that made the table: no spells, and the council waiting for them.
    await database.db.execute(sql`delete from icl_spells where council_id = ${councilId}`)
    await database.db.insert(iclSpellsPending).values({ councilId })
    const at = new Date('2026-03-12T12:00:00Z')
    const list = await iclAt(database.db, councilId, at)
    expect(await spells()).toEqual(kept)
    expect(list.people).toBe(kept.filter((s) => s.onAt <= at && (s.offAt === null || s.offAt > at)).length)
    expect(await database.db.select().from(iclSpellsPending)).toEqual([])
  })

  it('are never rebuilt on a read once made', async () => {
    await database.db.execute(sql`delete from icl_spells where council_id = ${councilId}`)
    const list = await iclAt(database.db, councilId, new Date('2026-03-12T12:00:00Z'))
    expect(list.people).toBe(0)
    expect(await spells()).toEqual([])
  })
})
