import { award } from '../../src/brokerage/offers/award.ts'
import { makeOffer } from '../../src/brokerage/offers/service.ts'
import { createTestRequest, NORWICH, setRequestStatus, shapeLocation } from '../support/offers-factory.ts'
import { sessionUserOf } from '../support/request-users.ts'
import { type AccessRule, type MatrixContext, STAFF } from './types.ts'

const system = { kind: 'system', label: 'access matrix' } as const
const fixtures = new WeakMap<object, Promise<{ openRequestId: number; offerId: number; packageId: number }>>()

/**
 * Made once per database: a published request provider A is invited to and has offered on, and a
 * second request awarded to provider A, so every page has a record in scope to show.
 */
function offersFixture({ database, home }: MatrixContext) {
  let fixture = fixtures.get(database)
  if (!fixture) {
    fixture = (async () => {
      const { db } = database
      await shapeLocation(db, home.providerA.locationId, NORWICH)
      const providerA = { councilId: home.councilId, providerOrganisationId: home.providerA.id }
      const terms = {
        locationId: home.providerA.locationId,
        pricePence: 90_000,
        earliestStart: '2099-01-01',
        meetsAllNeeds: true,
      }
      // The home social worker's own requests, so they are in that social worker's caseload.
      const caseload = { createdByUserId: (await sessionUserOf(database, home, 'social_worker')).id }
      const open = await createTestRequest(db, home.councilId, caseload)
      const { offer } = await makeOffer(db, providerA, system, open.requestId, terms)
      const won = await createTestRequest(db, home.councilId, caseload)
      const winning = await makeOffer(db, providerA, system, won.requestId, terms)
      await setRequestStatus(db, won.requestId, 'closed')
      const result = await award(db, { councilId: home.councilId, actor: system }, won.requestId, {
        offerId: winning.offer.id,
        // Other rows of the matrix may restrict provider A's location.
        qualitySignOffBy: 'Quality team',
        choiceReason: 'Access matrix',
      })
      return { openRequestId: open.requestId, offerId: offer.id, packageId: result.packageId }
    })()
    fixtures.set(database, fixture)
  }
  return fixture
}

const requestUrl =
  (build: (f: { openRequestId: number; offerId: number; packageId: number }) => string) =>
  async (context: MatrixContext) =>
    build(await offersFixture(context))

