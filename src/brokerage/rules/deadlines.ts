// Response windows (DOMAIN.md §6) and working days in England and Wales. Pure: the bank holidays
// come in as a set of 'YYYY-MM-DD' strings (the council admin edits the table), and no clock is read.
//
// The exact instant of a deadline:
// - Emergency: the same London clock time, 1 day later for 24 hours (2 days for 48). "24 hours"
//   is read as "by this time tomorrow": across a change between GMT and BST the window is then 23
//   or 25 hours long, but the deadline keeps the clock time that providers were shown. A clock time
//   the spring change skips moves on by the hour (01:30 becomes 02:30 BST); one the autumn change
//   repeats is the second (GMT) one.
// - Otherwise: the same London clock time as publication, on the Nth working day after the day of
//   publication. Published on a weekend or bank holiday, counting starts from the next working day,
//   so a provider always gets N full working days. Working days are Monday to Friday and the clocks
//   change on Sundays, so this clock time always exists on the deadline day.
import { TZDate } from '@date-fns/tz'
import { LONDON, londonDate } from '../../shared/dates.ts'
import { plural } from './format.ts'
import type { BrokerageSettings } from './settings.ts'

export type HolidaySet = ReadonlySet<string>

// ---------------------------------------------------------------------------------------------
// Bank holidays

export interface BankHoliday {
  date: string
  name: string
}

/**
 * The bank holidays of England and Wales, 2024–2028, as GOV.UK publishes them, substitute days
 * included. deadlines.test.ts recomputes every date from Easter and the Monday rules, so a typo
 * here fails the build. Years after 2028 are the council admin's to add.
 */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: readonly BankHoliday[] = Object.freeze([
  { date: '2024-01-01', name: 'New Year’s Day' },
  { date: '2024-03-29', name: 'Good Friday' },
  { date: '2024-04-01', name: 'Easter Monday' },
  { date: '2024-05-06', name: 'Early May bank holiday' },
  { date: '2024-05-27', name: 'Spring bank holiday' },
  { date: '2024-08-26', name: 'Summer bank holiday' },
  { date: '2024-12-25', name: 'Christmas Day' },
  { date: '2024-12-26', name: 'Boxing Day' },
  { date: '2025-01-01', name: 'New Year’s Day' },
  { date: '2025-04-18', name: 'Good Friday' },
  { date: '2025-04-21', name: 'Easter Monday' },
  { date: '2025-05-05', name: 'Early May bank holiday' },
  { date: '2025-05-26', name: 'Spring bank holiday' },
  { date: '2025-08-25', name: 'Summer bank holiday' },
  { date: '2025-12-25', name: 'Christmas Day' },
  { date: '2025-12-26', name: 'Boxing Day' },
  { date: '2026-01-01', name: 'New Year’s Day' },
  { date: '2026-04-03', name: 'Good Friday' },
  { date: '2026-04-06', name: 'Easter Monday' },
  { date: '2026-05-04', name: 'Early May bank holiday' },
  { date: '2026-05-25', name: 'Spring bank holiday' },
  { date: '2026-08-31', name: 'Summer bank holiday' },
  { date: '2026-12-25', name: 'Christmas Day' },
  { date: '2026-12-28', name: 'Boxing Day (substitute day)' },
  { date: '2027-01-01', name: 'New Year’s Day' },
  { date: '2027-03-26', name: 'Good Friday' },
  { date: '2027-03-29', name: 'Easter Monday' },
  { date: '2027-05-03', name: 'Early May bank holiday' },
  { date: '2027-05-31', name: 'Spring bank holiday' },
  { date: '2027-08-30', name: 'Summer bank holiday' },
  { date: '2027-12-27', name: 'Christmas Day (substitute day)' },
  { date: '2027-12-28', name: 'Boxing Day (substitute day)' },
  { date: '2028-01-03', name: 'New Year’s Day (substitute day)' },
  { date: '2028-04-14', name: 'Good Friday' },
  { date: '2028-04-17', name: 'Easter Monday' },
  { date: '2028-05-01', name: 'Early May bank holiday' },
  { date: '2028-05-29', name: 'Spring bank holiday' },
  { date: '2028-08-28', name: 'Summer bank holiday' },
  { date: '2028-12-25', name: 'Christmas Day' },
  { date: '2028-12-26', name: 'Boxing Day' },
])

