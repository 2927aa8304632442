// Keeps a council's provider register current from a CQC register file.
//
// The whole import is one transaction: a file that fails part-way (broken CSV, a lost database
// connection) leaves the register as it was. Rows with bad data do not fail the import; they are
// reported with their line. The file streams through in batches, so memory stays flat whatever
// its size; only the CQC location IDs of the council's rows are remembered, for --full.
//
// Progress: a transaction's work is invisible to other connections until it commits, so progress
// is kept in memory, keyed by import ID, for pages served by the same process (importProgress).
// On PostgreSQL the bytes read are also written to the cqc_imports row over another connection
// every second, so other processes see them. On the embedded database that is impossible (PGlite
// runs one transaction at a time, and other queries wait for it), so the row is written at the end.
//
// An import whose process ends (killed, crashed, the machine lost) must not stay "running": its
// transaction is rolled back, so nothing was saved, but its record says otherwise. Each import
// records its owner (INSTANCE_ID). On PostgreSQL that write every second is also the owner's
// heartbeat, and an import without one for IMPORT_OWNER_GONE_AFTER_MS has lost its process. On the
// embedded database one process holds the data directory at a time, so an import started by any
// other process has ended with it. failAbandonedImports, run by the scheduler at start-up and
// every minute, records those as failed. An import so recorded saves nothing even if its process
// was only slow: it commits only while its record still says it is running.

import { Readable } from 'node:stream'
import { and, desc, eq, isNull, lt, ne, or, sql } from 'drizzle-orm'
import pg from 'pg'
import { listCouncils } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { Locator } from '../../geography/service.ts'
import { INSTANCE_ID } from '../../instance.ts'
import { nulByteProblem } from '../../storable.ts'
import {
  type KeyQuestionRatingEntry,
  recordCqcRatings,
  recordKeyQuestionRatings,
} from '../quality/service.ts'
import { cqcImports, locations } from '../schema.ts'
import type { CqcRating } from '../vocabulary.ts'
import { sniffCqcFile } from './detect.ts'
import {
  type CurrentLocation,
  inLocalAuthority,
  isCareService,
  knownCoordinates,
  type LocationValues,
  localAuthorityKey,
  localAuthorityOfCouncil,
  locationChanged,
  locationValuesFrom,
  newRating,
} from './import-rules.ts'
import { parseCqcFile } from './parse.ts'
import type { CqcFormat, CqcLocationRecord, CqcParseSummary, RejectedRow } from './records.ts'
import {
  type RegisterChange,
  type RegisterEventTally,
  type RegisterImport,
  registerChange,
  registerEvents,
} from './register-events.ts'
import { looksLikeWorkbook } from './workbook.ts'

/** Rows written per statement; a batch is one JSON parameter, so there is no bind-parameter limit. */
const IMPORT_BATCH_SIZE = 500

/** On PostgreSQL, how often a running import writes its progress and heartbeat to its record. */
const HEARTBEAT_MS = 1_000
/** On PostgreSQL, how long a running import may go without a heartbeat before its process is taken to have ended. */
const IMPORT_OWNER_GONE_AFTER_MS = 60_000

export const ABANDONED_IMPORT_ERROR =
  'The import stopped before it finished: the Caremarket process running it ended. ' +
  'Nothing from this file was saved. Upload the file again.'
const OVERTAKEN_IMPORT_ERROR =
  'The import was recorded as stopped because this Caremarket process gave no sign of life for too long. ' +
  'Nothing from this file was saved. Upload the file again.'

export interface CqcImportOptions {
  councilId: number
  input: Readable
  /** The file's name, for the import's record. */
  fileName: string
  /** The file's size in bytes, when known, so progress can be shown as a share. */
  bytesTotal?: number | null
  /**
   * Keep only rows of this local authority. Omitted: the council's own, taken from its name
   * ("Norfolk County Council" -> "Norfolk"). Null: every row, whatever its local authority.
   */
  localAuthority?: string | null
  /** The file is the whole register: active locations missing from it are marked inactive. */
  full: boolean
  actor: Actor
  encoding?: 'utf8' | 'latin1'
  /** Called as the file is read, at most every quarter of a second, and once at the end. */
  onProgress?: (progress: ImportProgress) => void
}

