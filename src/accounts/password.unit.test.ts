import type * as Crypto from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'

// scrypt is wrapped so the test decides when each hash finishes and can count those under way.
const hashes = vi.hoisted(() => ({ running: 0, most: 0, waiting: [] as (() => void)[] }))

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof Crypto>()
  const scrypt = (...args: unknown[]) => {
    const done = args.pop() as (error: Error | null, key: Buffer) => void
    hashes.running++
    hashes.most = Math.max(hashes.most, hashes.running)
    ;(crypto.scrypt as (...a: unknown[]) => void)(...args, (error: Error | null, key: Buffer) => {
      hashes.waiting.push(() => {
        hashes.running--
        done(error, key)
      })
    })
  }
  return { ...crypto, default: { ...crypto, scrypt }, scrypt }
})

// The suite's setup file may already have loaded password.ts with the real scrypt; load it afresh
// so it takes the wrapped one.
vi.resetModules()
const { hashPassword, verifyPassword } = await import('./password.ts')

/** Lets every hash that has finished complete, until all the given work is done. */
async function finish<T>(work: Promise<T>[]): Promise<T[]> {
  let settled = false
  const all = Promise.all(work).finally(() => {
    settled = true
  })
  while (!settled) {
    await nextTurn()
    for (const release of hashes.waiting.splice(0)) release()
  }
  return all
}

describe('password hashing', () => {
  it('runs at most two hashes at once however many are asked for', async () => {
    const stored = (await finish([hashPassword('correct horse battery', 10)]))[0] as string
    hashes.most = 0
    const attempts = Array.from({ length: 10 }, (_, i) =>
      verifyPassword(i === 3 ? 'correct horse battery' : `wrong guess ${i}`, stored),
    )
    // Give every attempt the chance to start before any hash is allowed to finish.
    for (let turn = 0; turn < 20; turn++) await nextTurn()
    expect(hashes.running).toBe(2)
    const results = await finish(attempts)
    expect(hashes.most).toBe(2)
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(results[3]).toBe(true)
  })
})
