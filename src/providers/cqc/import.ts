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
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { Locator } from '../../geography/service.ts'
import { INSTANCE_ID } from '../../instance.ts'
import { looksLikeWorkbook } from '../../spreadsheets/workbook.ts'
import { nulByteProblem } from '../../storable.ts'
import { cqcImports } from '../schema.ts'
import { sniffCqcFile } from './detect.ts'
import { localAuthorityOfCouncil } from './import-rules.ts'
import { parseCqcFile } from './parse.ts'
import type { CqcFormat, CqcLocationRecord, CqcParseSummary, RejectedRow } from './records.ts'
import type { RegisterImport } from './register-events.ts'
import { hasLocations, previousImportAt, RegisterWriter } from './register-writer.ts'

/** Rows written per statement; a batch is one JSON parameter, so there is no bind-parameter limit. */
const IMPORT_BATCH_SIZE = 500

/** On PostgreSQL, how often a running import writes its progress and heartbeat to its record. */
const HEARTBEAT_MS = 1_000
/** On PostgreSQL, how long a running import may go without a heartbeat before its process is taken to have ended. */
const IMPORT_OWNER_GONE_AFTER_MS = 60_000

export const ABANDONED_IMPORT_ERROR =
  'The import stopped before it finished: the Caremarket process running it ended. ' +
  'Nothing from this file was saved. Upload the file again.'
/** An import from CQC's API commits page by page: what it finished stays, and the next run goes on. */
export const ABANDONED_API_IMPORT_ERROR =
  'The import stopped before it finished: the Caremarket process running it ended. ' +
  'The pages of CQC’s changes it finished were saved; the next run carries on from there.'
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

export async function councilLocalAuthority(db: Queryable, councilId: number): Promise<string | null> {
  const council = (await listCouncils(db)).find((c) => c.id === councilId)
  if (!council) throw new NotFoundError('No such council')
  return localAuthorityOfCouncil(council.name) || null
}

export function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

export function isPostgresServer(db: Database): boolean {
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
      const run = new RegisterWriter(tx, known, localAuthority, options, locator, {
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
      const result = importSummary(importId, localAuthority, run, parsed)
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
    .set({
      status: 'failed',
      error: sql`case when ${cqcImports.source} = 'api' then ${ABANDONED_API_IMPORT_ERROR} else ${ABANDONED_IMPORT_ERROR} end`,
      finishedAt: sql`now()`,
    })
    .where(and(eq(cqcImports.status, 'running'), ownerGone))
    .returning({ id: cqcImports.id, councilId: cqcImports.councilId })
}

function importSummary(
  importId: number,
  localAuthority: string | null,
  run: RegisterWriter,
  parsed: CqcParseSummary,
): CqcImportSummary {
  return {
    importId,
    added: run.counts.added,
    updated: run.counts.updated,
    unchanged: run.counts.unchanged,
    deactivated: run.counts.deactivated,
    rejected: run.rejected,
    format: parsed.format,
    localAuthority,
    skipped: { ...run.skipped },
    ratingsAdded: run.counts.ratingsAdded,
    providersAdded: run.counts.providersAdded,
    unmapped: parsed.unmapped,
    marketEvents: { ...run.marketEvents },
  }
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
      source: cqcImports.source,
      fileName: cqcImports.fileName,
      changesFrom: cqcImports.changesFrom,
      changesTo: cqcImports.changesTo,
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
