// Pure rules of the import from CQC's API: how long to wait before asking again, what CQC's list of
// changes must look like, where a run starts and when the daily job is due.
import { z } from 'zod'
import { isCalendarDate, startOfLondonDay } from '../../shared/dates.ts'

/** Tries of one request before the run stops (the first and four retries). */
export const API_ATTEMPTS = 5
/** The first retry's wait; each later one doubles, up to LONGEST_RETRY_MS. */
const FIRST_RETRY_MS = 1_000
const LONGEST_RETRY_MS = 60_000
/** The longest Retry-After honoured: a longer one is waited out this long and asked again. */
const LONGEST_RETRY_AFTER_MS = 5 * 60_000

/**
 * How long to wait before try `attempt + 1` of a request, after try `attempt` (1-based) failed.
 * CQC's rate limit answers 429 with Retry-After (seconds, or an HTTP date): that is honoured, up to
 * five minutes. Otherwise 1, 2, 4 … seconds, at most a minute, each between 75% and 125% of that
 * (`random` in [0, 1)) so clients that failed together do not all come back in the same second.
 */
export function retryDelayMs(
  attempt: number,
  retryAfter: string | null,
  now: Date,
  random: number,
  firstRetryMs = FIRST_RETRY_MS,
): number {
  const asked = retryAfterMs(retryAfter, now)
  if (asked !== null) return Math.min(asked, LONGEST_RETRY_AFTER_MS)
  const base = Math.min(firstRetryMs * 2 ** Math.min(attempt - 1, 30), LONGEST_RETRY_MS)
  return Math.round(base * (0.75 + random * 0.5))
}

function retryAfterMs(value: string | null, now: Date): number | null {
  const text = value?.trim()
  if (!text) return null
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - now.getTime())
}

/** One page of CQC's changes, as its API documents it; other fields (nextPageUri…) are not needed. */
export const changesPageSchema = z.object({
  total: z.number().int().min(0),
  page: z.number().int().min(1),
  perPage: z.number().int().min(1),
  totalPages: z.number().int().min(0),
  changes: z.array(z.unknown()),
})
export type ChangesPage = z.infer<typeof changesPageSchema>

/** CQC's timestamps: ISO 8601 in UTC to the second ("2026-12-07T06:00:00Z"). */
export function cqcTimestamp(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The instant to the whole second, as the window is sent to CQC and stored. */
export function toWholeSecond(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / 1000) * 1000)
}

const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * Reads --since: a date ('2026-12-01', from the start of that day in England) or a date and time
 * with its zone ('2026-12-01T06:00:00Z'). Anything else, or an instant not before `now`, is a
 * problem, returned as the sentence to show.
 */
export function parseSince(
  value: string,
  now: Date,
): { ok: true; since: Date } | { ok: false; problem: string } {
  const text = value.trim()
  const example = 'a date (2026-12-01) or a date and time with its zone (2026-12-01T06:00:00Z)'
  let since: Date | null = null
  if (isCalendarDate(text)) since = startOfLondonDay(text)
  else if (ZONED_DATE_TIME.test(text) && isCalendarDate(text.slice(0, 10))) {
    const parsed = new Date(text)
    if (!Number.isNaN(parsed.getTime())) since = parsed
  }
  if (!since) return { ok: false, problem: `--since must be ${example}, not "${value}"` }
  if (since.getTime() >= now.getTime())
    return { ok: false, problem: `--since must be in the past, not "${value}"` }
  return { ok: true, since }
}

/** How often the daily job imports each council's changes. */
const DAILY_MS = 24 * 60 * 60_000
/** After a failed run the job waits this long before trying again (CQC may be down for a while). */
const RETRY_FAILED_RUN_AFTER_MS = 60 * 60_000

/**
 * Whether the daily job should run a council's API import now: not while one runs, not within an
 * hour of a failed one, at once to finish an interrupted run, and otherwise once its last
 * completed window (or, before the first, the last file import) ended a day ago. Without either
 * there is nothing to start from: the council imports a register file first.
 */
export function apiImportDue(
  sync: { nextFrom: Date | null; windowFrom: Date | null } | undefined,
  lastAttempt: { status: string; finishedAt: Date | null } | undefined,
  lastFileImportAt: Date | null,
  now: Date,
): boolean {
  if (lastAttempt?.status === 'running') return false
  if (
    lastAttempt?.status === 'failed' &&
    lastAttempt.finishedAt &&
    now.getTime() - lastAttempt.finishedAt.getTime() < RETRY_FAILED_RUN_AFTER_MS
  )
    return false
  if (sync?.windowFrom) return true
  const from = sync?.nextFrom ?? lastFileImportAt
  return from !== null && now.getTime() - from.getTime() >= DAILY_MS
}
