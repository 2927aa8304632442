import { describe, expect, it } from 'vitest'
import {
  buildHourlyPrice,
  checkReturn,
  feesPaid,
  gapOf,
  MIN_RETURNS_PUBLISHED,
  nlwForYear,
  quartiles,
  type ReturnFigures,
  readReturnText,
  sectorCostOfCare,
  withNewNlw,
} from './rules.ts'

const careHomeLines = {
  staff: 60_000,
  food: 4_000,
  utilities: 3_000,
  maintenance: 2_000,
  returnOnOperations: 5_000,
  returnOnCapital: 6_000,
}
const homeCareLines = {
  careWorkerPay: 1_500,
  onCosts: 300,
  travelTime: 200,
  mileage: 100,
  training: 50,
  backOffice: 400,
  surplus: 150,
}

describe('the National Living Wage', () => {
  it('is the published rate in force on the year’s 1 April, the latest for later years', () => {
    expect(nlwForYear(2022)).toBeNull()
    expect(nlwForYear(2023)).toBe(1042)
    expect(nlwForYear(2025)).toBe(1221)
    expect(nlwForYear(2026)).toBe(1271)
    expect(nlwForYear(2030)).toBe(1271)
  })
})

describe('checkReturn', () => {
  it('accepts a whole return', () => {
    expect(
      checkReturn({ year: 2025, sector: 'home-support', hourlyWagePence: 1221, lines: homeCareLines }),
    ).toEqual([])
    expect(
      checkReturn({
        year: 2025,
        sector: 'older-people-nursing',
        hourlyWagePence: null,
        lines: careHomeLines,
      }),
    ).toEqual([])
  })

  it('refuses negative lines, a wage below the NLW, missing and foreign lines', () => {
    const problems = checkReturn({
      year: 2025,
      sector: 'home-support',
      hourlyWagePence: 1220,
      lines: { ...homeCareLines, mileage: -1, training: null, food: 10 },
    })
    expect(problems.map((p) => p.field).sort()).toEqual([
      'hourlyWagePence',
      'lines.food',
      'lines.mileage',
      'lines.training',
    ])
    expect(problems.find((p) => p.field === 'hourlyWagePence')?.message).toBe(
      'The hourly wage of £12.20 is below the National Living Wage of £12.21 in 2025/26',
    )
    expect(problems.find((p) => p.field === 'lines.mileage')?.message).toBe('Mileage cannot be negative')
  })

  it('asks home care for the wage and refuses a return of £0', () => {
    const zero = Object.fromEntries(Object.keys(homeCareLines).map((k) => [k, 0]))
    const problems = checkReturn({ year: 2025, sector: 'home-support', hourlyWagePence: null, lines: zero })
    expect(problems.map((p) => p.field)).toEqual(['lines', 'hourlyWagePence'])
  })
})

describe('readReturnText', () => {
  it('reads pounds into pence and ignores the other kind’s empty lines', () => {
    const read = readReturnText({
      year: '2025/26',
      sector: 'home-support',
      hourlyWage: '12.60',
      lines: {
        careWorkerPay: '15',
        onCosts: '3',
        travelTime: '2',
        mileage: '1',
        training: '0.50',
        backOffice: '4',
        surplus: '1.50',
        food: '',
      },
    })
    expect(read).toEqual({
      ok: true,
      input: { year: 2025, sector: 'home-support', hourlyWagePence: 1260, lines: homeCareLines },
    })
  })

  it('names each problem: the year, a negative amount, words for pounds', () => {
    const read = readReturnText({ year: '2025/27', sector: 'x', hourlyWage: 'ten', lines: { staff: '-5' } })
    expect(read.ok).toBe(false)
    if (!read.ok)
      expect(read.problems.map((p) => p.message)).toEqual([
        'Enter the financial year, like 2025/26, from 2023/24',
        'Choose the sector: one of older-people-residential, older-people-nursing, home-support',
        'Staff cannot be negative',
        'The hourly wage must be an amount in pounds, like 123.45',
      ])
  })
})

