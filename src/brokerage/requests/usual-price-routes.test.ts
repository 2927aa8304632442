import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { createTestRequest } from '../../../test/support/offers-factory.ts'
import { addRate } from '../../fees/rates/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { addCalendarDays } from '../rules/index.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let broker: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'UPP', t.config)
  broker = new Client(t.app)
  await broker.signIn(home.emails.broker)
})
afterAll(async () => t.close())

describe('the usual price page', () => {
  it('says when the typed price is used, then shows the rate book’s and takes an override only with a reason', async () => {
    const { requestId } = await createTestRequest(t.database.db, home.councilId, {
      startDate: '2099-06-01',
      usualPricePence: 95_000,
      publish: false,
    })
    const url = `/requests/${requestId}/usual-price`
    const typed = await broker.get(url)
    expect(typed.statusCode).toBe(200)
    expect(typed.body).toContain(
      'No rate in the council’s rate book applies, so the usual price the social worker gave is used',
    )
    expect(typed.body).toContain('£950.00 per week')

    await addRate(
      t.database.db,
      home.councilId,
      {
        serviceType: 'residential',
        clientGroup: 'older_people',
        band: 'complex',
        locality: '',
        price: '1200',
        effectiveFrom: '2099-01-01',
        effectiveTo: '',
      },
      { kind: 'system', label: 'test' },
    )
    const refused = await broker.post(url, { band: 'complex', overridePrice: '1300', reason: '' })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Enter why the usual price differs from the rate book')
    expect(refused.body).toContain('href="#reason"')

    const banded = await broker.post(url, { band: 'complex', overridePrice: '', reason: '' })
    expect(banded.statusCode).toBe(303)
    const fromBook = await broker.get(url)
    expect(fromBook.body).toContain('The council’s rate book, at the request’s start date')
    expect(fromBook.body).toContain('£1,200.00 per week')

    const overridden = await broker.post(url, {
      band: 'complex',
      overridePrice: '1300',
      reason: 'Sole nursing bed in reach',
    })
    expect(overridden.statusCode).toBe(303)
    const page = await broker.get(`${url}?saved=1`)
    expect(page.body).toContain('Band and usual price saved.')
    expect(page.body).toContain('The broker’s usual price, in place of the rate book’s')
    expect(page.body).toContain('Sole nursing bed in reach')
  })

  it('answers 404 for another council’s request', async () => {
    const other = await seedCouncil(t.database, 'UPQ', t.config)
    const { requestId } = await createTestRequest(t.database.db, other.councilId, { publish: false })
    expect((await broker.get(`/requests/${requestId}/usual-price`)).statusCode).toBe(404)
    const post = await broker.post(`/requests/${requestId}/usual-price`, {
      band: 'enhanced',
      overridePrice: '',
      reason: '',
    })
    expect(post.statusCode).toBe(404)
  })

  it('lets a social worker of a council with a rate book leave the usual price out, and takes the rate book’s', async () => {
    const council = await seedCouncil(t.database, 'UPW', t.config)
    const start = addCalendarDays(londonDate(new Date()), 10)
    await addRate(
      t.database.db,
      council.councilId,
      {
        serviceType: 'nursing',
        clientGroup: 'older_people',
        band: 'standard',
        locality: '',
        price: '1100',
        effectiveFrom: addCalendarDays(start, -30),
        effectiveTo: '',
      },
      { kind: 'system', label: 'test' },
    )
    const socialWorker = new Client(t.app)
    await socialWorker.signIn(council.emails.social_worker)
    await socialWorker.get('/requests/new/person')
    const person = await socialWorker.post('/requests/new/person', {
      name: 'Albert Moss',
      'dateOfBirth-day': '2',
      'dateOfBirth-month': '11',
      'dateOfBirth-year': '1931',
      sex: 'male',
      postcode: 'NR2 4TE',
    })
    const id = Number(/\/requests\/(\d+)\//.exec(person.headers.location as string)?.[1])
    const [year, month, day] = start.split('-')
    const answers: [string, Record<string, string>][] = [
      ['service-type', { serviceType: 'nursing' }],
      ['needs', { clientGroup: 'older_people', needsSummary: 'Needs nursing care at night.' }],
      [
        'start',
        {
          'startDate-day': String(Number(day)),
          'startDate-month': String(Number(month)),
          'startDate-year': year ?? '',
          urgency: 'routine',
        },
      ],
    ]
    for (const [page, form] of answers)
      expect((await socialWorker.post(`/requests/${id}/edit/${page}`, form)).statusCode, page).toBe(303)
    const pricePage = await socialWorker.get(`/requests/${id}/edit/price`)
    expect(pricePage.body).toContain('The usual price comes from the council’s rate book')
    expect(pricePage.body).toContain('Usual price if the rate book has none (optional)')
    const price = await socialWorker.post(`/requests/${id}/edit/price`, {
      usualPricePounds: '',
      budgetPounds: '',
    })
    expect(price.statusCode).toBe(303)
    expect((await socialWorker.post(`/requests/${id}/submit`, {})).statusCode).toBe(303)
    expect((await socialWorker.get(`/requests/${id}`)).body).toContain(
      'From the council’s rate book at the start date',
    )

    const councilBroker = new Client(t.app)
    await councilBroker.signIn(council.emails.broker)
    const page = await councilBroker.get(`/requests/${id}/usual-price`)
    expect(page.body).toContain('The council’s rate book, at the request’s start date')
    expect(page.body).toContain('£1,100.00 per week')

    // Without a rate book the usual price or a budget is still asked for.
    const noBook = await seedCouncil(t.database, 'UPN', t.config)
    const plain = new Client(t.app)
    await plain.signIn(noBook.emails.social_worker)
    await plain.get('/requests/new/person')
    const draft = await plain.post('/requests/new/person', {
      name: 'Edna Moss',
      'dateOfBirth-day': '2',
      'dateOfBirth-month': '11',
      'dateOfBirth-year': '1933',
      sex: 'female',
      postcode: 'NR2 4TE',
    })
    const draftId = Number(/\/requests\/(\d+)\//.exec(draft.headers.location as string)?.[1])
    const refused = await plain.post(`/requests/${draftId}/edit/price`, {
      usualPricePounds: '',
      budgetPounds: '',
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Enter the usual price or an indicative budget')
  })
})
