// Requests' histories as the Interim Care List reads them: each request with its person, its status
// changes, its visits and when each slot was filled. Read from the reporting views (views.ts), but
// the person's name and date of birth, which the views leave out, come from brokerage's own tables
// here, for the council staff who keep the list.
import { sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import { careWorkerMinutesPerWeek } from '../rules/hours.ts'
import type { RequestServiceType, RequestStatus } from '../rules/index.ts'
import { people, sourcingRequests } from '../schema.ts'

export interface RequestHistoryFacts {
  requestId: number
  serviceType: RequestServiceType
  inHospital: boolean
  personName: string
  dateOfBirth: string
  /** The locality and PCN area where the person lives; null where not placed. */
  locality: string | null
  pcn: string | null
  /** Status changes, oldest first. */
  events: { at: Date; toStatus: RequestStatus }[]
  /** Home care visits and the paid care minutes each is a week; empty for a placement. */
  visits: { id: number; minutesPerWeek: number }[]
  /** Supported living's hours of support a week, in minutes: what the request leaves unfilled while unsourced. */
  supportMinutesPerWeek?: number | null
  /** When each slot was filled (slot 0 is a whole placement), oldest first. */
  fills: { slot: number; at: Date }[]
}

/** Which requests' histories to read, and up to when. */
export interface HistoryTerms {
  /** History up to and including this instant; all of it without. */
  until?: Date
  /** Only these requests. */
  requestIds?: readonly number[]
  /** Only the requests that have been in one of these statuses (by `until`, when given). */
  everIn?: readonly RequestStatus[]
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

function instant(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value)
}

const inList = (ids: readonly number[]) =>
  sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::int)`

/**
 * The council's requests the terms pick, in id order, with their histories. Locality and PCN are
 * the person's placement; for a person placed before those were kept, the council's district
 * table places their postcode district.
 */
export async function requestHistories(
  db: Queryable,
  councilId: number,
  terms: HistoryTerms,
): Promise<RequestHistoryFacts[]> {
  if (terms.requestIds?.length === 0 || terms.everIn?.length === 0) return []
  const until = terms.until ? sql`and at <= ${terms.until.toISOString()}::timestamptz` : sql``
  const everIn = terms.everIn
    ? sql`and exists (
        select 1 from brokerage_status_changes
        where council_id = r.council_id and request_id = r.id
          and to_status in (${sql.join(
            terms.everIn.map((status) => sql`${status}`),
            sql`, `,
          )}) ${until})`
    : sql``
  const onlyThese = terms.requestIds ? sql`and r.id in ${inList(terms.requestIds)}` : sql``
  const requests = rowsOf<{
    id: number
    service_type: RequestServiceType
    in_hospital: boolean
    name: string
    date_of_birth: string
    locality: string | null
    pcn: string | null
    support_minutes_per_week: number | null
  }>(
    await db.execute(sql`
      select r.id, r.service_type, r.in_hospital, r.support_minutes_per_week, p.name, p.date_of_birth::text as date_of_birth,
             l.name as locality, a.name as pcn
      from ${sourcingRequests} r
      join ${people} p on p.id = r.person_id and p.council_id = r.council_id
      left join council_districts d on d.council_id = r.council_id and d.outcode = p.outcode
      left join localities l on l.id = coalesce(p.locality_id, d.locality_id)
      left join pcn_areas a on a.id = coalesce(p.pcn_area_id, d.pcn_area_id)
      where r.council_id = ${councilId} ${everIn} ${onlyThese}
      order by r.id`),
  )
  if (requests.length === 0) return []
  const inIds = inList(requests.map((r) => r.id))
  const events = rowsOf<{ request_id: number; to_status: RequestStatus; at: Date | string }>(
    await db.execute(sql`
      select request_id, to_status, at from brokerage_status_changes
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
      select id, request_id, days, duration_minutes, carers from brokerage_visit_facts
      where council_id = ${councilId} and request_id in ${inIds}
      order by request_id, id`),
  )
  const fills = rowsOf<{ request_id: number; slot: number; filled_at: Date | string }>(
    await db.execute(sql`
      select request_id, slot, filled_at from brokerage_slot_fills
      where council_id = ${councilId} and request_id in ${inIds}
        ${terms.until ? sql`and filled_at <= ${terms.until.toISOString()}::timestamptz` : sql``}
      order by request_id, filled_at`),
  )
  const byRequest = new Map(
    requests.map((r): [number, RequestHistoryFacts] => [
      r.id,
      {
        requestId: r.id,
        serviceType: r.service_type,
        inHospital: r.in_hospital,
        personName: r.name,
        dateOfBirth: r.date_of_birth,
        locality: r.locality,
        pcn: r.pcn,
        supportMinutesPerWeek: r.support_minutes_per_week,
        events: [],
        visits: [],
        fills: [],
      },
    ]),
  )
  for (const e of events)
    byRequest.get(e.request_id)?.events.push({ at: instant(e.at), toStatus: e.to_status })
  for (const v of visits)
    byRequest.get(v.request_id)?.visits.push({
      id: v.id,
      minutesPerWeek: careWorkerMinutesPerWeek([
        { days: v.days, durationMinutes: v.duration_minutes, carers: v.carers },
      ]),
    })
  for (const f of fills) byRequest.get(f.request_id)?.fills.push({ slot: f.slot, at: instant(f.filled_at) })
  return [...byRequest.values()]
}

/** When the council's first request changed status: where its history, and so its list, begins. */
export async function firstStatusChangeAt(db: Queryable, councilId: number): Promise<Date | null> {
  const [row] = rowsOf<{ first: Date | string | null }>(
    await db.execute(sql`
      select min(at) as first from brokerage_status_changes where council_id = ${councilId}`),
  )
  return row?.first ? instant(row.first) : null
}
