import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { bedVacancyReports, locations, providerContacts } from '../schema.ts'
import { type OrukValidators, orukValidators } from './oruk-schema.ts'
import { rowUuid } from './rules.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let schemas: OrukValidators
const feed = (path = '') => `/councils/${home.code}/openreferral${path}`
const CONTACT_EMAIL = 'registered.manager@orka-care.test'
const CONTACT_NAME = 'Priya Registered-Manager'

beforeAll(async () => {
  schemas = orukValidators()
  t = await createTestApp()
  home = await seedCouncil(t.database, 'ORKA', t.config)
  other = await seedCouncil(t.database, 'ORKB', t.config)
  const db = t.database.db
  await db.insert(locations).values([
    {
      councilId: home.councilId,
      providerOrganisationId: home.providerA.id,
      cqcLocationId: '1-PLACED',
      name: 'ORKA Placed Nursing Home',
      address: '2 Mill Lane, Norwich',
      postcode: 'NR1 1AA',
      latitude: 52.6,
      longitude: 1.29,
      geoSource: 'postcode',
      serviceTypes: ['nursing_home', 'residential_home'],
      cqcRating: 'Outstanding',
      cqcRatingDate: '2025-03-04',
    },
    {
      councilId: home.councilId,
      providerOrganisationId: home.providerB.id,
      cqcLocationId: '1-DISTRICT',
      name: 'ORKA District Home Care',
      address: 'Unit 3, King’s Lynn',
      postcode: 'PE30 1AA',
      latitude: 52.75,
      longitude: 0.4,
      geoSource: 'district',
      serviceTypes: ['home_care'],
    },
    {
      councilId: home.councilId,
      providerOrganisationId: home.providerB.id,
      cqcLocationId: '1-CLOSED',
      name: 'ORKA Closed House',
      address: '9 Gone Road',
      active: false,
    },
  ])
  await db.insert(providerContacts).values({
    councilId: home.councilId,
    providerOrganisationId: home.providerA.id,
    name: CONTACT_NAME,
    jobTitle: 'Registered manager',
    email: CONTACT_EMAIL,
    phone: '01603 000000',
  })
  await db.insert(bedVacancyReports).values({
    councilId: home.councilId,
    locationId: home.providerA.locationId,
    bedType: 'residential',
    vacancies: 7,
    reportedBy: home.emails.providerA,
    source: 'web',
  })
})
afterAll(async () => t.close())

async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await t.app.inject({ method: 'GET', url, headers })
  return { response, body: response.json() }
}

function expectValid(validate: ValidateFunction, body: unknown) {
  const valid = validate(body)
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([])
  expect(valid).toBe(true)
}

async function allServices() {
  const { body } = await getJson(feed('/services?per_page=100'))
  return body.contents as { id: string; name: string }[]
}

