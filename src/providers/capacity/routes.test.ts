import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import {
  auditLog,
  bedVacancyReports,
  homeCareCapacityReports,
  locationCoverage,
  locations,
} from '../../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let nursingId: number
let homeCareId: number
let providerA: Client
let providerB: Client
let commissioner: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'CAP', t.config)
  const [nursing, homeCare] = await t.database.db
    .insert(locations)
    .values([
      {
        councilId: home.councilId,
        providerOrganisationId: home.providerA.id,
        cqcLocationId: '1-CAPNURSING',
        name: 'CAP A Nursing',
        address: '2 A Street',
        registeredBeds: 20,
        serviceTypes: ['nursing_home'],
        specialisms: ['dementia'],
      },
      {
        councilId: home.councilId,
        providerOrganisationId: home.providerA.id,
        cqcLocationId: '1-CAPHOMECARE',
        name: 'CAP A Home Care',
        address: '3 A Street',
        serviceTypes: ['home_care'],
      },
    ])
    .returning()
  nursingId = nursing?.id as number
  homeCareId = homeCare?.id as number
  await t.database.db.insert(locationCoverage).values([
    { councilId: home.councilId, locationId: homeCareId, outcode: 'NR1' },
    { councilId: home.councilId, locationId: homeCareId, outcode: 'NR2' },
  ])
  providerA = new Client(t.app)
  await providerA.signIn(home.emails.providerA)
  providerB = new Client(t.app)
  await providerB.signIn(home.emails.providerB)
  commissioner = new Client(t.app)
  await commissioner.signIn(home.emails.commissioner)
})
afterAll(async () => t.close())
beforeEach(async () => {
  await t.database.db.delete(bedVacancyReports)
  await t.database.db.delete(homeCareCapacityReports)
})

async function reportCount(): Promise<number> {
  const beds = await t.database.db.select().from(bedVacancyReports)
  const hours = await t.database.db.select().from(homeCareCapacityReports)
  return beds.length + hours.length
}

function upload(client: Client, csv: string, fileName = 'capacity.csv') {
  const boundary = '----caremarket-test-boundary'
  const payload = [
    `--${boundary}`,
    'Content-Disposition: form-data; name="_csrf"',
    '',
    client.csrfToken,
    `--${boundary}`,
    `Content-Disposition: form-data; name="file"; filename="${fileName}"`,
    'Content-Type: text/csv',
    '',
    csv,
    `--${boundary}--`,
    '',
  ].join('\r\n')
  return t.app.inject({
    method: 'POST',
    url: '/provider/capacity/upload',
    payload,
    remoteAddress: client.remoteAddress,
    headers: { cookie: client.cookies, 'content-type': `multipart/form-data; boundary=${boundary}` },
  })
}

