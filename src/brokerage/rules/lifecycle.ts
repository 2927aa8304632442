// The life of a sourcing request (DOMAIN.md §4), as one table of transitions. The service asks
// nextStatus() before every change, so no status is ever set behind the state machine's back.
//
//   draft -> submitted -> published -> closed -> awarded -> started
//                                        ^          | (the awarded provider declined:
//                                        +----------+  the other offers may be awarded)
//              |    ^
//              v    | (resubmitted)
//            returned (to the social worker, with a note)
//                            ^           |
//                            |           +-> unsourced (on the Interim Care List) -> republish
//   any status before started -> cancelled (reason required)

export const REQUEST_STATUSES = [
  'draft',
  'submitted',
  'returned',
  'published',
  'closed',
  'awarded',
  'started',
  'unsourced',
  'cancelled',
] as const
export type RequestStatus = (typeof REQUEST_STATUSES)[number]

export const REQUEST_ACTIONS = [
  'submit',
  'return',
  'publish',
  'close',
  'award',
  'reopenAward',
  'start',
  'markUnsourced',
  'republish',
  'cancel',
] as const
export type RequestAction = (typeof REQUEST_ACTIONS)[number]

/** Labels for status tags on pages. */
export const REQUEST_STATUS_LABELS: Record<RequestStatus, string> = {
  draft: 'Draft',
  submitted: 'Submitted',
  returned: 'Returned to the social worker',
  published: 'Published',
  closed: 'Closed',
  awarded: 'Awarded',
  started: 'Care started',
  unsourced: 'Unsourced',
  cancelled: 'Cancelled',
}

/** Statuses that end the request's brokerage: nothing more can happen to it. */
export const TERMINAL_STATUSES = ['started', 'cancelled'] as const satisfies readonly RequestStatus[]

/** Statuses still in brokerage: the request needs someone to act on it. */
export const ACTIVE_STATUSES = REQUEST_STATUSES.filter(
  (s) => !(TERMINAL_STATUSES as readonly RequestStatus[]).includes(s),
) as readonly RequestStatus[]

/** "Any state before started" (DOMAIN.md §4): once care has started, the package is ended instead. */
export const CANCELLABLE_STATUSES = [
  'draft',
  'submitted',
  'returned',
  'published',
  'closed',
  'awarded',
  'unsourced',
] as const satisfies readonly RequestStatus[]

export interface Transition {
  from: readonly RequestStatus[]
  to: RequestStatus
}

export const REQUEST_TRANSITIONS: Readonly<Record<RequestAction, Transition>> = {
  submit: { from: ['draft', 'returned'], to: 'submitted' },
  return: { from: ['submitted'], to: 'returned' },
  publish: { from: ['submitted'], to: 'published' },
  close: { from: ['published'], to: 'closed' },
  award: { from: ['closed'], to: 'awarded' },
  /** The only awarded provider declined the package: the request's other offers may be awarded. */
  reopenAward: { from: ['awarded'], to: 'closed' },
  start: { from: ['awarded'], to: 'started' },
  markUnsourced: { from: ['closed'], to: 'unsourced' },
  republish: { from: ['unsourced'], to: 'published' },
  cancel: { from: CANCELLABLE_STATUSES, to: 'cancelled' },
}

type TransitionRefusal =
  /** The request is already where the action would take it. Idempotent actions (closing at the
   *  deadline) may treat this as success; awarding must not, or two brokers could both "win". */
  | 'already_in_status'
  /** The action is not allowed from the request's status. */
  | 'not_allowed'
  /** Cancelling without a reason. */
  | 'reason_required'

export type TransitionResult =
  | { ok: true; status: RequestStatus }
  | { ok: false; code: TransitionRefusal; message: string }

const PARTICIPLES: Record<RequestAction, string> = {
  submit: 'submitted',
  return: 'returned to the social worker',
  publish: 'published',
  close: 'closed',
  award: 'awarded',
  reopenAward: 'reopened for award',
  start: 'started',
  markUnsourced: 'marked as unsourced',
  republish: 'republished',
  cancel: 'cancelled',
}

function subject(status: RequestStatus): string {
  if (status === 'draft') return 'A draft request'
  if (status === 'started') return 'A request whose care has started'
  return `A request that is ${status}`
}

