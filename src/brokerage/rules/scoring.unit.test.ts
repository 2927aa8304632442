import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  assertWeights,
  compareScored,
  describePrice,
  distanceScore,
  type OfferForScoring,
  priceScore,
  QUALITY_SCORES,
  qualityScore,
  rankOffers,
  rankPerSlot,
  type ScoringContext,
  type ScoringSettings,
  type SlotOffer,
} from './scoring.ts'
import { DEFAULT_BROKERAGE_SETTINGS } from './settings.ts'
import type { RatingValue } from './vocabulary.ts'

const NOW = new Date('2026-03-10T12:00:00Z')
const SETTINGS: ScoringSettings = DEFAULT_BROKERAGE_SETTINGS
const CONTEXT: ScoringContext = {
  usualPricePence: null,
  maxDistanceMiles: 15,
  priceUnit: 'weekly',
  now: NOW,
  neededStart: '2026-03-20',
  capacityMeasure: 'vacancies',
}

function offer(overrides: Partial<OfferForScoring> & { offerId: number }): OfferForScoring {
  return {
    locationId: overrides.offerId * 10,
    pricePence: 100_000,
    rating: 'Good',
    distanceMiles: 5,
    submittedAt: new Date('2026-03-05T09:00:00Z'),
    restrictions: [],
    capacityReportedAt: new Date('2026-03-09T09:00:00Z'),
    capacityAvailable: 2,
    earliestStart: '2026-03-20',
    ...overrides,
  }
}

describe('component scores', () => {
  it('scores quality from the effective rating (DOMAIN.md §7)', () => {
    expect(QUALITY_SCORES).toEqual({
      Outstanding: 100,
      Good: 75,
      'Not yet rated': 50,
      'Requires improvement': 40,
      Inadequate: null,
    })
    expect(qualityScore('Inadequate')).toBeNull()
  })

  it('scores price as lowest ÷ this × 100, to 2 decimal places', () => {
    expect(priceScore(100_000, 100_000)).toBe(100)
    expect(priceScore(120_000, 100_000)).toBe(83.33)
    expect(priceScore(300_000, 100_000)).toBe(33.33)
  })

  it('scores distance against the request’s limit', () => {
    expect(distanceScore(0, 15)).toBe(100)
    expect(distanceScore(7.5, 15)).toBe(50)
    expect(distanceScore(15, 15)).toBe(0)
    expect(distanceScore(40, 15)).toBe(0)
    expect(distanceScore(null, 15)).toBe(0)
    expect(distanceScore(5, 0)).toBe(0)
  })

  it('validates the weights', () => {
    expect(() => assertWeights({ qualityWeight: 60, priceWeight: 40, distanceWeight: 0 })).not.toThrow()
    expect(() => assertWeights({ qualityWeight: 60, priceWeight: 30, distanceWeight: 0 })).toThrow(
      'Weights must add up to 100, not 90',
    )
    expect(() => assertWeights({ qualityWeight: 110, priceWeight: -10, distanceWeight: 0 })).toThrow(
      RangeError,
    )
    expect(() => assertWeights({ qualityWeight: 60.5, priceWeight: 39.5, distanceWeight: 0 })).toThrow(
      RangeError,
    )
    expect(() => rankOffers([], CONTEXT, { ...SETTINGS, priceWeight: 50 })).toThrow(RangeError)
  })

  it('describes a price', () => {
    expect(describePrice(105_050, 'weekly')).toBe('£1,050.50 per week')
    expect(describePrice(2_350, 'hourly')).toBe('£23.50 per hour')
  })
})

