import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { loadBook } from '../../test/support/uplifts-fixture.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { cliContext } from './context.ts'
import { runCli } from './index.ts'

let database: DatabaseHandle
let dir: string

beforeAll(async () => {
  database = await createTestDatabase()
  const home = await seedCouncil(database, 'UPLC', testConfig())
  await loadBook(
    database.db,
    home.councilId,
    { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
    [
      // 2027/28 has 366 days: £700 a week is £36,600 before, £38,430 after 5%.
      {
        personRef: 'C1',
        serviceType: 'nursing',
        clientGroup: 'older_people',
        weeklyCostPence: 70_000,
        startDate: '2026-01-01',
      },
    ],
  )
  dir = mkdtempSync(path.join(tmpdir(), 'caremarket-fees-'))
  writeFileSync(path.join(dir, 'five.json'), '{"default": 5}')
  writeFileSync(path.join(dir, 'two.json'), '{"default": 2}')
  writeFileSync(path.join(dir, 'bad.json'), '{"default": 5, "kennels": -2}')
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await database?.close()
})

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const context = cliContext(
    () => testConfig(),
    <T>(work: (d: DatabaseHandle) => Promise<T>) => work(database),
  )
  let out = ''
  let err = ''
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk)
    return true
  })
  const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk)
    return true
  })
  try {
    const code = await runCli(args, context)
    return { code, out, err }
  } finally {
    write.mockRestore()
    writeErr.mockRestore()
  }
}

describe('caremarket fees uplift', () => {
  it('prints sectors[] and total with the annual cost before and after, as JSON', async () => {
    const { code, out } = await run([
      'fees',
      'uplift',
      '--council',
      'uplc',
      '--year',
      '2027',
      '--scenario',
      path.join(dir, 'five.json'),
      '--json',
    ])
    expect(code).toBe(0)
    const body = JSON.parse(out)
    expect(body.sectors.map((s: { sector: string }) => s.sector)).toContain('older-people-nursing')
    const nursing = body.sectors.find((s: { sector: string }) => s.sector === 'older-people-nursing')
    expect(nursing).toMatchObject({
      sector: 'older-people-nursing',
      annualCostBeforePence: 3_660_000,
      annualCostAfterPence: 3_843_000,
    })
    expect(body.total).toMatchObject({
      sector: 'total',
      annualCostBeforePence: 3_660_000,
      annualCostAfterPence: 3_843_000,
    })
  })

  it('compares scenarios side by side and fits a budget, in words', async () => {
    const { code, out } = await run([
      'fees',
      'uplift',
      '--council',
      'UPLC',
      '--year',
      '2027',
      '--scenario',
      path.join(dir, 'five.json'),
      '--compare',
      path.join(dir, 'two.json'),
      '--budget',
      '732',
    ])
    expect(code).toBe(0)
    expect(out).toContain('Scenario 1, 2027/28')
    expect(out).toContain('Scenario 2, 2027/28')
    expect(out).toContain('£37,332') // after 2%
    expect(out).toContain('A budget of £732 allows 2% for every sector')
  })

  it('refuses a scenario with an unknown sector or a negative %, field by field', async () => {
    const { code, err } = await run([
      'fees',
      'uplift',
      '--council',
      'UPLC',
      '--year',
      '2027',
      '--scenario',
      path.join(dir, 'bad.json'),
    ])
    expect(code).toBe(1)
    expect(err).toContain('--scenario.kennels: Unknown sector or setting')
    const year = await run(['fees', 'uplift', '--council', 'UPLC', '--year', '99', '--scenario', 'x.json'])
    expect(year.code).toBe(2)
    expect(year.err).toContain('--year must be a whole number from 2000 to 2100')
  })
})

