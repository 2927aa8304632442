// The offer, award and package pages and API over substitute services: what the routes do with
// what the services answer, in milliseconds. routes.test.ts covers the services behind them.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildRouteApp, type RouteApp, sessionUser } from '../../../test/support/route-app.ts'
import type { SessionUser } from '../../accounts/service.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { offersModule } from '../module.ts'
import type { CouncilPackageView } from './packages.ts'

function aPackage(overrides: Partial<CouncilPackageView> = {}): CouncilPackageView {
  return {
    id: 12,
    requestId: 7,
    offerId: 30,
    locationId: 4,
    locationName: 'Beech House',
    providerOrganisationId: 10,
    providerName: 'Beech Care Ltd',
    serviceType: 'residential',
    serviceLabel: 'Residential care home',
    bedTypeLabel: 'Residential',
    agreedPricePence: 85_000,
    agreedPriceText: '£850.00 a week',
    weeklyCostPence: 85_000,
    minutesPerWeek: null,
    visitIds: [],
    topUpPencePerWeek: null,
    aboveUsualPriceReason: null,
    choiceReason: null,
    qualitySignOffBy: null,
    startDate: '2026-06-01',
    endDate: null,
    endReason: null,
    state: 'active',
    stateLabel: 'Active',
    confirmation: 'confirmed',
    confirmationLabel: 'Confirmed by the provider',
    confirmBy: '2026-05-22',
    confirmationOverdue: false,
    respondedAt: new Date('2026-05-21T09:00:00Z'),
    declineReason: null,
    createdAt: new Date('2026-05-20T10:00:00Z'),
    createdBy: 'broker@council.test',
    person: { name: 'Ada Example', outcode: 'NR1' },
    personRef: null,
    caseRef: null,
    ...overrides,
  }
}

const offers: Record<string, unknown> = {}
let t: RouteApp
beforeAll(async () => {
  t = await buildRouteApp({ modules: [offersModule], services: { offers }, user: sessionUser('broker') })
})
afterAll(() => t.close())
beforeEach(() => {
  for (const name of Object.keys(offers)) delete offers[name]
})

/** The app, with the service answering as given and the user signed in. */
function offerRoutes(fakes: Record<string, unknown>, user: SessionUser = sessionUser('broker')): RouteApp {
  Object.assign(offers, fakes)
  t.signIn(user)
  return t
}

describe('package and offer routes over substitute services', () => {
  it('lists the council’s packages in the state asked for', async () => {
    const listPackages = vi.fn(async () => ({ packages: [aPackage()], total: 1 }))
    const packageFilterChoices = async () => ({ providers: [] })
    const t = offerRoutes({ listPackages, packageFilterChoices })
    const page = await t.get('/packages?state=active')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Beech House')
    expect(listPackages).toHaveBeenCalledWith(
      expect.objectContaining({ councilId: 1, role: 'broker' }),
      expect.objectContaining({ state: 'active', offset: 0 }),
    )
  })

  it('shows a package, with the form to end it for those who may', async () => {
    const t = offerRoutes({ getPackage: async () => aPackage(), handBackOf: async () => null })
    const page = await t.get('/packages/12')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Package 12')
    expect(page.body).toContain('action="/packages/12/end"')
  })

  it('passes the service’s not found through as 404, on the pages and the API', async () => {
    const notFound = async () => {
      throw new NotFoundError('No such package')
    }
    const t = offerRoutes({ getPackage: notFound, getOpportunity: notFound })
    expect((await t.get('/packages/12')).statusCode).toBe(404)
    expect((await t.api('GET', '/api/v1/packages/12')).statusCode).toBe(404)
  })

  it('keeps provider pages from council staff, and council pages from providers, as 403', async () => {
    const getPackage = vi.fn(async () => aPackage())
    const council = offerRoutes({ getPackage, handBackOf: async () => null, listOpportunities: vi.fn() })
    expect((await council.get('/provider/opportunities')).statusCode).toBe(403)
    const provider = offerRoutes({ getPackage }, sessionUser('provider_user'))
    expect((await provider.get('/packages/12')).statusCode).toBe(403)
    expect(getPackage).not.toHaveBeenCalled()
  })

  it('shows the package again with the service’s validation errors as 400 when ending it', async () => {
    const endPackage = vi.fn(async () => {
      throw new ValidationError([{ field: 'reason', message: 'Enter why the package ended' }])
    })
    const t = offerRoutes({ getPackage: async () => aPackage(), handBackOf: async () => null, endPackage })
    const page = await t.post('/packages/12/end', {
      'endDate-day': '1',
      'endDate-month': '7',
      'endDate-year': '2026',
      reason: '',
    })
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('Enter why the package ended')
    expect(endPackage).toHaveBeenCalledWith(expect.objectContaining({ councilId: 1 }), 12, {
      endDate: '2026-07-01',
      reason: '',
    })
  })

  it('answers an award the service refuses with its status: 400 invalid, 409 taken', async () => {
    const award = vi
      .fn()
      .mockRejectedValueOnce(new ValidationError([{ field: 'slots', message: 'Choose the visits' }]))
      .mockRejectedValueOnce(new ConflictError('The slot was awarded already'))
    const t = offerRoutes({ award })
    const invalid = await t.api('POST', '/api/v1/requests/7/award', { offerId: 30 })
    expect(invalid.statusCode).toBe(400)
    expect(invalid.json().error.errors).toEqual([{ field: 'slots', message: 'Choose the visits' }])
    expect((await t.api('POST', '/api/v1/requests/7/award', { offerId: 30 })).statusCode).toBe(409)
    expect(award).toHaveBeenCalledWith(expect.objectContaining({ councilId: 1 }), 7, { offerId: 30 })
  })

  it('answers a provider’s offer the service finds invalid as 400, and an unknown request as 404', async () => {
    const makeOffer = vi.fn(async () => {
      throw new ValidationError([{ field: 'pricePence', message: 'Enter a price' }])
    })
    const getOpportunity = async () => {
      throw new NotFoundError('No such opportunity')
    }
    const t = offerRoutes({ makeOffer, getOpportunity }, sessionUser('provider_user'))
    const answer = await t.api('POST', '/api/v1/requests/7/offers', { locationId: 4 })
    expect(answer.statusCode).toBe(400)
    expect(answer.json().error.errors).toEqual([{ field: 'pricePence', message: 'Enter a price' }])
    expect(makeOffer).toHaveBeenCalledWith(
      { councilId: 1, providerOrganisationId: 10 },
      expect.objectContaining({ kind: 'user' }),
      7,
      { locationId: 4 },
      expect.anything(),
    )
    expect((await t.api('GET', '/api/v1/opportunities/7')).statusCode).toBe(404)
  })
})
