import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { getCouncilByCode } from '../accounts/service.ts'
import { assembleEligibility } from '../brokerage/invitations.ts'
import { evaluateOffers } from '../brokerage/offers/award.ts'
import { addCalendarDays, REQUEST_TRANSITIONS, type RequestStatus } from '../brokerage/rules/index.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { iclReport, listSnapshots, takeDueSnapshots } from '../market/icl/service.ts'
import { iclSnapshots } from '../market/schema.ts'
import { londonDate } from '../shared/dates.ts'
import { createDemo } from './generate.ts'
import { generateHistory, type HistorySummary } from './history.ts'

// Five weeks of a small council's history, ending at a fixed instant so that every run is the same.
const END = new Date('2026-03-11T15:30:00Z')
const OPTIONS = { councilCode: 'DEMO', seed: 5, end: END, weeks: 5, requests: 220, capacityUpdates: 3000 }

let database: DatabaseHandle
let councilId: number
let summary: HistorySummary

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await database.db.execute(query)) as unknown as { rows: T[] }).rows
}

/** The one value a counting query returns, whatever its column is called. */
async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await rows<Record<string, number | string>>(query)
  if (!row) throw new Error('the query returned no row')
  return Number(Object.values(row)[0])
}

beforeAll(async () => {
  database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  councilId = (await getCouncilByCode(database.db, 'DEMO')).id
  summary = await generateHistory(database.db, OPTIONS)
  await takeDueSnapshots(database.db, END)
}, 240_000)
afterAll(async () => database?.close())

