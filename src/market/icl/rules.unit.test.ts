import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RequestStatus } from '../../brokerage/rules/index.ts'
import {
  endOfLondonDay,
  entryAt,
  intervalsWithHandBacks,
  listIntervals,
  movements,
  onListAt,
  type RequestHistory,
  unfilledMinutesAt,
} from './rules.ts'

const HOUR = 3_600_000
const T0 = Date.parse('2026-01-05T09:00:00Z')

/** A history that follows the state machine: hours between changes, visits filled once awarded. */
const history = (requestId: number) =>
  fc
    .record({
      visits: fc.array(fc.integer({ min: 15, max: 900 }), { maxLength: 4 }),
      path: fc.constantFrom<RequestStatus[][]>(
        ['submitted', 'published', 'closed', 'unsourced'],
        ['submitted', 'published', 'closed', 'unsourced', 'published', 'closed', 'awarded', 'started'],
        ['submitted', 'published', 'closed', 'awarded'],
        ['submitted', 'published', 'closed', 'awarded', 'started'],
        ['submitted', 'published', 'closed', 'unsourced', 'cancelled'],
        ['submitted', 'published', 'cancelled'],
      ),
      gaps: fc.array(fc.integer({ min: 0, max: 72 }), { minLength: 12, maxLength: 12 }),
      fillDelays: fc.array(fc.option(fc.integer({ min: 0, max: 200 })), { minLength: 4, maxLength: 4 }),
    })
    .map(({ visits, path, gaps, fillDelays }): RequestHistory => {
      let t = T0 + requestId * HOUR
      const events = path.map((toStatus, i) => {
        t += (gaps[i] ?? 1) * HOUR
        return { at: new Date(t), toStatus }
      })
      const awardedAt = events.find((e) => e.toStatus === 'awarded')?.at
      const slots = visits.length === 0 ? [0] : visits.map((_, i) => i + 1)
      // The first slot is filled at the award itself; the others maybe later.
      const fills = awardedAt
        ? slots.flatMap((slot, i) => {
            const delay = i === 0 ? 0 : fillDelays[i]
            return delay === null || delay === undefined
              ? []
              : [{ slot, at: new Date(awardedAt.getTime() + delay * HOUR) }]
          })
        : []
      return {
        requestId,
        serviceType: visits.length === 0 ? 'residential' : 'home_care',
        inHospital: false,
        personName: `P${requestId}`,
        dateOfBirth: '1940-01-01',
        locality: null,
        pcn: null,
        events,
        visits: visits.map((minutesPerWeek, i) => ({ id: i + 1, minutesPerWeek })),
        fills,
      }
    })

const histories = fc
  .integer({ min: 1, max: 12 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => history(i))))
const instant = fc.integer({ min: -24, max: 24 * 40 }).map((h) => new Date(T0 + h * HOUR))

describe('the list from histories', () => {
  it('keeps people at the end = people at the start + added − removed', () => {
    fc.assert(
      fc.property(histories, instant, instant, (all, a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a]
        const count = (at: Date) => all.filter((h) => onListAt(h, at)).length
        const { added, removed } = movements(
          all.flatMap((h) => listIntervals(h)),
          start,
          end,
        )
        expect(count(end)).toBe(count(start) + added - removed)
      }),
    )
  })

  it('never has unfilled minutes below zero or above what was asked for', () => {
    fc.assert(
      fc.property(histories, instant, (all, at) => {
        for (const h of all) {
          const unfilled = unfilledMinutesAt(h, at)
          expect(unfilled).toBeGreaterThanOrEqual(0)
          expect(unfilled).toBeLessThanOrEqual(h.visits.reduce((s, v) => s + v.minutesPerWeek, 0))
        }
      }),
    )
  })

  it('reads a day at its last instant, in London time', () => {
    expect(endOfLondonDay('2026-01-05').toISOString()).toBe('2026-01-05T23:59:59.999Z')
    expect(endOfLondonDay('2026-07-05').toISOString()).toBe('2026-07-05T22:59:59.999Z')
  })
})

describe('a hand-back in the period counts', () => {
  // March 2026 is GMT: a London date starts at midnight UTC.
  const after = new Date('2026-03-09T23:59:59.999Z')
  const until = new Date('2026-03-16T23:59:59.999Z')
  const handBack = { requestId: 7, resourcingRequestId: 70, lastDay: '2026-03-12' }

  it('adds the person on the last day and removes them when re-placed', () => {
    const intervals = intervalsWithHandBacks(
      [],
      [{ ...handBack, replacedAt: new Date('2026-03-14T12:00:00Z') }],
    )
    expect(intervals).toEqual([
      { requestId: 7, on: new Date('2026-03-12T00:00:00Z'), off: new Date('2026-03-14T12:00:00Z') },
    ])
    expect(movements(intervals, after, until)).toEqual({ added: 1, removed: 1 })
  })

  it('counts the hand-back and its unsourced linked request as one person', () => {
    const linked = {
      requestId: 70,
      on: new Date('2026-03-11T10:00:00Z'),
      off: new Date('2026-03-15T10:00:00Z'),
    }
    const other = { requestId: 71, on: new Date('2026-03-13T10:00:00Z'), off: null }
    const intervals = intervalsWithHandBacks(
      [linked, other],
      [{ ...handBack, replacedAt: new Date('2026-03-15T10:00:00Z') }],
    )
    expect(movements(intervals, after, until)).toEqual({ added: 2, removed: 1 })
  })

  it('never lists a person re-placed before the last day', () => {
    const intervals = intervalsWithHandBacks(
      [],
      [{ ...handBack, replacedAt: new Date('2026-03-10T09:00:00Z') }],
    )
    expect(movements(intervals, after, until)).toEqual({ added: 0, removed: 0 })
  })
})

describe('supported living on the list', () => {
  it('leaves its hours of support a week unfilled while unsourced', () => {
    const at = new Date('2026-03-10T12:00:00Z')
    const history: RequestHistory = {
      requestId: 1,
      serviceType: 'supported_living',
      inHospital: false,
      personName: 'Sam Support',
      dateOfBirth: '1990-05-01',
      locality: null,
      pcn: null,
      events: [
        { at: new Date('2026-03-01T09:00:00Z'), toStatus: 'submitted' },
        { at: new Date('2026-03-02T09:00:00Z'), toStatus: 'published' },
        { at: new Date('2026-03-05T09:00:00Z'), toStatus: 'closed' },
        { at: new Date('2026-03-06T09:00:00Z'), toStatus: 'unsourced' },
      ],
      visits: [],
      supportMinutesPerWeek: 20 * 60,
      fills: [],
    }
    expect(unfilledMinutesAt(history, at)).toBe(1200)
    expect(entryAt(history, at)?.requestedMinutesPerWeek).toBe(1200)
  })
})
