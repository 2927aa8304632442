import { describe, expect, it } from 'vitest'
import { leavesNoAdmin, userFiltersSchema, userStatus } from './rules.ts'

describe('the last active council administrator', () => {
  it('is the only one whose loss is refused', () => {
    expect(leavesNoAdmin([7], 7)).toBe(true)
    expect(leavesNoAdmin([7, 8], 7)).toBe(false)
    // A user who is not an active administrator takes none away.
    expect(leavesNoAdmin([7], 9)).toBe(false)
  })
})

describe('a user’s status', () => {
  it('is disabled before invited, and invited until a password is set', () => {
    expect(userStatus({ active: false, hasPassword: false })).toBe('disabled')
    expect(userStatus({ active: true, hasPassword: false })).toBe('invited')
    expect(userStatus({ active: true, hasPassword: true })).toBe('active')
  })
})

describe('user list filters', () => {
  it('read numbers of days from a query string and refuse what is not one', () => {
    expect(userFiltersSchema.parse({ signedInWithinDays: '30' })).toEqual({ signedInWithinDays: 30 })
    expect(userFiltersSchema.safeParse({ notSignedInForDays: '0' }).success).toBe(false)
    expect(userFiltersSchema.safeParse({ status: 'removed' }).success).toBe(false)
  })
})
