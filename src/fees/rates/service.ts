// The council's rate book: listing, looking up the usual price on a date, adding and ending rates,
// and loading and writing it as CSV. Every change is audited in the transaction that makes it.
import type { Readable } from 'node:stream'
import { and, asc, eq, gte, isNull, or, sql } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { RequestServiceType } from '../../brokerage/rules/vocabulary.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { localities } from '../../geography/schema.ts'
import { listLocalities } from '../../geography/service.ts'
import type { ClientGroup } from '../../providers/vocabulary.ts'
import { isCalendarDate } from '../../shared/dates.ts'
import { formatPoundsInput } from '../../shared/money.ts'
import { headerKey, tableRows } from '../../spreadsheets/rows.ts'
import { csvText } from '../../web/csv.ts'
import {
  type Band,
  describeRate,
  inForce,
  periodsOverlap,
  type RateInput,
  type RateText,
  rateUnit,
  readRate,
  sameKey,
  unitLabel,
} from './rules.ts'
import { feeRates } from './schema.ts'

export interface Rate extends RateInput {
  id: number
  localityName: string | null
}

function rateOf(row: typeof feeRates.$inferSelect & { localityName: string | null }): Rate {
  return {
    id: row.id,
    serviceType: row.serviceType as RequestServiceType,
    clientGroup: row.clientGroup as ClientGroup,
    band: row.band as Band,
    localityId: row.localityId,
    localityName: row.localityName,
    pricePence: row.pricePence,
    effectiveFrom: row.effectiveFrom,
    effectiveTo: row.effectiveTo,
  }
}

async function selectRates(db: Queryable, councilId: number, onOrAfter?: string): Promise<Rate[]> {
  const conditions = [eq(feeRates.councilId, councilId)]
  if (onOrAfter !== undefined) {
    const current = or(isNull(feeRates.effectiveTo), gte(feeRates.effectiveTo, onOrAfter))
    if (current) conditions.push(current)
  }
  const rows = await db
    .select({
      id: feeRates.id,
      councilId: feeRates.councilId,
      serviceType: feeRates.serviceType,
      clientGroup: feeRates.clientGroup,
      band: feeRates.band,
      localityId: feeRates.localityId,
      pricePence: feeRates.pricePence,
      effectiveFrom: feeRates.effectiveFrom,
      effectiveTo: feeRates.effectiveTo,
      createdAt: feeRates.createdAt,
      localityName: localities.name,
    })
    .from(feeRates)
    .leftJoin(localities, eq(localities.id, feeRates.localityId))
    .where(and(...conditions))
    .orderBy(
      asc(feeRates.serviceType),
      asc(feeRates.clientGroup),
      asc(feeRates.band),
      asc(localities.name),
      asc(feeRates.effectiveFrom),
      asc(feeRates.id),
    )
  return rows.map(rateOf)
}

/** Serialises changes to one council's rate book, so two overlapping rates cannot both pass the check. */
function sqlLock(councilId: number) {
  return sql`select pg_advisory_xact_lock(7240320, ${councilId})`
}

function checkDate(date: string, field: string): void {
  if (!isCalendarDate(date))
    throw new ValidationError([{ field, message: `${field} must be a date, like 2027-04-01` }])
}

/** Whether the council keeps a rate book at all: then the social worker need not give a usual price. */
export async function hasRates(db: Queryable, councilId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: feeRates.id })
    .from(feeRates)
    .where(eq(feeRates.councilId, councilId))
    .limit(1)
  return row !== undefined
}

/** The rates in force on a date and those that start after it (the whole book when `from` is not given). */
export async function listRates(
  db: Database,
  councilId: number,
  options: { from?: string } = {},
): Promise<Rate[]> {
  if (options.from !== undefined) checkDate(options.from, 'at')
  return selectRates(db, councilId, options.from)
}

/** Only the rates in force on a date. */
export async function ratesAt(db: Database, councilId: number, date: string): Promise<Rate[]> {
  checkDate(date, 'at')
  return (await selectRates(db, councilId, date)).filter((rate) => inForce(rate, date))
}

/**
 * The usual price for a service, client group and band on a date: the locality's own rate when it
 * has one, else the council-wide rate; null when the book has none (the council may not keep one).
 */
export async function usualPriceAt(
  db: Queryable,
  councilId: number,
  key: { serviceType: string; clientGroup: string; band: string; localityId: number | null; date: string },
): Promise<Rate | null> {
  const candidates = (await selectRates(db, councilId, key.date)).filter(
    (rate) =>
      rate.serviceType === key.serviceType &&
      rate.clientGroup === key.clientGroup &&
      rate.band === key.band &&
      inForce(rate, key.date),
  )
  return (
    candidates.find((rate) => key.localityId !== null && rate.localityId === key.localityId) ??
    candidates.find((rate) => rate.localityId === null) ??
    null
  )
}

