import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  dateInputOf,
  formatDate,
  formatLondonDate,
  formatLondonDateTime,
  isCalendarDate,
  londonClockTime,
  londonDate,
  parseDateInput,
  weekdayOf,
} from './dates.ts'

// What pages showed before dates went through date-fns: ICU's British English, in London.
const intlLong = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})
const intlTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})
const instants = fc.date({
  min: new Date('1900-01-01T00:00:00Z'),
  max: new Date('2100-12-31T23:59:59Z'),
  noInvalidDate: true,
})

describe('London dates', () => {
  it('gives the date and clock time in England, not in UTC', () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
    expect(londonDate(new Date('2025-06-30T23:30:00Z'))).toBe('2025-07-01')
    expect(londonDate(new Date('2025-12-31T23:30:00Z'))).toBe('2025-12-31')
    expect(londonClockTime(new Date('2025-06-30T23:30:00Z'))).toBe('00:30')
    expect(londonClockTime(new Date('2025-12-07T14:05:00Z'))).toBe('14:05')
  })

  it('tells real calendar dates from others', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true)
    expect(isCalendarDate('2026-02-29')).toBe(false)
    expect(isCalendarDate('2026-13-01')).toBe(false)
    expect(isCalendarDate('2026-1-01')).toBe(false)
    expect(isCalendarDate('invalid')).toBe(false)
  })
})

describe('writing dates', () => {
  it('writes them as GOV.UK does', () => {
    expect(formatDate('2026-12-07')).toBe('7 December 2026')
    expect(formatDate('2024-03-04')).toBe('4 March 2024')
    expect(formatLondonDate(new Date('2026-06-30T23:30:00Z'))).toBe('1 July 2026')
    expect(formatLondonDateTime(new Date('2026-09-07T13:05:00Z'))).toBe('7 September 2026 at 14:05')
    expect(formatLondonDateTime(new Date('2026-12-07T00:05:00Z'))).toBe('7 December 2026 at 00:05')
    expect(weekdayOf('2026-12-26')).toBe('Saturday')
  })

  it('writes every instant as the platform’s own English formats do (property)', () => {
    fc.assert(
      fc.property(instants, (instant) => {
        expect(formatLondonDate(instant)).toBe(intlLong.format(instant))
        expect(formatLondonDateTime(instant)).toBe(
          `${intlLong.format(instant)} at ${intlTime.format(instant)}`,
        )
        expect(formatDate(londonDate(instant))).toBe(intlLong.format(instant))
      }),
    )
  })
})

describe('GOV.UK date inputs', () => {
  const boxes = (day: string, month: string, year: string) => ({ day, month, year })

  it('read three boxes as a date, or say what is wrong', () => {
    expect(parseDateInput(boxes(' 7 ', '12', '2026'))).toEqual({ ok: true, date: '2026-12-07' })
    expect(parseDateInput(boxes('', ' ', ''))).toEqual({ ok: false, problem: 'empty' })
    expect(parseDateInput(boxes('7', '', '2026'))).toEqual({ ok: false, problem: 'incomplete' })
    expect(parseDateInput(boxes('7', 'Dec', '2026'))).toEqual({ ok: false, problem: 'incomplete' })
    expect(parseDateInput(boxes('7', '12', '26'))).toEqual({ ok: false, problem: 'incomplete' })
    expect(parseDateInput(boxes('31', '2', '2026'))).toEqual({
      ok: false,
      problem: 'not-a-real-date',
      written: '2026-02-31',
    })
  })

  it('show a date in the boxes it is read back from', () => {
    expect(dateInputOf('2026-03-07')).toEqual({ day: '7', month: '3', year: '2026' })
    expect(dateInputOf(null)).toBeNull()
    expect(dateInputOf('invalid')).toBeNull()
    fc.assert(
      fc.property(instants, (instant) => {
        const date = londonDate(instant)
        expect(parseDateInput(dateInputOf(date) as never)).toEqual({ ok: true, date })
      }),
    )
  })
})
