// Dates as Caremarket keeps and shows them: calendar dates are 'YYYY-MM-DD' strings, instants are
// UTC, and people see the date and time in England (ARCHITECTURE.md, data conventions). This is the
// one place that turns an instant into a London date, reads GOV.UK date inputs and writes dates
// for pages, emails and reports.
import { TZDate, tz } from '@date-fns/tz'
import { format, type Locale } from 'date-fns'
import { enGB } from 'date-fns/locale/en-GB'

/** Deadlines, dates and clock times are those of England. */
export const LONDON = 'Europe/London'
const inLondon = tz(LONDON)

/** The months as people write them, January first. */
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const

// Every offer and page asks for today's date: one shared Intl formatter is many times cheaper than
// building a time-zoned date each time. en-CA writes dates as YYYY-MM-DD.
const LONDON_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: LONDON,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** The date in England at an instant, 'YYYY-MM-DD': the date the council's staff would write down. */
export function londonDate(instant: Date): string {
  return LONDON_DAY.format(instant)
}

/**
 * A date some days from today, as a hint's example: "21 12 2026" for a GOV.UK date input,
 * "21 December 2026" for a browser's date picker (which shows dates in the reader's own way), or
 * "2026-12-21" for a field typed as ISO (the API). Hints for dates still to come give one still to come.
 */
export function exampleDate(
  days: number,
  form: 'input' | 'long' | 'iso' = 'input',
  now = new Date(),
): string {
  const iso = londonDate(new Date(now.getTime() + days * 86_400_000))
  if (form === 'iso') return iso
  if (form === 'long') return formatDate(iso)
  const [year, month, day] = iso.split('-')
  return `${Number(day)} ${Number(month)} ${year}`
}

/** The London clock time of an instant, 'HH:mm'. */
export function londonClockTime(instant: Date): string {
  return format(instant, 'HH:mm', { in: inLondon })
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Whether a string is a real calendar date written 'YYYY-MM-DD' (so not 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  const match = CALENDAR_DATE.exec(date)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const back = new Date(Date.UTC(year, month - 1, day))
  return back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day
}

/** The instant a London date ('YYYY-MM-DD', checked by the caller) begins. */
export function startOfLondonDay(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return new Date(new TZDate(year, month - 1, day, 0, 0, 0, 0, LONDON).getTime())
}

// ---------------------------------------------------------------------------------------------
// Dates written in files

// A time after the date is ignored: spreadsheets export "01/02/2023 00:00:00" and workbooks' date
// cells are read as instants ("2024-04-01T00:00:00.000Z"); the care directory writes "09/Jan/2026 - 00:00".
const TIME = String.raw`(?:[ T]+-?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`
const ISO_WRITTEN = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})${TIME}$`)
const UK_WRITTEN = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})${TIME}$`)

/** A date as 'YYYY-MM-DD' from its parts, or null when they make no date. */
export function dateOfParts(year: number, month: number, day: number): string | null {
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  return isCalendarDate(date) ? date : null
}

/**
 * A date as files write it, 'YYYY-MM-DD': ISO ("2024-04-01") or as the UK writes it ("1/4/2024",
 * "01/04/2024"), with any time after it ignored; null for anything else or no real date.
 */
export function parseWrittenDate(text: string): string | null {
  const value = text.trim()
  const iso = ISO_WRITTEN.exec(value)
  if (iso) return dateOfParts(Number(iso[1]), Number(iso[2]), Number(iso[3]))
  const uk = UK_WRITTEN.exec(value)
  return uk ? dateOfParts(Number(uk[3]), Number(uk[2]), Number(uk[1])) : null
}

// ---------------------------------------------------------------------------------------------
// Writing dates for people

/**
 * British English as pages have always shown it: ICU, which wrote the short dates before, spells
 * September "Sept"; date-fns' en-GB would write "Sep".
 */
const british: Locale = {
  ...enGB,
  localize: {
    ...enGB.localize,
    month: (month, options) =>
      options?.width === 'abbreviated' && month === 8 ? 'Sept' : enGB.localize.month(month, options),
  },
}

/** A 'YYYY-MM-DD' date at noon on this machine's clock, so no time zone moves it to another day. */
function atNoon(date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return new Date(year, month - 1, day, 12)
}

// Eligibility and the market pages write the same few dates for thousands of locations at once
// (rating dates, capacity reports): each is formatted once and remembered, a few thousand at most.
const written = new Map<string, string>()
const MAX_REMEMBERED = 4096

/** A 'YYYY-MM-DD' date as GOV.UK writes it: "7 December 2026". */
export function formatDate(date: string): string {
  let text = written.get(date)
  if (text === undefined) {
    text = format(atNoon(date), 'd MMMM yyyy', { locale: british })
    if (written.size >= MAX_REMEMBERED) written.clear()
    written.set(date, text)
  }
  return text
}

/** The day of the week of a 'YYYY-MM-DD' date: "Saturday". */
export function weekdayOf(date: string): string {
  return format(atNoon(date), 'EEEE', { locale: british })
}

/** The date in England at an instant, as GOV.UK writes it: "7 December 2026". */
export function formatLondonDate(instant: Date): string {
  return formatDate(londonDate(instant))
}

/** The date and clock time in England at an instant, as GOV.UK writes them: "7 December 2026 at 14:05". */
export function formatLondonDateTime(instant: Date): string {
  return format(instant, "d MMMM yyyy 'at' HH:mm", { in: inLondon, locale: british })
}

// ---------------------------------------------------------------------------------------------
// GOV.UK date inputs

/** The three boxes of a GOV.UK date input, as typed. */
export interface DateInput {
  day: string
  month: string
  year: string
}

export type DateInputParsed =
  | { ok: true; date: string }
  | { ok: false; problem: 'empty' }
  /** A box is empty or holds something other than a day (1 or 2 digits), month (1 or 2) or year (4). */
  | { ok: false; problem: 'incomplete' }
  /** Numbers in every box that make no date, like 31 2 2026: `written` is what they say, 'YYYY-MM-DD'. */
  | { ok: false; problem: 'not-a-real-date'; written: string }

/** A GOV.UK date input's boxes as a 'YYYY-MM-DD' date, or what is wrong with them. */
export function parseDateInput(input: DateInput): DateInputParsed {
  const day = input.day.trim()
  const month = input.month.trim()
  const year = input.year.trim()
  if (!day && !month && !year) return { ok: false, problem: 'empty' }
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return { ok: false, problem: 'incomplete' }
  }
  const date = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
  return isCalendarDate(date) ? { ok: true, date } : { ok: false, problem: 'not-a-real-date', written: date }
}

/** A 'YYYY-MM-DD' date as a GOV.UK date input's boxes show it: "7", "12", "2026". */
export function dateInputOf(date: string | null | undefined): DateInput | null {
  const match = date ? CALENDAR_DATE.exec(date) : null
  if (!match) return null
  return { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1] as string }
}
