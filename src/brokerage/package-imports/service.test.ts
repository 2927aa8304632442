import { Readable } from 'node:stream'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { xlsxBuffer } from '../../../test/workbooks.ts'
import { auditLog, councilDistricts, importedPackages, localities } from '../../db/schema.ts'
import { ValidationError } from '../../errors.ts'
import { importPackages } from './service.ts'

const NOW = new Date('2026-06-15T10:00:00Z')
const system = { kind: 'system', label: 'test' } as const

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let other: Fixture
let northId: number

beforeAll(async () => {
  t = await createTestApp()
  council = await seedCouncil(t.database, 'PKGS', t.config)
  other = await seedCouncil(t.database, 'PKGO', t.config)
  const [north] = await t.database.db
    .insert(localities)
    .values({ councilId: council.councilId, name: 'North' })
    .returning({ id: localities.id })
  northId = north?.id as number
  await t.database.db
    .insert(councilDistricts)
    .values({ councilId: council.councilId, outcode: 'NR11', localityId: northId, rural: true })
})
afterAll(async () => t.close())

const HEADER =
  'person_ref,date_of_birth,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,hours_per_week,start_date,end_date,funding'

function csv(...rows: string[]) {
  return Readable.from([Buffer.from([HEADER, ...rows].join('\r\n'))])
}

function run(input: Readable, fixture = council, options: { full?: boolean; fileName?: string } = {}) {
  return importPackages(t.database.db, {
    councilId: fixture.councilId,
    input,
    fileName: options.fileName ?? 'book.csv',
    full: options.full ?? false,
    actor: system,
    now: NOW,
  })
}

async function book(fixture = council) {
  return t.database.db
    .select()
    .from(importedPackages)
    .where(eq(importedPackages.councilId, fixture.councilId))
    .orderBy(importedPackages.personRef)
}

