// Uplift modelling, pure: the sectors of the council's uplift table, what a scenario says, and what
// it costs against the live book of packages for one financial year (1 April to 31 March). Money is
// integer pence throughout; percentages are held as basis points (hundredths of a per cent).
import { z } from 'zod'
import { type FieldError, ValidationError } from '../../errors.ts'

/** The rows of the council's uplift table, in its order (seed 000's 2020/21 table). */
export const UPLIFT_SECTORS = [
  'home-support',
  'older-people-residential',
  'older-people-nursing',
  'working-age-care-homes',
  'supported-living',
  'day-services',
  'other',
] as const
export type UpliftSector = (typeof UPLIFT_SECTORS)[number]

export const UPLIFT_SECTOR_LABELS: Record<UpliftSector, string> = {
  'home-support': 'Home support',
  'older-people-residential': 'Residential older people',
  'older-people-nursing': 'Nursing older people',
  'working-age-care-homes': 'Residential and nursing working age adults',
  'supported-living': 'Supported living',
  'day-services': 'Day services',
  other: 'Other',
}

/**
 * A package's sector, from its service type and the client group of the request (or the book's
 * row). Care homes split by client group; a care home package with no client group is Other.
 */
export function sectorOf(serviceType: string, clientGroup: string | null): UpliftSector {
  const residential = serviceType === 'residential' || serviceType === 'dementia_residential'
  const nursing = serviceType === 'nursing' || serviceType === 'dementia_nursing'
  if (residential || nursing) {
    if (clientGroup === 'younger_adults') return 'working-age-care-homes'
    if (clientGroup === 'older_people')
      return residential ? 'older-people-residential' : 'older-people-nursing'
    return 'other'
  }
  if (serviceType === 'home_care') return 'home-support'
  if (serviceType === 'supported_living') return 'supported-living'
  if (serviceType === 'day_opportunities') return 'day-services'
  return 'other'
}

// ---- Financial years ----

export const MIN_YEAR = 2000
export const MAX_YEAR = 2100

/** The financial year starting 1 April `year`: its first and last days. */
export function financialYear(year: number): { from: string; to: string; days: number } {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR)
    throw new ValidationError([
      {
        field: 'year',
        message: `Enter a year from ${MIN_YEAR} to ${MAX_YEAR}, the year the financial year starts`,
      },
    ])
  const from = `${year}-04-01`
  const to = `${year + 1}-03-31`
  return { from, to, days: daysBetween(from, to) + 1 }
}

/** The financial year a date ('YYYY-MM-DD') falls in, by the year it starts. */
export function financialYearOf(date: string): number {
  const year = Number(date.slice(0, 4))
  return date.slice(5) >= '04-01' ? year : year - 1
}

/** "2027/28" for the year starting 1 April 2027. */
export function financialYearLabel(year: number): string {
  return `${year}/${String((year + 1) % 100).padStart(2, '0')}`
}

function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return Date.UTC(y, m - 1, d) / 86_400_000
}

function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from)
}

/** The days of the year a package is in force, start and end days included (0 when outside it). */
export function daysInForce(
  pkg: { startDate: string; endDate: string | null },
  year: { from: string; to: string },
): number {
  const start = pkg.startDate > year.from ? pkg.startDate : year.from
  const end = pkg.endDate === null || pkg.endDate > year.to ? year.to : pkg.endDate
  return end < start ? 0 : daysBetween(start, end) + 1
}

// ---- Scenarios ----

/** The largest uplift a scenario may ask for, in per cent. */
const MAX_UPLIFT_PERCENT = 100
/** The National Living Wage an hour, in pence, a scenario may give: up to £100. */
const MAX_NLW_PENCE = 10_000

/** A scenario, normalised: every sector's uplift and pay share in basis points. */
export interface Scenario {
  sectors: Record<
    UpliftSector,
    { upliftBasisPoints: number; payShareBasisPoints: number; newRate: NewRate | null }
  >
  nlwOldPence: number | null
  nlwNewPence: number | null
}

/**
 * A sector's new usual rate: weekly for care homes, hourly for home support and supported living.
 * No package in the sector is then paid less than it (an hourly rate times the package's hours).
 */
interface NewRate {
  unit: 'weekly' | 'hourly'
  pence: number
}

