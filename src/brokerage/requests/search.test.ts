// Finding requests: by words of the name in any order, the ID, the NHS number as people write it,
// and case-system IDs; filtered by status, type of care, place and dates; paged with a total.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { careHomeRequest, homeCareRequest, sessionUserOf } from '../../../test/support/request-users.ts'
import type { SessionUser } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { localities, pcnAreas, people } from '../../db/schema.ts'
import { createRequest, listRequests, type RequestFilters, type SourcingRequest, submit } from './service.ts'

let database: DatabaseHandle
let home: Fixture
let other: Fixture
let broker: SessionUser
let zoe: SourcingRequest
let albert: SourcingRequest
let mossimo: SourcingRequest
let elsewhere: SourcingRequest
let north: { localityId: number; pcnAreaId: number }

const person = (name: string, nhsNumber?: string) => ({
  person: { name, dateOfBirth: '1938-04-17', sex: 'female', postcode: 'nr3 1qx', nhsNumber },
})

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'SRH', testConfig())
  other = await seedCouncil(database, 'SRO', testConfig())
  broker = await sessionUserOf(database, home, 'broker')
  const make = (at: string, input: Record<string, unknown>, user = broker) =>
    createRequest(database.db, user, input, { now: new Date(at) })
  zoe = await make(
    '2026-03-02T10:00:00Z',
    careHomeRequest({ ...person('Zoë O’Brien-Hart', '943 476 5919'), startDate: '2026-03-20' }),
  )
  albert = await make(
    '2026-03-05T10:00:00Z',
    homeCareRequest({ ...person('Albert Moss'), startDate: '2026-04-10', personRef: 'LAS-4410' }),
  )
  mossimo = await make(
    '2026-03-09T10:00:00Z',
    careHomeRequest({ ...person('Mossimo Albertson'), startDate: '2026-05-01', caseRef: 'SA 9/1' }),
  )
  await submit(database.db, broker, mossimo.id, { now: new Date('2026-03-09T11:00:00Z') })
  elsewhere = await make(
    '2026-03-05T10:00:00Z',
    careHomeRequest({ ...person('Albert Moss', '943 476 5919'), personRef: 'LAS-4410' }),
    await sessionUserOf(database, other, 'broker'),
  )
  const [locality] = await database.db
    .insert(localities)
    .values({ councilId: home.councilId, name: 'North' })
    .returning()
  const [pcn] = await database.db
    .insert(pcnAreas)
    .values({ councilId: home.councilId, localityId: locality?.id as number, name: 'North Coast PCN' })
    .returning()
  north = { localityId: locality?.id as number, pcnAreaId: pcn?.id as number }
  await database.db.update(people).set(north).where(eq(people.id, albert.person.id))
})
afterAll(async () => database.close())

async function found(filters: RequestFilters, councilId = home.councilId): Promise<number[]> {
  return (await listRequests(database.db, { councilId }, filters)).requests
    .map((r) => r.id)
    .sort((a, b) => a - b)
}

describe('searching requests', () => {
  it('finds a person by parts of their name, in any order, any case, with or without accents', async () => {
    expect(await found({ q: 'moss albert' })).toEqual([albert.id, mossimo.id])
    expect(await found({ q: '  ALB   moss ' })).toEqual([albert.id, mossimo.id])
    expect(await found({ q: 'albertson' })).toEqual([mossimo.id])
    expect(await found({ q: 'zoe' })).toEqual([zoe.id])
    expect(await found({ q: 'ZOË hart' })).toEqual([zoe.id])
    expect(await found({ q: "o'brien" })).toEqual([zoe.id])
    expect(await found({ q: 'moss zoe' })).toEqual([])
    // A pattern character is only itself.
    expect(await found({ q: '%' })).toEqual([])
  })

  it('finds a request by its ID, with or without #', async () => {
    expect(await found({ q: String(albert.id) })).toEqual([albert.id])
    expect(await found({ q: `#${mossimo.id}` })).toEqual([mossimo.id])
    expect(await found({ q: '99999999999' })).toEqual([])
  })

  it('finds the NHS number however it is spaced', async () => {
    for (const q of ['9434765919', '943 476 5919', '943-476-5919', ' 943 4765 919 '])
      expect(await found({ q }), q).toEqual([zoe.id])
  })

  it('finds case-system person and case IDs in any case', async () => {
    expect(await found({ q: 'las-4410' })).toEqual([albert.id])
    expect(await found({ q: 'sa 9/1' })).toEqual([mossimo.id])
  })

  it('never finds another council’s requests', async () => {
    expect(await found({ q: 'albert moss' }, other.councilId)).toEqual([elsewhere.id])
    expect(await found({ q: String(albert.id) }, other.councilId)).toEqual([])
    expect(await found({ q: '9434765919' }, other.councilId)).toEqual([elsewhere.id])
  })

  it('filters by status, type of care, locality, PCN and dates, with the search or without', async () => {
    expect(await found({ status: 'submitted' })).toEqual([mossimo.id])
    expect(await found({ serviceType: 'home_care' })).toEqual([albert.id])
    expect(await found({ q: 'moss', serviceType: 'residential' })).toEqual([mossimo.id])
    expect(await found({ localityId: north.localityId })).toEqual([albert.id])
    expect(await found({ pcnAreaId: north.pcnAreaId, q: 'mossimo' })).toEqual([])
    expect(await found({ createdFrom: '2026-03-05' })).toEqual([albert.id, mossimo.id])
    expect(await found({ createdFrom: '2026-03-03', createdTo: '2026-03-08' })).toEqual([albert.id])
    expect(await found({ startFrom: '2026-04-10', startTo: '2026-04-30' })).toEqual([albert.id])
    expect(await found({ startTo: '2026-03-20' })).toEqual([zoe.id])
  })

  it('pages the results, with the total across every page', async () => {
    const first = await listRequests(database.db, home, { q: 'moss', limit: 1, offset: 0 })
    const second = await listRequests(database.db, home, { q: 'moss', limit: 1, offset: 1 })
    const beyond = await listRequests(database.db, home, { q: 'moss', limit: 1, offset: 2 })
    expect([first.total, second.total, beyond.total]).toEqual([2, 2, 2])
    expect([...first.requests, ...second.requests].map((r) => r.id).sort((a, b) => a - b)).toEqual([
      albert.id,
      mossimo.id,
    ])
    expect(beyond.requests).toEqual([])
  })
})
