// `npm run bench -- market`: the market pages over five years of one large council's history.
// The demo market at 8 councils is made one council (about 4,800 locations), and five years of
// brokerage history ending today are written into it in bulk (src/demo/history.ts): about
// 200,000 requests, 1.5 million offers and 3 million capacity figures, with the Interim Care List's
// daily snapshots taken by the market service. Then the real web service, in a process of its
// own, serves the Interim Care List, the insights dashboard and each sector of the Market Position
// Statement: cold (its first request) and warm (p50/p95/p99 of repeated requests).
//
// MARKET_BENCH_SCALE (default 1) scales the history (councils, requests and capacity figures) and
// MARKET_BENCH_PGLITE_SCALE the PGlite run's apart from it (by default the same: the full size
// takes about 8 minutes to build on PGlite, 5 on PostgreSQL, on two cores).
// MARKET_BENCH_ENGINES=postgres,pglite picks the engines,
// MARKET_BENCH_SAMPLES the warm samples per page (default 30), and MARKET_BENCH_KEEP=1 keeps the
// databases afterwards, to EXPLAIN their queries.

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { getCouncilByCode } from '../src/accounts/service.ts'
import { type Database, type DatabaseHandle, openDatabase } from '../src/db/connection.ts'
import { createDemo, demoEmail } from '../src/demo/generate.ts'
import { generateHistory, type HistorySummary } from '../src/demo/history.ts'
import { iclReport, takeDueSnapshots } from '../src/market/icl/service.ts'
import { insightsReport } from '../src/market/insights/service.ts'
import { MPS_SECTORS } from '../src/market/mps/sectors.ts'
import { keyData } from '../src/market/mps/service.ts'
import { todayInLondon } from '../src/providers/quality/service.ts'
import { oneNationalCouncil } from './brokerage.ts'
import { DEFAULT_SERVER, reachable } from './brokerage-market.ts'
import { startServer } from './brokerage-offers.ts'
import { percentile, round, type Timing, timing } from './measure.ts'

const FULL = { councils: 8, requests: 200_000, capacityUpdates: 3_000_000, weeks: 261 }
const SEED = 1
const PASSWORD = 'bench-password'
const WARMUP = 3
const TARGETS = { postgresP95Ms: 300, pgliteP95Ms: 1_000 }
const COLD =
  'The first request for the page from a web service process just started (a new connection pool, ' +
  'nothing compiled or cached in the process). The database server and the operating system keep ' +
  'their caches: the history was written just before, and they cannot be emptied from here.'

const log = (message: string) => process.stderr.write(`bench market: ${message}\n`)

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

// ---------------------------------------------------------------------------------------------
// Building the history

interface Built {
  councilCode: string
  councils: number
  locations: number
  history: HistorySummary
  seconds: {
    demo: number
    oneCouncil: number
    history: number
    indexes: number
    snapshots: number
    analyze: number
  }
  snapshots: number
}

/** The tables the history fills most: their plain indexes are made once it is written. */
const DEFERRED_INDEX_TABLES = [
  'eligibility_decisions',
  'audit_log',
  'offers',
  'request_events',
  'bed_vacancy_reports',
  'home_care_capacity_reports',
]

/**
 * Drops the plain (not constraint-backed) indexes of the tables the history fills and returns what
 * makes them again: one sort per index at the end instead of millions of random insertions into
 * indexes bigger than the cache. A unique index made again also checks its rows once more.
 */
async function deferIndexes(db: Database): Promise<() => Promise<void>> {
  const { rows } = (await db.execute(sql`
    select i.indexname as name, i.indexdef as definition from pg_indexes i
    where i.schemaname = 'public' and i.tablename in (${sql.join(
      DEFERRED_INDEX_TABLES.map((t) => sql`${t}`),
      sql`, `,
    )})
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
    order by i.indexname`)) as unknown as { rows: { name: string; definition: string }[] }
  for (const { name } of rows) await db.execute(sql`drop index ${sql.identifier(name)}`)
  return async () => {
    for (const { definition } of rows) await db.execute(sql.raw(definition))
  }
}

