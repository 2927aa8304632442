import { Command } from 'commander'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { type CliContext, CliUsageError, cliContext } from '../cli/context.ts'
import { registerDemoCommand } from '../cli/demo.ts'
import type { Config } from '../config.ts'

// Each command run gets a fresh database, as a new installation would.
const context: CliContext = cliContext(
  () => ({ demoPassword: 'caremarket-demo', passwordCostLog2: 10 }) as Config,
  async (work) => {
    const database = await createTestDatabase()
    try {
      return await work(database)
    } finally {
      await database.close()
    }
  },
)

async function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('caremarket').exitOverride()
  registerDemoCommand(program, context)
  for (const command of program.commands) command.exitOverride()
  let stdout = ''
  let stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  await program.parseAsync(['demo', ...args], { from: 'user' })
  vi.restoreAllMocks()
  return { stdout, stderr }
}

describe('caremarket demo', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('rejects a scale or seed out of range as a usage error', async () => {
    await expect(run('--scale', '0')).rejects.toThrow(CliUsageError)
    await expect(run('--scale', '201')).rejects.toThrow(/--scale must be a whole number from 1 to 200/)
    await expect(run('--scale', '1.5')).rejects.toThrow(CliUsageError)
    await expect(run('--seed', '-1')).rejects.toThrow(/--seed/)
    await expect(run('--seed', 'abc')).rejects.toThrow(CliUsageError)
  })

  it('prints exactly one JSON document with --json', async () => {
    const { stdout, stderr } = await run('--json', '--seed', '4')
    const result = JSON.parse(stdout) as {
      scale: number
      seed: number
      councils: { code: string; locations: number }[]
      users: { email: string }[]
      totals: { locations: number }
    }
    expect(result).toMatchObject({ scale: 1, seed: 4 })
    expect(result.councils.map((c) => c.code)).toEqual(['DEMO'])
    expect(result.totals.locations).toBe(result.councils[0]?.locations)
    expect(result.users.map((u) => u.email)).toContain('council-admin@demo.caremarket.example')
    expect(stderr).toBe('')
  })

  it('prints a readable summary with the demo sign-ins', async () => {
    const { stdout, stderr } = await run('--seed', '4')
    expect(stdout).toMatch(/^Created 1 demo council \(seed 4\)/)
    expect(stdout).toContain('DEMO  Demo Shire County Council (demo)')
    expect(stdout).toMatch(/5 localities, 1[3-7] PCN areas/)
    expect(stdout).toContain('Requires improvement')
    expect(stdout).toMatch(/broker\s+broker@demo\.caremarket\.example/)
    expect(stdout).toMatch(/provider_user\s+provider-user@demo\.caremarket\.example/)
    // Not a terminal, so no progress bar.
    expect(stderr).toBe('')
  })
})
