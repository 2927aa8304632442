import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import {
  addPcnAreas,
  addRequestHistory,
  placeLocation,
  reportVacancies,
} from '../../../test/support/sufficiency-fixture.ts'
import { getSuppressionThreshold } from '../mps/service.ts'
import { DEFAULT_SUFFICIENCY_THRESHOLDS } from './rules.ts'
import { getSufficiencyThresholds } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  home = await seedCouncil(t.database, 'SUFR', t.config)
  const { pcn } = await addPcnAreas(db, home.councilId, ['Northgate & Holt', 'Southmere'])
  const north = pcn['Northgate & Holt'] as number
  const now = new Date()
  for (const days of [10, 11, 12, 13, 14])
    await addRequestHistory(
      db,
      home.councilId,
      { pcnAreaId: north, type: 'residential', submittedDaysAgo: days, awardedAfterDays: 1 },
      now,
    )
  for (const days of [10, 11, 12, 13, 14])
    await addRequestHistory(
      db,
      home.councilId,
      { pcnAreaId: north, type: 'nursing', submittedDaysAgo: days, cancelled: true },
      now,
    )
  await placeLocation(db, home.providerA.locationId, north)
  await reportVacancies(db, home.councilId, home.providerA.locationId, 'residential', 2, now)
})
afterAll(async () => t.close())

async function signedIn(role: 'commissioner' | 'council_admin' | 'broker'): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('/sufficiency', () => {
  it('shows each PCN area’s rating per placement type as a tag with its word, and the grid chart', async () => {
    const page = await (await signedIn('commissioner')).get('/sufficiency')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Northgate &amp; Holt')
    expect(page.body).toContain('Southmere')
    expect(page.body).toContain('<strong class="govuk-tag govuk-tag--green">Sufficient</strong>')
    expect(page.body).toContain('<strong class="govuk-tag govuk-tag--red">Low</strong>')
    expect(page.body).toContain('<strong class="govuk-tag govuk-tag--grey">Not enough data</strong>')
    expect(page.body).not.toContain('govuk-tag--yellow')
    expect(page.body).toMatch(/<svg[^>]*role="img"/)
    expect(page.body).toContain('Sufficiency by PCN area and placement type')
    expect(page.body).toContain('Dementia (enhanced) residential')
    // A commissioner reads the page; only the admin is offered the thresholds.
    expect(page.body).not.toContain('href="/admin/sufficiency"')
    expect((await (await signedIn('council_admin')).get('/sufficiency')).body).toContain(
      'href="/admin/sufficiency"',
    )
  })

  it('appears in a commissioner’s navigation but not a broker’s', async () => {
    expect((await (await signedIn('commissioner')).get('/')).body).toContain('href="/sufficiency"')
    expect((await (await signedIn('broker')).get('/')).body).not.toContain('href="/sufficiency"')
  })
})

describe('/admin/sufficiency', () => {
  it('shows the current thresholds', async () => {
    const page = await (await signedIn('council_admin')).get('/admin/sufficiency')
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(
      new RegExp(
        `id="periodDays" name="periodDays"[^>]*value="${DEFAULT_SUFFICIENCY_THRESHOLDS.periodDays}"`,
      ),
    )
  })

  it('refuses invalid thresholds with an error summary linked to the field, keeping what was typed', async () => {
    const admin = await signedIn('council_admin')
    await admin.get('/admin/sufficiency')
    const form = Object.fromEntries(
      Object.entries(DEFAULT_SUFFICIENCY_THRESHOLDS).map(([k, v]) => [k, String(v)]),
    )
    const bad = await admin.post('/admin/sufficiency', { ...form, minRequests: 'x' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('There is a problem')
    expect(bad.body).toContain('href="#minRequests"')
    expect(bad.body).toContain('value="x"')
    const crossed = await admin.post('/admin/sufficiency', { ...form, lowSuccessPercent: '85' })
    expect(crossed.statusCode).toBe(400)
    expect(crossed.body).toContain('href="#lowSuccessPercent"')
    expect(crossed.body).toContain('The % for Low must be less than the % for Sufficient')
    expect(crossed.body).toContain('value="85"')
    expect(await getSufficiencyThresholds(t.database.db, home.councilId)).toEqual(
      DEFAULT_SUFFICIENCY_THRESHOLDS,
    )
  })

  it('saves valid thresholds, which the page then uses, leaving the other market settings alone', async () => {
    const admin = await signedIn('council_admin')
    await admin.get('/admin/sufficiency')
    const form = Object.fromEntries(
      Object.entries({ ...DEFAULT_SUFFICIENCY_THRESHOLDS, minRequests: 6 }).map(([k, v]) => [k, String(v)]),
    )
    const ok = await admin.post('/admin/sufficiency', form)
    expect(ok.statusCode).toBe(303)
    expect(ok.headers.location).toBe('/admin/sufficiency?saved=1')
    expect((await getSufficiencyThresholds(t.database.db, home.councilId)).minRequests).toBe(6)
    expect(await getSuppressionThreshold(t.database.db, home.councilId)).toBe(5)
    const page = await admin.get('/sufficiency')
    expect(page.body).not.toContain('govuk-tag--green')
    expect(page.body).toContain('fewer than 6 requests')
  })
})
