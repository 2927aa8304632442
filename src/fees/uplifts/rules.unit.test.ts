import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../errors.ts'
import {
  type BookPackage,
  daysInForce,
  financialYear,
  modelUplift,
  parseScenario,
  parseScenarioJson,
  priceOn,
  sectorOf,
  upliftForBudget,
} from './rules.ts'

const pkg = (overrides: Partial<BookPackage> = {}): BookPackage => ({
  serviceType: 'residential',
  clientGroup: 'older_people',
  startDate: '2020-01-01',
  endDate: null,
  weeklyCostPence: 70_000,
  minutesPerWeek: null,
  ...overrides,
})

function fieldsOf(work: () => unknown): string[] {
  try {
    work()
  } catch (error) {
    if (error instanceof ValidationError) return error.errors.map((e) => e.field)
    throw error
  }
  throw new Error('expected a ValidationError')
}

describe('financial years and pro rata', () => {
  it('runs from 1 April to 31 March, 366 days when it holds 29 February', () => {
    expect(financialYear(2027)).toEqual({ from: '2027-04-01', to: '2028-03-31', days: 366 })
    expect(financialYear(2026).days).toBe(365)
    expect(fieldsOf(() => financialYear(1999))).toEqual(['year'])
  })

  it('counts only the days a package is in force within the year, both ends included', () => {
    const fy = financialYear(2026)
    expect(daysInForce(pkg(), fy)).toBe(365)
    expect(daysInForce(pkg({ startDate: '2026-04-01', endDate: '2026-04-07' }), fy)).toBe(7)
    expect(daysInForce(pkg({ startDate: '2027-03-25' }), fy)).toBe(7)
    expect(daysInForce(pkg({ endDate: '2026-03-31' }), fy)).toBe(0)
    expect(daysInForce(pkg({ startDate: '2027-04-01' }), fy)).toBe(0)
  })
})

describe('sectors', () => {
  it('places each package in the uplift table’s sector from its service type and client group', () => {
    expect(sectorOf('home_care', 'older_people')).toBe('home-support')
    expect(sectorOf('dementia_residential', 'older_people')).toBe('older-people-residential')
    expect(sectorOf('nursing', 'older_people')).toBe('older-people-nursing')
    expect(sectorOf('nursing', 'younger_adults')).toBe('working-age-care-homes')
    expect(sectorOf('supported_living', null)).toBe('supported-living')
    expect(sectorOf('day_opportunities', 'younger_adults')).toBe('day-services')
    expect(sectorOf('residential', null)).toBe('other')
  })
})

describe('scenarios', () => {
  it('reads {"default": 5} as 5% for every sector, with per-sector overrides', () => {
    const s = parseScenario({
      default: 5,
      'home-support': 6.5,
      'older-people-nursing': { uplift: 4.55, payShare: 70 },
    })
    expect(s.sectors['day-services']).toEqual({
      upliftBasisPoints: 500,
      payShareBasisPoints: 6000,
      newRate: null,
    })
    expect(s.sectors['home-support'].upliftBasisPoints).toBe(650)
    expect(s.sectors['older-people-nursing']).toEqual({
      upliftBasisPoints: 455,
      payShareBasisPoints: 7000,
      newRate: null,
    })
  })

  it('derives a sector’s uplift from the NLW increase and its pay share when none is given', () => {
    const s = parseScenario({ nlwOldPence: 1000, nlwNewPence: 1100, payShare: 50, 'home-support': 3 })
    expect(s.sectors['older-people-residential'].upliftBasisPoints).toBe(500)
    expect(s.sectors['home-support'].upliftBasisPoints).toBe(300)
  })

  it('refuses unknown sectors, negative, huge and non-numeric values field by field', () => {
    expect(fieldsOf(() => parseScenario({ default: 5, 'dog-walking': 3 }))).toEqual(['dog-walking'])
    expect(fieldsOf(() => parseScenario({ default: -1 }))).toEqual(['default'])
    expect(fieldsOf(() => parseScenario({ default: 1, 'day-services': { upliftt: 2 } }))).toEqual([
      'day-services',
    ])
    expect(fieldsOf(() => parseScenario({ default: 5, 'home-support': 1e9 }))).toEqual([
      'home-support.uplift',
    ])
    expect(fieldsOf(() => parseScenario({ default: '5' }))).toEqual(['default'])
    expect(fieldsOf(() => parseScenario({ default: 5, nlwOldPence: 1200 }))).toEqual(['nlwNewPence'])
    expect(fieldsOf(() => parseScenario({ 'home-support': 2 }))).toContain('day-services')
    expect(fieldsOf(() => parseScenarioJson('{default: 5'))).toEqual(['scenario'])
    expect(fieldsOf(() => parseScenarioJson('[5]'))).toEqual(['scenario'])
  })
})