describe('importing the council’s book of packages', () => {
  it('keeps every good row, reduced to what the figures need, and changes nothing when imported again', async () => {
    const a = council.providerA
    const rows = [
      // A CQC ID as people write it: small letters and spaces.
      `MOS100,1941-03-27,,NR11 ,older_people,Home care,${` ${'1-l'}PKGS a `.toLowerCase()},"£1,234.50",12.5,2025-01-06,,council`,
      `MOS101,,85+,NR3,Older people,residential,1-LPKGSA,850,,06/01/2025,,self-funder`,
      `mos102,27/03/1990,,XA1,younger_adults,supported_living,1-LPKGSB,£2000,30,2024-04-01,2026-03-31,joint`,
    ]
    const first = await run(csv(...rows))
    expect(first).toMatchObject({ added: 3, updated: 0, unchanged: 0, ended: 0, rejected: [] })
    const stored = await book()
    expect(stored.map((p) => [p.personRef, p.ageBand, p.outcode, p.serviceType, p.startDate])).toEqual([
      ['MOS100', '85+', 'NR11', 'home_care', '2025-01-06'],
      ['MOS101', '85+', 'NR3', 'residential', '2025-01-06'],
      ['mos102', '18–64', 'XA1', 'supported_living', '2024-04-01'],
    ])
    const [homeCare] = stored
    expect(homeCare).toMatchObject({
      locationId: a.locationId,
      providerOrganisationId: a.id,
      weeklyCostPence: 123_450,
      minutesPerWeek: 750,
      funding: 'council',
      localityId: northId,
    })
    expect(stored[1]?.minutesPerWeek).toBeNull()
    // No date of birth is kept, only its age band.
    expect(Object.keys(homeCare ?? {})).not.toContain('dateOfBirth')

    const again = await run(csv(...rows))
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 3, ended: 0, rejected: [] })
    expect(again.importId).toBeGreaterThan(first.importId)
    expect(await book()).toHaveLength(3)

    // A new cost updates; an end date newly set ends; the person reference matches in any case.
    const changed = await run(
      csv(
        rows[0]?.replace('"£1,234.50"', '1300') as string,
        rows[1]?.replace('06/01/2025,,', '06/01/2025,2026-06-01,') as string,
        (rows[2] as string).replace('mos102', 'MOS102'),
      ),
    )
    expect(changed).toMatchObject({ added: 0, updated: 2, unchanged: 0, ended: 1, rejected: [] })
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.action, 'package_import.completed'), eq(auditLog.entityId, String(changed.importId))),
      )
    expect(audit[0]?.details).toMatchObject({ added: 0, updated: 2, ended: 1 })
  })

  it('writes nothing when any row is rejected, and reports every rejected row with its line and reason', async () => {
    const before = await book(other)
    const report = await run(
      csv(
        'OK200,1950-01-01,,NR1,older_people,home_care,1-LPKGOA,300,10,2025-01-01,,council',
        'Mrs Smith,1950-01-01,,NR1,older_people,home_care,1-LPKGOA,300,10,2025-01-01,,council',
        'OK201,,,NR1,older_people,home_care,1-LPKGOA,300,,2025-01-01,,council',
        'OK202,1950-01-01,,NR1,older_people,home_care,1-NOTHERE,300,10,2025-01-01,,council',
        'OK200,1950-01-01,,NR1,older_people,home_care,1-LPKGOA,310,10,2025-01-01,,council',
        'OK203,1950-01-01,,NR1,older_people,home_care,1-LPKGOA,-5,10,31/02/2025,,lottery',
      ),
      other,
    )
    expect(report).toMatchObject({ added: 0, updated: 0, unchanged: 0, ended: 0 })
    expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 5, 6, 7])
    const reason = (line: number) => report.rejected.find((r) => r.line === line)?.reason
    expect(reason(3)).toContain('person_ref has no digits')
    expect(reason(4)).toContain('date_of_birth and age_band are both empty')
    expect(reason(4)).toContain('hours_per_week is empty')
    expect(reason(5)).toContain('1-NOTHERE is not a location in the provider register')
    expect(reason(6)).toContain('as line 2')
    expect(reason(7)).toContain('weekly_cost is negative')
    expect(reason(7)).toContain('start_date "31/02/2025" is not a date')
    expect(reason(7)).toContain('funding "lottery"')
    expect(await book(other)).toEqual(before)
    const audit = await t.database.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.action, 'package_import.rejected'), eq(auditLog.entityId, String(report.importId))),
      )
    expect(audit).toHaveLength(1)
  })

  it('refuses a file whose titles lack a column, naming it', async () => {
    const input = Readable.from([Buffer.from('\uFEFFperson_ref,service_type\nA1,home_care\n')])
    await expect(run(input, other)).rejects.toThrow(ValidationError)
    await expect(run(Readable.from([Buffer.from('person_ref\n')]), other)).rejects.toThrow(
      /Missing: postcode_district/,
    )
  })

  it('reads an Excel workbook, titles in any case and order, dates as the workbook holds them', async () => {
    const workbook = await xlsxBuffer([
      {
        name: 'Book',
        rows: [
          [
            ' Funding',
            'START_DATE',
            'Location_Ref',
            'Person_Ref',
            'Age_Band',
            'Postcode_District',
            'Client_Group',
            'Service_Type',
            'Weekly_Cost',
            'Hours_Per_Week',
          ],
          [
            'health',
            new Date(Date.UTC(2025, 2, 3)),
            '1-LPKGOB',
            'X300',
            '75-84',
            'NR2',
            'older_people',
            'nursing',
            1450.5,
            null,
          ],
        ],
      },
      { name: 'Notes', rows: [['Anything here is not read']] },
    ])
    const report = await run(Readable.from([workbook]), other, { fileName: 'book.xlsx' })
    expect(report).toMatchObject({ added: 1, rejected: [] })
    const [stored] = (await book(other)).filter((p) => p.personRef === 'X300')
    expect(stored).toMatchObject({
      ageBand: '75–84',
      startDate: '2025-03-03',
      serviceType: 'nursing',
      weeklyCostPence: 145_050,
      funding: 'health',
      locationId: other.providerB.locationId,
    })
  })

  it('with a whole book, ends the active packages missing from it', async () => {
    const report = await run(
      csv('OK900,1950-01-01,,NR1,older_people,home_care,1-LPKGOA,300,10,2025-01-01,,council'),
      other,
      { full: true },
    )
    expect(report).toMatchObject({ added: 1, ended: 1 })
    const [x300] = (await book(other)).filter((p) => p.personRef === 'X300')
    expect(x300?.endDate).toBe('2026-06-14')
  })
})