describe('the Open Referral UK feed of a council’s register', () => {
  it('says at its root which version of the standard it follows', async () => {
    const { response, body } = await getJson(feed())
    expect(response.statusCode).toBe(200)
    expectValid(schemas.root, body)
    expect(body.version).toBe('3.0')
  })

  it('lists the council’s active locations as services, valid under the UK profile', async () => {
    const { response, body } = await getJson(feed('/services'))
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expectValid(schemas.serviceList, body)
    expect(body.contents.map((s: { name: string }) => s.name)).toEqual([
      'ORKA A House',
      'ORKA B House',
      'ORKA District Home Care',
      'ORKA Placed Nursing Home',
    ])
    expect(body).toMatchObject({
      total_items: 4,
      total_pages: 1,
      page_number: 1,
      size: 4,
      first_page: true,
      last_page: true,
      empty: false,
    })
  })

  it('pages through the services', async () => {
    const second = (await getJson(feed('/services?page=2&per_page=3'))).body
    expectValid(schemas.serviceList, second)
    expect(second).toMatchObject({
      total_items: 4,
      total_pages: 2,
      page_number: 2,
      size: 1,
      first_page: false,
      last_page: true,
      empty: false,
    })
    expect(second.contents[0].name).toBe('ORKA Placed Nursing Home')
    const first = (await getJson(feed('/services?page=1&per_page=3'))).body
    expect(first).toMatchObject({ size: 3, first_page: true, last_page: false })
    const beyond = (await getJson(feed('/services?page=9&per_page=3'))).body
    expectValid(schemas.serviceList, beyond)
    expect(beyond).toMatchObject({ total_items: 4, size: 0, empty: true, last_page: true, contents: [] })
  })

  it('gives each service in full with its organisation, location and service types', async () => {
    const services = await allServices()
    for (const summary of services) {
      const { response, body } = await getJson(feed(`/services/${summary.id}`))
      expect(response.statusCode).toBe(200)
      expectValid(schemas.service, body)
    }
    const placed = services.find((s) => s.name === 'ORKA Placed Nursing Home')
    const { body } = await getJson(feed(`/services/${placed?.id}`))
    expect(body.organization.name).toBe('ORKA Care A Ltd')
    expect(body.organization.organization_identifiers[0].identifier).toBe(home.providerA.cqcProviderId)
    expect(body.url).toBe('https://www.cqc.org.uk/location/1-PLACED')
    expect(body.description).toContain('CQC rating: Outstanding (2025-03-04)')
    const where = body.service_at_locations[0].location
    expect(where).toMatchObject({ latitude: 52.6, longitude: 1.29, external_identifier: '1-PLACED' })
    expect(where.addresses[0]).toMatchObject({
      address_1: '2 Mill Lane',
      city: 'Norwich',
      postal_code: 'NR1 1AA',
    })
    expect(body.attributes.map((a: { taxonomy_term: { term: string } }) => a.taxonomy_term.term)).toEqual([
      'residential_home',
      'nursing_home',
    ])
  })

  it('gives no position for a location placed only by its postcode district', async () => {
    const district = (await allServices()).find((s) => s.name === 'ORKA District Home Care')
    const { body } = await getJson(feed(`/services/${district?.id}`))
    const where = body.service_at_locations[0].location
    expect(where.latitude).toBeUndefined()
    expect(where.longitude).toBeUndefined()
  })

  it('lists the service types as a taxonomy', async () => {
    const taxonomies = (await getJson(feed('/taxonomies'))).body
    expectValid(schemas.taxonomyList, taxonomies)
    const terms = (await getJson(feed('/taxonomy_terms?per_page=2'))).body
    expectValid(schemas.taxonomyTermList, terms)
    expect(terms).toMatchObject({ size: 2, total_items: 5, total_pages: 3 })
    const taxonomy = (await getJson(feed(`/taxonomies/${taxonomies.contents[0].id}`))).body
    expectValid(schemas.taxonomy, taxonomy)
    const term = (await getJson(feed(`/taxonomy_terms/${terms.contents[1].id}`))).body
    expectValid(schemas.taxonomyTerm, term)
    expect(term).toEqual(terms.contents[1])
  })

  it('never shows another council’s providers, nor closed locations', async () => {
    const names = (await allServices()).map((s) => s.name)
    expect(names.some((n) => n.startsWith('ORKB'))).toBe(false)
    expect(names).not.toContain('ORKA Closed House')
    const theirs = rowUuid('service', other.providerA.locationId)
    expect((await getJson(feed(`/services/${theirs}`))).response.statusCode).toBe(404)
    const [closed] = await t.database.db
      .select({ id: locations.id })
      .from(locations)
      .where(eq(locations.cqcLocationId, '1-CLOSED'))
    expect(
      (await getJson(feed(`/services/${rowUuid('service', closed?.id ?? 0)}`))).response.statusCode,
    ).toBe(404)
  })

  it('shows no people, contacts or capacity', async () => {
    const bodies = [(await getJson(feed('/services?per_page=100'))).response.body]
    for (const service of await allServices())
      bodies.push((await getJson(feed(`/services/${service.id}`))).response.body)
    const text = bodies.join('\n')
    for (const email of Object.values(home.emails)) expect(text).not.toContain(email)
    expect(text).not.toContain(CONTACT_EMAIL)
    expect(text).not.toContain(CONTACT_NAME)
    expect(text).not.toContain('01603 000000')
    expect(text).not.toMatch(/vacanc|registered_?beds|restriction/i)
  })

  it('answers an unknown council, service or endpoint with a 404 in JSON', async () => {
    for (const url of [
      '/councils/NOPE/openreferral/services',
      '/councils/NOPE/openreferral',
      feed('/services/not-a-uuid'),
      feed(`/services/${rowUuid('service', 999_999)}`),
      feed('/nothing-here'),
      feed(`/taxonomy_terms/${rowUuid('service', 1)}`),
      feed(`/taxonomies/${rowUuid('service', 1)}`),
    ]) {
      const { response, body } = await getJson(url, { accept: 'text/html' })
      expect(response.statusCode, url).toBe(404)
      expect(body.error.status, url).toBe(404)
    }
  })

  it('refuses bad paging with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['page=0', 'page'],
      ['page=two', 'page'],
      ['per_page=-1', 'per_page'],
      ['per_page=100000', 'per_page'],
      ['page=1.5', 'page'],
    ]) {
      const { response, body } = await getJson(feed(`/services?${query}`))
      expect(response.statusCode, query).toBe(400)
      expect(
        body.error.errors.map((e: { field: string }) => e.field),
        query,
      ).toEqual([field])
    }
  })

  it('may be cached briefly by anyone and read from any web page, and sets no cookie', async () => {
    for (const url of [feed(), feed('/services'), feed('/taxonomies')]) {
      const { response } = await getJson(url)
      expect(response.headers['cache-control'], url).toBe('public, max-age=300')
      expect(response.headers['access-control-allow-origin'], url).toBe('*')
      expect(response.headers['set-cookie'], url).toBeUndefined()
    }
    const notFound = await getJson('/councils/NOPE/openreferral/services')
    expect(notFound.response.headers['cache-control']).toBe('no-store')
  })

  it('is not stored for a signed-in user, whose session the answer may carry', async () => {
    const client = new Client(t.app)
    await client.signIn(home.emails.commissioner)
    const response = await client.get(feed('/services'))
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
  })
})

