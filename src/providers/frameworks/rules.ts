// Framework and Dynamic Purchasing System (DPS) membership rules. Pure: no I/O, no clock.
import { formatDate } from '../../shared/dates.ts'
import type { LotStatus } from '../vocabulary.ts'

export const PROCUREMENTS = ['framework', 'dps'] as const
export type Procurement = (typeof PROCUREMENTS)[number]

export const PROCUREMENT_LABELS: Record<Procurement, string> = {
  framework: 'Framework',
  dps: 'Dynamic Purchasing System (DPS)',
}

export const LOT_STATUS_LABELS: Record<LotStatus, string> = {
  applied: 'Applied',
  admitted: 'Admitted',
  rejected: 'Rejected',
  suspended: 'Suspended',
  removed: 'Removed',
}

export const MAX_QUESTIONS = 20

/**
 * Every status change a membership may make. A DPS is always open, so a rejected or removed
 * provider may apply again; a framework's door closes with its window.
 */
const TRANSITIONS: readonly { from: LotStatus | null; to: LotStatus; dpsOnly?: true }[] = [
  { from: null, to: 'applied' },
  { from: 'applied', to: 'admitted' },
  { from: 'applied', to: 'rejected' },
  { from: 'admitted', to: 'suspended' },
  { from: 'admitted', to: 'removed' },
  { from: 'suspended', to: 'admitted' },
  { from: 'suspended', to: 'removed' },
  { from: 'rejected', to: 'applied', dpsOnly: true },
  { from: 'removed', to: 'applied', dpsOnly: true },
]

export function isAllowedTransition(
  from: LotStatus | null,
  to: LotStatus,
  procurement: Procurement,
): boolean {
  return TRANSITIONS.some((t) => t.from === from && t.to === to && (!t.dpsOnly || procurement === 'dps'))
}

/** Statuses a commissioner must give a reason for: the provider is entitled to know why. */
const REASON_REQUIRED: readonly LotStatus[] = ['rejected', 'suspended', 'removed']

export const DECISIONS = ['admit', 'reject', 'suspend', 'remove', 'reinstate'] as const
export type Decision = (typeof DECISIONS)[number]

/** What each commissioner decision does. Admit and reinstate both lead to admitted, from different places. */
export const DECISION_RULES: Record<Decision, { from: readonly LotStatus[]; to: LotStatus; label: string }> =
  {
    admit: { from: ['applied'], to: 'admitted', label: 'Admit' },
    reject: { from: ['applied'], to: 'rejected', label: 'Reject' },
    suspend: { from: ['admitted'], to: 'suspended', label: 'Suspend' },
    remove: { from: ['admitted', 'suspended'], to: 'removed', label: 'Remove' },
    reinstate: { from: ['suspended'], to: 'admitted', label: 'Reinstate' },
  }

export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string }

/** The decisions open to a commissioner for a membership in this status. */
export function availableDecisions(status: LotStatus): Decision[] {
  return DECISIONS.filter((d) => DECISION_RULES[d].from.includes(status))
}

/** The status a decision leads to, or why it cannot be made from the current status. */
export function decisionOutcome(
  current: LotStatus,
  decision: Decision,
  procurement: Procurement,
): Outcome<LotStatus> {
  const rule = DECISION_RULES[decision]
  if (!rule.from.includes(current) || !isAllowedTransition(current, rule.to, procurement)) {
    return {
      ok: false,
      reason: `The membership is ${LOT_STATUS_LABELS[current].toLowerCase()}, so it cannot be ${pastTense(decision)}`,
    }
  }
  return { ok: true, value: rule.to }
}

function pastTense(decision: Decision): string {
  return {
    admit: 'admitted',
    reject: 'rejected',
    suspend: 'suspended',
    remove: 'removed',
    reinstate: 'reinstated',
  }[decision]
}

export function reasonRequired(status: LotStatus): boolean {
  return REASON_REQUIRED.includes(status)
}

export interface LotWindow {
  procurement: Procurement
  opensOn: string
  closesOn: string | null
}

/** Whether a lot takes applications on a date: a framework within its window, a DPS any time after it opens. */
export function applicationWindow(lot: LotWindow, today: string): Outcome<true> {
  if (today < lot.opensOn) return { ok: false, reason: `Applications open on ${formatDate(lot.opensOn)}` }
  if (lot.procurement === 'framework' && lot.closesOn !== null && today > lot.closesOn)
    return { ok: false, reason: `Applications closed on ${formatDate(lot.closesOn)}` }
  return { ok: true, value: true }
}

/** Whether a location whose membership is in `current` (null: none yet) may apply now. */
export function mayApply(current: LotStatus | null, lot: LotWindow, today: string): Outcome<true> {
  const window = applicationWindow(lot, today)
  if (!window.ok) return window
  if (isAllowedTransition(current, 'applied', lot.procurement)) return { ok: true, value: true }
  if (current === 'rejected' || current === 'removed')
    return {
      ok: false,
      reason: `This location was ${current} from this framework lot; only a DPS takes a new application after that`,
    }
  const already: Record<string, string> = {
    applied: 'This location has already applied to this lot',
    admitted: 'This location is already admitted to this lot',
    suspended: 'This location is a member of this lot, suspended at present',
  }
  return { ok: false, reason: already[current ?? ''] ?? 'This location cannot apply to this lot' }
}

export interface StatusEvent {
  status: LotStatus
  effectiveOn: string
}

/**
 * The status in force on a date: the event with the latest effective date on or before it, the
 * later-recorded one winning a tie. `events` are in the order they were recorded. Null before any.
 */
export function statusOn(events: readonly StatusEvent[], date: string): LotStatus | null {
  let inForce: StatusEvent | null = null
  for (const event of events) {
    if (event.effectiveOn <= date && (inForce === null || event.effectiveOn >= inForce.effectiveOn))
      inForce = event
  }
  return inForce?.status ?? null
}

/**
 * A new decision may not take effect before the one in force now: backdating behind it would
 * rewrite history out of order, so the current status and the dated history would disagree.
 */
export function earliestEffectiveDate(events: readonly StatusEvent[]): string | null {
  let latest: string | null = null
  for (const event of events) if (latest === null || event.effectiveOn > latest) latest = event.effectiveOn
  return latest
}
