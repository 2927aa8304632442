import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatPounds,
  formatPoundsInput,
  formatPoundsShort,
  formatRoundedPounds,
  parsePounds,
} from './money.ts'

describe('parsePounds', () => {
  it('reads pounds as typed as whole pence', () => {
    expect(parsePounds('1,050.5')).toEqual({ ok: true, pence: 105_050 })
    expect(parsePounds('£1,050.50')).toEqual({ ok: true, pence: 105_050 })
    expect(parsePounds('£24.10')).toEqual({ ok: true, pence: 2410 })
    expect(parsePounds(' £ 24 ')).toEqual({ ok: true, pence: 2400 })
    expect(parsePounds(950)).toEqual({ ok: true, pence: 95_000 })
    expect(parsePounds(25.5)).toEqual({ ok: true, pence: 2550 })
    expect(parsePounds(' 0 ')).toEqual({ ok: true, pence: 0 })
    expect(parsePounds('-0')).toEqual({ ok: true, pence: 0 })
  })

  it('says whether nothing was typed, a negative amount, or something else', () => {
    for (const empty of ['', '   ', null, undefined])
      expect(parsePounds(empty)).toEqual({ ok: false, problem: 'empty' })
    for (const negative of ['-10', '-0.5', '£-5', '-.5'])
      expect(parsePounds(negative)).toEqual({ ok: false, problem: 'negative' })
    for (const invalid of ['10.505', 'ten', '.5', '1.2.3', '-ten', true, {}])
      expect(parsePounds(invalid)).toEqual({ ok: false, problem: 'invalid' })
  })

  it('never loses a penny to floating point, and reads back what the form box shows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), (pence) => {
        const typed = `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`
        expect(parsePounds(typed)).toEqual({ ok: true, pence })
        expect(parsePounds(formatPoundsInput(pence))).toEqual({ ok: true, pence })
        expect(parsePounds(formatPoundsInput(pence, { pence: 'always' }))).toEqual({ ok: true, pence })
        expect(parsePounds(formatPounds(pence))).toEqual({ ok: true, pence })
      }),
    )
  })
})

describe('formatting pence as pounds', () => {
  it('writes them as pages show them', () => {
    expect(formatPounds(123_450)).toBe('£1,234.50')
    expect(formatPounds(0)).toBe('£0.00')
    expect(formatPoundsShort(3_150_000)).toBe('£31,500')
    expect(formatPoundsShort(1250)).toBe('£12.50')
    expect(formatRoundedPounds(123_450)).toBe('£1,235')
  })

  it('writes them as form boxes show them', () => {
    expect(formatPoundsInput(null)).toBe('')
    expect(formatPoundsInput(2_500_000)).toBe('25000')
    expect(formatPoundsInput(125_050)).toBe('1250.50')
    expect(formatPoundsInput(105_000, { pence: 'always' })).toBe('1050.00')
  })
})
