// Pure rules of offers, awards and packages: what a provider may see before award, what an offer's
// price means per week, when an offer may still change. No I/O.

import { createHash } from 'node:crypto'
import { TZDate } from '@date-fns/tz'
import canonicalJson from 'safe-stable-stringify'
import { formatDate, formatLondonDate, LONDON, londonClockTime, londonDate } from '../../shared/dates.ts'
import { formatPounds, formatPoundsInput, parsePounds } from '../../shared/money.ts'
import { nhsNumberText } from '../rules/format.ts'
import { careWorkerMinutesPerWeek } from '../rules/hours.ts'
import type { RequestStatus } from '../rules/lifecycle.ts'
import { isCareHome, type PriceUnit, type RequestServiceType } from '../rules/vocabulary.ts'

// ---------------------------------------------------------------------------------------------
// Privacy before award (DOMAIN.md §5)

export const AGE_BANDS = ['18–64', '65–74', '75–84', '85+'] as const
export type AgeBand = (typeof AGE_BANDS)[number] | 'Under 18'

/** Whole years from a date of birth to a date, both 'YYYY-MM-DD'. */
function ageOn(dateOfBirth: string, onDate: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number]
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number]
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
}

/**
 * The age groups the Interim Care List reports by (DOMAIN.md §8); providers see only the band.
 * Free text is taken care of by `src/brokerage/rules/identifiers.ts`.
 */
export function ageBand(dateOfBirth: string | null, onDate: string): AgeBand {
  // Only a person known from the council's book lacks one, and their request is a draft until completed.
  if (dateOfBirth === null) throw new Error('The person’s date of birth is not known yet')
  const age = ageOn(dateOfBirth, onDate)
  if (age < 18) return 'Under 18'
  if (age < 65) return '18–64'
  if (age < 75) return '65–74'
  if (age < 85) return '75–84'
  return '85+'
}

// ---------------------------------------------------------------------------------------------
// Visits and weekly cost

export interface VisitPattern {
  id: number
  days: readonly string[]
  windowStart: string
  windowEnd: string
  durationMinutes: number
  carers: number
}

/** Days a week on which at least one of the visits happens. */
function daysPerWeek(visits: readonly Pick<VisitPattern, 'days'>[]): number {
  return new Set(visits.flatMap((v) => v.days)).size
}

/**
 * The minutes a week a package delivers: the care-worker minutes of the visits it covers (home
 * care), or the hours of support a week of a supported-living request; null for a placement.
 */
export function packageMinutesPerWeek(
  visits: readonly Pick<VisitPattern, 'days' | 'durationMinutes' | 'carers'>[],
  supportMinutesPerWeek: number | null = null,
): number | null {
  return visits.length > 0 ? careWorkerMinutesPerWeek(visits) : supportMinutesPerWeek
}

/**
 * What a package costs a week, in pence, from the agreed price in its unit:
 * - weekly (care homes): the price itself;
 * - hourly (home care, supported living): the price × the package's minutes a week ÷ 60 (the
 *   visits' care-worker minutes, or the hours of support a week of supported living);
 * - daily (day opportunities): the price × the days a week with a visit (1 without a pattern).
 */
export function weeklyCostPence(
  unit: PriceUnit,
  pricePence: number,
  visits: readonly Pick<VisitPattern, 'days' | 'durationMinutes' | 'carers'>[],
  supportMinutesPerWeek: number | null = null,
): number {
  if (unit === 'weekly') return pricePence
  if (unit === 'daily') return pricePence * Math.max(1, daysPerWeek(visits))
  return Math.round((pricePence * (packageMinutesPerWeek(visits, supportMinutesPerWeek) ?? 0)) / 60)
}

/** The slots of a request: one per visit when it has a visit pattern; otherwise slot 0, the whole placement. */
export function slotsOf(serviceType: RequestServiceType, visitIds: readonly number[]): number[] {
  if (isCareHome(serviceType) || visitIds.length === 0) return [0]
  return [...visitIds]
}

// ---------------------------------------------------------------------------------------------
// Prices typed in pounds

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string }

/** A price or top-up typed in pounds ("£1,050.50") as integer pence: more than £0, at most £1,000,000. */
export function parsePrice(text: string, what = 'the price'): Parsed<number> {
  const parsed = parsePounds(text)
  if (!parsed.ok) {
    const problem = {
      empty: `Enter ${what}`,
      negative: `${capitalise(what)} cannot be negative`,
      invalid: `Enter ${what} in pounds and pence, like 1050.50`,
    }[parsed.problem]
    return { ok: false, problem }
  }
  const { pence } = parsed
  if (pence <= 0) return { ok: false, problem: `${capitalise(what)} must be more than £0` }
  if (pence > 100_000_000) return { ok: false, problem: `${capitalise(what)} must be £1,000,000 or less` }
  return { ok: true, value: pence }
}

