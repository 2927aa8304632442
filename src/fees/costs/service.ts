// Cost returns: providers submit one per location and year (a form, JSON or a CSV file, whose good
// rows are kept and bad ones reported), and commissioners read the cost of care from them: the
// quartiles per sector, suppressed when few, and the gap to the fees the council pays.
import type { Readable } from 'node:stream'
import { and, asc, eq } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ValidationError } from '../../errors.ts'
import { locationsByCqcId, organisationLocations } from '../../providers/service.ts'
import { headerKey, tableRows } from '../../spreadsheets/rows.ts'
import { csvText } from '../../web/csv.ts'
import { financialYear, financialYearLabel, priceOn, sectorOf } from '../uplifts/rules.ts'
import { packagesInForce } from '../uplifts/store.ts'
import {
  CARE_HOME_LINES,
  COST_SECTORS,
  type CostReturnInput,
  type CostReturnText,
  type CostSector,
  checkReturn,
  HOME_CARE_LINES,
  MIN_RETURNS_PUBLISHED,
  nlwForYear,
  readReturnText,
  type SectorCostOfCare,
  sectorCostOfCare,
  sectorLabel,
  totalOf,
  UNIT_LABELS,
  yearProblem,
} from './rules.ts'
import { costReturns } from './schema.ts'

/** A provider user's reach: their organisation, in their council. */
export interface ProviderScope {
  councilId: number
  providerOrganisationId: number
}

