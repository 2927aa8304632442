// Running the CLI in tests: as the real binary in a child process, where what is tested is the
// process (its exit code, one JSON document on stdout, stdin, signals), or in process, where
// only the command's parsing and answer are: each spawn loads the whole service, seconds of CPU.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { vi } from 'vitest'
import { cliContext, createCliContext } from '../../src/cli/context.ts'
import { buildProgram, runCli } from '../../src/cli/index.ts'
import type { DatabaseHandle } from '../../src/db/connection.ts'
import { testConfig } from '../helpers.ts'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export const caremarketBin = path.resolve(import.meta.dirname, '../../bin/caremarket.js')

/** `caremarket <args>` as a process, with this environment and stdin. */
export function runBinary(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [caremarketBin, ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.stdin.end(stdin ?? '')
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** `caremarket <args>` in this process, configured from env, with what it writes captured. */
export async function runCliWithEnv(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await runCli(args, createCliContext(env))
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

/**
 * `caremarket <args>` in this process on an open test database, returning what it wrote to
 * stdout. A refusal throws as the command threw it (a CliUsageError, a ValidationError), with what
 * was printed before it as `printed`.
 */
export async function runCommandOn(database: DatabaseHandle, args: string[]): Promise<string> {
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
  } catch (error) {
    throw Object.assign(error as Error, { printed: out })
  } finally {
    write.mockRestore()
  }
  return out
}
