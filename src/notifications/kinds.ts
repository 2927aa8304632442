// The kinds of notification council staff are sent, who is sent each, and how each person chooses
// to be told of them. Pure, so the choices and the digest's timing are tested alone.
import type { Role } from '../accounts/roles.ts'
import { londonClockTime, londonDate, startOfLondonDay } from '../shared/dates.ts'

const NOTIFICATION_KINDS = [
  'request_submitted',
  'few_eligible_providers',
  'request_closed',
  'request_awarded',
  'request_unsourced',
  'request_cancelled',
  'package_confirmed',
  'package_declined',
  'package_handed_back',
  'republish_due',
] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

export const DELIVERIES = ['immediate', 'digest', 'off'] as const
export type Delivery = (typeof DELIVERIES)[number]

export const DELIVERY_LABELS: Record<Delivery, string> = {
  immediate: 'Email me straight away',
  digest: 'Include in a daily email',
  off: 'Do not tell me',
}

interface KindInfo {
  label: string
  /** What it is about, for the preferences page. */
  hint: string
  /** The roles who are sent it, and so may choose how. */
  roles: readonly Role[]
  defaultDelivery: Delivery
}

export const KINDS: Record<NotificationKind, KindInfo> = {
  request_submitted: {
    label: 'Request submitted',
    hint: 'A social worker submitted a request for brokerage.',
    roles: ['broker'],
    defaultDelivery: 'immediate',
  },
  few_eligible_providers: {
    label: 'Few or no eligible providers',
    hint: 'A request was published, or changed, and few or no providers could be invited.',
    roles: ['broker'],
    defaultDelivery: 'immediate',
  },
  request_closed: {
    label: 'Request closed to offers',
    hint: 'A request closed, with the number of offers made.',
    roles: ['broker'],
    defaultDelivery: 'immediate',
  },
  request_awarded: {
    label: 'Request awarded',
    hint: 'A request you made was awarded to a provider.',
    roles: ['social_worker'],
    defaultDelivery: 'immediate',
  },
  request_unsourced: {
    label: 'Request unsourced',
    hint: 'No provider could be found for a request you made.',
    roles: ['social_worker'],
    defaultDelivery: 'immediate',
  },
  request_cancelled: {
    label: 'Request cancelled',
    hint: 'A request you made was cancelled.',
    roles: ['social_worker'],
    defaultDelivery: 'immediate',
  },
  package_confirmed: {
    label: 'Provider confirmed',
    hint: 'The provider awarded a package confirmed it will deliver it.',
    roles: ['broker', 'social_worker'],
    defaultDelivery: 'digest',
  },
  package_declined: {
    label: 'Provider declined',
    hint: 'The provider awarded a package declined it.',
    roles: ['broker', 'social_worker'],
    defaultDelivery: 'immediate',
  },
  package_handed_back: {
    label: 'Package handed back',
    hint: 'A provider gave notice that it will stop delivering a package.',
    roles: ['broker', 'social_worker'],
    defaultDelivery: 'immediate',
  },
  republish_due: {
    label: 'Republish due',
    hint: 'An unsourced request is due to be published again.',
    roles: ['broker'],
    defaultDelivery: 'digest',
  },
}

/** The kinds a role is sent, in the order the preferences page lists them. */
export function kindsFor(role: Role): NotificationKind[] {
  return NOTIFICATION_KINDS.filter((kind) => KINDS[kind].roles.includes(role))
}

export function isKind(value: string): value is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(value)
}

/** A person's choice for a kind: what they stored, or the kind's default. */
export function deliveryOf(kind: NotificationKind, stored: ReadonlyMap<string, string>): Delivery {
  const chosen = stored.get(kind)
  return chosen && (DELIVERIES as readonly string[]).includes(chosen)
    ? (chosen as Delivery)
    : KINDS[kind].defaultDelivery
}

/** The London hour from which each day's digest is sent. */
const DIGEST_HOUR = 7

/**
 * The daily digest gathers what was sent before the London day began, and goes out from
 * DIGEST_HOUR that day: the instant the day began, or null before DIGEST_HOUR (nothing is due yet).
 */
export function digestCutoff(now: Date): Date | null {
  const hour = Number(londonClockTime(now).slice(0, 2))
  if (hour < DIGEST_HOUR) return null
  return startOfLondonDay(londonDate(now))
}

/** Fewer eligible providers than this and the brokers are told (none at all, after a change). */
export const FEW_PROVIDERS_THRESHOLD = 3
