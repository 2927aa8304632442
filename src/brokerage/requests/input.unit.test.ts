import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { carerGenderOf, isUkPhoneNumber, isValidNhsNumber } from './input.ts'
import { daysText } from './presenters.ts'
import { missingPages, nextStep, previousStep } from './wizard.ts'

describe('NHS numbers', () => {
  it('accepts numbers whose modulus 11 check digit matches', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true)
    expect(isValidNhsNumber('4010232137')).toBe(true)
  })

  it('refuses a wrong check digit, a check digit that would be 10, and anything but 10 digits', () => {
    expect(isValidNhsNumber('9434765918')).toBe(false)
    // The first nine digits weigh to a remainder of 1, so the check would be 10: no digit can be.
    expect(isValidNhsNumber('0000000060')).toBe(false)
    expect(isValidNhsNumber('943476591')).toBe(false)
    expect(isValidNhsNumber('943476591X')).toBe(false)
  })

  it('finds every single-digit typing error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (position, change) => {
        const digits = '9434765919'.split('').map(Number)
        digits[position] = ((digits[position] as number) + change) % 10
        expect(isValidNhsNumber(digits.join(''))).toBe(false)
      }),
    )
  })
})

describe('carer gender', () => {
  it('reads the stored choice as the eligibility rules take it', () => {
    expect(carerGenderOf('female_required')).toEqual({ gender: 'female', required: true })
    expect(carerGenderOf('male_preferred')).toEqual({ gender: 'male', required: false })
    expect(carerGenderOf(null)).toBeNull()
  })
})

describe('days of a visit', () => {
  it('read as a person would say them', () => {
    expect(daysText(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Monday to Friday')
    expect(daysText(['sat', 'sun'])).toBe('Saturday and Sunday')
    expect(daysText(['mon', 'wed', 'fri'])).toBe('Monday, Wednesday and Friday')
    expect(daysText(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('Every day')
  })
})

describe('the order of the question pages', () => {
  const careHome = {
    serviceType: 'residential' as const,
    clientGroup: 'older_people' as const,
    startDate: '2026-03-20',
    usualPricePence: 95_000,
    budgetPence: null,
    visits: [],
    supportMinutesPerWeek: null,
  }
  const homeCare = { ...careHome, serviceType: 'home_care' as const }
  const supportedLiving = { ...careHome, serviceType: 'supported_living' as const }

  it('skips visits and carers for a care home, and the lot when the council has none', () => {
    expect(nextStep('price', careHome, { hasLots: false }, { returnToCheck: false })).toBe('notes')
    expect(nextStep('price', careHome, { hasLots: true }, { returnToCheck: false })).toBe('lot')
    expect(nextStep('price', homeCare, { hasLots: false }, { returnToCheck: false })).toBe('visits')
    expect(previousStep('notes', homeCare, { hasLots: false })).toBe('carers')
    expect(previousStep('person', homeCare, { hasLots: false })).toBeNull()
    expect(nextStep('person', careHome, { hasLots: false }, { returnToCheck: false })).toBe('contacts')
    expect(previousStep('service-type', careHome, { hasLots: false })).toBe('contacts')
  })

  it('returns to check answers after a change, unless the change opened a question', () => {
    expect(nextStep('location', careHome, { hasLots: false }, { returnToCheck: true })).toBe('check-answers')
    expect(nextStep('service-type', homeCare, { hasLots: false }, { returnToCheck: true })).toBe('visits')
    expect(missingPages(homeCare, { hasLots: false })).toEqual(['visits'])
  })

  it('asks the hours of support a week for supported living, and only for it', () => {
    expect(nextStep('price', supportedLiving, { hasLots: false }, { returnToCheck: false })).toBe('support')
    expect(nextStep('support', supportedLiving, { hasLots: false }, { returnToCheck: false })).toBe('notes')
    expect(missingPages(supportedLiving, { hasLots: false })).toEqual(['support'])
    expect(missingPages({ ...supportedLiving, supportMinutesPerWeek: 1200 }, { hasLots: false })).toEqual([])
    expect(nextStep('price', homeCare, { hasLots: false }, { returnToCheck: false })).toBe('visits')
  })
})

describe('UK phone numbers', () => {
  it('takes landlines and mobiles as people write them', () => {
    for (const phone of [
      '01632 960 001',
      '(01632) 960001',
      '020 7946 0958',
      '07700 900 982',
      '+44 7700 900982',
      '0800-123-4567',
    ])
      expect(isUkPhoneNumber(phone), phone).toBe(true)
  })

  it('refuses numbers from abroad, too short or too long, and anything else', () => {
    for (const phone of [
      '+1 202 555 0143',
      '+44 07700 900982',
      '01632 96',
      '016329600011234',
      '7700 900982',
      'call me',
      '07700<900982>',
      '',
    ])
      expect(isUkPhoneNumber(phone), phone).toBe(false)
  })
})
