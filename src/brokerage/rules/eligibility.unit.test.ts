import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BED_TYPES, type RestrictionKind, SERVICE_TYPES, SPECIALISMS } from '../../providers/vocabulary.ts'
import { EARTH_RADIUS_MILES, type Point } from '../../shared/distance.ts'
import {
  compareDecisions,
  decideAll,
  decideEligibility,
  type EligibilityCandidate,
  type EligibilityRequest,
  eligibilityRequirements,
  RANK_PENALTIES,
} from './eligibility.ts'
import { DEFAULT_BROKERAGE_SETTINGS } from './settings.ts'
import {
  isCareHome,
  priceUnitFor,
  type RatingValue,
  REQUEST_SERVICE_TYPE_MAP,
  REQUEST_SERVICE_TYPES,
  reachRule,
} from './vocabulary.ts'

const NOW = new Date('2026-03-10T12:00:00Z')
const SETTINGS = DEFAULT_BROKERAGE_SETTINGS
const NR3: Point = { latitude: 52.645, longitude: 1.29 }
const MILES_PER_DEGREE_LATITUDE = (EARTH_RADIUS_MILES * Math.PI) / 180

/** A point the given number of miles due north of NR3's centre. */
function north(miles: number): Point {
  return { latitude: NR3.latitude + miles / MILES_PER_DEGREE_LATITUDE, longitude: NR3.longitude }
}

const REQUEST: EligibilityRequest = {
  serviceType: 'dementia_nursing',
  clientGroup: 'older_people',
  specialisms: [],
  outcode: 'NR3',
  coordinates: NR3,
  lotId: null,
  startDate: '2026-04-01',
}

const CANDIDATE: EligibilityCandidate = {
  locationId: 1,
  serviceTypes: ['residential_home', 'nursing_home'],
  specialisms: ['dementia', 'physical_disability'],
  clientGroups: ['older_people'],
  coordinates: north(3),
  coverageOutcodes: [],
  effectiveRating: 'Good',
  restrictions: [],
  admittedToLot: null,
  capacity: { available: 2, reportedAt: new Date('2026-03-09T08:00:00Z') },
  maleCareWorkers: true,
  femaleCareWorkers: true,
  languages: [],
}

function decide(request: Partial<EligibilityRequest> = {}, candidate: Partial<EligibilityCandidate> = {}) {
  return decideEligibility({ ...REQUEST, ...request }, { ...CANDIDATE, ...candidate }, SETTINGS, NOW)
}

const HOME_CARE: Partial<EligibilityRequest> = { serviceType: 'home_care' }
const HOME_CARE_CANDIDATE: Partial<EligibilityCandidate> = {
  serviceTypes: ['home_care'],
  specialisms: [],
  coverageOutcodes: ['NR1', 'NR2'],
  coordinates: north(20),
}

describe('the service-type map', () => {
  it('maps the care home types onto the register’s service types, bed types and specialisms', () => {
    expect(REQUEST_SERVICE_TYPE_MAP).toEqual({
      residential: { serviceType: 'residential_home', bedType: 'residential', specialisms: [] },
      nursing: { serviceType: 'nursing_home', bedType: 'nursing', specialisms: [] },
      dementia_residential: {
        serviceType: 'residential_home',
        bedType: 'dementia_residential',
        specialisms: ['dementia'],
      },
      dementia_nursing: {
        serviceType: 'nursing_home',
        bedType: 'dementia_nursing',
        specialisms: ['dementia'],
      },
      home_care: { serviceType: 'home_care', bedType: null, specialisms: [] },
      supported_living: { serviceType: 'supported_living', bedType: null, specialisms: [] },
      day_opportunities: { serviceType: 'day_opportunities', bedType: null, specialisms: [] },
    })
  })

  it('uses only the register’s vocabulary (day opportunities aside)', () => {
    for (const type of REQUEST_SERVICE_TYPES) {
      const mapped = REQUEST_SERVICE_TYPE_MAP[type]
      if (type !== 'day_opportunities') expect(SERVICE_TYPES).toContain(mapped.serviceType)
      if (mapped.bedType) expect(BED_TYPES).toContain(mapped.bedType)
      for (const s of mapped.specialisms) expect(SPECIALISMS).toContain(s)
      expect(mapped.bedType !== null).toBe(isCareHome(type))
    }
  })

  it('prices care homes weekly, home care and supported living hourly, day services daily', () => {
    expect(REQUEST_SERVICE_TYPES.map(priceUnitFor)).toEqual([
      'weekly',
      'weekly',
      'weekly',
      'weekly',
      'hourly',
      'hourly',
      'daily',
    ])
    expect(REQUEST_SERVICE_TYPES.filter((t) => reachRule(t) === 'coverage')).toEqual([
      'home_care',
      'supported_living',
    ])
  })
})

