import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedCouncil, testConfig } from '../../test/helpers.ts'
import { runCommandOn } from '../../test/support/cli.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { xlsxBuffer } from '../../test/workbooks.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { importedPackages } from '../db/schema.ts'
import { ValidationError } from '../errors.ts'

let database: DatabaseHandle
let dir: string
let councilId: number

beforeAll(async () => {
  database = await createTestDatabase()
  councilId = (await seedCouncil(database, 'PKGC', testConfig())).councilId
  dir = mkdtempSync(path.join(tmpdir(), 'caremarket-packages-'))
})
afterAll(async () => {
  await database?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const runInProcess = (args: string[]) => runCommandOn(database, args)

const HEADER =
  'person_ref,date_of_birth,postcode_district,client_group,service_type,location_ref,weekly_cost,hours_per_week,start_date,end_date,funding'

function file(name: string, ...rows: string[]) {
  const target = path.join(dir, name)
  // A BOM and spaces around the titles, as spreadsheets save them.
  writeFileSync(target, `\uFEFF${HEADER.split(',').join(' , ')}\r\n${rows.join('\r\n')}\r\n`)
  return target
}

async function stored() {
  return database.db.select().from(importedPackages).where(eq(importedPackages.councilId, councilId))
}

describe('caremarket import packages', () => {
  it('loads the book, prints the report as JSON, and changes nothing when run again', async () => {
    const book = file(
      'book.csv',
      'C1,1940-02-01,NR1,older_people,home_care,1-LPKGCA,"£1,234.50",21,2025-01-06,,council',
      'C2,01/02/1950,NR2,older_people,nursing,1-LPKGCB,1100,,06/01/2025,,joint',
    )
    const first = JSON.parse(await runInProcess(['import', 'packages', book, '--council', 'PKGC', '--json']))
    expect(first).toEqual({
      importId: expect.any(Number),
      added: 2,
      updated: 0,
      unchanged: 0,
      ended: 0,
      rejected: [],
    })
    const again = JSON.parse(await runInProcess(['import', 'packages', book, '--council', 'pkgc', '--json']))
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 2, ended: 0, rejected: [] })
    const text = await runInProcess(['import', 'packages', book, '--council', 'PKGC'])
    expect(text).toContain('0 added, 0 updated, 2 unchanged, 0 ended.')
    expect(await stored()).toHaveLength(2)
  })

  it('lists the rejected rows and fails, writing nothing', async () => {
    const before = await stored()
    const bad = file(
      'bad.csv',
      'C3,1940-02-01,NR1,older_people,home_care,1-LPKGCA,300,10,2025-01-06,,council',
      'C4,1940-02-01,NR1,older_people,home_care,1-LPKGCA,300,10,2025-01-06,2024-12-01,council',
    )
    const error = await runInProcess(['import', 'packages', bad, '--council', 'PKGC']).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain('1 row rejected; nothing was imported')
    expect(error.printed).toContain('line 3: end_date is before start_date')
    expect(await stored()).toEqual(before)
  })

  it('reads an Excel workbook', async () => {
    const target = path.join(dir, 'book.xlsx')
    writeFileSync(
      target,
      await xlsxBuffer([
        {
          name: 'Packages',
          rows: [
            HEADER.split(','),
            [
              'C9',
              new Date(Date.UTC(1950, 5, 1)),
              'NR5',
              'older_people',
              'residential',
              '1-lpkgca',
              720,
              null,
              new Date(Date.UTC(2025, 0, 6)),
              null,
              'council',
            ],
          ],
        },
      ]),
    )
    const report = JSON.parse(
      await runInProcess(['import', 'packages', target, '--council', 'PKGC', '--json']),
    )
    expect(report).toMatchObject({ added: 1, rejected: [] })
    expect((await stored()).find((p) => p.personRef === 'C9')).toMatchObject({
      ageBand: '75–84',
      serviceType: 'residential',
      weeklyCostPence: 72_000,
      startDate: '2025-01-06',
    })
  })
})
