import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { auditLog, restrictions } from '../../db/schema.ts'
import { dateParts } from '../../web/forms.ts'
import { placeRestriction, recordKeyQuestionRatings } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let commissioner: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'QRT', t.config)
  other = await seedCouncil(t.database, 'QRO', t.config)
  commissioner = new Client(t.app)
  await commissioner.signIn(home.emails.commissioner)
})
afterAll(async () => t.close())

async function signedIn(email: string): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(email)
  return client
}

/** The text of a page without tags, so assertions read like what a person sees. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;/g, '’')
    .replace(/\s+/g, ' ')
}

describe('PAMMS audits through the web', () => {
  it('lets a commissioner record an audit and see it on the location page', async () => {
    const locationUrl = `/locations/${home.providerA.locationId}`
    const page = await commissioner.get(locationUrl)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(`href="${locationUrl}/pamms/new"`)
    const form = await commissioner.get(`${locationUrl}/pamms/new`)
    expect(form.statusCode).toBe(200)
    expect(textOf(form.body)).toContain('Record a PAMMS audit')

    const response = await commissioner.post(`${locationUrl}/pamms`, {
      rating: 'Poor',
      reference: 'PAMMS-2025-001',
      ...dateParts('ratedOn', '2025-02-03'),
    })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe(`${locationUrl}?done=pamms-recorded`)
    const after = textOf((await commissioner.get(`${locationUrl}?done=pamms-recorded`)).body)
    expect(after).toContain('PAMMS audit recorded')
    expect(after).toContain('3 February 2025 Poor PAMMS-2025-001 commissioner@qrt.test')
    // More recent than the register's undated CQC rating, so it is the effective rating.
    expect(after).toContain('Effective rating Poor (counts as Inadequate on the CQC scale)')
    expect(after).toContain('From PAMMS audit, 3 February 2025')
  })

  it('shows every problem with the form, keeping what was typed', async () => {
    const url = `/locations/${home.providerA.locationId}/pamms`
    const response = await commissioner.post(url, {
      rating: '',
      reference: 'x'.repeat(101),
      'ratedOn-day': '31',
      'ratedOn-month': '2',
      'ratedOn-year': '2024',
    })
    expect(response.statusCode).toBe(400)
    const text = textOf(response.body)
    expect(text).toContain('There is a problem')
    expect(text).toContain('Choose the audit’s overall rating')
    expect(text).toMatch(/The date of the audit must be a real date, like \d{1,2} \d{1,2} \d{4}/)
    expect(text).toContain('The audit reference must be 100 characters or fewer')
    expect(response.body).toContain('href="#ratedOn-day"')
    expect(response.body).toContain('value="31"')
  })

  it('refuses a second audit on the same day as a conflict on the date', async () => {
    const url = `/locations/${home.providerB.locationId}/pamms`
    const audit = { rating: 'Good', reference: 'R', ...dateParts('ratedOn', '2024-05-05') }
    expect((await commissioner.post(url, audit)).statusCode).toBe(303)
    const again = await commissioner.post(url, audit)
    expect(again.statusCode).toBe(409)
    expect(textOf(again.body)).toContain(
      'A PAMMS audit dated 5 May 2024 is already recorded for this location',
    )
  })
})

describe('restrictions through the web', () => {
  it('lets a commissioner place a restriction and lift it, with banners and audit entries', async () => {
    const locationUrl = `/locations/${home.providerA.locationId}`
    expect((await commissioner.get(`${locationUrl}/restrictions/new`)).statusCode).toBe(200)
    const placed = await commissioner.post(`${locationUrl}/restrictions`, {
      kind: 'placement_limit',
      monthlyLimit: '2',
      reason: 'Staffing concerns after inspection',
      ...dateParts('startsOn', '2024-04-01'),
    })
    expect(placed.statusCode).toBe(303)
    expect(placed.headers.location).toBe(`${locationUrl}?done=restriction-placed`)
    const [row] = await t.database.db
      .select()
      .from(restrictions)
      .where(eq(restrictions.reason, 'Staffing concerns after inspection'))
    expect(row).toMatchObject({
      kind: 'placement_limit',
      monthlyLimit: 2,
      startsOn: '2024-04-01',
      endsOn: null,
    })
    const page = textOf((await commissioner.get(`${locationUrl}?done=restriction-placed`)).body)
    expect(page).toContain('Restriction placed')
    expect(page).toContain(
      'Limit of 2 placements per month In force 1 April 2024 No end date Staffing concerns',
    )

    const liftUrl = `${locationUrl}/restrictions/${row?.id}/lift`
    expect((await commissioner.get(liftUrl)).statusCode).toBe(200)
    const missingReason = await commissioner.post(liftUrl, { reason: '' })
    expect(missingReason.statusCode).toBe(400)
    expect(textOf(missingReason.body)).toContain('Enter the reason for lifting the restriction')
    const lifted = await commissioner.post(liftUrl, { reason: 'Staffing restored' })
    expect(lifted.statusCode).toBe(303)
    expect(lifted.headers.location).toBe(`${locationUrl}?done=restriction-lifted`)
    const afterLift = textOf((await commissioner.get(`${locationUrl}?done=restriction-lifted`)).body)
    expect(afterLift).toContain('Restriction lifted')
    expect(afterLift).toContain('Past restrictions')
    expect(afterLift).toContain(
      'by commissioner@qrt.test Staffing concerns after inspection Staffing restored',
    )

    expect((await commissioner.get(liftUrl)).statusCode).toBe(409)
    expect((await commissioner.post(liftUrl, { reason: 'Again' })).statusCode).toBe(409)
    const actions = (
      await t.database.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.entityId, String(row?.id)))
    )
      .filter((e) => e.entityType === 'restriction')
      .map((e) => e.action)
    expect(actions).toEqual(['restriction.placed', 'restriction.lifted'])
  })

  it('shows the form again with every problem', async () => {
    const response = await commissioner.post(`/locations/${home.providerA.locationId}/restrictions`, {
      kind: 'no_new_placements',
      monthlyLimit: '3',
      reason: '',
      ...dateParts('startsOn', '2024-04-10'),
      ...dateParts('endsOn', '2024-04-09'),
    })
    expect(response.statusCode).toBe(400)
    const text = textOf(response.body)
    expect(text).toContain('Leave the monthly limit empty unless the restriction limits placements per month')
    expect(text).toContain('The end date must be the same as or after the start date')
    expect(text).toContain('Enter the reason for the restriction')
    expect(response.body).toContain('href="#endsOn-day"')
    expect(response.body).toMatch(/value="no_new_placements" checked/)
  })

  it('will not lift a restriction through another location’s address', async () => {
    const restriction = await placeRestriction(
      t.database.db,
      home.councilId,
      home.providerB.locationId,
      { kind: 'no_new_placements', startsOn: '2024-01-01', reason: 'B only' },
      { kind: 'system', label: 'test' },
    )
    const wrong = `/locations/${home.providerA.locationId}/restrictions/${restriction.id}/lift`
    expect((await commissioner.get(wrong)).statusCode).toBe(404)
    expect((await commissioner.post(wrong, { reason: 'x' })).statusCode).toBe(404)
  })
})

describe('CQC key questions', () => {
  it('shows the latest rating of each key question on the location page and in the API', async () => {
    const locationId = home.providerA.locationId
    const actor = { kind: 'system', label: 'test' } as const
    await recordKeyQuestionRatings(
      t.database.db,
      home.councilId,
      [
        { locationId, keyQuestion: 'safe', rating: 'Requires improvement', ratedOn: '2023-05-04' },
        { locationId, keyQuestion: 'safe', rating: 'Good', ratedOn: '2025-02-01' },
        { locationId, keyQuestion: 'well_led', rating: 'Outstanding', ratedOn: '2025-02-01' },
      ],
      actor,
    )
    const broker = await signedIn(home.emails.broker)
    const page = textOf((await broker.get(`/locations/${locationId}`)).body)
    expect(page).toContain('CQC key questions')
    expect(page).toMatch(/Safe\s+Good \(1 February 2025\)/)
    expect(page).toMatch(/Well-led\s+Outstanding \(1 February 2025\)/)
    expect(page).not.toContain('Requires improvement (4 May 2023)')
    const api = (await broker.get(`/api/v1/locations/${locationId}/quality`)).json() as {
      keyQuestionRatings: unknown[]
    }
    expect(api.keyQuestionRatings).toEqual([
      { keyQuestion: 'safe', label: 'Safe', rating: 'Good', ratedOn: '2025-02-01' },
      { keyQuestion: 'well_led', label: 'Well-led', rating: 'Outstanding', ratedOn: '2025-02-01' },
    ])
  })

  it('says nothing of key questions where CQC has rated none', async () => {
    const broker = await signedIn(home.emails.broker)
    const page = await broker.get(`/locations/${home.providerB.locationId}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).not.toContain('CQC key questions')
  })
})

describe('who may do what', () => {
  it('lets a broker read quality and restrictions but change nothing', async () => {
    const broker = await signedIn(home.emails.broker)
    const locationUrl = `/locations/${home.providerA.locationId}`
    const page = await broker.get(locationUrl)
    expect(page.statusCode).toBe(200)
    expect(textOf(page.body)).toContain('Effective rating')
    expect(page.body).not.toContain('/pamms/new')
    expect(page.body).not.toContain('/restrictions/new')
    expect(page.body).not.toContain('/lift')
    expect((await broker.get(`${locationUrl}/pamms/new`)).statusCode).toBe(403)
    expect((await broker.get(`${locationUrl}/restrictions/new`)).statusCode).toBe(403)
    const refused = await broker.post(`${locationUrl}/restrictions`, {
      kind: 'no_new_placements',
      reason: 'Broker attempt',
      ...dateParts('startsOn', '2024-04-01'),
    })
    expect(refused.statusCode).toBe(403)
    const stored = await t.database.db
      .select()
      .from(restrictions)
      .where(eq(restrictions.reason, 'Broker attempt'))
    expect(stored).toEqual([])
  })

  it('shows a provider user its own location’s ratings and restrictions, read only, and nothing else', async () => {
    await placeRestriction(
      t.database.db,
      home.councilId,
      home.providerA.locationId,
      { kind: 'contact_quality_team', startsOn: '2024-02-01', reason: 'Visible to the provider' },
      { kind: 'system', label: 'test' },
    )
    const provider = await signedIn(home.emails.providerA)
    const own = await provider.get(`/provider/locations/${home.providerA.locationId}`)
    expect(own.statusCode).toBe(200)
    const text = textOf(own.body)
    expect(text).toContain('PAMMS audits')
    expect(text).toContain('Contact quality team before placing')
    expect(text).toContain('Visible to the provider')
    expect(own.body).not.toContain('/lift')
    expect(own.body).not.toContain('/restrictions/new')
    expect((await provider.get(`/provider/locations/${home.providerB.locationId}`)).statusCode).toBe(404)

    const api = await provider.get(`/api/v1/locations/${home.providerA.locationId}/quality`)
    expect(api.statusCode).toBe(200)
    const body = api.json() as {
      locationId: number
      effectiveRating: { rating: string; source: string }
      ratings: { source: string; label: string }[]
      restrictions: { current: { kind: string; status: string }[] }
    }
    expect(body.locationId).toBe(home.providerA.locationId)
    expect(body.effectiveRating).toMatchObject({ rating: 'Inadequate', source: 'pamms' })
    expect(body.ratings.map((r) => [r.source, r.label])).toContainEqual(['pamms', 'Poor'])
    expect(body.restrictions.current).toContainEqual(
      expect.objectContaining({ kind: 'contact_quality_team', status: 'in_force' }),
    )
    expect((await provider.get(`/api/v1/locations/${home.providerB.locationId}/quality`)).statusCode).toBe(
      404,
    )
    expect((await provider.get('/api/v1/restrictions')).statusCode).toBe(403)
  })

  it('answers 404 to another council’s commissioner, on every page, form and API', async () => {
    const outsider = await signedIn(other.emails.commissioner)
    const locationUrl = `/locations/${home.providerA.locationId}`
    const [restriction] = await t.database.db
      .select()
      .from(restrictions)
      .where(eq(restrictions.locationId, home.providerB.locationId))
    expect((await outsider.get(locationUrl)).statusCode).toBe(404)
    expect((await outsider.get(`${locationUrl}/pamms/new`)).statusCode).toBe(404)
    expect((await outsider.get(`${locationUrl}/restrictions/new`)).statusCode).toBe(404)
    const pamms = await outsider.post(`${locationUrl}/pamms`, {
      rating: 'Good',
      reference: 'X',
      ...dateParts('ratedOn', '2024-01-01'),
    })
    expect(pamms.statusCode).toBe(404)
    const place = await outsider.post(`${locationUrl}/restrictions`, {
      kind: 'no_new_placements',
      reason: 'Cross-council attempt',
      ...dateParts('startsOn', '2024-04-01'),
    })
    expect(place.statusCode).toBe(404)
    const liftUrl = `/locations/${home.providerB.locationId}/restrictions/${restriction?.id}/lift`
    expect((await outsider.get(liftUrl)).statusCode).toBe(404)
    expect((await outsider.post(liftUrl, { reason: 'x' })).statusCode).toBe(404)
    expect((await outsider.get(`/api/v1/locations/${home.providerA.locationId}/quality`)).statusCode).toBe(
      404,
    )
    const [still] = await t.database.db
      .select()
      .from(restrictions)
      .where(eq(restrictions.id, restriction?.id ?? 0))
    expect(still?.liftedAt).toBeNull()
    const theirs = (await outsider.get('/api/v1/restrictions')).json() as { restrictions: unknown[] }
    expect(theirs.restrictions).toEqual([])
  })
})

describe('the restrictions page', () => {
  it('counts restricted services against the live register, by sector', async () => {
    const council = await seedCouncil(t.database, 'QRP', t.config)
    await placeRestriction(
      t.database.db,
      council.councilId,
      council.providerA.locationId,
      { kind: 'no_new_placements', startsOn: '2024-01-01', reason: 'Enforcement action' },
      { kind: 'system', label: 'test' },
    )
    const social = await signedIn(council.emails.social_worker)
    const page = await social.get('/restrictions')
    expect(page.statusCode).toBe(200)
    const text = textOf(page.body)
    expect(text).toContain('1 service is subject to restrictions, 50.0% of all 2 registered services')
    expect(text).toContain('Care homes (residential) 1 2 50.0% 30 50.0%')
    expect(text).toContain('Care homes (residential) No new placements 1 30')
    expect(page.body).toContain(`href="/locations/${council.providerA.locationId}#restrictions"`)
    expect(text).not.toContain('QRT A House')

    const api = (await social.get('/api/v1/restrictions')).json() as {
      summary: { total: { services: number; allServices: number; servicesPercent: number } }
      restrictions: { locationName: string; kind: string }[]
    }
    expect(api.summary.total).toMatchObject({ services: 1, allServices: 2, servicesPercent: 50 })
    expect(api.restrictions.map((r) => [r.locationName, r.kind])).toEqual([
      ['QRP A House', 'no_new_placements'],
    ])
  })
})