function api(client: Client, method: 'GET' | 'POST', url: string, body?: unknown) {
  return t.app.inject({
    method,
    url,
    remoteAddress: client.remoteAddress,
    headers: {
      cookie: client.cookies,
      'csrf-token': client.csrfToken,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
}

describe('the one-page capacity form', () => {
  it('lists every location of the provider, and none of another’s', async () => {
    const page = await providerA.get('/provider/capacity')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('CAP A House: vacant beds')
    expect(page.body).toContain('CAP A Nursing: vacant beds')
    expect(page.body).toContain('CAP A Home Care: spare home care hours a week')
    expect(page.body).not.toContain('CAP B House')
    // The nursing home is asked about nursing, dementia nursing and respite beds; the home care about its districts.
    expect(page.body).toContain(`id="beds-${nursingId}-dementia_nursing"`)
    expect(page.body).not.toContain(`id="beds-${nursingId}-residential"`)
    expect(page.body).toContain(`id="hours-${homeCareId}-NR2"`)
    expect(page.body).toContain('Not reported')
  })

  it('saves every location’s figures at once, as a time series, and shows them back', async () => {
    const response = await providerA.post('/provider/capacity', {
      [`beds-${home.providerA.locationId}-residential`]: '3',
      [`beds-${home.providerA.locationId}-respite`]: '1',
      [`beds-${nursingId}-nursing`]: '2',
      [`hours-${homeCareId}-NR1`]: '12.5',
      [`hours-${homeCareId}-NR2`]: '',
    })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/provider/capacity?saved=4')
    const beds = await t.database.db.select().from(bedVacancyReports)
    expect(beds.map((b) => [b.locationId, b.bedType, b.vacancies, b.source, b.reportedBy]).sort()).toEqual(
      [
        [home.providerA.locationId, 'residential', 3, 'web', home.emails.providerA],
        [home.providerA.locationId, 'respite', 1, 'web', home.emails.providerA],
        [nursingId, 'nursing', 2, 'web', home.emails.providerA],
      ].sort(),
    )
    const hours = await t.database.db.select().from(homeCareCapacityReports)
    expect(hours.map((h) => [h.locationId, h.outcode, h.spareMinutesPerWeek])).toEqual([
      [homeCareId, 'NR1', 750],
    ])

    const page = await providerA.get(response.headers.location as string)
    expect(page.body).toContain('4 figures recorded')
    expect(page.body).toMatch(
      new RegExp(`id="beds-${nursingId}-nursing" name="beds-${nursingId}-nursing" type="text" value="2"`),
    )
    expect(page.body).toMatch(
      new RegExp(`id="hours-${homeCareId}-NR1" name="hours-${homeCareId}-NR1" type="text" value="12.5"`),
    )
    expect(page.body).toContain('Up to date')

    // A second report appends; the page shows the newest.
    await providerA.post('/provider/capacity', { [`beds-${nursingId}-nursing`]: '1' })
    expect(
      (
        await t.database.db
          .select()
          .from(bedVacancyReports)
          .where(eq(bedVacancyReports.locationId, nursingId))
      ).length,
    ).toBe(2)
    expect((await providerA.get('/provider/capacity')).body).toMatch(
      new RegExp(`id="beds-${nursingId}-nursing" name="beds-${nursingId}-nursing" type="text" value="1"`),
    )
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'capacity.reported'))
    expect(audit.at(-1)?.details).toMatchObject({ source: 'web', bedReports: 1, homeCareReports: 0 })
  })

  it('saves nothing when one row is wrong, and names every problem with its location', async () => {
    await providerA.get('/provider/capacity')
    const response = await providerA.post('/provider/capacity', {
      [`beds-${home.providerA.locationId}-residential`]: '31',
      [`beds-${home.providerA.locationId}-respite`]: '2',
      [`beds-${nursingId}-nursing`]: '-1',
      [`beds-${nursingId}-dementia_nursing`]: '5',
      [`hours-${homeCareId}-NR1`]: '10.125',
      [`hours-${homeCareId}-NR2`]: '40',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('There is a problem')
    expect(response.body).toContain(
      'CAP A House: residential beds: 31 vacancies are more than its 30 registered beds',
    )
    expect(response.body).toContain('CAP A Nursing: nursing beds: vacancies cannot be negative')
    expect(response.body).toContain(
      'CAP A Home Care: NR1: spare hours must be a number with up to 2 decimal places, like 12.5, not &quot;10.125&quot;',
    )
    // What was typed stays in the form.
    expect(response.body).toMatch(
      new RegExp(`name="beds-${nursingId}-dementia_nursing" type="text" value="5"`),
    )
    expect(await reportCount()).toBe(0)
  })

  it('refuses vacancies that together exceed the registered beds', async () => {
    const response = await providerA.post('/provider/capacity', {
      [`beds-${nursingId}-nursing`]: '15',
      [`beds-${nursingId}-dementia_nursing`]: '6',
      [`beds-${nursingId}-respite`]: '20',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain(
      'CAP A Nursing: vacancies other than respite add up to 21, more than its 20 registered beds',
    )
    expect(await reportCount()).toBe(0)
  })

  it('answers 404 and writes nothing when a provider sends another provider’s location', async () => {
    const response = await providerA.post('/provider/capacity', {
      [`beds-${home.providerA.locationId}-residential`]: '1',
      [`beds-${home.providerB.locationId}-residential`]: '1',
    })
    expect(response.statusCode).toBe(404)
    expect(await reportCount()).toBe(0)
    // Provider B can update its own.
    await providerB.get('/provider/capacity')
    expect(
      (await providerB.post('/provider/capacity', { [`beds-${home.providerB.locationId}-residential`]: '1' }))
        .statusCode,
    ).toBe(303)
  })

  it('marks a location stale when its newest figure is more than 7 days old', async () => {
    await t.database.db.insert(bedVacancyReports).values({
      councilId: home.councilId,
      locationId: nursingId,
      bedType: 'nursing',
      vacancies: 4,
      reportedAt: new Date(Date.now() - 8 * 24 * 60 * 60 * 1000),
      reportedBy: home.emails.providerA,
      source: 'web',
    })
    const page = await providerA.get('/provider/capacity')
    const nursingSection = page.body.slice(page.body.indexOf('CAP A Nursing: vacant beds'))
    expect(nursingSection.slice(0, 800)).toContain('Stale')
    expect(page.body).toMatch(new RegExp(`name="beds-${nursingId}-nursing" type="text" value="4"`))
  })

  it('asks for at least one figure', async () => {
    const response = await providerA.post('/provider/capacity', {})
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Enter at least one capacity figure')
  })
})

describe('CSV upload', () => {
  it('offers templates filled in with the provider’s own locations', async () => {
    await providerA.post('/provider/capacity', {
      [`beds-${nursingId}-nursing`]: '2',
      [`hours-${homeCareId}-NR2`]: '7.25',
    })
    const beds = await providerA.get('/provider/capacity/templates/beds.csv')
    expect(beds.headers['content-type']).toMatch(/^text\/csv/)
    expect(beds.headers['content-disposition']).toBe('attachment; filename="beds.csv"')
    const lines = beds.body.trim().split('\n')
    expect(lines[0]).toBe('cqc_location_id,bed_type,vacancies')
    expect(lines).toContain('1-CAPNURSING,nursing,2')
    expect(lines).toContain('1-LCAPA,residential,')
    expect(beds.body).not.toContain('1-LCAPB')
    const homeCare = await providerA.get('/provider/capacity/templates/home-care.csv')
    expect(homeCare.body.trim().split('\n')).toEqual([
      'cqc_location_id,outcode,spare_hours_per_week',
      '1-CAPHOMECARE,NR1,',
      '1-CAPHOMECARE,NR2,7.25',
    ])
  })

  it('saves every row of a good file, beds and home care together', async () => {
    await providerA.get('/provider/capacity/upload')
    const response = await upload(
      providerA,
      [
        'cqc_location_id,bed_type,vacancies,outcode,spare_hours_per_week',
        '1-LCAPA,residential,4,,',
        '1-capnursing,Nursing,3,,',
        '1-CAPHOMECARE,,,nr2,20',
      ].join('\n'),
    )
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/provider/capacity?saved=3')
    const beds = await t.database.db.select().from(bedVacancyReports)
    expect(beds.map((b) => [b.bedType, b.vacancies, b.source]).sort()).toEqual([
      ['nursing', 3, 'csv'],
      ['residential', 4, 'csv'],
    ])
    const hours = await t.database.db.select().from(homeCareCapacityReports)
    expect(hours.map((h) => [h.outcode, h.spareMinutesPerWeek, h.source])).toEqual([['NR2', 1200, 'csv']])
  })

  it('takes column titles as people type them, with a BOM and Windows line ends', async () => {
    await providerA.get('/provider/capacity/upload')
    const response = await upload(
      providerA,
      '\uFEFFCQC Location ID,Bed type,Vacancies\r\n1-LCAPA,residential,1\r\n',
    )
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/provider/capacity?saved=1')
  })

  it('saves nothing from a file with bad rows, and lists each by line and reason', async () => {
    await providerA.get('/provider/capacity/upload')
    const response = await upload(
      providerA,
      [
        'cqc_location_id,bed_type,vacancies',
        '1-LCAPA,residential,2',
        '1-LCAPA,nursing,-3',
        '',
        '1-LCAPB,residential,1',
        '1-LCAPA,penthouse,1',
        '1-CAPNURSING,nursing,21',
      ].join('\n'),
    )
    expect(response.statusCode).toBe(400)
    const body = response.body
    expect(body).toContain('Rows that could not be saved')
    expect(body).toContain('Line 3: CAP A House: nursing beds: vacancies cannot be negative')
    expect(body).toContain('Line 5: no location with CQC location ID 1-LCAPB belongs to your organisation')
    expect(body).toContain('Line 6: CAP A House: &quot;penthouse&quot; is not a bed type')
    expect(body).toContain(
      'Line 7: CAP A Nursing: nursing beds: 21 vacancies are more than its 20 registered beds',
    )
    expect(body).toContain('id="line-7"')
    expect(body).not.toContain('Line 2:')
    expect(await reportCount()).toBe(0)
  })

  it('names the expected columns when the header is wrong', async () => {
    await providerA.get('/provider/capacity/upload')
    const response = await upload(providerA, 'location,beds\n1-LCAPA,3\n')
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain(
      'Expected the columns cqc_location_id,bed_type,vacancies for beds, cqc_location_id,outcode,spare_hours_per_week for home care, or all five',
    )
    expect(await reportCount()).toBe(0)
  })

  it('refuses a file over the size limit and a form without a file', async () => {
    await providerA.get('/provider/capacity/upload')
    const big = `cqc_location_id,bed_type,vacancies\n${'1-LCAPA,residential,1\n'.repeat(50_000)}`
    const response = await upload(providerA, big)
    expect(response.statusCode).toBe(413)
    expect(response.body).toContain('The file must be smaller than 1024 KB')
    const empty = await providerA.post('/provider/capacity/upload', {})
    expect(empty.statusCode).toBe(400)
    expect(empty.body).toContain('Select a CSV file of capacity')
    expect(await reportCount()).toBe(0)
  })
})

describe('the capacity API', () => {
  it('takes updates from a provider’s own system with its API token, without a browser’s CSRF token', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/capacity',
      headers: { authorization: `Bearer ${home.providerApiToken}`, 'content-type': 'application/json' },
      payload: [{ locationId: nursingId, bedType: 'nursing', vacancies: 3 }],
    })
    expect(response.statusCode).toBe(201)
    expect(response.json()).toMatchObject({ saved: 1 })
    const latest = await t.app.inject({
      method: 'GET',
      url: '/api/v1/capacity',
      headers: { authorization: `Bearer ${home.providerApiToken}` },
    })
    expect(JSON.stringify(latest.json())).toContain('"vacancies":3')
    // Provider B's location is out of provider A's token's reach.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/capacity',
      headers: { authorization: `Bearer ${home.providerApiToken}`, 'content-type': 'application/json' },
      payload: [{ locationId: home.providerB.locationId, bedType: 'residential', vacancies: 1 }],
    })
    expect(other.statusCode).toBe(404)
  })

  it('records an array of updates and returns the latest per location', async () => {
    await providerA.get('/provider/capacity')
    const response = await api(providerA, 'POST', '/api/v1/capacity', [
      { locationId: nursingId, bedType: 'nursing', vacancies: 2 },
      { cqcLocationId: '1-CAPHOMECARE', outcode: 'NR1', spareHoursPerWeek: 3.5 },
    ])
    expect(response.statusCode).toBe(201)
    expect(response.json()).toMatchObject({ saved: 2 })
    await api(providerA, 'POST', '/api/v1/capacity', [
      { locationId: nursingId, bedType: 'nursing', vacancies: 1 },
    ])

    const latest = (await api(providerA, 'GET', '/api/v1/capacity')).json() as {
      staleAfterDays: number
      locations: {
        locationId: number
        freshness: string
        beds: { bedType: string; vacancies: number }[]
        homeCare: { outcode: string; spareHoursPerWeek: number; spareMinutesPerWeek: number }[]
      }[]
    }
    expect(latest.staleAfterDays).toBe(7)
    expect(latest.locations.map((l) => l.locationId).sort()).toEqual(
      [home.providerA.locationId, nursingId, homeCareId].sort(),
    )
    const nursing = latest.locations.find((l) => l.locationId === nursingId)
    expect(nursing?.beds).toEqual([expect.objectContaining({ bedType: 'nursing', vacancies: 1 })])
    expect(nursing?.freshness).toBe('current')
    const homeCare = latest.locations.find((l) => l.locationId === homeCareId)
    expect(homeCare?.homeCare).toEqual([
      expect.objectContaining({ outcode: 'NR1', spareHoursPerWeek: 3.5, spareMinutesPerWeek: 210 }),
    ])
    expect(latest.locations.find((l) => l.locationId === home.providerA.locationId)?.freshness).toBe(
      'missing',
    )
  })

  it('reports every bad item by its position and saves none', async () => {
    await providerA.get('/provider/capacity')
    const response = await api(providerA, 'POST', '/api/v1/capacity', [
      { locationId: nursingId, bedType: 'nursing', vacancies: 2 },
      { locationId: nursingId, bedType: 'nursing', vacancies: 2.5 },
      { locationId: homeCareId, outcode: 'PE30', spareHoursPerWeek: 1 },
    ])
    expect(response.statusCode).toBe(400)
    const { error } = response.json() as { error: { errors: { field: string; message: string }[] } }
    expect(error.errors).toEqual([
      {
        field: '1',
        message: 'Item 1: CAP A Nursing: nursing beds: vacancies must be a whole number, like 2, not "2.5"',
      },
      {
        field: '2',
        message:
          'Item 2: CAP A Home Care: PE30 is not one of the districts it covers (NR1, NR2). Add it on your profile first',
      },
    ])
    expect(await reportCount()).toBe(0)
    const notArray = await api(providerA, 'POST', '/api/v1/capacity', { locationId: nursingId })
    expect(notArray.statusCode).toBe(400)
  })

  it('answers 404 for another provider’s location and writes nothing', async () => {
    await providerA.get('/provider/capacity')
    const response = await api(providerA, 'POST', '/api/v1/capacity', [
      { locationId: nursingId, bedType: 'nursing', vacancies: 2 },
      { locationId: home.providerB.locationId, bedType: 'residential', vacancies: 2 },
    ])
    expect(response.statusCode).toBe(404)
    expect(await reportCount()).toBe(0)
  })
})

