import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { placePerson, prepareFailingCouncil } from '../../test/support/failure-fixture.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { recordMarketEvent } from '../market/events/service.ts'
import { londonDate } from '../shared/dates.ts'
import { CliUsageError, cliContext } from './context.ts'
import { buildProgram } from './index.ts'

let database: DatabaseHandle
let eventId: number
const lastDay = addCalendarDays(londonDate(new Date()), 3)

beforeAll(async () => {
  database = await createTestDatabase()
  const home = await seedCouncil(database, 'FCLI', testConfig())
  await prepareFailingCouncil(database.db, home)
  const at = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
  await placePerson(database.db, home.councilId, at, { name: 'Una Cli' })
  await placePerson(database.db, home.councilId, at, { name: 'Vic Cli' })
  const event = await recordMarketEvent(
    database.db,
    home.councilId,
    {
      kind: 'closure',
      locationId: home.providerA.locationId,
      occurredOn: addCalendarDays(londonDate(new Date()), -1),
      peopleAffected: 2,
    },
    { kind: 'system', label: 'test' },
  )
  eventId = event.id
})
afterAll(async () => database?.close())

async function runInProcess(args: string[]): Promise<string> {
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

describe('caremarket failure respond', () => {
  it('opens the response and re-sources everyone, and a second run makes nothing twice', async () => {
    const args = [
      'failure',
      'respond',
      '--council',
      'fcli',
      '--event',
      String(eventId),
      '--last-day',
      lastDay,
    ]
    const first = JSON.parse(await runInProcess([...args, '--json']))
    expect(first).toMatchObject({
      opened: true,
      lastDay,
      resourced: { created: 2, alreadyMade: 0, published: 2 },
      figures: { people: 2, rePlaced: 0 },
    })
    expect(first.cases.every((c: { requestId: number | null }) => c.requestId !== null)).toBe(true)
    const again = await runInProcess(args)
    expect(again).toMatch(/^Already open: response \d+ to market event \d+, last day of care/)
    expect(again).toContain('requests made now 0, before 2')
  })

  it('refuses a bad date or event number', async () => {
    await expect(
      runInProcess([
        'failure',
        'respond',
        '--council',
        'FCLI',
        '--event',
        String(eventId),
        '--last-day',
        '2027-02-30',
      ]),
    ).rejects.toThrow(CliUsageError)
    await expect(
      runInProcess(['failure', 'respond', '--council', 'FCLI', '--event', 'seven', '--last-day', lastDay]),
    ).rejects.toThrow(CliUsageError)
  })
})
