// The histories the Interim Care List is computed from: request status changes (request_events)
// and the times slots were filled (awarded_slots, stamped by their package's creation).
import { sql } from 'drizzle-orm'
import { careMinutesPerWeek } from '../../brokerage/offers/rules.ts'
import type { RequestServiceType, RequestStatus } from '../../brokerage/rules/index.ts'
import type { Queryable } from '../../db/connection.ts'
import type { RequestHistory } from './rules.ts'

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

function instant(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value)
}

/**
 * The requests that may be on the list at an instant after `after`, or come onto it or leave it
 * after `after`: those on the list now, and those whose status changed or a slot was filled since.
 * Any other request's history has nothing after `after`, so it stood then as it stands now: off the
 * list. Without this, a council's whole history is read for every day asked about.
 */
function changedOrOnList(councilId: number, after: Date) {
  const afterIso = after.toISOString()
  return sql`
    select id from sourcing_requests where council_id = ${councilId} and status = 'unsourced'
    union
    select v.request_id from request_visits v
    join sourcing_requests o on o.id = v.request_id and o.status in ('awarded', 'started')
    where v.council_id = ${councilId}
      and not exists (select 1 from awarded_slots s where s.request_id = v.request_id and s.slot = v.id)
    union
    select request_id from request_events where council_id = ${councilId} and at > ${afterIso}::timestamptz
    union
    select s.request_id from awarded_slots s join packages k on k.id = s.package_id
    where s.council_id = ${councilId} and k.created_at > ${afterIso}::timestamptz`
}

/**
 * Every request of the council that was ever on the list by `until` (unsourced, awarded or
 * started), with its history up to `until`. Locality and PCN are the person's placement; for a
 * person placed before those were kept, the council's district table places their postcode district.
 * With `changedAfter`, only the requests that can matter to the list after that instant
 * (changedOrOnList): the list at any instant from then to `until`, and who came and went.
 */
export async function loadHistories(
  db: Queryable,
  councilId: number,
  until: Date,
  options: { changedAfter?: Date } = {},
): Promise<RequestHistory[]> {
  const untilIso = until.toISOString()
  // The few requests that can matter are found first, and only they are read.
  let relevant = sql``
  if (options.changedAfter) {
    const found = rowsOf<{ id: number }>(await db.execute(changedOrOnList(councilId, options.changedAfter)))
    if (found.length === 0) return []
    relevant = sql`and r.id in (select jsonb_array_elements_text(${JSON.stringify(found.map((r) => Number(r.id)))}::jsonb)::int)`
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
      where r.council_id = ${councilId}
        and exists (
          select 1 from request_events e
          where e.council_id = r.council_id and e.request_id = r.id
            and e.to_status in ('unsourced', 'awarded', 'started') and e.at <= ${untilIso}::timestamptz)
        ${relevant}
      order by r.id`),
  )
  if (requests.length === 0) return []
  const ids = JSON.stringify(requests.map((r) => r.id))
  const inIds = sql`(select jsonb_array_elements_text(${ids}::jsonb)::int)`
  const events = rowsOf<{ request_id: number; to_status: RequestStatus; at: Date | string }>(
    await db.execute(sql`
      select request_id, to_status, at from request_events
      where council_id = ${councilId} and request_id in ${inIds} and at <= ${untilIso}::timestamptz
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
      where s.council_id = ${councilId} and s.request_id in ${inIds} and p.created_at <= ${untilIso}::timestamptz
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