async function build(db: Database, scale: number): Promise<Built> {
  const councils = Math.max(1, Math.round(FULL.councils * scale))
  let clock = performance.now()
  const lap = () => {
    const seconds = round((performance.now() - clock) / 1000, 1)
    clock = performance.now()
    return seconds
  }
  log(`demo market: ${councils} councils`)
  const demo = await createDemo(db, { scale: councils, seed: SEED, password: PASSWORD, passwordCostLog2: 10 })
  const demoSeconds = lap()
  const ids = await Promise.all(demo.councils.map(async (c) => (await getCouncilByCode(db, c.code)).id))
  const [first, ...others] = ids as [number, ...number[]]
  const councilCode = (demo.councils[0] as { code: string }).code
  if (others.length > 0) {
    log(`making the ${councils} councils one council of ${demo.totals.locations} locations`)
    const refused = await oneNationalCouncil(db, first, others)
    if (refused.length > 0) throw new Error(`could not make one council: ${refused.join('; ')}`)
  }
  const oneCouncilSeconds = lap()
  const requests = Math.round(FULL.requests * scale)
  const capacityUpdates = Math.round(FULL.capacityUpdates * scale)
  log(`history: ${FULL.weeks} weeks, about ${requests} requests and ${capacityUpdates} capacity figures`)
  let reported = 0
  const restoreIndexes = await deferIndexes(db)
  const history = await generateHistory(db, {
    councilCode,
    seed: SEED,
    weeks: FULL.weeks,
    requests,
    capacityUpdates,
    onProgress: (done, total) => {
      if (done === total || done - reported >= 26) {
        reported = done
        log(`history: week ${done}/${total} (${round((performance.now() - clock) / 1000, 0)} s)`)
      }
    },
  })
  const historySeconds = lap()
  log('making the deferred indexes')
  await restoreIndexes()
  const indexSeconds = lap()
  log('taking the Interim Care List’s daily snapshots')
  const taken = await takeDueSnapshots(db)
  const snapshotSeconds = lap()
  await db.execute(sql`vacuum analyze`)
  const analyzeSeconds = lap()
  log(
    `built in ${round(demoSeconds + oneCouncilSeconds + historySeconds + indexSeconds + snapshotSeconds + analyzeSeconds, 0)} s`,
  )
  return {
    councilCode,
    councils,
    locations: demo.totals.locations,
    history,
    seconds: {
      demo: demoSeconds,
      oneCouncil: oneCouncilSeconds,
      history: historySeconds,
      indexes: indexSeconds,
      snapshots: snapshotSeconds,
      analyze: analyzeSeconds,
    },
    snapshots: taken.taken.length,
  }
}

const SIZED_TABLES = [
  'locations',
  'people',
  'sourcing_requests',
  'request_visits',
  'request_events',
  'eligibility_decisions',
  'offers',
  'packages',
  'awarded_slots',
  'bed_vacancy_reports',
  'home_care_capacity_reports',
  'icl_snapshots',
  'audit_log',
]

async function sizes(db: Database, dataDir?: string) {
  const rows: Record<string, number> = {}
  for (const table of SIZED_TABLES) {
    const result = (await db.execute(
      sql`select count(*)::bigint as n from ${sql.identifier(table)}`,
    )) as unknown as {
      rows: { n: string | number }[]
    }
    rows[table] = Number(result.rows[0]?.n ?? 0)
  }
  const [size] = (
    (await db.execute(sql`select pg_database_size(current_database())::bigint as bytes`)) as unknown as {
      rows: { bytes: string | number }[]
    }
  ).rows
  return {
    rows,
    capacityUpdates: (rows.bed_vacancy_reports ?? 0) + (rows.home_care_capacity_reports ?? 0),
    databaseMb: round(Number(size?.bytes ?? 0) / 1024 / 1024, 0),
    ...(dataDir ? { dataDirectoryMb: round(directoryBytes(dataDir) / 1024 / 1024, 0) } : {}),
  }
}

function directoryBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    total += entry.isDirectory() ? directoryBytes(full) : statSync(full).size
  }
  return total
}

// ---------------------------------------------------------------------------------------------
// Measuring the pages through the web service

interface Page {
  name: string
  path: string
  signedIn: boolean
  /** Text the page must contain, so that an error page is never timed as the page. */
  expect: string
}

function pagesOf(councilCode: string): Page[] {
  return [
    { name: 'icl', path: '/icl', signedIn: true, expect: 'Headline figures' },
    { name: 'insights', path: '/insights', signedIn: true, expect: 'Market insights' },
    ...MPS_SECTORS.map((sector) => ({
      name: `mps ${sector}`,
      path: `/councils/${councilCode}/market-position/${sector}`,
      signedIn: false,
      expect: 'Market Position Statement',
    })),
  ]
}

/** A browser's worth of HTTP: cookies and the sign-in form's CSRF token. */
class Browser {
  private cookies = new Map<string, string>()

  constructor(private readonly base: string) {}

  private remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';')
      const at = (pair ?? '').indexOf('=')
      if (at > 0) this.cookies.set((pair as string).slice(0, at), (pair as string).slice(at + 1))
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async get(url: string): Promise<{ status: number; body: string; ms: number }> {
    const started = performance.now()
    const response = await fetch(this.base + url, {
      headers: { cookie: this.cookieHeader() },
      redirect: 'manual',
    })
    const body = await response.text()
    const ms = performance.now() - started
    this.remember(response)
    return { status: response.status, body, ms }
  }

  async signIn(email: string, password: string): Promise<void> {
    const form = await this.get('/sign-in')
    const csrf = form.body.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? ''
    const response = await fetch(`${this.base}/sign-in`, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
      redirect: 'manual',
    })
    await response.text()
    this.remember(response)
    if (response.status !== 303) throw new Error(`signing in as ${email} answered ${response.status}`)
  }
}

interface PageResult {
  path: string
  coldMs: number
  warmMs: Timing
  bytes: number
}

async function measurePages(
  engine: 'postgres' | 'pglite',
  target: string,
  councilCode: string,
  samples: number,
): Promise<Record<string, PageResult>> {
  const results: Record<string, PageResult> = {}
  for (const page of pagesOf(councilCode)) {
    // A web service of its own for each page, so that each page's first request is really cold.
    const server = await startServer(engine, target)
    try {
      const browser = new Browser(`http://127.0.0.1:${server.port}`)
      if (page.signedIn) await browser.signIn(demoEmail('commissioner', councilCode), PASSWORD)
      const check = (answer: { status: number; body: string }) => {
        if (answer.status !== 200 || !answer.body.includes(page.expect))
          throw new Error(`${page.path} answered ${answer.status}: ${answer.body.slice(0, 300)}`)
      }
      const cold = await browser.get(page.path)
      check(cold)
      for (let i = 0; i < WARMUP; i++) check(await browser.get(page.path))
      const warm: number[] = []
      for (let i = 0; i < samples; i++) {
        const answer = await browser.get(page.path)
        check(answer)
        warm.push(answer.ms)
      }
      results[page.name] = {
        path: page.path,
        coldMs: round(cold.ms, 1),
        warmMs: timing(warm),
        bytes: cold.body.length,
      }
      log(`${engine} ${page.name}: cold ${round(cold.ms, 0)} ms, warm p95 ${timing(warm).p95} ms`)
    } finally {
      await server.stop()
    }
  }
  return results
}

// ---------------------------------------------------------------------------------------------
// Where each page's time goes: its service call, query by query, in this process

type QueryTimes = Map<string, number[]>

