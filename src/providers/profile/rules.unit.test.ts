import { describe, expect, it } from 'vitest'
import { parseLanguages, parseOutcodes } from './rules.ts'

describe('postcode districts', () => {
  it('reads districts separated by commas, spaces or lines, upper-cased, without repeats', () => {
    expect(parseOutcodes('nr1, NR2\nnr1 pe30;EC1A')).toEqual({
      ok: true,
      value: ['NR1', 'NR2', 'PE30', 'EC1A'],
    })
    expect(parseOutcodes('  ')).toEqual({ ok: true, value: [] })
  })

  it('names the entries that are not districts', () => {
    expect(parseOutcodes('NR1, NR99X')).toEqual({
      ok: false,
      problem: 'NR99X is not a postcode district. Enter districts like NR1 or PE30, separated by commas',
    })
  })
})

describe('languages', () => {
  it('trims, drops blanks and repeats in any case, and keeps the order given', () => {
    expect(parseLanguages(' Polish, english ,, English,  Urdu ')).toEqual({
      ok: true,
      value: ['Polish', 'english', 'Urdu'],
    })
  })

  it('takes at most 20', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `L${i}`).join(',')
    expect(parseLanguages(twenty)).toMatchObject({ ok: true })
    expect(parseLanguages(`${twenty},L20`)).toEqual({ ok: false, problem: 'Enter 20 languages or fewer' })
  })
})
