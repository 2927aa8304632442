// Running the CLI in tests: as the real binary in a child process, where what is tested is the
// process (its exit code, one JSON document on stdout, stdin, signals), or in process, where
// only the command's parsing and answer are: each spawn loads the whole service, seconds of CPU.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { vi } from 'vitest'
import { createCliContext } from '../../src/cli/context.ts'
import { runCli } from '../../src/cli/index.ts'

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