describe('rankOffers', () => {
  it('ranks with the full breakdown at the default 60/40 weights', () => {
    const shortlist = rankOffers(
      [
        offer({ offerId: 1, pricePence: 100_000 }),
        offer({ offerId: 2, pricePence: 120_000, rating: 'Outstanding' }),
      ],
      CONTEXT,
      SETTINGS,
    )
    expect(shortlist.lowestPricePence).toBe(100_000)
    expect(shortlist.weights).toEqual({ qualityWeight: 60, priceWeight: 40, distanceWeight: 0 })
    expect(shortlist.excluded).toEqual([])
    const [first, second] = shortlist.ranked
    expect(first).toMatchObject({
      offerId: 2,
      locationId: 20,
      rank: 1,
      total: 93.33,
      quality: { rating: 'Outstanding', score: 100, weight: 60, weighted: 60 },
      price: { pricePence: 120_000, lowestPricePence: 100_000, score: 83.33, weight: 40, weighted: 33.33 },
      distance: { miles: 5, score: 66.67, weight: 0, weighted: 0 },
      flags: { aboveUsualPrice: false, qualityTeamSignOff: false, staleCapacity: false },
      aboveUsualPriceByPence: null,
      capacityAgeDays: 1,
      notes: [],
    })
    expect(second).toMatchObject({
      offerId: 1,
      rank: 2,
      total: 85,
      quality: { score: 75, weighted: 45 },
      price: { score: 100, weighted: 40 },
    })
  })

  it('lets price win when it weighs more', () => {
    const shortlist = rankOffers(
      [
        offer({ offerId: 1, pricePence: 100_000 }),
        offer({ offerId: 2, pricePence: 120_000, rating: 'Outstanding' }),
      ],
      CONTEXT,
      { ...SETTINGS, qualityWeight: 30, priceWeight: 70 },
    )
    expect(shortlist.ranked.map((o) => [o.offerId, o.total])).toEqual([
      [1, 92.5],
      [2, 88.33],
    ])
  })

  it('adds the distance score when the council weights it', () => {
    const shortlist = rankOffers(
      [offer({ offerId: 1, distanceMiles: 12 }), offer({ offerId: 2, distanceMiles: 3 })],
      CONTEXT,
      { ...SETTINGS, qualityWeight: 50, priceWeight: 30, distanceWeight: 20 },
    )
    expect(shortlist.ranked.map((o) => [o.offerId, o.distance.score, o.distance.weighted, o.total])).toEqual([
      [2, 80, 16, 83.5],
      [1, 20, 4, 71.5],
    ])
  })

  it('excludes Inadequate, "no new placements" and invalid prices, and leaves them out of the lowest price', () => {
    const shortlist = rankOffers(
      [
        offer({ offerId: 1, pricePence: 50_000, rating: 'Inadequate' }),
        offer({ offerId: 2, pricePence: 60_000, restrictions: ['no_new_placements'] }),
        offer({ offerId: 3, pricePence: 0 }),
        offer({ offerId: 4, pricePence: -100 }),
        offer({ offerId: 5, pricePence: 1000.5 }),
        offer({ offerId: 6, pricePence: 100_000 }),
      ],
      CONTEXT,
      SETTINGS,
    )
    expect(shortlist.excluded.map((e) => [e.offerId, e.code])).toEqual([
      [1, 'inadequate'],
      [2, 'no_new_placements'],
      [3, 'invalid_price'],
      [4, 'invalid_price'],
      [5, 'invalid_price'],
    ])
    expect(shortlist.excluded[0]?.text).toBe('Rated Inadequate: an inadequate service cannot be chosen')
    expect(shortlist.lowestPricePence).toBe(100_000)
    expect(shortlist.ranked.map((o) => [o.offerId, o.price.score])).toEqual([[6, 100]])
  })

  it('returns an empty shortlist when nothing is eligible', () => {
    expect(rankOffers([offer({ offerId: 1, rating: 'Inadequate' })], CONTEXT, SETTINGS)).toMatchObject({
      ranked: [],
      lowestPricePence: null,
    })
  })

  it('flags a price above the usual price, with how much', () => {
    const [above, at] = rankOffers(
      [
        offer({ offerId: 1, pricePence: 120_000 }),
        offer({ offerId: 2, pricePence: 100_000, rating: 'Outstanding' }),
      ],
      { ...CONTEXT, usualPricePence: 100_000 },
      SETTINGS,
    ).ranked.sort((a, b) => a.offerId - b.offerId)
    expect(above?.flags.aboveUsualPrice).toBe(true)
    expect(above?.aboveUsualPriceByPence).toBe(20_000)
    expect(above?.notes).toContainEqual({
      code: 'above_usual_price',
      text: '£1,200.00 per week is £200.00 above the usual price of £1,000.00',
    })
    expect(at?.flags.aboveUsualPrice).toBe(false)
  })

  it('flags a "contact quality team" restriction for sign-off', () => {
    const [scored] = rankOffers(
      [offer({ offerId: 1, restrictions: ['contact_quality_team'] })],
      CONTEXT,
      SETTINGS,
    ).ranked
    expect(scored?.flags.qualityTeamSignOff).toBe(true)
    expect(scored?.notes.map((n) => n.code)).toEqual(['quality_team_sign_off'])
  })

  it('flags capacity older than the council’s limit, or never reported', () => {
    const ranked = rankOffers(
      [
        offer({ offerId: 1, capacityReportedAt: new Date('2026-03-03T12:00:00Z') }), // exactly 7 days
        offer({ offerId: 2, capacityReportedAt: new Date('2026-03-01T09:00:00Z') }), // 9 days
        offer({ offerId: 3, capacityReportedAt: null }),
      ],
      CONTEXT,
      SETTINGS,
    ).ranked.sort((a, b) => a.offerId - b.offerId)
    expect(ranked.map((o) => [o.flags.staleCapacity, o.capacityAgeDays])).toEqual([
      [false, 7],
      [true, 9],
      [true, null],
    ])
    expect(ranked[1]?.notes.filter((n) => n.code !== 'tie_break')).toEqual([
      {
        code: 'stale_capacity',
        text: 'Capacity last reported 9 days ago, on 1 March 2026; reports older than 7 days may be out of date',
      },
    ])
    expect(ranked[2]?.notes[0]?.text).toBe('The location has never reported its capacity')
  })

  describe('ties on the total', () => {
    it('go to the higher quality score', () => {
      const ranked = rankOffers(
        [
          offer({ offerId: 1, rating: 'Good', pricePence: 100_000 }), // 0.5 × 75 + 0.5 × 100 = 87.5
          offer({ offerId: 2, rating: 'Outstanding', pricePence: 133_333 }), // 0.5 × 100 + 0.5 × 75 = 87.5
        ],
        CONTEXT,
        { ...SETTINGS, qualityWeight: 50, priceWeight: 50 },
      ).ranked
      expect(ranked.map((o) => [o.offerId, o.total])).toEqual([
        [2, 87.5],
        [1, 87.5],
      ])
      expect(ranked[1]?.notes).toContainEqual({
        code: 'tie_break',
        text: 'Same total as the offer ranked 1; placed after it because its quality score is lower',
      })
    })

    it('then to the lower price', () => {
      const ranked = rankOffers(
        [
          offer({ offerId: 1, pricePence: 200_000, distanceMiles: 0 }), // price 50 → 12.5, distance 100 → 25
          offer({ offerId: 2, pricePence: 100_000, distanceMiles: 5 }), // price 100 → 25, distance 50 → 12.5
        ],
        { ...CONTEXT, maxDistanceMiles: 10 },
        { ...SETTINGS, qualityWeight: 50, priceWeight: 25, distanceWeight: 25 },
      ).ranked
      expect(ranked.map((o) => [o.offerId, o.total])).toEqual([
        [2, 75],
        [1, 75],
      ])
      expect(ranked[1]?.notes.at(-1)?.text).toMatch(/because its price is higher$/)
    })

    it('then to the earlier submission, then the lower offer id', () => {
      const ranked = rankOffers(
        [
          offer({ offerId: 9, submittedAt: new Date('2026-03-05T10:00:00Z') }),
          offer({ offerId: 7, submittedAt: new Date('2026-03-05T09:30:00Z') }),
          offer({ offerId: 8, submittedAt: new Date('2026-03-05T09:30:00Z') }),
        ],
        CONTEXT,
        SETTINGS,
      ).ranked
      expect(ranked.map((o) => [o.offerId, o.rank])).toEqual([
        [7, 1],
        [8, 2],
        [9, 3],
      ])
      expect(ranked[1]?.notes.at(-1)?.text).toMatch(/because its offer number is higher$/)
      expect(ranked[2]?.notes.at(-1)?.text).toMatch(/because it was submitted later$/)
    })
  })
})

