import { recordMarketEvent } from '../../src/market/events/service.ts'
import { getResponse, openResponse } from '../../src/market/failures/service.ts'
import { placePerson } from '../support/failure-fixture.ts'
import type { AccessRule, MatrixContext } from './types.ts'

const EDITORS: AccessRule['allowed'] = ['commissioner', 'council_admin']
const INSIGHT_READERS: AccessRule['allowed'] = ['broker', 'commissioner', 'council_admin']

// One closure in the home council, recorded once, for the routes of one event; the failure
// response has a closure of its own, as the event routes may withdraw theirs.
const marketEventIds = new WeakMap<object, Promise<number>>()
const respondedEventIds = new WeakMap<object, Promise<number>>()
function marketEventUrl(suffix = '', memo = marketEventIds) {
  return async ({ database, home }: MatrixContext) => {
    let id = memo.get(database)
    if (!id) {
      id = recordMarketEvent(
        database.db,
        home.councilId,
        {
          kind: 'closure',
          locationId: home.providerA.locationId,
          occurredOn: '2026-01-05',
          peopleAffected: 3,
        },
        { kind: 'system', label: 'test' },
      ).then((row) => row.id)
      memo.set(database, id)
    }
    return `/market-events/${await id}${suffix}`
  }
}

// The response to that closure, opened once, with one person placed there beforehand.
const responseCaseIds = new WeakMap<object, Promise<number>>()
function failureResponseUrl(suffix: (caseId: number) => string, api = false) {
  return async (context: MatrixContext) => {
    const { database, home } = context
    const eventUrl = await marketEventUrl('', respondedEventIds)(context)
    const eventId = Number(eventUrl.split('/').at(-1))
    let caseId = responseCaseIds.get(database)
    if (!caseId) {
      caseId = (async () => {
        await placePerson(
          database.db,
          home.councilId,
          { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id },
          { name: 'Matrix Person' },
        )
        const system = { kind: 'system', label: 'test' } as const
        await openResponse(database.db, home.councilId, eventId, { lastDay: '2026-01-31' }, system)
        const view = await getResponse(database.db, home.councilId, eventId)
        return view.cases[0]?.id ?? 0
      })()
      responseCaseIds.set(database, caseId)
    }
    return `${api ? '/api/v1' : ''}/market-events/${eventId}/response${suffix(await caseId)}`
  }
}

/** The same response by its own id, for the tracker's pages (and the API's, with api). */
function responsePageUrl(suffix: (caseId: number) => string, api = false) {
  return async (context: MatrixContext) => {
    const eventUrl = await failureResponseUrl(() => '')(context)
    const eventId = Number(eventUrl.split('/').at(-2))
    const view = await getResponse(context.database.db, context.home.councilId, eventId)
    return `${api ? '/api/v1' : ''}/failure-responses/${view.response.id}${suffix(view.cases[0]?.id ?? 0)}`
  }
}

export const marketRules: AccessRule[] = [
  { route: 'GET /icl', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /icl.csv', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /api/v1/icl', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /api/v1/icl/snapshots', allowed: ['broker', 'commissioner', 'council_admin'] },
  {
    route: 'GET /councils/:code/market-position',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position`,
  },
  {
    route: 'GET /councils/:code/market-position/:sector',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position/home-care`,
  },
  {
    route: 'GET /councils/:code/market-position/fees',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position/fees`,
  },
  {
    route: 'GET /councils/:code/market-position/fees/:year',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position/fees/2027`,
  },
  {
    route: 'GET /councils/:code/market-position/:sector/key-data.csv',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position/home-care/key-data.csv`,
  },
  { route: 'GET /market-position', allowed: EDITORS },
  {
    route: 'GET /market-position/:sector/edit',
    allowed: EDITORS,
    url: () => '/market-position/home-care/edit',
  },
  {
    route: 'POST /market-position/:sector/edit',
    allowed: EDITORS,
    url: () => '/market-position/home-care/edit',
  },
  { route: 'GET /admin/market-position', allowed: ['council_admin'] },
  { route: 'GET /insights', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /insights/report.html', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /insights.csv', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /api/v1/insights', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'POST /admin/market-position', allowed: ['council_admin'] },
  { route: 'GET /sufficiency', allowed: EDITORS },
  { route: 'GET /admin/sufficiency', allowed: ['council_admin'] },
  { route: 'POST /admin/sufficiency', allowed: ['council_admin'] },
  { route: 'GET /market-events', allowed: INSIGHT_READERS },
  { route: 'GET /market-events/new', allowed: EDITORS },
  { route: 'GET /market-events/new/details', allowed: EDITORS },
  { route: 'POST /market-events', allowed: EDITORS },
  { route: 'GET /market-events/:id', allowed: INSIGHT_READERS, url: marketEventUrl() },
  { route: 'GET /market-events/:id/edit', allowed: EDITORS, url: marketEventUrl('/edit') },
  { route: 'POST /market-events/:id', allowed: EDITORS, url: marketEventUrl() },
  { route: 'GET /market-events/:id/withdraw', allowed: EDITORS, url: marketEventUrl('/withdraw') },
  { route: 'POST /market-events/:id/withdraw', allowed: EDITORS, url: marketEventUrl('/withdraw') },
  { route: 'GET /api/v1/market-events', allowed: INSIGHT_READERS },
  { route: 'POST /api/v1/market-events', allowed: EDITORS },
  { route: 'GET /market-events/:id/response', allowed: INSIGHT_READERS, url: failureResponseUrl(() => '') },
  { route: 'POST /market-events/:id/response', allowed: EDITORS, url: failureResponseUrl(() => '') },
  { route: 'GET /failure-responses/new', allowed: EDITORS },
  { route: 'POST /failure-responses', allowed: EDITORS },
  { route: 'GET /failure-responses/:id', allowed: INSIGHT_READERS, url: responsePageUrl(() => '') },
  {
    route: 'GET /failure-responses/:id/people.csv',
    allowed: INSIGHT_READERS,
    url: responsePageUrl(() => '/people.csv'),
  },
  {
    route: 'POST /failure-responses/:id/resource',
    allowed: ['broker'],
    url: responsePageUrl(() => '/resource'),
  },
  {
    route: 'POST /failure-responses/:id/cases/:caseId',
    allowed: ['broker'],
    url: responsePageUrl((caseId) => `/cases/${caseId}`),
  },
  { route: 'POST /failure-responses/:id/costs', allowed: EDITORS, url: responsePageUrl(() => '/costs') },
  {
    route: 'GET /api/v1/market-events/:id/response',
    allowed: INSIGHT_READERS,
    url: failureResponseUrl(() => '', true),
  },
  {
    route: 'POST /api/v1/market-events/:id/response',
    allowed: EDITORS,
    url: failureResponseUrl(() => '', true),
  },
  {
    route: 'POST /api/v1/market-events/:id/response/resource',
    allowed: ['broker'],
    url: failureResponseUrl(() => '/resource', true),
  },
  { route: 'POST /api/v1/failure-responses', allowed: EDITORS },
  {
    route: 'GET /api/v1/failure-responses/:id',
    allowed: INSIGHT_READERS,
    url: responsePageUrl(() => '', true),
  },
  {
    route: 'POST /api/v1/failure-responses/:id/resource',
    allowed: ['broker'],
    url: responsePageUrl(() => '/resource', true),
  },
]
