// The migration that kept the preferred postcode and let drafts hold NULL: what it makes of the
// requests stored before it. Run on embedded PGlite, migrated first to just before it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DatabaseHandle, openDatabase } from '../../db/connection.ts'

const MIGRATION = '0005_request_postcode_and_drafts'
const migrations = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../db/migrations')

/** A copy of the migrations folder that stops just before MIGRATION. */
function migrationsBefore(tag: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'caremarket-migrations-'))
  mkdirSync(path.join(folder, 'meta'))
  const journal = JSON.parse(readFileSync(path.join(migrations, 'meta/_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[]
  }
  const until = journal.entries.findIndex((entry) => entry.tag === tag)
  expect(until).toBeGreaterThan(0)
  journal.entries = journal.entries.slice(0, until)
  for (const entry of journal.entries)
    copyFileSync(path.join(migrations, `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`))
  writeFileSync(path.join(folder, 'meta/_journal.json'), JSON.stringify(journal))
  return folder
}

// Where the reference data places things. The person in NR2 has a postcode the table lacks, so
// it is placed at its district's centre; NR9 is in neither table.
const PLACES = {
  'NR3 1QX': { latitude: 52.6362, longitude: 1.2931 },
  'NR1 3QE': { latitude: 52.6241, longitude: 1.3061 },
  NR2: { latitude: 52.6296, longitude: 1.2787 },
  elsewhere: { latitude: 52.9, longitude: 1.1 },
}

let database: DatabaseHandle
let earlier: string
const ids: Record<string, number> = {}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await database.db.execute(query)) as unknown as { rows: T[] }).rows
}

beforeAll(async () => {
  earlier = migrationsBefore(MIGRATION)
  database = await openDatabase({ kind: 'memory' })
  const db = database.db as unknown as PgliteDatabase
  await migrate(db, { migrationsFolder: earlier })

  const [council] = await rows<{ id: number }>(
    sql`insert into councils (code, name) values ('MIG', 'Migrated Council') returning id`,
  )
  const councilId = council?.id as number
  await database.db.execute(sql`insert into postcodes (postcode, latitude, longitude) values
    ('NR3 1QX', ${PLACES['NR3 1QX'].latitude}, ${PLACES['NR3 1QX'].longitude}),
    ('NR1 3QE', ${PLACES['NR1 3QE'].latitude}, ${PLACES['NR1 3QE'].longitude})`)
  await database.db.execute(
    sql`insert into outcodes (outcode, latitude, longitude) values ('NR2', ${PLACES.NR2.latitude}, ${PLACES.NR2.longitude})`,
  )
  const person = async (postcode: string) => {
    const [row] = await rows<{
      id: number
    }>(sql`insert into people (council_id, name, date_of_birth, postcode, outcode)
      values (${councilId}, 'Test Person', '1940-01-01', ${postcode}, ${postcode.split(' ')[0]}) returning id`)
    return row?.id as number
  }
  const inNr3 = await person('NR3 1QX')
  const inNr2 = await person('NR2 4TE')
  const inNr9 = await person('NR9 9ZZ')
  const request = async (
    name: string,
    personId: number,
    at: { latitude: number; longitude: number } | null,
    answers: { status: string; serviceType: string; clientGroup: string; needs: string; start: string },
  ) => {
    const [row] = await rows<{ id: number }>(sql`insert into sourcing_requests
      (council_id, person_id, service_type, client_group, needs_summary, latitude, longitude,
       max_distance_miles, start_date, urgency, status)
      values (${councilId}, ${personId}, ${answers.serviceType}, ${answers.clientGroup}, ${answers.needs},
        ${at?.latitude ?? null}, ${at?.longitude ?? null}, 15, ${answers.start}, 'routine', ${answers.status})
      returning id`)
    ids[name] = row?.id as number
  }
  const unanswered = { status: 'draft', serviceType: '', clientGroup: '', needs: '', start: '1900-01-01' }
  const answered = {
    status: 'submitted',
    serviceType: 'residential',
    clientGroup: 'older_people',
    needs: 'Needs help with washing.',
    start: '2026-04-01',
  }
  await request('draft', inNr3, PLACES['NR3 1QX'], unanswered)
  await request('answeredDraft', inNr3, PLACES['NR3 1QX'], { ...answered, status: 'draft' })
  await request('nearFamily', inNr3, PLACES['NR1 3QE'], answered)
  await request('fromDistrict', inNr2, PLACES.NR2, answered)
  await request('unknownElsewhere', inNr3, PLACES.elsewhere, answered)
  await request('unplaced', inNr9, null, answered)

  await database.migrate()
})
afterAll(async () => {
  await database?.close()
  rmSync(earlier, { recursive: true, force: true })
})

interface Migrated {
  id: number
  status: string
  service_type: string | null
  client_group: string | null
  needs_summary: string | null
  start_date: string | null
  preferred_postcode: string | null
  preferred_outcode: string | null
}

async function migrated(name: string): Promise<Migrated> {
  const [row] = await rows<Migrated>(sql`select id, status, service_type, client_group, needs_summary,
    start_date::text, preferred_postcode, preferred_outcode from sourcing_requests where id = ${ids[name]}`)
  if (!row) throw new Error(`no request ${name}`)
  return row
}

describe(`migration ${MIGRATION}`, () => {
  it('turns a draft’s placeholders into NULL and leaves real answers alone', async () => {
    expect(await migrated('draft')).toMatchObject({
      service_type: null,
      client_group: null,
      needs_summary: null,
      start_date: null,
    })
    expect(await migrated('answeredDraft')).toMatchObject({
      service_type: 'residential',
      client_group: 'older_people',
      needs_summary: 'Needs help with washing.',
      start_date: '2026-04-01',
    })
  })

  it('finds the preferred postcode where the coordinates tell it, and leaves it NULL where they do not', async () => {
    const preferred = async (name: string) => {
      const row = await migrated(name)
      return [row.preferred_postcode, row.preferred_outcode]
    }
    // Measured from the person's postcode: at its centre, at its district's, or nowhere for both.
    expect(await preferred('draft')).toEqual(['NR3 1QX', 'NR3'])
    expect(await preferred('fromDistrict')).toEqual(['NR2 4TE', 'NR2'])
    expect(await preferred('unplaced')).toEqual(['NR9 9ZZ', 'NR9'])
    // Another postcode, found by its centre.
    expect(await preferred('nearFamily')).toEqual(['NR1 3QE', 'NR1'])
    // A place no postcode's centre is: its postcode cannot be known.
    expect(await preferred('unknownElsewhere')).toEqual([null, null])
  })

  it('then refuses a request past draft without its answers', async () => {
    await expect(
      database.db.execute(sql`update sourcing_requests set status = 'submitted' where id = ${ids.draft}`),
    ).rejects.toThrow()
    await expect(
      database.db.execute(sql`update sourcing_requests set start_date = null where id = ${ids.nearFamily}`),
    ).rejects.toThrow()
    await database.db.execute(
      sql`update sourcing_requests set start_date = null where id = ${ids.answeredDraft}`,
    )
    expect((await migrated('answeredDraft')).start_date).toBeNull()
  })
})
