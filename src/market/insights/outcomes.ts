// The request_outcomes rollup (schema.ts): each request's first submission, publication, award and
// cancellation, made from brokerage's reporting views (its status changes and packages) by one
// query, for one request as it changes or for a whole council at once.
import { type SQL, sql } from 'drizzle-orm'
import type { Database, Queryable } from '../../db/connection.ts'

/**
 * The rollup's rows of the requests `requests` picks (a condition on the request facts r), from
 * the status changes and packages `history` picks (the same condition on their own columns, for an
 * index).
 */
function outcomeRows(requests: SQL, history: SQL) {
  return sql`
    select r.id, r.council_id, r.person_id, r.service_type, r.preferred_outcode,
      e.submitted_at, e.published_at, k.awarded_at, e.cancelled_at
    from brokerage_request_facts r
    left join (
      select request_id,
        min(at) filter (where to_status = 'submitted') as submitted_at,
        min(at) filter (where to_status = 'published') as published_at,
        min(at) filter (where to_status = 'cancelled') as cancelled_at
      from brokerage_status_changes where ${history} group by request_id
    ) e on e.request_id = r.id
    left join (
      select request_id, min(awarded_at) as awarded_at from brokerage_package_facts
      where ${history} group by request_id
    ) k on k.request_id = r.id
    where ${requests}
      -- A draft never submitted is in no figure.
      and coalesce(e.submitted_at, e.published_at, k.awarded_at, e.cancelled_at) is not null`
}

const COLUMNS = sql`(request_id, council_id, person_id, service_type, preferred_outcode,
  submitted_at, published_at, awarded_at, cancelled_at)`

/**
 * Rewrites one request's outcome from its history, in the transaction of a change to it (a status
 * change or an award), whose caller holds the request's row, so its changes are kept one after
 * another.
 */
export async function keepRequestOutcome(tx: Queryable, requestId: number): Promise<void> {
  await tx.execute(sql`
    insert into request_outcomes ${COLUMNS}
    ${outcomeRows(sql`r.id = ${requestId}`, sql`request_id = ${requestId}`)}
    on conflict (request_id) do update set
      person_id = excluded.person_id, service_type = excluded.service_type,
      preferred_outcode = excluded.preferred_outcode, submitted_at = excluded.submitted_at,
      published_at = excluded.published_at, awarded_at = excluded.awarded_at,
      cancelled_at = excluded.cancelled_at`)
}

/** Rebuilds a council's outcomes from its raw history: after history written in bulk, past the services. */
export async function rebuildRequestOutcomes(db: Database, councilId: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from request_outcomes where council_id = ${councilId}`)
    await tx.execute(sql`
      insert into request_outcomes ${COLUMNS}
      ${outcomeRows(sql`r.council_id = ${councilId}`, sql`council_id = ${councilId}`)}`)
  })
}