export interface ImportProgress {
  importId: number
  bytesRead: number
  bytesTotal: number | null
  rowsRead: number
}

/** What the CLI prints and the report page shows. */
interface CqcImportReport {
  importId: number
  added: number
  updated: number
  unchanged: number
  deactivated: number
  rejected: RejectedRow[]
}

/** The report, with what the import left out on purpose and what it learnt about the file. */
export interface CqcImportSummary extends CqcImportReport {
  format: CqcFormat
  localAuthority: string | null
  /** Good rows left out: another local authority's, or services Caremarket does not broker. */
  skipped: { otherLocalAuthority: number; notCareService: number }
  ratingsAdded: number
  providersAdded: number
  unmapped: CqcParseSummary['unmapped']
  /** Market events the register's changes recorded, and import deregistrations withdrawn as locations came back. */
  marketEvents: { recorded: number; withdrawn: number }
}

export type CqcImport = typeof cqcImports.$inferSelect

const progressByImport = new Map<number, ImportProgress>()

/** Progress of an import running in this process; undefined once it has finished. */
export function importProgress(importId: number): ImportProgress | undefined {
  return progressByImport.get(importId)
}

/** Runs a whole import and returns its summary. Throws what failed it (the import is then recorded as failed). */
export async function importCqcFile(db: Database, options: CqcImportOptions): Promise<CqcImportSummary> {
  const { finished } = await startCqcImport(db, options)
  return finished
}

/**
 * Records the import and starts it. Returns as soon as the import has an ID, with a promise of
 * its summary, so a web request can answer at once and show the progress.
 */
export async function startCqcImport(
  db: Database,
  options: CqcImportOptions,
): Promise<{ importId: number; finished: Promise<CqcImportSummary> }> {
  const localAuthority =
    options.localAuthority === undefined
      ? await councilLocalAuthority(db, options.councilId)
      : options.localAuthority?.trim() || null
  const [row] = await db
    .insert(cqcImports)
    .values({
      councilId: options.councilId,
      fileName: options.fileName,
      full: options.full,
      localAuthority,
      status: 'running',
      bytesTotal: options.bytesTotal ?? null,
      startedBy: actorName(options.actor),
      ownerId: INSTANCE_ID,
    })
    .returning({ id: cqcImports.id })
  if (!row) throw new Error('the import was not recorded')
  const importId = row.id
  progressByImport.set(importId, {
    importId,
    bytesRead: 0,
    bytesTotal: options.bytesTotal ?? null,
    rowsRead: 0,
  })
  const finished = runImport(db, importId, localAuthority, options).finally(() =>
    progressByImport.delete(importId),
  )
  // The caller may not await at once (a web request answers first); the failure is on record.
  finished.catch(() => {})
  return { importId, finished }
}

