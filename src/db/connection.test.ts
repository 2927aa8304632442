import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openDatabase, withSessionSettings } from './connection.ts'

describe('session settings on PostgreSQL connections', () => {
  it('keeps a connection string without options as it is', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/test?host=/var/run/postgresql'
    expect(withSessionSettings(url)).toEqual({
      connectionString: url,
      options: '-c max_parallel_workers_per_gather=0',
    })
  })

  it('moves the options of a connection string after its own, keeping the other parameters', () => {
    const settings = withSessionSettings(
      'postgres://app:p%40ss@db.example:5433/care?options=-c%20statement_timeout%3D5s&sslmode=disable',
    )
    expect(settings.options).toBe('-c max_parallel_workers_per_gather=0 -c statement_timeout=5s')
    const url = new URL(settings.connectionString)
    expect(url.searchParams.has('options')).toBe(false)
    expect(url.searchParams.get('sslmode')).toBe('disable')
    expect(`${url.username}:${decodeURIComponent(url.password)}@${url.host}${url.pathname}`).toBe(
      'app:p@ss@db.example:5433/care',
    )
  })

  const serverUrl = process.env.TEST_DATABASE_URL
  it.skipIf(!serverUrl)('applies both the operator’s options and its own on the server', async () => {
    const name = `caremarket_test_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`create database ${name}`)
    try {
      const url = new URL(serverUrl as string)
      url.pathname = `/${name}`
      url.searchParams.set('options', '-c statement_timeout=4321')
      const handle = await openDatabase({ kind: 'postgres', url: url.toString() })
      try {
        const client = (handle.db as unknown as { $client: pg.Pool }).$client
        const shown = await client.query(
          `select current_setting('statement_timeout') as timeout,
             current_setting('max_parallel_workers_per_gather') as workers`,
        )
        expect(shown.rows[0]).toEqual({ timeout: '4321ms', workers: '0' })
      } finally {
        await handle.close()
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  })
})
