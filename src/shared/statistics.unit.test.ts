import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { median, percentile } from './statistics.ts'

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even one', () => {
    expect(median([])).toBeNull()
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 10])).toBe(3.5)
  })
})

describe('percentile', () => {
  it('interpolates between the ranks either side of p(n-1), as percentile_cont does', () => {
    expect(percentile([], 90)).toBeNull()
    expect(percentile([7], 90)).toBe(7)
    // Ranks 0..4; p90 sits at 3.6: 40 + 0.6 * (100 - 40).
    expect(percentile([100, 10, 30, 20, 40], 90)).toBeCloseTo(76, 9)
    expect(percentile([1, 2, 3, 4], 0)).toBe(1)
    expect(percentile([1, 2, 3, 4], 100)).toBe(4)
  })

  it('agrees with the median at 50, and never falls as p rises (property)', () => {
    const values = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 })
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 99 }), (list, p) => {
        expect(percentile(list, 50)).toBeCloseTo(median(list) as number, 9)
        expect(percentile(list, p + 1) as number).toBeGreaterThanOrEqual(
          (percentile(list, p) as number) - 1e-9,
        )
      }),
    )
  })
})
