import { Readable } from 'node:stream'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import type { Actor } from '../../audit/service.ts'
import { auditLog, feeRates, localities } from '../../db/schema.ts'
import { ConflictError } from '../../errors.ts'
import { addRate, endRate, exportRates, importRates, listRates, usualPriceAt } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let northId: number
const actor: Actor = { kind: 'system', label: 'rate book test' }

const base = {
  serviceType: 'home_care',
  clientGroup: 'older_people',
  band: 'standard',
  locality: '',
  price: '24.50',
  effectiveFrom: '2027-04-01',
  effectiveTo: '2028-03-31',
}

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'RATES', t.config)
  const [north] = await t.database.db
    .insert(localities)
    .values({ councilId: home.councilId, name: 'North' })
    .returning({ id: localities.id })
  northId = (north as { id: number }).id
  await addRate(t.database.db, home.councilId, base, actor)
})
afterAll(async () => t.close())

function csv(text: string) {
  return Readable.from([Buffer.from(text)])
}

describe('the rate book', () => {
  it('refuses a rate whose dates overlap one of the same key, naming both', async () => {
    const refused = addRate(
      t.database.db,
      home.councilId,
      { ...base, price: '26.00', effectiveFrom: '2028-03-31', effectiveTo: '' },
      actor,
    )
    await expect(refused).rejects.toThrow(ConflictError)
    await expect(refused).rejects.toThrow(
      /£26\.00 per hour from 31 March 2028 overlaps Home care, Older people, Standard, everywhere: £24\.50 per hour from 1 April 2027 to 31 March 2028/,
    )
    // Another band, another locality or the next day is no overlap.
    await addRate(t.database.db, home.councilId, { ...base, band: 'enhanced', price: '27.00' }, actor)
    await addRate(t.database.db, home.councilId, { ...base, locality: 'north', price: '25.50' }, actor)
    await addRate(
      t.database.db,
      home.councilId,
      { ...base, price: '26.00', effectiveFrom: '2028-04-01', effectiveTo: '' },
      actor,
    )
  })

  it('refuses impossible rates field by field', async () => {
    await expect(
      addRate(
        t.database.db,
        home.councilId,
        { ...base, serviceType: 'spa', price: '-1', effectiveFrom: '2027-02-30' },
        actor,
      ),
    ).rejects.toMatchObject({
      errors: [
        { field: 'serviceType', message: expect.stringContaining('Service type must be one of') },
        { field: 'price', message: expect.stringContaining('more than £0') },
        { field: 'effectiveFrom', message: expect.stringContaining('real date') },
      ],
    })
  })

  it('looks up the usual price on a date: none before, the rate inside, the next one after, the locality’s own first', async () => {
    const key = { serviceType: 'home_care', clientGroup: 'older_people', band: 'standard', localityId: null }
    const at = (date: string, localityId: number | null = null) =>
      usualPriceAt(t.database.db, home.councilId, { ...key, localityId, date }).then(
        (r) => r?.pricePence ?? null,
      )
    expect(await at('2027-03-31')).toBeNull()
    expect(await at('2027-04-01')).toBe(2450)
    expect(await at('2028-03-31')).toBe(2450)
    expect(await at('2028-04-01')).toBe(2600)
    expect(await at('2027-06-01', northId)).toBe(2550)
    expect(await at('2028-06-01', northId)).toBe(2600)
  })

  it('ends a rate on a day, audited, and will not end it before it starts', async () => {
    const rate = (await listRates(t.database.db, home.councilId)).find((r) => r.band === 'enhanced')
    if (!rate) throw new Error('no enhanced rate')
    await expect(endRate(t.database.db, home.councilId, rate.id, '2027-03-01', actor)).rejects.toThrow(
      /last day/,
    )
    await endRate(t.database.db, home.councilId, rate.id, '2027-09-30', actor)
    const entries = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'fee_rate.ended')))
    expect(entries).toHaveLength(1)
    expect(entries[0]?.entityId).toBe(String(rate.id))
    expect(entries[0]?.details).toEqual({ previousEffectiveTo: '2028-03-31', effectiveTo: '2027-09-30' })
    const added = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'fee_rate.added')))
    expect(added).toHaveLength(4)
  })

  it('loads a CSV all or none, giving each rejected row’s line and reason, hostile cells included', async () => {
    const before = (await listRates(t.database.db, home.councilId)).length
    const header = 'Service_Type,Client_Group,Band,Locality,Price,Effective_From,Effective_To\n'
    const report = await importRates(
      t.database.db,
      home.councilId,
      csv(
        header +
          'residential,older_people,standard,,850.00,2027-04-01,\n' +
          '"=HYPERLINK(""http://evil.example"",""x"")",older_people,standard,,850,2027-04-01,\n' +
          'nursing,older_people,complex,"@SUM(1+1)",1100,2027-04-01,\n' +
          'home_care,older_people,standard,,25.00,2027-05-01,\n' +
          'residential,older_people,standard,,870.00,2027-10-01,\n',
      ),
      actor,
    )
    expect(report.status).toBe('rejected')
    expect(report.added).toBe(0)
    expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 5, 6])
    expect(report.rejected[0]?.reason).toContain('Service type must be one of')
    expect(report.rejected[1]?.reason).toContain('Locality must be one of')
    expect(report.rejected[2]?.reason).toMatch(
      /overlaps Home care, Older people, Standard, everywhere: £24\.50/,
    )
    expect(report.rejected[3]?.reason).toMatch(/overlaps an earlier row: Care home: residential/)
    expect((await listRates(t.database.db, home.councilId)).length).toBe(before)

    const good = await importRates(
      t.database.db,
      home.councilId,
      csv(
        `${header}residential,older_people,standard,North,850.00,01/04/2027,31/03/2028\nday_opportunities,younger_adults,standard,,45,2027-04-01,\n`,
      ),
      actor,
    )
    expect(good).toEqual({ status: 'completed', rowsRead: 2, added: 2, rejected: [] })
    const entries = await t.database.db
      .select({ action: auditLog.action, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.entityType, 'fee_rate')))
    expect(entries.map((e) => e.action)).toContain('fee_rates.imported')
    expect(entries.map((e) => e.action)).toContain('fee_rates.import_rejected')
  })

  it('refuses a file without the columns it needs', async () => {
    await expect(importRates(t.database.db, home.councilId, csv('name,price\nx,1\n'), actor)).rejects.toThrow(
      /missing: service_type, client_group, band, effective_from/,
    )
  })

  it('writes the book as CSV the import reads again, with any formula-like text neutralised', async () => {
    const [other] = await t.database.db
      .insert(localities)
      .values({ councilId: home.councilId, name: '=cmd|calc' })
      .returning({ id: localities.id })
    await t.database.db.insert(feeRates).values({
      councilId: home.councilId,
      serviceType: 'supported_living',
      clientGroup: 'younger_adults',
      band: 'complex',
      localityId: (other as { id: number }).id,
      pricePence: 2899,
      effectiveFrom: '2027-04-01',
    })
    const text = await exportRates(t.database.db, home.councilId)
    expect(text.split('\n')[0]).toBe(
      'service_type,client_group,band,locality,price,effective_from,effective_to,unit',
    )
    expect(text).toContain(`supported_living,younger_adults,complex,"'=cmd|calc",28.99,2027-04-01,,per hour`)
    expect(text).toContain('day_opportunities,younger_adults,standard,,45.00,2027-04-01,,per session')
    expect(text).not.toMatch(/(^|,)=cmd/m)
  })
})
