import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { localities } from '../../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'INSR', t.config)
  await t.database.db.insert(localities).values({ councilId: home.councilId, name: 'North' })
})

afterAll(async () => {
  await t?.close()
})

async function signedIn(role: 'commissioner' | 'broker' | 'social_worker') {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('GET /insights', () => {
  it('shows every measure, with the charts and their tables', async () => {
    const client = await signedIn('commissioner')
    const response = await client.get('/insights')
    expect(response.statusCode, response.body.slice(0, 3000)).toBe(200)
    for (const heading of [
      'Response to requests',
      'Time to source',
      'Home care hours commissioned',
      'Accepted prices',
      'Quality mix today',
    ])
      expect(response.body).toContain(heading)
    expect(response.body).toContain('id="insights-hours-trend"')
    expect(response.body).toContain('id="insights-hours-trend-table"')
    expect(response.body).toContain('<option value="North"')
  })

  it('answers a reversed range, a future date or an unknown locality with a 400 and an error summary', async () => {
    const client = await signedIn('commissioner')
    const cases = [
      [
        'from-day=10&from-month=3&from-year=2025&to-day=1&to-month=3&to-year=2025',
        '#from-day',
        'on or before the end date',
      ],
      ['to-day=1&to-month=1&to-year=2999', '#to-day', 'today or in the past'],
      ['locality=Atlantis', '#locality', 'Choose one of the council’s localities'],
      ['serviceType=spa', '#serviceType', 'Choose one of the service types'],
      ['from-day=31&from-month=2&from-year=2025', '#from-day', 'must be a real date'],
    ] as const
    for (const [query, href, message] of cases) {
      const response = await client.get(`/insights?${query}`)
      expect(response.statusCode, query).toBe(400)
      expect(response.body).toContain('govuk-error-summary')
      expect(response.body).toContain(`href="${href}"`)
      expect(response.body).toContain(message)
    }
  })

  it('is for council staff who commission or broker care', async () => {
    expect((await (await signedIn('broker')).get('/insights')).statusCode).toBe(200)
    expect((await (await signedIn('social_worker')).get('/insights')).statusCode).toBe(403)
  })
})