describe('decideEligibility', () => {
  it('invites a location that meets every rule, and says why', () => {
    const decision = decide()
    expect(decision).toEqual({
      locationId: 1,
      eligible: true,
      reasons: [],
      flags: [],
      rankPenalty: 0,
      distanceMiles: expect.closeTo(3, 9),
      capacityAgeDays: 1,
      summary: 'Invited: offers care home (nursing), 3 miles from NR3',
    })
  })

  describe('what the location offers', () => {
    it('needs the service type', () => {
      const decision = decide({}, { serviceTypes: ['residential_home'] })
      expect(decision.eligible).toBe(false)
      expect(decision.reasons).toEqual([{ code: 'service_type', text: 'Does not offer care home (nursing)' }])
      expect(decision.summary).toBe('Not invited: Does not offer care home (nursing)')
    })

    it('needs the client group', () => {
      expect(decide({}, { clientGroups: ['younger_adults'] }).reasons).toEqual([
        { code: 'client_group', text: 'Does not list the client group older people (65 and over)' },
      ])
    })

    it('needs the specialism the bed type implies', () => {
      expect(decide({}, { specialisms: [] }).reasons).toEqual([
        { code: 'specialism_missing', text: 'Does not offer the required specialism: dementia' },
      ])
      expect(decide({ serviceType: 'nursing' }, { specialisms: [] }).eligible).toBe(true)
    })

    it('needs every required specialism, and names each missing one', () => {
      const decision = decide({ specialisms: ['mental_health', 'sensory_impairment', 'physical_disability'] })
      expect(decision.reasons).toEqual([
        {
          code: 'specialism_missing',
          text: 'Does not offer the required specialisms: mental health and sensory impairment',
        },
      ])
    })

    it('matches day opportunities only to locations that list them', () => {
      const request = { serviceType: 'day_opportunities' as const, specialisms: [] }
      expect(decide(request).reasons.map((r) => r.code)).toEqual(['service_type'])
      expect(decide(request, { serviceTypes: ['day_opportunities'] }).eligible).toBe(true)
    })
  })

  describe('distance for care homes', () => {
    it('refuses a care home beyond the maximum distance, with the distance and the limit', () => {
      const decision = decide({}, { coordinates: north(17.2) })
      expect(decision.reasons).toEqual([
        { code: 'too_far', text: 'Too far: 17.2 miles from NR3, the limit is 15 miles' },
      ])
      expect(decision.distanceMiles).toBeCloseTo(17.2, 6)
    })

    it('allows exactly the maximum distance and never rounds onto the wrong side of it', () => {
      expect(decide({}, { distanceMiles: 15 }).eligible).toBe(true)
      expect(decide({}, { distanceMiles: 15.04 }).reasons[0]?.text).toBe(
        'Too far: 15.04 miles from NR3, the limit is 15 miles',
      )
    })

    it('uses the request’s own limit over the council’s', () => {
      expect(decide({ maxDistanceMiles: 20 }, { coordinates: north(17.2) }).eligible).toBe(true)
      expect(decide({ maxDistanceMiles: 2.5 }).reasons[0]?.text).toBe(
        'Too far: 3 miles from NR3, the limit is 2.5 miles',
      )
      const widerByDefault = decideEligibility(
        REQUEST,
        { ...CANDIDATE, coordinates: north(17.2) },
        { ...SETTINGS, maxDistanceMiles: 20 },
        NOW,
      )
      expect(widerByDefault.eligible).toBe(true)
    })

    it('prefers a distance the caller measured already', () => {
      const decision = decide({}, { distanceMiles: 4.25, coordinates: north(40) })
      expect(decision.eligible).toBe(true)
      expect(decision.distanceMiles).toBe(4.25)
    })

    it('cannot measure without coordinates, and says which are missing', () => {
      expect(decide({}, { coordinates: null }).reasons).toEqual([
        {
          code: 'distance_unknown',
          text: 'Distance from NR3 cannot be measured: the register has no coordinates for this location',
        },
      ])
      expect(decide({ coordinates: null }).reasons[0]?.text).toBe(
        'Distance from NR3 cannot be measured: NR3 could not be located',
      )
    })
  })

  describe('coverage for home care', () => {
    it('invites a location that covers the district, however far its office', () => {
      const decision = decide(HOME_CARE, { ...HOME_CARE_CANDIDATE, coverageOutcodes: ['NR1', ' nr3 '] })
      expect(decision.eligible).toBe(true)
      expect(decision.summary).toBe('Invited: offers home care and covers NR3')
    })

    it('invites a location with an office within the maximum distance', () => {
      const decision = decide(HOME_CARE, { ...HOME_CARE_CANDIDATE, coordinates: north(9) })
      expect(decision.eligible).toBe(true)
      expect(decision.summary).toBe('Invited: offers home care, with an office 9 miles from NR3')
    })

    it('refuses a location that neither covers the district nor has an office near', () => {
      expect(decide(HOME_CARE, HOME_CARE_CANDIDATE).reasons).toEqual([
        {
          code: 'not_covering_district',
          text: 'Does not cover NR3, and its office is 20 miles away, the limit is 15 miles',
        },
      ])
      expect(decide(HOME_CARE, { ...HOME_CARE_CANDIDATE, coordinates: null }).reasons[0]?.text).toBe(
        'Does not cover NR3, and the distance to its office is not known',
      )
    })

    it('applies the same rule to supported living', () => {
      const request = { serviceType: 'supported_living' as const }
      const candidate = { ...HOME_CARE_CANDIDATE, serviceTypes: ['supported_living'] }
      expect(decide(request, candidate).reasons.map((r) => r.code)).toEqual(['not_covering_district'])
      expect(decide(request, { ...candidate, coverageOutcodes: ['NR3'] }).eligible).toBe(true)
    })
  })

  describe('quality and restrictions', () => {
    it('excludes Inadequate, and only Inadequate', () => {
      expect(decide({}, { effectiveRating: 'Inadequate' }).reasons).toEqual([
        { code: 'inadequate', text: 'Rated Inadequate: inadequate services are not invited' },
      ])
      for (const rating of ['Outstanding', 'Good', 'Requires improvement', 'Not yet rated'] as const) {
        expect(decide({}, { effectiveRating: rating }).eligible, rating).toBe(true)
      }
    })

    it('excludes "no new placements"', () => {
      expect(
        decide({}, { restrictions: [{ kind: 'no_new_placements', monthlyLimit: null, awardsThisMonth: 0 }] })
          .reasons,
      ).toEqual([{ code: 'no_new_placements', text: 'A “no new placements” restriction is in force' }])
    })

    it('flags "contact quality team" but invites', () => {
      const decision = decide(
        {},
        { restrictions: [{ kind: 'contact_quality_team', monthlyLimit: null, awardsThisMonth: 0 }] },
      )
      expect(decision.eligible).toBe(true)
      expect(decision.flags).toEqual([
        {
          code: 'quality_team_sign_off',
          text: 'A “contact quality team before placing” restriction is in force: an award needs the quality team’s sign-off',
          rankPenalty: 0,
        },
      ])
    })

    it('invites under a placement limit until the month’s awards reach it', () => {
      const limited = (awardsThisMonth: number) =>
        decide({}, { restrictions: [{ kind: 'placement_limit', monthlyLimit: 2, awardsThisMonth }] })
      expect(limited(1).eligible).toBe(true)
      expect(limited(1).flags).toEqual([
        {
          code: 'placement_limit',
          text: 'Placement limit: 1 of 2 placements allowed this month',
          rankPenalty: 0,
        },
      ])
      expect(limited(2).reasons).toEqual([
        {
          code: 'placement_limit_reached',
          text: 'Placement limit reached: 2 of 2 placements allowed this month',
        },
      ])
      expect(limited(3).eligible).toBe(false)
      const one = decide(
        {},
        { restrictions: [{ kind: 'placement_limit', monthlyLimit: 1, awardsThisMonth: 1 }] },
      )
      expect(one.reasons[0]?.text).toBe('Placement limit reached: 1 of 1 placement allowed this month')
    })
  })

  describe('DPS lots', () => {
    it('ignores lot membership when the request is not DPS-sourced', () => {
      expect(decide({ lotId: null }, { admittedToLot: false }).eligible).toBe(true)
    })

    it('invites only locations admitted to the request’s lot', () => {
      const dps = { lotId: 4, lotName: 'Lot 2: Nursing care' }
      expect(decide(dps, { admittedToLot: true }).eligible).toBe(true)
      expect(decide(dps, { admittedToLot: false }).reasons).toEqual([
        { code: 'not_on_lot', text: 'Not admitted to “Lot 2: Nursing care”' },
      ])
      expect(decide({ lotId: 4 }, { admittedToLot: null }).reasons).toEqual([
        { code: 'not_on_lot', text: 'Not a member of the DPS lot this request is sourced through' },
      ])
    })
  })

  describe('capacity', () => {
    it('lowers the rank for an up-to-date report of no vacancies, without excluding', () => {
      const decision = decide(
        {},
        { capacity: { available: 0, reportedAt: new Date('2026-03-08T10:00:00Z') } },
      )
      expect(decision.eligible).toBe(true)
      expect(decision.rankPenalty).toBe(RANK_PENALTIES.no_vacancy_reported)
      expect(decision.rankPenalty).toBeGreaterThan(0)
      expect(decision.flags).toEqual([
        {
          code: 'no_vacancy_reported',
          text: 'Reported no dementia nursing vacancies on 8 March 2026',
          rankPenalty: 20,
        },
      ])
    })

    it('speaks of spare hours for home care', () => {
      const decision = decide(HOME_CARE, {
        ...HOME_CARE_CANDIDATE,
        coverageOutcodes: ['NR3'],
        capacity: { available: 0, reportedAt: new Date('2026-03-08T10:00:00Z') },
      })
      expect(decision.flags[0]?.text).toBe('Reported no spare hours on 8 March 2026')
    })

    it('flags stale capacity with its age, and then does not lower the rank', () => {
      const decision = decide(
        {},
        { capacity: { available: 0, reportedAt: new Date('2026-02-27T09:00:00Z') } },
      )
      expect(decision.eligible).toBe(true)
      expect(decision.capacityAgeDays).toBe(11)
      expect(decision.rankPenalty).toBe(0)
      expect(decision.flags).toEqual([
        {
          code: 'stale_capacity',
          text: 'Capacity last reported 11 days ago, on 27 February 2026; reports older than 7 days may be out of date',
          rankPenalty: 0,
        },
      ])
    })

    it('counts exactly 7 days as fresh, and follows the council’s setting', () => {
      const sevenDays = { capacity: { available: 3, reportedAt: new Date('2026-03-03T12:00:00Z') } }
      expect(decide({}, sevenDays).flags).toEqual([])
      const strict = decideEligibility(
        REQUEST,
        { ...CANDIDATE, ...sevenDays },
        { ...SETTINGS, capacityStaleDays: 3 },
        NOW,
      )
      expect(strict.flags.map((f) => f.code)).toEqual(['stale_capacity'])
    })

    it('flags a location that never reported', () => {
      const decision = decide({}, { capacity: null })
      expect(decision.capacityAgeDays).toBeNull()
      expect(decision.flags).toEqual([
        { code: 'stale_capacity', text: 'Has never reported its capacity', rankPenalty: 0 },
      ])
    })
  })

  describe('care workers', () => {
    const homeCare = { ...HOME_CARE }
    const candidate = { ...HOME_CARE_CANDIDATE, coverageOutcodes: ['NR3'] }

    it('excludes a location that cannot supply a required carer gender', () => {
      const decision = decide(
        { ...homeCare, carerGender: { gender: 'female', required: true } },
        { ...candidate, femaleCareWorkers: false },
      )
      expect(decision.reasons).toEqual([
        { code: 'carer_gender', text: 'Cannot supply female care workers, which the person requires' },
      ])
    })

    it('lowers the rank when only a preference cannot be met', () => {
      const decision = decide(
        { ...homeCare, carerGender: { gender: 'male', required: false } },
        { ...candidate, maleCareWorkers: false },
      )
      expect(decision.eligible).toBe(true)
      expect(decision.rankPenalty).toBe(10)
      expect(decision.flags[0]?.code).toBe('carer_gender_preference')
    })

    it('flags a gender the location has not stated, for the provider to confirm', () => {
      const decision = decide(
        { ...homeCare, carerGender: { gender: 'female', required: true } },
        { ...candidate, femaleCareWorkers: null },
      )
      expect(decision.eligible).toBe(true)
      expect(decision.flags).toEqual([
        {
          code: 'carer_gender_unconfirmed',
          text: 'Has not said whether it can supply female care workers',
          rankPenalty: 0,
        },
      ])
    })

    it('treats an unmet language as a preference that lowers the rank', () => {
      const unmet = decide({ ...homeCare, language: 'Polish' }, { ...candidate, languages: ['Portuguese'] })
      expect(unmet.eligible).toBe(true)
      expect(unmet.rankPenalty).toBe(10)
      expect(unmet.flags).toEqual([
        {
          code: 'language',
          text: 'No care workers listed who speak Polish, the person’s preference',
          rankPenalty: 10,
        },
      ])
      expect(
        decide({ ...homeCare, language: ' polish ' }, { ...candidate, languages: ['Polish'] }).flags,
      ).toEqual([])
      expect(decide({ ...homeCare, language: 'English' }, candidate).flags).toEqual([])
      expect(decide({ ...homeCare, language: '  ' }, candidate).flags).toEqual([])
    })
  })

  it('gives every reason at once, so the broker’s answer is complete', () => {
    const decision = decide(
      { lotId: 1 },
      {
        serviceTypes: ['home_care'],
        clientGroups: [],
        specialisms: [],
        coordinates: north(30),
        effectiveRating: 'Inadequate',
        restrictions: [{ kind: 'no_new_placements', monthlyLimit: null, awardsThisMonth: 0 }],
        admittedToLot: false,
      },
    )
    expect(decision.reasons.map((r) => r.code)).toEqual([
      'service_type',
      'client_group',
      'specialism_missing',
      'too_far',
      'inadequate',
      'no_new_placements',
      'not_on_lot',
    ])
    expect(decision.summary).toMatch(/^Not invited: Does not offer care home \(nursing\); Does not list/)
  })

  it('states what a request requires, for narrowing a large register before deciding', () => {
    expect(
      eligibilityRequirements(
        { ...REQUEST, specialisms: ['dementia', 'mental_health'], outcode: 'nr3 ', lotId: 7 },
        SETTINGS,
      ),
    ).toEqual({
      serviceType: 'nursing_home',
      bedType: 'dementia_nursing',
      specialisms: ['dementia', 'mental_health'],
      clientGroup: 'older_people',
      outcode: 'NR3',
      maxDistanceMiles: 15,
      reach: 'distance',
      lotId: 7,
    })
    expect(
      eligibilityRequirements({ ...REQUEST, ...HOME_CARE, maxDistanceMiles: 10 }, SETTINGS),
    ).toMatchObject({
      serviceType: 'home_care',
      bedType: null,
      specialisms: [],
      maxDistanceMiles: 10,
      reach: 'coverage',
    })
  })
})

