// How the outbox retries a message that SMTP refused. Pure, so the schedule is tested alone.

/** After this many failed attempts a message is left in the outbox as failed, for a person to look at. */
export const MAX_SEND_ATTEMPTS = 10
const FIRST_RETRY_MS = 60_000
const LONGEST_RETRY_MS = 6 * 60 * 60_000
/** How long a claimed message is held before another sender may try it, should this one die mid-send. */
export const SEND_LEASE_MS = 10 * 60_000

/** Wait before the next try: 1, 2, 4, 8 … minutes after each failure, at most 6 hours. */
export function retryDelayMs(attemptsSoFar: number): number {
  const doublings = Math.max(0, attemptsSoFar - 1)
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(doublings, 30), LONGEST_RETRY_MS)
}

export type OutboxStatus = 'sent' | 'failed' | 'retrying' | 'waiting' | 'logged'

export const OUTBOX_STATUS_LABELS: Record<OutboxStatus, string> = {
  sent: 'Sent',
  failed: 'Failed',
  retrying: 'Retrying',
  waiting: 'Waiting to send',
  logged: 'Not sent: email is not set up',
}

/** A message's state as people read it. Without SMTP, unsent messages are the mail log, not a backlog. */
export function outboxStatus(
  message: { sentAt: Date | null; attempts: number; lastError: string | null },
  smtpConfigured: boolean,
): OutboxStatus {
  if (message.sentAt) return 'sent'
  if (message.attempts >= MAX_SEND_ATTEMPTS) return 'failed'
  if (message.lastError) return 'retrying'
  return smtpConfigured ? 'waiting' : 'logged'
}

/**
 * A message's body as the mail log shows it: the token of any link that carries one (an invitation
 * or a password reset) is hidden, so whoever reads the log cannot use the link in the person's place.
 */
export function bodyForMailLog(body: string): string {
  return body.replace(/([?&]token=)[^\s&#]+/g, '$1(hidden)')
}
