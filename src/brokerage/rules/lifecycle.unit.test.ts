import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ACTIVE_STATUSES,
  allowedActions,
  CANCELLABLE_STATUSES,
  canAwardSlot,
  isCancellable,
  isOpenForOffers,
  isTerminal,
  nextStatus,
  REQUEST_ACTIONS,
  REQUEST_STATUSES,
  type RequestAction,
  type RequestStatus,
  statusAfterEvaluation,
  staysOnInterimCareList,
  TERMINAL_STATUSES,
} from './lifecycle.ts'

// The whole legal table, written out independently of REQUEST_TRANSITIONS.
const LEGAL: Array<[RequestStatus, RequestAction, RequestStatus]> = [
  ['draft', 'submit', 'submitted'],
  ['submitted', 'return', 'returned'],
  ['returned', 'submit', 'submitted'],
  ['submitted', 'publish', 'published'],
  ['published', 'close', 'closed'],
  ['closed', 'award', 'awarded'],
  ['awarded', 'reopenAward', 'closed'],
  ['closed', 'markUnsourced', 'unsourced'],
  ['awarded', 'start', 'started'],
  ['unsourced', 'republish', 'published'],
  ['draft', 'cancel', 'cancelled'],
  ['submitted', 'cancel', 'cancelled'],
  ['returned', 'cancel', 'cancelled'],
  ['published', 'cancel', 'cancelled'],
  ['closed', 'cancel', 'cancelled'],
  ['awarded', 'cancel', 'cancelled'],
  ['unsourced', 'cancel', 'cancelled'],
]

describe('nextStatus', () => {
  it('allows exactly the transitions of DOMAIN.md §4 and refuses every other pair', () => {
    let legal = 0
    let refused = 0
    for (const from of REQUEST_STATUSES) {
      for (const action of REQUEST_ACTIONS) {
        const expected = LEGAL.find(([f, a]) => f === from && a === action)
        const result = nextStatus(from, action, { reason: 'The person moved away' })
        if (expected) {
          expect(result, `${from} --${action}-->`).toEqual({ ok: true, status: expected[2] })
          legal++
        } else {
          expect(result.ok, `${from} --${action}--> should be refused`).toBe(false)
          if (!result.ok) expect(result.message.length).toBeGreaterThan(10)
          refused++
        }
      }
    }
    expect(legal).toBe(17)
    expect(refused).toBe(9 * 10 - 17)
  })

  it('explains an illegal transition in plain English', () => {
    expect(nextStatus('awarded', 'publish')).toEqual({
      ok: false,
      code: 'not_allowed',
      message:
        'A request that is awarded cannot be published. Only a request that is submitted can be published.',
    })
    expect(nextStatus('draft', 'publish')).toMatchObject({
      message: 'A draft request cannot be published. Only a request that is submitted can be published.',
    })
    expect(nextStatus('published', 'award')).toMatchObject({
      message: 'A request that is published cannot be awarded. Only a request that is closed can be awarded.',
    })
    expect(nextStatus('closed', 'republish')).toMatchObject({
      message:
        'A request that is closed cannot be republished. Only a request that is unsourced can be republished.',
    })
    expect(nextStatus('submitted', 'markUnsourced')).toMatchObject({
      message:
        'A request that is submitted cannot be marked as unsourced. Only a request that is closed can be marked as unsourced.',
    })
  })

  it('refuses to cancel once care has started, and points to ending the package', () => {
    expect(nextStatus('started', 'cancel', { reason: 'No longer needed' })).toEqual({
      ok: false,
      code: 'not_allowed',
      message:
        'A request whose care has started cannot be cancelled. Once care has started, end the package instead.',
    })
  })

  it('needs a reason that is not blank to cancel', () => {
    for (const reason of [undefined, null, '', '   \n']) {
      expect(nextStatus('published', 'cancel', { reason })).toEqual({
        ok: false,
        code: 'reason_required',
        message: 'Enter a reason for cancelling the request',
      })
    }
    expect(nextStatus('published', 'cancel')).toMatchObject({ code: 'reason_required' })
    expect(nextStatus('awarded', 'cancel', { reason: 'Family found a place' })).toEqual({
      ok: true,
      status: 'cancelled',
    })
  })

  it('says "already" when the request is where the action leads, so closing can be idempotent', () => {
    expect(nextStatus('closed', 'close')).toEqual({
      ok: false,
      code: 'already_in_status',
      message: 'The request is already closed.',
    })
    expect(nextStatus('cancelled', 'cancel', { reason: 'again' })).toMatchObject({
      code: 'already_in_status',
    })
    expect(nextStatus('awarded', 'award')).toMatchObject({ ok: false, code: 'already_in_status' })
    // Closing a request that has moved on is not "already closed".
    expect(nextStatus('awarded', 'close')).toMatchObject({ ok: false, code: 'not_allowed' })
  })

  it('republishes only from unsourced, and awards only from closed', () => {
    for (const from of REQUEST_STATUSES) {
      expect(nextStatus(from, 'republish').ok).toBe(from === 'unsourced')
      expect(nextStatus(from, 'award').ok).toBe(from === 'closed')
    }
  })

  it('never leaves started or cancelled, whatever is tried (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...REQUEST_ACTIONS), { maxLength: 30 }),
        fc.constantFrom(...REQUEST_STATUSES),
        (actions, start) => {
          let status: RequestStatus = start
          const seen: RequestStatus[] = [status]
          for (const action of actions) {
            const result = nextStatus(status, action, { reason: 'reason' })
            if (result.ok) {
              expect(isTerminal(status)).toBe(false)
              status = result.status
              seen.push(status)
            }
          }
          const firstTerminal = seen.findIndex(isTerminal)
          if (firstTerminal >= 0) expect(seen.length).toBe(firstTerminal + 1)
        },
      ),
    )
  })

  it('reaches every status from draft', () => {
    const reached = new Set<RequestStatus>(['draft'])
    let frontier: RequestStatus[] = ['draft']
    while (frontier.length > 0) {
      const next: RequestStatus[] = []
      for (const from of frontier) {
        for (const action of allowedActions(from)) {
          const result = nextStatus(from, action, { reason: 'r' })
          if (result.ok && !reached.has(result.status)) {
            reached.add(result.status)
            next.push(result.status)
          }
        }
      }
      frontier = next
    }
    expect([...reached].sort()).toEqual([...REQUEST_STATUSES].sort())
  })
})

