import { describe, expect, it } from 'vitest'
import { brokerageSettingsSchema, DEFAULT_BROKERAGE_SETTINGS, resolveBrokerageSettings } from './settings.ts'

function messages(input: unknown): Record<string, string> {
  const result = brokerageSettingsSchema.safeParse(input)
  if (result.success) return {}
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join('.'), i.message]))
}

describe('brokerage settings', () => {
  it('has the published defaults', () => {
    expect(DEFAULT_BROKERAGE_SETTINGS).toEqual({
      qualityWeight: 60,
      priceWeight: 40,
      distanceWeight: 0,
      maxDistanceMiles: 15,
      emergencyHours: 24,
      routineWorkingDays: 5,
      daysPerBlock: 28,
      capacityStaleDays: 7,
      lateStartPointsPerDay: 2,
      handBackNoticeDays: 28,

      confirmationWorkingDays: 2,
      allocationSameProvider: true,
    })
    expect(brokerageSettingsSchema.parse(DEFAULT_BROKERAGE_SETTINGS)).toEqual(DEFAULT_BROKERAGE_SETTINGS)
    expect(Object.isFrozen(DEFAULT_BROKERAGE_SETTINGS)).toBe(true)
  })

  it('fills in what a council never set, and keeps what it did', () => {
    expect(resolveBrokerageSettings()).toEqual(DEFAULT_BROKERAGE_SETTINGS)
    expect(resolveBrokerageSettings(null)).toEqual(DEFAULT_BROKERAGE_SETTINGS)
    expect(resolveBrokerageSettings({ maxDistanceMiles: 20, emergencyHours: null })).toEqual({
      ...DEFAULT_BROKERAGE_SETTINGS,
      maxDistanceMiles: 20,
    })
    expect(() => resolveBrokerageSettings({ qualityWeight: 70 })).toThrow(/add up to 100; they add up to 110/)
  })

  it('accepts the strings a form sends', () => {
    expect(
      brokerageSettingsSchema.parse({
        qualityWeight: ' 50 ',
        priceWeight: '30',
        distanceWeight: '20',
        maxDistanceMiles: '12.5',
        emergencyHours: '48',
        routineWorkingDays: '4',
        daysPerBlock: '21',
        capacityStaleDays: '10',
        lateStartPointsPerDay: '0',
        handBackNoticeDays: '14',

        confirmationWorkingDays: '3',
        allocationSameProvider: 'no',
      }),
    ).toEqual({
      qualityWeight: 50,
      priceWeight: 30,
      distanceWeight: 20,
      maxDistanceMiles: 12.5,
      emergencyHours: 48,
      routineWorkingDays: 4,
      daysPerBlock: 21,
      capacityStaleDays: 10,
      lateStartPointsPerDay: 0,
      handBackNoticeDays: 14,

      confirmationWorkingDays: 3,
      allocationSameProvider: false,
    })
  })

  it('needs the weights to add up to 100, reported on the quality weight', () => {
    expect(messages({ ...DEFAULT_BROKERAGE_SETTINGS, priceWeight: 30 })).toEqual({
      qualityWeight: 'The quality, price and distance weights must add up to 100; they add up to 90',
    })
  })

  it('explains each bad value', () => {
    expect(
      messages({
        qualityWeight: '',
        priceWeight: 'forty',
        distanceWeight: 2.5,
        maxDistanceMiles: 0,
        emergencyHours: 36,
        routineWorkingDays: 0,
        daysPerBlock: 400,
        capacityStaleDays: -1,
        lateStartPointsPerDay: 101,
        handBackNoticeDays: 366,

        confirmationWorkingDays: 0,
        allocationSameProvider: 'maybe',
      }),
    ).toEqual({
      qualityWeight: 'Enter quality weight',
      priceWeight: 'Price weight must be a whole number from 0 to 100',
      distanceWeight: 'Distance weight must be a whole number from 0 to 100',
      maxDistanceMiles: 'Maximum distance must be more than 0 and at most 200 miles',
      emergencyHours: 'Emergency window must be 24 or 48 hours',
      routineWorkingDays: 'Working days per block must be a whole number from 1 to 60',
      daysPerBlock: 'Days per block must be a whole number from 1 to 365',
      capacityStaleDays: 'Days before capacity is out of date must be a whole number from 1 to 365',
      lateStartPointsPerDay: 'Points off for each day late must be a whole number from 0 to 100',
      handBackNoticeDays: 'Notice period for hand-backs must be a whole number from 0 to 365',

      confirmationWorkingDays: 'Working days to confirm an award must be a whole number from 1 to 10',
      allocationSameProvider: 'Choose whether every visit of a home care round goes to one provider',
    })
    expect(messages({ ...DEFAULT_BROKERAGE_SETTINGS, maxDistanceMiles: undefined })).toEqual({
      maxDistanceMiles: 'Enter the maximum distance',
    })
    expect(messages({ ...DEFAULT_BROKERAGE_SETTINGS, qualityWeight: 101, priceWeight: -1 })).toEqual({
      qualityWeight: 'Quality weight must be a whole number from 0 to 100',
      priceWeight: 'Price weight must be a whole number from 0 to 100',
    })
  })
})
