// The committee report's fees section: the year's saved uplift scenarios side by side, the chosen
// one's cost, the National Living Wage's 1p, and a plain sentence when nothing is saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { loadBook } from '../../../test/support/uplifts-fixture.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { chooseScenario, saveScenario } from '../../fees/uplifts/scenarios.ts'
import { renderMarketReportHtml } from './render.ts'
import { feesYearOf, marketReport } from './service.ts'

const NOW = new Date('2026-12-07T12:00:00Z')
const SYSTEM = { kind: 'system', label: 'test' } as const

let database: DatabaseHandle
let council: { id: number; code: string; name: string }
let empty: { id: number; code: string; name: string }

beforeAll(async () => {
  database = await createTestDatabase()
  const home = await seedCouncil(database, 'RFEE', testConfig())
  const none = await seedCouncil(database, 'RFEN', testConfig())
  council = { id: home.councilId, code: 'RFEE', name: 'RFEE Test Council' }
  empty = { id: none.councilId, code: 'RFEN', name: 'RFEN Test Council' }
  // 2027/28 has 366 days: £700 a week is £36,600 in the year, £38,430 after 5%.
  await loadBook(
    database.db,
    home.councilId,
    { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
    [
      {
        personRef: 'F1',
        serviceType: 'nursing',
        clientGroup: 'older_people',
        weeklyCostPence: 70_000,
        startDate: '2026-01-01',
      },
    ],
  )
  await saveScenario(database.db, home.councilId, 2027, { name: 'Two', scenario: { default: 2 } }, SYSTEM)
  const five = await saveScenario(
    database.db,
    home.councilId,
    2027,
    { name: 'Five and the NLW', scenario: { default: 5, nlwOldPence: 1271, nlwNewPence: 1321 } },
    SYSTEM,
  )
  await chooseScenario(
    database.db,
    home.councilId,
    2027,
    five.id,
    { rationale: 'Cabinet on 12 March 2027 agreed 5% for every sector' },
    SYSTEM,
    new Date('2027-03-12T15:00:00Z'),
  )
})
afterAll(async () => database?.close())

describe('the fees year of a committee report', () => {
  it('is the one starting on the 1 April on or after the period’s last day', () => {
    expect(feesYearOf('2026-12-07')).toBe(2027)
    expect(feesYearOf('2027-03-31')).toBe(2027)
    expect(feesYearOf('2027-04-01')).toBe(2027)
    expect(feesYearOf('2027-04-02')).toBe(2028)
  })
})

describe('the committee report’s fees section', () => {
  it('shows the saved scenarios side by side, the chosen one’s cost and the NLW’s 1p, and a place for the cost of care', async () => {
    const report = await marketReport(database.db, council, { to: '2026-12-07' }, NOW)
    expect(report.fees.year).toBe(2027)
    expect(report.fees.scenarios.map((s) => s.saved.name)).toEqual(['Five and the NLW', 'Two'])
    const chosen = report.fees.chosen?.model.total
    expect(chosen).toMatchObject({
      annualCostBeforePence: 3_660_000,
      annualCostAfterPence: 3_843_000,
      increasePence: 183_000,
    })
    // 60% of £38,430 of pay, at £13.21 an hour: 1,745.5 hours' worth at 1p, rounded to the penny.
    expect(chosen?.nlwPennyCostPence).toBe(Math.round((3_843_000 * 0.6) / 1321))
    const html = await renderMarketReportHtml(report)
    expect(html).toContain('Fees for 2027/28')
    expect(html).toContain('The council chose “Five and the NLW” on 12 March 2027')
    expect(html).toContain('Cabinet on 12 March 2027 agreed 5% for every sector.')
    expect(html).toContain('<strong>£38,430</strong>')
    expect(html).toContain('<strong>£1,830</strong> more than before (5%)')
    expect(html).toMatch(/<svg[^>]*role="img"/)
    expect(html).toContain('Annual cost after each saved scenario, 2027/28')
    expect(html).toContain('£37,332') // £714 a week × 366 ÷ 7 under “Two”
    expect(html).toContain('No NLW given')
    expect(html).toContain('id="cost-of-care"')
    expect(html).toContain('No cost of care returns from providers are held yet')
  })

  it('says so plainly when no scenario is saved, and takes the year the report names', async () => {
    const html = await renderMarketReportHtml(
      await marketReport(database.db, empty, { to: '2026-12-07' }, NOW),
    )
    expect(html).toContain('No uplift scenario has been saved for 2027/28')
    expect(html).not.toContain('report-fees-scenarios')
    const other = await marketReport(database.db, council, { to: '2026-12-07', feesYear: '2026' }, NOW)
    expect(other.fees.label).toBe('2026/27')
    expect(other.fees.scenarios).toEqual([])
    await expect(marketReport(database.db, council, { feesYear: '1999' }, NOW)).rejects.toThrow(
      /2000 to 2100/,
    )
  })
})