describe('decideAll', () => {
  it('orders invited locations first, then by penalty, then nearer, then by id', () => {
    const candidates: EligibilityCandidate[] = [
      { ...CANDIDATE, locationId: 1, coordinates: north(30) }, // too far
      { ...CANDIDATE, locationId: 2, coordinates: north(8) },
      { ...CANDIDATE, locationId: 3, coordinates: north(2), capacity: { available: 0, reportedAt: NOW } },
      { ...CANDIDATE, locationId: 4, coordinates: north(5) },
      { ...CANDIDATE, locationId: 5, coordinates: north(5) },
      { ...CANDIDATE, locationId: 6, coordinates: null }, // distance unknown
    ]
    const decisions = decideAll(REQUEST, candidates, SETTINGS, NOW)
    expect(decisions.map((d) => [d.locationId, d.eligible])).toEqual([
      [4, true],
      [5, true],
      [2, true],
      [3, true],
      [1, false],
      [6, false],
    ])
  })

  it('decides each candidate as decideEligibility does', () => {
    const candidates = [CANDIDATE, { ...CANDIDATE, locationId: 2, effectiveRating: 'Inadequate' as const }]
    const all = decideAll(REQUEST, candidates, SETTINGS, NOW)
    for (const candidate of candidates) {
      expect(all.find((d) => d.locationId === candidate.locationId)).toEqual(
        decideEligibility(REQUEST, candidate, SETTINGS, NOW),
      )
    }
  })
})

