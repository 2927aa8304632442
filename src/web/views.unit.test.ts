import { describe, expect, it } from 'vitest'
import { exampleDate } from './views.ts'

describe('hint examples', () => {
  it('give a date the given days from today in London, as a date input or ISO date', () => {
    // 23:30 UTC on 31 March 2027 is already 1 April in London (BST).
    const now = new Date('2027-03-31T23:30:00Z')
    expect(exampleDate(0, 'input', now)).toBe('1 4 2027')
    expect(exampleDate(30, 'input', now)).toBe('1 5 2027')
    expect(exampleDate(30, 'iso', now)).toBe('2027-05-01')
    expect(exampleDate(30, 'long', now)).toBe('1 May 2027')
  })
})
