// The cost of care, pure: the fair cost of care exercise's lines for care homes and home care, the
// National Living Wage by year, what a cost return must hold, the quartiles the Market
// Sustainability Plan publishes, the gap between the median cost and the fees paid, and the home
// care hourly price built up line by line. Money is integer pence throughout. No I/O.
import type { FieldError } from '../../errors.ts'
import { formatPounds, parsePounds } from '../../shared/money.ts'
import { percentile } from '../../shared/statistics.ts'
import { financialYearLabel, MAX_YEAR, UPLIFT_SECTOR_LABELS, type UpliftSector } from '../uplifts/rules.ts'

/**
 * The sectors of the Market Sustainability Plan's cost of care annex: care homes for people aged 65
 * and over, without and with nursing (per resident a week), and home care for people aged 18 and
 * over (per contact hour). They are rows of the uplift table, so fees paid are read by `sectorOf`.
 */
export const COST_SECTORS = [
  'older-people-residential',
  'older-people-nursing',
  'home-support',
] as const satisfies readonly UpliftSector[]
export type CostSector = (typeof COST_SECTORS)[number]

export type CostKind = 'care_home' | 'home_care'

export function kindOf(sector: CostSector): CostKind {
  return sector === 'home-support' ? 'home_care' : 'care_home'
}

export function sectorLabel(sector: CostSector): string {
  return UPLIFT_SECTOR_LABELS[sector]
}

export const UNIT_LABELS: Record<CostKind, string> = {
  care_home: 'per resident a week',
  home_care: 'per contact hour',
}

export interface CostLine {
  key: string
  /** The column of the CSV file. */
  column: string
  label: string
  /** Lines that are pay: the breakdown moves them with the National Living Wage. */
  pay?: boolean
}

/** The fair cost of care exercise's care home lines, per resident a week. */
export const CARE_HOME_LINES: readonly CostLine[] = [
  { key: 'staff', column: 'staff', label: 'Staff', pay: true },
  { key: 'food', column: 'food', label: 'Food' },
  { key: 'utilities', column: 'utilities', label: 'Utilities' },
  { key: 'maintenance', column: 'maintenance', label: 'Repairs and maintenance' },
  { key: 'returnOnOperations', column: 'return_on_operations', label: 'Return on operations' },
  { key: 'returnOnCapital', column: 'return_on_capital', label: 'Return on capital' },
]

/** The fair cost of care exercise's home care lines, per contact hour. */
export const HOME_CARE_LINES: readonly CostLine[] = [
  { key: 'careWorkerPay', column: 'care_worker_pay', label: 'Care worker pay', pay: true },
  { key: 'onCosts', column: 'on_costs', label: 'On-costs (National Insurance, pension, holiday)', pay: true },
  { key: 'travelTime', column: 'travel_time', label: 'Travel time' },
  { key: 'mileage', column: 'mileage', label: 'Mileage' },
  { key: 'training', column: 'training', label: 'Training' },
  { key: 'backOffice', column: 'back_office', label: 'Back office' },
  { key: 'surplus', column: 'surplus', label: 'Surplus' },
]

function linesOf(kind: CostKind): readonly CostLine[] {
  return kind === 'care_home' ? CARE_HOME_LINES : HOME_CARE_LINES
}

// ---- The National Living Wage ----

/**
 * The National Living Wage an hour, from the day each rate started: the government's published
 * rates (April 2023 £10.42, April 2024 £11.44, April 2025 £12.21, April 2026 £12.71). Add each new
 * rate here when it is announced; until then a later year is checked against the latest.
 */
const NATIONAL_LIVING_WAGE: readonly { from: string; pence: number }[] = [
  { from: '2023-04-01', pence: 1042 },
  { from: '2024-04-01', pence: 1144 },
  { from: '2025-04-01', pence: 1221 },
  { from: '2026-04-01', pence: 1271 },
]