export interface CostReturn extends CostReturnInput {
  id: number
  locationName: string
  totalPence: number
  submittedByName: string
  submittedAt: Date
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** The organisation's locations a return may be for: active ones, and any it already has a return for. */
export async function returnLocations(db: Queryable, scope: ProviderScope) {
  return organisationLocations(db, scope.councilId, scope.providerOrganisationId)
}

/** The organisation's returns, newest year first, then by location. */
export async function listReturns(db: Queryable, scope: ProviderScope): Promise<CostReturn[]> {
  const [rows, places] = await Promise.all([
    db
      .select()
      .from(costReturns)
      .where(
        and(
          eq(costReturns.councilId, scope.councilId),
          eq(costReturns.providerOrganisationId, scope.providerOrganisationId),
        ),
      )
      .orderBy(asc(costReturns.year), asc(costReturns.id)),
    returnLocations(db, scope),
  ])
  const name = new Map(places.map((p) => [p.id, p.name]))
  return rows
    .map((r) => ({
      id: r.id,
      locationId: r.locationId,
      locationName: name.get(r.locationId) ?? `Location ${r.locationId}`,
      year: r.year,
      sector: r.sector as CostSector,
      hourlyWagePence: r.hourlyWagePence,
      lines: r.lines,
      totalPence: r.totalPence,
      submittedByName: r.submittedByName,
      submittedAt: r.submittedAt,
    }))
    .sort((a, b) => b.year - a.year || a.locationName.localeCompare(b.locationName))
}

/** Saves a checked return, replacing the location's return for the year; audited with what it replaced. */
async function saveReturn(
  tx: Queryable,
  scope: ProviderScope,
  input: CostReturnInput,
  actor: Actor,
  via: 'form' | 'api' | 'csv',
): Promise<{ id: number; replaced: boolean }> {
  const [previous] = await tx
    .select()
    .from(costReturns)
    .where(
      and(
        eq(costReturns.councilId, scope.councilId),
        eq(costReturns.locationId, input.locationId),
        eq(costReturns.year, input.year),
      ),
    )
    .for('update')
  const values = {
    councilId: scope.councilId,
    providerOrganisationId: scope.providerOrganisationId,
    locationId: input.locationId,
    year: input.year,
    sector: input.sector,
    hourlyWagePence: input.hourlyWagePence,
    lines: input.lines,
    totalPence: totalOf(input.lines),
    submittedBy: actor.kind === 'user' ? actor.userId : null,
    submittedByName: actorName(actor),
    submittedAt: new Date(),
  }
  const [row] = await tx
    .insert(costReturns)
    .values(values)
    .onConflictDoUpdate({
      target: [costReturns.councilId, costReturns.locationId, costReturns.year],
      set: values,
    })
    .returning({ id: costReturns.id })
  const id = (row as { id: number }).id
  await recordAudit(tx, actor, {
    councilId: scope.councilId,
    action: previous ? 'cost_return.replaced' : 'cost_return.submitted',
    entityType: 'cost_return',
    entityId: id,
    details: {
      via,
      locationId: input.locationId,
      year: input.year,
      sector: input.sector,
      hourlyWagePence: input.hourlyWagePence,
      lines: input.lines,
      ...(previous
        ? {
            previous: {
              sector: previous.sector,
              hourlyWagePence: previous.hourlyWagePence,
              lines: previous.lines,
              submittedByName: previous.submittedByName,
            },
          }
        : {}),
    },
  })
  return { id, replaced: previous !== undefined }
}

async function checkLocation(db: Queryable, scope: ProviderScope, locationId: number): Promise<void> {
  const places = await returnLocations(db, scope)
  if (!places.some((p) => p.id === locationId))
    throw new ValidationError([
      { field: 'locationId', message: 'Choose one of your organisation’s locations' },
    ])
}

/** Submits (or replaces) one location's return for a year, checked whole: every problem at once. */
export async function submitReturn(
  db: Database,
  scope: ProviderScope,
  input: CostReturnInput,
  actor: Actor,
  via: 'form' | 'api' = 'api',
): Promise<{ id: number; replaced: boolean }> {
  const badYear = yearProblem(input.year)
  if (badYear) throw new ValidationError([badYear])
  const problems = checkReturn(input)
  if (problems.length > 0) throw new ValidationError(problems)
  await checkLocation(db, scope, input.locationId)
  return db.transaction((tx) => saveReturn(tx, scope, input, actor, via))
}

/** Submits a return as typed on the web form: amounts in pounds. */
export async function submitReturnText(
  db: Database,
  scope: ProviderScope,
  locationId: number,
  text: CostReturnText,
  actor: Actor,
): Promise<{ id: number; replaced: boolean }> {
  const read = readReturnText(text)
  const problems = read.ok ? [] : read.problems
  const places = await returnLocations(db, scope)
  if (!places.some((p) => p.id === locationId))
    problems.unshift({ field: 'locationId', message: 'Choose one of your organisation’s locations' })
  if (!read.ok || problems.length > 0) throw new ValidationError(problems)
  return submitReturn(db, scope, { locationId, ...read.input }, actor, 'form')
}

/** One location's return for a year, or null. */
export async function getReturn(
  db: Queryable,
  scope: ProviderScope,
  locationId: number,
  year: number,
): Promise<CostReturn | null> {
  const returns = await listReturns(db, scope)
  return returns.find((r) => r.locationId === locationId && r.year === year) ?? null
}

// ---------------------------------------------------------------------------------------------
// CSV

/** The columns of the cost return CSV: the location, the year, the sector, the wage, then every line. */
export const RETURN_COLUMNS = {
  location: 'cqc_location_id',
  year: 'year',
  sector: 'sector',
  hourlyWage: 'hourly_wage',
  ...Object.fromEntries([...CARE_HOME_LINES, ...HOME_CARE_LINES].map((l) => [l.key, l.column])),
} as Record<string, string>

const REQUIRED_COLUMNS = ['location', 'year', 'sector']

export interface ReturnImportReport {
  /** completed: every row saved; partial: the good rows saved, the others listed; rejected: none saved. */
  status: 'completed' | 'partial' | 'rejected'
  rowsRead: number
  saved: number
  rejected: { line: number; reason: string }[]
}

/** The most rows one file may hold: a provider's locations over a few years. */
const MAX_IMPORT_ROWS = 2000

/**
 * Loads returns from a CSV file (or a workbook's first sheet), one row per location and year. Unlike
 * the council's own imports, the good rows are kept: each provider's row stands alone, and a return
 * with an impossible value must not hold up the others. Each rejected row is listed with its line
 * and reason; a second row for the same location and year is rejected, naming the first.
 */
export async function importReturns(
  db: Database,
  scope: ProviderScope,
  input: Readable,
  actor: Actor,
): Promise<ReturnImportReport> {
  const rows: { line: number; cells: string[] }[] = []
  let columns: Record<string, number> | null = null
  for await (const row of tableRows(input)) {
    if (columns === null) {
      const keys = row.cells.map(headerKey)
      columns = {}
      for (const [name, title] of Object.entries(RETURN_COLUMNS)) {
        const index = keys.indexOf(headerKey(title))
        if (index >= 0) columns[name] = index
      }
      const missing = REQUIRED_COLUMNS.filter((name) => columns?.[name] === undefined)
      if (missing.length > 0)
        throw new ValidationError([
          {
            field: 'file',
            message: `The first row must hold the column titles; missing: ${missing.map((m) => RETURN_COLUMNS[m]).join(', ')}`,
          },
        ])
      continue
    }
    rows.push(row)
    if (rows.length > MAX_IMPORT_ROWS)
      throw new ValidationError([
        { field: 'file', message: `The file must hold ${MAX_IMPORT_ROWS} returns or fewer` },
      ])
  }
  if (columns === null) throw new ValidationError([{ field: 'file', message: 'The file is empty' }])
  if (rows.length === 0)
    throw new ValidationError([{ field: 'file', message: 'The file has no returns below its titles' }])
  const cols = columns
  const cell = (cells: string[], name: string) => {
    const index = cols[name]
    return index === undefined ? '' : (cells[index] ?? '')
  }
  const known = await locationsByCqcId(
    db,
    scope.councilId,
    rows.map((r) => cell(r.cells, 'location')),
  )
  const rejected: ReturnImportReport['rejected'] = []
  const good: { line: number; input: CostReturnInput }[] = []
  const firstLine = new Map<string, number>()
  for (const row of rows) {
    const cqcId = cell(row.cells, 'location')
    const place = known.get(cqcId)
    const problems: string[] = []
    if (cqcId === '') problems.push('Enter the CQC location ID')
    else if (!place || place.providerOrganisationId !== scope.providerOrganisationId)
      problems.push(`${cqcId.slice(0, 40)} is not one of your organisation’s locations`)
    const lines: Record<string, string> = {}
    for (const line of [...CARE_HOME_LINES, ...HOME_CARE_LINES]) lines[line.key] = cell(row.cells, line.key)
    const read = readReturnText({
      year: cell(row.cells, 'year'),
      sector: cell(row.cells, 'sector'),
      hourlyWage: cell(row.cells, 'hourlyWage'),
      lines,
    })
    if (!read.ok) problems.push(...read.problems.map((p) => p.message))
    if (problems.length === 0 && read.ok && place) {
      const key = `${place.id}:${read.input.year}`
      const earlier = firstLine.get(key)
      if (earlier !== undefined)
        problems.push(
          `A second return for ${cqcId} in ${financialYearLabel(read.input.year)}: line ${earlier} has one`,
        )
      else {
        firstLine.set(key, row.line)
        good.push({ line: row.line, input: { locationId: place.id, ...read.input } })
      }
    }
    if (problems.length > 0) rejected.push({ line: row.line, reason: problems.join('; ') })
  }
  const status = rejected.length === 0 ? 'completed' : good.length === 0 ? 'rejected' : 'partial'
  return db.transaction(async (tx) => {
    for (const { input } of good) await saveReturn(tx, scope, input, actor, 'csv')
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'cost_returns.imported',
      entityType: 'cost_return',
      details: { rowsRead: rows.length, saved: good.length, rejected: rejected.map((r) => r.line) },
    })
    return { status, rowsRead: rows.length, saved: good.length, rejected }
  })
}

