import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isCalendarDate, londonClockTime, londonDate } from '../../shared/dates.ts'
import {
  addCalendarDays,
  addWorkingDays,
  calendarDaysBetween,
  ENGLAND_AND_WALES_BANK_HOLIDAY_DATES,
  ENGLAND_AND_WALES_BANK_HOLIDAYS,
  holidaySet,
  isWorkingDay,
  nextWorkingDay,
  responseDeadline,
  responseWindow,
  type WindowSettings,
  workingDaysBetween,
} from './deadlines.ts'
import { DEFAULT_BROKERAGE_SETTINGS } from './settings.ts'

const HOLIDAYS = ENGLAND_AND_WALES_BANK_HOLIDAY_DATES
const SETTINGS: WindowSettings = DEFAULT_BROKERAGE_SETTINGS

// ---------------------------------------------------------------------------------------------
// The bank holidays, recomputed from the rules, so the table cannot silently be wrong.

/** Easter Sunday, by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easterSunday(year: number): string {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return iso(year, month, day)
}

function iso(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** 0 = Sunday … 6 = Saturday, independent of the code under test. */
function weekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay()
}

function firstMonday(year: number, month: number): string {
  for (let day = 1; ; day++) if (weekday(iso(year, month, day)) === 1) return iso(year, month, day)
}

function lastMonday(year: number, month: number): string {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  for (let day = days; ; day--) if (weekday(iso(year, month, day)) === 1) return iso(year, month, day)
}

function shift(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** A holiday on a weekend moves to the next weekday not already a holiday. */
function substitute(date: string, taken: Set<string>): string {
  let day = date
  while (weekday(day) === 0 || weekday(day) === 6 || taken.has(day)) day = shift(day, 1)
  taken.add(day)
  return day
}

function computedBankHolidays(year: number): string[] {
  const taken = new Set<string>()
  const easter = easterSunday(year)
  const newYear = substitute(iso(year, 1, 1), taken)
  const christmas = substitute(iso(year, 12, 25), taken)
  const boxing = substitute(iso(year, 12, 26), taken)
  return [
    newYear,
    shift(easter, -2),
    shift(easter, 1),
    firstMonday(year, 5),
    lastMonday(year, 5),
    lastMonday(year, 8),
    christmas,
    boxing,
  ]
}

describe('ENGLAND_AND_WALES_BANK_HOLIDAYS', () => {
  it('computes Easter correctly for the years of the table', () => {
    expect([2024, 2025, 2026, 2027, 2028].map(easterSunday)).toEqual([
      '2024-03-31',
      '2025-04-20',
      '2026-04-05',
      '2027-03-28',
      '2028-04-16',
    ])
  })

  it('matches Easter, the Monday rules and the substitute-day rule for every year 2024–2028', () => {
    for (const year of [2024, 2025, 2026, 2027, 2028]) {
      const table = ENGLAND_AND_WALES_BANK_HOLIDAYS.filter((h) => h.date.startsWith(`${year}-`)).map(
        (h) => h.date,
      )
      expect(table, String(year)).toEqual(computedBankHolidays(year))
    }
    expect(ENGLAND_AND_WALES_BANK_HOLIDAYS).toHaveLength(40)
  })

  it('has the substitute days GOV.UK publishes', () => {
    const dates = ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date)
    expect(dates).toContain('2026-12-28')
    expect(dates).toContain('2027-12-27')
    expect(dates).toContain('2027-12-28')
    expect(dates).toContain('2028-01-03')
    expect(dates).not.toContain('2026-12-26')
    expect(ENGLAND_AND_WALES_BANK_HOLIDAYS.find((h) => h.date === '2026-12-28')?.name).toBe(
      'Boxing Day (substitute day)',
    )
  })

  it('is sorted, without duplicates, and every date is a weekday', () => {
    const dates = ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date)
    expect([...dates].sort()).toEqual(dates)
    expect(new Set(dates).size).toBe(dates.length)
    for (const date of dates) expect([1, 2, 3, 4, 5], date).toContain(weekday(date))
    expect(ENGLAND_AND_WALES_BANK_HOLIDAY_DATES.size).toBe(40)
  })
})

// ---------------------------------------------------------------------------------------------

