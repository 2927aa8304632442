import { Readable } from 'node:stream'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { buildMarket, retireLocation } from '../../../test/support/mps-fixture.ts'
import { importPackages } from '../../brokerage/package-imports/service.ts'
import { addCalendarDays } from '../../brokerage/rules/index.ts'
import { londonDate } from '../../shared/dates.ts'
import { keyData } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
const today = londonDate(new Date())
const base = () => `/councils/${home.code}/market-position`
/** The council's own book: older people's home care not brokered through Caremarket. */
const BOOK_PEOPLE = 7
const BOOK_WEEKLY_PENCE = 10_000

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'MPSR', t.config)
  const db = t.database.db
  await retireLocation(db, home.providerA.locationId)
  await retireLocation(db, home.providerB.locationId)
  const started = addCalendarDays(today, -30)
  await buildMarket(db, home.councilId, home.providerA.id, {
    locations: ['H1', 'H2', 'H3', 'H4', 'H5', 'H6'].map((key) => ({
      key,
      serviceTypes: ['home_care'],
      clientGroups: ['older_people'],
      beds: null,
      cqcRating: key === 'H6' ? null : 'Good',
    })),
    packages: [1, 2, 3, 4, 5, 6].map((n) => ({
      person: `p${n}`,
      serviceType: 'home_care' as const,
      clientGroup: n === 6 ? ('younger_adults' as const) : ('older_people' as const),
      weeklyCostPence: 25_000,
      startDate: started,
    })),
  })
  const book = [
    'person_ref,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,hours_per_week,start_date,funding',
    ...Array.from(
      { length: BOOK_PEOPLE },
      (_, i) =>
        `B${i},85+,NR3,older_people,home_care,1-MPS-${home.councilId}-H1,${BOOK_WEEKLY_PENCE / 100},5,${started},council`,
    ),
  ].join('\n')
  const report = await importPackages(db, {
    councilId: home.councilId,
    input: Readable.from([Buffer.from(book)]),
    fileName: 'book.csv',
    full: false,
    actor: { kind: 'system', label: 'test' },
  })
  if (report.added !== BOOK_PEOPLE) throw new Error(`the book was not loaded: ${JSON.stringify(report)}`)
})
afterAll(async () => t.close())

async function signedIn(role: 'commissioner' | 'council_admin' | 'broker'): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('the public Market Position Statement', () => {
  it('lists every sector without sign-in', async () => {
    const page = await new Client(t.app).get(base())
    expect(page.statusCode).toBe(200)
    // The header names the council whose statement it is, not only the service.
    expect(page.body).toMatch(
      new RegExp(`govuk-generic-header__homepage-link[^>]*>\\s*${home.code} Test Council`),
    )
    for (const title of [
      'Care homes for older people',
      'Care homes for working-age adults',
      'Home care',
      'Supported living',
      'Day services',
    ])
      expect(page.body).toContain(title)
    expect(page.body).toContain(`${base()}/home-care`)
  })

  it('shows a sector’s key data without sign-in, small numbers suppressed', async () => {
    const page = await new Client(t.app).get(`${base()}/home-care`)
    expect(page.statusCode).toBe(200)
    const data = await keyData(t.database.db, home.councilId, 'home-care')
    const [older, younger] = data.rows
    expect(older?.facts.people).toBe(5 + BOOK_PEOPLE)
    expect(older?.facts.brokeredPeople).toBe(5)
    expect(page.body).toContain(
      `£${(((5 * 25_000 + BOOK_PEOPLE * BOOK_WEEKLY_PENCE) * 52) / 100).toLocaleString('en-GB')}`,
    )
    expect(page.body).toContain('Of whom placed through Caremarket')
    expect(page.body).toContain('count the council’s own records')
    expect(younger?.facts.people).toBe(1)
    expect(page.body).toContain('fewer than 5')
    expect(page.body).toContain('Rated good or outstanding')
    expect(page.body).toContain(
      `Last updated: ${new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(new Date())}`,
    )
  })

  it('answers an unknown council or sector with a page not found', async () => {
    const client = new Client(t.app)
    expect((await client.get('/councils/NOPE/market-position')).statusCode).toBe(404)
    expect((await client.get(`${base()}/nonsense`)).statusCode).toBe(404)
    expect((await client.get(`${base()}/nonsense/key-data.csv`)).statusCode).toBe(404)
    expect((await client.get('/councils/NOPE/market-position/home-care')).statusCode).toBe(404)
  })

  it('downloads the key data as CSV with the same suppression', async () => {
    const response = await new Client(t.app).get(`${base()}/home-care/key-data.csv`)
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/csv/)
    const rows = parse(response.body) as string[][]
    expect(rows[0]).toEqual([
      'Service',
      'Spend a year (£)',
      'People supported',
      'Of whom placed through Caremarket',
      'Accredited locations',
      'Places',
      'Rated good or outstanding (%)',
    ])
    expect(rows[1]).toEqual([
      'Older people (65 and over)',
      String(((5 * 25_000 + BOOK_PEOPLE * BOOK_WEEKLY_PENCE) * 52) / 100),
      String(5 + BOOK_PEOPLE),
      '5',
      '6',
      'Not applicable',
      '100',
    ])
    expect(rows[2]).toEqual([
      'Younger adults (18 to 64)',
      'suppressed',
      'fewer than 5',
      'fewer than 5',
      'fewer than 5',
      'Not applicable',
      'suppressed',
    ])
  })
})