const WEEKLY_RATE_SECTORS: readonly UpliftSector[] = [
  'older-people-residential',
  'older-people-nursing',
  'working-age-care-homes',
]
const HOURLY_RATE_SECTORS: readonly UpliftSector[] = ['home-support', 'supported-living']
/** The highest new rates a scenario may give: £10,000 a week, £100 an hour. */
const MAX_WEEKLY_RATE_PENCE = 1_000_000
const MAX_HOURLY_RATE_PENCE = 10_000

/** Pay share of the price when a scenario gives none: stated on every page and in decisions.md. */
const DEFAULT_PAY_SHARE_PERCENT = 60

const percent = (max: number) =>
  z
    .number({ error: 'Enter a number' })
    .refine(Number.isFinite, 'Enter a finite number')
    .refine((n) => n >= 0, 'Must not be negative')
    .refine((n) => n <= max, `Must be ${max} or less`)
    .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'Use at most 2 decimal places')

const nlwPence = z
  .number({ error: 'Enter the hourly rate in pence, a whole number' })
  .int('Enter the hourly rate in pence, a whole number')
  .min(1, 'Must be at least 1 penny')
  .max(MAX_NLW_PENCE, `Must be ${MAX_NLW_PENCE} pence or less`)

const wholePence = (max: number) =>
  z
    .number({ error: 'Enter the rate in pence, a whole number' })
    .int('Enter the rate in pence, a whole number')
    .min(1, 'Must be at least 1 penny')
    .max(max, `Must be ${max.toLocaleString('en-GB')} pence or less`)

// A sector's entry: a % alone, or an object; a % alone is read as { uplift } so errors name the field.
const sectorEntry = z.preprocess(
  (value) => (typeof value === 'number' ? { uplift: value } : value),
  z.strictObject(
    {
      uplift: percent(MAX_UPLIFT_PERCENT).optional(),
      payShare: percent(100).optional(),
      weeklyRatePence: wholePence(MAX_WEEKLY_RATE_PENCE).optional(),
      hourlyRatePence: wholePence(MAX_HOURLY_RATE_PENCE).optional(),
    },
    { error: 'Give a % or an object of uplift, payShare, weeklyRatePence or hourlyRatePence' },
  ),
)

const scenarioShape = z.strictObject({
  default: percent(MAX_UPLIFT_PERCENT).optional(),
  payShare: percent(100).optional(),
  nlwOldPence: nlwPence.optional(),
  nlwNewPence: nlwPence.optional(),
  ...Object.fromEntries(UPLIFT_SECTORS.map((s) => [s, sectorEntry.optional()])),
})

const basisPoints = (n: number) => Math.round(n * 100)

/**
 * Reads a scenario: `{"default": 5}` is 5% for every sector; a sector's key overrides it with a %
 * or `{ "uplift": 4.55, "payShare": 70 }`. Without an uplift but with both NLW rates, a sector's
 * uplift is its pay share of the NLW's own increase (pay moves by the NLW %, the rest stands still).
 * Refused field by field: unknown sectors, negative or huge %, missing uplifts.
 */