describe('the feed in /openapi.json', () => {
  it('is documented as open to anyone, and answers as documented', async () => {
    const document = (await t.app.inject('/openapi.json')).json()
    const ajv = new Ajv2020({ strict: false })
    addFormats.default(ajv)
    const service = (await allServices())[0]
    const taxonomyId = (await getJson(feed('/taxonomies'))).body.contents[0].id
    const termId = (await getJson(feed('/taxonomy_terms'))).body.contents[0].id
    const calls: [string, string][] = [
      ['', feed()],
      ['/services', feed('/services?per_page=2')],
      ['/services/{id}', feed(`/services/${service?.id}`)],
      ['/taxonomies', feed('/taxonomies')],
      ['/taxonomies/{id}', feed(`/taxonomies/${taxonomyId}`)],
      ['/taxonomy_terms', feed('/taxonomy_terms')],
      ['/taxonomy_terms/{id}', feed(`/taxonomy_terms/${termId}`)],
    ]
    for (const [path, url] of calls) {
      const operation = document.paths[`/councils/{code}/openreferral${path}`]?.get
      expect(operation?.security, path).toEqual([])
      expect(Object.keys(operation?.responses ?? {}).sort(), path).toEqual(['200', '400', '404'])
      const validate = ajv.compile(operation.responses['200'].content['application/json'].schema)
      expectValid(validate, (await getJson(url)).body)
    }
  })
})
