import type { Role } from '../../src/accounts/roles.ts'
import { createRequest, publish, submit, transitionRequest } from '../../src/brokerage/requests/service.ts'
import { findRequestRow } from '../../src/brokerage/requests/store.ts'
import { addCalendarDays } from '../../src/brokerage/rules/index.ts'
import { londonDate } from '../../src/shared/dates.ts'
import { careHomeRequest, homeCareRequest, sessionUserOf } from '../support/request-users.ts'
import { type AccessRule, type MatrixContext, STAFF } from './types.ts'

const REQUESTERS: Role[] = ['social_worker', 'broker']
const BROKERS: Role[] = ['broker']

type Stage = 'draft' | 'submitted' | 'published' | 'unsourced'

/**
 * A fresh request of the home council's social worker at a stage, for each check: many of these
 * routes change the request, and the next role must find it as the first did.
 */
async function requestAt(
  { database, home }: MatrixContext,
  stage: Stage,
  kind: 'care home' | 'home care' = 'care home',
) {
  const socialWorker = await sessionUserOf(database, home, 'social_worker')
  const broker = await sessionUserOf(database, home, 'broker')
  const startDate = addCalendarDays(londonDate(new Date()), 14)
  const input = kind === 'home care' ? homeCareRequest({ startDate }) : careHomeRequest({ startDate })
  const request = await createRequest(database.db, socialWorker, input)
  if (stage === 'draft') return request
  await submit(database.db, socialWorker, request.id)
  if (stage === 'submitted') return request
  await publish(database.db, broker, request.id)
  if (stage === 'unsourced') {
    for (const action of ['close', 'markUnsourced'] as const)
      await database.db.transaction(async (tx) => {
        const row = await findRequestRow(tx, home.councilId, request.id)
        if (!row) throw new Error('no request')
        await transitionRequest(tx, row, action, { kind: 'system', label: 'access matrix' })
      })
  }
  return request
}

const at =
  (stage: Stage, suffix = '', prefix = '/requests') =>
  async (context: MatrixContext) =>
    `${prefix}/${(await requestAt(context, stage)).id}${suffix}`

export const requestsRules: AccessRule[] = [
  { route: 'GET /requests', allowed: STAFF },
  { route: 'GET /requests.csv', allowed: STAFF },
  { route: 'GET /requests/new', allowed: REQUESTERS },
  { route: 'GET /requests/new/person', allowed: REQUESTERS },
  { route: 'POST /requests/new/person', allowed: REQUESTERS },
  { route: 'GET /requests/:id', allowed: STAFF, url: at('submitted') },
  { route: 'GET /requests/:id/edit/:page', allowed: REQUESTERS, url: at('draft', '/edit/needs') },
  { route: 'POST /requests/:id/edit/:page', allowed: REQUESTERS, url: at('draft', '/edit/notes') },
  {
    route: 'POST /requests/:id/visits/:visitId/delete',
    allowed: REQUESTERS,
    url: async (context) => {
      const request = await requestAt(context, 'draft', 'home care')
      return `/requests/${request.id}/visits/${request.visits[0]?.id}/delete`
    },
  },
  { route: 'GET /requests/:id/check-answers', allowed: REQUESTERS, url: at('draft', '/check-answers') },
  { route: 'POST /requests/:id/submit', allowed: REQUESTERS, url: at('draft', '/submit') },
  { route: 'POST /requests/:id/publish', allowed: BROKERS, url: at('submitted', '/publish') },
  { route: 'GET /requests/:id/close', allowed: BROKERS, url: at('published', '/close') },
  { route: 'POST /requests/:id/close', allowed: BROKERS, url: at('published', '/close') },
  { route: 'GET /requests/:id/change', allowed: BROKERS, url: at('submitted', '/change') },
  { route: 'POST /requests/:id/change', allowed: BROKERS, url: at('submitted', '/change') },
  { route: 'POST /requests/:id/assignment', allowed: BROKERS, url: at('submitted', '/assignment') },
  {
    route: 'POST /api/v1/requests/:id/assignment',
    allowed: BROKERS,
    url: at('published', '/assignment', '/api/v1/requests'),
  },
  { route: 'GET /requests/:id/return', allowed: BROKERS, url: at('submitted', '/return') },
  { route: 'POST /requests/:id/return', allowed: BROKERS, url: at('submitted', '/return') },
  {
    route: 'GET /api/v1/requests/:id/invitation-preview',
    allowed: BROKERS,
    url: at('submitted', '/invitation-preview', '/api/v1/requests'),
  },
  {
    route: 'PATCH /api/v1/requests/:id/criteria',
    allowed: BROKERS,
    url: at('submitted', '/criteria', '/api/v1/requests'),
  },
  {
    route: 'POST /api/v1/requests/:id/return',
    allowed: BROKERS,
    url: at('submitted', '/return', '/api/v1/requests'),
  },
  { route: 'GET /requests/:id/cancel', allowed: REQUESTERS, url: at('submitted', '/cancel') },
  { route: 'POST /requests/:id/cancel', allowed: REQUESTERS, url: at('submitted', '/cancel') },
  { route: 'GET /requests/:id/republish', allowed: BROKERS, url: at('unsourced', '/republish') },
  { route: 'POST /requests/:id/republish', allowed: BROKERS, url: at('unsourced', '/republish') },
  { route: 'POST /api/v1/requests', allowed: REQUESTERS },
  { route: 'GET /api/v1/requests', allowed: STAFF },
  { route: 'GET /api/v1/requests/:id', allowed: STAFF, url: at('submitted', '', '/api/v1/requests') },
  {
    route: 'PATCH /api/v1/requests/:id',
    allowed: REQUESTERS,
    url: at('submitted', '', '/api/v1/requests'),
  },
  {
    route: 'POST /api/v1/requests/:id/submit',
    allowed: REQUESTERS,
    url: at('draft', '/submit', '/api/v1/requests'),
  },
  {
    route: 'POST /api/v1/requests/:id/publish',
    allowed: BROKERS,
    url: at('submitted', '/publish', '/api/v1/requests'),
  },
  {
    route: 'POST /api/v1/requests/:id/close',
    allowed: BROKERS,
    url: at('published', '/close', '/api/v1/requests'),
  },
  {
    route: 'POST /api/v1/requests/:id/cancel',
    allowed: REQUESTERS,
    url: at('submitted', '/cancel', '/api/v1/requests'),
  },
  {
    route: 'POST /api/v1/requests/:id/republish',
    allowed: BROKERS,
    url: at('unsourced', '/republish', '/api/v1/requests'),
  },
]
