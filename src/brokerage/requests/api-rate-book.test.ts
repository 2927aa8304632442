// POST /api/v1/requests where the council keeps a rate book: a usual price or budget is optional
// when the book has a rate for the request on its start date, as in the wizard, and a clear 400
// names what is missing when it has none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { careHomeRequest } from '../../../test/support/request-users.ts'
import { addRate } from '../../fees/rates/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { addCalendarDays } from '../rules/index.ts'
import { getUsualPrice } from './usual-price.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
const start = addCalendarDays(londonDate(new Date()), 30)

async function post(payload: unknown) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/requests',
    headers: { authorization: `Bearer ${home.councilApiToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  })
  return { status: response.statusCode, body: response.json() }
}

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'RQRB', t.config)
  await addRate(
    t.database.db,
    home.councilId,
    {
      serviceType: 'residential',
      clientGroup: 'older_people',
      band: 'standard',
      locality: '',
      price: '812.40',
      effectiveFrom: start,
      effectiveTo: '',
    },
    { kind: 'system', label: 'test' },
  )
})
afterAll(async () => t.close())

describe('POST /api/v1/requests with a rate book', () => {
  it('takes a request without a price when the book has its rate, and prices it from the book', async () => {
    const created = await post(careHomeRequest({ startDate: start, usualPricePounds: undefined }))
    expect(created.status).toBe(201)
    const price = await getUsualPrice(t.database.db, home.councilId, created.body.request.id)
    expect(price).toMatchObject({ source: 'rate_book', pricePence: 81_240 })
  })

  it('refuses one without a price on a day or for a service the book has no rate for, naming the field', async () => {
    const before = await post(
      careHomeRequest({ startDate: addCalendarDays(start, -1), usualPricePounds: undefined }),
    )
    expect(before.status).toBe(400)
    expect(before.body.error.errors).toEqual([
      {
        field: 'usualPricePounds',
        message: expect.stringMatching(
          /^Enter the usual price or an indicative budget: the rate book has no standard rate for Care home: residential \(older people\) on \d+ \w+ \d{4}$/,
        ),
      },
    ])
    const nursing = await post(
      careHomeRequest({ startDate: start, serviceType: 'nursing', usualPricePounds: undefined }),
    )
    expect(nursing.status).toBe(400)
    expect(nursing.body.error.errors[0].field).toBe('usualPricePounds')
    // A typed price or a budget still does for care the book has no rate for.
    expect((await post(careHomeRequest({ startDate: start, serviceType: 'nursing' }))).status).toBe(201)
    expect(
      (
        await post(
          careHomeRequest({
            startDate: start,
            serviceType: 'nursing',
            usualPricePounds: undefined,
            budgetPounds: '900',
          }),
        )
      ).status,
    ).toBe(201)
  })
})
