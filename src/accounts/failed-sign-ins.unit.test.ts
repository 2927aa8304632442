import { describe, expect, it } from 'vitest'
import { FailedSignIns } from './failed-sign-ins.ts'

function limiter(maxFailures: number) {
  const clock = { now: 1_000_000 }
  return { clock, failures: new FailedSignIns(maxFailures, () => clock.now) }
}

describe('failed sign-ins per email address', () => {
  it('holds a place for each attempt under way, so attempts at the same moment cannot pass the limit', () => {
    const { failures } = limiter(3)
    const started = Array.from({ length: 10 }, () => failures.begin('jo@example.org'))
    expect(started.filter(Boolean)).toHaveLength(3)
  })

  it('gives the place back when the attempt succeeds', () => {
    const { failures } = limiter(2)
    expect(failures.begin('jo@example.org')).toBe(true)
    failures.succeeded('jo@example.org')
    expect(failures.begin('jo@example.org')).toBe(true)
    expect(failures.begin('jo@example.org')).toBe(true)
    expect(failures.begin('jo@example.org')).toBe(false)
  })

  it('counts each address on its own and starts again after a minute', () => {
    const { clock, failures } = limiter(1)
    expect(failures.begin('jo@example.org')).toBe(true)
    expect(failures.begin('jo@example.org')).toBe(false)
    expect(failures.begin('sam@example.org')).toBe(true)
    clock.now += 59_999
    expect(failures.begin('jo@example.org')).toBe(false)
    clock.now += 1
    expect(failures.begin('jo@example.org')).toBe(true)
  })
})
