import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { multipart } from '../../../test/support/multipart.ts'
import { auditLog, feeRates } from '../../db/schema.ts'
import { addRate } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let commissioner: Client
let broker: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'FEEP', t.config)
  other = await seedCouncil(t.database, 'FEEO', t.config)
  commissioner = new Client(t.app)
  await commissioner.signIn(home.emails.commissioner)
  broker = new Client(t.app)
  await broker.signIn(home.emails.broker)
})
afterAll(async () => t.close())

async function upload(client: Client, url: string, content: string) {
  const body = multipart({ _csrf: client.csrfToken }, { name: 'rates.csv', content: Buffer.from(content) })
  return t.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { cookie: client.cookies, 'content-type': body.contentType },
  })
}

const HEADER = 'service_type,client_group,band,locality,price,effective_from,effective_to\n'

describe('the rate book page', () => {
  it('lets a commissioner add a rate, refuses an overlapping one with a clear message, and ends one', async () => {
    await commissioner.get('/admin/fees')
    const form = {
      serviceType: 'nursing',
      clientGroup: 'older_people',
      band: 'standard',
      locality: '',
      price: '1,050.00',
      'effectiveFrom-day': '1',
      'effectiveFrom-month': '4',
      'effectiveFrom-year': '2027',
    }
    const added = await commissioner.post('/admin/fees', form)
    expect(added.statusCode).toBe(303)
    const page = await commissioner.get('/admin/fees?added=1')
    expect(page.body).toContain('Rate added.')
    expect(page.body).toContain('£1,050.00 per week')
    expect(page.body).toContain('1 April 2027')
    const overlap = await commissioner.post('/admin/fees', { ...form, 'effectiveFrom-year': '2028' })
    expect(overlap.statusCode).toBe(409)
    expect(overlap.body).toContain('govuk-error-summary')
    expect(overlap.body).toContain(
      'overlaps Care home: nursing, Older people, Standard, everywhere: £1,050.00 per week from 1 April 2027',
    )
    const bad = await commissioner.post('/admin/fees', { ...form, price: 'lots', 'effectiveFrom-day': '' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Price must be an amount of money')
    expect(bad.body).toContain('href="#effectiveFrom-day"')

    const [found] = await t.database.db.select().from(feeRates).where(eq(feeRates.councilId, home.councilId))
    if (!found) throw new Error('no rate')
    const rate = found
    const refusedEnd = await commissioner.post(`/admin/fees/${rate.id}/end`, {
      [`end-${rate.id}-day`]: '1',
      [`end-${rate.id}-month`]: '1',
      [`end-${rate.id}-year`]: '2027',
    })
    expect(refusedEnd.statusCode).toBe(400)
    expect(refusedEnd.body).toContain('The last day must be the same as or after the day the rate starts')
    const ended = await commissioner.post(`/admin/fees/${rate.id}/end`, {
      [`end-${rate.id}-day`]: '31',
      [`end-${rate.id}-month`]: '3',
      [`end-${rate.id}-year`]: '2028',
    })
    expect(ended.statusCode).toBe(303)
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.councilId, home.councilId))
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['fee_rate.added', 'fee_rate.ended']))
  })

  it('shows a broker the book without the forms', async () => {
    const page = await broker.get('/admin/fees')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Care home: nursing')
    expect(page.body).not.toContain('Add a rate')
    expect(page.body).not.toContain('/end"')
  })

  it('loads a CSV on the page all or none, listing rejected rows, and downloads it neutralised', async () => {
    await commissioner.get('/admin/fees')
    const rejected = await upload(
      commissioner,
      '/admin/fees/import',
      `${HEADER}home_care,older_people,standard,,24.00,2027-04-01,\n+SUM(A1),older_people,standard,,1,2027-04-01,\n`,
    )
    expect(rejected.statusCode).toBe(400)
    expect(rejected.body).toContain('No rates were loaded: 1 of 2 rows were rejected')
    expect(rejected.body).toMatch(/<td class="govuk-table__cell">Service type must be one of/)
    const loaded = await upload(
      commissioner,
      '/admin/fees/import',
      `${HEADER}home_care,older_people,standard,,24.00,2027-04-01,\n`,
    )
    expect(loaded.statusCode).toBe(303)
    expect(loaded.headers.location).toBe('/admin/fees?imported=1')
    const csv = await broker.get('/admin/fees/rates.csv')
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.body).toContain('home_care,older_people,standard,,24.00,2027-04-01,,per hour')
  })

  it('keeps each council to its own book', async () => {
    const theirs = await addRate(
      t.database.db,
      other.councilId,
      {
        serviceType: 'residential',
        clientGroup: 'older_people',
        band: 'standard',
        locality: '',
        price: '800',
        effectiveFrom: '2027-04-01',
        effectiveTo: '',
      },
      { kind: 'system', label: 'test' },
    )
    await commissioner.get('/admin/fees')
    const refused = await commissioner.post(`/admin/fees/${theirs.id}/end`, {
      [`end-${theirs.id}-day`]: '1',
      [`end-${theirs.id}-month`]: '5',
      [`end-${theirs.id}-year`]: '2027',
    })
    expect(refused.statusCode).toBe(404)
    const api = await broker.get('/api/v1/fees/rates?at=2027-06-01')
    expect(
      api
        .json()
        .rates.map((r: { serviceType: string }) => r.serviceType)
        .sort(),
    ).toEqual(['home_care', 'nursing'])
  })
})

describe('the rate book API', () => {
  it('gives the rates in force on a date', async () => {
    const before = await broker.get('/api/v1/fees/rates?at=2027-03-31')
    expect(before.json()).toEqual({ at: '2027-03-31', rates: [] })
    const during = (await broker.get('/api/v1/fees/rates?at=2027-04-01')).json()
    const nursing = during.rates.find((r: { serviceType: string }) => r.serviceType === 'nursing')
    expect(nursing).toMatchObject({
      pricePence: 105000,
      unit: 'weekly',
      effectiveTo: '2028-03-31',
      locality: null,
    })
    const after = (await broker.get('/api/v1/fees/rates?at=2028-04-01')).json()
    expect(after.rates.map((r: { serviceType: string }) => r.serviceType)).toEqual(['home_care'])
    const bad = await broker.get('/api/v1/fees/rates?at=soon')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.errors[0].message).toContain('at must be a date')
  })

  it('imports by API, all or none, reporting the rejected rows', async () => {
    await commissioner.get('/admin/fees')
    const refused = await upload(
      commissioner,
      '/api/v1/fees/rates/imports',
      `${HEADER}home_care,older_people,standard,,25.00,2027-06-01,\n`,
    )
    expect(refused.statusCode).toBe(201)
    expect(refused.json()).toMatchObject({ status: 'rejected', added: 0, rejected: [{ line: 2 }] })
    const done = await upload(
      commissioner,
      '/api/v1/fees/rates/imports',
      `${HEADER}home_care,younger_adults,complex,,31.00,2027-06-01,\n`,
    )
    expect(done.statusCode).toBe(201)
    expect(done.json()).toEqual({ status: 'completed', rowsRead: 1, added: 1, rejected: [] })
  })
})
