import { describe, expect, it } from 'vitest'
import { isCommonPassword, MIN_PASSWORD_LENGTH, passwordProblem, TOO_COMMON } from './rules.ts'

describe('new passwords', () => {
  it('must be long enough, counting characters rather than bytes', () => {
    expect(passwordProblem('')).toBe('Enter a password')
    expect(passwordProblem('x'.repeat(MIN_PASSWORD_LENGTH - 1))).toBe(
      `Password must be ${MIN_PASSWORD_LENGTH} characters or more`,
    )
    expect(passwordProblem('ééééééééééé')).toBe(`Password must be ${MIN_PASSWORD_LENGTH} characters or more`)
    expect(passwordProblem('x'.repeat(257))).toBe('Password must be 256 characters or fewer')
  })

  it('may not be a common password, in any case or with digits and symbols added at the end', () => {
    for (const password of ['123456789012', 'PASSWORD1234', 'sunshine2024!!', '1qaz2wsx3edc', '!!!!!!!!!!!!'])
      expect(passwordProblem(password), password).toBe(TOO_COMMON)
  })

  it('needs no particular kinds of character', () => {
    for (const password of ['correct horse battery', 'purple elephant umbrella', 'motdepasseéléphant'])
      expect(passwordProblem(password), password).toBeNull()
    expect(isCommonPassword('a perfectly fine password')).toBe(false)
  })
})
