import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedCouncil, testConfig } from '../../test/helpers.ts'
import { runCommandOn } from '../../test/support/cli.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { placePerson, prepareFailingCouncil } from '../../test/support/failure-fixture.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import { type DatabaseHandle, openDatabase } from '../db/connection.ts'
import { failureCases, sourcingRequests } from '../db/schema.ts'
import { recordMarketEvent } from '../market/events/service.ts'
import { londonDate } from '../shared/dates.ts'
import { CliUsageError } from './context.ts'

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

const runInProcess = (args: string[]) => runCommandOn(database, args)

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

describe('a re-sourcing run whose process is killed part-way', () => {
  const bin = path.resolve(import.meta.dirname, '../../bin/caremarket.js')
  it.skipIf(Boolean(process.env.TEST_DATABASE_URL))(
    'keeps every batch it committed whole, and the next run makes the rest with no duplicate (embedded database)',
    async () => {
      const scratch = mkdtempSync(path.join(tmpdir(), 'caremarket-failure-kill-'))
      const dataDir = path.join(scratch, 'data')
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        CAREMARKET_DATA_DIR: dataDir,
        CAREMARKET_PASSWORD_COST_LOG2: '10',
        LOG_LEVEL: 'warn',
      }
      delete env.DATABASE_URL
      let killed: DatabaseHandle | null = await openDatabase({ kind: 'pglite', dataDir })
      try {
        await killed.migrate()
        const home = await seedCouncil(killed, 'KILLF', testConfig())
        await prepareFailingCouncil(killed.db, home)
        const at = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
        const people: number[] = []
        for (let i = 0; i < 80; i++)
          people.push((await placePerson(killed.db, home.councilId, at, { name: `Killed ${i}` })).personId)
        const event = await recordMarketEvent(
          killed.db,
          home.councilId,
          {
            kind: 'closure',
            locationId: home.providerA.locationId,
            occurredOn: addCalendarDays(londonDate(new Date()), -1),
            peopleAffected: 80,
          },
          { kind: 'system', label: 'test' },
        )
        // The embedded database is the running process's alone.
        await killed.close()
        killed = null
        const args = [
          'failure',
          'respond',
          '--council',
          'KILLF',
          '--event',
          String(event.id),
          '--last-day',
          lastDay,
        ]

        // Killed once its first batch has committed.
        const child = spawn(process.execPath, [bin, ...args, '--json'], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        })
        const exited = once(child, 'exit')
        let stderr = ''
        await new Promise<void>((resolve, reject) => {
          child.stderr?.on('data', (d) => {
            stderr += d
            if (stderr.includes('requests made')) {
              child.kill('SIGKILL')
              resolve()
            }
          })
          child.on('exit', () => reject(new Error(`the run ended before it was killed: ${stderr}`)))
        })
        await exited

        const counts = async () => {
          const database = await openDatabase({ kind: 'pglite', dataDir })
          try {
            const requests = await database.db
              .select({ personId: sourcingRequests.personId, id: sourcingRequests.id })
              .from(sourcingRequests)
              .where(sql`${sourcingRequests.excludedProviderIds} <> '{}'`)
            const linked = await database.db
              .select({ requestId: failureCases.requestId })
              .from(failureCases)
              .where(sql`${failureCases.requestId} is not null`)
            return { requests, linked }
          } finally {
            await database.close()
          }
        }
        // No request without its case, none twice, and at least the committed batch.
        const cut = await counts()
        expect(cut.requests.length).toBeGreaterThanOrEqual(25)
        expect(new Set(cut.requests.map((r) => r.personId)).size).toBe(cut.requests.length)
        expect(new Set(cut.linked.map((c) => c.requestId))).toEqual(new Set(cut.requests.map((r) => r.id)))

        // Run again to the end: everyone once.
        const again = spawn(process.execPath, [bin, ...args, '--json'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        again.stdout?.on('data', (d) => {
          stdout += d
        })
        const [code] = await once(again, 'exit')
        expect(code).toBe(0)
        expect(JSON.parse(stdout).resourced).toMatchObject({ created: 80 - cut.requests.length })
        const done = await counts()
        expect(done.requests).toHaveLength(80)
        expect(new Set(done.requests.map((r) => r.personId))).toEqual(new Set(people))
        expect(done.linked).toHaveLength(80)
      } finally {
        await killed?.close()
        rmSync(scratch, { recursive: true, force: true })
      }
    },
  )
})