async function councilLocalAuthority(db: Queryable, councilId: number): Promise<string | null> {
  const council = (await listCouncils(db)).find((c) => c.id === councilId)
  if (!council) throw new NotFoundError('No such council')
  return localAuthorityOfCouncil(council.name) || null
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

function isPostgresServer(db: Database): boolean {
  return (db as unknown as { $client?: unknown }).$client instanceof pg.Pool
}

async function runImport(
  db: Database,
  importId: number,
  localAuthority: string | null,
  options: CqcImportOptions,
): Promise<CqcImportSummary> {
  const progress = progressByImport.get(importId) as ImportProgress
  let lastReport = 0
  const reportProgress = (force = false) => {
    const now = Date.now()
    if (force || now - lastReport >= 250) {
      lastReport = now
      options.onProgress?.({ ...progress })
    }
  }
  const heartbeat = isPostgresServer(db) ? startHeartbeat(db, progress) : null

  try {
    const peeked = await peekFormat(options.input, options.encoding ?? 'utf8')
    let format = peeked.format
    const rows = parseCqcFile(peeked.stream, {
      encoding: options.encoding,
      onBytes: (_bytes, total) => {
        progress.bytesRead = total
        reportProgress()
      },
      onFormat: (found) => {
        format = found
      },
    })
    // A workbook says what it is once its register sheet's header row is read, with the first row.
    let first = format ? undefined : await rows.next()
    if (first?.done) format = first.value.format
    if (!format) throw new Error('the format of the file was not found')
    const known: CqcFormat = format
    // Before the transaction, so the progress page can say what the file is while it is read.
    await db.update(cqcImports).set({ format: known }).where(eq(cqcImports.id, importId))
    const summary = await db.transaction(async (tx) => {
      // One import per council at a time: a second waits rather than racing for the same rows.
      await tx.execute(sql`select pg_advisory_xact_lock(7240102, ${options.councilId})`)
      const locator = await Locator.forCouncil(tx, options.councilId)
      // Listeners record what the register's changes mean (market events) in this transaction:
      // the changes and what they caused stand or fall together.
      const registerImport: RegisterImport = {
        councilId: options.councilId,
        importId,
        fileName: options.fileName,
        actor: options.actor,
        at: new Date(),
        previousImportAt: await previousImportAt(tx, options.councilId),
      }
      const registerHadLocations = await hasLocations(tx, options.councilId)
      const run = new ImportRun(tx, importId, known, localAuthority, options, locator, {
        registerImport,
        registerHadLocations,
      })
      let batch: CqcLocationRecord[] = []
      let parsed: CqcParseSummary
      // The next batch is parsed while the last one is written: on a database server the two
      // run side by side. Writes stay in order, one batch at a time.
      let writing: Promise<void> = Promise.resolve()
      const write = async (records: CqcLocationRecord[]) => {
        await writing
        writing = run.writeBatch(records)
        // Awaited before the next write or at the end; this only keeps it from being "unhandled".
        writing.catch(() => {})
      }
      try {
        for (;;) {
          const next = first ?? (await rows.next())
          first = undefined
          if (next.done) {
            parsed = next.value
            break
          }
          progress.rowsRead++
          const row = next.value
          if (!row.ok) run.rejected.push(row.rejected)
          else if (run.keep(row.record)) batch.push(row.record)
          if (batch.length >= IMPORT_BATCH_SIZE) {
            await write(batch)
            batch = []
          }
        }
        await write(batch)
        await writing
      } catch (error) {
        // Never roll back under a write still running: its remaining statements would follow
        // the rollback outside the transaction.
        await writing.catch(() => {})
        // A parser left waiting at a row would keep the file open.
        await rows.return(undefined as never).catch(() => {})
        throw error
      }
      if (options.full) await run.deactivateMissing()
      const result = run.summary(parsed)
      const [recorded] = await tx
        .update(cqcImports)
        .set({
          status: 'completed',
          format: result.format,
          bytesRead: parsed.bytes,
          added: result.added,
          updated: result.updated,
          unchanged: result.unchanged,
          deactivated: result.deactivated,
          rejected: result.rejected,
          finishedAt: new Date(),
        })
        .where(and(eq(cqcImports.id, importId), eq(cqcImports.status, 'running')))
        .returning({ id: cqcImports.id })
      // Recorded as abandoned meanwhile: roll back, so the register agrees with the record.
      if (!recorded) throw new ConflictError(OVERTAKEN_IMPORT_ERROR)
      await recordAudit(tx, options.actor, {
        councilId: options.councilId,
        action: 'cqc_import.completed',
        entityType: 'cqc_import',
        entityId: importId,
        details: {
          fileName: options.fileName,
          format: result.format,
          localAuthority,
          full: options.full,
          added: result.added,
          updated: result.updated,
          unchanged: result.unchanged,
          deactivated: result.deactivated,
          rejected: result.rejected.length,
          skipped: result.skipped,
          providersAdded: result.providersAdded,
          ratingsAdded: result.ratingsAdded,
          marketEvents: result.marketEvents,
        },
      })
      return result
    })
    await heartbeat?.stop()
    reportProgress(true)
    return summary
  } catch (error) {
    options.input.destroy()
    await heartbeat?.stop()
    const message =
      error instanceof ValidationError
        ? error.errors.map((e) => e.message).join(' ')
        : error instanceof ConflictError
          ? error.message
          : 'The import failed unexpectedly and changed nothing. The error has been logged.'
    // An import already recorded as abandoned keeps that reason.
    await db
      .update(cqcImports)
      .set({ status: 'failed', error: message, bytesRead: progress.bytesRead, finishedAt: new Date() })
      .where(and(eq(cqcImports.id, importId), eq(cqcImports.status, 'running')))
    throw error
  }
}

/**
 * On PostgreSQL, writes the bytes read and a heartbeat to the import's record every second, over
 * another pooled connection, outside the import's transaction (whose writes nobody sees until it
 * commits). It never waits for the import, which never waits for it.
 */
function startHeartbeat(db: Database, progress: ImportProgress): { stop(): Promise<void> } {
  let writing: Promise<unknown> = Promise.resolve()
  let busy = false
  const timer = setInterval(() => {
    // A database too slow to take one beat a second gets one at a time.
    if (busy) return
    busy = true
    writing = db
      .update(cqcImports)
      .set({ bytesRead: progress.bytesRead, heartbeatAt: sql`now()` })
      .where(and(eq(cqcImports.id, progress.importId), eq(cqcImports.status, 'running')))
      .catch(() => {})
      .finally(() => {
        busy = false
      })
  }, HEARTBEAT_MS)
  return {
    async stop() {
      clearInterval(timer)
      await writing
    },
  }
}

/**
 * Records as failed every running import whose process has ended, with a reason that says so,
 * and returns them. Run at start-up and every minute (the scheduler).
 */
export async function failAbandonedImports(
  db: Database,
  options: { ownerGoneAfterMs?: number } = {},
): Promise<{ id: number; councilId: number }[]> {
  const ownerGone = isPostgresServer(db)
    ? lt(
        cqcImports.heartbeatAt,
        sql`now() - make_interval(secs => ${(options.ownerGoneAfterMs ?? IMPORT_OWNER_GONE_AFTER_MS) / 1000})`,
      )
    : // The data directory is this process's alone: another process's import ended with it.
      or(isNull(cqcImports.ownerId), ne(cqcImports.ownerId, INSTANCE_ID))
  return db
    .update(cqcImports)
    .set({ status: 'failed', error: ABANDONED_IMPORT_ERROR, finishedAt: sql`now()` })
    .where(and(eq(cqcImports.status, 'running'), ownerGone))
    .returning({ id: cqcImports.id, councilId: cqcImports.councilId })
}

// As much as the parser reads to recognise a file.
const HEAD_BYTES = 64 * 1024

/**
 * Recognises the file's format from its first bytes before any row is written, because what a
 * row changes depends on it (the care directory carries no ratings or beds), and hands back a
 * stream of the whole file. A file that is no CQC register file fails here, naming the headers.
 * A workbook's format is undefined here: it is known once its register sheet's header row is read.
 */
async function peekFormat(
  input: Readable,
  encoding: 'utf8' | 'latin1',
): Promise<{ format: CqcFormat | undefined; stream: Readable }> {
  const iterator: AsyncIterator<unknown> = input[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let size = 0
  let ended = false
  while (size < HEAD_BYTES) {
    const next = await iterator.next()
    if (next.done) {
      ended = true
      break
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value), encoding)
    head.push(chunk)
    size += chunk.length
  }
  // A workbook is binary: its NUL bytes are its own, and its text cells are checked row by row.
  const workbook = looksLikeWorkbook(Buffer.concat(head))
  let format: CqcFormat | undefined
  try {
    if (!workbook) {
      refuseNulBytes(Buffer.concat(head), 0)
      format = sniffCqcFile(Buffer.concat(head).toString(encoding)).format
    }
  } catch (error) {
    await iterator.return?.()
    throw error
  }
  async function* whole() {
    try {
      yield* head
      if (ended) return
      for (;;) {
        const next = await iterator.next()
        if (next.done) return
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value), encoding)
        if (!workbook) refuseNulBytes(chunk, size)
        size += chunk.length
        yield chunk
      }
    } finally {
      await iterator.return?.()
    }
  }
  return { format, stream: Readable.from(whole(), { objectMode: false }) }
}