export function parseScenario(input: unknown): Scenario {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ValidationError([
      { field: 'scenario', message: 'A scenario is a JSON object, like {"default": 5}' },
    ])
  const errors: FieldError[] = []
  for (const key of Object.keys(input))
    if (!(key in scenarioShape.shape))
      errors.push({
        field: key,
        message: `Unknown sector or setting "${key.slice(0, 60)}": use default, payShare, nlwOldPence, nlwNewPence or one of ${UPLIFT_SECTORS.join(', ')}`,
      })
  const parsed = scenarioShape.safeParse(input)
  if (!parsed.success)
    // Unknown top-level keys are named above, each on its own.
    for (const issue of parsed.error.issues)
      if (issue.code !== 'unrecognized_keys' || issue.path.length > 0)
        errors.push({
          field: issue.path.join('.') || 'scenario',
          message:
            issue.code === 'unrecognized_keys'
              ? `Unknown setting ${issue.keys.map((k) => `"${k.slice(0, 60)}"`).join(', ')}: use uplift, payShare, weeklyRatePence or hourlyRatePence`
              : issue.message,
        })
  if (errors.length > 0 || !parsed.success) throw new ValidationError(errors)
  const data = parsed.data as z.infer<typeof scenarioShape> &
    Partial<Record<UpliftSector, z.infer<typeof sectorEntry>>>
  const nlwOldPence = data.nlwOldPence ?? null
  const nlwNewPence = data.nlwNewPence ?? null
  if ((nlwOldPence === null) !== (nlwNewPence === null))
    errors.push({
      field: nlwOldPence === null ? 'nlwOldPence' : 'nlwNewPence',
      message: 'Give both the old and the new National Living Wage, or neither',
    })
  const sectors = {} as Scenario['sectors']
  for (const sector of UPLIFT_SECTORS) {
    const entry = data[sector]
    const own = entry ?? {}
    const payShare = basisPoints(own.payShare ?? data.payShare ?? DEFAULT_PAY_SHARE_PERCENT)
    let newRate: NewRate | null = null
    if (own.weeklyRatePence !== undefined && own.hourlyRatePence !== undefined)
      errors.push({
        field: `${sector}.hourlyRatePence`,
        message: 'Give a weekly or an hourly rate, not both',
      })
    else if (own.weeklyRatePence !== undefined) {
      if (WEEKLY_RATE_SECTORS.includes(sector)) newRate = { unit: 'weekly', pence: own.weeklyRatePence }
      else
        errors.push({
          field: `${sector}.weeklyRatePence`,
          message: `A weekly rate is for care homes (${WEEKLY_RATE_SECTORS.join(', ')})`,
        })
    } else if (own.hourlyRatePence !== undefined) {
      if (HOURLY_RATE_SECTORS.includes(sector)) newRate = { unit: 'hourly', pence: own.hourlyRatePence }
      else
        errors.push({
          field: `${sector}.hourlyRatePence`,
          message: `An hourly rate is for ${HOURLY_RATE_SECTORS.join(' and ')}`,
        })
    }
    let uplift = own.uplift ?? data.default
    if (uplift === undefined && nlwOldPence !== null && nlwNewPence !== null)
      uplift = Math.max(0, ((nlwNewPence - nlwOldPence) / nlwOldPence) * (payShare / 100))
    // A new rate alone raises those below it and leaves the rest as they are.
    if (uplift === undefined && newRate !== null) uplift = 0
    if (uplift === undefined) {
      errors.push({
        field: sector,
        message: `Give ${sector} an uplift %, or a default, or the old and new National Living Wage`,
      })
      continue
    }
    sectors[sector] = { upliftBasisPoints: basisPoints(uplift), payShareBasisPoints: payShare, newRate }
  }
  if (errors.length > 0) throw new ValidationError(errors)
  return { sectors, nlwOldPence, nlwNewPence }
}

/** Parses a scenario given as JSON text, naming the parameter on bad JSON. */
export function parseScenarioJson(text: string, field = 'scenario'): Scenario {
  if (text.length > 10_000)
    throw new ValidationError([{ field, message: 'The scenario must be 10,000 characters or fewer' }])
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ValidationError([
      { field, message: 'The scenario is not valid JSON: give an object like {"default": 5}' },
    ])
  }
  try {
    return parseScenario(value)
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(
        error.errors.map((e) => ({ ...e, field: e.field === 'scenario' ? field : `${field}.${e.field}` })),
      )
    throw error
  }
}

// ---- Costing ----

/** A package of the live book, brokered or imported. */
export interface BookPackage {
  serviceType: string
  clientGroup: string | null
  startDate: string
  endDate: string | null
  weeklyCostPence: number
  /** Home care's (and where the book has them, others') hours a week, in minutes. */
  minutesPerWeek: number | null
  /**
   * Its prices as periods, oldest first, where its price changed (brokerage_package_prices); without
   * them `weeklyCostPence` holds from its start to its end.
   */
  prices?: readonly PricePeriod[]
}

/** A price in force from one day to another, both included (open while `to` is null). */
export interface PricePeriod {
  from: string
  to: string | null
  weeklyCostPence: number
}

function pricesOf(pkg: BookPackage): readonly PricePeriod[] {
  return pkg.prices ?? [{ from: pkg.startDate, to: null, weeklyCostPence: pkg.weeklyCostPence }]
}

/** The package's weekly price on a day it is in force: the period holding that day. */
export function priceOn(pkg: BookPackage, date: string): number {
  const period = pricesOf(pkg).find((p) => p.from <= date && (p.to === null || p.to >= date))
  return period?.weeklyCostPence ?? pkg.weeklyCostPence
}

