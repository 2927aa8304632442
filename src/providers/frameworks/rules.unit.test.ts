import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LOT_STATUSES, type LotStatus } from '../vocabulary.ts'
import {
  applicationWindow,
  availableDecisions,
  DECISION_RULES,
  DECISIONS,
  decisionOutcome,
  earliestEffectiveDate,
  isAllowedTransition,
  mayApply,
  reasonRequired,
  type StatusEvent,
  statusOn,
} from './rules.ts'

const framework = { procurement: 'framework', opensOn: '2025-04-01', closesOn: '2025-06-30' } as const
const dps = { procurement: 'dps', opensOn: '2025-04-01', closesOn: null } as const

describe('membership transitions', () => {
  it('allows exactly the transitions of the state machine, for a framework', () => {
    const allowed: string[] = []
    for (const from of [null, ...LOT_STATUSES])
      for (const to of LOT_STATUSES)
        if (isAllowedTransition(from, to, 'framework')) allowed.push(`${from}->${to}`)
    expect(allowed.sort()).toEqual(
      [
        'null->applied',
        'applied->admitted',
        'applied->rejected',
        'admitted->suspended',
        'admitted->removed',
        'suspended->admitted',
        'suspended->removed',
      ].sort(),
    )
  })

  it('lets a rejected or removed location apply again only to a DPS', () => {
    for (const from of ['rejected', 'removed'] as const) {
      expect(isAllowedTransition(from, 'applied', 'dps')).toBe(true)
      expect(isAllowedTransition(from, 'applied', 'framework')).toBe(false)
    }
  })

  it('refuses to skip the decision: applied cannot be suspended, rejected cannot be admitted', () => {
    expect(isAllowedTransition('applied', 'suspended', 'dps')).toBe(false)
    expect(isAllowedTransition('rejected', 'admitted', 'dps')).toBe(false)
    expect(isAllowedTransition('removed', 'admitted', 'dps')).toBe(false)
    expect(isAllowedTransition(null, 'admitted', 'dps')).toBe(false)
  })

  it('maps each decision onto an allowed transition', () => {
    for (const decision of DECISIONS)
      for (const from of DECISION_RULES[decision].from)
        expect(isAllowedTransition(from, DECISION_RULES[decision].to, 'framework'), decision).toBe(true)
  })

  it('offers the decisions each status allows', () => {
    expect(availableDecisions('applied')).toEqual(['admit', 'reject'])
    expect(availableDecisions('admitted')).toEqual(['suspend', 'remove'])
    expect(availableDecisions('suspended')).toEqual(['remove', 'reinstate'])
    expect(availableDecisions('rejected')).toEqual([])
    expect(availableDecisions('removed')).toEqual([])
  })

  it('says why a decision cannot be made', () => {
    expect(decisionOutcome('applied', 'admit', 'framework')).toEqual({ ok: true, value: 'admitted' })
    expect(decisionOutcome('suspended', 'reinstate', 'dps')).toEqual({ ok: true, value: 'admitted' })
    expect(decisionOutcome('admitted', 'admit', 'framework')).toEqual({
      ok: false,
      reason: 'The membership is admitted, so it cannot be admitted',
    })
    expect(decisionOutcome('applied', 'reinstate', 'dps')).toMatchObject({ ok: false })
  })

  it('requires a reason to reject, suspend or remove, but not to admit', () => {
    expect(LOT_STATUSES.filter(reasonRequired)).toEqual(['rejected', 'suspended', 'removed'])
  })
})

