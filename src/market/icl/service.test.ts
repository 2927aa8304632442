import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { createCouncil, getCouncilByCode } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import {
  awardedSlots,
  councilDistricts,
  iclSnapshots,
  localities,
  locations,
  offers,
  packages,
  pcnAreas,
  people,
  providerOrganisations,
  requestEvents,
  requestVisits,
  sourcingRequests,
} from '../../db/schema.ts'
import { createDemo } from '../../demo/generate.ts'
import { ValidationError } from '../../errors.ts'
import { mondayOf, simulate } from '../../simulator/simulate.ts'
import { endOfLondonDay } from './rules.ts'
import { iclAt, iclReport, rebuildIclSpells, takeDueSnapshots } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
const at = (iso: string) => new Date(iso)

// ---------------------------------------------------------------------------------------------
// A history worked out by hand (March 2026 is GMT, so London dates are UTC dates).

interface Step {
  to: string
  at: string
}

describe('a hand-worked history', () => {
  let database: DatabaseHandle
  let councilId: number
  let ids: Record<'careHome' | 'split' | 'republished', number>

  beforeAll(async () => {
    database = await createTestDatabase()
    const { db } = database
    councilId = (await createCouncil(db, { code: 'HAND', name: 'Hand Council' }, system)).id
    const [north] = await db.insert(localities).values({ councilId, name: 'North' }).returning()
    const [city] = await db.insert(localities).values({ councilId, name: 'Norwich' }).returning()
    if (!north || !city) throw new Error('no localities')
    const [coast] = await db
      .insert(pcnAreas)
      .values({ councilId, localityId: north.id, name: 'Coast PCN' })
      .returning()
    const [cityPcn] = await db
      .insert(pcnAreas)
      .values({ councilId, localityId: city.id, name: 'City PCN' })
      .returning()
    if (!coast || !cityPcn) throw new Error('no PCNs')
    // A person placed before locality was kept: the district table places NR99 in Norwich.
    await db
      .insert(councilDistricts)
      .values({ councilId, outcode: 'NR99', localityId: city.id, pcnAreaId: cityPcn.id, rural: false })
    const [org] = await db
      .insert(providerOrganisations)
      .values({ councilId, cqcProviderId: '1-HAND', name: 'Hand Care' })
      .returning()
    if (!org) throw new Error('no organisation')
    const [location] = await db
      .insert(locations)
      .values({
        councilId,
        providerOrganisationId: org.id,
        cqcLocationId: '1-LHAND',
        name: 'Hand House',
        address: '1 Street',
        postcode: 'NR1 1AA',
      })
      .returning()
    if (!location) throw new Error('no location')

    const request = async (spec: {
      serviceType: string
      dateOfBirth: string
      outcode: string
      localityId: number | null
      pcnAreaId: number | null
      inHospital?: boolean
      visits?: { days: string[]; durationMinutes: number; carers: number }[]
      steps: Step[]
    }) => {
      const [person] = await db
        .insert(people)
        .values({
          councilId,
          name: `Person ${spec.dateOfBirth}`,
          dateOfBirth: spec.dateOfBirth,
          postcode: `${spec.outcode} 1AA`,
          outcode: spec.outcode,
          localityId: spec.localityId,
          pcnAreaId: spec.pcnAreaId,
        })
        .returning()
      const last = spec.steps[spec.steps.length - 1] as Step
      const [row] = await db
        .insert(sourcingRequests)
        .values({
          councilId,
          personId: person?.id as number,
          serviceType: spec.serviceType,
          clientGroup: 'older_people',
          needsSummary: 'Needs',
          startDate: '2026-03-20',
          maxDistanceMiles: 10,
          urgency: 'routine',
          inHospital: spec.inHospital ?? false,
          status: last.to,
        })
        .returning()
      const requestId = row?.id as number
      const visitRows = spec.visits?.length
        ? await db
            .insert(requestVisits)
            .values(
              spec.visits.map((v) => ({
                councilId,
                requestId,
                windowStart: '08:00',
                windowEnd: '10:00',
                ...v,
              })),
            )
            .returning()
        : []
      let from: string | null = null
      for (const step of spec.steps) {
        await db.insert(requestEvents).values({
          councilId,
          requestId,
          fromStatus: from,
          toStatus: step.to,
          actor: 'test',
          at: at(step.at),
        })
        from = step.to
      }
      return { requestId, visitIds: visitRows.map((v) => v.id) }
    }
    const fill = async (requestId: number, slots: number[], when: string) => {
      const [offer] = await db
        .insert(offers)
        .values({
          councilId,
          requestId,
          locationId: location.id,
          providerOrganisationId: org.id,
          pricePence: 2500,
          earliestStart: '2026-03-20',
          meetsAllNeeds: true,
          visitIds: slots,
          status: 'accepted',
        })
        .returning()
      const [pkg] = await db
        .insert(packages)
        .values({
          councilId,
          requestId,
          offerId: offer?.id as number,
          personId: (
            (await db.execute(
              sql`select person_id from brokerage_request_facts where id = ${requestId}`,
            )) as {
              rows: { person_id: number }[]
            }
          ).rows[0]?.person_id as number,
          locationId: location.id,
          providerOrganisationId: org.id,
          serviceType: 'home_care',
          agreedPricePence: 2500,
          weeklyCostPence: 0,
          startDate: '2026-03-20',
          createdAt: at(when),
          createdBy: 'test',
        })
        .returning()
      await db
        .insert(awardedSlots)
        .values(slots.map((slot) => ({ councilId, requestId, slot, packageId: pkg?.id as number })))
    }

    const careHome = await request({
      serviceType: 'residential',
      dateOfBirth: '1940-06-01',
      outcode: 'NR27',
      localityId: north.id,
      pcnAreaId: coast.id,
      inHospital: true,
      steps: [
        { to: 'draft', at: '2026-03-01T09:00:00Z' },
        { to: 'submitted', at: '2026-03-01T10:00:00Z' },
        { to: 'published', at: '2026-03-02T10:00:00Z' },
        { to: 'closed', at: '2026-03-04T12:00:00Z' },
        { to: 'unsourced', at: '2026-03-04T13:00:00Z' },
      ],
    })
    // Two visits: 5 × 30 min × 1 carer = 150 min, and 7 × 60 min × 2 carers = 840 min a week.
    const split = await request({
      serviceType: 'home_care',
      dateOfBirth: '1955-03-11',
      outcode: 'NR3',
      localityId: city.id,
      pcnAreaId: cityPcn.id,
      visits: [
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], durationMinutes: 30, carers: 1 },
        { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], durationMinutes: 60, carers: 2 },
      ],
      steps: [
        { to: 'draft', at: '2026-03-02T09:00:00Z' },
        { to: 'submitted', at: '2026-03-02T10:00:00Z' },
        { to: 'published', at: '2026-03-02T11:00:00Z' },
        { to: 'closed', at: '2026-03-05T12:00:00Z' },
        { to: 'awarded', at: '2026-03-05T14:00:00Z' },
        { to: 'started', at: '2026-03-09T07:00:00Z' },
      ],
    })
    await fill(split.requestId, [split.visitIds[0] as number], '2026-03-05T14:00:00Z')
    await fill(split.requestId, [split.visitIds[1] as number], '2026-03-08T10:00:00Z')
    // 7 × 45 min = 315 min a week; unsourced, then republished.
    const republished = await request({
      serviceType: 'home_care',
      dateOfBirth: '1990-01-01',
      outcode: 'NR99',
      localityId: null,
      pcnAreaId: null,
      visits: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], durationMinutes: 45, carers: 1 }],
      steps: [
        { to: 'draft', at: '2026-03-03T09:00:00Z' },
        { to: 'submitted', at: '2026-03-03T10:00:00Z' },
        { to: 'published', at: '2026-03-03T11:00:00Z' },
        { to: 'closed', at: '2026-03-06T12:00:00Z' },
        { to: 'unsourced', at: '2026-03-06T12:30:00Z' },
        { to: 'published', at: '2026-03-09T09:00:00Z' },
      ],
    })
    // Never on the list: cancelled, and still being sourced.
    await request({
      serviceType: 'residential',
      dateOfBirth: '1930-01-01',
      outcode: 'NR3',
      localityId: city.id,
      pcnAreaId: cityPcn.id,
      steps: [
        { to: 'draft', at: '2026-03-01T09:00:00Z' },
        { to: 'submitted', at: '2026-03-01T10:00:00Z' },
        { to: 'cancelled', at: '2026-03-02T10:00:00Z' },
      ],
    })
    await request({
      serviceType: 'residential',
      dateOfBirth: '1930-01-01',
      outcode: 'NR3',
      localityId: city.id,
      pcnAreaId: cityPcn.id,
      steps: [
        { to: 'draft', at: '2026-03-01T09:00:00Z' },
        { to: 'submitted', at: '2026-03-01T10:00:00Z' },
        { to: 'published', at: '2026-03-01T11:00:00Z' },
      ],
    })
    ids = { careHome: careHome.requestId, split: split.requestId, republished: republished.requestId }
    // The history above is written straight to the tables, as the bulk history generator writes it;
    // the spells on the list are then made from it the same way.
    await rebuildIclSpells(db, councilId)
  })
  afterAll(async () => database?.close())

  it('lists who was waiting at an instant, with days, unfilled hours and placement', async () => {
    const list = await iclAt(database.db, councilId, at('2026-03-07T12:00:00Z'))
    expect(list.entries.map((e) => [e.requestId, e.daysWaiting, e.unfilledMinutesPerWeek])).toEqual([
      [ids.careHome, 6, 0],
      [ids.split, 5, 840],
      [ids.republished, 4, 315],
    ])
    expect(list.people).toBe(3)
    expect(list.unfilledMinutesPerWeek).toBe(1155)
    expect(list.meanDaysWaiting).toBe(5)
    expect(list.medianDaysWaiting).toBe(5)
    const [careHome, split, republished] = list.entries
    expect(careHome).toMatchObject({
      locality: 'North',
      pcn: 'Coast PCN',
      ageGroup: '85+',
      careType: 'Care home: residential',
      inHospital: true,
    })
    expect(split).toMatchObject({
      locality: 'Norwich',
      pcn: 'City PCN',
      ageGroup: '65–74',
      inHospital: false,
    })
    // Placed through the district table.
    expect(republished).toMatchObject({ locality: 'Norwich', pcn: 'City PCN', ageGroup: '18–64' })
    expect(list.breakdowns.locality).toEqual([
      { key: 'North', people: 1, unfilledMinutesPerWeek: 0 },
      { key: 'Norwich', people: 2, unfilledMinutesPerWeek: 1155 },
    ])
  })

  it('changes at the instant of each change and not before', async () => {
    expect((await iclAt(database.db, councilId, at('2026-03-04T12:59:59Z'))).people).toBe(0)
    expect((await iclAt(database.db, councilId, at('2026-03-04T13:00:00Z'))).people).toBe(1)
    // The last visit filled: off the list, although the request was only started later.
    expect(
      (await iclAt(database.db, councilId, at('2026-03-08T10:00:00Z'))).entries.map((e) => e.requestId),
    ).toEqual([ids.careHome, ids.republished])
  })

  it('sums a period: people at its end, added and removed', async () => {
    const now = at('2026-03-20T12:00:00Z')
    const report = await iclReport(database.db, councilId, { from: '2026-03-05', to: '2026-03-08' }, now)
    expect(report.people).toBe(2)
    expect(report.added).toBe(2)
    expect(report.removed).toBe(1)
    expect(report.meanDaysWaiting).toBe(6)
    expect(report.medianDaysWaiting).toBe(6)
    const north = await iclReport(
      database.db,
      councilId,
      { from: '2026-03-05', to: '2026-03-08', locality: 'North' },
      now,
    )
    expect([north.people, north.added, north.removed]).toEqual([1, 0, 0])
  })

  it('refuses a reversed period, a future end and an unknown locality, field by field', async () => {
    const now = at('2026-03-20T12:00:00Z')
    const refused = async (input: Record<string, string>) => {
      const error = await iclReport(database.db, councilId, input, now).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      return (error as ValidationError).errors.map((e) => e.field)
    }
    expect(await refused({ from: '2026-03-10', to: '2026-03-01' })).toEqual(['from'])
    expect(await refused({ from: '2026-03-10', to: '2099-01-01' })).toEqual(['to'])
    expect(await refused({ locality: 'Atlantis' })).toEqual(['locality'])
    expect(await refused({ from: '2026-02-30' })).toEqual(['from'])
  })

  it('takes each missing day’s snapshot once, up to yesterday', async () => {
    const now = at('2026-03-10T00:30:00Z')
    const first = await takeDueSnapshots(database.db, now)
    const mine = first.taken.filter((t) => t.councilId === councilId).map((t) => t.date)
    expect(mine[0]).toBe('2026-03-01')
    expect(mine[mine.length - 1]).toBe('2026-03-09')
    expect(mine).toHaveLength(9)
    expect((await takeDueSnapshots(database.db, now)).taken).toEqual([])
    const [day] = await database.db
      .select()
      .from(iclSnapshots)
      .where(sql`${iclSnapshots.councilId} = ${councilId} and ${iclSnapshots.date} = '2026-03-06'`)
    // End of 6 March: the care home and both home care requests; the split one and the
    // republished one came onto the list on 5 and 6 March.
    expect(day).toMatchObject({ people: 3, unfilledMinutesPerWeek: 1155, added: 1, removed: 0 })
  })
})

