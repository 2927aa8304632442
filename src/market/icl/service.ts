// The Interim Care List: the list at any instant, the committee's figures over a period, and the
// daily snapshots behind the trend.

import { and, asc, eq, gte, lte, sql } from 'drizzle-orm'
import { z } from 'zod'
import { listCouncils } from '../../accounts/service.ts'
import {
  type HandBackOnList,
  handBackOnListAt,
  handBacksForList,
  handBacksOnListAt,
} from '../../brokerage/offers/hand-backs.ts'
import { firstStatusChangeAt, requestHistories } from '../../brokerage/reporting/histories.ts'
import { addCalendarDays, calendarDaysBetween, type RequestStatus } from '../../brokerage/rules/index.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { listLocalities } from '../../geography/service.ts'
import { isCalendarDate, londonDate } from '../../shared/dates.ts'
import { checkPeriod } from '../period.ts'
import { iclSnapshots, iclSpellsPending } from '../schema.ts'
import {
  breakdowns,
  endOfLondonDay,
  entryAt,
  handBackEntry,
  headline,
  type IclBreakdowns,
  type IclEntry,
  type IclHeadline,
  intervalsWithHandBacks,
  listIntervals,
  movements,
  type RequestHistory,
  statusCanHoldOnList,
} from './rules.ts'
import { loadHistories, replaceSpells } from './store.ts'

export interface IclList extends IclHeadline {
  at: Date
  entries: IclEntry[]
  breakdowns: IclBreakdowns
}

function listFrom(
  histories: readonly RequestHistory[],
  at: Date,
  handBacks: readonly HandBackOnList[] = [],
  placedBy: ReadonlyMap<number, RequestHistory> = new Map(),
): IclList {
  const fromRequests = histories.flatMap((h) => entryAt(h, at) ?? [])
  const listed = new Set(fromRequests.map((e) => e.requestId))
  const fromHandBacks = handBacks
    .filter((h) => h.resourcingRequestId === null || !listed.has(h.resourcingRequestId))
    .map((h) => handBackEntry(h, placedBy.get(h.requestId), at))
  const entries = [...fromRequests, ...fromHandBacks].sort(
    (a, b) => b.daysWaiting - a.daysWaiting || a.requestId - b.requestId,
  )
  return { at, entries, ...headline(entries), breakdowns: breakdowns(entries) }
}

/** The list as it stood at an instant, from the history: asking late gives what asking then gave. */
export async function iclAt(db: Queryable, councilId: number, at: Date): Promise<IclList> {
  await ensureSpells(db, councilId)
  const handBacks = await handBacksAt(db, councilId, at)
  return listFrom(
    await loadHistories(db, councilId, { until: at, onListAfter: at }),
    at,
    handBacks.list,
    handBacks.placedBy,
  )
}

interface HandBacksForList {
  list: (HandBackOnList & { replacedAt: Date | null })[]
  placedBy: Map<number, RequestHistory>
}

const NO_HAND_BACKS: HandBacksForList = { list: [], placedBy: new Map() }

/** Every hand-back whose last day had come by `until`, with the history of the request that placed each. */
async function handBacksWithPlaces(db: Queryable, councilId: number, until: Date): Promise<HandBacksForList> {
  const list = await handBacksForList(db, councilId, until)
  if (list.length === 0) return NO_HAND_BACKS
  const histories = await requestHistories(db, councilId, { requestIds: list.map((h) => h.requestId) })
  return { list, placedBy: new Map(histories.map((h) => [h.requestId, h])) }
}

/**
 * The hand-backs on the list at an instant (last day come, person not re-placed), with the history
 * of the request that placed each package, for where the person is.
 */
async function handBacksAt(
  db: Queryable,
  councilId: number,
  at: Date,
): Promise<{ list: HandBackOnList[]; placedBy: Map<number, RequestHistory> }> {
  const list = await handBacksOnListAt(db, councilId, at)
  if (list.length === 0) return { list, placedBy: new Map() }
  const histories = await requestHistories(db, councilId, { requestIds: list.map((h) => h.requestId) })
  return { list, placedBy: new Map(histories.map((h) => [h.requestId, h])) }
}

// ---------------------------------------------------------------------------------------------
// Spells on the list (icl_spells): which requests a period's list has to read