describe('a generated history', () => {
  it('has requests in every state, offers, awards and capacity', () => {
    expect(summary.requests).toBeGreaterThan(150)
    expect(summary.offers).toBeGreaterThan(summary.requests * 4)
    expect(summary.awarded).toBeGreaterThan(summary.requests / 2)
    expect(summary.started).toBeGreaterThan(0)
    expect(summary.unsourced).toBeGreaterThan(0)
    expect(summary.cancelled).toBeGreaterThan(0)
    expect(summary.capacityUpdates).toBeGreaterThan(1500)
  })

  it('writes what the summary counts', async () => {
    expect(await count(sql`select count(*) from sourcing_requests where council_id = ${councilId}`)).toBe(
      summary.requests,
    )
    expect(await count(sql`select count(*) from offers where council_id = ${councilId}`)).toBe(summary.offers)
    expect(await count(sql`select count(*) from packages where council_id = ${councilId}`)).toBe(
      summary.packages,
    )
    expect(await count(sql`select count(*) from eligibility_decisions where council_id = ${councilId}`)).toBe(
      summary.invitations,
    )
    expect(
      await count(sql`select (select count(*) from bed_vacancy_reports where council_id = ${councilId})
        + (select count(*) from home_care_capacity_reports where council_id = ${councilId}) as n`),
    ).toBe(summary.capacityUpdates)
  })

  it('moves every request only as the state machine allows, and its row agrees with its history', async () => {
    const events = await rows<{ request_id: number; from_status: string | null; to_status: string }>(sql`
      select request_id, from_status, to_status from request_events where council_id = ${councilId}
      order by request_id, at, id`)
    const requests = await rows<{ id: number; status: string; version: number }>(sql`
      select id, status, version from sourcing_requests where council_id = ${councilId}`)
    const byRequest = new Map<number, { from: string | null; to: string }[]>()
    for (const e of events)
      byRequest.set(e.request_id, [
        ...(byRequest.get(e.request_id) ?? []),
        { from: e.from_status, to: e.to_status },
      ])
    for (const request of requests) {
      const history = byRequest.get(request.id) ?? []
      expect(history[0]).toEqual({ from: null, to: 'draft' })
      for (let i = 1; i < history.length; i++) {
        const step = history[i] as { from: string; to: string }
        expect(step.from).toBe((history[i - 1] as { to: string }).to)
        const allowed = Object.values(REQUEST_TRANSITIONS).some(
          (t) => t.to === step.to && t.from.includes(step.from as RequestStatus),
        )
        expect(allowed, `request ${request.id}: ${step.from} → ${step.to}`).toBe(true)
      }
      expect(history.at(-1)?.to).toBe(request.status)
      expect(Number(request.version)).toBe(history.length)
    }
  })

  it('takes offers only from locations invited in the round open at the time, before its deadline', async () => {
    expect(
      await count(sql`
        select count(*) from offers o
        where o.council_id = ${councilId} and not exists (
          select 1 from eligibility_decisions d
          where d.request_id = o.request_id and d.location_id = o.location_id and d.eligible
            and d.round = (select max(d2.round) from eligibility_decisions d2
              where d2.request_id = o.request_id and d2.decided_at <= o.created_at))`),
    ).toBe(0)
    // Each offer falls between a publication and the close that followed it.
    expect(
      await count(sql`
        select count(*) from offers o
        where o.council_id = ${councilId} and not exists (
          select 1 from request_events p
          where p.request_id = o.request_id and p.to_status = 'published' and p.at <= o.created_at
            and not exists (select 1 from request_events c where c.request_id = o.request_id
              and c.to_status = 'closed' and c.at > p.at and c.at <= o.created_at))`),
    ).toBe(0)
    // Live offers only on requests still taking them, or closed and not yet decided.
    expect(
      await count(sql`
        select count(*) from offers o join sourcing_requests r on r.id = o.request_id
        where o.council_id = ${councilId} and o.status = 'submitted' and r.status not in ('published', 'closed')`),
    ).toBe(0)
  })

  it('gives every award a package and its slots, each slot once, and accepts exactly the awarded offers', async () => {
    expect(
      await count(sql`
        select count(*) from sourcing_requests r
        where r.council_id = ${councilId} and r.status in ('awarded', 'started')
          and not exists (select 1 from packages k where k.request_id = r.id)`),
    ).toBe(0)
    expect(
      await count(sql`
        select count(*) from packages k
        where k.council_id = ${councilId} and (
          (select count(*) from awarded_slots s where s.package_id = k.id)
            <> greatest(1, cardinality(k.visit_ids))
          or k.end_date < k.start_date)`),
    ).toBe(0)
    expect(
      await count(sql`
        select count(*) from offers o where o.council_id = ${councilId}
          and (o.status = 'accepted') <> exists (select 1 from packages k where k.offer_id = o.id)`),
    ).toBe(0)
  })

  it('keeps on each package its request’s usual price, and the end date and reason of an ended one', async () => {
    expect(
      await count(sql`
        select count(*) from packages k join sourcing_requests r on r.id = k.request_id
        where k.council_id = ${councilId} and k.usual_price_pence is distinct from r.usual_price_pence`),
    ).toBe(0)
    expect(
      await count(sql`
        select count(*) from packages
        where council_id = ${councilId} and end_date is not null and end_reason is not null`),
    ).toBe(summary.packagesEnded)
  })

  it('prices supported living by its hours of support a week: no package costs nothing', async () => {
    expect(
      await count(sql`
        select count(*) from sourcing_requests
        where council_id = ${councilId} and service_type = 'supported_living' and support_minutes_per_week is null`),
    ).toBe(0)
    expect(
      await count(sql`
        select count(*) from packages k join sourcing_requests r on r.id = k.request_id
        where k.council_id = ${councilId} and k.service_type = 'supported_living'
          and (k.weekly_cost_pence <= 0 or k.minutes_per_week is distinct from r.support_minutes_per_week
            or k.weekly_cost_pence <> round(k.agreed_price_pence * r.support_minutes_per_week / 60.0))`),
    ).toBe(0)
  })

  it('starts care once the first package has started, as the scheduler would by the end', async () => {
    const today = londonDate(END)
    expect(
      await count(sql`
        select count(*) from sourcing_requests r
        where r.council_id = ${councilId} and r.status = 'awarded'
          and (select min(start_date) from packages k where k.request_id = r.id) <= ${today}::date`),
    ).toBe(0)
    expect(
      await count(sql`
        select count(*) from sourcing_requests r
        where r.council_id = ${councilId} and r.status = 'published' and r.deadline_at <= ${END.toISOString()}::timestamptz`),
    ).toBe(0)
  })

  it('keeps capacity within registered beds and the districts a location covers', async () => {
    expect(
      await count(sql`
        select count(*) from bed_vacancy_reports b join locations l on l.id = b.location_id
        where b.council_id = ${councilId} and b.vacancies > l.registered_beds`),
    ).toBe(0)
    expect(
      await count(sql`
        select count(*) from home_care_capacity_reports h
        where h.council_id = ${councilId} and not exists (
          select 1 from location_coverage c where c.location_id = h.location_id and c.outcode = h.outcode)`),
    ).toBe(0)
  })

  it('invites the locations the eligibility service invites', async () => {
    const latest = await rows<{ id: number; at: Date | string }>(sql`
      select r.id, (select max(e.at) from request_events e where e.request_id = r.id and e.to_status = 'published') as at
      from sourcing_requests r
      where r.council_id = ${councilId} and r.status <> 'cancelled'
        and exists (select 1 from eligibility_decisions d where d.request_id = r.id)
      order by r.id limit 12`)
    expect(latest.length).toBeGreaterThan(5)
    for (const { id, at } of latest) {
      const run = await assembleEligibility(database.db, { councilId, requestId: id, now: new Date(at) })
      const stored = await rows<{ location_id: number }>(sql`
        select location_id from eligibility_decisions
        where request_id = ${id} and eligible
          and round = (select max(round) from eligibility_decisions where request_id = ${id})
        order by location_id`)
      const invited = run.decisions.filter((d) => d.eligible).map((d) => d.locationId)
      expect(stored.map((r) => Number(r.location_id))).toEqual(invited.sort((a, b) => a - b))
    }
  })

  it('can be read by the brokerage services', async () => {
    const [awarded] = await rows<{ id: number }>(sql`
      select id from sourcing_requests where council_id = ${councilId} and status = 'started' limit 1`)
    const evaluation = await evaluateOffers(database.db, { councilId }, Number(awarded?.id), END)
    expect(evaluation.awarded.length).toBeGreaterThan(0)
    // New rows get ids after the generated ones.
    const [{ next, max } = { next: 0, max: 1 }] = await rows<{ next: string; max: string }>(sql`
      select nextval(pg_get_serial_sequence('offers', 'id')) as next, (select max(id) from offers) as max`)
    expect(Number(next)).toBeGreaterThan(Number(max))
  })

  it('has the Interim Care List’s daily snapshots, equal to the list the service works out for each day', async () => {
    const snapshots = await listSnapshots(database.db, councilId)
    expect(snapshots.length).toBeGreaterThanOrEqual(7 * 5 - 3)
    expect(snapshots.at(-1)?.date).toBe(addCalendarDays(londonDate(END), -1))
    expect(Math.max(...snapshots.map((s) => s.people))).toBeGreaterThan(0)
    const stored = await database.db
      .select()
      .from(iclSnapshots)
      .where(sql`${iclSnapshots.councilId} = ${councilId}`)
    for (const snapshot of stored.filter((_, i) => i % 4 === 0)) {
      const report = await iclReport(database.db, councilId, { from: snapshot.date, to: snapshot.date }, END)
      expect({
        people: report.people,
        unfilledMinutesPerWeek: report.unfilledMinutesPerWeek,
        meanDaysWaiting: report.meanDaysWaiting,
        medianDaysWaiting: report.medianDaysWaiting,
        added: report.added,
        removed: report.removed,
        breakdowns: report.breakdowns,
      }).toEqual({
        people: snapshot.people,
        unfilledMinutesPerWeek: snapshot.unfilledMinutesPerWeek,
        meanDaysWaiting: snapshot.meanDaysWaiting,
        medianDaysWaiting: snapshot.medianDaysWaiting,
        added: snapshot.added,
        removed: snapshot.removed,
        breakdowns: snapshot.breakdowns,
      })
    }
  })

  it('gives the same history for the same seed', async () => {
    const again = await createTestDatabase()
    try {
      await createDemo(again.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
      const second = await generateHistory(again.db, OPTIONS)
      expect({ ...second, seconds: 0 }).toEqual({ ...summary, seconds: 0 })
    } finally {
      await again.close()
    }
  })
})