/** The first financial year a cost return may be for: the first whose NLW Caremarket holds. */
export const FIRST_COST_YEAR = Number(NATIONAL_LIVING_WAGE[0]?.from.slice(0, 4))

/** The NLW in force on 1 April of `year` (the financial year's), or null before the table starts. */
export function nlwForYear(year: number): number | null {
  const start = `${year}-04-01`
  let pence: number | null = null
  for (const rate of NATIONAL_LIVING_WAGE) if (rate.from <= start) pence = rate.pence
  return pence
}

// ---- A cost return ----

/** The most any one line, or the wage, may be: £100,000 (a week per resident, or an hour). */
export const MAX_LINE_PENCE = 10_000_000

export interface CostReturnInput {
  locationId: number
  year: number
  sector: CostSector
  /** The care worker's hourly wage: required for home care, optional for care homes. */
  hourlyWagePence: number | null
  /** Each of the sector's lines, in pence per resident a week or per contact hour. */
  lines: Record<string, number>
}

/**
 * What makes a return impossible, each with its field: a line missing, negative or too large, a
 * line of the other kind of service, a total of nothing, or an hourly wage below the NLW of the year.
 */
export function checkReturn(input: {
  year: number
  sector: CostSector
  hourlyWagePence: number | null
  lines: Record<string, number | null>
}): FieldError[] {
  const problems: FieldError[] = []
  const kind = kindOf(input.sector)
  const own = linesOf(kind)
  for (const key of Object.keys(input.lines))
    if (!own.some((l) => l.key === key)) {
      const other = linesOf(kind === 'care_home' ? 'home_care' : 'care_home').find((l) => l.key === key)
      problems.push({
        field: `lines.${key}`,
        message: other
          ? `${other.label} is a ${kind === 'care_home' ? 'home care' : 'care home'} line: leave it empty for ${sectorLabel(input.sector).toLowerCase()}`
          : `Unknown line ${key.slice(0, 40)}`,
      })
    }
  let total = 0
  for (const line of own) {
    const value = input.lines[line.key]
    if (value === undefined || value === null)
      problems.push({ field: `lines.${line.key}`, message: `Enter ${line.label.toLowerCase()}` })
    else if (!Number.isInteger(value))
      problems.push({ field: `lines.${line.key}`, message: `${line.label} must be a whole number of pence` })
    else if (value < 0)
      problems.push({ field: `lines.${line.key}`, message: `${line.label} cannot be negative` })
    else if (value > MAX_LINE_PENCE)
      problems.push({
        field: `lines.${line.key}`,
        message: `${line.label} must be ${formatPounds(MAX_LINE_PENCE)} or less`,
      })
    else total += value
  }
  if (problems.length === 0 && total === 0)
    problems.push({ field: 'lines', message: 'The lines add up to £0: a return must cost something' })
  const nlw = nlwForYear(input.year)
  const wage = input.hourlyWagePence
  if (wage === null) {
    if (kind === 'home_care')
      problems.push({ field: 'hourlyWagePence', message: 'Enter the care worker’s hourly wage' })
  } else if (!Number.isInteger(wage) || wage < 0)
    problems.push({ field: 'hourlyWagePence', message: 'The hourly wage cannot be negative' })
  else if (wage > MAX_LINE_PENCE)
    problems.push({
      field: 'hourlyWagePence',
      message: `The hourly wage must be ${formatPounds(MAX_LINE_PENCE)} or less`,
    })
  else if (nlw !== null && wage < nlw)
    problems.push({
      field: 'hourlyWagePence',
      message: `The hourly wage of ${formatPounds(wage)} is below the National Living Wage of ${formatPounds(nlw)} in ${financialYearLabel(input.year)}`,
    })
  return problems
}

/** A financial year as typed: "2025" or "2025/26" (the year it starts); null when it is neither. */
export function readYear(text: string): number | null {
  const match = /^(\d{4})(?:\/(\d{2}))?$/.exec(text.trim())
  if (!match) return null
  const year = Number(match[1])
  if (match[2] !== undefined && Number(match[2]) !== (year + 1) % 100) return null
  return year
}

