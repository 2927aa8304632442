// The register's search: natural order of names, CQC IDs as people type them, and the filters
// read from quality and capacity (effective rating, restrictions, vacancies), paged with a total.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import type { Actor } from '../audit/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { bedVacancyReports, locations, providerOrganisations } from '../db/schema.ts'
import { placeRestriction, recordPammsAudit, todayInLondon } from './quality/service.ts'
import { type RegisterFilters, searchRegister } from './register-search.ts'

const system: Actor = { kind: 'system', label: 'test' }
let database: DatabaseHandle
let home: Fixture
let ids: Record<string, number>
const NAMES = ['Skylark', 'Care 10', 'care 2', 'Care 1', 'Care 11', 'Ávila House']

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'RGS', testConfig())
  const [organisation] = await database.db
    .insert(providerOrganisations)
    .values({ councilId: home.councilId, cqcProviderId: '1-999000111', name: 'Numbered Homes Ltd' })
    .returning()
  ids = {}
  for (const [index, name] of NAMES.entries()) {
    const [row] = await database.db
      .insert(locations)
      .values({
        councilId: home.councilId,
        providerOrganisationId: organisation?.id as number,
        cqcLocationId: `1-10000000${index}`,
        name,
        address: `${index} High Street`,
        serviceTypes: index % 2 === 0 ? ['residential_home'] : ['home_care'],
      })
      .returning()
    ids[name] = row?.id as number
  }
  await database.db.insert(bedVacancyReports).values({
    councilId: home.councilId,
    locationId: ids.Skylark as number,
    bedType: 'residential',
    vacancies: 2,
    reportedBy: 'test',
    source: 'web',
  })
  await placeRestriction(
    database.db,
    home.councilId,
    ids['Care 10'] as number,
    { kind: 'no_new_placements', startsOn: todayInLondon(), reason: 'Safeguarding enquiry' },
    system,
  )
  await recordPammsAudit(
    database.db,
    home.councilId,
    ids['care 2'] as number,
    { rating: 'Poor', ratedOn: todayInLondon(), reference: 'PAMMS-1' },
    system,
  )
})
afterAll(async () => database.close())

async function names(filters: RegisterFilters, page = { offset: 0, limit: 100 }) {
  const { rows } = await searchRegister(database.db, { councilId: home.councilId }, filters, page)
  return rows.map((r) => r.name)
}

const ALL_IN_NATURAL_ORDER = ['Ávila House', 'Care 1', 'care 2', 'Care 10', 'Care 11', 'Skylark']

describe('the register search', () => {
  it('lists names in natural order: numbers by value, letters in any case and accent', async () => {
    expect(await names({ q: 'numbered' })).toEqual(ALL_IN_NATURAL_ORDER)
    expect(await names({ q: 'CARE numbered' })).toEqual(['Care 1', 'care 2', 'Care 10', 'Care 11'])
  })

  it('finds a CQC location or provider ID typed with spaces or in lower case', async () => {
    expect(await names({ q: '1-100 000 005' })).toEqual(['Ávila House'])
    expect(await names({ q: '1-10000000 4' })).toEqual(['Care 11'])
    expect(await names({ q: '1-999 000 111' })).toEqual(ALL_IN_NATURAL_ORDER)
    expect(await names({ q: home.providerA.cqcProviderId.toLowerCase() })).toEqual(['RGS A House'])
  })

  it('filters by service type, effective rating, restriction and vacancies', async () => {
    expect(await names({ q: 'numbered', serviceType: 'home_care' })).toEqual([
      'Ávila House',
      'Care 1',
      'Care 10',
    ])
    expect(await names({ rating: 'Inadequate' })).toEqual(['care 2'])
    expect(await names({ restricted: 'yes' })).toEqual(['Care 10'])
    expect(await names({ vacancies: 'yes' })).toEqual(['Skylark'])
    expect(
      await names({ q: 'numbered', vacancies: 'no', restricted: 'no', serviceType: 'residential_home' }),
    ).toEqual(['care 2', 'Care 11'])
  })

  it('pages in natural order with the total across every page', async () => {
    const scope = { councilId: home.councilId }
    const first = await searchRegister(database.db, scope, { q: 'numbered' }, { offset: 0, limit: 4 })
    const second = await searchRegister(database.db, scope, { q: 'numbered' }, { offset: 4, limit: 4 })
    expect([first.total, second.total]).toEqual([6, 6])
    expect([...first.rows, ...second.rows].map((r) => r.name)).toEqual(ALL_IN_NATURAL_ORDER)
  })
})
