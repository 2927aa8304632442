// The request pages and API over substitute services: what the routes do with what the services
// answer, in milliseconds. The database-backed routes.test.ts covers the services behind them.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildRouteApp, type RouteApp, sessionUser } from '../../../test/support/route-app.ts'
import type { SessionUser } from '../../accounts/service.ts'
import { NotFoundError, ValidationError } from '../../errors.ts'
import { NobodyToInviteError } from '../invitations.ts'
import { requestsModule } from '../module.ts'
import { ForbiddenError } from './callers.ts'
import type { SourcingRequest } from './store.ts'

function aRequest(overrides: Partial<SourcingRequest> = {}): SourcingRequest {
  const at = new Date('2026-05-01T09:00:00Z')
  return {
    id: 7,
    councilId: 1,
    status: 'submitted',
    version: 3,
    createdByUserId: 1,
    teamId: null,
    person: {
      id: 5,
      name: 'Ada Example',
      dateOfBirth: '1940-02-03',
      sex: 'female',
      postcode: 'NR1 1AA',
      outcode: 'NR1',
      localityId: null,
      pcnAreaId: null,
      nhsNumber: null,
      address: null,
      phone: null,
      representative: null,
      sharingConsent: [],
    },
    serviceType: 'residential',
    clientGroup: 'older_people',
    specialisms: [],
    needsSummary: 'Needs help with mobility after a fall.',
    preferredPostcode: 'NR1 1AA',
    preferredOutcode: 'NR1',
    latitude: 52.6,
    longitude: 1.3,
    maxDistanceMiles: 10,
    startDate: '2026-06-01',
    urgency: 'routine',
    emergencyHours: null,
    inHospital: false,
    usualPricePence: 80_000,
    budgetPence: null,
    priceUnit: 'weekly',
    notesForProviders: '',
    carerGender: null,
    language: null,
    lotId: null,
    visits: [],
    minutesPerWeek: 0,
    carerMinutesPerWeek: 0,
    supportMinutesPerWeek: null,
    publishedAt: null,
    deadlineAt: null,
    closedAt: null,
    cancelReason: null,
    personRef: null,
    caseRef: null,
    assignedBrokerId: null,
    assignedAt: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  }
}

const requests: Record<string, unknown> = {}
let t: RouteApp
beforeAll(async () => {
  t = await buildRouteApp({ modules: [requestsModule], services: { requests }, user: sessionUser('broker') })
})
afterAll(() => t.close())
beforeEach(() => {
  for (const name of Object.keys(requests)) delete requests[name]
  Object.assign(requests, {
    wizardContext: async () => ({ hasLots: false }),
    requestLotChoices: async () => [],
    listRequestEvents: async () => [],
    teamNameOf: async () => null,
    teamChoices: async () => [],
    requestFilterChoices: async () => ({ localities: [], pcnAreas: [] }),
    assignableBrokers: async () => [],
    brokerEmails: async () => new Map(),
  })
})

/** The app, with the service answering as given and the user signed in. */
function requestRoutes(
  fakes: Record<string, unknown>,
  user: SessionUser | null = sessionUser('broker'),
): RouteApp {
  Object.assign(requests, fakes)
  t.signIn(user)
  return t
}