// ---------------------------------------------------------------------------------------------
// Properties over a simulated history

/**
 * The list's size and unfilled minutes straight from brokerage's reporting views, independently of
 * the service.
 */
async function independentCount(handle: DatabaseHandle, councilId: number, instant: Date) {
  const result = (await handle.db.execute(sql`
    with status_at as (
      select distinct on (request_id) request_id, to_status from brokerage_status_changes
      where council_id = ${councilId} and at <= ${instant.toISOString()}::timestamptz
      order by request_id, at desc, id desc),
    visit as (
      select v.request_id, v.id,
        (select count(distinct d) from unnest(v.days) d) * v.duration_minutes * v.carers as minutes
      from brokerage_visit_facts v where v.council_id = ${councilId}),
    filled as (
      select request_id, slot from brokerage_slot_fills
      where council_id = ${councilId} and filled_at <= ${instant.toISOString()}::timestamptz),
    per_request as (
      select st.request_id, st.to_status,
        (select count(*) from visit where visit.request_id = st.request_id) as visits,
        (select count(*) from filled where filled.request_id = st.request_id) as filled,
        (select coalesce(sum(minutes), 0) from visit where visit.request_id = st.request_id) as all_minutes,
        (select coalesce(sum(minutes), 0) from visit where visit.request_id = st.request_id
          and not exists (select 1 from filled f where f.request_id = visit.request_id and f.slot = visit.id)) as open_minutes
      from status_at st)
    select count(*)::int as people,
      coalesce(sum(case when to_status = 'unsourced' then all_minutes else open_minutes end), 0)::int as minutes
    from per_request
    where to_status = 'unsourced' or (to_status in ('awarded', 'started') and filled < greatest(visits, 1))`)) as {
    rows: unknown[]
  }
  return result.rows[0] as { people: number; minutes: number }
}

