import { describe, expect, it } from 'vitest'
import { careWorkerMinutesPerWeek, durationText, weeklyHours, weeklyHoursText } from './hours.ts'

const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

describe('weekly hours of home care', () => {
  const visits = [
    { days: everyDay, durationMinutes: 30, carers: 2 },
    { days: ['mon', 'wed', 'fri'], durationMinutes: 45, carers: 1 },
  ]

  it('counts visit time once and care-worker time for every carer, on every day of each visit', () => {
    expect(weeklyHours(visits)).toEqual({
      visitMinutes: 7 * 30 + 3 * 45,
      careWorkerMinutes: 7 * 30 * 2 + 3 * 45,
      sharedVisits: 1,
      sharedCarers: [2],
    })
    expect(careWorkerMinutesPerWeek(visits)).toBe(555)
  })

  it('counts a day named twice once', () => {
    expect(weeklyHours([{ days: ['mon', 'mon'], durationMinutes: 60, carers: 1 }]).visitMinutes).toBe(60)
  })

  it('says both when they differ, as the council reads them', () => {
    const twoShared = [
      { days: ['mon', 'tue', 'wed'], durationMinutes: 35, carers: 2 },
      { days: ['thu', 'fri', 'sat'], durationMinutes: 70, carers: 2 },
      { days: ['sun'], durationMinutes: 210, carers: 1 },
    ]
    const hours = weeklyHours(twoShared)
    expect(hours.visitMinutes).toBe(525)
    expect(hours.careWorkerMinutes).toBe(840)
    expect(weeklyHoursText(hours)).toBe(
      '8 h 45 min of visits, 14 h of care worker time (2 carers on 2 visits)',
    )
  })

  it('says one figure when every visit needs one carer, and names each shared carer count', () => {
    expect(weeklyHoursText(weeklyHours([{ days: everyDay, durationMinutes: 45, carers: 1 }]))).toBe(
      '5 h 15 min of care worker time',
    )
    expect(
      weeklyHoursText(
        weeklyHours([
          { days: ['mon'], durationMinutes: 60, carers: 2 },
          { days: ['tue'], durationMinutes: 60, carers: 3 },
        ]),
      ),
    ).toBe('2 h of visits, 5 h of care worker time (2 or 3 carers on 2 visits)')
    expect(durationText(45)).toBe('45 min')
  })
})