/** PostgreSQL cannot store a NUL, and a file holding one is not the text file it should be. */
function refuseNulBytes(chunk: Buffer, offset: number): void {
  const notText = nulByteProblem(chunk, offset)
  if (notText) throw new ValidationError([{ field: 'file', message: notText }])
}

interface ProviderRow {
  id: number
  name: string
}

/** The state of one import inside its transaction. */
class ImportRun {
  readonly rejected: RejectedRow[] = []
  private readonly seen = new Set<string>()
  private readonly laKey: string | null
  private counts = { added: 0, updated: 0, unchanged: 0, deactivated: 0, ratingsAdded: 0, providersAdded: 0 }
  private skipped = { otherLocalAuthority: 0, notCareService: 0 }
  /** What listeners recorded because of the register's changes. */
  private readonly marketEvents: RegisterEventTally = { recorded: 0, withdrawn: 0 }

  constructor(
    private readonly tx: Transaction,
    private readonly importId: number,
    private readonly format: CqcFormat,
    private readonly localAuthority: string | null,
    private readonly options: CqcImportOptions,
    private readonly locator: Locator,
    private readonly register: { registerImport: RegisterImport; registerHadLocations: boolean },
  ) {
    this.laKey = localAuthority === null ? null : localAuthorityKey(localAuthority)
  }