describe('caremarket fees rates', () => {
  it('loads a CSV of rates, refuses a file with a bad or overlapping row whole, and writes the book back as CSV', async () => {
    const good = path.join(dir, 'rates.csv')
    writeFileSync(
      good,
      [
        'service_type,client_group,band,locality,price,effective_from,effective_to',
        'residential,older_people,standard,,812.40,2027-04-01,',
        'home_care,older_people,standard,,25.10,2026-04-01,2027-03-31',
      ].join('\n'),
    )
    const loaded = await run(['fees', 'rates', 'import', good, '--council', 'uplc', '--json'])
    expect(loaded.code).toBe(0)
    expect(JSON.parse(loaded.out)).toEqual({ status: 'completed', rowsRead: 2, added: 2, rejected: [] })

    const bad = path.join(dir, 'bad-rates.csv')
    writeFileSync(
      bad,
      [
        'service_type,client_group,band,locality,price,effective_from,effective_to',
        'nursing,older_people,standard,,950,2027-04-01,',
        'residential,older_people,standard,,820,2028-01-01,',
        'kennels,older_people,standard,,1,2027-04-01,',
      ].join('\n'),
    )
    const refused = await run(['fees', 'rates', 'import', bad, '--council', 'UPLC'])
    expect(refused.code).toBe(1)
    expect(refused.out).toContain('No rates were loaded from bad-rates.csv: 2 of 3 rows rejected')
    expect(refused.out).toMatch(/line 3: .*overlaps/)
    expect(refused.out).toContain('line 4: Service type must be one of')

    const all = await run(['fees', 'rates', 'export', '--council', 'UPLC'])
    expect(all.code).toBe(0)
    const lines = all.out.trim().split('\n')
    expect(lines[0]).toBe('service_type,client_group,band,locality,price,effective_from,effective_to,unit')
    expect(lines).toHaveLength(3)
    const at = await run(['fees', 'rates', 'export', '--council', 'UPLC', '--at', '2027-04-01'])
    expect(at.out.trim().split('\n')).toEqual([
      'service_type,client_group,band,locality,price,effective_from,effective_to,unit',
      'residential,older_people,standard,,812.40,2027-04-01,,per week',
    ])
    expect((await run(['fees', 'rates', 'export', '--council', 'UPLC', '--at', '2027-02-30'])).code).toBe(2)
    expect(
      (await run(['fees', 'rates', 'import', path.join(dir, 'none.csv'), '--council', 'UPLC'])).code,
    ).toBe(2)
  })
})

describe('caremarket fees cost-of-care', () => {
  it('prints each sector, suppressed without enough returns, and the fees paid', async () => {
    const { code, out, err } = await run([
      'fees',
      'cost-of-care',
      '--council',
      'UPLC',
      '--year',
      '2027',
      '--json',
    ])
    expect(code, err).toBe(0)
    const nursing = JSON.parse(out).sectors.find(
      (s: { sector: string }) => s.sector === 'older-people-nursing',
    )
    expect(nursing).toMatchObject({
      suppressed: true,
      returns: null,
      paid: { packages: 1, averagePence: 70_000 },
    })
    const text = await run(['fees', 'cost-of-care', '--council', 'UPLC', '--year', '2027'])
    expect(text.out).toContain('Nursing older people (per resident a week)')
    expect(text.out).toContain('fewer than 5 returns: suppressed')
  })
})

describe('caremarket fees apply-uplift', () => {
  it('applies a scenario file once, printing the price changes as JSON', async () => {
    const args = ['fees', 'apply-uplift', '--council', 'UPLC', '--year', '2027', '--scenario']
    const { code, out, err } = await run([...args, path.join(dir, 'five.json'), '--json'])
    expect(code, err).toBe(0)
    const json = JSON.parse(out)
    expect(json).toMatchObject({ year: 2027, packagesChanged: 1, effectiveFrom: '2027-04-01' })
    expect(json.packages[0]).toMatchObject({ oldWeeklyCostPence: 70_000, newWeeklyCostPence: 73_500 })
    const again = await run([...args, path.join(dir, 'two.json')])
    expect(again.code).not.toBe(0)
    expect(again.err).toContain('already applied')
  })
})