export function yearProblem(year: number | null): FieldError | null {
  if (year === null || year < FIRST_COST_YEAR || year > MAX_YEAR)
    return {
      field: 'year',
      message: `Enter the financial year, like ${FIRST_COST_YEAR + 2}/${String((FIRST_COST_YEAR + 3) % 100).padStart(2, '0')}, from ${financialYearLabel(FIRST_COST_YEAR)}`,
    }
  return null
}

function readSector(text: string): CostSector | null {
  const value = text.trim().toLowerCase()
  return (COST_SECTORS as readonly string[]).includes(value) ? (value as CostSector) : null
}

/** An amount in pounds as typed: pence, null when empty, or the problem in words. */
function readPounds(text: string, label: string): { pence: number | null } | { problem: string } {
  const parsed = parsePounds(text)
  if (parsed.ok) return { pence: parsed.pence }
  if (parsed.problem === 'empty') return { pence: null }
  if (parsed.problem === 'negative') return { problem: `${label} cannot be negative` }
  return { problem: `${label} must be an amount in pounds, like 123.45` }
}

/** The lines' total, in pence. */
export function totalOf(lines: Record<string, number>): number {
  return Object.values(lines).reduce((sum, v) => sum + v, 0)
}

// ---- Quartiles, suppression and the gap ----

/**
 * The fewest returns a sector's figures are published from. Below it a quartile is close to one
 * provider's own figures, which they gave in confidence; 5 is the small-number rule the market
 * position statement's key data applies by default.
 */
export const MIN_RETURNS_PUBLISHED = 5

export interface Quartiles {
  lowerQuartilePence: number
  medianPence: number
  upperQuartilePence: number
}

/** The lower quartile, median and upper quartile, interpolated, to the penny; null without values. */
export function quartiles(values: readonly number[]): Quartiles | null {
  if (values.length === 0) return null
  const at = (p: number) => Math.round(percentile(values, p) as number)
  return { lowerQuartilePence: at(25), medianPence: at(50), upperQuartilePence: at(75) }
}

/** What the council pays in a sector: from its live packages on one day. */
export interface FeesPaid {
  packages: number
  /** The average fee per resident a week or per contact hour; null without packages (or hours). */
  averagePence: number | null
  /** Residents, or contact hours a year (minutes a week ÷ 60 × the year's weeks), to 2 places. */
  volume: number
}

/** A package as the gap reads it. */
export interface PaidPackage {
  sector: UpliftSector
  weeklyCostPence: number
  minutesPerWeek: number | null
}

/**
 * The fees paid in a sector. Care homes: the mean weekly cost of its packages; the volume is the
 * residents (one a package). Home care: the weekly cost of the packages with hours over their hours
 * a week, so each hour weighs the same; the volume is those hours over the year's weeks.
 */
export function feesPaid(sector: CostSector, packages: readonly PaidPackage[], yearDays: number): FeesPaid {
  const own = packages.filter((p) => p.sector === sector)
  if (kindOf(sector) === 'care_home') {
    const cost = own.reduce((s, p) => s + p.weeklyCostPence, 0)
    return {
      packages: own.length,
      averagePence: own.length === 0 ? null : Math.round(cost / own.length),
      volume: own.length,
    }
  }
  const timed = own.filter((p) => p.minutesPerWeek !== null && p.minutesPerWeek > 0)
  const minutes = timed.reduce((s, p) => s + (p.minutesPerWeek as number), 0)
  const cost = timed.reduce((s, p) => s + p.weeklyCostPence, 0)
  return {
    packages: timed.length,
    averagePence: minutes === 0 ? null : Math.round(cost / (minutes / 60)),
    volume: Math.round(((minutes / 60) * yearDays * 100) / 7) / 100,
  }
}

