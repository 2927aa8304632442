import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBinary, runCliWithEnv } from '../../test/support/cli.ts'
import { CQC_TEST_KEY, type CqcApiServer, startCqcApiServer } from '../../test/support/cqc-api-server.ts'
import { createCouncil } from '../accounts/service.ts'
import { openDatabase } from '../db/connection.ts'

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/cqc')
const scratch = mkdtempSync(path.join(tmpdir(), 'caremarket-import-api-cli-'))
const dataDir = path.join(scratch, 'data')

let server: CqcApiServer

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}, inProcess = false) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CAREMARKET_DATA_DIR: dataDir,
    CAREMARKET_PASSWORD_COST_LOG2: '10',
    LOG_LEVEL: 'warn',
    CAREMARKET_CQC_API_URL: server.url,
    ...extraEnv,
  }
  delete env.DATABASE_URL
  delete env.CAREMARKET_CQC_API_KEY
  if (extraEnv.CAREMARKET_CQC_API_KEY) env.CAREMARKET_CQC_API_KEY = extraEnv.CAREMARKET_CQC_API_KEY
  return inProcess ? runCliWithEnv(args, env) : runBinary(args, env)
}

beforeAll(async () => {
  server = await startCqcApiServer()
  for (const body of JSON.parse(readFileSync(path.join(fixtures, 'api-locations.json'), 'utf8')) as {
    locationId: string
  }[])
    server.locations.set(body.locationId, body)
  server.changes = [...server.locations.keys()]
  const database = await openDatabase({ kind: 'pglite', dataDir })
  try {
    await database.migrate()
    await createCouncil(
      database.db,
      { code: 'NORF', name: 'Norfolk County Council' },
      { kind: 'system', label: 'test' },
    )
  } finally {
    await database.close()
  }
})
afterAll(async () => {
  await server?.close()
  rmSync(scratch, { recursive: true, force: true })
})

// Refusals are about the command's answer, not the process: run in process, seconds quicker.
const refusal = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => run(args, extraEnv, true)

describe('caremarket import cqc --api', () => {
  it('refuses a bad --since, a missing key and a file given as well, saying why', async () => {
    const key = { CAREMARKET_CQC_API_KEY_NORF: CQC_TEST_KEY }
    const badSince = await refusal(
      ['import', 'cqc', '--api', '--council', 'NORF', '--since', '31/11/2026'],
      key,
    )
    expect(badSince.code).toBe(2)
    expect(badSince.stderr).toBe(
      'caremarket: --since must be a date (2026-12-01) or a date and time with its zone (2026-12-01T06:00:00Z), not "31/11/2026"\n',
    )
    const noKey = await refusal(['import', 'cqc', '--api', '--council', 'NORF', '--since', '2026-11-01'])
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain(
      'no CQC API subscription key for NORF: set CAREMARKET_CQC_API_KEY, or CAREMARKET_CQC_API_KEY_NORF',
    )
    const both = await refusal(['import', 'cqc', 'file.csv', '--api', '--council', 'NORF'], key)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('give a file or --api, not both')
    const first = await refusal(['import', 'cqc', '--api', '--council', 'NORF'], key)
    expect(first.code).toBe(1)
    expect(first.stderr).toContain('There is no earlier import to carry on from')
    expect(server.requests).toEqual([])
  })

  it('imports CQC’s changes and prints the same report as a file import; the next run carries on from there', async () => {
    const key = { CAREMARKET_CQC_API_KEY: CQC_TEST_KEY }
    const first = await run(
      ['import', 'cqc', '--api', '--council', 'NORF', '--since', '2026-11-01', '--json'],
      key,
    )
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toEqual({
      importId: expect.any(Number),
      added: 1,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      ended: 0,
      rejected: [{ line: 5, locationId: '1-5000000005', reason: 'missing CQC provider ID' }],
    })
    const again = await run(['import', 'cqc', '--api', '--council', 'NORF'], key)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('0 added, 0 updated, 1 unchanged, 0 marked inactive, 1 location rejected.')
    expect(again.stdout).toContain('5 (1-5000000005): missing CQC provider ID')
    expect(again.stdout).toContain('Left out 3 locations of other local authorities.')
  })
})