describe('modelUplift', () => {
  it('costs each sector before and after, pro rata, and totals them', () => {
    const packages = [
      pkg({ weeklyCostPence: 70_000 }), // the whole year
      pkg({ serviceType: 'home_care', weeklyCostPence: 35_000, startDate: '2026-10-01', endDate: null }),
      pkg({ serviceType: 'home_care', weeklyCostPence: 7, startDate: '2026-04-01', endDate: '2026-04-01' }),
      pkg({ endDate: '2026-01-01' }), // ended before the year
    ]
    const model = modelUplift(2026, packages, parseScenario({ default: 5, 'home-support': 10 }))
    const residential = model.sectors.find((s) => s.sector === 'older-people-residential')
    expect(residential).toMatchObject({
      packages: 1,
      annualCostBeforePence: 3_650_000, // 70,000 × 365 ÷ 7
      annualCostAfterPence: 3_832_500, // 73,500 × 365 ÷ 7
    })
    const home = model.sectors.find((s) => s.sector === 'home-support')
    // 1 October to 31 March is 182 days: 35,000 × 182 ÷ 7 = 910,000; the one-day package 1p.
    expect(home).toMatchObject({
      packages: 2,
      annualCostBeforePence: 910_001,
      annualCostAfterPence: 1_001_001,
    })
    expect(model.total.annualCostBeforePence).toBe(3_650_000 + 910_001)
    expect(model.total.annualCostAfterPence).toBe(3_832_500 + 1_001_001)
    expect(model.sectors.map((s) => s.sector)[0]).toBe('home-support')
  })

  it('costs 1p an hour on the NLW as the pay share of the cost after, divided by the NLW', () => {
    const scenario = parseScenario({ default: 0, payShare: 50, nlwOldPence: 950, nlwNewPence: 1000 })
    const model = modelUplift(2026, [pkg({ weeklyCostPence: 70_000 })], scenario)
    // £36,500 a year, half of it pay, at the new £10 an hour: 1,825 hours, each 1p more.
    expect(model.sectors.find((s) => s.sector === 'older-people-residential')?.nlwPennyCostPence).toBe(1_825)
    expect(model.total.nlwPennyCostPence).toBe(1_825)
    expect(modelUplift(2026, [pkg()], parseScenario({ default: 1 })).total.nlwPennyCostPence).toBeNull()
  })
})

describe('new rates', () => {
  it('raises packages below a new weekly or hourly rate to it, and keeps the % for the rest', () => {
    const scenario = parseScenario({
      default: 2,
      'older-people-residential': { weeklyRatePence: 80_000 },
      'home-support': { uplift: 3, hourlyRatePence: 2_400 },
    })
    const packages = [
      pkg({ weeklyCostPence: 70_000 }), // below £800: raised to it
      pkg({ weeklyCostPence: 90_000 }), // above: the default 2%, £918
      pkg({ serviceType: 'home_care', weeklyCostPence: 21_000, minutesPerWeek: 600 }), // 10 h at £24: £240
      pkg({ serviceType: 'home_care', weeklyCostPence: 30_000, minutesPerWeek: 600 }), // 3% is more: £309
      pkg({ serviceType: 'home_care', weeklyCostPence: 10_000, minutesPerWeek: null }), // no hours: 3%
    ]
    const model = modelUplift(2026, packages, scenario)
    const of = (sector: string) => model.sectors.find((s) => s.sector === sector)
    expect(of('older-people-residential')).toMatchObject({
      annualCostBeforePence: Math.round((160_000 * 365) / 7),
      annualCostAfterPence: Math.round((80_000 * 365) / 7) + Math.round((91_800 * 365) / 7),
      newRate: { unit: 'weekly', pence: 80_000 },
      upliftPercent: 2,
    })
    expect(of('home-support')?.annualCostAfterPence).toBe(
      Math.round((24_000 * 365) / 7) + Math.round((30_900 * 365) / 7) + Math.round((10_300 * 365) / 7),
    )
  })

  it('refuses a rate of the wrong kind for the sector, or both kinds', () => {
    expect(fieldsOf(() => parseScenario({ default: 1, 'home-support': { weeklyRatePence: 100 } }))).toEqual([
      'home-support.weeklyRatePence',
    ])
    expect(
      fieldsOf(() => parseScenario({ default: 1, 'older-people-nursing': { hourlyRatePence: 100 } })),
    ).toEqual(['older-people-nursing.hourlyRatePence'])
    expect(
      fieldsOf(() =>
        parseScenario({ default: 1, 'supported-living': { hourlyRatePence: 100, weeklyRatePence: 100 } }),
      ),
    ).toEqual(['supported-living.hourlyRatePence'])
    expect(
      fieldsOf(() => parseScenario({ default: 1, 'supported-living': { hourlyRatePence: 2.5 } })),
    ).toEqual(['supported-living.hourlyRatePence'])
  })
})