export interface Gap {
  /** The median cost less the average fee paid, per resident a week or per contact hour. */
  perUnitPence: number
  /** The gap per unit times the volume for a year: residents × the year's weeks, or hours a year. */
  annualPence: number
}

/**
 * The gap between the market's median cost and the average fee paid, times the volume: per resident
 * a week × residents × (days in the year ÷ 7) for care homes, per hour × hours a year for home care.
 */
export function gapOf(kind: CostKind, medianPence: number, paid: FeesPaid, yearDays: number): Gap | null {
  if (paid.averagePence === null) return null
  const perUnitPence = medianPence - paid.averagePence
  const units = kind === 'care_home' ? (paid.volume * yearDays) / 7 : paid.volume
  return { perUnitPence, annualPence: Math.round(perUnitPence * units) }
}

export interface SectorCostOfCare {
  sector: CostSector
  label: string
  kind: CostKind
  /** Returns for the year; null when suppressed. */
  returns: number | null
  suppressed: boolean
  /** The quartiles of each line and of the total; null when suppressed. */
  lines: ({ key: string; label: string } & Quartiles)[] | null
  total: Quartiles | null
  /** The median hourly wage (home care); null when suppressed or not given. */
  hourlyWage: Quartiles | null
  paid: FeesPaid
  gap: Gap | null
}

export interface ReturnFigures {
  sector: CostSector
  hourlyWagePence: number | null
  lines: Record<string, number>
}

/** One sector's published figures: quartiles of the returns, suppressed below MIN_RETURNS_PUBLISHED. */
export function sectorCostOfCare(
  sector: CostSector,
  returns: readonly ReturnFigures[],
  packages: readonly PaidPackage[],
  yearDays: number,
): SectorCostOfCare {
  const kind = kindOf(sector)
  const own = returns.filter((r) => r.sector === sector)
  const paid = feesPaid(sector, packages, yearDays)
  const base = { sector, label: sectorLabel(sector), kind, paid }
  if (own.length < MIN_RETURNS_PUBLISHED)
    return { ...base, returns: null, suppressed: true, lines: null, total: null, hourlyWage: null, gap: null }
  const total = quartiles(own.map((r) => totalOf(r.lines))) as Quartiles
  const wages = own.flatMap((r) => (r.hourlyWagePence === null ? [] : [r.hourlyWagePence]))
  return {
    ...base,
    returns: own.length,
    suppressed: false,
    lines: linesOf(kind).map((line) => ({
      key: line.key,
      label: line.label,
      ...(quartiles(own.map((r) => r.lines[line.key] ?? 0)) as Quartiles),
    })),
    total,
    hourlyWage: wages.length >= MIN_RETURNS_PUBLISHED ? quartiles(wages) : null,
    gap: gapOf(kind, total.medianPence, paid, yearDays),
  }
}

// ---- The home care hourly price, built up ----

export interface BreakdownInput {
  /** Care worker pay per contact hour. */
  payPence: number
  /** On-costs as a share of pay, in basis points (hundredths of a per cent). */
  onCostsBasisPoints: number
  travelPence: number
  trainingPence: number
  backOfficePence: number
  /** Surplus as a share of the costs before it, in basis points. */
  surplusBasisPoints: number
}

export interface Breakdown {
  payPence: number
  onCostsPence: number
  travelPence: number
  trainingPence: number
  backOfficePence: number
  costsPence: number
  surplusPence: number
  pricePence: number
}

/** The hourly price: pay, on-costs (a % of pay), travel, training and back office, then surplus (a % of those). */
export function buildHourlyPrice(input: BreakdownInput): Breakdown {
  const onCostsPence = Math.round((input.payPence * input.onCostsBasisPoints) / 10_000)
  const costsPence =
    input.payPence + onCostsPence + input.travelPence + input.trainingPence + input.backOfficePence
  const surplusPence = Math.round((costsPence * input.surplusBasisPoints) / 10_000)
  return {
    payPence: input.payPence,
    onCostsPence,
    travelPence: input.travelPence,
    trainingPence: input.trainingPence,
    backOfficePence: input.backOfficePence,
    costsPence,
    surplusPence,
    pricePence: costsPence + surplusPence,
  }
}

