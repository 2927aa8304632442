// The embedded database is single-process: a second process opening the same data directory would
// corrupt it. proper-lockfile's lock (a directory whose mtime the holder keeps fresh) keeps a second
// process out; on its own it can only tell a dead holder by an mtime gone stale, so after a crash
// the data directory could not be opened for that long. So the holder also records who it is
// beside the lock (host, pid and when that process started, as pids are reused): a holder on this
// host whose process is gone is known dead at once and its lock is broken; a live one never is,
// however stale its mtime (PGlite runs on the event loop, so a long statement delays the refresh).
// A holder on another host (a shared filesystem) can only be judged by the mtime.
//
// Taking or breaking the lock happens under a short-lived guard lock, so that two processes
// starting together after a crash cannot both break it and both open the directory.

import { readFileSync } from 'node:fs'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import path from 'node:path'
import lockfile from 'proper-lockfile'

/** Over this long without a refresh, a lock held from another host is taken to be abandoned. */
const LOCK_STALE_MS = 30_000
const LOCK_UPDATE_MS = 5_000
// The guard is held for a few file operations: a guard that old was left by a crash.
const GUARD_STALE_MS = 2_000
const GUARD_RETRIES = { retries: 40, minTimeout: 25, maxTimeout: 100 }

export class DataDirectoryInUseError extends Error {
  constructor(dataDir: string) {
    super(
      `The data directory ${dataDir} is in use by another Caremarket process. ` +
        'Stop that process first, or point DATABASE_URL at a PostgreSQL server so that several can share it.',
    )
  }
}

/** Who holds the lock, as recorded beside it. */
export interface LockOwner {
  hostname: string
  pid: number
  /** When the process started, in the kernel's clock ticks since boot; null where unknown. */
  processStart: string | null
}

export function lockPaths(dataDir: string) {
  return {
    lock: path.join(dataDir, 'caremarket.lock'),
    owner: path.join(dataDir, 'caremarket.lock.owner'),
    guard: path.join(dataDir, 'caremarket.lock.guard'),
  }
}

/**
 * Locks the data directory for this process, breaking a lock whose holder is known to be dead.
 * Throws DataDirectoryInUseError while another process holds it. Resolves to the release.
 */
export async function lockDataDirectory(dataDir: string): Promise<() => Promise<void>> {
  const paths = lockPaths(dataDir)
  let releaseGuard: () => Promise<void>
  try {
    releaseGuard = await lockfile.lock(paths.guard, {
      lockfilePath: paths.guard,
      realpath: false,
      stale: GUARD_STALE_MS,
      retries: GUARD_RETRIES,
    })
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') throw new DataDirectoryInUseError(dataDir)
    throw error
  }
  try {
    const owner = await readOwner(paths.owner)
    if (owner && owner.hostname === hostname() && (await exists(paths.lock))) {
      if (isRunning(owner)) throw new DataDirectoryInUseError(dataDir)
      await rm(paths.lock, { recursive: true, force: true })
    }
    let release: () => Promise<void>
    try {
      // Otherwise proper-lockfile's own rule: a lock whose mtime is older than `stale` is abandoned.
      release = await lockfile.lock(paths.lock, {
        lockfilePath: paths.lock,
        realpath: false,
        stale: LOCK_STALE_MS,
        update: LOCK_UPDATE_MS,
        onCompromised: (error) => {
          // Another process has taken the directory: writing on would corrupt it.
          throw new Error(
            `Caremarket lost its lock on the data directory ${dataDir} (${error.message}) and stops ` +
              'so that two processes never write to it.',
          )
        },
      })
    } catch (error) {
      if ((error as { code?: string }).code === 'ELOCKED') throw new DataDirectoryInUseError(dataDir)
      throw error
    }
    await writeOwner(paths.owner, currentOwner())
    return async () => {
      await rm(paths.owner, { force: true })
      await release()
    }
  } finally {
    await releaseGuard()
  }
}

export function currentOwner(): LockOwner {
  return { hostname: hostname(), pid: process.pid, processStart: processStart(process.pid) }
}

/** Whether the recorded process is still running (on this host): its pid is alive and not reused. */
function isRunning(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as { code?: string }).code !== 'ESRCH'
  }
  const start = processStart(owner.pid)
  return owner.processStart === null || start === null || start === owner.processStart
}

/** The process's start time from /proc (Linux); null elsewhere. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22; the command name (field 2) is in parentheses and may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>
    if (typeof owner.hostname !== 'string' || !Number.isSafeInteger(owner.pid)) return null
    return {
      hostname: owner.hostname,
      pid: owner.pid as number,
      processStart: typeof owner.processStart === 'string' ? owner.processStart : null,
    }
  } catch {
    // None, or unreadable: the lock is judged by its mtime alone.
    return null
  }
}

async function writeOwner(file: string, owner: LockOwner): Promise<void> {
  // Renamed into place, so a reader never sees half a record.
  const partial = `${file}.${process.pid}`
  await writeFile(partial, JSON.stringify(owner))
  await rename(partial, file)
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}
