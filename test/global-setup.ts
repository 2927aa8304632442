// Once per test run: a migrated database to copy for each test file, on each engine in use.
// Running the migrations took most of a database-backed test file's start-up.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { dumpMigratedPglite, openDatabase } from '../src/db/connection.ts'
import { migrationsFingerprint, TEMPLATE_ENV, withAdminClient } from './support/database.ts'

// Any fixed number: it names the lock that keeps two test runs from making one template at once.
const TEMPLATE_LOCK_KEY = 7_240_102

export default async function setup(): Promise<void> {
  const fingerprint = migrationsFingerprint()
  process.env[TEMPLATE_ENV.pglite] = await pgliteTemplate(fingerprint)
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) process.env[TEMPLATE_ENV.postgres] = await postgresTemplate(serverUrl, fingerprint)
}

/** A dumped, migrated PGlite data directory, kept between runs while the migrations are the same. */
async function pgliteTemplate(fingerprint: string): Promise<string> {
  const folder = path.join(tmpdir(), 'caremarket-test-templates')
  const file = path.join(folder, `pglite-${fingerprint}.tar`)
  if (existsSync(file)) return file
  mkdirSync(folder, { recursive: true })
  const dump = await dumpMigratedPglite()
  // Written whole, then renamed: a run starting meanwhile never reads half a file.
  const partial = `${file}.${process.pid}`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, file)
  return file
}

/**
 * A migrated template database on the server, made once per set of migrations and per role: a
 * role may copy only a database it owns or one marked as a template, and a template another role
 * made (a superuser's, on a shared server) may not be marked so.
 */
async function postgresTemplate(serverUrl: string, fingerprint: string): Promise<string> {
  return withAdminClient(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ role: string }>('select current_user as role')
    const role = rows[0]?.role ?? ''
    const owner = createHash('sha256').update(role).digest('hex').slice(0, 8)
    const name = `caremarket_template_${fingerprint}_${owner}`
    await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY])
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [name])
      if (found.rowCount) return name
      const building = `${name}_building`
      await admin.query(`drop database if exists ${building} with (force)`)
      await admin.query(`create database ${building}`)
      const url = new URL(serverUrl)
      url.pathname = `/${building}`
      const handle = await openDatabase({ kind: 'postgres', url: url.toString() })
      try {
        await handle.migrate()
      } finally {
        await handle.close()
      }
      // Renamed only once complete, so a template that exists is always whole.
      await admin.query(`alter database ${building} rename to ${name}`)
      return name
    } finally {
      await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY])
    }
  })
}
