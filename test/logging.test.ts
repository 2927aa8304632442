import { Writable } from 'node:stream'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/logging.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'

const NAME = 'Winifred Applethwaite'
const BORN = '1938-04-17'
const lines: string[] = []
const captured = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    done()
  },
})

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      logger: createLogger({ level: 'info' }, captured),
      beforeReady(app) {
        // Queries that fail in PostgreSQL with a person's name and date of birth as parameters.
        app.get('/test/bad-cast', { config: { access: 'public' } }, async () => {
          await t.database.db.execute(sql`select ${NAME}::int as name, ${BORN}::date as born`)
        })
        app.get('/test/duplicate', { config: { access: 'public' } }, async () => {
          for (let i = 0; i < 2; i++)
            await t.database.db.execute(sql`insert into test_people (name, born) values (${NAME}, ${BORN})`)
        })
      },
    },
  )
  await t.database.db.execute(sql`create table test_people (name text primary key, born date)`)
  home = await seedCouncil(t.database, 'HOME', t.config)
})
afterAll(async () => t.close())

function errorLines(): { err: Record<string, unknown> & { cause?: Record<string, unknown> } }[] {
  return lines.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 50)
}

describe('logs', () => {
  it('give a failed query’s statement and error code, never its parameters or detail', async () => {
    lines.length = 0
    expect((await t.app.inject({ method: 'GET', url: '/test/bad-cast' })).statusCode).toBe(500)
    expect((await t.app.inject({ method: 'GET', url: '/test/duplicate' })).statusCode).toBe(500)

    for (const line of lines) {
      expect(line).not.toContain('Winifred')
      expect(line).not.toContain(BORN)
    }
    const [cast, duplicate] = errorLines()
    expect(cast?.err.query).toBe('select $1::int as name, $2::date as born')
    expect(cast?.err.cause).toMatchObject({
      code: '22P02',
      message: 'invalid input syntax for type integer: "…"',
    })
    expect(duplicate?.err.cause).toMatchObject({ code: '23505', constraint: 'test_people_pkey' })
    expect(duplicate?.err.cause?.message).toContain('"test_people_pkey"')
  })

  it('leave out query values, cookies and personal fields', async () => {
    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    lines.length = 0
    await broker.get('/requests?q=Winifred+Applethwaite')
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join('\n')).toContain('/requests?q=…')

    const logger = createLogger({ level: 'info' }, captured)
    logger.info(
      {
        req: { headers: { cookie: 'caremarket-session=secret' } },
        person: { name: NAME, dateOfBirth: BORN },
      },
      'a line with personal fields',
    )
    for (const line of lines) {
      expect(line).not.toContain('Winifred')
      expect(line).not.toContain(BORN)
      expect(line).not.toContain('secret')
    }
  })
})