describe('calendar dates', () => {
  it('accepts only real YYYY-MM-DD dates', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true)
    expect(isCalendarDate('2026-02-29')).toBe(false)
    expect(isCalendarDate('2026-13-01')).toBe(false)
    expect(isCalendarDate('2026-1-1')).toBe(false)
    expect(isCalendarDate('1 January 2026')).toBe(false)
    expect(() => isWorkingDay('2026-02-30', HOLIDAYS)).toThrow(RangeError)
  })

  it('adds and counts calendar days', () => {
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addCalendarDays('2028-03-01', -1)).toBe('2028-02-29')
    expect(addCalendarDays('2026-03-28', 2)).toBe('2026-03-30')
    expect(calendarDaysBetween('2026-03-01', '2026-04-01')).toBe(31)
    expect(calendarDaysBetween('2026-04-01', '2026-03-01')).toBe(-31)
  })

  it('gives the London date and clock time of an instant', () => {
    expect(londonDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01')
    expect(londonDate(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31')
    expect(londonClockTime(new Date('2026-06-30T23:30:00Z'))).toBe('00:30')
  })
})

describe('working days', () => {
  it('excludes weekends and bank holidays', () => {
    expect(isWorkingDay('2026-03-06', HOLIDAYS)).toBe(true) // Friday
    expect(isWorkingDay('2026-03-07', HOLIDAYS)).toBe(false) // Saturday
    expect(isWorkingDay('2026-03-08', HOLIDAYS)).toBe(false) // Sunday
    expect(isWorkingDay('2026-04-03', HOLIDAYS)).toBe(false) // Good Friday
    expect(isWorkingDay('2026-04-03', new Set())).toBe(true) // the same day without the table
    expect(isWorkingDay('2026-12-28', HOLIDAYS)).toBe(false) // Boxing Day substitute
  })

  it('adds working days across weekends and bank holidays', () => {
    expect(addWorkingDays('2026-03-06', 1, HOLIDAYS)).toBe('2026-03-09') // Friday → Monday
    expect(addWorkingDays('2026-03-07', 1, HOLIDAYS)).toBe('2026-03-09') // Saturday → Monday
    expect(addWorkingDays('2026-03-06', 0, HOLIDAYS)).toBe('2026-03-06')
    expect(addWorkingDays('2026-04-02', 1, HOLIDAYS)).toBe('2026-04-07') // over Easter
    expect(addWorkingDays('2026-12-24', 1, HOLIDAYS)).toBe('2026-12-29') // over Christmas 2026
    expect(addWorkingDays('2027-12-24', 1, HOLIDAYS)).toBe('2027-12-29') // two substitute days
    expect(addWorkingDays('2027-12-31', 1, HOLIDAYS)).toBe('2028-01-04') // substitute New Year
    expect(addWorkingDays('2026-03-09', -1, HOLIDAYS)).toBe('2026-03-06')
    expect(addWorkingDays('2026-04-07', -1, HOLIDAYS)).toBe('2026-04-02')
    expect(() => addWorkingDays('2026-03-06', 1.5, HOLIDAYS)).toThrow(RangeError)
  })

  it('finds the next working day on or after a date', () => {
    expect(nextWorkingDay('2026-03-06', HOLIDAYS)).toBe('2026-03-06')
    expect(nextWorkingDay('2026-04-03', HOLIDAYS)).toBe('2026-04-07')
    expect(nextWorkingDay('2026-12-25', HOLIDAYS)).toBe('2026-12-29')
  })

  it('counts working days after one date up to another', () => {
    expect(workingDaysBetween('2026-12-23', '2027-01-04', HOLIDAYS)).toBe(5)
    expect(workingDaysBetween('2026-03-06', '2026-03-06', HOLIDAYS)).toBe(0)
    expect(workingDaysBetween('2026-03-09', '2026-03-06', HOLIDAYS)).toBe(0)
  })

  it('refuses a holiday table that leaves no working day', () => {
    const everyDay = new Set(Array.from({ length: 400 }, (_, i) => addCalendarDays('2026-01-01', i)))
    expect(() => addWorkingDays('2026-01-01', 1, everyDay)).toThrow(/bank holiday table/)
    expect(() => nextWorkingDay('2026-01-01', everyDay)).toThrow(/bank holiday table/)
  })

  const date = fc.integer({ min: 0, max: 365 * 4 }).map((i) => addCalendarDays('2024-01-01', i))

  it('lands on a working day exactly n working days on (property)', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 1, max: 40 }), (start, n) => {
        const end = addWorkingDays(start, n, HOLIDAYS)
        expect(isWorkingDay(end, HOLIDAYS)).toBe(true)
        expect(workingDaysBetween(start, end, HOLIDAYS)).toBe(n)
        expect(end > start).toBe(true)
      }),
    )
  })

  it('undoes itself from a working day (property)', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: -40, max: 40 }), (start, n) => {
        const from = nextWorkingDay(start, HOLIDAYS)
        expect(addWorkingDays(addWorkingDays(from, n, HOLIDAYS), -n, HOLIDAYS)).toBe(from)
      }),
    )
  })
})

