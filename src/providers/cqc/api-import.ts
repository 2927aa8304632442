// Keeps a council's provider register current from CQC's public API: the locations CQC lists as
// changed in a window of time, each read and written by the same pipeline as a register file
// (parse.ts's checks, RegisterWriter's writes, ratings and market events).
//
// A run reads the changes of a fixed window [from, to] a page at a time. Each page's locations
// are fetched first, then written in one transaction together with the page number reached
// (cqc_api_syncs), so a run that stops (CQC down, the process killed) has saved whole pages only,
// and the next run carries on at the next page of the same window: a closed window's list does
// not move. A completed run leaves its window's end as where the next one starts.
//
// Every run is recorded in cqc_imports (source 'api'), whose counts grow page by page; a run
// that stops is recorded as failed, saying what was saved and where the next run carries on.
// On the embedded database another process cannot see a page before it commits, so locations
// are fetched outside the transaction: the database is held only while a page is written.

import { and, desc, eq, sql } from 'drizzle-orm'
import { type Council, listCouncils } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import { type Config, cqcApiKey } from '../../config.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { Locator } from '../../geography/service.ts'
import { INSTANCE_ID } from '../../instance.ts'
import { cqcApiSyncs, cqcImports } from '../schema.ts'
import { type CqcApiClient, CqcApiError, createCqcApiClient } from './api-client.ts'
import { apiImportDue, toWholeSecond } from './api-rules.ts'
import { actorName, councilLocalAuthority, isPostgresServer } from './import.ts'
import { labelKey, text } from './mapping.ts'
import { parseApiLocation } from './parse.ts'
import type { CqcLocationRecord, RejectedRow } from './records.ts'
import type { RegisterImport } from './register-events.ts'
import { hasLocations, previousImportAt, RegisterWriter } from './register-writer.ts'

/** Location IDs per page of CQC's changes: each page is fetched, then written in one transaction. */
const PAGE_SIZE = 500
/** What an API import's record names instead of a file. */
const API_IMPORT_NAME = 'CQC API changes'
/** On PostgreSQL, how often a running import writes its heartbeat (as the file import does). */
const HEARTBEAT_MS = 1_000

const OVERTAKEN_API_IMPORT_ERROR =
  'The import was recorded as stopped because this Caremarket process gave no sign of life for too long. ' +
  'The pages of CQC’s changes it finished were saved; the next run carries on from there.'

export interface CqcApiImportOptions {
  councilId: number
  client: CqcApiClient
  /** Read the changes from this instant, starting over; omitted: carry on where the last run got to. */
  since?: Date
  actor: Actor
  /** Location IDs per page; default 500. An unfinished run keeps the size it started with. */
  perPage?: number
  /** The window's end for a new run; default now. */
  now?: Date
}

/** What the CLI prints and the report page shows: the file import's report, for CQC's changes. */
export interface CqcApiImportSummary {
  importId: number
  added: number
  updated: number
  unchanged: number
  deactivated: number
  rejected: RejectedRow[]
  changesFrom: Date
  changesTo: Date
  localAuthority: string | null
  /** Pages of changes this run wrote, the first of them, and the window's pages in all. */
  pages: { first: number; written: number; total: number }
  skipped: { otherLocalAuthority: number; notCareService: number; notInRegister: number }
  marketEvents: { recorded: number; withdrawn: number }
}

interface Window {
  from: Date
  to: Date
  perPage: number
  pagesDone: number
}

/** Runs (or carries on) the council's import of CQC's changes; throws what stopped it, after recording it. */
export async function importCqcApiChanges(
  db: Database,
  options: CqcApiImportOptions,
): Promise<CqcApiImportSummary> {
  const localAuthority = await councilLocalAuthority(db, options.councilId)
  const { importId, window } = await beginRun(db, options, localAuthority)
  const summary: CqcApiImportSummary = {
    importId,
    added: 0,
    updated: 0,
    unchanged: 0,
    deactivated: 0,
    rejected: [],
    changesFrom: window.from,
    changesTo: window.to,
    localAuthority,
    pages: { first: window.pagesDone + 1, written: 0, total: 0 },
    skipped: { otherLocalAuthority: 0, notCareService: 0, notInRegister: 0 },
    marketEvents: { recorded: 0, withdrawn: 0 },
  }
  const startedAt = new Date()
  let page = window.pagesDone + 1
  const heartbeat = isPostgresServer(db) ? startHeartbeat(db, importId) : null
  try {
    for (;;) {
      const changes = await options.client.changes(window, page, window.perPage)
      summary.pages.total = changes.totalPages
      if (page > changes.totalPages) break
      const fetched = await fetchPage(options.client, changes.changes, (page - 1) * window.perPage)
      await writePage(db, options, { importId, window, page, localAuthority, startedAt }, fetched, summary)
      summary.pages.written++
      if (page >= changes.totalPages) break
      page++
    }
    await heartbeat?.stop()
    await finishRun(db, options, importId, window, summary)
    return summary
  } catch (error) {
    await heartbeat?.stop()
    const reason = error instanceof Error ? error.message : String(error)
    const pagesSaved = window.pagesDone + summary.pages.written
    const saved =
      pagesSaved > 0
        ? ` Pages 1 to ${pagesSaved} of CQC’s changes were saved; the next run carries on from page ${pagesSaved + 1}.`
        : ' Nothing was saved; the next run starts this window again.'
    await db
      .update(cqcImports)
      .set({ status: 'failed', error: `${reason}${saved}`, finishedAt: new Date() })
      .where(and(eq(cqcImports.id, importId), eq(cqcImports.status, 'running')))
    if (error instanceof CqcApiError) throw new CqcApiError(`${reason}${saved}`)
    throw error
  }
}

