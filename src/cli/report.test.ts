import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCliWithEnv, runCommandOn } from '../../test/support/cli.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { createCouncil } from '../accounts/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { DEFAULT_CHROMIUM_PATH } from '../shared/pdf.ts'
import { CliUsageError } from './context.ts'
import { runCli } from './index.ts'

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let dir: string

beforeAll(async () => {
  database = await createTestDatabase()
  await createCouncil(database.db, { code: 'RPTC', name: 'Report CLI Council' }, system)
  dir = mkdtempSync(path.join(tmpdir(), 'caremarket-report-'))
})
afterAll(async () => {
  await database?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const runInProcess = (args: string[]) => runCommandOn(database, args)

const PERIOD = ['--from', '2026-01-01', '--to', '2026-03-31']

describe('caremarket report market', () => {
  it('writes the committee report as a standalone HTML document', async () => {
    const out = path.join(dir, 'market.html')
    expect(await runInProcess(['report', 'market', '--council', 'rptc', ...PERIOD, '--out', out])).toContain(
      out,
    )
    const html = readFileSync(out, 'utf8')
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).toContain('Social care market update')
    expect(html).toContain('Report CLI Council')
    expect(html).toContain('1 January 2026 to 31 March 2026')
    expect(html).not.toMatch(/<script/i)
  })

  it.skipIf(!existsSync(DEFAULT_CHROMIUM_PATH))(
    'prints it to a tagged PDF with Chromium, beside its HTML',
    async () => {
      vi.stubEnv('CHROMIUM_PATH', DEFAULT_CHROMIUM_PATH)
      try {
        const out = path.join(dir, 'market.pdf')
        await runInProcess(['report', 'market', '--council', 'RPTC', ...PERIOD, '--out', out])
        const pdf = readFileSync(out).toString('latin1')
        expect(pdf.slice(0, 4)).toBe('%PDF')
        // Tagged: its structure is there for screen readers.
        expect(pdf).toContain('/StructTreeRoot')
        expect(pdf).toMatch(/\/MarkInfo\s*<<[^>]*\/Marked\s+true/)
        expect(readFileSync(path.join(dir, 'market.html'), 'utf8')).toContain('Social care market update')
      } finally {
        vi.unstubAllEnvs()
      }
    },
    60_000,
  )

  it('says how to install Chromium when it is missing, and still writes the HTML', async () => {
    vi.stubEnv('CHROMIUM_PATH', path.join(dir, 'no-chromium-here'))
    try {
      const out = path.join(dir, 'missing.pdf')
      const run = runInProcess(['report', 'market', '--council', 'RPTC', ...PERIOD, '--out', out])
      await expect(run).rejects.toThrow(
        /Chromium was not found at .*no-chromium-here.*apt-get install -y chromium.*CHROMIUM_PATH/,
      )
      expect(existsSync(out)).toBe(false)
      expect(readFileSync(path.join(dir, 'missing.html'), 'utf8')).toContain('Social care market update')
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('exits non-zero with a message for bad dates, a reversed range or an unknown kind of file', async () => {
    let err = ''
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk)
      return true
    })
    const cases = [
      [['--from', '2026-02-30', '--to', '2026-03-31', '--out', 'a.html'], '--from must be a date'],
      [['--from', '2026-01-01', '--to', 'soon', '--out', 'a.html'], '--to must be a date'],
      [['--from', '2026-03-01', '--to', '2026-01-31', '--out', 'a.html'], 'must be on or before --to'],
      [[...PERIOD, '--out', 'a.docx'], '--out must name a .html or .pdf file'],
    ] as const
    try {
      for (const [args, message] of cases) {
        err = ''
        const code = await runCli(['report', 'market', '--council', 'RPTC', ...args])
        expect(code, message).toBe(2)
        expect(err, message).toContain(message)
      }
    } finally {
      write.mockRestore()
    }
    // Caught once the period is checked against today: still a usage error, exit 2.
    const future = runInProcess([
      'report',
      'market',
      '--council',
      'RPTC',
      '--from',
      '2026-01-01',
      '--to',
      '2999-01-01',
      '--out',
      path.join(dir, 'future.html'),
    ])
    await expect(future).rejects.toBeInstanceOf(CliUsageError)
    await expect(future).rejects.toThrow('The end date must be today or in the past')
  })

  it('exits 1 naming an unknown council', async () => {
    const data = mkdtempSync(path.join(tmpdir(), 'caremarket-report-db-'))
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, CAREMARKET_DATA_DIR: data, LOG_LEVEL: 'warn' }
      delete env.DATABASE_URL
      const result = await runCliWithEnv(
        ['report', 'market', '--council', 'NOPE', ...PERIOD, '--out', path.join(data, 'x.html')],
        env,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('No council has the code NOPE')
    } finally {
      rmSync(data, { recursive: true, force: true })
    }
  })
})
