// The public fees page of the Market Position Statement: the rate book in force on 1 April of the
// year and the chosen uplifts with how they were decided; nothing still being weighed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { addRate } from '../../fees/rates/service.ts'
import { chooseScenario, saveScenario } from '../../fees/uplifts/scenarios.ts'

const SYSTEM = { kind: 'system', label: 'test' } as const
let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

const rate = (price: string, effectiveFrom: string, effectiveTo = '', serviceType = 'residential') => ({
  serviceType,
  clientGroup: 'older_people',
  band: 'standard',
  locality: '',
  price,
  effectiveFrom,
  effectiveTo,
})

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'MPSF', t.config)
  const db = t.database.db
  await addRate(db, home.councilId, rate('801.11', '2026-04-01', '2027-03-31'), SYSTEM)
  await addRate(db, home.councilId, rate('842.22', '2027-04-01'), SYSTEM)
  await addRate(db, home.councilId, rate('25.33', '2026-04-01', '', 'home_care'), SYSTEM)
  await addRate(db, home.councilId, rate('26.44', '2027-06-01', '', 'supported_living'), SYSTEM)
  await saveScenario(db, home.councilId, 2027, { name: 'Draft nine', scenario: { default: 9.25 } }, SYSTEM)
  const chosen = await saveScenario(
    db,
    home.councilId,
    2027,
    { name: 'Agreed', scenario: { default: 5.5, 'home-support': { uplift: 4, hourlyRatePence: 2600 } } },
    SYSTEM,
  )
  await chooseScenario(
    db,
    home.councilId,
    2027,
    chosen.id,
    { rationale: 'Cabinet on 12 March 2027 agreed 5.5% for care homes to match the NLW' },
    SYSTEM,
    new Date('2027-03-12T15:00:00Z'),
  )
})
afterAll(async () => t.close())

describe('/councils/{code}/market-position/fees/{year}', () => {
  it('publishes the rates in force on 1 April and the chosen uplifts, to anyone', async () => {
    const page = await new Client(t.app).get(`/councils/${home.code}/market-position/fees/2027`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Fees for 2027/28')
    expect(page.body).toContain('Usual prices on 1 April 2027')
    expect(page.body).toContain('£842.22')
    expect(page.body).toContain('£25.33')
    expect(page.body).toContain('per hour')
    // Ended before the year, or starting after its first day.
    expect(page.body).not.toContain('£801.11')
    expect(page.body).not.toContain('£26.44')
    expect(page.body).toContain('Cabinet on 12 March 2027 agreed 5.5% for care homes to match the NLW')
    expect(page.body).toContain('Decided on 12 March 2027')
    expect(page.body).toContain('5.5%')
    expect(page.body).toContain('At least £26.00 an hour')
    // Scenarios not chosen are never published, nor the costs.
    expect(page.body).not.toContain('9.25%')
    expect(page.body).not.toContain('Draft nine')
    expect(page.body).not.toContain('Agreed')
  })

  it('says what is not published yet, and refuses a bad year or council', async () => {
    const client = new Client(t.app)
    const before = await client.get(`/councils/${home.code}/market-position/fees/2025`)
    expect(before.statusCode).toBe(200)
    expect(before.body).toContain('The council has not published usual prices in force on 1 April 2025')
    expect(before.body).toContain('has not yet published how the fee uplifts for 2025/26 were decided')
    expect((await client.get(`/councils/${home.code}/market-position/fees`)).statusCode).toBe(200)
    expect((await client.get(`/councils/${home.code}/market-position/fees/20x7`)).statusCode).toBe(400)
    expect((await client.get('/councils/NOPE/market-position/fees/2027')).statusCode).toBe(404)
    const index = await client.get(`/councils/${home.code}/market-position`)
    expect(index.body).toContain(`href="/councils/${home.code}/market-position/fees"`)
  })
})