describe('status sets', () => {
  it('lists the actions open in each status', () => {
    expect(allowedActions('draft')).toEqual(['submit', 'cancel'])
    expect(allowedActions('closed')).toEqual(['award', 'markUnsourced', 'cancel'])
    expect(allowedActions('unsourced')).toEqual(['republish', 'cancel'])
    expect(allowedActions('started')).toEqual([])
    expect(allowedActions('cancelled')).toEqual([])
  })

  it('takes offers only while published', () => {
    expect(REQUEST_STATUSES.filter(isOpenForOffers)).toEqual(['published'])
  })

  it('splits statuses into active and terminal', () => {
    expect(TERMINAL_STATUSES).toEqual(['started', 'cancelled'])
    expect(ACTIVE_STATUSES).toEqual([
      'draft',
      'submitted',
      'returned',
      'published',
      'closed',
      'awarded',
      'unsourced',
    ])
    expect(REQUEST_STATUSES.filter(isCancellable)).toEqual([...CANCELLABLE_STATUSES])
    expect(CANCELLABLE_STATUSES).toEqual(ACTIVE_STATUSES)
  })
})

describe('awarding visit by visit', () => {
  it('awards the first slot of a closed request and further unfilled slots while awarded or started', () => {
    expect(canAwardSlot('closed', false)).toEqual({ ok: true, status: 'awarded' })
    expect(canAwardSlot('awarded', false)).toEqual({ ok: true, status: 'awarded' })
    expect(canAwardSlot('awarded', true)).toEqual({
      ok: false,
      message: 'This visit has already been awarded.',
    })
    // A split request starts with its first package; its unfilled visits can still be awarded.
    expect(canAwardSlot('started', false)).toEqual({ ok: true, status: 'started' })
    expect(canAwardSlot('started', true).ok).toBe(false)
  })

  it('refuses awards in any other status with the state machine’s message', () => {
    expect(canAwardSlot('published', false)).toEqual({
      ok: false,
      message: 'A request that is published cannot be awarded. Only a request that is closed can be awarded.',
    })
    for (const status of ['draft', 'submitted', 'unsourced', 'cancelled'] as const) {
      expect(canAwardSlot(status, false).ok).toBe(false)
    }
  })

  it('keeps a partly awarded request on the Interim Care List', () => {
    expect(staysOnInterimCareList('awarded', { total: 4, awarded: 3 })).toBe(true)
    expect(staysOnInterimCareList('started', { total: 4, awarded: 2 })).toBe(true)
    expect(staysOnInterimCareList('awarded', { total: 4, awarded: 4 })).toBe(false)
    expect(staysOnInterimCareList('started', { total: 1, awarded: 1 })).toBe(false)
    expect(staysOnInterimCareList('unsourced', { total: 1, awarded: 0 })).toBe(true)
    for (const status of ['draft', 'submitted', 'published', 'closed', 'cancelled'] as const) {
      expect(staysOnInterimCareList(status, { total: 4, awarded: 0 }), status).toBe(false)
    }
  })

  it('makes a closed request awarded if anything was awarded, else unsourced', () => {
    expect(statusAfterEvaluation({ total: 4, awarded: 1 })).toBe('awarded')
    expect(statusAfterEvaluation({ total: 4, awarded: 0 })).toBe('unsourced')
  })
})
