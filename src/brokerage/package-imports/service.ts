// Loads the council's current book of packages from its case or finance system, so the market's
// figures count the whole market and not only what Caremarket brokered.
//
// The whole file is read and checked first: if any row is rejected, nothing is written and every
// rejected row is reported with its line and reason (the import is still recorded, and audited, as
// rejected). Otherwise every row is written in one transaction. Importing the same file again
// changes nothing: a package is the same package when its person reference (in any case), location,
// service type and start date are. Imported packages are the council's history, not new care: they
// emit no brokerage event, so no webhook announces them (docs/decisions.md).
import type { Readable } from 'node:stream'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database } from '../../db/connection.ts'
import { ValidationError } from '../../errors.ts'
import { loadCouncilDistricts } from '../../geography/service.ts'
import { locationsByCqcId } from '../../providers/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { tableRows } from '../../spreadsheets/rows.ts'
import { locatePackageColumns, naturalKey, type PackageRow, readPackageRow } from './rules.ts'
import {
  councilBook,
  type ImportedPackageValues,
  insertPackages,
  lockCouncilBook,
  recordImport,
  type StoredPackage,
  setImportCounts,
  updatePackages,
} from './store.ts'

/** Far beyond any council's book (Norfolk's is about 15,000 packages); guards the memory a file takes. */
const MAX_ROWS = 200_000

interface RejectedRow {
  line: number
  reason: string
}

/** What the CLI prints, the API answers and the report page shows. */
export interface PackageImportReport {
  importId: number
  added: number
  updated: number
  unchanged: number
  /** Packages whose end date the import newly set: from the file, or missing from a whole book. */
  ended: number
  rejected: RejectedRow[]
}

