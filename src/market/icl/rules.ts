// The Interim Care List (DOMAIN.md §8) as pure functions of each request's history: its status
// changes and the times its slots were filled. Computing from history, never from the current
// row, is what makes the list at a past instant the same whenever it is asked for. No I/O.

import { TZDate } from '@date-fns/tz'
import { ageBand } from '../../brokerage/offers/rules.ts'
import {
  addCalendarDays,
  calendarDaysBetween,
  REQUEST_SERVICE_TYPE_LABELS,
  type RequestServiceType,
  type RequestStatus,
  staysOnInterimCareList,
} from '../../brokerage/rules/index.ts'
import { LONDON, londonDate } from '../../shared/dates.ts'
import { median } from '../../shared/statistics.ts'

const UNKNOWN_AREA = 'Not known'

/** Everything the list needs to know about one request, from its history. */
export interface RequestHistory {
  requestId: number
  serviceType: RequestServiceType
  inHospital: boolean
  personName: string
  dateOfBirth: string
  locality: string | null
  pcn: string | null
  /** Status changes, oldest first. */
  events: readonly { at: Date; toStatus: RequestStatus }[]
  /** Home care visits and the paid care minutes each is a week; empty for a placement. */
  visits: readonly { id: number; minutesPerWeek: number }[]
  /** Supported living's hours of support a week, in minutes; absent or null for other services. */
  supportMinutesPerWeek?: number | null
  /** When each slot was filled (slot 0 is a whole placement). */
  fills: readonly { slot: number; at: Date }[]
}

export interface IclEntry {
  requestId: number
  personName: string
  submittedAt: Date
  daysWaiting: number
  unfilledMinutesPerWeek: number
  /** All the request's care minutes a week: the most that can be unfilled. */
  requestedMinutesPerWeek: number
  locality: string
  pcn: string
  ageGroup: string
  careType: string
  inHospital: boolean
  /** The package a provider handed back, for a person on the list because of it; null otherwise. */
  handBackPackageId: number | null
}

/** A stretch of time on the list: from `on` (inclusive) until `off` (exclusive), or still on. */
export interface ListInterval {
  requestId: number
  on: Date
  off: Date | null
}

function statusAt(history: RequestHistory, at: Date): RequestStatus | null {
  let status: RequestStatus | null = null
  for (const event of history.events) {
    if (event.at.getTime() > at.getTime()) break
    status = event.toStatus
  }
  return status
}

function slotIds(history: RequestHistory): number[] {
  return history.visits.length === 0 ? [0] : history.visits.map((v) => v.id)
}

function filledAt(history: RequestHistory, at: Date): Set<number> {
  return new Set(history.fills.filter((f) => f.at.getTime() <= at.getTime()).map((f) => f.slot))
}

/** The minutes a week the request asks for: its visits' care-worker minutes, or supported living's hours of support. */
function requestedMinutesPerWeek(history: RequestHistory): number {
  return history.visits.reduce((sum, v) => sum + v.minutesPerWeek, 0) + (history.supportMinutesPerWeek ?? 0)
}

/** Whether the request put its person on the list at an instant (changes at `at` included). */
export function onListAt(history: RequestHistory, at: Date): boolean {
  const status = statusAt(history, at)
  if (status === null) return false
  const slots = slotIds(history)
  const filled = filledAt(history, at)
  return staysOnInterimCareList(status, {
    total: slots.length,
    awarded: slots.filter((s) => filled.has(s)).length,
  })
}

/** Care minutes a week still to be found at an instant: all of an unsourced request's, else the unfilled visits'. */
export function unfilledMinutesAt(history: RequestHistory, at: Date): number {
  if (!onListAt(history, at)) return 0
  if (statusAt(history, at) === 'unsourced') return requestedMinutesPerWeek(history)
  const filled = filledAt(history, at)
  return history.visits.filter((v) => !filled.has(v.id)).reduce((sum, v) => sum + v.minutesPerWeek, 0)
}

/** When the social worker submitted the request; its first recorded change if the history begins later. */
function submittedAt(history: RequestHistory): Date | null {
  const submitted = history.events.find((e) => e.toStatus === 'submitted') ?? history.events[0]
  return submitted?.at ?? null
}