/**
 * Decides the run's window and records the run, under the council's import lock, so two runs
 * never start at once: an unfinished window carries on; otherwise from --since, or from where the
 * last run ended, or (before the first) from when the last register file import finished.
 */
async function beginRun(
  db: Database,
  options: CqcApiImportOptions,
  localAuthority: string | null,
): Promise<{ importId: number; window: Window }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7240102, ${options.councilId})`)
    const [running] = await tx
      .select({ id: cqcImports.id })
      .from(cqcImports)
      .where(
        and(
          eq(cqcImports.councilId, options.councilId),
          eq(cqcImports.source, 'api'),
          eq(cqcImports.status, 'running'),
        ),
      )
      .limit(1)
    if (running)
      throw new ConflictError(
        `An import from CQC’s API is already running for this council (import ${running.id}).`,
      )
    const state = await syncState(tx, options.councilId)
    const now = toWholeSecond(options.now ?? new Date())
    let window: Window
    if (options.since) {
      window = { from: options.since, to: now, perPage: options.perPage ?? PAGE_SIZE, pagesDone: 0 }
    } else if (state?.windowFrom && state.windowTo) {
      window = {
        from: state.windowFrom,
        to: state.windowTo,
        perPage: state.perPage ?? PAGE_SIZE,
        pagesDone: state.pagesDone,
      }
    } else {
      const from = state?.nextFrom ?? (await lastFileImportAt(tx, options.councilId))
      if (!from)
        throw new ValidationError([
          {
            field: 'since',
            message:
              'There is no earlier import to carry on from: give the date to read CQC’s changes from (--since), or import a CQC register file first.',
          },
        ])
      window = { from, to: now, perPage: options.perPage ?? PAGE_SIZE, pagesDone: 0 }
    }
    if (window.from.getTime() >= window.to.getTime())
      throw new ValidationError([
        { field: 'since', message: 'The changes must be read from a time in the past.' },
      ])
    const values = {
      windowFrom: window.from,
      windowTo: window.to,
      perPage: window.perPage,
      pagesDone: window.pagesDone,
      updatedAt: new Date(),
    }
    await tx
      .insert(cqcApiSyncs)
      .values({ councilId: options.councilId, ...values })
      .onConflictDoUpdate({ target: cqcApiSyncs.councilId, set: values })
    const [row] = await tx
      .insert(cqcImports)
      .values({
        councilId: options.councilId,
        source: 'api',
        fileName: API_IMPORT_NAME,
        changesFrom: window.from,
        changesTo: window.to,
        format: 'api-json',
        localAuthority,
        status: 'running',
        startedBy: actorName(options.actor),
        ownerId: INSTANCE_ID,
      })
      .returning({ id: cqcImports.id })
    if (!row) throw new Error('the import was not recorded')
    return { importId: row.id, window }
  })
}

/**
 * On PostgreSQL, the run's sign of life every second, however long CQC takes to answer, so no
 * instance takes it for abandoned. (On the embedded database one process holds the data, and an
 * import's owner says whether it is alive.)
 */
function startHeartbeat(db: Database, importId: number): { stop(): Promise<void> } {
  let writing: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    writing = writing
      .then(() =>
        db
          .update(cqcImports)
          .set({ heartbeatAt: sql`now()` })
          .where(and(eq(cqcImports.id, importId), eq(cqcImports.status, 'running'))),
      )
      // A missed beat is made up by the next.
      .catch(() => undefined)
  }, HEARTBEAT_MS)
  return {
    async stop() {
      clearInterval(timer)
      await writing
    },
  }
}

async function syncState(db: Queryable, councilId: number) {
  const [state] = await db.select().from(cqcApiSyncs).where(eq(cqcApiSyncs.councilId, councilId))
  return state
}

/** When the council's last completed register file import finished, or null. */
async function lastFileImportAt(db: Queryable, councilId: number): Promise<Date | null> {
  const [last] = await db
    .select({ at: cqcImports.finishedAt })
    .from(cqcImports)
    .where(
      and(
        eq(cqcImports.councilId, councilId),
        eq(cqcImports.source, 'file'),
        eq(cqcImports.status, 'completed'),
      ),
    )
    .orderBy(desc(cqcImports.finishedAt))
    .limit(1)
  return last?.at ?? null
}

/** A page's locations, fetched and checked, before anything is written. */
interface FetchedPage {
  records: CqcLocationRecord[]
  /** Locations CQC says are deregistered: made inactive if the register has them. */
  deregistered: string[]
  rejected: RejectedRow[]
}

async function fetchPage(
  client: CqcApiClient,
  changes: unknown[],
  linesBefore: number,
): Promise<FetchedPage> {
  const page: FetchedPage = { records: [], deregistered: [], rejected: [] }
  const seen = new Set<string>()
  for (const [index, entry] of changes.entries()) {
    const line = linesBefore + index + 1
    const locationId = typeof entry === 'string' ? entry.trim() : ''
    if (!/^[\w-]{1,40}$/.test(locationId)) {
      page.rejected.push({ line, reason: 'not a CQC location ID' })
      continue
    }
    if (seen.has(locationId)) continue
    seen.add(locationId)
    const answer = await client.location(locationId)
    if (!answer.found) {
      page.rejected.push({ line, locationId, reason: answer.reason })
      continue
    }
    if (isDeregistered(answer.body)) {
      page.deregistered.push(locationId)
      continue
    }
    const row = parseApiLocation(answer.body, line)
    if (!row.ok) page.rejected.push({ line, locationId, reason: row.rejected.reason })
    else if (row.record.cqcLocationId !== locationId)
      page.rejected.push({
        line,
        locationId,
        reason: `CQC’s API answered with location ${row.record.cqcLocationId}`,
      })
    else page.records.push(row.record)
  }
  return page
}

function isDeregistered(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const status = text((body as Record<string, unknown>).registrationStatus)
  return status !== null && labelKey(status) === 'deregistered'
}

/** Writes one page in one transaction, with the page reached, or nothing. */
async function writePage(
  db: Database,
  options: CqcApiImportOptions,
  run: { importId: number; window: Window; page: number; localAuthority: string | null; startedAt: Date },
  fetched: FetchedPage,
  summary: CqcApiImportSummary,
): Promise<void> {
  const { councilId } = options
  const counts = await db.transaction(async (tx) => {
    // The file import takes the same lock: the two never write one register at once.
    await tx.execute(sql`select pg_advisory_xact_lock(7240102, ${councilId})`)
    await expectPage(tx, councilId, run.window, run.page)
    const registerImport: RegisterImport = {
      councilId,
      importId: run.importId,
      fileName: API_IMPORT_NAME,
      actor: options.actor,
      at: run.startedAt,
      previousImportAt: await previousImportAt(tx, councilId),
    }
    const writer = new RegisterWriter(
      tx,
      'api-json',
      run.localAuthority,
      options,
      await Locator.forCouncil(tx, councilId),
      { registerImport, registerHadLocations: await hasLocations(tx, councilId) },
    )
    await writer.writeBatch(fetched.records.filter((record) => writer.keep(record)))
    await writer.deactivate(fetched.deregistered)
    const { added, updated, unchanged, deactivated } = writer.counts
    const [recorded] = await tx
      .update(cqcImports)
      .set({
        added: sql`${cqcImports.added} + ${added}`,
        updated: sql`${cqcImports.updated} + ${updated}`,
        unchanged: sql`${cqcImports.unchanged} + ${unchanged}`,
        deactivated: sql`${cqcImports.deactivated} + ${deactivated}`,
        rejected: sql`${cqcImports.rejected} || ${JSON.stringify(fetched.rejected)}::jsonb`,
        heartbeatAt: sql`now()`,
      })
      .where(and(eq(cqcImports.id, run.importId), eq(cqcImports.status, 'running')))
      .returning({ id: cqcImports.id })
    // Recorded as abandoned meanwhile: roll back, so the register agrees with the record.
    if (!recorded) throw new ConflictError(OVERTAKEN_API_IMPORT_ERROR)
    await tx
      .update(cqcApiSyncs)
      .set({ pagesDone: run.page, updatedAt: new Date() })
      .where(eq(cqcApiSyncs.councilId, councilId))
    return {
      ...writer.counts,
      skipped: writer.skipped,
      marketEvents: writer.marketEvents,
      notInRegister: fetched.deregistered.length - deactivated,
    }
  })
  summary.added += counts.added
  summary.updated += counts.updated
  summary.unchanged += counts.unchanged
  summary.deactivated += counts.deactivated
  summary.rejected.push(...fetched.rejected)
  summary.skipped.otherLocalAuthority += counts.skipped.otherLocalAuthority
  summary.skipped.notCareService += counts.skipped.notCareService
  summary.skipped.notInRegister += counts.notInRegister
  summary.marketEvents.recorded += counts.marketEvents.recorded
  summary.marketEvents.withdrawn += counts.marketEvents.withdrawn
}

/** The page is the next of this run's window: no other run has moved the council on meanwhile. */
async function expectPage(tx: Transaction, councilId: number, window: Window, page: number): Promise<void> {
  const state = await syncState(tx, councilId)
  if (
    state?.windowFrom?.getTime() !== window.from.getTime() ||
    state.windowTo?.getTime() !== window.to.getTime() ||
    state.pagesDone !== page - 1
  )
    throw new ConflictError('Another import from CQC’s API for this council has moved on; this run stops.')
}

async function finishRun(
  db: Database,
  options: CqcApiImportOptions,
  importId: number,
  window: Window,
  summary: CqcApiImportSummary,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7240102, ${options.councilId})`)
    await expectPage(tx, options.councilId, window, summary.pages.first + summary.pages.written)
    // The next run starts where this window ended.
    await tx
      .update(cqcApiSyncs)
      .set({
        nextFrom: window.to,
        windowFrom: null,
        windowTo: null,
        perPage: null,
        pagesDone: 0,
        updatedAt: new Date(),
      })
      .where(eq(cqcApiSyncs.councilId, options.councilId))
    const [recorded] = await tx
      .update(cqcImports)
      .set({ status: 'completed', finishedAt: new Date() })
      .where(and(eq(cqcImports.id, importId), eq(cqcImports.status, 'running')))
      .returning({ id: cqcImports.id })
    if (!recorded) throw new ConflictError(OVERTAKEN_API_IMPORT_ERROR)
    await recordAudit(tx, options.actor, {
      councilId: options.councilId,
      action: 'cqc_import.completed',
      entityType: 'cqc_import',
      entityId: importId,
      details: {
        source: 'api',
        changesFrom: window.from.toISOString(),
        changesTo: window.to.toISOString(),
        localAuthority: summary.localAuthority,
        pages: summary.pages,
        added: summary.added,
        updated: summary.updated,
        unchanged: summary.unchanged,
        deactivated: summary.deactivated,
        rejected: summary.rejected.length,
        skipped: summary.skipped,
        marketEvents: summary.marketEvents,
      },
    })
  })
}