/** The set form that the working-day functions take. */
export function holidaySet(rows: readonly Pick<BankHoliday, 'date'>[]): HolidaySet {
  return new Set(rows.map((r) => r.date))
}

export const ENGLAND_AND_WALES_BANK_HOLIDAY_DATES: HolidaySet = holidaySet(ENGLAND_AND_WALES_BANK_HOLIDAYS)

// ---------------------------------------------------------------------------------------------
// Calendar dates ('YYYY-MM-DD') are counted as days since 1970-01-01: plain integers, so no
// machine's own time zone can move a date, and stepping through days stays cheap.

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_MS = 86_400_000

function toDayNumber(date: string): number {
  const match = DATE_PATTERN.exec(date)
  if (match) {
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
    const ms = Date.UTC(y, m - 1, d)
    const back = new Date(ms)
    if (back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d) {
      return ms / DAY_MS
    }
  }
  throw new RangeError(`Not a date in the form YYYY-MM-DD: ${JSON.stringify(date)}`)
}

function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** 1970-01-01 was a Thursday; Saturday and Sunday are 2 and 3 days after a Thursday. */
function isWeekendDay(day: number): boolean {
  const sinceThursday = ((day % 7) + 7) % 7
  return sinceThursday === 2 || sinceThursday === 3
}

export function addCalendarDays(date: string, days: number): string {
  return fromDayNumber(toDayNumber(date) + days)
}

/** Calendar days from one date to another (negative when `to` is earlier). */
export function calendarDaysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from)
}

// ---------------------------------------------------------------------------------------------
// Working days

/** Monday to Friday, and not a bank holiday. */
export function isWorkingDay(date: string, holidays: HolidaySet): boolean {
  return !isWeekendDay(toDayNumber(date)) && !holidays.has(date)
}

function isWorkingDayNumber(day: number, holidays: HolidaySet): boolean {
  return !isWeekendDay(day) && !holidays.has(fromDayNumber(day))
}

// A run of non-working days is a few days long; the bound only guards against a corrupt holiday table.
const LONGEST_BREAK = 366
const noWorkingDay = (date: string) =>
  new RangeError(`No working day within a year of ${date}: check the bank holiday table`)

/** The date itself if it is a working day, else the first working day after it. */
export function nextWorkingDay(date: string, holidays: HolidaySet): string {
  const first = toDayNumber(date)
  for (let day = first; day <= first + LONGEST_BREAK; day++) {
    if (isWorkingDayNumber(day, holidays)) return fromDayNumber(day)
  }
  throw noWorkingDay(date)
}

/**
 * The date `count` working days after `date` (before it, if negative). Non-working days are
 * skipped, and `date` itself is not counted, whether it is a working day or not: adding 1 working
 * day to a Friday gives the Monday, and so does adding 1 to the Saturday. Adding 0 gives `date`.
 */
export function addWorkingDays(date: string, count: number, holidays: HolidaySet): string {
  if (!Number.isInteger(count)) throw new RangeError(`Working days must be a whole number: ${count}`)
  const step = count < 0 ? -1 : 1
  let day = toDayNumber(date)
  let remaining = Math.abs(count)
  let idle = 0
  while (remaining > 0) {
    day += step
    if (isWorkingDayNumber(day, holidays)) {
      remaining--
      idle = 0
    } else if (++idle > LONGEST_BREAK) {
      throw noWorkingDay(date)
    }
  }
  return fromDayNumber(day)
}

/** Working days after `from`, up to and including `to` (0 when `to` is not later). */
export function workingDaysBetween(from: string, to: string, holidays: HolidaySet): number {
  const last = toDayNumber(to)
  let count = 0
  for (let day = toDayNumber(from) + 1; day <= last; day++) {
    if (isWorkingDayNumber(day, holidays)) count++
  }
  return count
}

