import { describe, expect, it } from 'vitest'
import {
  codeAt,
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  normaliseTotpCode,
  otpauthUri,
  RECOVERY_CODE_COUNT,
  recoveryCodeHash,
  twoFactorRequired,
} from './rules.ts'

// RFC 6238 appendix B's SHA-1 secret ("12345678901234567890") as base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'

describe('TOTP codes', () => {
  it('match RFC 6238 test vectors (six digits of them)', () => {
    expect(codeAt(RFC_SECRET, 59_000)).toBe('287082')
    expect(codeAt(RFC_SECRET, 1_111_111_109_000)).toBe('081804')
    expect(codeAt(RFC_SECRET, 2_000_000_000_000)).toBe('279037')
  })

  it('accept the step either side of now and say which step was used', () => {
    const now = 1_111_111_109_000
    const step = Math.floor(now / 30_000)
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, now), now)).toBe(step)
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, now - 30_000), now)).toBe(step - 1)
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, now + 30_000), now)).toBe(step + 1)
    expect(matchingStep(RFC_SECRET, codeAt(RFC_SECRET, now - 60_000), now)).toBeNull()
  })

  it('refuse a code of no step near now', () => {
    const now = 1_111_111_109_000
    const near = [-30_000, 0, 30_000].map((offset) => codeAt(RFC_SECRET, now + offset))
    const wrong = ['000000', '111111', '222222'].find((code) => !near.includes(code)) ?? ''
    expect(matchingStep(RFC_SECRET, wrong, now)).toBeNull()
  })

  it('take codes typed with spaces or a dash, and nothing but six digits', () => {
    expect(normaliseTotpCode(' 123 456 ')).toBe('123456')
    expect(normaliseTotpCode('123-456')).toBe('123456')
    expect(normaliseTotpCode('12345')).toBe('')
    expect(normaliseTotpCode('12345a')).toBe('')
  })

  it('give apps an otpauth address naming the council and the person', () => {
    const uri = otpauthUri(RFC_SECRET, 'jo@council.test', 'Norfolk County Council')
    expect(uri).toMatch(/^otpauth:\/\/totp\//)
    expect(uri).toContain(`secret=${RFC_SECRET}`)
    expect(decodeURIComponent(uri)).toContain('jo@council.test')
    expect(decodeURIComponent(uri)).toContain('Caremarket Norfolk County Council')
  })

  it('make 160-bit secrets', () => {
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/)
  })
})

describe('recovery codes', () => {
  it('are distinct, readable and hashed the same however they are typed', () => {
    const codes = newRecoveryCodes()
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT)
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT)
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/)
    const [first = ''] = codes
    expect(recoveryCodeHash(first.toUpperCase().replace('-', ' '))).toBe(recoveryCodeHash(first))
    expect(recoveryCodeHash(first)).not.toBe(recoveryCodeHash(codes[1] ?? ''))
  })
})

describe('who must use two-factor sign-in', () => {
  it('is council staff when the council says so, or by default in production; never forced on providers', () => {
    expect(twoFactorRequired('broker', null, true)).toBe(true)
    expect(twoFactorRequired('broker', null, false)).toBe(false)
    expect(twoFactorRequired('broker', false, true)).toBe(false)
    expect(twoFactorRequired('council_admin', true, false)).toBe(true)
    expect(twoFactorRequired('provider_user', true, true)).toBe(false)
  })
})