export interface PackageImportOptions {
  councilId: number
  input: Readable
  fileName: string
  /** The file is the council's whole current book: active imported packages missing from it have ended. */
  full: boolean
  actor: Actor
  now?: Date
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** The day before a date, 'YYYY-MM-DD'. */
function dayBefore(date: string): string {
  const day = new Date(`${date}T12:00:00Z`)
  day.setUTCDate(day.getUTCDate() - 1)
  return day.toISOString().slice(0, 10)
}

/** Reads every row of the file: good rows, and every rejected one. A file with no table at all is a ValidationError. */
async function readFile(input: Readable, today: string) {
  const good: PackageRow[] = []
  const rejected: RejectedRow[] = []
  let index: Parameters<typeof readPackageRow>[2] | undefined
  let rows = 0
  for await (const { line, cells } of tableRows(input)) {
    if (!index) {
      const located = locatePackageColumns(cells)
      if (!located.ok) throw new ValidationError([{ field: 'file', message: located.problem }])
      index = located.index
      continue
    }
    if (++rows > MAX_ROWS)
      throw new ValidationError([
        { field: 'file', message: `The file has more than ${MAX_ROWS.toLocaleString('en-GB')} rows` },
      ])
    const read = readPackageRow(line, cells, index, today)
    if (read.ok) good.push(read.row)
    else rejected.push({ line, reason: read.reason })
  }
  if (!index)
    throw new ValidationError([
      { field: 'file', message: 'The file is empty: it has no column titles and no rows' },
    ])
  if (rows === 0)
    throw new ValidationError([{ field: 'file', message: 'The file has column titles but no rows' }])
  return { good, rejected, rows }
}

/** The rows as Caremarket keeps them, with their locations and places found; rows that cannot be are rejected. */
async function placeRows(
  db: Database,
  councilId: number,
  rows: readonly PackageRow[],
  rejected: RejectedRow[],
) {
  const [locations, districts] = await Promise.all([
    locationsByCqcId(
      db,
      councilId,
      rows.map((r) => r.cqcLocationId),
    ),
    loadCouncilDistricts(db, councilId),
  ])
  const firstLine = new Map<string, number>()
  const placed: (ImportedPackageValues & { line: number })[] = []
  for (const row of rows) {
    const location = locations.get(row.cqcLocationId)
    if (!location) {
      rejected.push({
        line: row.line,
        reason: `location_ref ${row.cqcLocationId} is not a location in the provider register: import the CQC register (or add the accredited service) first, or correct the ID`,
      })
      continue
    }
    const key = naturalKey({ ...row, locationId: location.id })
    const earlier = firstLine.get(key)
    if (earlier !== undefined) {
      rejected.push({
        line: row.line,
        reason: `the same person, location, service type and start date as line ${earlier}: a package is listed once`,
      })
      continue
    }
    firstLine.set(key, row.line)
    const district = districts.get(row.outcode)
    placed.push({
      line: row.line,
      personRef: row.personRef,
      ageBand: row.ageBand,
      outcode: row.outcode,
      localityId: district?.localityId ?? null,
      pcnAreaId: district?.pcnAreaId ?? null,
      clientGroup: row.clientGroup,
      serviceType: row.serviceType,
      locationId: location.id,
      providerOrganisationId: location.providerOrganisationId,
      weeklyCostPence: row.weeklyCostPence,
      minutesPerWeek: row.minutesPerWeek,
      startDate: row.startDate,
      endDate: row.endDate,
      funding: row.funding,
    })
  }
  return placed
}

const COMPARED: readonly (keyof ImportedPackageValues)[] = [
  'personRef',
  'ageBand',
  'outcode',
  'localityId',
  'pcnAreaId',
  'clientGroup',
  'providerOrganisationId',
  'weeklyCostPence',
  'minutesPerWeek',
  'endDate',
  'funding',
]

/**
 * Imports the council's book of packages from a CSV file or a workbook's first sheet. Throws a
 * ValidationError for a file that cannot be read as one (no titles, a missing column); rows with
 * bad data are reported, and then nothing is written.
 */
export async function importPackages(
  db: Database,
  options: PackageImportOptions,
): Promise<PackageImportReport> {
  const { councilId, actor } = options
  const today = londonDate(options.now ?? new Date())
  const { good, rejected, rows } = await readFile(options.input, today)
  const placed = await placeRows(db, councilId, good, rejected)
  const base = {
    councilId,
    fileName: options.fileName,
    full: options.full,
    rowsRead: rows,
    startedBy: actorName(actor),
  }

  if (rejected.length > 0) {
    rejected.sort((a, b) => a.line - b.line)
    return db.transaction(async (tx) => {
      const importId = await recordImport(tx, { ...base, status: 'rejected', rejected })
      await recordAudit(tx, actor, {
        councilId,
        action: 'package_import.rejected',
        entityType: 'package_import',
        entityId: importId,
        details: { fileName: options.fileName, rows, rejected: rejected.length },
      })
      return { importId, added: 0, updated: 0, unchanged: 0, ended: 0, rejected }
    })
  }

  return db.transaction(async (tx) => {
    await lockCouncilBook(tx, councilId)
    const importId = await recordImport(tx, { ...base, status: 'completed' })
    const stored = new Map((await councilBook(tx, councilId, today)).map((p) => [naturalKey(p), p]))
    const inserts: ImportedPackageValues[] = []
    const updates: StoredPackage[] = []
    const counts = { added: 0, updated: 0, unchanged: 0, ended: 0 }
    const seen = new Set<number>()
    for (const { line: _line, ...row } of placed) {
      const existing = stored.get(naturalKey(row))
      if (!existing) {
        inserts.push(row)
        counts.added++
        continue
      }
      seen.add(existing.id)
      if (COMPARED.every((column) => existing[column] === row[column])) counts.unchanged++
      else {
        updates.push({ ...row, id: existing.id })
        if (existing.endDate === null && row.endDate !== null) counts.ended++
        else counts.updated++
      }
    }
    if (options.full) {
      // The book lists what is active; a package it no longer lists ended since it was last loaded.
      const yesterday = dayBefore(today)
      for (const existing of stored.values()) {
        if (seen.has(existing.id) || existing.endDate !== null) continue
        updates.push({
          ...existing,
          endDate: existing.startDate > yesterday ? existing.startDate : yesterday,
        })
        counts.ended++
      }
    }
    await insertPackages(tx, councilId, importId, inserts)
    await updatePackages(tx, councilId, importId, updates, today, base.startedBy)
    await setImportCounts(tx, importId, counts)
    await recordAudit(tx, actor, {
      councilId,
      action: 'package_import.completed',
      entityType: 'package_import',
      entityId: importId,
      details: { fileName: options.fileName, full: options.full, rows, ...counts },
    })
    return { importId, ...counts, rejected: [] }
  })
}
