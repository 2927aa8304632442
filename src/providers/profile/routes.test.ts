import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { auditLog, locationCoverage, locations, providerContacts } from '../../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let homeCareId: number
let providerA: Client
let providerB: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'PRO', t.config)
  other = await seedCouncil(t.database, 'PRX', t.config)
  const [homeCare] = await t.database.db
    .insert(locations)
    .values({
      councilId: home.councilId,
      providerOrganisationId: home.providerA.id,
      cqcLocationId: '1-PROHC',
      name: 'PRO A Home Care',
      address: '3 A Street',
      serviceTypes: ['home_care'],
    })
    .returning()
  homeCareId = homeCare?.id as number
  providerA = new Client(t.app)
  await providerA.signIn(home.emails.providerA)
  providerB = new Client(t.app)
  await providerB.signIn(home.emails.providerB)
})
afterAll(async () => t.close())

async function location(id: number) {
  const [row] = await t.database.db.select().from(locations).where(eq(locations.id, id))
  return row
}

describe('the provider profile page', () => {
  it('shows the organisation and its locations, not another’s', async () => {
    const page = await providerA.get('/provider/profile')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('PRO Care A Ltd')
    expect(page.body).toContain(`href="/provider/profile/locations/${home.providerA.locationId}"`)
    expect(page.body).toContain('PRO A Home Care')
    expect(page.body).not.toContain('PRO B House')
    expect(page.body).toContain('You have not added any contacts yet.')
  })

  it('adds and removes contacts, audited, and checks them', async () => {
    const bad = await providerA.post('/provider/profile/contacts', { name: '', email: 'not-an-email' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Enter the contact’s name')
    expect(bad.body).toContain('Enter an email address in the correct format')
    const noWay = await providerA.post('/provider/profile/contacts', { name: 'Sam' })
    expect(noWay.body).toContain('Enter an email address or a phone number')

    const added = await providerA.post('/provider/profile/contacts', {
      name: 'Sam Patel',
      jobTitle: 'Registered manager',
      email: 'Sam.Patel@Example.org',
      phone: '01632 960 001',
    })
    expect(added.statusCode).toBe(303)
    const [contact] = await t.database.db
      .select()
      .from(providerContacts)
      .where(eq(providerContacts.providerOrganisationId, home.providerA.id))
    expect(contact).toMatchObject({
      councilId: home.councilId,
      name: 'Sam Patel',
      jobTitle: 'Registered manager',
      email: 'sam.patel@example.org',
      phone: '01632 960 001',
    })
    const page = await providerA.get('/provider/profile?done=contact-added')
    expect(page.body).toContain('Contact added.')
    expect(page.body).toContain('Sam Patel')

    // Another provider cannot remove it.
    await providerB.get('/provider/profile')
    expect((await providerB.post(`/provider/profile/contacts/${contact?.id}/remove`, {})).statusCode).toBe(
      404,
    )
    expect(
      await t.database.db
        .select()
        .from(providerContacts)
        .where(eq(providerContacts.id, contact?.id as number)),
    ).toHaveLength(1)

    expect((await providerA.post(`/provider/profile/contacts/${contact?.id}/remove`, {})).statusCode).toBe(
      303,
    )
    expect(
      await t.database.db
        .select()
        .from(providerContacts)
        .where(eq(providerContacts.id, contact?.id as number)),
    ).toEqual([])
    const actions = (
      await t.database.db.select().from(auditLog).where(eq(auditLog.entityType, 'provider_contact'))
    ).map((a) => [a.action, a.actor, a.details?.name])
    expect(actions).toEqual([
      ['provider_contact.added', home.emails.providerA, 'Sam Patel'],
      ['provider_contact.removed', home.emails.providerA, 'Sam Patel'],
    ])
  })
})

describe('a location’s profile', () => {
  it('saves specialisms, languages, care workers and coverage, and audits what changed', async () => {
    const form = await providerA.get(`/provider/profile/locations/${homeCareId}`)
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('Postcode districts your home care covers')
    const saved = await t.app.inject({
      method: 'POST',
      url: `/provider/profile/locations/${homeCareId}`,
      remoteAddress: providerA.remoteAddress,
      headers: { cookie: providerA.cookies, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([
        ['_csrf', providerA.csrfToken],
        ['coverage', 'nr1, NR2 nr1\nPE30'],
        ['specialisms', 'dementia'],
        ['specialisms', 'mental_health'],
        ['languages', ' Polish, english ,,English, British  Sign Language '],
        ['maleCareWorkers', 'yes'],
        ['femaleCareWorkers', 'not_stated'],
      ]).toString(),
    })
    expect(saved.statusCode).toBe(303)
    expect(await location(homeCareId)).toMatchObject({
      specialisms: ['dementia', 'mental_health'],
      languages: ['Polish', 'english', 'British Sign Language'],
      maleCareWorkers: true,
      femaleCareWorkers: null,
    })
    const coverage = await t.database.db
      .select({ outcode: locationCoverage.outcode })
      .from(locationCoverage)
      .where(eq(locationCoverage.locationId, homeCareId))
    expect(coverage.map((c) => c.outcode).sort()).toEqual(['NR1', 'NR2', 'PE30'])
    const [audit] = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'location_profile.updated'))
    expect(audit?.details).toEqual({
      coverage: { from: [], to: ['NR1', 'NR2', 'PE30'] },
      specialisms: { from: [], to: ['dementia', 'mental_health'] },
      languages: { from: [], to: ['Polish', 'english', 'British Sign Language'] },
      maleCareWorkers: { from: 'not_stated', to: 'yes' },
    })

    const api = (await providerA.get(`/api/v1/locations/${homeCareId}/profile`)).json() as {
      profile: unknown
    }
    expect(api.profile).toMatchObject({
      locationId: homeCareId,
      coverage: ['NR1', 'NR2', 'PE30'],
      specialisms: ['dementia', 'mental_health'],
      maleCareWorkers: 'yes',
      femaleCareWorkers: 'not_stated',
    })
  })

  it('refuses districts that are not districts and more than 20 languages, changing nothing', async () => {
    const before = await location(homeCareId)
    const response = await providerA.post(`/provider/profile/locations/${homeCareId}`, {
      coverage: 'NR1, NR1 1AA, ZZZ9',
      languages: Array.from({ length: 21 }, (_, i) => `Language ${i}`).join(', '),
      maleCareWorkers: 'no',
      femaleCareWorkers: 'no',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('1AA, ZZZ9 are not postcode districts')
    expect(response.body).toContain('Enter 20 languages or fewer')
    expect(await location(homeCareId)).toEqual(before)
  })

  it('does not offer a care home the districts it covers', async () => {
    const form = await providerA.get(`/provider/profile/locations/${home.providerA.locationId}`)
    expect(form.body).not.toContain('Postcode districts your home care covers')
    const response = await providerA.post(`/provider/profile/locations/${home.providerA.locationId}`, {
      coverage: 'NR1',
      languages: 'English',
      maleCareWorkers: 'no',
      femaleCareWorkers: 'yes',
    })
    expect(response.statusCode).toBe(303)
    expect(
      await t.database.db
        .select()
        .from(locationCoverage)
        .where(eq(locationCoverage.locationId, home.providerA.locationId)),
    ).toEqual([])
    expect(await location(home.providerA.locationId)).toMatchObject({
      maleCareWorkers: false,
      femaleCareWorkers: true,
    })
  })

  it('keeps each provider to its own locations, and council staff to their council', async () => {
    const before = await location(homeCareId)
    expect((await providerB.get(`/provider/profile/locations/${homeCareId}`)).statusCode).toBe(404)
    const post = await providerB.post(`/provider/profile/locations/${homeCareId}`, {
      languages: 'French',
      maleCareWorkers: 'no',
      femaleCareWorkers: 'no',
    })
    expect(post.statusCode).toBe(404)
    expect(await location(homeCareId)).toEqual(before)
    expect((await providerB.get(`/api/v1/locations/${homeCareId}/profile`)).statusCode).toBe(404)

    const broker = new Client(t.app)
    await broker.signIn(home.emails.broker)
    expect((await broker.get(`/api/v1/locations/${homeCareId}/profile`)).statusCode).toBe(200)
    const outsider = new Client(t.app)
    await outsider.signIn(other.emails.commissioner)
    expect((await outsider.get(`/api/v1/locations/${homeCareId}/profile`)).statusCode).toBe(404)
  })
})