/** The problem with a new rate that overlaps a rate already in the book (or earlier in the same file). */
function overlapOf(rate: RateInput, existing: readonly Rate[], localityName: string | null): string | null {
  const clash = existing.find((other) => sameKey(rate, other) && periodsOverlap(rate, other))
  if (!clash) return null
  return `${describeRate({ ...rate, localityName })} overlaps ${describeRate(clash)}: end that rate first, or change the dates`
}

function emptyText(): RateText {
  return {
    serviceType: '',
    clientGroup: '',
    band: '',
    locality: '',
    price: '',
    effectiveFrom: '',
    effectiveTo: '',
  }
}

/** Adds one rate; refuses one that overlaps a rate of the same service, client group, band and locality. */
export async function addRate(db: Database, councilId: number, text: RateText, actor: Actor): Promise<Rate> {
  const places = await listLocalities(db, councilId)
  const read = readRate({ ...emptyText(), ...text }, places)
  if (!read.ok) throw new ValidationError(read.problems)
  const { rate } = read
  const localityName = places.find((p) => p.id === rate.localityId)?.name ?? null
  return db.transaction(async (tx) => {
    await tx.execute(sqlLock(councilId))
    const overlap = overlapOf(rate, await selectRates(tx, councilId), localityName)
    if (overlap) throw new ConflictError(overlap)
    const [row] = await tx
      .insert(feeRates)
      .values({ councilId, ...rate })
      .returning({ id: feeRates.id })
    const id = (row as { id: number }).id
    await recordAudit(tx, actor, {
      councilId,
      action: 'fee_rate.added',
      entityType: 'fee_rate',
      entityId: id,
      details: { ...rate, localityName },
    })
    return { id, ...rate, localityName }
  })
}

/** Ends a rate on a date (its last day): refused before it starts, or when it already ends earlier. */
export async function endRate(
  db: Database,
  councilId: number,
  rateId: number,
  endDate: string,
  actor: Actor,
): Promise<Rate> {
  if (!isCalendarDate(endDate))
    throw new ValidationError([
      { field: 'effectiveTo', message: 'Enter the last day of the rate, like 31 March 2028' },
    ])
  return db.transaction(async (tx) => {
    await tx.execute(sqlLock(councilId))
    const rate = (await selectRates(tx, councilId)).find((r) => r.id === rateId)
    if (!rate) throw new NotFoundError('No such rate in your council’s rate book')
    if (endDate < rate.effectiveFrom)
      throw new ValidationError([
        {
          field: 'effectiveTo',
          message: 'The last day must be the same as or after the day the rate starts',
        },
      ])
    if (rate.effectiveTo !== null && rate.effectiveTo < endDate)
      throw new ValidationError([
        {
          field: 'effectiveTo',
          message: 'The rate already ends before that day: a rate can be ended earlier, not extended',
        },
      ])
    await tx.update(feeRates).set({ effectiveTo: endDate }).where(eq(feeRates.id, rateId))
    await recordAudit(tx, actor, {
      councilId,
      action: 'fee_rate.ended',
      entityType: 'fee_rate',
      entityId: rateId,
      details: { previousEffectiveTo: rate.effectiveTo, effectiveTo: endDate },
    })
    return { ...rate, effectiveTo: endDate }
  })
}

/**
 * A new year's rates, in the caller's transaction (a fee uplift): each rate in force on `from` that
 * started before it ends the day before, and a rate of the same key at `priceFor`'s price runs from
 * `from` to where the old one ended. Rates that start on or after `from` are the council's own and
 * stay as they are. Returns the rates added.
 */
export async function upliftRatesFrom(
  tx: Transaction,
  councilId: number,
  from: string,
  priceFor: (rate: Rate) => number,
): Promise<Rate[]> {
  await tx.execute(sqlLock(councilId))
  const dayBefore = new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
  const current = (await selectRates(tx, councilId, from)).filter((r) => r.effectiveFrom < from)
  const added: Rate[] = []
  for (const rate of current) {
    await tx.update(feeRates).set({ effectiveTo: dayBefore }).where(eq(feeRates.id, rate.id))
    const next = { ...rate, pricePence: priceFor(rate), effectiveFrom: from }
    const [row] = await tx
      .insert(feeRates)
      .values({
        councilId,
        serviceType: next.serviceType,
        clientGroup: next.clientGroup,
        band: next.band,
        localityId: next.localityId,
        pricePence: next.pricePence,
        effectiveFrom: next.effectiveFrom,
        effectiveTo: next.effectiveTo,
      })
      .returning({ id: feeRates.id })
    added.push({ ...next, id: (row as { id: number }).id })
  }
  return added
}