describe('application windows', () => {
  it('opens a framework only between its opening and closing dates, inclusive', () => {
    expect(applicationWindow(framework, '2025-03-31')).toEqual({
      ok: false,
      reason: 'Applications open on 1 April 2025',
    })
    expect(applicationWindow(framework, '2025-04-01').ok).toBe(true)
    expect(applicationWindow(framework, '2025-06-30').ok).toBe(true)
    expect(applicationWindow(framework, '2025-07-01')).toEqual({
      ok: false,
      reason: 'Applications closed on 30 June 2025',
    })
  })

  it('keeps a DPS open from its opening date for ever', () => {
    expect(applicationWindow(dps, '2025-03-31').ok).toBe(false)
    expect(applicationWindow(dps, '2025-04-01').ok).toBe(true)
    expect(applicationWindow(dps, '2099-12-31').ok).toBe(true)
  })

  it('lets a location apply once, and again after rejection only on a DPS', () => {
    expect(mayApply(null, framework, '2025-05-01').ok).toBe(true)
    expect(mayApply('applied', dps, '2025-05-01')).toEqual({
      ok: false,
      reason: 'This location has already applied to this lot',
    })
    expect(mayApply('admitted', dps, '2025-05-01')).toMatchObject({ ok: false })
    expect(mayApply('suspended', dps, '2025-05-01')).toMatchObject({ ok: false })
    expect(mayApply('rejected', dps, '2025-05-01').ok).toBe(true)
    expect(mayApply('removed', dps, '2030-01-01').ok).toBe(true)
    expect(mayApply('rejected', framework, '2025-05-01')).toMatchObject({ ok: false })
    expect(mayApply(null, framework, '2025-07-01')).toEqual({
      ok: false,
      reason: 'Applications closed on 30 June 2025',
    })
  })
})

describe('statusOn', () => {
  const history: StatusEvent[] = [
    { status: 'applied', effectiveOn: '2025-04-02' },
    { status: 'admitted', effectiveOn: '2025-04-10' },
    { status: 'suspended', effectiveOn: '2025-06-01' },
    { status: 'admitted', effectiveOn: '2025-07-15' },
    { status: 'suspended', effectiveOn: '2025-09-01' },
    { status: 'removed', effectiveOn: '2025-10-01' },
  ]

  it('reads the status in force on each date of a history with suspensions and a reinstatement', () => {
    expect(statusOn(history, '2025-04-01')).toBeNull()
    expect(statusOn(history, '2025-04-02')).toBe('applied')
    expect(statusOn(history, '2025-04-09')).toBe('applied')
    expect(statusOn(history, '2025-04-10')).toBe('admitted')
    expect(statusOn(history, '2025-05-31')).toBe('admitted')
    expect(statusOn(history, '2025-06-01')).toBe('suspended')
    expect(statusOn(history, '2025-07-14')).toBe('suspended')
    expect(statusOn(history, '2025-07-15')).toBe('admitted')
    expect(statusOn(history, '2025-09-01')).toBe('suspended')
    expect(statusOn(history, '2026-01-01')).toBe('removed')
  })

  it('lets the later-recorded event win when two take effect on the same day', () => {
    const sameDay: StatusEvent[] = [
      { status: 'applied', effectiveOn: '2025-04-02' },
      { status: 'admitted', effectiveOn: '2025-04-02' },
    ]
    expect(statusOn(sameDay, '2025-04-02')).toBe('admitted')
    expect(statusOn([...sameDay].reverse(), '2025-04-02')).toBe('applied')
  })

  it('does not depend on the order of the history, apart from same-day ties', () => {
    expect(statusOn([...history].reverse(), '2025-07-20')).toBe('admitted')
  })

  const day = fc
    .integer({ min: 0, max: 400 })
    .map((n) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString().slice(0, 10))
  const event = fc.record({ status: fc.constantFrom<LotStatus>(...LOT_STATUSES), effectiveOn: day })

  it('is the status of the latest event on or before the date (property)', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), day, (events, date) => {
        const result = statusOn(events, date)
        const inForce = events.filter((e) => e.effectiveOn <= date)
        if (inForce.length === 0) return result === null
        const latest = inForce
          .map((e) => e.effectiveOn)
          .sort()
          .at(-1)
        const lastRecordedThatDay = inForce.filter((e) => e.effectiveOn === latest).at(-1)
        return result === lastRecordedThatDay?.status
      }),
    )
  })

  it('is unchanged by events that take effect after the date (property)', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 12 }),
        fc.array(event, { maxLength: 4 }),
        day,
        (events, later, date) => {
          const future = later.filter((e) => e.effectiveOn > date)
          return statusOn([...events, ...future], date) === statusOn(events, date)
        },
      ),
    )
  })

  it('agrees with the last event on and after its date when effective dates never go back (property)', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 12 }), (events) => {
        const ordered = [...events].sort((a, b) => a.effectiveOn.localeCompare(b.effectiveOn))
        const last = ordered.at(-1) as StatusEvent
        return (
          statusOn(ordered, last.effectiveOn) === last.status &&
          earliestEffectiveDate(ordered) === last.effectiveOn
        )
      }),
    )
  })
})