// ---------------------------------------------------------------------------------------------

const RATINGS: RatingValue[] = ['Outstanding', 'Good', 'Not yet rated', 'Requires improvement', 'Inadequate']

const offersArbitrary = fc
  .uniqueArray(
    fc.record({
      offerId: fc.integer({ min: 1, max: 10_000 }),
      pricePence: fc.oneof(fc.integer({ min: 1, max: 500_000 }), fc.constantFrom(0, -5)),
      rating: fc.constantFrom(...RATINGS),
      distanceMiles: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { nil: null }),
      submittedAt: fc.date({ min: new Date('2026-01-01'), max: new Date('2026-03-10'), noInvalidDate: true }),
      stale: fc.boolean(),
      signOff: fc.boolean(),
    }),
    { selector: (o) => o.offerId, maxLength: 25 },
  )
  .map((rows) =>
    rows.map(
      (r): OfferForScoring => ({
        offerId: r.offerId,
        locationId: r.offerId,
        pricePence: r.pricePence,
        rating: r.rating,
        distanceMiles: r.distanceMiles,
        submittedAt: r.submittedAt,
        restrictions: r.signOff ? ['contact_quality_team'] : [],
        capacityReportedAt: r.stale ? null : NOW,
        capacityAvailable: r.stale ? null : 1,
        earliestStart: '2026-03-20',
      }),
    ),
  )

