// What a webhook says and how it is signed and retried. Pure, so each is tested alone.
import { createHmac } from 'node:crypto'

/** The events a case system can hear about, with the names people tick on the form. */
export const WEBHOOK_EVENT_LABELS = {
  'request.submitted': 'Request submitted',
  'request.published': 'Request published to providers',
  'request.closed': 'Request closed to offers',
  'request.awarded': 'Request awarded (a package agreed)',
  'request.unsourced': 'Request unsourced (on the Interim Care List)',
  'request.cancelled': 'Request cancelled',
  'package.started': 'Care started (first package started)',
  'package.ended': 'Package ended',
} as const
export type WebhookEventType = keyof typeof WEBHOOK_EVENT_LABELS
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_LABELS) as [
  WebhookEventType,
  ...WebhookEventType[],
]

/** The event a request's change of status is, or null for changes no case system hears of (draft). */
export function eventTypeOfStatus(to: string): WebhookEventType | null {
  if (to === 'started') return 'package.started'
  const type = `request.${to}`
  return type in WEBHOOK_EVENT_LABELS ? (type as WebhookEventType) : null
}

/** What every delivery carries: IDs and dates, never a person's details. */
export interface WebhookPayload {
  id: string
  type: WebhookEventType
  occurredAt: string
  council: number
  data: { requestId: number; status?: string; packageId?: number; endDate?: string }
}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, as the README tells receivers to check. */
export function webhookSignature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** A delivery is retried for this long after its event (or after it is sent again), then failed. */
export const RETRY_FOR_MS = 24 * 60 * 60_000
/** How long one attempt may take, connection and answer together. */
export const ATTEMPT_TIMEOUT_MS = 10_000
/** How long a claimed delivery is held before another sender may try it, should this one die. */
export const DELIVERY_LEASE_MS = 2 * 60_000
const FIRST_RETRY_MS = 30_000
const LONGEST_RETRY_MS = 2 * 60 * 60_000

/**
 * Wait before the next try: 30 s, 1, 2, 4 … minutes after each failure, at most 2 hours, each
 * between 75% and 125% of that (`random` in [0, 1)) so receivers that failed together are not
 * all retried in the same second.
 */
export function webhookRetryDelayMs(attemptsSoFar: number, random: number): number {
  const doublings = Math.max(0, attemptsSoFar - 1)
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.min(doublings, 30), LONGEST_RETRY_MS)
  return Math.round(base * (0.75 + random * 0.5))
}

export const DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: 'Waiting to send',
  retrying: 'Retrying',
  delivered: 'Delivered',
  failed: 'Failed',
}