/** Pence as the offer forms show pounds, always with pence as their hint does: 105050 → "1050.50". */
export function poundsInput(pence: number | null | undefined): string {
  return formatPoundsInput(pence, { pence: 'always' })
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// ---------------------------------------------------------------------------------------------
// When offers may change

/**
 * Why an offer can no longer be made, revised or withdrawn, or null while it can: the request must
 * be published and its deadline not yet passed (the deadline counts even before the closing job
 * has run, so a late offer is never accepted).
 */
export function offerWindowProblem(status: RequestStatus, deadlineAt: Date | null, now: Date): string | null {
  if (deadlineAt && now.getTime() >= deadlineAt.getTime()) {
    return `The deadline for offers passed ${deadlineText(deadlineAt)}: offers can no longer be made, changed or withdrawn.`
  }
  if (status !== 'published') {
    return status === 'closed' || status === 'awarded' || status === 'started' || status === 'unsourced'
      ? 'This request has closed: offers can no longer be made, changed or withdrawn.'
      : 'This request is not open for offers.'
  }
  return null
}

/**
 * Why an offer in this status can no longer be changed (`doing`: "revised", "withdrawn"); null
 * while it is submitted.
 */
export function offerChangeProblem(status: string, doing: string): string | null {
  if (status === 'submitted') return null
  const why =
    status === 'withdrawn'
      ? 'it has been withdrawn: make a new offer instead'
      : status === 'accepted'
        ? 'it has been accepted'
        : 'the request has been decided'
  return `This offer cannot be ${doing}: ${why}`
}

/**
 * The visits an offer covers, each once and in order: some of the request's visits, at least one,
 * or none when the request has no visits.
 */
export function chooseVisits(chosen: readonly number[], visits: readonly { id: number }[]): Parsed<number[]> {
  const unique = [...new Set(chosen)].sort((a, b) => a - b)
  if (visits.length === 0) {
    return unique.length > 0
      ? { ok: false, problem: 'This request has no visits to choose' }
      : { ok: true, value: [] }
  }
  const known = new Set(visits.map((v) => v.id))
  if (unique.some((id) => !known.has(id)))
    return { ok: false, problem: 'Choose visits from this request’s visits' }
  if (unique.length === 0) return { ok: false, problem: 'Choose at least one visit you can cover' }
  return { ok: true, value: unique }
}

/** A deadline as pages and emails write it: "on 3 March 2026 at 14:00". */
export function deadlineText(instant: Date): string {
  return `on ${formatLondonDate(instant)} at ${londonClockTime(instant)}`
}

/**
 * When offers close or closed: the deadline while open, the time they really closed once closed,
 * saying so when that was before the deadline (a broker closing early).
 */
export function offersClosingText(deadlineAt: Date | null, closedAt: Date | null): string | null {
  if (closedAt && deadlineAt && closedAt.getTime() < deadlineAt.getTime())
    return `${deadlineText(closedAt)}, early: the deadline was ${deadlineText(deadlineAt)}`
  if (closedAt) return deadlineText(closedAt)
  return deadlineAt ? deadlineText(deadlineAt) : null
}

// ---------------------------------------------------------------------------------------------
// Packages

export const PACKAGE_STATES = ['starting', 'active', 'ended'] as const
export type PackageState = (typeof PACKAGE_STATES)[number]

export const PACKAGE_STATE_LABELS: Record<PackageState, string> = {
  starting: 'Starts soon',
  active: 'Active',
  ended: 'Ended',
}

/** A package is active from its start date until its end date (the last day of care). */
export function packageState(
  pkg: { startDate: string; endDate: string | null; confirmation?: string },
  today: string,
): PackageState {
  // A package its provider declined never starts.
  if (pkg.confirmation === 'declined') return 'ended'
  if (pkg.endDate !== null && pkg.endDate < today) return 'ended'
  if (pkg.startDate > today) return 'starting'
  return 'active'
}

/** The start of a package: the request's start date, or the provider's earliest start if later. */
export function packageStartDate(requestStartDate: string, earliestStart: string): string {
  return earliestStart > requestStartDate ? earliestStart : requestStartDate
}

/** The first instant of the London calendar month that `now` falls in: "this month" for placement limits. */
export function londonMonthStart(now: Date): Date {
  const [year, month] = londonDate(now).split('-').map(Number) as [number, number]
  return new Date(new TZDate(year, month - 1, 1, 0, 0, 0, 0, LONDON).getTime())
}

/** Formatting the offers pages call from their templates. */
export const VIEW_HELPERS = {
  nhsNumberText,
  money: (pence: number | null | undefined) =>
    pence === null || pence === undefined ? '' : formatPounds(pence),
  hours: (minutes: number | null | undefined) =>
    minutes === null || minutes === undefined ? '' : `${Math.round((minutes / 60) * 100) / 100}`,
  dateText: formatDate,
}

// ---------------------------------------------------------------------------------------------
// Idempotency-Key

/**
 * What an offer made with an Idempotency-Key is remembered by: the SHA-256 of the request it answers
 * and the body sent, as canonical JSON (keys sorted, so the same terms in another order or spacing
 * are the same request). A key sent again with the same fingerprint gets the first offer back; with
 * another, it is refused.
 */
export function offerFingerprint(requestId: number, body: unknown): string {
  const canonical = canonicalJson({ target: `/api/v1/requests/${requestId}/offers`, body }) ?? ''
  return createHash('sha256').update(canonical).digest('hex')
}