const weightsArbitrary = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .map(([a, b]) => {
    const [low, high] = a <= b ? [a, b] : [b, a]
    return {
      qualityWeight: low,
      priceWeight: high - low,
      distanceWeight: 100 - high,
      capacityStaleDays: 7,
      lateStartPointsPerDay: 2,
    }
  })

describe('rankOffers: properties', () => {
  it('keeps every score in 0..100, and the total is the sum of the weighted parts', () => {
    fc.assert(
      fc.property(offersArbitrary, weightsArbitrary, (offers, settings) => {
        const { ranked, excluded } = rankOffers(offers, CONTEXT, settings)
        expect(ranked.length + excluded.length).toBe(offers.length)
        for (const o of ranked) {
          for (const c of [o.quality, o.price, o.distance]) {
            expect(c.score).toBeGreaterThanOrEqual(0)
            expect(c.score).toBeLessThanOrEqual(100)
          }
          expect(o.total).toBeGreaterThanOrEqual(0)
          expect(o.total).toBeLessThanOrEqual(100)
          expect(o.total).toBeCloseTo(o.quality.weighted + o.price.weighted + o.distance.weighted, 9)
          expect(o.quality.weight + o.price.weight + o.distance.weight).toBe(100)
        }
        if (ranked.length > 0) {
          expect(ranked.some((o) => o.price.score === 100)).toBe(true)
          expect(Math.min(...ranked.map((o) => o.price.pricePence))).toBe(ranked[0]?.price.lowestPricePence)
        }
      }),
    )
  })

  it('is a total order that does not depend on the order of the input', () => {
    fc.assert(
      fc.property(offersArbitrary, weightsArbitrary, fc.integer(), (offers, settings, seed) => {
        const { ranked } = rankOffers(offers, CONTEXT, settings)
        expect(ranked.map((o) => o.rank)).toEqual(ranked.map((_, i) => i + 1))
        for (let i = 1; i < ranked.length; i++) {
          const [a, b] = [ranked[i - 1], ranked[i]]
          if (a && b) {
            expect(compareScored(a, b)).toBeLessThan(0)
            expect(compareScored(b, a)).toBeGreaterThan(0)
            expect(a.total).toBeGreaterThanOrEqual(b.total)
          }
        }
        const shuffled = [...offers].sort((x, y) => ((x.offerId * seed) % 97) - ((y.offerId * seed) % 97))
        expect(rankOffers(shuffled, CONTEXT, settings).ranked.map((o) => o.offerId)).toEqual(
          ranked.map((o) => o.offerId),
        )
      }),
    )
  })

  it('never ranks a cheaper offer of the same rating and distance below a dearer one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500_000 }),
        fc.integer({ min: 1, max: 500_000 }),
        weightsArbitrary,
        (p1, p2, settings) => {
          fc.pre(p1 !== p2)
          const { ranked } = rankOffers(
            [offer({ offerId: 1, pricePence: p1 }), offer({ offerId: 2, pricePence: p2 })],
            CONTEXT,
            settings,
          )
          expect(ranked[0]?.price.pricePence).toBe(Math.min(p1, p2))
        },
      ),
    )
  })
})