// ---------------------------------------------------------------------------------------------
// The daily job

// Councils whose run this process has started and not yet finished.
const runningHere = new Set<number>()

/**
 * Starts, in the background, the API import of each council that has a subscription key and is
 * due (apiImportDue), and returns at once with those started, so a long run never holds up the
 * scheduler's other jobs. `finished` settles when they have all ended; what each did, or why it
 * stopped, is on its import's record.
 */
export async function startDueCqcApiImports(
  db: Database,
  options: {
    config: Pick<Config, 'cqcApi'>
    now: Date
    /** Builds each council's client; by default the real one over config's URL and key. */
    client?: (council: Council, subscriptionKey: string) => CqcApiClient
  },
): Promise<{ started: { councilId: number; code: string }[]; finished: Promise<unknown> }> {
  const started: { councilId: number; code: string }[] = []
  let queue: Promise<unknown> = Promise.resolve()
  for (const council of await listCouncils(db)) {
    const key = cqcApiKey(options.config, council.code)
    if (!key || runningHere.has(council.id)) continue
    const [lastAttempt] = await db
      .select({ status: cqcImports.status, finishedAt: cqcImports.finishedAt })
      .from(cqcImports)
      .where(and(eq(cqcImports.councilId, council.id), eq(cqcImports.source, 'api')))
      .orderBy(desc(cqcImports.startedAt), desc(cqcImports.id))
      .limit(1)
    const due = apiImportDue(
      await syncState(db, council.id),
      lastAttempt,
      await lastFileImportAt(db, council.id),
      options.now,
    )
    if (!due) continue
    const client =
      options.client?.(council, key) ??
      createCqcApiClient({ baseUrl: options.config.cqcApi.baseUrl, subscriptionKey: key })
    runningHere.add(council.id)
    started.push({ councilId: council.id, code: council.code })
    // One council after another: the councils may share one key, and so CQC's rate limit.
    queue = queue
      .then(() =>
        importCqcApiChanges(db, {
          councilId: council.id,
          client,
          actor: { kind: 'system', label: 'scheduler' },
          now: options.now,
        }),
      )
      // The failure is on the import's record, for the council to see.
      .catch(() => undefined)
      .finally(() => runningHere.delete(council.id))
  }
  return { started, finished: queue }
}