  /** Whether a good row belongs in this council's register. */
  keep(record: CqcLocationRecord): boolean {
    if (!inLocalAuthority(record, this.laKey)) {
      this.skipped.otherLocalAuthority++
      return false
    }
    if (!isCareService(record)) {
      this.skipped.notCareService++
      return false
    }
    return true
  }

  /** Adds, updates or leaves each location of a batch, with its provider, place and rating history. */
  async writeBatch(batch: CqcLocationRecord[]): Promise<void> {
    if (batch.length === 0) return
    const councilId = this.options.councilId
    const providerIds = await this.upsertProviders(batch)
    const current = await this.currentLocations(batch.map((r) => r.cqcLocationId))
    const placements = await this.locator.locateAll(
      batch.map((record) => {
        const known = knownCoordinates(record, current.get(record.cqcLocationId))
        return {
          postcode: record.postcode,
          latitude: known?.latitude ?? null,
          longitude: known?.longitude ?? null,
          coordinatesSource: known?.source,
        }
      }),
    )
    const inserts: (LocationValues & { cqcLocationId: string })[] = []
    const updates: (LocationValues & { id: number })[] = []
    const ratings: { cqcLocationId: string; rating: CqcRating; ratedOn: string }[] = []
    const keyQuestionRatings: (Omit<KeyQuestionRatingEntry, 'locationId'> & { cqcLocationId: string })[] = []
    const changes: { cqcLocationId: string; providerOrganisationId: number; change: RegisterChange }[] = []
    batch.forEach((record, i) => {
      this.seen.add(record.cqcLocationId)
      const existing = current.get(record.cqcLocationId)
      const placement = placements[i]
      const values = locationValuesFrom(
        record,
        this.format,
        existing,
        providerIds.get(record.cqcProviderId) as number,
        {
          latitude: placement?.latitude ?? null,
          longitude: placement?.longitude ?? null,
          localityId: placement?.localityId ?? null,
          pcnAreaId: placement?.pcnAreaId ?? null,
          geoSource: placement?.source ?? null,
        },
      )
      if (!existing) inserts.push({ ...values, cqcLocationId: record.cqcLocationId })
      else if (locationChanged(existing, values)) updates.push({ ...values, id: existing.id })
      else this.counts.unchanged++
      const change = registerChange(existing, values.registeredBeds, this.register.registerHadLocations)
      if (change)
        changes.push({
          cqcLocationId: record.cqcLocationId,
          providerOrganisationId: values.providerOrganisationId,
          change,
        })
      for (const entry of record.keyQuestionRatings)
        keyQuestionRatings.push({ cqcLocationId: record.cqcLocationId, ...entry })
      const rating = newRating(existing, values)
      if (rating)
        ratings.push({
          cqcLocationId: record.cqcLocationId,
          rating: rating.rating as CqcRating,
          ratedOn: rating.ratedOn,
        })
    })
    const ids = new Map([...current].map(([cqcId, row]) => [cqcId, row.id]))
    for (const [cqcId, id] of await this.insertLocations(councilId, inserts)) ids.set(cqcId, id)
    await this.updateLocations(councilId, updates)
    this.counts.added += inserts.length
    this.counts.updated += updates.length
    if (changes.length > 0)
      await registerEvents.emit(
        'registerChanged',
        {
          import: this.register.registerImport,
          changes: changes.map(({ cqcLocationId, ...rest }) => ({
            ...rest,
            locationId: ids.get(cqcLocationId) as number,
          })),
          tally: this.marketEvents,
        },
        this.tx,
      )
    // Only new ratings: a location's own columns still hold one recorded before history was kept.
    const recorded = await recordCqcRatings(
      this.tx,
      councilId,
      ratings.map((r) => ({
        locationId: ids.get(r.cqcLocationId) as number,
        rating: r.rating,
        ratedOn: r.ratedOn,
      })),
      this.options.actor,
    )
    this.counts.ratingsAdded += recorded.added
    // History only, as the overall rating's: the same ratings again change nothing.
    await recordKeyQuestionRatings(
      this.tx,
      councilId,
      keyQuestionRatings.map(({ cqcLocationId, ...entry }) => ({
        ...entry,
        locationId: ids.get(cqcLocationId) as number,
      })),
      this.options.actor,
    )
  }

