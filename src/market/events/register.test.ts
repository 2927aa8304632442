import { PassThrough, Readable } from 'node:stream'
import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { addPackage } from '../../../test/support/market-events-fixture.ts'
import { createCouncil } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog, locations } from '../../db/schema.ts'
import { importCqcFile } from '../../providers/cqc/import.ts'
import { type CqcLocationWriteInput, writeHscaCsv } from '../../providers/cqc/write.ts'
import { londonDate } from '../../shared/dates.ts'
import { marketEvents } from './schema.ts'
import { recordMarketEvent } from './service.ts'

const actor = { kind: 'system', label: 'test' } as const

let database: DatabaseHandle
let councilId: number

function site(n: number, overrides: Partial<CqcLocationWriteInput> = {}): CqcLocationWriteInput {
  return {
    cqcLocationId: `1-30${String(n).padStart(8, '0')}`,
    cqcProviderId: `1-40${String(n).padStart(8, '0')}`,
    providerName: `Provider ${n} Ltd`,
    name: `Site ${n}`,
    address: `${n} Test Street, Testham`,
    postcode: 'NR4 9ZA',
    latitude: null,
    longitude: null,
    registeredBeds: 40,
    serviceTypes: ['residential_home'],
    specialisms: [],
    clientGroups: ['older_people'],
    cqcRating: 'Good',
    cqcRatingDate: '2025-01-01',
    localAuthority: 'Norfolk',
    ...overrides,
  }
}

const homeCare = (n: number) =>
  site(n, { serviceTypes: ['home_care'], registeredBeds: null, name: `Home care ${n}` })

async function file(rows: CqcLocationWriteInput[]): Promise<Readable> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  await writeHscaCsv(rows, out)
  return Readable.from([Buffer.concat(chunks)])
}

async function importFull(rows: CqcLocationWriteInput[], fileName = 'register.csv') {
  return importCqcFile(database.db, { councilId, input: await file(rows), fileName, full: true, actor })
}

async function events() {
  return database.db
    .select()
    .from(marketEvents)
    .where(eq(marketEvents.councilId, councilId))
    .orderBy(asc(marketEvents.id))
}

async function locationId(n: number): Promise<{ id: number; providerOrganisationId: number }> {
  const [row] = await database.db
    .select({ id: locations.id, providerOrganisationId: locations.providerOrganisationId })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.cqcLocationId, site(n).cqcLocationId)))
  if (!row) throw new Error(`no site ${n}`)
  return row
}

beforeAll(async () => {
  database = await createTestDatabase()
  councilId = (await createCouncil(database.db, { code: 'REG', name: 'Norfolk County Council' }, actor)).id
})
afterAll(async () => database?.close())