function hint(from: RequestStatus, action: RequestAction): string {
  if (action === 'cancel' && from === 'started') return 'Once care has started, end the package instead.'
  const allowed = REQUEST_TRANSITIONS[action].from
  if (allowed.length === 1) {
    const only = allowed[0] === 'draft' ? 'a draft request' : `a request that is ${allowed[0]}`
    return `Only ${only} can be ${PARTICIPLES[action]}.`
  }
  return ''
}

/**
 * The status a request moves to when an action is taken, or why it cannot.
 * Cancelling needs a reason that is not blank.
 */
export function nextStatus(
  from: RequestStatus,
  action: RequestAction,
  options: { reason?: string | null } = {},
): TransitionResult {
  const transition = REQUEST_TRANSITIONS[action]
  if (!transition.from.includes(from)) {
    if (from === transition.to) {
      return {
        ok: false,
        code: 'already_in_status',
        message: `The request is already ${REQUEST_STATUS_LABELS[from].toLowerCase()}.`,
      }
    }
    const why = hint(from, action)
    return {
      ok: false,
      code: 'not_allowed',
      message: `${subject(from)} cannot be ${PARTICIPLES[action]}.${why ? ` ${why}` : ''}`,
    }
  }
  if (action === 'cancel' && !options.reason?.trim()) {
    return { ok: false, code: 'reason_required', message: 'Enter a reason for cancelling the request' }
  }
  if (action === 'return' && !options.reason?.trim()) {
    return { ok: false, code: 'reason_required', message: 'Enter a note for the social worker' }
  }
  return { ok: true, status: transition.to }
}

function canTransition(from: RequestStatus, action: RequestAction): boolean {
  return REQUEST_TRANSITIONS[action].from.includes(from)
}

/** The actions a user could take on a request in this status, in lifecycle order, e.g. to choose buttons. */
export function allowedActions(status: RequestStatus): RequestAction[] {
  return REQUEST_ACTIONS.filter((action) => canTransition(status, action))
}

/** Only a published request takes offers; once closed, no offer can be made, revised or withdrawn. */
export function isOpenForOffers(status: RequestStatus): boolean {
  return status === 'published'
}

export function isTerminal(status: RequestStatus): boolean {
  return (TERMINAL_STATUSES as readonly RequestStatus[]).includes(status)
}

export function isCancellable(status: RequestStatus): boolean {
  return (CANCELLABLE_STATUSES as readonly RequestStatus[]).includes(status)
}

// ---------------------------------------------------------------------------------------------
// Slots: a care home request has one slot (the bed); a home care request has one per visit, and
// each slot has at most one accepted offer, so a home care request can be awarded visit by visit.

export type SlotAwardResult = { ok: true; status: 'awarded' | 'started' } | { ok: false; message: string }

/**
 * Whether one more slot may be awarded, and the request's status after it. The first award moves a
 * closed request to awarded; further visits of a home care request may then be awarded, each visit
 * once, while it is awarded and also once care has started: a split request starts with its first
 * package, and the visits still unfilled must not be stranded on the Interim Care List.
 */
export function canAwardSlot(status: RequestStatus, slotAlreadyAwarded: boolean): SlotAwardResult {
  if (status !== 'closed' && status !== 'awarded' && status !== 'started') {
    const refused = nextStatus(status, 'award')
    return { ok: false, message: refused.ok ? '' : refused.message }
  }
  if (slotAlreadyAwarded) return { ok: false, message: 'This visit has already been awarded.' }
  return { ok: true, status: status === 'started' ? 'started' : 'awarded' }
}

export interface SlotCounts {
  /** Slots the request asked for: 1 for a care home, one per visit for home care. */
  total: number
  /** Slots with an accepted offer. */
  awarded: number
}

/**
 * Whether the person is on the Interim Care List: an unsourced request, or an awarded one with
 * visits still unfilled (the unfilled hours stay on the list). A request still being sourced
 * (published or closed) is not yet on the list, and a cancelled one never is.
 */
export function staysOnInterimCareList(status: RequestStatus, slots: SlotCounts): boolean {
  if (status === 'unsourced') return true
  if (status === 'awarded' || status === 'started') return slots.awarded < slots.total
  return false
}

/**
 * What closing leads to once the broker has awarded what could be awarded: any award makes the
 * request awarded (partly, if visits are left); none makes it unsourced.
 */
export function statusAfterEvaluation(slots: SlotCounts): 'awarded' | 'unsourced' {
  return slots.awarded > 0 ? 'awarded' : 'unsourced'
}