describe('what commissioners see', () => {
  it('shows the share of beds available from the homes that reported', async () => {
    await providerA.post('/provider/capacity', {
      [`beds-${home.providerA.locationId}-residential`]: '3',
      [`beds-${home.providerA.locationId}-respite`]: '2',
      [`beds-${nursingId}-nursing`]: '2',
    })
    // Homes A (30 beds) and A Nursing (20) reported 5 beds other than respite: 5 ÷ 50 = 10%.
    // Home B (30 beds) did not report, so 2 of 3 homes reported.
    const summary = (await api(commissioner, 'GET', '/api/v1/capacity/summary')).json() as {
      beds: { total: Record<string, unknown> }
      homeCare: Record<string, unknown>
    }
    expect(summary.beds.total).toMatchObject({
      homes: 3,
      reportingHomes: 2,
      reportingPercent: 66.7,
      registeredBedsOfReportingHomes: 50,
      vacancies: 5,
      percentAvailable: 10,
    })
    const page = await commissioner.get('/capacity')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('10% of care home beds are available')
    expect(page.body).toContain('2 of 3 care homes (66.7%)')
    // Respite on its own line: 2 ÷ 50.
    expect(page.body).toMatch(/Respite<\/th>\s*<td[^>]*>\s*2\s*<\/td>\s*<td[^>]*>\s*4%/)
  })

  it('draws each table of shares as a chart beside it, described by a caption that leads to the table', async () => {
    await providerA.post('/provider/capacity', {
      [`beds-${home.providerA.locationId}-residential`]: '3',
      [`beds-${nursingId}-nursing`]: '2',
    })
    const summary = (await api(commissioner, 'GET', '/api/v1/capacity/summary')).json() as {
      beds: { localities: { locality: string; percentAvailable: number | null }[] }
    }
    const page = await commissioner.get('/capacity')
    expect(page.statusCode).toBe(200)
    for (const id of ['beds-by-locality', 'beds-by-bed-type']) {
      const svg = new RegExp(
        `<svg id="${id}" role="img" aria-labelledby="${id}-title" aria-describedby="${id}-caption"[^>]*>(.*?)</svg>`,
        's',
      ).exec(page.body)
      expect(svg, id).not.toBeNull()
      expect(svg?.[1]).toMatch(new RegExp(`^<title id="${id}-title">Bar chart of `))
      expect(page.body).toMatch(
        new RegExp(`<figcaption[^>]*id="${id}-caption"[^>]*>.*?href="#${id}-table"`, 's'),
      )
      expect(page.body).toMatch(new RegExp(`<table class="govuk-table"[^>]*id="${id}-table"`))
    }
    const byLocality = /<svg id="beds-by-locality".*?<\/svg>/s.exec(page.body)?.[0] ?? ''
    const bars = /<g class="mark-rect[^"]*">(.*?)<\/g>/.exec(byLocality)?.[1]?.match(/<path /g) ?? []
    expect(bars).toHaveLength(summary.beds.localities.filter((l) => l.percentAvailable !== null).length)
    for (const l of summary.beds.localities) {
      expect(byLocality).toContain(`>${l.locality}</text>`)
      if (l.percentAvailable !== null) expect(byLocality).toContain(`>${l.percentAvailable}%</text>`)
    }
    // The bed types of the chosen locality: every type is on the axis, as in the table.
    const byBedType = /<svg id="beds-by-bed-type".*?<\/svg>/s.exec(page.body)?.[0] ?? ''
    expect(byBedType).toContain('>Residential</text>')
    expect(byBedType).toContain('>Nursing</text>')
  })
})
