import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCliWithEnv, runCommandOn } from '../../test/support/cli.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { createTestRequest, setRequestStatus } from '../../test/support/offers-factory.ts'
import { createCouncil } from '../accounts/service.ts'
import { markUnsourced } from '../brokerage/offers/award.ts'
import type { DatabaseHandle } from '../db/connection.ts'

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let requestId: number

beforeAll(async () => {
  database = await createTestDatabase()
  const council = await createCouncil(database.db, { code: 'ICLC', name: 'ICL CLI Council' }, system)
  ;({ requestId } = await createTestRequest(database.db, council.id, { publish: false }))
  await setRequestStatus(database.db, requestId, 'closed')
  await markUnsourced(database.db, { councilId: council.id, actor: system }, requestId, {})
})
afterAll(async () => database?.close())

const runInProcess = (args: string[]) => runCommandOn(database, args)

describe('caremarket icl', () => {
  it('prints the list now, and nothing before the request was unsourced', async () => {
    const now = JSON.parse(await runInProcess(['icl', '--council', 'iclc', '--json']))
    expect(now.people).toBe(1)
    expect(now.entries[0].requestId).toBe(requestId)
    const before = JSON.parse(
      await runInProcess(['icl', '--council', 'ICLC', '--at', '2020-01-01', '--json']),
    )
    expect(before.people).toBe(0)
    expect(await runInProcess(['icl', '--council', 'ICLC'])).toMatch(/^Interim Care List at .*\n {2}1 people/)
  })

  it('exits non-zero with a message for an unknown council or a bad date', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'caremarket-icl-'))
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, CAREMARKET_DATA_DIR: dir, LOG_LEVEL: 'warn' }
      delete env.DATABASE_URL
      const run = (args: string[]) => runCliWithEnv(args, env)
      const unknown = await run(['icl', '--council', 'NOPE'])
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toContain('No council has the code NOPE')
      const badDate = await run(['icl', '--council', 'NOPE', '--at', 'yesterday'])
      expect(badDate.code).toBe(2)
      expect(badDate.stderr).toContain('--at must be a date')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
