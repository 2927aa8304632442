import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { getCouncilByCode } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { createDemo } from '../../demo/generate.ts'
import { simulate } from '../../simulator/simulate.ts'
import { rebuildRequestOutcomes } from './outcomes.ts'

let database: DatabaseHandle
let councilId: number

async function outcomes() {
  const result = await database.db.execute(sql`
    select request_id, council_id, person_id, service_type, preferred_outcode,
      submitted_at, published_at, awarded_at, cancelled_at
    from request_outcomes where council_id = ${councilId} order by request_id`)
  return (result as unknown as { rows: Record<string, unknown>[] }).rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v instanceof Date ? v.toISOString() : v === null ? null : String(v),
      ]),
    ),
  )
}

beforeAll(async () => {
  database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  councilId = (await getCouncilByCode(database.db, 'DEMO')).id
  // Three simulated weeks of the brokerage services: submissions, publications, awards over
  // several rounds, visits awarded one by one, cancellations.
  await simulate(database.db, {
    councilCode: 'DEMO',
    weeks: 3,
    seed: 5,
    start: new Date('2026-03-02T10:00:00Z'),
    volume: 0.25,
  })
})

afterAll(async () => database?.close())

describe('request_outcomes', () => {
  it('is kept by the brokerage services exactly as a rebuild from the raw history makes it', async () => {
    const kept = await outcomes()
    const count = (column: string) => kept.filter((row) => row[column] !== null).length
    // The history gives every column something to hold.
    expect(count('published_at')).toBeGreaterThan(10)
    expect(count('awarded_at')).toBeGreaterThan(5)
    expect(count('cancelled_at')).toBeGreaterThan(0)
    await rebuildRequestOutcomes(database.db, councilId)
    expect(await outcomes()).toEqual(kept)
  })
})