/**
 * The breakdown when the NLW changes: pay moves by the NLW's percentage, to the penny (seed 002's
 * "within the usual price breakdown by the NLW percentage"); on-costs follow pay, being a % of it;
 * the other lines stand still and the surplus stays the same % of the costs.
 */
export function withNewNlw(input: BreakdownInput, nlwOldPence: number, nlwNewPence: number): Breakdown {
  return buildHourlyPrice({ ...input, payPence: Math.round((input.payPence * nlwNewPence) / nlwOldPence) })
}

/**
 * The breakdown's starting figures from the medians of the home care returns: pay, on-costs as a
 * share of the median pay, travel time plus mileage, training, back office, and surplus as a share
 * of the median total without it. Null when the sector is suppressed.
 */
export function breakdownDefaults(homeCare: SectorCostOfCare): BreakdownInput | null {
  if (homeCare.suppressed || !homeCare.lines || !homeCare.total) return null
  const median = (key: string) => homeCare.lines?.find((l) => l.key === key)?.medianPence ?? 0
  const pay = median('careWorkerPay')
  const surplus = median('surplus')
  const costs = homeCare.total.medianPence - surplus
  return {
    payPence: pay,
    onCostsBasisPoints: pay === 0 ? 0 : Math.round((median('onCosts') * 10_000) / pay),
    travelPence: median('travelTime') + median('mileage'),
    trainingPence: median('training'),
    backOfficePence: median('backOffice'),
    surplusBasisPoints: costs <= 0 ? 0 : Math.round((surplus * 10_000) / costs),
  }
}

// ---- A return as typed: on the web form, or as a row of the CSV file ----

/** A return as people type it: amounts in pounds, the year as "2025/26" or "2025". */
export interface CostReturnText {
  year: string
  sector: string
  hourlyWage: string
  /** By line key: both kinds' lines may be present, those of the other kind left empty. */
  lines: Record<string, string>
}

/** A typed return read into pence, with every problem (each naming its field) at once. */
export function readReturnText(
  text: CostReturnText,
): { ok: true; input: Omit<CostReturnInput, 'locationId'> } | { ok: false; problems: FieldError[] } {
  const problems: FieldError[] = []
  const year = readYear(text.year)
  const badYear = yearProblem(year)
  if (badYear) problems.push(badYear)
  const sector = readSector(text.sector)
  if (sector === null)
    problems.push({ field: 'sector', message: `Choose the sector: one of ${COST_SECTORS.join(', ')}` })
  const lines: Record<string, number | null> = {}
  for (const line of [...CARE_HOME_LINES, ...HOME_CARE_LINES]) {
    const typed = text.lines[line.key] ?? ''
    const read = readPounds(typed, line.label)
    if ('problem' in read) problems.push({ field: `lines.${line.key}`, message: read.problem })
    else if (read.pence !== null || (sector !== null && linesOf(kindOf(sector)).includes(line)))
      lines[line.key] = read.pence
  }
  const wage = readPounds(text.hourlyWage, 'The hourly wage')
  if ('problem' in wage) problems.push({ field: 'hourlyWagePence', message: wage.problem })
  if (year === null || badYear || sector === null || 'problem' in wage) {
    return { ok: false, problems }
  }
  const checked = checkReturn({ year, sector, hourlyWagePence: wage.pence, lines })
  const all = [...problems, ...checked.filter((c) => !problems.some((p) => p.field === c.field))]
  if (all.length > 0) return { ok: false, problems: all }
  return {
    ok: true,
    input: { year, sector, hourlyWagePence: wage.pence, lines: lines as Record<string, number> },
  }
}