// ---------------------------------------------------------------------------------------------
// CSV

/** The columns of the rate book's CSV, in the order the export writes them. */
export const RATE_COLUMNS = {
  serviceType: 'service_type',
  clientGroup: 'client_group',
  band: 'band',
  locality: 'locality',
  price: 'price',
  effectiveFrom: 'effective_from',
  effectiveTo: 'effective_to',
} as const satisfies Record<keyof RateText, string>

export interface RateImportReport {
  status: 'completed' | 'rejected'
  rowsRead: number
  added: number
  rejected: { line: number; reason: string }[]
}

/**
 * Loads rates from a CSV file (or a workbook's first sheet): all of them, or none when any row is
 * rejected, each with its line and reason. A row overlapping the book or an earlier row is rejected.
 */
export async function importRates(
  db: Database,
  councilId: number,
  input: Readable,
  actor: Actor,
): Promise<RateImportReport> {
  const places = await listLocalities(db, councilId)
  const rows: { line: number; rate: RateInput }[] = []
  const rejected: RateImportReport['rejected'] = []
  let columns: Partial<Record<keyof RateText, number>> | null = null
  let rowsRead = 0
  for await (const row of tableRows(input)) {
    if (columns === null) {
      const keys = row.cells.map(headerKey)
      columns = {}
      const missing: string[] = []
      for (const [name, title] of Object.entries(RATE_COLUMNS) as [keyof RateText, string][]) {
        const index = keys.indexOf(headerKey(title))
        if (index >= 0) columns[name] = index
        else if (name !== 'locality' && name !== 'effectiveTo') missing.push(title)
      }
      if (missing.length > 0)
        throw new ValidationError([
          {
            field: 'file',
            message: `The first row must hold the column titles; missing: ${missing.join(', ')}`,
          },
        ])
      continue
    }
    rowsRead++
    const text = emptyText()
    for (const name of Object.keys(text) as (keyof RateText)[]) {
      const index = columns[name]
      text[name] = index === undefined ? '' : (row.cells[index] ?? '')
    }
    const read = readRate(text, places)
    if (!read.ok) rejected.push({ line: row.line, reason: read.problems.map((p) => p.message).join('; ') })
    else rows.push({ line: row.line, rate: read.rate })
  }
  if (columns === null) throw new ValidationError([{ field: 'file', message: 'The file is empty' }])
  if (rowsRead === 0)
    throw new ValidationError([{ field: 'file', message: 'The file has no rates below its titles' }])
  const nameOf = (id: number | null) => places.find((p) => p.id === id)?.name ?? null
  return db.transaction(async (tx) => {
    await tx.execute(sqlLock(councilId))
    const book: Rate[] = await selectRates(tx, councilId)
    const earlier: Rate[] = []
    for (const { line, rate } of rows) {
      const overlap =
        overlapOf(rate, book, nameOf(rate.localityId)) ??
        overlapOf(rate, earlier, nameOf(rate.localityId))?.replace(' overlaps ', ' overlaps an earlier row: ')
      if (overlap) rejected.push({ line, reason: overlap })
      earlier.push({ id: 0, ...rate, localityName: nameOf(rate.localityId) })
    }
    rejected.sort((a, b) => a.line - b.line)
    if (rejected.length > 0) {
      await recordAudit(tx, actor, {
        councilId,
        action: 'fee_rates.import_rejected',
        entityType: 'fee_rate',
        details: { rowsRead, rejected: rejected.length },
      })
      return { status: 'rejected', rowsRead, added: 0, rejected }
    }
    if (rows.length > 0) await tx.insert(feeRates).values(rows.map(({ rate }) => ({ councilId, ...rate })))
    await recordAudit(tx, actor, {
      councilId,
      action: 'fee_rates.imported',
      entityType: 'fee_rate',
      details: { rowsRead, added: rows.length },
    })
    return { status: 'completed', rowsRead, added: rows.length, rejected: [] }
  })
}

/**
 * The rate book as CSV, in the columns the import takes (plus the unit), formula-safe: the whole
 * book, or with `at` only the rates in force on that date.
 */
export async function exportRates(
  db: Database,
  councilId: number,
  options: { at?: string } = {},
): Promise<string> {
  const rates =
    options.at === undefined ? await selectRates(db, councilId) : await ratesAt(db, councilId, options.at)
  return csvText([
    [...Object.values(RATE_COLUMNS), 'unit'],
    ...rates.map((rate) => [
      rate.serviceType,
      rate.clientGroup,
      rate.band,
      rate.localityName ?? '',
      formatPoundsInput(rate.pricePence, { pence: 'always' }),
      rate.effectiveFrom,
      rate.effectiveTo ?? '',
      unitLabel(rateUnit(rate.serviceType)),
    ]),
  ])
}
