import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { sql } from 'drizzle-orm'
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres'
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import { lockDataDirectory } from './data-directory-lock.ts'
import * as schema from './schema.ts'

export { DataDirectoryInUseError } from './data-directory-lock.ts'

type Schema = typeof schema
/** The database, whichever engine is behind it. Code never needs to know which. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0]
/** Anything that can run a query: the database or a transaction in progress. */
export type Queryable = Database | Transaction

export interface DatabaseHandle {
  db: Database
  engine: 'pglite' | 'postgres'
  /** Where the data lives, for messages; never contains a password. */
  description: string
  /** Runs every migration not yet applied. Safe to call from several instances at once. */
  migrate(): Promise<void>
  /**
   * Hears notifications (`pg_notify`) on a channel from every process using the database. Resolves
   * once it has tried to listen; the result stops listening. See `Listener` for what is promised.
   */
  listen(channel: string, listener: Listener): Promise<() => Promise<void>>
  close(): Promise<void>
}

/**
 * What a listener is told. Notifications can be missed only while not listening, so a cache kept
 * fresh by them must be trusted only between `onListening` and `onInterrupted`.
 */
interface Listener {
  onMessage(payload: string): void
  /** Listening has begun, or begun again after an interruption. */
  onListening(): void
  /** The connection dropped: notifications sent from now until `onListening` are lost. */
  onInterrupted(): void
}

/** How long to wait before listening again after the connection drops. */
const LISTEN_RETRY_MS = 1_000

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string }
  /** In memory; `from` is a data directory dumped by PGlite (`dumpDataDir`) to start from. */
  | { kind: 'memory'; from?: Blob }

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
const casing = 'snake_case'
// PGlite's default shared buffers cost over 100 MB of resident memory for no measurable speed
// on our workloads (bench import); 16 MB keeps a 30,000-location import under 400 MB.
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB']
// Trigrams index searches for part of a name (migration people_name_search).
const PGLITE_EXTENSIONS: PGliteOptions['extensions'] = { pg_trgm }
// Any fixed number: it names the lock that keeps two instances from migrating at once.
const MIGRATION_LOCK_KEY = 7_240_101

export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') return openPostgres(target.url)
  if (target.kind === 'memory') {
    const client = new PGlite({
      extensions: PGLITE_EXTENSIONS,
      ...(target.from ? { loadDataDir: target.from } : {}),
    })
    return openPglite(client, 'embedded PostgreSQL in memory', async () => {})
  }

  mkdirSync(target.dataDir, { recursive: true })
  // PGlite is single-process: a second process opening the same directory would corrupt it.
  const release = await lockDataDirectory(target.dataDir)
  const client = new PGlite(path.join(target.dataDir, 'pglite'), {
    startParams: PGLITE_START_PARAMS,
    extensions: PGLITE_EXTENSIONS,
  })
  return openPglite(client, `embedded PostgreSQL in ${target.dataDir}`, release)
}

/** A migrated, empty embedded database as a dumped data directory, to start others from (tests). */
export async function dumpMigratedPglite(): Promise<Blob> {
  const client = new PGlite({ extensions: PGLITE_EXTENSIONS })
  try {
    await migratePglite(drizzlePglite({ client, casing }), { migrationsFolder })
    return await client.dumpDataDir('none')
  } finally {
    await client.close()
  }
}

async function openPglite(
  client: PGlite,
  description: string,
  afterClose: () => Promise<void>,
): Promise<DatabaseHandle> {
  await client.waitReady
  return {
    db: drizzlePglite({ client, schema, casing }) as unknown as Database,
    engine: 'pglite',
    description,
    migrate: () => migratePglite(drizzlePglite({ client, casing }), { migrationsFolder }),
    // One process owns an embedded database, so its connection, and listening, never drop.
    listen: async (channel, listener) => {
      const stop = await client.listen(channel, (payload) => listener.onMessage(payload))
      listener.onListening()
      return () => (client.closed ? Promise.resolve() : stop())
    },
    close: async () => {
      await client.close()
      await afterClose()
    },
  }
}

// No parallel workers: starting them costs more than the scans they would share on the few cores a
// council's server has, and the market pages already run their statements side by side.
const SESSION_SETTINGS = '-c max_parallel_workers_per_gather=0'

/**
 * The connection string without its `options` parameter, and those options followed by ours: pg
 * lets a URL's options replace the pool's, so an operator's settings there would drop ours, or
 * ours theirs. Theirs come last, so an operator can still set the same setting otherwise.
 */
export function withSessionSettings(connectionString: string): { connectionString: string; options: string } {
  const url = new URL(connectionString)
  const theirs = url.searchParams.get('options')
  if (theirs === null) return { connectionString, options: SESSION_SETTINGS }
  url.searchParams.delete('options')
  return { connectionString: url.toString(), options: `${SESSION_SETTINGS} ${theirs}` }
}

function openPostgres(connectionString: string): DatabaseHandle {
  const pool = new pg.Pool({ ...withSessionSettings(connectionString), max: 10 })
  // An idle connection the server drops (restart, failover, admin kill) is reported here; the pool
  // discards it and the next query connects afresh. Without a listener it would crash the process.
  pool.on('error', () => {})
  const url = new URL(connectionString)
  return {
    db: drizzlePostgres({ client: pool, schema, casing }) as unknown as Database,
    engine: 'postgres',
    description: `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`,
    migrate: () => migratePostgresWithLock(pool),
    listen: (channel, listener) => listenPostgres(connectionString, channel, listener),
    close: () => pool.end(),
  }
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries), reconnecting
 * when it drops. A server that cannot be reached at first is retried in the same way.
 */
async function listenPostgres(
  connectionString: string,
  channel: string,
  listener: Listener,
): Promise<() => Promise<void>> {
  let current: pg.Client | null = null
  let retry: NodeJS.Timeout | null = null
  let stopped = false

  const lost = (client: pg.Client) => {
    if (current !== client) return
    current = null
    listener.onInterrupted()
    client.end().catch(() => {})
    schedule()
  }
  const schedule = () => {
    if (stopped || retry) return
    retry = setTimeout(() => {
      retry = null
      void connect()
    }, LISTEN_RETRY_MS).unref()
  }
  const connect = async () => {
    const client = new pg.Client({ connectionString })
    client.on('error', () => lost(client))
    client.on('end', () => lost(client))
    client.on('notification', (message) => {
      if (message.channel === channel) listener.onMessage(message.payload ?? '')
    })
    try {
      await client.connect()
      await client.query(`listen "${channel.replaceAll('"', '""')}"`)
    } catch {
      client.end().catch(() => {})
      return schedule()
    }
    if (stopped) return void client.end().catch(() => {})
    current = client
    listener.onListening()
  }

  await connect()
  return async () => {
    stopped = true
    if (retry) clearTimeout(retry)
    const client = current
    current = null
    await client?.end()
  }
}

async function migratePostgresWithLock(pool: pg.Pool): Promise<void> {
  // An advisory lock belongs to one connection, so lock, migrate and unlock on the same one.
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await migratePostgres(drizzlePostgres({ client, casing }), { migrationsFolder })
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  } finally {
    client.release()
  }
}

export async function checkDatabase(
  db: Database,
): Promise<{ status: 'ok' | 'unavailable'; latencyMs: number }> {
  const started = performance.now()
  try {
    await db.execute(sql`select 1`)
    return { status: 'ok', latencyMs: Math.round((performance.now() - started) * 10) / 10 }
  } catch {
    return { status: 'unavailable', latencyMs: Math.round(performance.now() - started) }
  }
}