// ---------------------------------------------------------------------------------------------

describe('responseWindow: routine requests', () => {
  it('gives 5 working days at the same clock time when the start is within 28 days', () => {
    const window = responseWindow(
      { publishedAt: new Date('2026-03-02T10:00:00Z'), startDate: '2026-03-20', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(window).toEqual({
      deadline: new Date('2026-03-09T10:00:00Z'),
      kind: 'routine',
      hours: null,
      workingDays: 5,
      blocks: 1,
      daysUntilStart: 18,
      closesAfterStart: false,
      explanation: 'The start date is within 28 days of publication, so offers are open for 5 working days.',
    })
  })

  it('keeps the London clock time when the clocks go forward', () => {
    // Published 14:30 GMT on Wednesday 25 March 2026; clocks go forward on Sunday 29 March.
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-03-25T14:30:00Z'), startDate: '2026-04-10', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2026-04-01T13:30:00Z')) // 14:30 BST
    expect(londonClockTime(deadline)).toBe('14:30')
  })

  it('keeps the London clock time when the clocks go back', () => {
    // Published 23:30 BST on Saturday 24 October 2026: counting starts on Monday 26th.
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-10-24T22:30:00Z'), startDate: '2026-11-01', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2026-11-02T23:30:00Z')) // 23:30 GMT, Monday
    expect(londonClockTime(deadline)).toBe('23:30')
  })

  it('skips Good Friday and Easter Monday', () => {
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-03-31T08:00:00Z'), startDate: '2026-04-20', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2026-04-09T08:00:00Z')) // Thursday, 09:00 BST
  })

  it('skips Christmas, the Boxing Day substitute and New Year', () => {
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-12-23T16:00:00Z'), startDate: '2027-01-10', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2027-01-04T16:00:00Z'))
  })

  it('starts counting from the next working day when published on a weekend', () => {
    const saturday = responseDeadline(
      { publishedAt: new Date('2026-03-07T10:00:00Z'), startDate: '2026-03-30', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    const monday = responseDeadline(
      { publishedAt: new Date('2026-03-09T10:00:00Z'), startDate: '2026-03-30', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(saturday).toEqual(new Date('2026-03-16T10:00:00Z'))
    expect(monday).toEqual(saturday)
  })

  it('adds 5 working days for each further (part of a) 28 days', () => {
    const publishedAt = new Date('2026-02-02T09:00:00Z') // a Monday
    const window = (days: number) =>
      responseWindow(
        { publishedAt, startDate: addCalendarDays('2026-02-02', days), emergency: false },
        SETTINGS,
        HOLIDAYS,
      )
    expect([0, 1, 28, 29, 56, 57, 84, 85].map((d) => window(d).workingDays)).toEqual([
      5, 5, 5, 10, 10, 15, 15, 20,
    ])
    expect(window(29).deadline).toEqual(new Date('2026-02-16T09:00:00Z'))
    expect(window(40).explanation).toBe(
      'The start date is 40 days after publication (2 blocks of 28 days), so offers are open for 10 working days.',
    )
  })

  it('says when the window closes after the start date', () => {
    const window = responseWindow(
      { publishedAt: new Date('2026-03-02T10:00:00Z'), startDate: '2026-03-04', emergency: false },
      SETTINGS,
      HOLIDAYS,
    )
    expect(window.closesAfterStart).toBe(true)
  })

  it('follows the council’s settings', () => {
    const window = responseWindow(
      { publishedAt: new Date('2026-03-02T10:00:00Z'), startDate: '2026-03-20', emergency: false },
      { emergencyHours: 24, routineWorkingDays: 3, daysPerBlock: 14 },
      HOLIDAYS,
    )
    expect(window.blocks).toBe(2)
    expect(window.workingDays).toBe(6)
    expect(window.deadline).toEqual(new Date('2026-03-10T10:00:00Z'))
  })

  it('refuses an invalid publication time or start date', () => {
    expect(() =>
      responseWindow(
        { publishedAt: new Date('nonsense'), startDate: '2026-03-20', emergency: false },
        SETTINGS,
        HOLIDAYS,
      ),
    ).toThrow(RangeError)
    expect(() =>
      responseWindow(
        { publishedAt: new Date(), startDate: '20/03/2026', emergency: false },
        SETTINGS,
        HOLIDAYS,
      ),
    ).toThrow(RangeError)
  })
})

describe('responseWindow: emergencies', () => {
  it('gives 24 hours, at the same clock time the next day', () => {
    const window = responseWindow(
      { publishedAt: new Date('2026-03-06T15:00:00Z'), startDate: '2026-03-07', emergency: true },
      SETTINGS,
      HOLIDAYS,
    )
    expect(window).toMatchObject({
      deadline: new Date('2026-03-07T15:00:00Z'), // a Saturday: emergencies ignore working days
      kind: 'emergency',
      hours: 24,
      workingDays: null,
      closesAfterStart: false,
      explanation: 'Emergency: offers are open for 24 hours from publication.',
    })
  })

  it('gives 48 hours when the broker chooses, or when the council’s default is 48', () => {
    const publishedAt = new Date('2026-03-06T15:00:00Z')
    const chosen = responseWindow(
      { publishedAt, startDate: '2026-03-07', emergency: true, emergencyHours: 48 },
      SETTINGS,
      HOLIDAYS,
    )
    expect(chosen.deadline).toEqual(new Date('2026-03-08T15:00:00Z'))
    expect(chosen.closesAfterStart).toBe(true)
    const byDefault = responseWindow(
      { publishedAt, startDate: '2026-03-07', emergency: true },
      { ...SETTINGS, emergencyHours: 48 },
      HOLIDAYS,
    )
    expect(byDefault.hours).toBe(48)
    const overridden = responseWindow(
      { publishedAt, startDate: '2026-03-07', emergency: true, emergencyHours: 24 },
      { ...SETTINGS, emergencyHours: 48 },
      HOLIDAYS,
    )
    expect(overridden.hours).toBe(24)
  })

  it('keeps the clock time across the change to BST (a 23-hour window)', () => {
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-03-28T12:00:00Z'), startDate: '2026-03-30', emergency: true },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2026-03-29T11:00:00Z')) // 12:00 BST
  })

  it('moves a clock time the change to BST skips on by the gap', () => {
    // 01:30 on 29 March 2026 does not exist in London; the deadline is 02:30 BST.
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-03-28T01:30:00Z'), startDate: '2026-03-30', emergency: true },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2026-03-29T01:30:00Z'))
    expect(londonClockTime(deadline)).toBe('02:30')
  })

  it('takes the second (GMT) of a clock time the change to GMT repeats', () => {
    // 01:30 BST on Saturday 24 October 2026; 01:30 comes twice on Sunday 25th.
    const deadline = responseDeadline(
      { publishedAt: new Date('2026-10-24T00:30:00Z'), startDate: '2026-10-26', emergency: true },
      SETTINGS,
      HOLIDAYS,
    )
    expect(deadline).toEqual(new Date('2026-10-25T01:30:00Z')) // 01:30 GMT, 25 hours later
  })
})