  private async upsertProviders(batch: CqcLocationRecord[]): Promise<Map<string, number>> {
    const councilId = this.options.councilId
    // The first name the batch gives a provider is the one kept (rows of one provider agree).
    const named = new Map<string, string | null>()
    for (const record of batch) {
      const name = named.get(record.cqcProviderId)
      if (name === undefined || name === null) named.set(record.cqcProviderId, record.providerName)
    }
    const rows = rowsOf<ProviderRow & { cqcProviderId: string }>(
      await this.tx.execute(sql`
        select id, cqc_provider_id as "cqcProviderId", name from provider_organisations
        where council_id = ${councilId}
          and cqc_provider_id = any(array(select jsonb_array_elements_text(${JSON.stringify([...named.keys()])}::jsonb)))`),
    )
    const known = new Map<string, ProviderRow>(rows.map((r) => [r.cqcProviderId, r]))
    const renamed: { id: number; name: string }[] = []
    const added: { cqcProviderId: string; name: string }[] = []
    for (const [cqcProviderId, name] of named) {
      const existing = known.get(cqcProviderId)
      // API files name no provider: keep the name on record, or use the ID until a file names it.
      if (!existing) added.push({ cqcProviderId, name: name ?? cqcProviderId })
      else if (name !== null && name !== existing.name) renamed.push({ id: existing.id, name })
    }
    const ids = new Map([...known].map(([cqcId, row]) => [cqcId, row.id]))
    if (added.length > 0) {
      const inserted = rowsOf<{ id: number; cqc_provider_id: string }>(
        await this.tx.execute(sql`
          insert into provider_organisations (council_id, cqc_provider_id, name)
          select ${councilId}, v.cqc_provider_id, v.name
          from jsonb_to_recordset(${JSON.stringify(added.map((p) => ({ cqc_provider_id: p.cqcProviderId, name: p.name })))}::jsonb)
            as v(cqc_provider_id text, name text)
          returning id, cqc_provider_id`),
      )
      for (const row of inserted) ids.set(row.cqc_provider_id, row.id)
      this.counts.providersAdded += inserted.length
    }
    if (renamed.length > 0) {
      await this.tx.execute(sql`
        update provider_organisations as p set name = v.name, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(renamed)}::jsonb) as v(id int, name text)
        where p.id = v.id and p.council_id = ${councilId}`)
    }
    return ids
  }