describe('quartiles and the gap', () => {
  it('interpolates the quartiles as percentile_cont does, to the penny', () => {
    expect(quartiles([100, 200, 300, 400, 500])).toEqual({
      lowerQuartilePence: 200,
      medianPence: 300,
      upperQuartilePence: 400,
    })
    expect(quartiles([100, 200, 300, 401])).toEqual({
      lowerQuartilePence: 175,
      medianPence: 250,
      upperQuartilePence: 325,
    })
    expect(quartiles([])).toBeNull()
  })

  it('averages home care per hour, weighting each hour alike, and counts hours a year', () => {
    const paid = feesPaid(
      'home-support',
      [
        { sector: 'home-support', weeklyCostPence: 20_000, minutesPerWeek: 600 },
        { sector: 'home-support', weeklyCostPence: 50_000, minutesPerWeek: 1_800 },
        { sector: 'home-support', weeklyCostPence: 9_999, minutesPerWeek: null },
        { sector: 'older-people-residential', weeklyCostPence: 80_000, minutesPerWeek: null },
      ],
      364,
    )
    // £700 a week over 40 hours = £17.50 an hour; 40 hours × 52 weeks.
    expect(paid).toEqual({ packages: 2, averagePence: 1750, volume: 2080 })
    // (£20 − £17.50) × 2,080 hours.
    expect(gapOf('home_care', 2000, paid, 364)).toEqual({ perUnitPence: 250, annualPence: 520_000 })
  })

  it('costs the care home gap per resident a week over the year’s weeks', () => {
    const paid = feesPaid(
      'older-people-residential',
      [
        { sector: 'older-people-residential', weeklyCostPence: 70_000, minutesPerWeek: null },
        { sector: 'older-people-residential', weeklyCostPence: 80_001, minutesPerWeek: null },
      ],
      365,
    )
    expect(paid).toEqual({ packages: 2, averagePence: 75_001, volume: 2 })
    // (£800 − £750.01) × 2 residents × 365 ÷ 7 weeks.
    expect(gapOf('care_home', 80_000, paid, 365)?.annualPence).toBe(Math.round((4_999 * 2 * 365) / 7))
  })

  it('suppresses a sector below the threshold, and publishes it at the threshold', () => {
    const returns: ReturnFigures[] = Array.from({ length: MIN_RETURNS_PUBLISHED }, (_, i) => ({
      sector: 'older-people-nursing',
      hourlyWagePence: null,
      lines: { ...careHomeLines, staff: careHomeLines.staff + i * 1000 },
    }))
    const few = sectorCostOfCare('older-people-nursing', returns.slice(1), [], 365)
    expect(few).toMatchObject({ suppressed: true, returns: null, lines: null, total: null, gap: null })
    const enough = sectorCostOfCare('older-people-nursing', returns, [], 365)
    expect(enough.suppressed).toBe(false)
    expect(enough.returns).toBe(MIN_RETURNS_PUBLISHED)
    expect(enough.total?.medianPence).toBe(80_000 + 2000)
    expect(enough.lines?.find((l) => l.key === 'staff')?.medianPence).toBe(62_000)
    expect(enough.gap).toBeNull()
  })
})

describe('the hourly price breakdown', () => {
  const input = {
    payPence: 1500,
    onCostsBasisPoints: 2000,
    travelPence: 300,
    trainingPence: 50,
    backOfficePence: 400,
    surplusBasisPoints: 500,
  }

  it('builds the price up line by line', () => {
    // 15.00 + 3.00 + 3.00 + 0.50 + 4.00 = 25.50; 5% surplus = 1.28 (1.275 rounded).
    expect(buildHourlyPrice(input)).toEqual({
      payPence: 1500,
      onCostsPence: 300,
      travelPence: 300,
      trainingPence: 50,
      backOfficePence: 400,
      costsPence: 2550,
      surplusPence: 128,
      pricePence: 2678,
    })
  })

  it('moves pay, and on-costs with it, by the NLW’s percentage', () => {
    // £12.21 → £12.71 is +4.095%: pay £15.00 → £15.61, on-costs 20% → £3.12.
    const after = withNewNlw(input, 1221, 1271)
    expect(after.payPence).toBe(1561)
    expect(after.onCostsPence).toBe(312)
    expect(after.travelPence).toBe(300)
    expect(after.costsPence).toBe(1561 + 312 + 300 + 50 + 400)
  })
})