// ---------------------------------------------------------------------------------------------

describe('rankPerSlot', () => {
  const hourly: ScoringContext = { ...CONTEXT, priceUnit: 'hourly' }
  const slotOffer = (
    o: Partial<SlotOffer> & { offerId: number; slotIds: SlotOffer['slotIds'] },
  ): SlotOffer => ({
    ...offer(o),
    slotIds: o.slotIds,
  })

  it('ranks the offers covering each visit among themselves, and lists visits nobody covers', () => {
    const result = rankPerSlot(
      ['mon-am', 'mon-pm', 'tue-am', 'tue-pm'],
      [
        slotOffer({ offerId: 1, slotIds: ['mon-am', 'mon-pm'], pricePence: 2_400 }),
        slotOffer({
          offerId: 2,
          slotIds: ['mon-pm', 'tue-am'],
          pricePence: 2_000,
          rating: 'Requires improvement',
        }),
        slotOffer({ offerId: 3, slotIds: ['tue-pm'], pricePence: 2_200, rating: 'Inadequate' }),
      ],
      hourly,
      SETTINGS,
    )
    expect(
      result.slots.map((s) => [s.slotId, s.shortlist.ranked.map((o) => o.offerId), s.top?.offerId ?? null]),
    ).toEqual([
      ['mon-am', [1], 1],
      ['mon-pm', [1, 2], 1],
      ['tue-am', [2], 2],
      ['tue-pm', [], null],
    ])
    // Alone on Monday morning, offer 1 is the lowest price there; on Monday afternoon offer 2 is.
    expect(result.slots[0]?.top?.price.score).toBe(100)
    expect(result.slots[1]?.shortlist.ranked[0]?.price.score).toBe(83.33)
    expect(result.slots[3]?.shortlist.excluded.map((e) => e.code)).toEqual(['inadequate'])
    expect(result.unfilled).toEqual(['tue-pm'])
  })

  it('accepts numeric slot ids', () => {
    const result = rankPerSlot([1, 2], [slotOffer({ offerId: 5, slotIds: [2] })], hourly, SETTINGS)
    expect(result.unfilled).toEqual([1])
    expect(result.slots[1]?.top?.offerId).toBe(5)
  })
})