export const offersRules: AccessRule[] = [
  // Council: eligibility, evaluation, award
  {
    route: 'GET /requests/:id/eligibility',
    allowed: ['broker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/eligibility?q=House`),
  },
  {
    route: 'GET /requests/:id/usual-price',
    allowed: ['broker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/usual-price`),
  },
  {
    route: 'POST /requests/:id/usual-price',
    allowed: ['broker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/usual-price`),
  },
  {
    route: 'GET /requests/:id/offers',
    allowed: ['broker', 'social_worker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/offers`),
  },
  {
    route: 'GET /requests/:id/offers/:offerId/award',
    allowed: ['broker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/offers/${f.offerId}/award`),
  },
  {
    route: 'POST /requests/:id/offers/:offerId/award',
    allowed: ['broker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/offers/${f.offerId}/award`),
  },
  {
    route: 'POST /requests/:id/unsourced',
    allowed: ['broker'],
    url: requestUrl((f) => `/requests/${f.openRequestId}/unsourced`),
  },
  {
    route: 'GET /api/v1/requests/:id/eligibility',
    allowed: ['broker'],
    url: requestUrl((f) => `/api/v1/requests/${f.openRequestId}/eligibility`),
  },
  {
    route: 'GET /api/v1/requests/:id/offers',
    allowed: ['broker'],
    url: requestUrl((f) => `/api/v1/requests/${f.openRequestId}/offers`),
  },
  {
    route: 'POST /api/v1/requests/:id/award',
    allowed: ['broker'],
    url: requestUrl((f) => `/api/v1/requests/${f.openRequestId}/award`),
  },
  {
    route: 'POST /api/v1/requests/:id/unsourced',
    allowed: ['broker'],
    url: requestUrl((f) => `/api/v1/requests/${f.openRequestId}/unsourced`),
  },

  // Council: packages
  { route: 'GET /packages', allowed: STAFF },
  { route: 'GET /packages/:packageId', allowed: STAFF, url: requestUrl((f) => `/packages/${f.packageId}`) },
  {
    route: 'GET /packages/:packageId/agreement',
    allowed: STAFF,
    url: requestUrl((f) => `/packages/${f.packageId}/agreement`),
  },
  {
    route: 'GET /packages/:packageId/agreement.pdf',
    allowed: STAFF,
    url: requestUrl((f) => `/packages/${f.packageId}/agreement.pdf`),
  },
  {
    route: 'POST /packages/:packageId/end',
    allowed: ['broker', 'social_worker'],
    url: requestUrl((f) => `/packages/${f.packageId}/end`),
  },
  { route: 'GET /api/v1/packages', allowed: STAFF },
  {
    route: 'GET /api/v1/packages/:packageId',
    allowed: STAFF,
    url: requestUrl((f) => `/api/v1/packages/${f.packageId}`),
  },
  {
    route: 'POST /api/v1/packages/:packageId/end',
    allowed: ['broker', 'social_worker'],
    url: requestUrl((f) => `/api/v1/packages/${f.packageId}/end`),
  },
  {
    route: 'POST /packages/:packageId/resource',
    allowed: ['broker'],
    url: requestUrl((f) => `/packages/${f.packageId}/resource`),
  },
  {
    route: 'POST /api/v1/packages/:packageId/resource',
    allowed: ['broker'],
    url: requestUrl((f) => `/api/v1/packages/${f.packageId}/resource`),
  },

  // Providers
  { route: 'GET /provider/opportunities', allowed: ['provider_user'] },
  {
    route: 'GET /provider/opportunities/:requestId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/opportunities/${f.openRequestId}`),
  },
  {
    route: 'POST /provider/opportunities/:requestId/offers',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/opportunities/${f.openRequestId}/offers`),
  },
  {
    route: 'GET /provider/opportunities/:requestId/offers/:offerId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/opportunities/${f.openRequestId}/offers/${f.offerId}`),
  },
  {
    route: 'POST /provider/opportunities/:requestId/offers/:offerId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/opportunities/${f.openRequestId}/offers/${f.offerId}`),
  },
  {
    route: 'POST /provider/opportunities/:requestId/offers/:offerId/withdraw',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/opportunities/${f.openRequestId}/offers/${f.offerId}/withdraw`),
  },
  { route: 'GET /provider/packages', allowed: ['provider_user'] },
  {
    route: 'GET /provider/packages/:packageId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/packages/${f.packageId}`),
  },
  {
    route: 'POST /provider/packages/:packageId/hand-back',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/packages/${f.packageId}/hand-back`),
  },
  {
    route: 'POST /provider/packages/:packageId/confirm',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/packages/${f.packageId}/confirm`),
  },
  {
    route: 'POST /provider/packages/:packageId/decline',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/packages/${f.packageId}/decline`),
  },
  {
    route: 'GET /provider/packages/:packageId/agreement',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/packages/${f.packageId}/agreement`),
  },
  {
    route: 'GET /provider/packages/:packageId/agreement.pdf',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/provider/packages/${f.packageId}/agreement.pdf`),
  },
  { route: 'GET /provider/messages', allowed: ['provider_user'] },
  { route: 'GET /api/v1/opportunities', allowed: ['provider_user'] },
  {
    route: 'GET /api/v1/opportunities/:requestId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/opportunities/${f.openRequestId}`),
  },
  {
    route: 'POST /api/v1/requests/:id/offers',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/requests/${f.openRequestId}/offers`),
  },
  {
    route: 'PUT /api/v1/offers/:offerId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/offers/${f.offerId}`),
  },
  {
    route: 'DELETE /api/v1/offers/:offerId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/offers/${f.offerId}`),
  },
  { route: 'GET /api/v1/provider/packages', allowed: ['provider_user'] },
  {
    route: 'GET /api/v1/provider/packages/:packageId',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/provider/packages/${f.packageId}`),
  },
  {
    route: 'POST /api/v1/provider/packages/:packageId/hand-back',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/provider/packages/${f.packageId}/hand-back`),
  },
  {
    route: 'POST /api/v1/provider/packages/:packageId/confirm',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/provider/packages/${f.packageId}/confirm`),
  },
  {
    route: 'POST /api/v1/provider/packages/:packageId/decline',
    allowed: ['provider_user'],
    url: requestUrl((f) => `/api/v1/provider/packages/${f.packageId}/decline`),
  },
]