describe('commissioners’ narrative', () => {
  it('is edited by a commissioner and shown on the public page, with scripts escaped and links kept', async () => {
    const commissioner = await signedIn('commissioner')
    const form = await commissioner.get('/market-position/supported-living/edit')
    expect(form.statusCode).toBe(200)
    const saved = await commissioner.post('/market-position/supported-living/edit', {
      supplyAndDemand: 'Demand for **supported living** is rising.',
      commissioningIntentions: 'We will tender in spring. <script>alert("x")</script>',
      messagesToProviders: 'Read [the tender pack](https://example.org/pack).',
    })
    expect(saved.statusCode).toBe(303)
    expect(saved.headers.location).toBe('/market-position/supported-living/edit?saved=1')
    const page = await new Client(t.app).get(`${base()}/supported-living`)
    expect(page.body).toContain('Demand for <strong>supported living</strong> is rising.')
    expect(page.body).toContain('We will tender in spring.')
    expect(page.body).not.toContain('<script>alert')
    expect(page.body).toContain('href="https://example.org/pack"')
    const manage = await commissioner.get('/market-position')
    expect(manage.statusCode).toBe(200)
    expect(manage.body).toContain('/market-position/supported-living/edit')
  })

  it('refuses a narrative that is too long, with an error summary', async () => {
    const commissioner = await signedIn('commissioner')
    await commissioner.get('/market-position/day-services/edit')
    const response = await commissioner.post('/market-position/day-services/edit', {
      supplyAndDemand: 'y'.repeat(10_001),
      commissioningIntentions: 'Kept as typed',
      messagesToProviders: '',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('There is a problem')
    expect(response.body).toContain('href="#supplyAndDemand"')
    expect(response.body).toContain('Kept as typed')
  })

  it('lets the council admin change the suppression threshold, which the public page follows', async () => {
    const admin = await signedIn('council_admin')
    await admin.get('/admin/market-position')
    const bad = await admin.post('/admin/market-position', { suppressionThreshold: '1' })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('href="#suppressionThreshold"')
    const ok = await admin.post('/admin/market-position', { suppressionThreshold: '6' })
    expect(ok.statusCode).toBe(303)
    const csv = parse((await new Client(t.app).get(`${base()}/home-care/key-data.csv`)).body) as string[][]
    expect(csv[1]?.[3]).toBe('fewer than 6')
    await admin.post('/admin/market-position', { suppressionThreshold: '5' })
  })

  it('appears in a commissioner’s navigation but not a broker’s', async () => {
    expect((await (await signedIn('commissioner')).get('/')).body).toContain('href="/market-position"')
    expect((await (await signedIn('broker')).get('/')).body).not.toContain('href="/market-position"')
  })
})