describe('decideEligibility: properties', () => {
  const candidateArbitrary = fc.record({
    locationId: fc.integer({ min: 1, max: 1000 }),
    miles: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { nil: null }),
    specialisms: fc.subarray([...SPECIALISMS]),
    rating: fc.constantFrom<RatingValue[]>(
      'Outstanding',
      'Good',
      'Not yet rated',
      'Requires improvement',
      'Inadequate',
    ),
    restriction: fc.constantFrom<(RestrictionKind | null)[]>(
      null,
      'contact_quality_team',
      'placement_limit',
      'no_new_placements',
    ),
    awards: fc.integer({ min: 0, max: 4 }),
    available: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    ageHours: fc.integer({ min: 0, max: 24 * 30 }),
    admitted: fc.constantFrom(true, false, null),
    female: fc.constantFrom(true, false, null),
    lot: fc.boolean(),
  })

  it('is eligible exactly when there is no reason, and the penalty is the flags’ sum', () => {
    fc.assert(
      fc.property(candidateArbitrary, (c) => {
        const candidate: EligibilityCandidate = {
          ...CANDIDATE,
          locationId: c.locationId,
          coordinates: c.miles === null ? null : north(c.miles),
          specialisms: c.specialisms,
          effectiveRating: c.rating,
          restrictions: c.restriction
            ? [
                {
                  kind: c.restriction,
                  monthlyLimit: c.restriction === 'placement_limit' ? 2 : null,
                  awardsThisMonth: c.awards,
                },
              ]
            : [],
          capacity:
            c.available === null
              ? null
              : { available: c.available, reportedAt: new Date(NOW.getTime() - c.ageHours * 3_600_000) },
          admittedToLot: c.admitted,
          femaleCareWorkers: c.female,
        }
        const request: EligibilityRequest = {
          ...REQUEST,
          lotId: c.lot ? 1 : null,
          carerGender: { gender: 'female', required: true },
        }
        const decision = decideEligibility(request, candidate, SETTINGS, NOW)
        expect(decision.eligible).toBe(decision.reasons.length === 0)
        expect(decision.rankPenalty).toBe(decision.flags.reduce((s, f) => s + f.rankPenalty, 0))
        expect(decision.rankPenalty).toBeGreaterThanOrEqual(0)
        expect(decision.summary.startsWith(decision.eligible ? 'Invited: ' : 'Not invited: ')).toBe(true)
        for (const r of decision.reasons) expect(r.text.length).toBeGreaterThan(10)
        // Moving the same location nearer never makes it ineligible.
        if (decision.eligible && c.miles !== null) {
          const nearer = decideEligibility(
            request,
            { ...candidate, coordinates: north(c.miles / 2) },
            SETTINGS,
            NOW,
          )
          expect(nearer.eligible).toBe(true)
        }
        // Adding a specialism never makes it ineligible.
        if (decision.eligible) {
          const more = { ...candidate, specialisms: [...candidate.specialisms, 'mental_health'] }
          expect(decideEligibility(request, more, SETTINGS, NOW).eligible).toBe(true)
        }
      }),
    )
  })

  it('orders decisions as a total order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            locationId: fc.integer({ min: 1, max: 50 }),
            miles: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
            available: fc.integer({ min: 0, max: 2 }),
          }),
          { maxLength: 20 },
        ),
        (rows) => {
          const unique = [...new Map(rows.map((r) => [r.locationId, r])).values()]
          const decisions = decideAll(
            REQUEST,
            unique.map((r) => ({
              ...CANDIDATE,
              locationId: r.locationId,
              coordinates: r.miles === null ? null : north(r.miles),
              capacity: { available: r.available, reportedAt: NOW },
            })),
            SETTINGS,
            NOW,
          )
          for (let i = 1; i < decisions.length; i++) {
            const [a, b] = [decisions[i - 1], decisions[i]]
            if (a && b) expect(compareDecisions(a, b)).toBeLessThan(0)
          }
        },
      ),
    )
  })
})

describe('a council-accredited service', () => {
  it('is not invited while its accreditation is not in force, with the reason', () => {
    const text = 'Council accreditation not in force: accreditation expired on 1 March 2026'
    const decision = decideEligibility(REQUEST, { ...CANDIDATE, qualityExclusion: text }, SETTINGS, NOW)
    expect(decision.eligible).toBe(false)
    expect(decision.reasons).toEqual([{ code: 'accreditation_not_in_force', text }])
    expect(decideEligibility(REQUEST, { ...CANDIDATE, qualityExclusion: null }, SETTINGS, NOW).eligible).toBe(
      decideEligibility(REQUEST, CANDIDATE, SETTINGS, NOW).eligible,
    )
  })
})

describe('a provider the request leaves out', () => {
  it('is not invited at any of its locations, with the reason; other providers are', () => {
    const failing = { providerOrganisationId: 7 }
    const left = decide({ excludedProviderIds: [7] }, failing)
    expect(left.eligible).toBe(false)
    expect(left.reasons.map((r) => r.code)).toEqual(['excluded_provider'])
    expect(decide({ excludedProviderIds: [7] }, { providerOrganisationId: 8 }).eligible).toBe(true)
    expect(decide({}, failing).eligible).toBe(true)
  })
})