/** The request's line on the list at an instant, or null when it is not on it. */
export function entryAt(history: RequestHistory, at: Date): IclEntry | null {
  if (!onListAt(history, at)) return null
  const submitted = submittedAt(history) as Date
  const today = londonDate(at)
  return {
    requestId: history.requestId,
    personName: history.personName,
    submittedAt: submitted,
    daysWaiting: Math.max(0, calendarDaysBetween(londonDate(submitted), today)),
    unfilledMinutesPerWeek: unfilledMinutesAt(history, at),
    requestedMinutesPerWeek: requestedMinutesPerWeek(history),
    locality: history.locality ?? UNKNOWN_AREA,
    pcn: history.pcn ?? UNKNOWN_AREA,
    ageGroup: ageBand(history.dateOfBirth, today),
    careType: REQUEST_SERVICE_TYPE_LABELS[history.serviceType] ?? history.serviceType,
    inHospital: history.inHospital,
    handBackPackageId: null,
  }
}

/** What a hand-back puts on the list once its last day has come and until its person is re-placed. */
export interface HandBackFacts {
  packageId: number
  /** The request that placed the handed-back package. */
  requestId: number
  resourcingRequestId: number | null
  personName: string
  dateOfBirth: string
  lastDay: string
  minutesPerWeek: number
  serviceType: string
}

/**
 * A hand-back's line on the list at an instant: waiting from its last day, with the package's care
 * minutes unfilled, placed where the request that placed the package was. The linked request's own
 * line stands for the person instead while it is on the list (unsourced), so no one is counted twice.
 */
export function handBackEntry(
  facts: HandBackFacts,
  placedBy: RequestHistory | undefined,
  at: Date,
): IclEntry {
  const today = londonDate(at)
  const serviceType = facts.serviceType as RequestServiceType
  return {
    requestId: facts.requestId,
    personName: facts.personName,
    submittedAt: startOfLondonDay(facts.lastDay),
    daysWaiting: Math.max(0, calendarDaysBetween(facts.lastDay, today)),
    unfilledMinutesPerWeek: facts.minutesPerWeek,
    requestedMinutesPerWeek: facts.minutesPerWeek,
    locality: placedBy?.locality ?? UNKNOWN_AREA,
    pcn: placedBy?.pcn ?? UNKNOWN_AREA,
    ageGroup: ageBand(facts.dateOfBirth, today),
    careType: REQUEST_SERVICE_TYPE_LABELS[serviceType] ?? facts.serviceType,
    inHospital: false,
    handBackPackageId: facts.packageId,
  }
}

/** Whether a request in this status can keep its person on the list (with slots still unfilled). */
export function statusCanHoldOnList(status: RequestStatus): boolean {
  return staysOnInterimCareList(status, { total: 1, awarded: 0 })
}

/** The stretches of time the request kept its person on the list, in order. */
export function listIntervals(history: RequestHistory): ListInterval[] {
  const instants = [...new Set([...history.events, ...history.fills].map((c) => c.at.getTime()))].sort(
    (a, b) => a - b,
  )
  const intervals: ListInterval[] = []
  let open: Date | null = null
  for (const instant of instants) {
    const at = new Date(instant)
    const on = onListAt(history, at)
    if (on && !open) open = at
    if (!on && open) {
      intervals.push({ requestId: history.requestId, on: open, off: at })
      open = null
    }
  }
  if (open) intervals.push({ requestId: history.requestId, on: open, off: null })
  return intervals
}

// ---------------------------------------------------------------------------------------------
// Periods and days

/** The first instant of a London date. */
export function startOfLondonDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return new Date(new TZDate(year, month - 1, day, 0, 0, 0, 0, LONDON).getTime())
}

/** The last instant of a London date: where a day's list is read. */
export function endOfLondonDay(date: string): Date {
  return new Date(startOfLondonDay(addCalendarDays(date, 1)).getTime() - 1)
}

/** People who came onto the list, and who left it, after `after` and up to `until`. */
export function movements(intervals: readonly ListInterval[], after: Date, until: Date) {
  const within = (at: Date | null) =>
    at !== null && at.getTime() > after.getTime() && at.getTime() <= until.getTime()
  return {
    added: intervals.filter((i) => within(i.on)).length,
    removed: intervals.filter((i) => within(i.off)).length,
  }
}