describe('request pages over substitute services', () => {
  it('lists the council’s requests the service returns, for the signed-in user’s council', async () => {
    const listRequests = vi.fn(async () => ({
      requests: [
        {
          id: 7,
          status: 'published' as const,
          serviceType: 'residential' as const,
          personName: 'Ada Example',
          outcode: 'NR1',
          startDate: '2026-06-01',
          urgency: 'routine' as const,
          inHospital: false,
          createdByUserId: 1,
          teamId: null,
          assignedBrokerId: null,
          assignedBrokerEmail: null,
          publishedAt: new Date(),
          deadlineAt: new Date(),
          createdAt: new Date(),
          updatedAt: new Date(),
        },
      ],
      total: 1,
    }))
    const t = requestRoutes({ listRequests })
    const page = await t.get('/requests?status=published&page=2')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Ada Example')
    // The signed-in user is the scope: a social worker's list is their caseload.
    expect(listRequests).toHaveBeenCalledWith(
      expect.objectContaining({ councilId: 1, role: 'broker' }),
      expect.objectContaining({ status: 'published', limit: 50, offset: 50 }),
    )
  })

  it('shows a request with the actions its state and the role allow', async () => {
    const t = requestRoutes({
      getRequest: async () => aRequest(),
      previewPublication: async () => ({
        invited: 3,
        notInvited: 14,
        exclusions: [
          { code: 'too_far', label: 'are further away than the maximum distance', count: 12 },
          { code: 'service_type', label: 'do not offer this type of care', count: 2 },
        ],
      }),
    })
    const page = await t.get('/requests/7')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Request 7')
    expect(page.body).toContain('action="/requests/7/publish"')
    expect(page.body).toContain('Publishing now would invite <strong>3</strong> locations to offer.')
    expect(page.body).toContain('Are further away than the maximum distance')
    expect(page.body).toContain('Why the other 14 locations are not invited')
  })

  it('warns before publishing to nobody, and shows the refusal with the reasons and a way to widen', async () => {
    const exclusions = [{ code: 'too_far', label: 'are further away than the maximum distance', count: 5 }]
    const publish = vi.fn(async () => {
      throw new NobodyToInviteError(exclusions)
    })
    const t = requestRoutes({
      getRequest: async () => aRequest(),
      previewPublication: async () => ({ invited: 0, notInvited: 5, exclusions }),
      publish,
    })
    const page = await t.get('/requests/7')
    expect(page.body).toContain('Publishing now would invite no location')
    expect(page.body).toContain('href="/requests/7/change"')
    const refused = await t.post('/requests/7/publish', { version: '3' })
    expect(refused.statusCode).toBe(422)
    expect(refused.body).toContain('govuk-error-summary')
    expect(refused.body).toContain(
      'No location would be invited: 5 are further away than the maximum distance. Widen the request',
    )
  })

  it('passes the service’s not found and forbidden through as 404 and 403', async () => {
    const t = requestRoutes({
      getRequest: async (_user: SessionUser, id: number) => {
        if (id === 8) throw new ForbiddenError('Only the social worker who started it can change it')
        throw new NotFoundError('No such request')
      },
    })
    expect((await t.get('/requests/7')).statusCode).toBe(404)
    expect((await t.get('/requests/8')).statusCode).toBe(403)
    expect((await t.api('GET', '/api/v1/requests/7')).statusCode).toBe(404)
  })

  it('refuses a request ID that is not a number before asking the service', async () => {
    const getRequest = vi.fn()
    const t = requestRoutes({ getRequest })
    expect((await t.get('/requests/seven')).statusCode).toBe(400)
    expect(getRequest).not.toHaveBeenCalled()
  })

  it('shows the cancel form again with the service’s validation errors, as 400', async () => {
    const cancel = vi.fn(async () => {
      throw new ValidationError([{ field: 'reason', message: 'Enter a reason for cancelling the request' }])
    })
    const t = requestRoutes({ getRequest: async () => aRequest(), cancel })
    const page = await t.post('/requests/7/cancel', { reason: '', version: '3' })
    expect(page.statusCode).toBe(400)
    expect(page.body).toContain('Enter a reason for cancelling the request')
    expect(cancel).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }), 7, {
      reason: '',
      expectedVersion: 3,
    })
  })

  it('publishes through the service and goes back to the request', async () => {
    const publish = vi.fn(async () => ({}))
    const t = requestRoutes({ publish })
    const done = await t.post('/requests/7/publish', { version: '3', identifiersChecked: 'yes' })
    expect(done.statusCode).toBe(303)
    expect(done.headers.location).toBe('/requests/7?done=published')
    expect(publish).toHaveBeenCalledWith(expect.objectContaining({ role: 'broker' }), 7, {
      expectedVersion: 3,
      identifiersChecked: true,
    })
  })

  it('answers the API’s invalid new request with the service’s errors as 400', async () => {
    const t = requestRoutes({
      createRequest: async () => {
        throw new ValidationError([{ field: 'serviceType', message: 'Choose the type of care' }])
      },
    })
    const answer = await t.api('POST', '/api/v1/requests', { serviceType: 'spa' })
    expect(answer.statusCode).toBe(400)
    expect(answer.json()).toEqual({
      error: expect.objectContaining({
        status: 400,
        errors: [{ field: 'serviceType', message: 'Choose the type of care' }],
      }),
    })
  })

  it('keeps the role check of the route: a commissioner may not publish', async () => {
    const publish = vi.fn()
    const t = requestRoutes({ publish }, sessionUser('commissioner'))
    expect((await t.post('/requests/7/publish', { version: '3' })).statusCode).toBe(403)
    expect(publish).not.toHaveBeenCalled()
  })

  it('sends someone signed out to sign in', async () => {
    const t = requestRoutes({}, null)
    const answer = await t.get('/requests')
    expect(answer.statusCode).toBe(303)
    expect(answer.headers.location).toBe('/sign-in?returnTo=%2Frequests')
  })
})