describe('responseWindow: properties', () => {
  // Publication times from 2024 to late 2028, so every deadline stays within the holiday table.
  const publishedAt = fc.date({
    min: new Date('2024-01-01T00:00:00Z'),
    max: new Date('2028-09-30T23:59:59Z'),
    noInvalidDate: true,
  })
  const offset = fc.integer({ min: 0, max: 120 })

  it('closes on a working day, after publication, at the same London clock time', () => {
    fc.assert(
      fc.property(publishedAt, offset, (at, days) => {
        const startDate = addCalendarDays(londonDate(at), days)
        const w = responseWindow({ publishedAt: at, startDate, emergency: false }, SETTINGS, HOLIDAYS)
        expect(isWorkingDay(londonDate(w.deadline), HOLIDAYS)).toBe(true)
        expect(w.deadline.getTime()).toBeGreaterThan(at.getTime())
        expect(londonClockTime(w.deadline)).toBe(londonClockTime(at))
        expect(w.deadline.getUTCSeconds()).toBe(at.getUTCSeconds())
        expect(w.deadline.getUTCMilliseconds()).toBe(at.getUTCMilliseconds())
        expect(w.workingDays).toBe(5 * Math.max(1, Math.ceil(days / 28)))
        // N full working days after the first working day on or after publication.
        const firstDay = nextWorkingDay(londonDate(at), HOLIDAYS)
        expect(workingDaysBetween(firstDay, londonDate(w.deadline), HOLIDAYS)).toBe(w.workingDays)
      }),
    )
  })

  it('never closes earlier for a later start date', () => {
    fc.assert(
      fc.property(publishedAt, offset, offset, (at, a, b) => {
        const day = londonDate(at)
        const [early, late] = a <= b ? [a, b] : [b, a]
        const d1 = responseDeadline(
          { publishedAt: at, startDate: addCalendarDays(day, early), emergency: false },
          SETTINGS,
          HOLIDAYS,
        )
        const d2 = responseDeadline(
          { publishedAt: at, startDate: addCalendarDays(day, late), emergency: false },
          SETTINGS,
          HOLIDAYS,
        )
        expect(d1.getTime()).toBeLessThanOrEqual(d2.getTime())
      }),
    )
  })

  it('gives an emergency 23 to 25 hours (47 to 49 for 48)', () => {
    fc.assert(
      fc.property(publishedAt, fc.constantFrom(24 as const, 48 as const), (at, hours) => {
        const deadline = responseDeadline(
          { publishedAt: at, startDate: londonDate(at), emergency: true, emergencyHours: hours },
          SETTINGS,
          HOLIDAYS,
        )
        const elapsed = (deadline.getTime() - at.getTime()) / 3_600_000
        expect(elapsed).toBeGreaterThanOrEqual(hours - 1)
        expect(elapsed).toBeLessThanOrEqual(hours + 1)
        expect(londonDate(deadline)).toBe(addCalendarDays(londonDate(at), hours / 24))
      }),
    )
  })
})