/** Each price period's days in the year, the package's own start and end clipping it. */
function periodDays(
  pkg: BookPackage,
  year: { from: string; to: string },
): { weekly: number; days: number }[] {
  return pricesOf(pkg).map((p) => {
    const startDate = p.from > pkg.startDate ? p.from : pkg.startDate
    const endDate =
      p.to === null ? pkg.endDate : pkg.endDate === null || p.to < pkg.endDate ? p.to : pkg.endDate
    return { weekly: p.weeklyCostPence, days: daysInForce({ startDate, endDate }, year) }
  })
}

/** A package of the year's book as the model costs it: its sector, and each price with its days in the year. */
export interface CostedPackage {
  sector: UpliftSector
  prices: { weeklyCostPence: number; days: number }[]
}

/** The packages in force in the year, each with the days of the year at each of its prices. */
export function costedPackages<P extends BookPackage>(
  year: number,
  packages: readonly P[],
): (P & CostedPackage)[] {
  const fy = financialYear(year)
  return packages
    .map((p) => ({
      ...p,
      sector: sectorOf(p.serviceType, p.clientGroup),
      prices: periodDays(p, fy)
        .filter((d) => d.days > 0)
        .map((d) => ({ weeklyCostPence: d.weekly, days: d.days })),
    }))
    .filter((p) => p.prices.length > 0)
}

export interface SectorCost {
  sector: UpliftSector | 'total'
  label: string
  /** Packages in force for at least a day of the year. */
  packages: number
  /** The sector's uplift; null in the total, where sectors differ. */
  upliftPercent: number | null
  paySharePercent: number | null
  /** The sector's new usual rate, if the scenario gives one; null in the total. */
  newRate: NewRate | null
  annualCostBeforePence: number
  annualCostAfterPence: number
  increasePence: number
  /** What each 1p an hour on the National Living Wage costs in the year; null without an NLW. */
  nlwPennyCostPence: number | null
}

export interface UpliftModel {
  year: number
  label: string
  from: string
  to: string
  sectors: SectorCost[]
  total: SectorCost
}

/** A price after an uplift of `bp` basis points, to the nearest penny. */
function upliftedWeekly(weeklyPence: number, bp: number): number {
  return Math.round((weeklyPence * (10_000 + bp)) / 10_000)
}

/**
 * A package's weekly price after its sector's uplift: raised by the %, and to at least the new
 * rate (weekly, or hourly times its hours: one without hours cannot be priced so, and keeps the %).
 */
function newWeekly(
  pkg: Pick<BookPackage, 'minutesPerWeek'>,
  weeklyPence: number,
  sector: Scenario['sectors'][UpliftSector],
): number {
  const raised = upliftedWeekly(weeklyPence, sector.upliftBasisPoints)
  const rate = sector.newRate
  if (rate === null) return raised
  if (rate.unit === 'weekly') return Math.max(raised, rate.pence)
  if (pkg.minutesPerWeek === null || pkg.minutesPerWeek <= 0) return raised
  return Math.max(raised, Math.round((rate.pence * pkg.minutesPerWeek) / 60))
}

/** A package's weekly price after the scenario's uplift of its sector, from a price of `weeklyPence`. */
export function upliftedWeeklyCost(
  pkg: Pick<BookPackage, 'serviceType' | 'clientGroup' | 'minutesPerWeek'>,
  weeklyPence: number,
  scenario: Scenario,
): number {
  return newWeekly(pkg, weeklyPence, scenario.sectors[sectorOf(pkg.serviceType, pkg.clientGroup)])
}

/**
 * A rate book price after the scenario's uplift of its sector: raised by the %, and to at least the
 * sector's new rate where that is in the rate's own unit (weekly for care homes, hourly for home
 * support and supported living).
 */
export function upliftedRatePence(
  rate: { serviceType: string; clientGroup: string; pricePence: number },
  unit: 'weekly' | 'hourly' | 'daily',
  scenario: Scenario,
): number {
  const sector = scenario.sectors[sectorOf(rate.serviceType, rate.clientGroup)]
  const raised = upliftedWeekly(rate.pricePence, sector.upliftBasisPoints)
  return sector.newRate !== null && sector.newRate.unit === unit
    ? Math.max(raised, sector.newRate.pence)
    : raised
}

/** A weekly price for `days` days, to the nearest penny. */
function costForDays(weeklyPence: number, days: number): number {
  return Math.round((weeklyPence * days) / 7)
}