  private async currentLocations(cqcLocationIds: string[]): Promise<Map<string, CurrentLocation>> {
    // The IDs go as one JSON parameter: building 500 bound parameters costs more than the query.
    // "= any(array(...))" keeps to the unique index even while a new table has no statistics,
    // where "in (select ...)" can be planned as a nested loop of sequential scans.
    const rows = rowsOf<CurrentLocation & { cqcLocationId: string }>(
      await this.tx.execute(sql`
        select id, cqc_location_id as "cqcLocationId", active,
          provider_organisation_id as "providerOrganisationId", name, address, postcode, latitude, longitude,
          registered_beds as "registeredBeds", service_types as "serviceTypes", specialisms,
          client_groups as "clientGroups", cqc_rating as "cqcRating", cqc_rating_date as "cqcRatingDate",
          locality_id as "localityId", pcn_area_id as "pcnAreaId", geo_source as "geoSource"
        from locations
        where council_id = ${this.options.councilId}
          and cqc_location_id = any(array(select jsonb_array_elements_text(${JSON.stringify(cqcLocationIds)}::jsonb)))`),
    )
    return new Map(rows.map(({ cqcLocationId, ...row }) => [cqcLocationId, row]))
  }

  private async insertLocations(
    councilId: number,
    rows: (LocationValues & { cqcLocationId: string })[],
  ): Promise<Map<string, number>> {
    if (rows.length === 0) return new Map()
    const inserted = rowsOf<{ id: number; cqc_location_id: string }>(
      await this.tx.execute(sql`
        insert into locations (
          council_id, cqc_location_id, provider_organisation_id, name, address, postcode, latitude, longitude,
          registered_beds, service_types, specialisms, client_groups, cqc_rating, cqc_rating_date,
          locality_id, pcn_area_id, geo_source)
        select ${councilId}, v.cqc_location_id, v.provider_organisation_id, v.name, v.address, v.postcode,
          v.latitude, v.longitude, v.registered_beds, v.service_types, v.specialisms, v.client_groups,
          v.cqc_rating, v.cqc_rating_date, v.locality_id, v.pcn_area_id, v.geo_source
        from jsonb_to_recordset(${JSON.stringify(rows.map(toJsonRow))}::jsonb) as v(${LOCATION_RECORD_COLUMNS},
          cqc_location_id text)
        returning id, cqc_location_id`),
    )
    return new Map(inserted.map((row) => [row.cqc_location_id, row.id]))
  }

  private async updateLocations(councilId: number, rows: (LocationValues & { id: number })[]): Promise<void> {
    if (rows.length === 0) return
    await this.tx.execute(sql`
      update locations as l set
        provider_organisation_id = v.provider_organisation_id, name = v.name, address = v.address,
        postcode = v.postcode, latitude = v.latitude, longitude = v.longitude,
        registered_beds = v.registered_beds, service_types = v.service_types,
        client_groups = v.client_groups, cqc_rating = v.cqc_rating, cqc_rating_date = v.cqc_rating_date,
        locality_id = v.locality_id, pcn_area_id = v.pcn_area_id, geo_source = v.geo_source,
        active = true, deactivated_at = null, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(rows.map(toJsonRow))}::jsonb) as v(${LOCATION_RECORD_COLUMNS}, id int)
      where l.id = v.id and l.council_id = ${councilId}`)
  }

  /** Marks the council's active locations that the file did not list as inactive; never deletes. */
  async deactivateMissing(): Promise<void> {
    const rows = rowsOf<{ id: number; provider_organisation_id: number; registered_beds: number | null }>(
      await this.tx.execute(sql`
        update locations set active = false, deactivated_at = now(), updated_at = now()
        where council_id = ${this.options.councilId} and active and regulator = 'cqc'
          and cqc_location_id not in (select jsonb_array_elements_text(${JSON.stringify([...this.seen])}::jsonb))
        returning id, provider_organisation_id, registered_beds`),
    )
    this.counts.deactivated = rows.length
    if (rows.length > 0)
      await registerEvents.emit(
        'locationsDeregistered',
        {
          import: this.register.registerImport,
          locations: rows.map((r) => ({
            locationId: Number(r.id),
            providerOrganisationId: Number(r.provider_organisation_id),
            registeredBeds: r.registered_beds === null ? null : Number(r.registered_beds),
          })),
          tally: this.marketEvents,
        },
        this.tx,
      )
  }

