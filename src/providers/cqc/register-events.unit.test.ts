import { describe, expect, it } from 'vitest'
import { registerChange } from './register-events.ts'

describe('the register’s changes in an import', () => {
  it('finds the change in an import row', () => {
    expect(registerChange(undefined, 30, true)).toEqual({ change: 'opened', registeredBeds: 30 })
    expect(registerChange(undefined, 30, false)).toBeNull()
    expect(registerChange({ active: false, registeredBeds: 30 }, 30, true)).toEqual({
      change: 'returned',
      registeredBeds: 30,
    })
    expect(registerChange({ active: true, registeredBeds: 30 }, 25, true)).toEqual({
      change: 'beds',
      before: 30,
      after: 25,
    })
    expect(registerChange({ active: true, registeredBeds: 30 }, 30, true)).toBeNull()
    // A file without beds keeps the old figure; a first figure is no change.
    expect(registerChange({ active: true, registeredBeds: null }, 30, true)).toBeNull()
  })
})