/** The annual cost before and after each sector's uplift, the total and the NLW sensitivity. */
export function modelUplift(year: number, packages: readonly BookPackage[], scenario: Scenario): UpliftModel {
  const fy = financialYear(year)
  const rows = new Map<UpliftSector, { packages: number; before: number; after: number }>(
    UPLIFT_SECTORS.map((s) => [s, { packages: 0, before: 0, after: 0 }]),
  )
  for (const pkg of packages) {
    // Each price period is costed on its own, to the penny, at its own price before and after.
    const periods = periodDays(pkg, fy).filter((p) => p.days > 0)
    if (periods.length === 0) continue
    const sector = sectorOf(pkg.serviceType, pkg.clientGroup)
    const row = rows.get(sector) as { packages: number; before: number; after: number }
    row.packages += 1
    for (const { weekly, days } of periods) {
      row.before += costForDays(weekly, days)
      row.after += costForDays(newWeekly(pkg, weekly, scenario.sectors[sector]), days)
    }
  }
  const penny = (afterPence: number, payShareBp: number) =>
    scenario.nlwNewPence === null
      ? null
      : Math.round((afterPence * payShareBp) / 10_000 / scenario.nlwNewPence)
  const sectors: SectorCost[] = UPLIFT_SECTORS.map((sector) => {
    const row = rows.get(sector) as { packages: number; before: number; after: number }
    const { upliftBasisPoints, payShareBasisPoints, newRate } = scenario.sectors[sector]
    return {
      sector,
      label: UPLIFT_SECTOR_LABELS[sector],
      packages: row.packages,
      upliftPercent: upliftBasisPoints / 100,
      paySharePercent: payShareBasisPoints / 100,
      newRate,
      annualCostBeforePence: row.before,
      annualCostAfterPence: row.after,
      increasePence: row.after - row.before,
      nlwPennyCostPence: penny(row.after, payShareBasisPoints),
    }
  })
  const sum = (pick: (s: SectorCost) => number) => sectors.reduce((acc, s) => acc + pick(s), 0)
  const total: SectorCost = {
    sector: 'total',
    label: 'Total',
    packages: sum((s) => s.packages),
    upliftPercent: null,
    paySharePercent: null,
    newRate: null,
    annualCostBeforePence: sum((s) => s.annualCostBeforePence),
    annualCostAfterPence: sum((s) => s.annualCostAfterPence),
    increasePence: sum((s) => s.increasePence),
    nlwPennyCostPence: scenario.nlwNewPence === null ? null : sum((s) => s.nlwPennyCostPence ?? 0),
  }
  return { year, label: financialYearLabel(year), from: fy.from, to: fy.to, sectors, total }
}

/** The same scenario with one uplift for every sector (pay shares and NLW kept). */
function uniformScenario(base: Scenario, upliftBasisPoints: number): Scenario {
  const sectors = {} as Scenario['sectors']
  for (const s of UPLIFT_SECTORS) sectors[s] = { ...base.sectors[s], upliftBasisPoints, newRate: null }
  return { ...base, sectors }
}

/** The most a budget may be: £10bn, in pence. */
export const MAX_BUDGET_PENCE = 1_000_000_000_000

/**
 * The largest uniform uplift, to 0.01%, whose extra annual cost is within the budget (pence):
 * the cost only grows with the %, so a binary search over basis points finds it exactly.
 */
export function upliftForBudget(
  year: number,
  packages: readonly BookPackage[],
  base: Scenario,
  budgetPence: number,
): { upliftPercent: number; increasePence: number; capped: boolean } {
  if (!Number.isSafeInteger(budgetPence) || budgetPence < 0 || budgetPence > MAX_BUDGET_PENCE)
    throw new ValidationError([{ field: 'budget', message: 'Enter a budget from £0 to £10,000,000,000' }])
  const cost = (bp: number) => modelUplift(year, packages, uniformScenario(base, bp)).total.increasePence
  const max = MAX_UPLIFT_PERCENT * 100
  if (cost(max) <= budgetPence)
    return { upliftPercent: MAX_UPLIFT_PERCENT, increasePence: cost(max), capped: true }
  let low = 0
  let high = max
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2)
    if (cost(mid) <= budgetPence) low = mid
    else high = mid
  }
  return { upliftPercent: low / 100, increasePence: cost(low), capped: false }
}
