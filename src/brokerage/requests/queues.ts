// The work waiting on the council's requests: each queue is one filter of the request list
// (`?queue=`), so the count on a home page and the list it links to are the same query. A queue's
// list runs oldest first: what has waited longest comes first.
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { offers, sourcingRequests } from '../schema.ts'

export const REQUEST_QUEUES = [
  'to-publish',
  'closing-soon',
  'to-award',
  'no-offers',
  'to-republish',
  'my-drafts',
  'returned',
] as const
export type RequestQueue = (typeof REQUEST_QUEUES)[number]

export const REQUEST_QUEUE_LABELS: Record<RequestQueue, string> = {
  'to-publish': 'Submitted, waiting to be published',
  'closing-soon': 'Closing to offers today or tomorrow',
  'to-award': 'Closed with offers, waiting for an award',
  'no-offers': 'Published or closed with no offers',
  'to-republish': 'Unsourced, to republish',
  'my-drafts': 'My drafts',
  returned: 'Returned by the brokerage team',
}

/** An offer still standing: made and neither withdrawn nor decided. */
function liveOffers(requestId: AnyPgColumn): SQL {
  return sql`exists (select 1 from ${offers} where ${offers.requestId} = ${requestId} and ${offers.status} = 'submitted')`
}

/** The London day of an instant, and of now (the database's unless given). */
const londonDay = (value: AnyPgColumn | SQL) => sql`(${value} at time zone 'Europe/London')::date`
const nowOr = (asOf: Date | undefined): SQL => (asOf ? sql`${asOf.toISOString()}::timestamptz` : sql`now()`)

/** The rows in the queue, for the user whose queue it is (`my-drafts` is theirs alone). */
export function queueCondition(queue: RequestQueue, userId: number | undefined, asOf?: Date): SQL {
  const r = sourcingRequests
  switch (queue) {
    case 'to-publish':
      return eq(r.status, 'submitted')
    case 'closing-soon':
      return and(
        eq(r.status, 'published'),
        sql`${londonDay(r.deadlineAt)} <= ${londonDay(nowOr(asOf))} + 1`,
      ) as SQL
    case 'to-award':
      return and(eq(r.status, 'closed'), liveOffers(r.id)) as SQL
    case 'no-offers':
      return and(inArray(r.status, ['published', 'closed']), sql`not ${liveOffers(r.id)}`) as SQL
    case 'to-republish':
      return eq(r.status, 'unsourced')
    case 'my-drafts':
      return and(eq(r.status, 'draft'), eq(r.createdByUserId, userId ?? 0)) as SQL
    case 'returned':
      return eq(r.status, 'returned')
  }
}

/** Oldest first: what has waited longest, or closes soonest. */
export function queueOrder(queue: RequestQueue): SQL[] {
  const r = sourcingRequests
  switch (queue) {
    case 'closing-soon':
    case 'no-offers':
      return [sql`${r.deadlineAt} asc nulls last`, sql`${r.id} asc`]
    case 'to-award':
      return [sql`${r.closedAt} asc nulls last`, sql`${r.id} asc`]
    default:
      return [sql`${r.updatedAt} asc`, sql`${r.id} asc`]
  }
}