/** Times every statement the database handle runs, by the first words of its SQL. */
function timeQueries(handle: DatabaseHandle): { times: QueryTimes; reset(): void } {
  const client = (handle.db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } })
    .$client
  const times: QueryTimes = new Map()
  const original = client.query.bind(client)
  client.query = async (...args: unknown[]) => {
    const first = args[0]
    const text = typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '')
    const started = performance.now()
    try {
      return await original(...args)
    } finally {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 140)
      times.set(key, [...(times.get(key) ?? []), performance.now() - started])
    }
  }
  return { times, reset: () => times.clear() }
}

const PROFILE_RUNS = 5

async function profileServices(handle: DatabaseHandle, councilCode: string) {
  const { db } = handle
  const councilId = (await getCouncilByCode(db, councilCode)).id
  const today = todayInLondon()
  const services: Record<string, () => Promise<unknown>> = {
    icl: () => iclReport(db, councilId, {}),
    insights: () => insightsReport(db, councilId, {}),
    ...Object.fromEntries(
      MPS_SECTORS.map((sector) => [`mps ${sector}`, () => keyData(db, councilId, sector, today)]),
    ),
  }
  const queries = timeQueries(handle)
  const result: Record<
    string,
    { serviceMs: Timing; queries: { sql: string; calls: number; medianMs: number }[] }
  > = {}
  for (const [name, run] of Object.entries(services)) {
    await run()
    queries.reset()
    const totals: number[] = []
    for (let i = 0; i < PROFILE_RUNS; i++) {
      const started = performance.now()
      await run()
      totals.push(performance.now() - started)
    }
    result[name] = {
      serviceMs: timing(totals),
      queries: [...queries.times]
        .map(([text, ms]) => ({
          sql: text,
          calls: round(ms.length / PROFILE_RUNS, 1),
          medianMs: round(percentile(ms, 50), 1),
        }))
        .sort((a, b) => b.medianMs - a.medianMs)
        .slice(0, 8),
    }
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// The two engines

function verdict(pages: Record<string, PageResult>, targetMs: number) {
  return Object.fromEntries(Object.entries(pages).map(([name, page]) => [name, page.warmMs.p95 <= targetMs]))
}

async function postgresRun(serverUrl: string, scale: number, samples: number, keep: boolean) {
  const name = `caremarket_bench_market_${Math.random().toString(16).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  // Foreign keys go unchecked while the history is written, as in a restore: it writes parents
  // first, and src/demo/history.test.ts runs it with every check on. Only a superuser may do this.
  const unchecked = await admin
    .query(`alter database ${name} set session_replication_role = replica`)
    .then(() => true)
    .catch((error: Error) => {
      log(`foreign keys stay checked while writing: ${error.message}`)
      return false
    })
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const target = url.toString()
  try {
    const handle = await openDatabase({ kind: 'postgres', url: target })
    let built: Built
    let sized: Awaited<ReturnType<typeof sizes>>
    try {
      await handle.migrate()
      built = await build(handle.db, scale)
      sized = await sizes(handle.db)
    } finally {
      await handle.close()
      if (unchecked) await admin.query(`alter database ${name} reset session_replication_role`)
    }
    log(`PostgreSQL: ${JSON.stringify(sized.rows)}, ${sized.databaseMb} MB`)
    const pages = await measurePages('postgres', target, built.councilCode, samples)
    const profiled = await openDatabase({ kind: 'postgres', url: target })
    let services: Awaited<ReturnType<typeof profileServices>>
    try {
      services = await profileServices(profiled, built.councilCode)
    } finally {
      await profiled.close()
    }
    if (keep) log(`kept the PostgreSQL database: ${target}`)
    return {
      scale,
      database: keep ? target : null,
      build: built,
      sizes: sized,
      pages,
      services,
      meetsTargets: verdict(pages, TARGETS.postgresP95Ms),
    }
  } finally {
    if (!keep) await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
    await admin.end()
  }
}

async function pgliteRun(scale: number, samples: number, keep: boolean) {
  const dir = mkdtempSync(path.join(tmpdir(), 'caremarket-bench-market-'))
  try {
    const handle = await openDatabase({ kind: 'pglite', dataDir: dir })
    let built: Built
    let sized: Awaited<ReturnType<typeof sizes>>
    try {
      await handle.migrate()
      // Its one session writes the history without foreign-key checks, as the PostgreSQL run does.
      await handle.db.execute(sql`set session_replication_role = replica`)
      built = await build(handle.db, scale)
      await handle.db.execute(sql`reset session_replication_role`)
      sized = await sizes(handle.db, dir)
    } finally {
      await handle.close()
    }
    log(`PGlite: ${JSON.stringify(sized.rows)}, ${sized.dataDirectoryMb} MB on disk`)
    const pages = await measurePages('pglite', dir, built.councilCode, samples)
    const profiled = await openDatabase({ kind: 'pglite', dataDir: dir })
    let services: Awaited<ReturnType<typeof profileServices>>
    try {
      services = await profileServices(profiled, built.councilCode)
    } finally {
      await profiled.close()
    }
    if (keep) log(`kept the PGlite data directory: ${dir}`)
    return {
      scale,
      dataDir: keep ? dir : null,
      build: built,
      sizes: sized,
      pages,
      services,
      meetsTargets: verdict(pages, TARGETS.pgliteP95Ms),
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true })
  }
}

export async function runMarketBenchmark() {
  const scale = envNumber('MARKET_BENCH_SCALE', 1)
  const pgliteScale = envNumber('MARKET_BENCH_PGLITE_SCALE', scale)
  const samples = Math.round(envNumber('MARKET_BENCH_SAMPLES', 30))
  const keep = process.env.MARKET_BENCH_KEEP === '1'
  const engines = (process.env.MARKET_BENCH_ENGINES ?? 'postgres,pglite').split(',').map((e) => e.trim())

  let postgres: Awaited<ReturnType<typeof postgresRun>> | { skipped: string } = { skipped: 'not asked for' }
  if (engines.includes('postgres')) {
    const serverUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER
    const unreachable = await reachable(serverUrl)
    if (unreachable) {
      log(`skipping PostgreSQL: ${unreachable}`)
      postgres = { skipped: `PostgreSQL at ${new URL(serverUrl).host} is not reachable: ${unreachable}` }
    } else {
      log(`PostgreSQL at ${new URL(serverUrl).host}, in a scratch database, at scale ${scale}`)
      postgres = await postgresRun(serverUrl, scale, samples, keep)
    }
  }
  let pglite: Awaited<ReturnType<typeof pgliteRun>> | { skipped: string } | { failed: string } = {
    skipped: 'not asked for',
  }
  if (engines.includes('pglite')) {
    log(`PGlite at scale ${pgliteScale}`)
    try {
      pglite = await pgliteRun(pgliteScale, samples, keep)
    } catch (error) {
      log(`PGlite run failed: ${error instanceof Error ? error.stack : String(error)}`)
      pglite = { failed: error instanceof Error ? error.message : String(error) }
    }
  }

  const meetsTargets = {
    postgres: 'meetsTargets' in postgres ? postgres.meetsTargets : null,
    pglite: 'meetsTargets' in pglite ? pglite.meetsTargets : null,
  }
  const verdicts = [meetsTargets.postgres, meetsTargets.pglite].filter((v) => v !== null)
  return {
    benchmark: 'market',
    machine: { cpus: cpus().length, node: process.version, platform: process.platform },
    full: FULL,
    targets: TARGETS,
    cold: COLD,
    postgres,
    pglite,
    meetsTargets,
    allTargetsMet:
      verdicts.length === engines.length && verdicts.every((v) => Object.values(v as object).every(Boolean)),
  }
}
