import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataDirectoryInUseError, openDatabase } from './connection.ts'
import { currentOwner, type LockOwner, lockDataDirectory, lockPaths } from './data-directory-lock.ts'

const holder = path.resolve(import.meta.dirname, '../../test/hold-data-directory.ts')
const scratch = mkdtempSync(path.join(tmpdir(), 'caremarket-lock-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// No process has this number here; elsewhere, it may be running.
const NO_SUCH_PID = 999_999_999
let dirs = 0
function dataDir(): string {
  const dir = path.join(scratch, `data-${++dirs}`)
  mkdirSync(dir)
  return dir
}

/** A Caremarket process holding the data directory, once it has opened it. */
async function startHolder(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  let stdout = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += d
      if (stdout.includes('ready')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`the holder exited (${code}): ${stderr}`)))
  })
  return child
}

/** A lock as a crashed or running process leaves it: the lock directory and its owner's record. */
function leaveLock(dir: string, owner: LockOwner, lockAgeMs = 0) {
  const paths = lockPaths(dir)
  mkdirSync(paths.lock)
  const at = new Date(Date.now() - lockAgeMs)
  utimesSync(paths.lock, at, at)
  writeFileSync(paths.owner, JSON.stringify(owner))
}

describe('the embedded database’s data directory lock', () => {
  it('opens at once after the process holding it was killed, and never while it runs', async () => {
    const dir = dataDir()
    const child = await startHolder(dir)
    try {
      await expect(openDatabase({ kind: 'pglite', dataDir: dir })).rejects.toThrow(DataDirectoryInUseError)
    } finally {
      const exited = child.exitCode === null ? once(child, 'exit') : Promise.resolve()
      child.kill('SIGKILL')
      await exited
    }
    const database = await openDatabase({ kind: 'pglite', dataDir: dir })
    try {
      await database.migrate()
      // And this process now holds it against the next.
      await expect(lockDataDirectory(dir)).rejects.toThrow(DataDirectoryInUseError)
    } finally {
      await database.close()
    }
    // Released on close: the next process gets it.
    const release = await lockDataDirectory(dir)
    await release()
  })

  it('breaks a lock whose process number now belongs to another process', async () => {
    const dir = dataDir()
    leaveLock(dir, { ...currentOwner(), processStart: '1' })
    const release = await lockDataDirectory(dir)
    await release()
  })

  it('judges a lock held from another host by its age alone', async () => {
    const fresh = dataDir()
    leaveLock(fresh, { hostname: 'another-host', pid: NO_SUCH_PID, processStart: null })
    await expect(lockDataDirectory(fresh)).rejects.toThrow(DataDirectoryInUseError)

    const abandoned = dataDir()
    leaveLock(abandoned, { hostname: 'another-host', pid: NO_SUCH_PID, processStart: null }, 10 * 60_000)
    const release = await lockDataDirectory(abandoned)
    await release()
  })

  it('never breaks the lock of a process on this host that is still running, however old', async () => {
    const dir = dataDir()
    leaveLock(dir, currentOwner(), 10 * 60_000)
    await expect(lockDataDirectory(dir)).rejects.toThrow(DataDirectoryInUseError)
  })
})
