import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'MKRP', t.config)
})

afterAll(async () => {
  await t?.close()
})

async function signedIn(role: 'commissioner' | 'broker' | 'social_worker') {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('the committee report from the insights dashboard', () => {
  it('links from the dashboard to the report of the period shown', async () => {
    const client = await signedIn('commissioner')
    const page = await client.get(
      '/insights?from-day=1&from-month=1&from-year=2026&to-day=31&to-month=3&to-year=2026',
    )
    expect(page.statusCode).toBe(200)
    const href = page.body.match(/<a class="govuk-link" id="committee-report" href="([^"]+)"/)?.[1]
    expect(href).toBe('/insights/report.html?from=2026-01-01&amp;to=2026-03-31')

    const response = await client.get('/insights/report.html?from=2026-01-01&to=2026-03-31')
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/html/)
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="social-care-market-mkrp-2026-01-01-to-2026-03-31.html"',
    )
    expect(response.body.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(response.body).toContain('Social care market update')
    expect(response.body).toContain('1 January 2026 to 31 March 2026')
    expect(response.body).not.toMatch(/<script/i)
  })

  it('answers a reversed period with a 400 saying what is wrong', async () => {
    const client = await signedIn('broker')
    const response = await client.get('/insights/report.html?from=2026-03-01&to=2026-01-31')
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('The start date must be on or before the end date')
  })

  it('is for the same staff as the dashboard', async () => {
    expect((await (await signedIn('broker')).get('/insights/report.html')).statusCode).toBe(200)
    expect((await (await signedIn('social_worker')).get('/insights/report.html')).statusCode).toBe(403)
  })
})
