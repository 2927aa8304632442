import { describe, expect, it } from 'vitest'
import { TWO_FACTOR_WINDOW_MINUTES, TwoFactorLimits } from './limits.ts'

function limits(perAccount: number, perAddress: number) {
  const clock = { now: 0 }
  return { clock, limits: new TwoFactorLimits(perAccount, perAddress, () => clock.now) }
}

describe('two-factor limits', () => {
  it('stop an account after its wrong codes, from any address, until the window ends', () => {
    const { clock, limits: l } = limits(3, 100)
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) expect(l.begin(7, ip)).toBe(true)
    expect(l.begin(7, '192.0.2.4')).toBe(false)
    expect(l.begin(8, '192.0.2.4')).toBe(true)
    clock.now += TWO_FACTOR_WINDOW_MINUTES * 60_000 - 1
    expect(l.begin(7, '192.0.2.5')).toBe(false)
    clock.now += 1
    expect(l.begin(7, '192.0.2.5')).toBe(true)
  })

  it('stop an address trying many accounts, without using up the accounts’ own allowance', () => {
    const { limits: l } = limits(2, 3)
    for (const user of [1, 2, 3]) expect(l.begin(user, '198.51.100.9')).toBe(true)
    expect(l.begin(4, '198.51.100.9')).toBe(false)
    // Account 4's refused attempt took nothing from it.
    expect(l.begin(4, '198.51.100.10')).toBe(true)
    expect(l.begin(4, '198.51.100.11')).toBe(true)
    expect(l.begin(4, '198.51.100.12')).toBe(false)
  })

  it('give back the place of a right code', () => {
    const { limits: l } = limits(1, 1)
    expect(l.begin(1, '203.0.113.1')).toBe(true)
    l.succeeded(1, '203.0.113.1')
    expect(l.begin(1, '203.0.113.1')).toBe(true)
    expect(l.begin(1, '203.0.113.1')).toBe(false)
  })
})
