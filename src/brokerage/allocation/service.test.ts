import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { runCommandOn } from '../../../test/support/cli.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import {
  createTestRequest,
  NORWICH,
  placeInvitableLocation,
  shapeLocation,
} from '../../../test/support/offers-factory.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { recordCapacity } from '../../providers/capacity/service.ts'
import { proposeAllocation } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let fixture: Fixture
let first: number
let second: number

// Two care homes with one residential vacancy each: A (Outstanding) in Norwich, B (Good) about 8
// miles away. The first person can go to either and would rather go to A; the second can only
// reach A. Greedy serves the first comer first and leaves the second person unplaced.
beforeAll(async () => {
  database = await createTestDatabase()
  const { db } = database
  fixture = await seedCouncil(database, 'ALLOC', testConfig())
  await placeInvitableLocation(db, fixture)
  await shapeLocation(db, fixture.providerB.locationId, { cqcRating: 'Outstanding', name: 'Alder House' })
  await shapeLocation(db, fixture.providerA.locationId, {
    latitude: NORWICH.latitude + 0.115,
    longitude: NORWICH.longitude,
    serviceTypes: ['residential_home'],
    cqcRating: 'Good',
    name: 'Birch House',
  })
  for (const [org, locationId] of [
    [fixture.providerA.id, fixture.providerA.locationId],
    [fixture.providerB.id, fixture.providerB.locationId],
  ] as const) {
    await recordCapacity(
      db,
      { councilId: fixture.councilId, providerOrganisationId: org },
      system,
      [{ field: 'capacity', locationId, bedType: 'residential', vacancies: 1 }],
      { source: 'web' },
    )
  }
  const now = Date.now()
  ;({ requestId: first } = await createTestRequest(
    db,
    fixture.councilId,
    { person: { name: 'Ada First', nhsNumber: null }, maxDistanceMiles: 15 },
    new Date(now - 3 * 86_400_000),
  ))
  ;({ requestId: second } = await createTestRequest(
    db,
    fixture.councilId,
    { person: { name: 'Bea Second', nhsNumber: null }, maxDistanceMiles: 4 },
    new Date(now - 86_400_000),
  ))
})
afterAll(async () => database?.close())

const runCli = (args: string[]) => runCommandOn(database, args)

describe('allocation from the live facts', () => {
  it('reads vacancies and eligibility, and places both people where greedy places one', async () => {
    const proposal = await proposeAllocation(database.db, fixture.councilId)
    expect(proposal.problem.requests.map((r) => r.requestId)).toEqual([first, second])
    expect(proposal.greedy.peoplePlaced).toBe(1)
    expect(proposal.optimal.status).toBe('Optimal')
    expect(proposal.optimal.peoplePlaced).toBe(2)
    expect(proposal.morePeople).toBe(1)
    const where = new Map(proposal.optimal.assignments.map((a) => [a.requestId, a.option.locationName]))
    expect(where.get(first)).toBe('Birch House')
    expect(where.get(second)).toBe('Alder House')
    const why = proposal.people.find((p) => p.requestId === first)?.why
    expect(why).toMatch(
      /^Birch House: rated Good.*a reported vacancy with no offer yet.*greedy would have sent them to Alder House/,
    )
  })

  it('caremarket allocate --json gives both runs’ figures', async () => {
    const json = JSON.parse(await runCli(['allocate', '--council', 'alloc', '--json']))
    expect(json.optimal).toMatchObject({ status: 'Optimal', peoplePlaced: 2, hoursPlaced: 0 })
    expect(json.greedy).toMatchObject({ peoplePlaced: 1, hoursPlaced: 0 })
    expect(typeof json.optimal.objective).toBe('number')
    expect(json.optimal.objective).toBeGreaterThan(json.greedy.objective)
    const only = JSON.parse(
      await runCli(['allocate', '--council', 'ALLOC', '--requests', `${second},999999`, '--json']),
    )
    expect(only.requests).toBe(1)
    expect(only.optimal.peoplePlaced).toBe(1)
    expect(only.skipped).toEqual([{ requestId: 999999, reason: 'No such request in this council' }])
  })

  it('caremarket allocate prints a summary, and refuses a bad list of requests', async () => {
    const text = await runCli(['allocate', '--council', 'ALLOC'])
    expect(text).toMatch(/^2 requests to place\n {2}optimal \(Optimal\): 2 people/)
    await expect(runCli(['allocate', '--council', 'ALLOC', '--requests', '3,x'])).rejects.toThrow(
      /--requests must be request IDs separated by commas/,
    )
  })
})