/** A blank file with the column titles, and one example row of each kind, for providers to fill in. */
export function returnTemplate(): string {
  const titles = Object.values(RETURN_COLUMNS)
  const row = (values: Record<string, string>) => Object.keys(RETURN_COLUMNS).map((k) => values[k] ?? '')
  return csvText([
    titles,
    row({ year: '2026/27', sector: 'older-people-residential' }),
    row({ year: '2026/27', sector: 'home-support' }),
  ])
}

// ---------------------------------------------------------------------------------------------
// The cost of care, for commissioners

export interface CostOfCare {
  year: number
  yearLabel: string
  /** The day whose live packages give the fees paid: today, or the year's last day once it is over. */
  at: string
  nlwPence: number | null
  minReturnsPublished: number
  sectors: SectorCostOfCare[]
}

/**
 * The cost of care for a financial year from the returns submitted for it, per sector: the quartiles
 * of each line and of the total (suppressed below MIN_RETURNS_PUBLISHED returns), the fees paid
 * (the live packages on `at`), and the gap between the median and the fees paid, times the volume.
 */
export async function costOfCareSummary(
  db: Queryable,
  councilId: number,
  year: number,
  today: string,
): Promise<CostOfCare> {
  const fy = financialYear(year)
  const at = today > fy.to ? fy.to : today
  const [rows, packages] = await Promise.all([
    db
      .select({
        sector: costReturns.sector,
        hourlyWagePence: costReturns.hourlyWagePence,
        lines: costReturns.lines,
      })
      .from(costReturns)
      .where(and(eq(costReturns.councilId, councilId), eq(costReturns.year, year))),
    packagesInForce(db, councilId, at, at),
  ])
  const returns = rows.map((r) => ({ ...r, sector: r.sector as CostSector }))
  const paid = packages.map((p) => ({
    sector: sectorOf(p.serviceType, p.clientGroup),
    // The price in force on the day the fees are read, so a past year's gap stays as it was.
    weeklyCostPence: priceOn(p, at),
    minutesPerWeek: p.minutesPerWeek,
  }))
  return {
    year,
    yearLabel: financialYearLabel(year),
    at,
    nlwPence: nlwForYear(year),
    minReturnsPublished: MIN_RETURNS_PUBLISHED,
    sectors: COST_SECTORS.map((sector) => sectorCostOfCare(sector, returns, paid, fy.days)),
  }
}