  summary(parsed: CqcParseSummary): CqcImportSummary {
    return {
      importId: this.importId,
      added: this.counts.added,
      updated: this.counts.updated,
      unchanged: this.counts.unchanged,
      deactivated: this.counts.deactivated,
      rejected: this.rejected,
      format: parsed.format,
      localAuthority: this.localAuthority,
      skipped: { ...this.skipped },
      ratingsAdded: this.counts.ratingsAdded,
      providersAdded: this.counts.providersAdded,
      unmapped: parsed.unmapped,
      marketEvents: { ...this.marketEvents },
    }
  }
}

const LOCATION_RECORD_COLUMNS = sql.raw(
  [
    'provider_organisation_id int',
    'name text',
    'address text',
    'postcode text',
    'latitude float8',
    'longitude float8',
    'registered_beds int',
    'service_types text[]',
    'specialisms text[]',
    'client_groups text[]',
    'cqc_rating text',
    'cqc_rating_date date',
    'locality_id int',
    'pcn_area_id int',
    'geo_source text',
  ].join(', '),
)

function toJsonRow(row: LocationValues & { id?: number; cqcLocationId?: string }) {
  return {
    id: row.id,
    cqc_location_id: row.cqcLocationId,
    provider_organisation_id: row.providerOrganisationId,
    name: row.name,
    address: row.address,
    postcode: row.postcode,
    latitude: row.latitude,
    longitude: row.longitude,
    registered_beds: row.registeredBeds,
    service_types: row.serviceTypes,
    specialisms: row.specialisms,
    client_groups: row.clientGroups,
    cqc_rating: row.cqcRating,
    cqc_rating_date: row.cqcRatingDate,
    locality_id: row.localityId,
    pcn_area_id: row.pcnAreaId,
    geo_source: row.geoSource,
  }
}

/** Rows of a raw query, whichever driver ran it (both return { rows }). */
/** Whether the council's register had any of CQC's locations before this import. */
async function hasLocations(tx: Transaction, councilId: number): Promise<boolean> {
  const [any] = await tx
    .select({ id: locations.id })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.regulator, 'cqc')))
    .limit(1)
  return any !== undefined
}

/** When the council's last completed import finished, or null before the first. */
async function previousImportAt(tx: Transaction, councilId: number): Promise<Date | null> {
  const [last] = await tx
    .select({ at: sql<Date | string | null>`max(${cqcImports.finishedAt})` })
    .from(cqcImports)
    .where(and(eq(cqcImports.councilId, councilId), eq(cqcImports.status, 'completed')))
  return last?.at ? new Date(last.at) : null
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

// ---------------------------------------------------------------------------------------------
// Reading imports

/** One import of the council; NotFoundError for another council's, so its existence is not revealed. */
export async function getCqcImport(db: Queryable, councilId: number, importId: number): Promise<CqcImport> {
  const [row] = await db
    .select()
    .from(cqcImports)
    .where(and(eq(cqcImports.councilId, councilId), eq(cqcImports.id, importId)))
  if (!row) throw new NotFoundError('No such import')
  return row
}

/** The council's imports, newest first. */
export async function listCqcImports(
  db: Queryable,
  councilId: number,
  options: { limit: number },
): Promise<Omit<CqcImport, 'rejected'>[]> {
  return db
    .select({
      id: cqcImports.id,
      councilId: cqcImports.councilId,
      fileName: cqcImports.fileName,
      format: cqcImports.format,
      full: cqcImports.full,
      localAuthority: cqcImports.localAuthority,
      status: cqcImports.status,
      bytesTotal: cqcImports.bytesTotal,
      bytesRead: cqcImports.bytesRead,
      added: cqcImports.added,
      updated: cqcImports.updated,
      unchanged: cqcImports.unchanged,
      deactivated: cqcImports.deactivated,
      error: cqcImports.error,
      startedBy: cqcImports.startedBy,
      startedAt: cqcImports.startedAt,
      finishedAt: cqcImports.finishedAt,
      ownerId: cqcImports.ownerId,
      heartbeatAt: cqcImports.heartbeatAt,
    })
    .from(cqcImports)
    .where(eq(cqcImports.councilId, councilId))
    .orderBy(desc(cqcImports.startedAt), desc(cqcImports.id))
    .limit(options.limit)
}