// ---------------------------------------------------------------------------------------------
// Response windows

export type WindowSettings = Pick<BrokerageSettings, 'emergencyHours' | 'routineWorkingDays' | 'daysPerBlock'>

export interface WindowRequest {
  /** When the broker published the request. */
  publishedAt: Date
  /** The date care should start, 'YYYY-MM-DD'. */
  startDate: string
  /** Hospital discharge, carer breakdown and the like. */
  emergency: boolean
  /** The broker's choice for this emergency; the council's setting when absent. */
  emergencyHours?: 24 | 48 | null
}

export interface ResponseWindow {
  deadline: Date
  kind: 'emergency' | 'routine'
  /** The emergency window in hours; null for routine requests. */
  hours: number | null
  /** Working days given; null for emergencies. */
  workingDays: number | null
  /** Blocks of `daysPerBlock` days between publication and the start; null for emergencies. */
  blocks: number | null
  /** Calendar days from the London date of publication to the start date. */
  daysUntilStart: number
  /** The deadline falls after the start date: the broker may want to treat the request as an emergency. */
  closesAfterStart: boolean
  /** One sentence a broker can read, e.g. on the request page. */
  explanation: string
}

/** The instant at a London clock time on a date; a time skipped when clocks go forward moves on by the gap. */
function atLondonTimeOf(date: string, clock: Date): Date {
  const day = new Date(toDayNumber(date) * DAY_MS)
  const at = new TZDate(
    day.getUTCFullYear(),
    day.getUTCMonth(),
    day.getUTCDate(),
    clock.getHours(),
    clock.getMinutes(),
    clock.getSeconds(),
    clock.getMilliseconds(),
    LONDON,
  )
  return new Date(at.getTime())
}

/** The response window of a request published at `publishedAt` (DOMAIN.md §6); see the top of this file. */
export function responseWindow(
  request: WindowRequest,
  settings: WindowSettings,
  holidays: HolidaySet,
): ResponseWindow {
  const { publishedAt, startDate } = request
  if (Number.isNaN(publishedAt.getTime())) throw new RangeError('The publication time is not a valid date')
  const publishedOn = londonDate(publishedAt)
  const daysUntilStart = calendarDaysBetween(publishedOn, startDate)
  const clock = new TZDate(publishedAt.getTime(), LONDON)

  if (request.emergency) {
    const hours = request.emergencyHours ?? settings.emergencyHours
    const wholeDays = Math.floor(hours / 24)
    const deadline = new Date(
      atLondonTimeOf(addCalendarDays(publishedOn, wholeDays), clock).getTime() + (hours % 24) * 3_600_000,
    )
    return {
      deadline,
      kind: 'emergency',
      hours,
      workingDays: null,
      blocks: null,
      daysUntilStart,
      closesAfterStart: londonDate(deadline) > startDate,
      explanation: `Emergency: offers are open for ${hours} hours from publication.`,
    }
  }

  const blocks = Math.max(1, Math.ceil(daysUntilStart / settings.daysPerBlock))
  const workingDays = blocks * settings.routineWorkingDays
  const firstDay = nextWorkingDay(publishedOn, holidays)
  const deadlineDay = addWorkingDays(firstDay, workingDays, holidays)
  const deadline = atLondonTimeOf(deadlineDay, clock)
  const lead =
    daysUntilStart <= settings.daysPerBlock
      ? `The start date is within ${settings.daysPerBlock} days of publication`
      : `The start date is ${plural(daysUntilStart, 'day')} after publication (${plural(blocks, 'block')} of ${settings.daysPerBlock} days)`
  return {
    deadline,
    kind: 'routine',
    hours: null,
    workingDays,
    blocks,
    daysUntilStart,
    closesAfterStart: deadlineDay > startDate,
    explanation: `${lead}, so offers are open for ${plural(workingDays, 'working day')}.`,
  }
}

/** Just the deadline of responseWindow(). */
export function responseDeadline(
  request: WindowRequest,
  settings: WindowSettings,
  holidays: HolidaySet,
): Date {
  return responseWindow(request, settings, holidays).deadline
}
