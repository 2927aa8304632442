// The Interim Care List's pages, CSV and API over a substitute service: what the routes do with
// what the service answers, in milliseconds. routes.test.ts covers the service behind them.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildRouteApp, type RouteApp, sessionUser } from '../../../test/support/route-app.ts'
import type { SessionUser } from '../../accounts/service.ts'
import { ValidationError } from '../../errors.ts'
import { iclModule } from '../module.ts'
import type { IclReport } from './service.ts'

const NO_BREAKDOWNS = { locality: [], pcn: [], ageGroup: [], careType: [], inHospital: [] }

function aReport(overrides: Partial<IclReport> = {}): IclReport {
  return {
    from: '2026-04-04',
    to: '2026-05-01',
    locality: null,
    localities: ['Norwich', 'Breckland'],
    at: new Date('2026-05-01T22:59:59Z'),
    people: 1,
    unfilledMinutesPerWeek: 600,
    meanDaysWaiting: 12,
    medianDaysWaiting: 12,
    added: 1,
    removed: 0,
    trend: [],
    breakdowns: NO_BREAKDOWNS,
    entries: [
      {
        requestId: 7,
        personName: 'Ada Example',
        submittedAt: new Date('2026-04-19T10:00:00Z'),
        daysWaiting: 12,
        unfilledMinutesPerWeek: 600,
        requestedMinutesPerWeek: 600,
        locality: 'Norwich',
        pcn: 'Norwich East PCN',
        ageGroup: '85+',
        careType: 'Home care',
        inHospital: true,
        handBackPackageId: null,
      },
    ],
    ...overrides,
  }
}

const icl: Record<string, unknown> = {}
const COMMISSIONER = sessionUser('commissioner')
let t: RouteApp
beforeAll(async () => {
  t = await buildRouteApp({
    modules: [iclModule],
    services: { icl, geography: { listLocalities: async () => [{ id: 1, name: 'Norwich' }] as never } },
    user: COMMISSIONER,
  })
})
afterAll(() => t.close())
beforeEach(() => {
  for (const name of Object.keys(icl)) delete icl[name]
})

/** The app, with the service answering as given and the user signed in. */
function iclRoutes(fakes: Record<string, unknown>, user: SessionUser = COMMISSIONER): RouteApp {
  Object.assign(icl, fakes)
  t.signIn(user)
  return t
}

describe('Interim Care List routes over a substitute service', () => {
  it('shows the list the service reports for the council and period asked', async () => {
    const iclReport = vi.fn(async () => aReport())
    const t = iclRoutes({ iclReport })
    const page = await t.get('/icl?from=2026-04-04&to=2026-05-01&locality=Norwich')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Ada Example')
    expect(iclReport).toHaveBeenCalledWith(1, { from: '2026-04-04', to: '2026-05-01', locality: 'Norwich' })
  })

  it('opens on who is waiting, with the figures on tabs after it', async () => {
    const t = iclRoutes({ iclReport: async () => aReport() })
    const page = await t.get('/icl')
    const order = [
      'Who is waiting',
      'Ada Example',
      'Headline figures',
      'By locality',
      'no daily snapshots',
    ].map((text) => page.body.indexOf(text))
    expect(order.every((at) => at >= 0)).toBe(true)
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(page.body).toContain('govuk-tabs__list')
    // Each table scrolls in its own container at 320 px rather than the page.
    expect(page.body).toMatch(/<div class="app-table-container">\s*<table class="govuk-table"/)
  })

  it('writes the CSV and the API answer from the same report', async () => {
    const t = iclRoutes({ iclReport: async () => aReport() })
    const csv = await t.get('/icl.csv')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-disposition']).toContain('interim-care-list-2026-05-01.csv')
    expect(csv.body).toContain('7,Ada Example,12,10,Norwich')
    const api = await t.api('GET', '/api/v1/icl')
    expect(api.statusCode).toBe(200)
    expect(api.json()).toMatchObject({ people: 1, unfilledHoursPerWeek: 10, entries: [{ requestId: 7 }] })
  })

  it('shows the period’s errors from the service as 400, with the council’s localities', async () => {
    const t = iclRoutes({
      iclReport: async () => {
        throw new ValidationError([{ field: 'from', message: 'The start must be on or before the end' }])
      },
    })
    const page = await t.get('/icl?from=2026-06-01&to=2026-05-01')
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('The start must be on or before the end')
    expect(page.body).toContain('href="#from-day"')
    expect(page.body).toContain('Norwich')
    expect((await t.api('GET', '/api/v1/icl?from=2026-06-01')).statusCode).toBe(400)
  })

  it('refuses a page that is not a whole number as 400', async () => {
    const t = iclRoutes({ iclReport: async () => aReport() })
    expect((await t.get('/icl?page=two')).statusCode).toBe(400)
  })

  it('keeps the list from providers and social workers, as 403, without asking the service', async () => {
    const iclReport = vi.fn(async () => aReport())
    const provider = iclRoutes({ iclReport }, sessionUser('provider_user'))
    expect((await provider.get('/icl')).statusCode).toBe(403)
    expect((await provider.api('GET', '/api/v1/icl/snapshots')).statusCode).toBe(403)
    const socialWorker = iclRoutes({ iclReport }, sessionUser('social_worker'))
    expect((await socialWorker.get('/icl.csv')).statusCode).toBe(403)
    expect(iclReport).not.toHaveBeenCalled()
  })
})
