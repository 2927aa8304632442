import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CQC_RATINGS, type CqcRating } from '../vocabulary.ts'
import {
  ACCREDITED_EQUIVALENT,
  accreditationStanding,
  cqcToPamms,
  effectiveRating,
  effectiveRatingOfAccredited,
  isInForce,
  mayBidForPrimeProvider,
  NOT_YET_RATED,
  PAMMS_RATINGS,
  pammsToCqc,
  qualityScore,
  type RestrictionFacts,
  restrictionEffect,
  restrictionStatus,
  sectorOf,
  summariseRestrictions,
} from './rules.ts'

describe('effectiveRating', () => {
  it('is "Not yet rated" with neither a CQC rating nor a PAMMS audit', () => {
    const effective = effectiveRating(null, null)
    expect(effective.rating).toBe(NOT_YET_RATED)
    expect(effective.source).toBeNull()
    expect(effective.ratedOn).toBeNull()
  })

  it('takes the only rating there is', () => {
    expect(effectiveRating({ rating: 'Good', ratedOn: '2023-01-05' }, null)).toMatchObject({
      rating: 'Good',
      source: 'cqc',
      ratedOn: '2023-01-05',
    })
    expect(effectiveRating(null, { rating: 'Inadequate', ratedOn: '2022-01-05' })).toMatchObject({
      rating: 'Inadequate',
      source: 'pamms',
      ratedOn: '2022-01-05',
    })
  })

  it('takes a later PAMMS audit over an earlier CQC rating, whichever is better', () => {
    const effective = effectiveRating(
      { rating: 'Outstanding', ratedOn: '2022-06-30' },
      { rating: 'Requires improvement', ratedOn: '2024-02-01' },
    )
    expect(effective).toMatchObject({
      rating: 'Requires improvement',
      source: 'pamms',
      ratedOn: '2024-02-01',
    })
    expect(effective.explanation).toBe(
      'The PAMMS audit Requires improvement of 1 February 2024 is more recent than the CQC rating Outstanding of 30 June 2022.',
    )
  })

  it('takes a later CQC rating over an earlier PAMMS audit', () => {
    expect(
      effectiveRating(
        { rating: 'Good', ratedOn: '2024-03-01' },
        { rating: 'Inadequate', ratedOn: '2024-02-29' },
      ),
    ).toMatchObject({ rating: 'Good', source: 'cqc', ratedOn: '2024-03-01' })
  })

  it('takes the worse rating when both are dated the same day', () => {
    expect(
      effectiveRating(
        { rating: 'Good', ratedOn: '2024-03-01' },
        { rating: 'Inadequate', ratedOn: '2024-03-01' },
      ),
    ).toMatchObject({ rating: 'Inadequate', source: 'pamms' })
    const cqcWorse = effectiveRating(
      { rating: 'Requires improvement', ratedOn: '2024-03-01' },
      { rating: 'Outstanding', ratedOn: '2024-03-01' },
    )
    expect(cqcWorse).toMatchObject({ rating: 'Requires improvement', source: 'cqc' })
    expect(cqcWorse.explanation).toContain('equally recent; the worse rating counts')
  })

  it('counts a rating without a date as older than any dated one', () => {
    expect(
      effectiveRating({ rating: 'Good', ratedOn: null }, { rating: 'Inadequate', ratedOn: '2001-01-01' })
        .source,
    ).toBe('pamms')
    expect(
      effectiveRating({ rating: 'Good', ratedOn: '2001-01-01' }, { rating: 'Good', ratedOn: null }).source,
    ).toBe('cqc')
  })

  it('is always one of the two inputs, never newer than both and never better than a same-day rival', () => {
    const dated = fc.record({
      rating: fc.constantFrom(...CQC_RATINGS),
      ratedOn: fc.option(
        fc
          .date({ min: new Date('2015-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
      ),
    })
    fc.assert(
      fc.property(fc.option(dated), fc.option(dated), (cqc, pamms) => {
        const effective = effectiveRating(cqc, pamms)
        if (!cqc && !pamms) return effective.rating === NOT_YET_RATED
        const chosen = effective.source === 'cqc' ? cqc : pamms
        const other = effective.source === 'cqc' ? pamms : cqc
        expect(chosen).not.toBeNull()
        expect(effective.rating).toBe(chosen?.rating)
        if (other) {
          expect((chosen?.ratedOn ?? '') >= (other.ratedOn ?? '')).toBe(true)
          if ((chosen?.ratedOn ?? '') === (other.ratedOn ?? '')) {
            expect(CQC_RATINGS.indexOf(chosen?.rating as CqcRating)).toBeGreaterThanOrEqual(
              CQC_RATINGS.indexOf(other.rating),
            )
          }
        }
        return true
      }),
    )
  })
})

describe('quality score and Prime Provider bids', () => {
  it('scores each rating as DOMAIN.md §7 says, with Inadequate not eligible', () => {
    expect(qualityScore('Outstanding')).toBe(100)
    expect(qualityScore('Good')).toBe(75)
    expect(qualityScore(NOT_YET_RATED)).toBe(50)
    expect(qualityScore('Requires improvement')).toBe(40)
    expect(qualityScore('Inadequate')).toBeNull()
  })

  it('lets only good or outstanding locations bid for a Prime Provider contract', () => {
    expect(mayBidForPrimeProvider({ rating: 'Outstanding' })).toBe(true)
    expect(mayBidForPrimeProvider({ rating: 'Good' })).toBe(true)
    expect(mayBidForPrimeProvider({ rating: 'Requires improvement' })).toBe(false)
    expect(mayBidForPrimeProvider({ rating: 'Inadequate' })).toBe(false)
    expect(mayBidForPrimeProvider(effectiveRating(null, null))).toBe(false)
    // The effective rating decides: a recent Poor audit outweighs an older Good CQC rating.
    expect(
      mayBidForPrimeProvider(
        effectiveRating(
          { rating: 'Good', ratedOn: '2022-01-01' },
          { rating: pammsToCqc('Poor'), ratedOn: '2023-01-01' },
        ),
      ),
    ).toBe(false)
  })

  it('maps PAMMS labels onto the CQC scale and back', () => {
    expect(PAMMS_RATINGS.map(pammsToCqc)).toEqual([
      'Outstanding',
      'Good',
      'Requires improvement',
      'Inadequate',
    ])
    expect(CQC_RATINGS.map(cqcToPamms)).toEqual(['Excellent', 'Good', 'Requires improvement', 'Poor'])
  })
})

function restriction(overrides: Partial<RestrictionFacts>): RestrictionFacts {
  return {
    kind: 'contact_quality_team',
    monthlyLimit: null,
    startsOn: '2024-01-01',
    endsOn: null,
    liftedAt: null,
    ...overrides,
  }
}

describe('restrictionEffect', () => {
  const onDate = '2024-06-15'

  it('leaves a location without restrictions eligible and unflagged', () => {
    const effect = restrictionEffect([], onDate, 0)
    expect(effect).toEqual({
      eligible: true,
      requiresQualityTeamSignOff: false,
      explanation: 'No restriction is in force.',
    })
  })

  it('excludes a location with no new placements', () => {
    const effect = restrictionEffect([restriction({ kind: 'no_new_placements' })], onDate, 0)
    expect(effect.eligible).toBe(false)
    expect(effect.flag).toBeUndefined()
    expect(effect.explanation).toContain('no new placements')
  })

  it('keeps a location that needs the quality team eligible, but flagged for sign-off', () => {
    const effect = restrictionEffect([restriction({ kind: 'contact_quality_team' })], onDate, 5)
    expect(effect).toMatchObject({
      eligible: true,
      flag: 'contact_quality_team',
      requiresQualityTeamSignOff: true,
    })
    expect(effect.explanation).toContain('sign-off')
  })

  it('keeps a limited location eligible until the month’s awards reach the limit', () => {
    const limited = [restriction({ kind: 'placement_limit', monthlyLimit: 2 })]
    expect(restrictionEffect(limited, onDate, 0)).toMatchObject({
      eligible: true,
      flag: 'placement_limit',
      placementsLeftThisMonth: 2,
    })
    expect(restrictionEffect(limited, onDate, 1)).toMatchObject({
      eligible: true,
      placementsLeftThisMonth: 1,
    })
    const reached = restrictionEffect(limited, onDate, 2)
    expect(reached).toMatchObject({ eligible: false, placementsLeftThisMonth: 0 })
    expect(reached.explanation).toBe(
      'The monthly placement limit is reached: 2 of the 2 placements allowed this month have been made.',
    )
    expect(restrictionEffect(limited, onDate, 7).eligible).toBe(false)
  })

  it('applies the tightest of several limits, and still asks for sign-off alongside one', () => {
    const several = [
      restriction({ kind: 'placement_limit', monthlyLimit: 5 }),
      restriction({ kind: 'placement_limit', monthlyLimit: 1 }),
      restriction({ kind: 'contact_quality_team' }),
    ]
    expect(restrictionEffect(several, onDate, 0)).toMatchObject({
      eligible: true,
      flag: 'contact_quality_team',
      requiresQualityTeamSignOff: true,
      placementsLeftThisMonth: 1,
    })
    expect(restrictionEffect(several, onDate, 1).eligible).toBe(false)
  })

  it('lets no new placements win over every other restriction', () => {
    const effect = restrictionEffect(
      [restriction({ kind: 'contact_quality_team' }), restriction({ kind: 'no_new_placements' })],
      onDate,
      0,
    )
    expect(effect.eligible).toBe(false)
  })

  it('ignores restrictions that have ended, have not started, or were lifted', () => {
    const ended = restriction({ kind: 'no_new_placements', endsOn: '2024-06-14' })
    const future = restriction({ kind: 'no_new_placements', startsOn: '2024-06-16' })
    const lifted = restriction({ kind: 'no_new_placements', liftedAt: new Date('2024-06-10T09:00:00Z') })
    expect(restrictionEffect([ended, future, lifted], onDate, 0).eligible).toBe(true)
    expect(restrictionEffect([ended, future, lifted], onDate, 0).flag).toBeUndefined()
  })

  it('counts the first and last day, and a lift from the day it happened', () => {
    const window = restriction({ kind: 'no_new_placements', startsOn: '2024-06-15', endsOn: '2024-06-15' })
    expect(restrictionEffect([window], '2024-06-15', 0).eligible).toBe(false)
    expect(restrictionEffect([window], '2024-06-14', 0).eligible).toBe(true)
    expect(restrictionEffect([window], '2024-06-16', 0).eligible).toBe(true)
    // Lifted at 00:30 London time on 15 June (23:30 UTC on the 14th): not in force on the 15th, in force on the 14th.
    const lifted = restriction({ kind: 'no_new_placements', liftedAt: new Date('2024-06-14T23:30:00Z') })
    expect(isInForce(lifted, '2024-06-15')).toBe(false)
    expect(isInForce(lifted, '2024-06-14')).toBe(true)
  })

  it('says where a restriction stands today', () => {
    const today = '2024-06-15'
    expect(restrictionStatus(restriction({}), today)).toBe('in_force')
    expect(restrictionStatus(restriction({ startsOn: '2024-07-01' }), today)).toBe('scheduled')
    expect(restrictionStatus(restriction({ endsOn: '2024-06-14' }), today)).toBe('ended')
    expect(restrictionStatus(restriction({ liftedAt: new Date('2024-06-01') }), today)).toBe('lifted')
  })
})

describe('the restriction summary', () => {
  it('puts each location in one sector, nursing homes before residential ones', () => {
    expect(sectorOf(['residential_home', 'nursing_home'])).toBe('nursing_home')
    expect(sectorOf(['residential_home'])).toBe('residential_home')
    expect(sectorOf(['home_care', 'supported_living'])).toBe('home_care')
    expect(sectorOf(['extra_care_housing'])).toBe('other')
    expect(sectorOf([])).toBe('other')
  })

  it('counts restricted services and beds by sector and strictest restriction, against the register', () => {
    const summary = summariseRestrictions(
      [
        { serviceTypes: ['residential_home'], services: 8, beds: 200 },
        { serviceTypes: ['residential_home', 'nursing_home'], services: 2, beds: 100 },
        { serviceTypes: ['nursing_home'], services: 2, beds: 60 },
        { serviceTypes: ['home_care'], services: 8, beds: 0 },
      ],
      [
        {
          locationId: 1,
          serviceTypes: ['residential_home'],
          registeredBeds: 30,
          kinds: ['contact_quality_team'],
        },
        {
          locationId: 2,
          serviceTypes: ['residential_home'],
          registeredBeds: 20,
          kinds: ['contact_quality_team', 'no_new_placements'],
        },
        {
          locationId: 3,
          serviceTypes: ['nursing_home', 'residential_home'],
          registeredBeds: 50,
          kinds: ['placement_limit'],
        },
        { locationId: 4, serviceTypes: ['home_care'], registeredBeds: null, kinds: ['no_new_placements'] },
      ],
    )
    expect(summary.total).toEqual({
      allServices: 20,
      allBeds: 360,
      services: 4,
      beds: 100,
      servicesPercent: 20,
      bedsPercent: 27.8,
    })
    const residential = summary.sectors.find((s) => s.sector === 'residential_home')
    expect(residential).toMatchObject({
      label: 'Care homes (residential)',
      allServices: 8,
      allBeds: 200,
      restricted: { services: 2, beds: 50, servicesPercent: 25, bedsPercent: 25 },
    })
    expect(residential?.byKind.map((k) => [k.kind, k.services, k.beds])).toEqual([
      ['contact_quality_team', 1, 30],
      ['placement_limit', 0, 0],
      ['no_new_placements', 1, 20],
    ])
    const nursing = summary.sectors.find((s) => s.sector === 'nursing_home')
    expect(nursing?.restricted).toEqual({ services: 1, beds: 50, servicesPercent: 25, bedsPercent: 31.3 })
    const homeCare = summary.sectors.find((s) => s.sector === 'home_care')
    expect(homeCare?.restricted).toEqual({ services: 1, beds: 0, servicesPercent: 12.5, bedsPercent: null })
    const other = summary.sectors.find((s) => s.sector === 'other')
    expect(other?.restricted.servicesPercent).toBeNull()
  })
})

describe('a council accreditation in place of a CQC rating', () => {
  const period = {
    accreditedFrom: '2026-04-01',
    accreditedTo: '2027-03-31',
    criteriaMet: ['safeguarding'],
    accreditedBy: 'Panel',
  }

  it('is in force from its first day to its last, and says when it expired or starts', () => {
    expect(accreditationStanding([period], '2026-04-01').status).toBe('in_force')
    expect(accreditationStanding([period], '2027-03-31').status).toBe('in_force')
    expect(accreditationStanding([period], '2027-04-01')).toMatchObject({
      status: 'expired',
      explanation: 'The council’s accreditation expired on 31 March 2027.',
    })
    expect(accreditationStanding([period], '2026-03-31').status).toBe('not_started')
    expect(accreditationStanding([], '2026-06-01').status).toBe('none')
    // A renewal in force wins over the period before it.
    const renewal = { ...period, accreditedFrom: '2027-04-01', accreditedTo: '2028-03-31' }
    expect(accreditationStanding([period, renewal], '2027-06-01').accreditation).toEqual(renewal)
  })

  it('counts as Good while in force, and rules the service out otherwise', () => {
    const inForce = effectiveRatingOfAccredited(accreditationStanding([period], '2026-06-01'), null)
    expect(inForce).toMatchObject({
      rating: ACCREDITED_EQUIVALENT,
      source: 'accreditation',
      ratedOn: '2026-04-01',
    })
    expect(inForce.ineligible).toBeUndefined()
    const expired = effectiveRatingOfAccredited(accreditationStanding([period], '2027-06-01'), {
      rating: 'Outstanding',
      ratedOn: '2027-05-01',
    })
    expect(expired.rating).toBe(NOT_YET_RATED)
    expect(expired.ineligible).toBe(
      'Council accreditation not in force: accreditation expired on 31 March 2027',
    )
  })

  it('gives way to a more recent PAMMS audit, and to a worse one on the same day', () => {
    const standing = accreditationStanding([period], '2026-06-01')
    expect(
      effectiveRatingOfAccredited(standing, { rating: 'Requires improvement', ratedOn: '2026-05-01' }),
    ).toMatchObject({
      rating: 'Requires improvement',
      source: 'pamms',
    })
    expect(
      effectiveRatingOfAccredited(standing, { rating: 'Outstanding', ratedOn: '2026-04-01' }).source,
    ).toBe('accreditation')
    expect(
      effectiveRatingOfAccredited(standing, { rating: 'Inadequate', ratedOn: '2026-04-01' }).rating,
    ).toBe('Inadequate')
    expect(
      effectiveRatingOfAccredited(standing, { rating: 'Outstanding', ratedOn: '2025-01-01' }).source,
    ).toBe('accreditation')
  })
})
