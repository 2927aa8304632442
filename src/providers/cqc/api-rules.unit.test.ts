import { describe, expect, it } from 'vitest'
import { apiImportDue, cqcTimestamp, parseSince, retryDelayMs } from './api-rules.ts'

const NOW = new Date('2026-12-07T12:00:00Z')
const HOUR = 3600_000

describe('retryDelayMs', () => {
  it('waits as long as Retry-After says, in seconds or as a date, up to five minutes', () => {
    expect(retryDelayMs(1, '7', NOW, 0.9)).toBe(7000)
    expect(retryDelayMs(3, 'Mon, 07 Dec 2026 12:00:30 GMT', NOW, 0)).toBe(30_000)
    expect(retryDelayMs(1, 'Mon, 07 Dec 2026 11:00:00 GMT', NOW, 0)).toBe(0)
    expect(retryDelayMs(1, '86400', NOW, 0)).toBe(5 * 60_000)
  })

  it('doubles from a second without Retry-After, at most a minute, jittered by a quarter either way', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, null, NOW, 0.5))).toEqual([
      1000, 2000, 4000, 8000,
    ])
    expect(retryDelayMs(20, null, NOW, 0.5)).toBe(60_000)
    expect(retryDelayMs(1, 'soon', NOW, 0)).toBe(750)
    expect(retryDelayMs(1, null, NOW, 0.999_999)).toBe(1250)
    expect(retryDelayMs(2, null, NOW, 0.5, 10)).toBe(20)
  })
})

describe('parseSince', () => {
  it('reads a date as the start of that day in England, and a date and time with its zone', () => {
    expect(parseSince('2026-12-01', NOW)).toEqual({ ok: true, since: new Date('2026-12-01T00:00:00Z') })
    expect(parseSince('2026-07-01', NOW)).toEqual({ ok: true, since: new Date('2026-06-30T23:00:00Z') })
    expect(parseSince(' 2026-12-01T06:30:00Z ', NOW)).toEqual({
      ok: true,
      since: new Date('2026-12-01T06:30:00Z'),
    })
    expect(parseSince('2026-12-01T06:30+01:00', NOW)).toEqual({
      ok: true,
      since: new Date('2026-12-01T05:30:00Z'),
    })
  })

  it('refuses what is not a date, a date and time without its zone, and the future, saying why', () => {
    for (const value of [
      'yesterday',
      '2026-02-30',
      '01/12/2026',
      '2026-12-01T06:00',
      '2026-13-01T00:00Z',
      '',
    ])
      expect(parseSince(value, NOW)).toEqual({
        ok: false,
        problem: `--since must be a date (2026-12-01) or a date and time with its zone (2026-12-01T06:00:00Z), not "${value}"`,
      })
    expect(parseSince('2026-12-08', NOW)).toEqual({
      ok: false,
      problem: '--since must be in the past, not "2026-12-08"',
    })
  })
})

it('writes CQC timestamps to the second, in UTC', () => {
  expect(cqcTimestamp(new Date('2026-12-07T06:05:09.999Z'))).toBe('2026-12-07T06:05:09Z')
})

describe('apiImportDue', () => {
  const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR)

  it('is due a day after the last completed window ended, or before the first, a day after the last file import', () => {
    expect(apiImportDue({ nextFrom: ago(24), windowFrom: null }, undefined, null, NOW)).toBe(true)
    expect(apiImportDue({ nextFrom: ago(23), windowFrom: null }, undefined, ago(48), NOW)).toBe(false)
    expect(apiImportDue(undefined, undefined, ago(25), NOW)).toBe(true)
    expect(apiImportDue(undefined, undefined, ago(2), NOW)).toBe(false)
    // Nothing to start from: the council imports a register file first.
    expect(apiImportDue(undefined, undefined, null, NOW)).toBe(false)
  })

  it('carries on an interrupted run at once, but never beside a running one or within an hour of a failure', () => {
    const interrupted = { nextFrom: ago(2), windowFrom: ago(30) }
    expect(apiImportDue(interrupted, { status: 'completed', finishedAt: ago(2) }, null, NOW)).toBe(true)
    expect(apiImportDue(interrupted, { status: 'running', finishedAt: null }, null, NOW)).toBe(false)
    expect(apiImportDue(interrupted, { status: 'failed', finishedAt: ago(0.5) }, null, NOW)).toBe(false)
    expect(apiImportDue(interrupted, { status: 'failed', finishedAt: ago(1) }, null, NOW)).toBe(true)
  })
})