describe('whatever the machine’s time zone', () => {
  const original = process.env.TZ
  afterEach(() => {
    if (original === undefined) delete process.env.TZ
    else process.env.TZ = original
  })

  it('gives the same dates and deadlines in São Paulo and Auckland as in London', () => {
    const compute = () => [
      addWorkingDays('2026-12-24', 1, HOLIDAYS),
      isWorkingDay('2026-03-07', HOLIDAYS),
      responseDeadline(
        { publishedAt: new Date('2026-03-25T14:30:00Z'), startDate: '2026-04-10', emergency: false },
        SETTINGS,
        HOLIDAYS,
      ).toISOString(),
      responseDeadline(
        { publishedAt: new Date('2026-10-24T22:30:00Z'), startDate: '2026-11-01', emergency: true },
        SETTINGS,
        HOLIDAYS,
      ).toISOString(),
    ]
    process.env.TZ = 'Europe/London'
    const inLondon = compute()
    for (const zone of ['America/Sao_Paulo', 'Pacific/Auckland', 'UTC']) {
      process.env.TZ = zone
      expect(compute(), zone).toEqual(inLondon)
    }
    expect(inLondon).toEqual(['2026-12-29', false, '2026-04-01T13:30:00.000Z', '2026-10-25T23:30:00.000Z'])
  })

  it('builds a holiday set from editable rows', () => {
    expect(holidaySet([{ date: '2029-01-01' }]).has('2029-01-01')).toBe(true)
  })
})