describe('market events from the CQC register', () => {
  const today = londonDate(new Date())

  it('records none for a register’s first import', async () => {
    const first = await importFull([site(1), homeCare(2), site(3, { registeredBeds: 20 })])
    expect(first).toMatchObject({ added: 3, marketEvents: { recorded: 0, withdrawn: 0 } })
    expect(await events()).toEqual([])
  })

  it('records a deregistration, an opening and a change in beds, in the import, once', async () => {
    // Someone has home care from site 2 today: 7 hours a week.
    const two = await locationId(2)
    await addPackage(database.db, councilId, {
      locationId: two.id,
      providerOrganisationId: two.providerOrganisationId,
      serviceType: 'home_care',
      minutesPerWeek: 420,
      startDate: '2026-01-01',
    })
    const changed = [
      site(1, { registeredBeds: 35 }),
      site(3, { registeredBeds: 20 }),
      site(4, { registeredBeds: 25 }),
    ]
    const result = await importFull(changed, 'second.csv')
    expect(result).toMatchObject({ added: 1, deactivated: 1, marketEvents: { recorded: 3, withdrawn: 0 } })
    const recorded = await events()
    const byKind = Object.fromEntries(recorded.map((e) => [e.kind, e]))
    expect(Object.keys(byKind).sort()).toEqual(['capacity_change', 'deregistration', 'opening'])
    expect(byKind.capacity_change).toMatchObject({
      locationId: (await locationId(1)).id,
      bedsLost: 5,
      bedsGained: 0,
      occurredOn: today,
    })
    expect(byKind.deregistration).toMatchObject({
      locationId: two.id,
      bedsLost: 0,
      homeCareMinutesLost: 420,
      peopleAffected: 1,
      peopleCounted: 1,
    })
    expect(byKind.opening).toMatchObject({ locationId: (await locationId(4)).id, bedsGained: 25 })
    for (const e of recorded) {
      expect(e).toMatchObject({ source: 'cqc_import', cqcImportId: result.importId, recordedBy: 'test' })
      expect(e.notes).toContain(`CQC import ${result.importId} (second.csv)`)
    }
    // Each is audited, and the import's own entry counts them.
    const audits = await database.db.select().from(auditLog).where(eq(auditLog.councilId, councilId))
    expect(audits.filter((a) => a.action === 'market_event.recorded')).toHaveLength(3)
    expect(
      audits.find((a) => a.action === 'cqc_import.completed' && a.entityId === String(result.importId))
        ?.details,
    ).toMatchObject({
      marketEvents: { recorded: 3, withdrawn: 0 },
    })

    // The same file again changes nothing and records nothing.
    const again = await importFull(changed, 'second.csv')
    expect(again).toMatchObject({
      added: 0,
      updated: 0,
      deactivated: 0,
      marketEvents: { recorded: 0, withdrawn: 0 },
    })
    expect(await events()).toHaveLength(3)
  })

  it('leaves alone what a commissioner recorded first', async () => {
    const three = await locationId(3)
    const four = await locationId(4)
    const commissioner = { kind: 'user', userId: null, councilId, email: 'commissioner@reg.test' } as const
    await recordMarketEvent(
      database.db,
      councilId,
      {
        kind: 'closure',
        locationId: String(three.id),
        occurredOn: today,
        bedsLost: '20',
        peopleAffected: '12',
      },
      commissioner,
    )
    await recordMarketEvent(
      database.db,
      councilId,
      { kind: 'capacity_change', locationId: String(four.id), occurredOn: today, bedsGained: '5' },
      commissioner,
    )
    const before = (await events()).length
    // Site 3 leaves the register and site 4 grows to 30 beds: both already on record.
    const result = await importFull(
      [site(1, { registeredBeds: 35 }), site(4, { registeredBeds: 30 })],
      'third.csv',
    )
    expect(result).toMatchObject({ deactivated: 1, updated: 1, marketEvents: { recorded: 0, withdrawn: 0 } })
    expect(await events()).toHaveLength(before)
  })

  it('withdraws an import’s deregistration when the location comes back, and counts a real return', async () => {
    const two = await locationId(2)
    const three = await locationId(3)
    const result = await importFull(
      [
        site(1, { registeredBeds: 35 }),
        homeCare(2),
        site(3, { registeredBeds: 20 }),
        site(4, { registeredBeds: 30 }),
      ],
      'fourth.csv',
    )
    expect(result).toMatchObject({ updated: 2, marketEvents: { recorded: 1, withdrawn: 1 } })
    const all = await events()
    // Site 2 was only missing from one file: its deregistration no longer counts.
    const deregistration = all.find((e) => e.kind === 'deregistration' && e.locationId === two.id)
    expect(deregistration?.withdrawnAt).toBeInstanceOf(Date)
    expect(deregistration?.withdrawReason).toContain('Back on the CQC register in import')
    // Site 3 had closed, as the commissioner recorded: coming back is an opening.
    const reopened = all.filter((e) => e.locationId === three.id && e.kind === 'opening')
    expect(reopened).toHaveLength(1)
    expect(reopened[0]).toMatchObject({ bedsGained: 20, source: 'cqc_import' })
  })

  it('records nothing when the import fails part-way, after writing a batch', async () => {
    const before = (await events()).length
    // More than a batch of new locations: the first 500 are written, with their openings, before
    // the file breaks.
    const many = Array.from({ length: 600 }, (_, i) => site(100 + i))
    const bytes = await streamBytes([site(1, { registeredBeds: 10 }), ...many])
    // An unclosed quote on the last line: the rows before it are read, and a batch written, first.
    const broken = Readable.from([bytes, Buffer.from('"1-1099999999,unclosed\r\n')])
    await expect(
      importCqcFile(database.db, { councilId, input: broken, fileName: 'broken.csv', full: true, actor }),
    ).rejects.toThrow(/Quote Not Closed/i)
    expect(await events()).toHaveLength(before)
    const added = await database.db
      .select()
      .from(locations)
      .where(eq(locations.cqcLocationId, site(100).cqcLocationId))
    expect(added).toEqual([])
  })
})

async function streamBytes(rows: CqcLocationWriteInput[]): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await file(rows)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
