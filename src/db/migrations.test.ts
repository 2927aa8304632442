import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { type DatabaseHandle, DataDirectoryInUseError, openDatabase } from './connection.ts'
import { councils } from './schema.ts'

// Tables that are national reference data or service plumbing rather than a council's own rows.
const NOT_TENANT_OWNED = new Set([
  'councils',
  'outcodes',
  'postcodes',
  'service_secrets',
  '__drizzle_migrations',
  // A person's own second factor, keyed by their user row (which carries the council) and read
  // only for the signed-in person or the sign-in in progress: never listed across a council.
  'user_two_factor',
  'two_factor_recovery_codes',
])

let database: DatabaseHandle
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => database.close())

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await database.db.execute(query)
  return (result as unknown as { rows: T[] }).rows
}

describe(`migrations on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}`, () => {
  it('creates every table, and every tenant-owned table has council_id', async () => {
    const tables = await rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    )
    const names = tables.map((t) => t.table_name)
    for (const expected of [
      'councils',
      'localities',
      'pcn_areas',
      'users',
      'sessions',
      'provider_organisations',
      'locations',
      'audit_log',
    ]) {
      expect(names).toContain(expected)
    }
    const withCouncil = await rows<{ table_name: string }>(
      sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'council_id'`,
    )
    const missing = names.filter(
      (n) => !NOT_TENANT_OWNED.has(n) && !withCouncil.some((c) => c.table_name === n),
    )
    expect(missing).toEqual([])
  })

  it('is idempotent: running the migrations again changes nothing', async () => {
    await database.db.insert(councils).values({ code: 'KEEP', name: 'Kept Council' })
    await database.migrate()
    const kept = await database.db.select().from(councils)
    expect(kept.map((c) => c.code)).toContain('KEEP')
  })

  it('keeps the audit log append-only', async () => {
    await database.db.execute(sql`insert into audit_log (actor, action) values ('test', 'test.entry')`)
    await expect(database.db.execute(sql`update audit_log set action = 'rewritten'`)).rejects.toThrow()
    await expect(database.db.execute(sql`delete from audit_log`)).rejects.toThrow()
    const entries = await rows<{ action: string }>(sql`select action from audit_log`)
    expect(entries.map((e) => e.action)).toEqual(['test.entry'])
  })

  it('refuses a provider user without an organisation, and an unknown role', async () => {
    const [council] = await database.db.select().from(councils).limit(1)
    await expect(
      database.db.execute(
        sql`insert into users (council_id, email, role, password_hash) values (${council?.id}, 'p@x.test', 'provider_user', 'x')`,
      ),
    ).rejects.toThrow()
    await expect(
      database.db.execute(
        sql`insert into users (council_id, email, role, password_hash) values (${council?.id}, 'q@x.test', 'superuser', 'x')`,
      ),
    ).rejects.toThrow()
  })
})

describe('the embedded database on disk', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caremarket-data-'))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('keeps committed data across a restart and refuses a second process', async () => {
    const first = await openDatabase({ kind: 'pglite', dataDir })
    await first.migrate()
    await first.db.insert(councils).values({ code: 'DISK', name: 'On Disk Council' })
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toBeInstanceOf(DataDirectoryInUseError)
    await first.close()

    const second = await openDatabase({ kind: 'pglite', dataDir })
    await second.migrate()
    const stored = await second.db.select().from(councils)
    await second.close()
    expect(stored.map((c) => c.code)).toEqual(['DISK'])
  })
})