describe('upliftForBudget', () => {
  const packages = [
    pkg({ weeklyCostPence: 70_000 }),
    pkg({ serviceType: 'home_care', weeklyCostPence: 35_000 }),
  ]
  const base = parseScenario({ default: 0 })
  // Before: £36,500 + £18,250 = £54,750 a year; each 1% costs £547.50.

  it('finds the largest uniform % whose extra cost fits the budget', () => {
    const fit = upliftForBudget(2026, packages, base, 300_000)
    expect(fit.upliftPercent).toBe(5.47)
    expect(fit.increasePence).toBeLessThanOrEqual(300_000)
    const over = modelUplift(2026, packages, parseScenario({ default: 5.48 }))
    expect(over.total.increasePence).toBeGreaterThan(300_000)
    expect(upliftForBudget(2026, packages, base, 0).upliftPercent).toBe(0)
    expect(upliftForBudget(2026, packages, base, 1e11).capped).toBe(true)
  })

  it('refuses a negative, fractional or huge budget', () => {
    expect(fieldsOf(() => upliftForBudget(2026, packages, base, -1))).toEqual(['budget'])
    expect(fieldsOf(() => upliftForBudget(2026, packages, base, Number.NaN))).toEqual(['budget'])
    expect(fieldsOf(() => upliftForBudget(2026, packages, base, 1e13))).toEqual(['budget'])
  })
})

describe('a package whose price changed within the year', () => {
  // £700 a week from its start, £735 from 1 October 2026, ending on 31 January 2027.
  const changed = pkg({
    endDate: '2027-01-31',
    weeklyCostPence: 73_500,
    prices: [
      { from: '2020-01-01', to: '2026-09-30', weeklyCostPence: 70_000 },
      { from: '2026-10-01', to: null, weeklyCostPence: 73_500 },
    ],
  })

  it('is costed at each price for its own days, to the penny, before and after', () => {
    // 1 April to 30 September 2026 is 183 days; 1 October to 31 January, 123.
    const model = modelUplift(2026, [changed], parseScenario({ default: 3.33 }))
    const before = Math.round((70_000 * 183) / 7) + Math.round((73_500 * 123) / 7)
    const after =
      Math.round((Math.round((70_000 * 10_333) / 10_000) * 183) / 7) +
      Math.round((Math.round((73_500 * 10_333) / 10_000) * 123) / 7)
    expect(model.total.packages).toBe(1)
    expect(model.total.annualCostBeforePence).toBe(before)
    expect(model.total.annualCostAfterPence).toBe(after)
  })

  it('has the price of the period holding a day', () => {
    expect(priceOn(changed, '2026-09-30')).toBe(70_000)
    expect(priceOn(changed, '2026-10-01')).toBe(73_500)
  })

  it('costs a past year at its old price alone', () => {
    const model = modelUplift(2025, [changed], parseScenario({ default: 0 }))
    expect(model.total.annualCostBeforePence).toBe(Math.round((70_000 * 365) / 7))
  })
})