/**
 * Rewrites a request's spells from its whole history, in the transaction of a change to it: its
 * status changes and slot fills. The caller holds the request's row (brokerage's transition has
 * updated it, an award has locked it), so changes to one request keep its spells one after another.
 */
export async function keepIclSpells(tx: Transaction, councilId: number, requestId: number): Promise<void> {
  const histories = await loadHistories(tx, councilId, { requestIds: [requestId] })
  await replaceSpells(tx, councilId, histories.flatMap(listIntervals), [requestId])
}

/** Whether a change of status can move a request onto or off the list: only into or out of a status that can hold it there. */
export function statusChangeMovesList(from: RequestStatus, to: RequestStatus): boolean {
  return statusCanHoldOnList(from) || statusCanHoldOnList(to)
}

/**
 * Rebuilds a council's spells from its raw history by the same rules: after history written in
 * bulk, and for a council whose spells were never made. Taking the table's lock waits for the
 * changes being kept and holds back new ones, which then rewrite their requests' spells after it.
 */
export async function rebuildIclSpells(db: Queryable, councilId: number): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table icl_spells in share row exclusive mode`)
    const spells = (await loadHistories(tx, councilId)).flatMap(listIntervals)
    await replaceSpells(tx, councilId, spells)
    await tx.delete(iclSpellsPending).where(eq(iclSpellsPending.councilId, councilId))
    return spells.length
  })
}

/**
 * Makes a council's spells from its history the first time they are needed, if the council had
 * history before spells were kept (icl_spells_pending). One lookup by key otherwise.
 */
async function ensureSpells(db: Queryable, councilId: number): Promise<void> {
  const [pending] = await db
    .select({ councilId: iclSpellsPending.councilId })
    .from(iclSpellsPending)
    .where(eq(iclSpellsPending.councilId, councilId))
  if (pending) await rebuildIclSpells(db, councilId)
}

// ---------------------------------------------------------------------------------------------
// A period's figures

const DEFAULT_PERIOD_DAYS = 28

const dateField = (label: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (/^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v)), {
      message: `${label} must be a real date`,
    })
    .describe(`${label}, YYYY-MM-DD`)

export const periodSchema = z.object({
  from: dateField('The start date'),
  to: dateField('The end date'),
  locality: z.string().trim().optional(),
})

export interface IclReport extends IclList {
  from: string
  to: string
  locality: string | null
  localities: string[]
  added: number
  removed: number
  /** Daily snapshots in the period, oldest first: the trend. */
  trend: SnapshotRow[]
}

export interface SnapshotRow {
  date: string
  people: number
  unfilledMinutesPerWeek: number
  meanDaysWaiting: number | null
  medianDaysWaiting: number | null
  added: number
  removed: number
}

/** The period asked for, by default the 28 days to today; what is wrong with it goes into `errors`. */
function periodOf(
  terms: { from?: string | undefined; to?: string | undefined },
  now: Date,
  errors: FieldError[],
): { from: string; to: string } {
  return checkPeriod(terms, (to) => addCalendarDays(to, -DEFAULT_PERIOD_DAYS + 1), now, errors)
}

/**
 * The list at the end of the period (or now, for a period ending today), with the people who came
 * onto it and left it during the period, for the whole council or one locality.
 */
export async function iclReport(
  db: Queryable,
  councilId: number,
  input: unknown,
  now: Date = new Date(),
): Promise<IclReport> {
  const terms = parseInput(periodSchema, input)
  const localities = (await listLocalities(db, councilId)).map((l) => l.name)
  const errors: FieldError[] = []
  const { from, to } = periodOf(terms, now, errors)
  const locality = terms.locality || null
  if (locality !== null && !localities.includes(locality))
    errors.push({ field: 'locality', message: 'Choose one of the council’s localities' })
  if (errors.length > 0) throw new ValidationError(errors)

  const end = new Date(Math.min(endOfLondonDay(to).getTime(), now.getTime()))
  await ensureSpells(db, councilId)
  const start = endOfLondonDay(addCalendarDays(from, -1))
  const histories = (await loadHistories(db, councilId, { until: end, onListAfter: start })).filter(
    (h) => locality === null || h.locality === locality,
  )
  const handBacks = await handBacksWithPlaces(db, councilId, end)
  const inLocality = handBacks.list.filter((h) => {
    const placed = handBacks.placedBy.get(h.requestId)
    return locality === null || (placed?.locality ?? null) === locality
  })
  const list = listFrom(
    histories,
    end,
    inLocality.filter((h) => handBackOnListAt(h, end)),
    handBacks.placedBy,
  )
  const { added, removed } = movements(
    intervalsWithHandBacks(
      histories.flatMap((h) => listIntervals(h)),
      inLocality,
    ),
    start,
    end,
  )
  return {
    ...list,
    from,
    to,
    locality,
    localities,
    added,
    removed,
    trend: await snapshotTrend(db, councilId, from, to, locality),
  }
}

async function snapshotTrend(
  db: Queryable,
  councilId: number,
  from: string,
  to: string,
  locality: string | null,
): Promise<SnapshotRow[]> {
  const rows = await db
    .select()
    .from(iclSnapshots)
    .where(
      and(eq(iclSnapshots.councilId, councilId), gte(iclSnapshots.date, from), lte(iclSnapshots.date, to)),
    )
    .orderBy(asc(iclSnapshots.date))
  return rows.map((row) => {
    if (locality === null) return snapshotRow(row)
    // A locality's trend reads its line of each day's breakdown.
    const line = row.breakdowns.locality?.find((b) => b.key === locality)
    return {
      date: row.date,
      people: line?.people ?? 0,
      unfilledMinutesPerWeek: line?.unfilledMinutesPerWeek ?? 0,
      meanDaysWaiting: null,
      medianDaysWaiting: null,
      added: 0,
      removed: 0,
    }
  })
}

function snapshotRow(row: typeof iclSnapshots.$inferSelect): SnapshotRow {
  return {
    date: row.date,
    people: row.people,
    unfilledMinutesPerWeek: row.unfilledMinutesPerWeek,
    meanDaysWaiting: row.meanDaysWaiting,
    medianDaysWaiting: row.medianDaysWaiting,
    added: row.added,
    removed: row.removed,
  }
}

// ---------------------------------------------------------------------------------------------
// Daily snapshots

/** What a London date's snapshot holds: the list at the end of that day, and that day's movements. */
function snapshotFor(
  histories: readonly RequestHistory[],
  date: string,
  handBacks: HandBacksForList = NO_HAND_BACKS,
) {
  const end = endOfLondonDay(date)
  const list = listFrom(
    histories,
    end,
    handBacks.list.filter((h) => handBackOnListAt(h, end)),
    handBacks.placedBy,
  )
  const { added, removed } = movements(
    intervalsWithHandBacks(
      histories.flatMap((h) => listIntervals(h)),
      handBacks.list,
    ),
    endOfLondonDay(addCalendarDays(date, -1)),
    end,
  )
  return {
    date,
    people: list.people,
    unfilledMinutesPerWeek: list.unfilledMinutesPerWeek,
    meanDaysWaiting: list.meanDaysWaiting,
    medianDaysWaiting: list.medianDaysWaiting,
    added,
    removed,
    breakdowns: list.breakdowns,
  }
}

/**
 * snapshotFor() for many dates at once, with the same result: each date is worked out from only the
 * histories that were on the list at the end of the day or came onto it or left it during the day.
 * Catching up years of days over a big council's history would otherwise go through every
 * request's history once per day.
 */
function snapshotsFor(
  histories: readonly RequestHistory[],
  dates: readonly string[],
  handBacks: HandBacksForList = NO_HAND_BACKS,
) {
  const spans = histories
    .flatMap((history) => listIntervals(history).map((interval) => ({ history, interval })))
    .sort((a, b) => a.interval.on.getTime() - b.interval.on.getTime())
  const ordered = [...dates].sort()
  const result = new Map<string, ReturnType<typeof snapshotFor>>()
  let next = 0
  let open: typeof spans = []
  for (const date of ordered) {
    const dayStart = endOfLondonDay(addCalendarDays(date, -1)).getTime()
    const dayEnd = endOfLondonDay(date).getTime()
    while (next < spans.length && (spans[next] as (typeof spans)[number]).interval.on.getTime() <= dayEnd)
      open.push(spans[next++] as (typeof spans)[number])
    // An interval that ended at or before the day began has nothing more to say about later days.
    open = open.filter((s) => s.interval.off === null || s.interval.off.getTime() > dayStart)
    result.set(date, snapshotFor([...new Set(open.map((s) => s.history))], date, handBacks))
  }
  return dates.map((date) => result.get(date) as ReturnType<typeof snapshotFor>)
}

export interface SnapshotRunResult {
  taken: { councilId: number; date: string }[]
}

/**
 * Takes every council's missing daily snapshots, from its first request history up to yesterday
 * (London): after downtime it catches up. The (council, date) key settles races between
 * instances, and computing from history makes a late snapshot equal an on-time one.
 */
export async function takeDueSnapshots(db: Database, now: Date = new Date()): Promise<SnapshotRunResult> {
  const yesterday = addCalendarDays(londonDate(now), -1)
  const result: SnapshotRunResult = { taken: [] }
  const all = (await listCouncils(db)).sort((a, b) => a.id - b.id)
  for (const { id: councilId } of all) {
    const missing = await missingDates(db, councilId, yesterday)
    if (missing.length === 0) continue
    await ensureSpells(db, councilId)
    const histories = await loadHistories(db, councilId, {
      until: endOfLondonDay(yesterday),
      onListAfter: endOfLondonDay(addCalendarDays(missing[0] as string, -1)),
    })
    const snapshots = snapshotsFor(
      histories,
      missing,
      await handBacksWithPlaces(db, councilId, endOfLondonDay(yesterday)),
    )
    for (const snapshot of snapshots) {
      const { date } = snapshot
      const inserted = await db
        .insert(iclSnapshots)
        .values({ councilId, takenAt: now, ...snapshot })
        .onConflictDoNothing()
        .returning({ date: iclSnapshots.date })
      if (inserted.length > 0) result.taken.push({ councilId, date })
    }
  }
  return result
}

/** London dates from the council's first recorded request change to `until` that have no snapshot. */
async function missingDates(db: Queryable, councilId: number, until: string): Promise<string[]> {
  const first = await firstStatusChangeAt(db, councilId)
  if (!first) return []
  const start = londonDate(first)
  if (start > until) return []
  const taken = new Set(
    (
      await db
        .select({ date: iclSnapshots.date })
        .from(iclSnapshots)
        .where(
          and(
            eq(iclSnapshots.councilId, councilId),
            gte(iclSnapshots.date, start),
            lte(iclSnapshots.date, until),
          ),
        )
    ).map((r) => r.date),
  )
  const dates: string[] = []
  for (let i = 0; i <= calendarDaysBetween(start, until); i++) {
    const date = addCalendarDays(start, i)
    if (!taken.has(date)) dates.push(date)
  }
  return dates
}

export async function listSnapshots(db: Queryable, councilId: number): Promise<SnapshotRow[]> {
  const rows = await db
    .select()
    .from(iclSnapshots)
    .where(eq(iclSnapshots.councilId, councilId))
    .orderBy(asc(iclSnapshots.date))
  return rows.map(snapshotRow)
}

export const snapshotPeriodSchema = periodSchema.pick({ from: true, to: true })

export interface SnapshotsInPeriod {
  from: string
  to: string
  snapshots: (SnapshotRow & { takenAt: Date; breakdowns: IclBreakdowns })[]
}

/** The daily snapshots of a period (by default the 28 days to today), oldest first, with their breakdowns. */
export async function snapshotsInPeriod(
  db: Queryable,
  councilId: number,
  input: unknown,
  now: Date = new Date(),
): Promise<SnapshotsInPeriod> {
  const errors: FieldError[] = []
  const { from, to } = periodOf(parseInput(snapshotPeriodSchema, input), now, errors)
  if (errors.length > 0) throw new ValidationError(errors)
  const rows = await db
    .select()
    .from(iclSnapshots)
    .where(
      and(eq(iclSnapshots.councilId, councilId), gte(iclSnapshots.date, from), lte(iclSnapshots.date, to)),
    )
    .orderBy(asc(iclSnapshots.date))
  return {
    from,
    to,
    snapshots: rows.map((row) => ({ ...snapshotRow(row), takenAt: row.takenAt, breakdowns: row.breakdowns })),
  }
}