/** Pence as pounds, a number, so a spreadsheet can add it up and a negative gap stays a number. */
const pounds = (pence: number | null | undefined) =>
  pence === null || pence === undefined ? '' : pence / 100

/** The cost of care as CSV: one row per sector and line, suppressed as the page is. */
export function costOfCareCsv(summary: CostOfCare): string {
  const rows: (string | number)[][] = [
    [
      'year',
      'sector',
      'unit',
      'returns',
      'line',
      'lower_quartile',
      'median',
      'upper_quartile',
      'average_fee_paid',
      'volume',
      'gap_per_unit',
      'gap_a_year',
    ],
  ]
  for (const s of summary.sectors) {
    const unit = UNIT_LABELS[s.kind]
    const common = [summary.yearLabel, sectorLabel(s.sector), unit]
    const returns = s.suppressed ? `fewer than ${summary.minReturnsPublished}` : (s.returns ?? 0)
    const paidCells = [pounds(s.paid.averagePence), s.paid.volume]
    const gapCells = [pounds(s.gap?.perUnitPence), pounds(s.gap?.annualPence)]
    rows.push([
      ...common,
      returns,
      'Total',
      pounds(s.total?.lowerQuartilePence),
      pounds(s.total?.medianPence),
      pounds(s.total?.upperQuartilePence),
      ...paidCells,
      ...gapCells,
    ])
    for (const line of s.lines ?? [])
      rows.push([
        ...common,
        returns,
        line.label,
        pounds(line.lowerQuartilePence),
        pounds(line.medianPence),
        pounds(line.upperQuartilePence),
        '',
        '',
        '',
        '',
      ])
    if (s.hourlyWage)
      rows.push([
        ...common,
        returns,
        'Care worker hourly wage',
        pounds(s.hourlyWage.lowerQuartilePence),
        pounds(s.hourlyWage.medianPence),
        pounds(s.hourlyWage.upperQuartilePence),
        '',
        '',
        '',
        '',
      ])
  }
  return csvText(rows)
}
