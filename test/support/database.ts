import { createHash, randomBytes } from 'node:crypto'
import { existsSync, openAsBlob, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type DatabaseHandle, openDatabase } from '../../src/db/connection.ts'

const migrationsFolder = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'src',
  'db',
  'migrations',
)

/**
 * What a migrated test database is made from, set by the test run's global setup
 * (test/global-setup.ts): a dumped PGlite data directory, and a template database on the server.
 * Copying a migrated database takes a fraction of running every migration in every test file.
 */
export const TEMPLATE_ENV = {
  pglite: 'CAREMARKET_TEST_PGLITE_TEMPLATE',
  postgres: 'CAREMARKET_TEST_POSTGRES_TEMPLATE',
} as const

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the server named by TEST_DATABASE_URL, dropped again on close.
 */
export async function createTestDatabase(): Promise<DatabaseHandle> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) {
    const template = process.env[TEMPLATE_ENV.pglite]
    const from = template && existsSync(template) ? await openAsBlob(template) : undefined
    const handle = await openDatabase({ kind: 'memory', from })
    if (!from) await handle.migrate()
    return handle
  }
  const template = process.env[TEMPLATE_ENV.postgres]
  const server = await createServerDatabase(serverUrl, { template })
  const handle = await openDatabase({ kind: 'postgres', url: server.url })
  if (!template) await handle.migrate()
  return {
    ...handle,
    close: async () => {
      await handle.close()
      await server.drop()
    },
  }
}

/**
 * A new database on the PostgreSQL server at serverUrl, empty or a copy of a template, for a test
 * to use or to hand to other processes.
 */
export async function createServerDatabase(
  serverUrl: string,
  options: { template?: string } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `caremarket_test_${randomBytes(6).toString('hex')}`
  const template = options.template ? ` template ${pg.escapeIdentifier(options.template)}` : ''
  await withAdminClient(serverUrl, (client) => client.query(`create database ${name}${template}`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      await withAdminClient(serverUrl, (client) =>
        client.query(`drop database if exists ${name} with (force)`),
      )
    },
  }
}

/** A short fingerprint of every migration, so a template is never reused across schema changes. */
export function migrationsFingerprint(): string {
  const hash = createHash('sha256')
  for (const file of readdirSync(migrationsFolder)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(path.join(migrationsFolder, file)))
  }
  hash.update(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json')))
  return hash.digest('hex').slice(0, 16)
}

export async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}