/** What a hand-back's stretch on the list is worked out from. */
export interface HandBackSpan {
  requestId: number
  resourcingRequestId: number | null
  lastDay: string
  /** When the linked request's first package was awarded; null while the person waits. */
  replacedAt: Date | null
}

/**
 * The stretches the period's added and removed counts read: each request's, and each hand-back's,
 * from the start of its last day (London) until its person is re-placed. A hand-back's stretch and
 * its linked request's own stretches that overlap it are one person on the list, so they are
 * joined into one. A person re-placed before the last day was never on the list.
 */
export function intervalsWithHandBacks(
  requestIntervals: readonly ListInterval[],
  handBacks: readonly HandBackSpan[],
): ListInterval[] {
  const joined = new Set<ListInterval>()
  const spans: ListInterval[] = []
  for (const h of handBacks) {
    let on = startOfLondonDay(h.lastDay).getTime()
    if (h.replacedAt !== null && h.replacedAt.getTime() <= on) continue
    let off = h.replacedAt === null ? Number.POSITIVE_INFINITY : h.replacedAt.getTime()
    for (const i of requestIntervals) {
      const iOff = i.off === null ? Number.POSITIVE_INFINITY : i.off.getTime()
      if (i.requestId !== h.resourcingRequestId || i.on.getTime() >= off || iOff <= on) continue
      joined.add(i)
      on = Math.min(on, i.on.getTime())
      off = Math.max(off, iOff)
    }
    spans.push({ requestId: h.requestId, on: new Date(on), off: Number.isFinite(off) ? new Date(off) : null })
  }
  return [...requestIntervals.filter((i) => !joined.has(i)), ...spans]
}

// ---------------------------------------------------------------------------------------------
// Headline figures

interface BreakdownRow {
  key: string
  people: number
  unfilledMinutesPerWeek: number
}

export interface IclBreakdowns {
  locality: BreakdownRow[]
  pcn: BreakdownRow[]
  ageGroup: BreakdownRow[]
  careType: BreakdownRow[]
  inHospital: BreakdownRow[]
}

export interface IclHeadline {
  people: number
  unfilledMinutesPerWeek: number
  meanDaysWaiting: number | null
  medianDaysWaiting: number | null
}

export function headline(entries: readonly IclEntry[]): IclHeadline {
  const days = entries.map((e) => e.daysWaiting)
  return {
    people: entries.length,
    unfilledMinutesPerWeek: entries.reduce((sum, e) => sum + e.unfilledMinutesPerWeek, 0),
    meanDaysWaiting: days.length === 0 ? null : days.reduce((a, b) => a + b, 0) / days.length,
    medianDaysWaiting: median(days),
  }
}

const AGE_ORDER = ['Under 18', '18–64', '65–74', '75–84', '85+']

function breakdownBy(entries: readonly IclEntry[], keyOf: (e: IclEntry) => string, order?: string[]) {
  const rows = new Map<string, BreakdownRow>()
  for (const entry of entries) {
    const key = keyOf(entry)
    const row = rows.get(key) ?? { key, people: 0, unfilledMinutesPerWeek: 0 }
    row.people++
    row.unfilledMinutesPerWeek += entry.unfilledMinutesPerWeek
    rows.set(key, row)
  }
  const rank = (key: string) => (order ? order.indexOf(key) : -1)
  return [...rows.values()].sort((a, b) =>
    order
      ? rank(a.key) - rank(b.key)
      : a.key === UNKNOWN_AREA
        ? 1
        : b.key === UNKNOWN_AREA
          ? -1
          : a.key.localeCompare(b.key, 'en-GB'),
  )
}

export function breakdowns(entries: readonly IclEntry[]): IclBreakdowns {
  return {
    locality: breakdownBy(entries, (e) => e.locality),
    pcn: breakdownBy(entries, (e) => e.pcn),
    ageGroup: breakdownBy(entries, (e) => e.ageGroup, AGE_ORDER),
    careType: breakdownBy(entries, (e) => e.careType),
    inHospital: breakdownBy(entries, (e) => (e.inHospital ? 'In hospital' : 'Not in hospital'), [
      'In hospital',
      'Not in hospital',
    ]),
  }
}

/** Hours a week from care minutes, to one decimal place, as the committee reads them. */
export function hoursPerWeek(minutes: number): number {
  return Math.round((minutes / 60) * 10) / 10
}