describe('a simulated history', () => {
  let database: DatabaseHandle
  let councilId: number
  const start = new Date('2026-03-02T10:00:00Z')
  const firstDay = '2026-03-02'
  const lastDay = '2026-03-22'
  const day = fc
    .integer({ min: 0, max: 13 })
    .map((n) => new Date(Date.parse(`${firstDay}T00:00:00Z`) + n * 86_400_000))
  let onTime: (typeof iclSnapshots.$inferSelect)[]

  beforeAll(async () => {
    database = await createTestDatabase()
    await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
    councilId = (await getCouncilByCode(database.db, 'DEMO')).id
    // Two weeks, their snapshots taken on time, then a third week changes many of their requests.
    await simulate(database.db, { councilCode: 'DEMO', weeks: 2, seed: 3, start, volume: 0.25 })
    const weekThree = mondayOf(new Date(start.getTime() + 14 * 86_400_000))
    await takeDueSnapshots(database.db, new Date(weekThree.getTime() - 7 * 3_600_000))
    onTime = await database.db
      .select()
      .from(iclSnapshots)
      .where(sql`${iclSnapshots.councilId} = ${councilId}`)
    await simulate(database.db, { councilCode: 'DEMO', weeks: 1, seed: 4, start: weekThree, volume: 0.25 })
  })
  afterAll(async () => database?.close())

  it('has a list to check', async () => {
    expect(onTime.length).toBeGreaterThan(3)
    expect(Math.max(...onTime.map((s) => s.people))).toBeGreaterThan(0)
  })

  it('agrees with a straight SQL count at any instant', async () => {
    await fc.assert(
      fc.asyncProperty(day, fc.integer({ min: 0, max: 86_399 }), async (date, second) => {
        const instant = new Date(date.getTime() + second * 1000)
        const list = await iclAt(database.db, councilId, instant)
        const expected = await independentCount(database, councilId, instant)
        expect({ people: list.people, minutes: list.unfilledMinutesPerWeek }).toEqual(expected)
      }),
      { numRuns: 15 },
    )
  })

  it('keeps people at the end = people at the start + added − removed', async () => {
    const now = new Date('2026-03-25T12:00:00Z')
    await fc.assert(
      fc.asyncProperty(day, day, async (a, b) => {
        const [from, to] = [a, b]
          .sort((x, y) => x.getTime() - y.getTime())
          .map((d) => d.toISOString().slice(0, 10)) as [string, string]
        const report = await iclReport(database.db, councilId, { from, to }, now)
        const before = await iclAt(
          database.db,
          councilId,
          new Date(endOfLondonDay(from).getTime() - 86_400_000),
        )
        expect(report.people).toBe(before.people + report.added - report.removed)
      }),
      { numRuns: 12 },
    )
  })

  it('never has unfilled hours below zero or above what was asked for', async () => {
    await fc.assert(
      fc.asyncProperty(day, async (date) => {
        const list = await iclAt(database.db, councilId, date)
        for (const entry of list.entries) {
          expect(entry.unfilledMinutesPerWeek).toBeGreaterThanOrEqual(0)
          expect(entry.unfilledMinutesPerWeek).toBeLessThanOrEqual(entry.requestedMinutesPerWeek)
        }
      }),
      { numRuns: 8 },
    )
  })

  it('takes the same snapshot late as on time', async () => {
    await database.db.delete(iclSnapshots)
    await takeDueSnapshots(database.db, new Date(`${lastDay}T23:00:00Z`))
    const late = await database.db
      .select()
      .from(iclSnapshots)
      .where(sql`${iclSnapshots.councilId} = ${councilId}`)
    const strip = ({ takenAt: _, ...rest }: typeof iclSnapshots.$inferSelect) => rest
    const byDate = new Map(late.map((s) => [s.date, strip(s)]))
    for (const snapshot of onTime) expect(byDate.get(snapshot.date)).toEqual(strip(snapshot))
  })
})
