import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { createTestRequest, placeInvitableLocation } from '../../../test/support/offers-factory.ts'
import { recordCapacity } from '../../providers/capacity/service.ts'
import { makeOffer } from '../offers/service.ts'
import { sourcingRequests } from '../schema.ts'

const system = { kind: 'system', label: 'test' } as const
let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let requestId: number
let offerId: number
let broker: Client

beforeAll(async () => {
  t = await createTestApp()
  const { db } = t.database
  home = await seedCouncil(t.database, 'ALLOW', t.config)
  other = await seedCouncil(t.database, 'ALLOX', t.config)
  await placeInvitableLocation(db, home)
  const scopeB = { councilId: home.councilId, providerOrganisationId: home.providerB.id }
  await recordCapacity(
    db,
    scopeB,
    system,
    [{ field: 'capacity', locationId: home.providerB.locationId, bedType: 'residential', vacancies: 1 }],
    { source: 'web' },
  )
  ;({ requestId } = await createTestRequest(db, home.councilId, {
    person: { name: 'Percival Allocated', nhsNumber: null },
    usualPricePence: 95_000,
  }))
  ;({
    offer: { id: offerId },
  } = await makeOffer(db, scopeB, system, requestId, {
    locationId: home.providerB.locationId,
    pricePence: 90_000,
    earliestStart: '2099-01-01',
    meetsAllNeeds: true,
  }))
  broker = new Client(t.app)
  await broker.signIn(home.emails.broker)
})
afterAll(async () => t.close())

describe('/allocation', () => {
  it('shows the broker the proposal, with why, and only their own council’s people', async () => {
    const page = await broker.get('/allocation')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Percival Allocated')
    expect(page.body).toContain('the proposal places 0 more people')
    expect(page.body).toContain(`value="${requestId}:${offerId}"`)
    expect(page.body).toMatch(/ALLOW B House: rated Good.*offered/s)

    const outsider = new Client(t.app)
    await outsider.signIn(other.emails.broker)
    const theirs = await outsider.get('/allocation')
    expect(theirs.statusCode).toBe(200)
    expect(theirs.body).not.toContain('Percival Allocated')
  })

  it('refuses bad input with a 400', async () => {
    expect((await broker.get('/allocation?requests=12;drop')).statusCode).toBe(400)
    const badEvent = await broker.get('/allocation?event=seven')
    expect(badEvent.statusCode).toBe(400)
    expect(badEvent.body).toContain('The market event must be a number')
    // An event with no response opened for it has no people to allocate.
    expect((await broker.get('/allocation?event=999999')).statusCode).toBe(404)
    const unknown = await broker.get('/allocation?requests=999999')
    expect(unknown.statusCode).toBe(200)
    expect(unknown.body).toContain('Request 999999: No such request in this council')
    expect((await broker.post('/allocation', { placements: 'x' })).statusCode).toBe(400)
    const none = await broker.post('/allocation', {})
    expect(none.statusCode).toBe(400)
    expect(none.body).toContain('Choose at least one placement to confirm')
  })

  it('awards a confirmed placement through the normal award, closing the request early', async () => {
    await broker.get('/allocation')
    const done = await broker.post('/allocation', { placements: `${requestId}:${offerId}` })
    expect(done.statusCode).toBe(200)
    expect(done.body).toMatch(/Awarded: package \d+/)
    const [row] = await t.database.db
      .select({ status: sourcingRequests.status })
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, requestId))
    expect(row?.status).toBe('awarded')
    // Awarding again is refused by the award itself, and said so on the page.
    const again = await broker.post('/allocation', { placements: `${requestId}:${offerId}` })
    expect(again.statusCode).toBe(200)
    expect(again.body).toContain('Not awarded:')
  })
})
