import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { getCouncilByCode } from '../accounts/service.ts'
import { CliUsageError, cliContext } from '../cli/context.ts'
import { buildProgram } from '../cli/index.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { marketEvents, packageHandBacks, sourcingRequests } from '../db/schema.ts'
import { createDemo } from '../demo/generate.ts'
import { getResponse } from '../market/failures/service.ts'

let database: DatabaseHandle

beforeAll(async () => {
  database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
})
afterAll(async () => database?.close())

async function run(args: string[]): Promise<string> {
  const context = cliContext(
    () => testConfig(),
    <T>(work: (d: DatabaseHandle) => Promise<T>) => work(database),
  )
  let out = ''
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  try {
    await buildProgram(context).parseAsync(args, { from: 'user' })
  } finally {
    write.mockRestore()
  }
  return out
}

describe('caremarket simulate --scenario', () => {
  it('closes a care home with its residents, re-sources them all and re-places some', async () => {
    const summary = JSON.parse(
      await run([
        'simulate',
        '--council',
        'demo',
        '--scenario',
        'closure',
        '--residents',
        '4',
        '--re-place',
        '50',
        '--json',
      ]),
    )
    expect(summary).toMatchObject({ scenario: 'closure', cases: 4, published: 4 })
    expect(summary.requests).toHaveLength(4)
    expect(summary.rePlaced).toHaveLength(2)
    const council = await getCouncilByCode(database.db, 'DEMO')
    const [event] = await database.db
      .select()
      .from(marketEvents)
      .where(eq(marketEvents.id, summary.marketEventId))
    expect(event).toMatchObject({ kind: 'closure', locationId: summary.locationId, peopleAffected: 4 })
    const view = await getResponse(database.db, council.id, summary.marketEventId)
    const states = view.cases.map((c) => c.state)
    expect(states.filter((s) => s === 're_placed')).toHaveLength(2)
    expect(new Set(states).size).toBeGreaterThan(1)

    // The allocation optimiser takes the event's requests: the two re-placed are no longer waiting.
    const allocation = JSON.parse(
      await run(['allocate', '--council', 'DEMO', '--event', String(summary.marketEventId), '--json']),
    )
    expect(allocation.requests).toBe(2)
    expect(allocation.skipped.map((s: { requestId: number }) => s.requestId).sort()).toEqual(summary.rePlaced)
  })

  it('has an agency hand back a share of its hours, with full notice, and re-sources some', async () => {
    const summary = JSON.parse(
      await run([
        'simulate',
        '--council',
        'DEMO',
        '--scenario',
        'handbacks',
        '--packages',
        '4',
        '--percent',
        '50',
        '--re-source',
        '50',
        '--json',
      ]),
    )
    expect(summary.scenario).toBe('handbacks')
    expect(summary.hoursHandedBack).toBeGreaterThanOrEqual(summary.hoursBefore / 2)
    expect(summary.handBacks.length).toBeGreaterThan(0)
    const council = await getCouncilByCode(database.db, 'DEMO')
    const rows = await database.db
      .select()
      .from(packageHandBacks)
      .where(
        and(
          eq(packageHandBacks.councilId, council.id),
          eq(packageHandBacks.providerOrganisationId, summary.providerOrganisationId),
        ),
      )
    expect(rows).toHaveLength(summary.handBacks.length)
    expect(rows.every((r) => r.shortNoticeReason === null && r.lastDay === summary.lastDay)).toBe(true)
    expect(summary.requests).toHaveLength(Math.round(summary.handBacks.length / 2))
    for (const requestId of summary.requests) {
      const [request] = await database.db
        .select({ status: sourcingRequests.status, excluded: sourcingRequests.excludedProviderIds })
        .from(sourcingRequests)
        .where(eq(sourcingRequests.id, requestId))
      expect(request?.excluded).toEqual([summary.providerOrganisationId])
    }
  })

  it('refuses an unknown scenario, and weeks with a scenario', async () => {
    await expect(run(['simulate', '--council', 'DEMO', '--scenario', 'flood'])).rejects.toThrow(CliUsageError)
    await expect(
      run(['simulate', '--council', 'DEMO', '--scenario', 'closure', '--weeks', '2']),
    ).rejects.toThrow(CliUsageError)
  })
})
