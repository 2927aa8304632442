import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { councilDistricts, localities, locations, outcodes } from '../src/db/schema.ts'
import { Client, createTestApp, type Fixture, seedCouncil } from './helpers.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let commissioner: Client
let unplacedId: number
let localityId: number

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  council = await seedCouncil(t.database, 'GEO', t.config)
  const { db } = t.database
  const [locality] = await db
    .insert(localities)
    .values({ councilId: council.councilId, name: 'North' })
    .returning()
  localityId = locality?.id as number
  await db.insert(outcodes).values({ outcode: 'XZ9', latitude: 52.9, longitude: 1.3 }).onConflictDoNothing()
  await db
    .insert(councilDistricts)
    .values({ councilId: council.councilId, outcode: 'XZ9', localityId, rural: true })
  // Provider B's location has no postcode Caremarket can place.
  await db.update(locations).set({ postcode: null }).where(eq(locations.id, council.providerB.locationId))
  unplacedId = council.providerB.locationId
  commissioner = new Client(t.app)
  await commissioner.signIn(council.emails.commissioner)
})
afterAll(async () => t.close())

describe('coordinates entered by a commissioner', () => {
  it('place a location without a postcode, with the nearest district’s locality, and are audited', async () => {
    const page = await commissioner.get(`/locations/${unplacedId}`)
    expect(page.body).toContain('Not placed: distances cannot be measured')
    await commissioner.get(`/locations/${unplacedId}/coordinates`)
    const response = await commissioner.post(`/locations/${unplacedId}/coordinates`, {
      latitude: '52.91',
      longitude: '1.31',
    })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe(`/locations/${unplacedId}?done=coordinates-saved`)
    const [row] = await t.database.db.select().from(locations).where(eq(locations.id, unplacedId))
    expect(row).toMatchObject({ latitude: 52.91, longitude: 1.31, geoSource: 'manual', localityId })
    const after = await commissioner.get(`/locations/${unplacedId}?done=coordinates-saved`)
    expect(after.body).toContain('Coordinates entered by a commissioner')
  })

  it('refuse coordinates outside England with a clear message', async () => {
    await commissioner.get(`/locations/${unplacedId}/coordinates`)
    const response = await commissioner.post(`/locations/${unplacedId}/coordinates`, {
      latitude: 'north',
      longitude: '12',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Enter the latitude as a number')
    expect(response.body).toContain('Longitude must be within England')
  })

  it('are only for commissioners', async () => {
    const broker = new Client(t.app)
    await broker.signIn(council.emails.broker)
    expect((await broker.get(`/locations/${unplacedId}/coordinates`)).statusCode).toBe(403)
    const page = await broker.get(`/locations/${unplacedId}`)
    expect(page.body).not.toContain('Enter coordinates')
  })
})
