// The histories the Interim Care List is computed from (requests' status changes and the times
// their slots were filled, read through brokerage's reporting read model), and the list's spells.
import { sql } from 'drizzle-orm'
import { requestHistories } from '../../brokerage/reporting/histories.ts'
import { REQUEST_STATUSES } from '../../brokerage/rules/index.ts'
import type { Queryable } from '../../db/connection.ts'
import { iclSpells } from '../schema.ts'
import { type ListInterval, type RequestHistory, statusCanHoldOnList } from './rules.ts'

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

/** Which requests' histories to read, and up to when. */
export interface HistoryScope {
  /** History up to and including this instant; all of it without. */
  until?: Date
  /**
   * Only the requests on the list at some instant after this one (and up to `until`), found by
   * their spells (icl_spells): the list at any instant from then to `until`, and who came and went.
   */
  onListAfter?: Date
  /** Only these requests. */
  requestIds?: readonly number[]
}

/** The statuses that can hold a request's person on the list. */
const LIST_STATUSES = REQUEST_STATUSES.filter(statusCanHoldOnList)

const inList = (ids: readonly number[]) =>
  sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::int)`

/**
 * The requests of the council that were ever on the list (unsourced, awarded or started) in the
 * scope, with their history, from brokerage's reporting read model.
 */
export async function loadHistories(
  db: Queryable,
  councilId: number,
  scope: HistoryScope = {},
): Promise<RequestHistory[]> {
  const until = scope.until ? { until: scope.until } : {}
  if (!scope.onListAfter)
    // Without spells to go by, only the requests that have been in a status that can hold them there.
    return requestHistories(db, councilId, {
      ...until,
      everIn: LIST_STATUSES,
      ...(scope.requestIds ? { requestIds: scope.requestIds } : {}),
    })
  // The few requests that can matter are found first by their spells, and only they are read.
  const found = rowsOf<{ id: number }>(
    await db.execute(sql`
      select distinct request_id as id from icl_spells
      where council_id = ${councilId}
        and (off_at is null or off_at > ${scope.onListAfter.toISOString()}::timestamptz)
        ${scope.until ? sql`and on_at <= ${scope.until.toISOString()}::timestamptz` : sql``}`),
  ).map((r) => Number(r.id))
  const wanted = scope.requestIds ? new Set(scope.requestIds) : null
  const requestIds = wanted ? found.filter((id) => wanted.has(id)) : found
  if (requestIds.length === 0) return []
  return requestHistories(db, councilId, { ...until, requestIds })
}

const SPELLS_PER_INSERT = 5_000

/** Replaces the spells of the council's requests (only of `requestIds` when given) with these. */
export async function replaceSpells(
  db: Queryable,
  councilId: number,
  spells: readonly ListInterval[],
  requestIds?: readonly number[],
): Promise<void> {
  if (requestIds?.length === 0) return
  await db.execute(sql`
    delete from icl_spells where council_id = ${councilId}
    ${requestIds ? sql`and request_id in ${inList(requestIds)}` : sql``}`)
  for (let i = 0; i < spells.length; i += SPELLS_PER_INSERT)
    await db
      .insert(iclSpells)
      .values(
        spells
          .slice(i, i + SPELLS_PER_INSERT)
          .map((s) => ({ councilId, requestId: s.requestId, onAt: s.on, offAt: s.off })),
      )
}
