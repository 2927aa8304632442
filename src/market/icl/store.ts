// The histories the Interim Care List is computed from: request status changes (request_events)
// and the times slots were filled (awarded_slots, stamped by their package's creation).
import { sql } from 'drizzle-orm'
import { careMinutesPerWeek } from '../../brokerage/offers/rules.ts'
import { REQUEST_STATUSES, type RequestServiceType, type RequestStatus } from '../../brokerage/rules/index.ts'
import type { Queryable } from '../../db/connection.ts'
import { iclSpells } from '../schema.ts'
import { type ListInterval, type RequestHistory, statusCanHoldOnList } from './rules.ts'

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

function instant(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value)
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

/** The statuses that can hold a request's person on the list, as an SQL list. */
const listStatuses = () =>
  sql.join(
    REQUEST_STATUSES.filter(statusCanHoldOnList).map((status) => sql`${status}`),
    sql`, `,
  )

const inList = (ids: readonly number[]) =>
  sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::int)`

/**
 * The requests of the council that were ever on the list (unsourced, awarded or started) in the
 * scope, with their history. Locality and PCN are the person's placement; for a person placed
 * before those were kept, the council's district table places their postcode district.
 */
export async function loadHistories(
  db: Queryable,
  councilId: number,
  scope: HistoryScope = {},
): Promise<RequestHistory[]> {
  const until = scope.until ? sql`and at <= ${scope.until.toISOString()}::timestamptz` : sql``
  // Without spells to go by, only the requests that have been in a status that can hold them there.
  let relevant = sql`and exists (
    select 1 from request_events
    where council_id = r.council_id and request_id = r.id
      and to_status in (${listStatuses()}) ${until})`
  if (scope.onListAfter) {
    // The few requests that can matter are found first, and only they are read.
    const found = rowsOf<{ id: number }>(
      await db.execute(sql`
        select distinct request_id as id from icl_spells
        where council_id = ${councilId}
          and (off_at is null or off_at > ${scope.onListAfter.toISOString()}::timestamptz)
          ${scope.until ? sql`and on_at <= ${scope.until.toISOString()}::timestamptz` : sql``}`),
    )
    if (found.length === 0) return []
    relevant = sql`and r.id in ${inList(found.map((r) => Number(r.id)))}`
  }
  if (scope.requestIds) {
    if (scope.requestIds.length === 0) return []
    relevant = sql`${relevant} and r.id in ${inList(scope.requestIds)}`
  }
  const requests = rowsOf<{
    id: number
    service_type: RequestServiceType
    in_hospital: boolean
    name: string
    date_of_birth: string
    locality: string | null
    pcn: string | null
  }>(
    await db.execute(sql`
      select r.id, r.service_type, r.in_hospital, p.name, p.date_of_birth::text as date_of_birth,
             l.name as locality, a.name as pcn
      from sourcing_requests r
      join people p on p.id = r.person_id and p.council_id = r.council_id
      left join council_districts d on d.council_id = r.council_id and d.outcode = p.outcode
      left join localities l on l.id = coalesce(p.locality_id, d.locality_id)
      left join pcn_areas a on a.id = coalesce(p.pcn_area_id, d.pcn_area_id)
      where r.council_id = ${councilId} ${relevant}
      order by r.id`),
  )
  if (requests.length === 0) return []
  const inIds = inList(requests.map((r) => r.id))
  const events = rowsOf<{ request_id: number; to_status: RequestStatus; at: Date | string }>(
    await db.execute(sql`
      select request_id, to_status, at from request_events
      where council_id = ${councilId} and request_id in ${inIds} ${until}
      order by request_id, at, id`),
  )
  const visits = rowsOf<{
    id: number
    request_id: number
    days: string[]
    duration_minutes: number
    carers: number
  }>(
    await db.execute(sql`
      select id, request_id, days, duration_minutes, carers from request_visits
      where council_id = ${councilId} and request_id in ${inIds}
      order by request_id, id`),
  )
  const fills = rowsOf<{ request_id: number; slot: number; at: Date | string }>(
    await db.execute(sql`
      select s.request_id, s.slot, p.created_at as at
      from awarded_slots s join packages p on p.id = s.package_id
      where s.council_id = ${councilId} and s.request_id in ${inIds}
        ${scope.until ? sql`and p.created_at <= ${scope.until.toISOString()}::timestamptz` : sql``}
      order by s.request_id, p.created_at`),
  )
  const byRequest = new Map(
    requests.map((r) => [
      r.id,
      {
        requestId: r.id,
        serviceType: r.service_type,
        inHospital: r.in_hospital,
        personName: r.name,
        dateOfBirth: r.date_of_birth,
        locality: r.locality,
        pcn: r.pcn,
        events: [] as { at: Date; toStatus: RequestStatus }[],
        visits: [] as { id: number; minutesPerWeek: number }[],
        fills: [] as { slot: number; at: Date }[],
      },
    ]),
  )
  for (const e of events)
    byRequest.get(e.request_id)?.events.push({ at: instant(e.at), toStatus: e.to_status })
  for (const v of visits)
    byRequest.get(v.request_id)?.visits.push({
      id: v.id,
      minutesPerWeek: careMinutesPerWeek([
        { days: v.days, durationMinutes: v.duration_minutes, carers: v.carers },
      ]),
    })
  for (const f of fills) byRequest.get(f.request_id)?.fills.push({ slot: f.slot, at: instant(f.at) })
  return [...byRequest.values()] satisfies RequestHistory[]
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