describe('a council-accredited service’s offer', () => {
  it('is scored on its accreditation, which the breakdown names, and excluded once it lapses', () => {
    const shortlist = rankOffers(
      [
        offer({
          offerId: 1,
          pricePence: 6_000,
          rating: 'Good',
          ratingBasis: 'Council accreditation to 31 March 2027, counted as Good',
        }),
        offer({
          offerId: 2,
          pricePence: 5_000,
          qualityExclusion: 'Council accreditation not in force: accreditation expired on 1 March 2026',
        }),
      ],
      CONTEXT,
      SETTINGS,
    )
    expect(shortlist.ranked.map((o) => [o.offerId, o.quality.score, o.quality.basis])).toEqual([
      [1, 75, 'Council accreditation to 31 March 2027, counted as Good'],
    ])
    expect(shortlist.excluded).toEqual([
      {
        offerId: 2,
        locationId: expect.any(Number),
        code: 'accreditation_not_in_force',
        text: 'Council accreditation not in force: accreditation expired on 1 March 2026',
      },
    ])
    // The lapsed offer's lower price does not set the lowest price.
    expect(shortlist.lowestPricePence).toBe(6_000)
  })
})

describe('late starts and no vacancy', () => {
  it('flags an offer starting after care is needed with the days late, and takes the council’s points a day off', () => {
    const { ranked } = rankOffers(
      [offer({ offerId: 1, earliestStart: '2026-03-25' }), offer({ offerId: 2 })],
      CONTEXT,
      SETTINGS,
    )
    const late = ranked.find((o) => o.offerId === 1)
    const onTime = ranked.find((o) => o.offerId === 2)
    expect(late?.lateStart).toEqual({ days: 5, pointsPerDay: 2, penalty: 10 })
    expect(late?.flags.lateStart).toBe(true)
    expect(late?.total).toBe((onTime?.total ?? 0) - 10)
    expect(ranked.map((o) => o.offerId)).toEqual([2, 1])
    expect(late?.notes).toContainEqual({
      code: 'late_start',
      text: 'Starts 25 March 2026, 5 days after care is needed (20 March 2026): 10 points off the total (2 a day)',
    })
    expect(onTime?.lateStart).toEqual({ days: 0, pointsPerDay: 2, penalty: 0 })
    expect(onTime?.flags.lateStart).toBe(false)
  })

  it('only flags a late start when the council sets no points, and never takes the total below 0', () => {
    const flagOnly = rankOffers([offer({ offerId: 1, earliestStart: '2026-03-25' })], CONTEXT, {
      ...SETTINGS,
      lateStartPointsPerDay: 0,
    }).ranked[0]
    expect(flagOnly?.lateStart.penalty).toBe(0)
    expect(flagOnly?.notes.find((n) => n.code === 'late_start')?.text).toBe(
      'Starts 25 March 2026, 5 days after care is needed (20 March 2026)',
    )
    const veryLate = rankOffers([offer({ offerId: 1, earliestStart: '2026-09-01' })], CONTEXT, SETTINGS)
      .ranked[0]
    expect(veryLate?.total).toBe(0)
  })

  it('flags an offer whose location’s latest report shows no vacancy of the bed type, or no spare hours', () => {
    const { ranked } = rankOffers(
      [offer({ offerId: 1, capacityAvailable: 0 }), offer({ offerId: 2 })],
      CONTEXT,
      SETTINGS,
    )
    const full = ranked.find((o) => o.offerId === 1)
    expect(full?.flags.noVacancy).toBe(true)
    expect(full?.notes).toContainEqual({
      code: 'no_vacancy',
      text: 'The latest capacity report, on 9 March 2026, shows no vacancy of this bed type',
    })
    expect(ranked.find((o) => o.offerId === 2)?.flags.noVacancy).toBe(false)
    const hours = rankOffers(
      [offer({ offerId: 1, capacityAvailable: 0 })],
      {
        ...CONTEXT,
        capacityMeasure: 'spare_hours',
      },
      SETTINGS,
    ).ranked[0]
    expect(hours?.notes.find((n) => n.code === 'no_vacancy')?.text).toBe(
      'The latest capacity report, on 9 March 2026, shows no spare hours in the district',
    )
  })
})
