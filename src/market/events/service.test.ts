import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { addPackage } from '../../../test/support/market-events-fixture.ts'
import type { Actor } from '../../audit/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog, localities, locations } from '../../db/schema.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { parseCost, parseCount, parseHours, totalsOf } from './rules.ts'
import {
  checkEventPlace,
  eventDefaults,
  getMarketEvent,
  listMarketEvents,
  type MarketEventInput,
  marketEventsSummary,
  recordMarketEvent,
  updateMarketEvent,
  withdrawMarketEvent,
  yearBefore,
} from './service.ts'

// Mid-March is GMT: these instants fall on the London dates they name.
const NOW = new Date('2026-03-15T12:00:00Z')
const actor: Actor = { kind: 'user', userId: null, councilId: 0, email: 'commissioner@home.test' }

let database: DatabaseHandle
let home: Fixture
let other: Fixture
/** Location ids: A and A2 are providerA's (A North, A2 South), B and HC providerB's (B South, HC North). */
const at = { a: 0, a2: 0, b: 0, hc: 0 }
const area = { north: 0, south: 0 }

async function fieldsOf(work: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await work
  } catch (error) {
    if (error instanceof ValidationError)
      return Object.fromEntries(error.errors.map((e) => [e.field, e.message]))
    throw error
  }
  throw new Error('expected a ValidationError')
}

/** A location of the register, with what the tests need of it. */
async function addLocation(
  db: DatabaseHandle['db'],
  councilId: number,
  providerOrganisationId: number,
  spec: {
    cqcLocationId: string
    name?: string
    serviceTypes: string[]
    registeredBeds: number | null
    localityId?: number
  },
): Promise<number> {
  const [row] = await db
    .insert(locations)
    .values({
      councilId,
      providerOrganisationId,
      name: spec.name ?? `Location ${spec.cqcLocationId}`,
      address: '1 Test Street',
      clientGroups: ['older_people'],
      ...spec,
    })
    .returning({ id: locations.id })
  if (!row) throw new Error('no location')
  return row.id
}

function record(input: MarketEventInput, councilId = home.councilId) {
  return recordMarketEvent(database.db, councilId, input, actor, { now: NOW })
}

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'HOME', testConfig())
  other = await seedCouncil(database, 'OTHER', testConfig())
  const { db } = database
  const rows = await db
    .insert(localities)
    .values([
      { councilId: home.councilId, name: 'North' },
      { councilId: home.councilId, name: 'South' },
    ])
    .returning()
  area.north = rows[0]?.id as number
  area.south = rows[1]?.id as number
  at.a = home.providerA.locationId
  at.b = home.providerB.locationId
  await db.update(locations).set({ localityId: area.north }).where(eq(locations.id, at.a))
  await db.update(locations).set({ localityId: area.south }).where(eq(locations.id, at.b))
  at.a2 = await addLocation(db, home.councilId, home.providerA.id, {
    cqcLocationId: '1-A2',
    name: 'HOME A2 Nursing',
    serviceTypes: ['nursing_home'],
    registeredBeds: 40,
    localityId: area.south,
  })
  at.hc = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-HC',
    name: 'HOME B Home Care',
    serviceTypes: ['home_care'],
    registeredBeds: null,
    localityId: area.north,
  })
  // At A: X from January; Y from 10 January until 1 February; Z from March, after the closure.
  const a = { locationId: at.a, providerOrganisationId: home.providerA.id }
  const x = await addPackage(db, home.councilId, { ...a, startDate: '2026-01-01' })
  await addPackage(db, home.councilId, { ...a, startDate: '2026-01-10', endDate: '2026-02-01' })
  await addPackage(db, home.councilId, { ...a, startDate: '2026-03-01' })
  // At A2: V, and X again (X has a package at each of providerA's homes).
  const a2 = { locationId: at.a2, providerOrganisationId: home.providerA.id }
  await addPackage(db, home.councilId, { ...a2, startDate: '2026-01-05' })
  await addPackage(db, home.councilId, { ...a2, personId: x, startDate: '2026-01-20' })
  // Home care: W with 10 hours a week from January; another, 5 hours, ended in January.
  const hc = {
    locationId: at.hc,
    providerOrganisationId: home.providerB.id,
    serviceType: 'home_care' as const,
  }
  await addPackage(db, home.councilId, { ...hc, minutesPerWeek: 600, startDate: '2026-01-01' })
  await addPackage(db, home.councilId, {
    ...hc,
    minutesPerWeek: 300,
    startDate: '2026-01-01',
    endDate: '2026-01-31',
  })
})
afterAll(async () => database?.close())

describe('the rules', () => {
  it('reads counts, hours and pounds, and says what is wrong', () => {
    expect(parseCount('12', 'Beds lost', 100)).toEqual({ ok: true, value: 12 })
    expect(parseCount('', 'Beds lost', 100)).toEqual({ ok: true, value: null })
    expect(parseCount('-3', 'Beds lost', 100)).toEqual({ ok: false, problem: 'Beds lost cannot be negative' })
    expect(parseCount('2.5', 'Beds lost', 100).ok).toBe(false)
    expect(parseCount('101', 'Beds lost', 100).ok).toBe(false)
    expect(parseHours('37.5', 'Hours')).toEqual({ ok: true, value: 2250 })
    expect(parseHours('12.345', 'Hours').ok).toBe(false)
    expect(parseCost('£1,250.50')).toEqual({ ok: true, value: 125_050 })
    expect(parseCost('25000')).toEqual({ ok: true, value: 2_500_000 })
    expect(parseCost('-5')).toEqual({ ok: false, problem: 'The extra cost cannot be negative' })
    expect(parseCost('£-5').ok).toBe(false)
    expect(parseCost('ten pounds').ok).toBe(false)
  })

  it('adds up costs only where known, and counts the failures still to be costed', () => {
    const failure = { bedsLost: 10, bedsGained: 0, homeCareMinutesLost: 90, homeCareMinutesGained: 0 }
    const totals = totalsOf([
      { kind: 'closure', ...failure, peopleAffected: 8, extraCostPence: 100 },
      { kind: 'deregistration', ...failure, peopleAffected: 2, extraCostPence: null },
      { kind: 'capacity_change', ...failure, peopleAffected: 0, extraCostPence: null },
    ])
    expect(totals).toMatchObject({
      events: 3,
      bedsLost: 30,
      homeCareHoursLost: 4.5,
      peopleAffected: 10,
      extraCostPence: 100,
      costNotKnown: 1,
    })
  })

  it('counts a year to the date, inclusive', () => {
    expect(yearBefore('2026-03-15')).toBe('2025-03-16')
    expect(yearBefore('2024-02-29')).toBe('2023-03-01')
  })
})

describe('where an event happened and what Caremarket counts there', () => {
  const place = (input: Parameters<typeof checkEventPlace>[2]) =>
    checkEventPlace(database.db, home.councilId, input, NOW)

  it('suggests a closed home’s registered beds and the people with a package there that day', async () => {
    const closure = await place({ kind: 'closure', locationId: String(at.a), occurredOn: '2026-02-01' })
    expect(closure.provider.id).toBe(home.providerA.id)
    const defaults = await eventDefaults(database.db, home.councilId, closure)
    // X (since January) and Y (ending that very day); not Z, who starts in March.
    expect(defaults.counted).toEqual({ people: 2, homeCareMinutes: 0 })
    expect(defaults.values).toEqual({ bedsLost: '30', homeCareHoursLost: '0', peopleAffected: '2' })
  })

  it('counts each person once across a leaving provider’s locations', async () => {
    const exit = await place({
      kind: 'provider_exit',
      providerId: String(home.providerA.id),
      occurredOn: '2026-02-01',
    })
    expect(exit.location).toBeNull()
    expect(exit.covered.map((l) => l.id).sort()).toEqual([at.a, at.a2].sort())
    const defaults = await eventDefaults(database.db, home.councilId, exit)
    // X (at both homes), Y and V.
    expect(defaults.counted.people).toBe(3)
    expect(defaults.values.bedsLost).toBe('70')
    // A provider exit may be named by one of its locations.
    const byLocation = await place({
      kind: 'provider_exit',
      locationId: String(at.a2),
      occurredOn: '2026-02-01',
    })
    expect(byLocation.provider.id).toBe(home.providerA.id)
  })

  it('suggests the home care hours of the people affected, not those of packages already ended', async () => {
    const closure = await place({ kind: 'closure', locationId: String(at.hc), occurredOn: '2026-02-15' })
    const defaults = await eventDefaults(database.db, home.councilId, closure)
    expect(defaults.counted).toEqual({ people: 1, homeCareMinutes: 600 })
    expect(defaults.values).toMatchObject({ bedsLost: '0', homeCareHoursLost: '10', peopleAffected: '1' })
  })

  it('suggests an opening’s beds and no one affected', async () => {
    const opening = await place({ kind: 'opening', locationId: String(at.a2), occurredOn: '2026-01-02' })
    expect((await eventDefaults(database.db, home.councilId, opening)).values).toEqual({ bedsGained: '40' })
  })

  it('refuses another council’s location or provider as if it were not listed', async () => {
    expect(
      await fieldsOf(
        place({ kind: 'closure', locationId: String(other.providerA.locationId), occurredOn: '2026-02-01' }),
      ),
    ).toEqual({ locationId: 'Choose the location from the list' })
    expect(
      await fieldsOf(
        place({ kind: 'provider_exit', providerId: String(other.providerA.id), occurredOn: '2026-02-01' }),
      ),
    ).toEqual({ providerId: 'Choose the provider from the list' })
  })

  it('says what is missing or does not agree', async () => {
    expect(await fieldsOf(place({}))).toEqual({
      kind: 'Choose what happened',
      occurredOn: 'Enter the date it happened',
    })
    expect(Object.keys(await fieldsOf(place({ kind: 'closure', occurredOn: '2026-02-01' })))).toEqual([
      'locationId',
    ])
    expect(Object.keys(await fieldsOf(place({ kind: 'provider_exit', occurredOn: '2026-02-01' })))).toEqual([
      'providerId',
    ])
    const mismatch = await fieldsOf(
      place({
        kind: 'closure',
        locationId: String(at.b),
        providerId: String(home.providerA.id),
        occurredOn: '2026-02-01',
      }),
    )
    expect(mismatch.providerId).toContain('is not run by')
    expect(
      await fieldsOf(place({ kind: 'closure', locationId: String(at.a), occurredOn: '2026-02-30' })),
    ).toEqual({
      occurredOn: 'The date it happened must be a real date, like 27 3 2026',
    })
    expect(
      await fieldsOf(place({ kind: 'closure', locationId: String(at.a), occurredOn: '2026-03-16' })),
    ).toEqual({
      occurredOn: 'The date it happened must be today or in the past',
    })
    expect(await fieldsOf(place({ kind: 'closure', locationId: 'x1', occurredOn: '2026-02-01' }))).toEqual({
      locationId: 'Choose the location from the list',
    })
  })
})

describe('recording, changing and withdrawing an event', () => {
  it('records what the commissioner confirms beside what Caremarket counted, and audits it', async () => {
    const event = await record({
      kind: 'closure',
      locationId: String(at.a),
      occurredOn: '2026-02-01',
      bedsLost: '30',
      peopleAffected: '26',
      homeCareHoursLost: '',
      extraCost: '',
      notes: '  Owner retired.  ',
    })
    expect(event).toMatchObject({
      kind: 'closure',
      providerOrganisationId: home.providerA.id,
      locationId: at.a,
      bedsLost: 30,
      peopleAffected: 26,
      peopleCounted: 2,
      extraCostPence: null,
      notes: 'Owner retired.',
      source: 'manual',
      recordedBy: 'commissioner@home.test',
    })
    const [audit] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'market_event.recorded'), eq(auditLog.entityId, String(event.id))))
    expect(audit?.details).toMatchObject({ kind: 'closure', peopleAffected: 26, peopleCounted: 2 })

    // The cost arrives months later.
    const costed = await updateMarketEvent(
      database.db,
      home.councilId,
      event.id,
      {
        occurredOn: '2026-02-01',
        bedsLost: '30',
        peopleAffected: '26',
        extraCost: '£31,500',
        notes: 'Owner retired.',
      },
      actor,
      { now: NOW },
    )
    expect(costed).toMatchObject({ extraCostPence: 3_150_000, updatedBy: 'commissioner@home.test' })
    const [updated] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'market_event.updated'), eq(auditLog.entityId, String(event.id))))
    expect(updated?.details).toEqual({
      kind: 'closure',
      changed: { extraCostPence: { from: null, to: 3_150_000 } },
    })
  })

  it('refuses negative or impossible figures, and figures that do not belong to the kind', async () => {
    const closure = { kind: 'closure', locationId: String(at.a), occurredOn: '2026-02-01' }
    expect(await fieldsOf(record({ ...closure, bedsLost: '-3', peopleAffected: '2' }))).toEqual({
      bedsLost: 'Beds lost cannot be negative',
    })
    expect(await fieldsOf(record({ ...closure, peopleAffected: 'ten' }))).toEqual({
      peopleAffected: 'People affected must be a whole number, like 12',
    })
    expect(await fieldsOf(record({ ...closure, peopleAffected: '' }))).toEqual({
      peopleAffected: 'Enter the number of people affected, or 0 if there were none',
    })
    expect(
      await fieldsOf(record({ ...closure, peopleAffected: '1', bedsGained: '4', extraCost: '-1' })),
    ).toEqual({
      bedsGained: 'A location closure has no beds gained',
      extraCost: 'The extra cost cannot be negative',
    })
    expect(await fieldsOf(record({ ...closure, peopleAffected: '1', homeCareHoursLost: '1.234' }))).toEqual({
      homeCareHoursLost: 'Home care hours lost must be a number of hours, like 37.5',
    })
    expect(
      await fieldsOf(record({ kind: 'capacity_change', locationId: String(at.b), occurredOn: '2026-02-01' })),
    ).toEqual({ bedsLost: 'Enter the beds or home care hours lost or gained' })
    expect(
      await fieldsOf(
        record({ kind: 'opening', locationId: String(at.b), occurredOn: '2026-02-01', peopleAffected: '3' }),
      ),
    ).toEqual({ peopleAffected: 'A new service opening has no people affected' })
    // Every problem at once, not one at a time.
    expect(Object.keys(await fieldsOf(record({ bedsLost: '-1', notes: 'x'.repeat(2001) }))).sort()).toEqual([
      'bedsLost',
      'kind',
      'notes',
      'occurredOn',
    ])
  })

  it('keeps another council’s events out of reach', async () => {
    const theirs = await record(
      {
        kind: 'closure',
        locationId: String(other.providerA.locationId),
        occurredOn: '2026-02-01',
        peopleAffected: '1',
      },
      other.councilId,
    )
    await expect(getMarketEvent(database.db, home.councilId, theirs.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(
      updateMarketEvent(
        database.db,
        home.councilId,
        theirs.id,
        { occurredOn: '2026-02-01', peopleAffected: '1' },
        actor,
      ),
    ).rejects.toBeInstanceOf(NotFoundError)
    await expect(
      withdrawMarketEvent(database.db, home.councilId, theirs.id, { reason: 'no' }, actor),
    ).rejects.toBeInstanceOf(NotFoundError)
  })

  it('withdraws an event once, with a reason, and then no longer changes it', async () => {
    const event = await record({
      kind: 'deregistration',
      locationId: String(at.b),
      occurredOn: '2026-02-02',
      peopleAffected: '0',
    })
    expect(
      await fieldsOf(withdrawMarketEvent(database.db, home.councilId, event.id, { reason: ' ' }, actor)),
    ).toEqual({
      reason: 'Enter why the event is being withdrawn',
    })
    const withdrawn = await withdrawMarketEvent(
      database.db,
      home.councilId,
      event.id,
      { reason: 'Wrong home' },
      actor,
    )
    expect(withdrawn).toMatchObject({ withdrawReason: 'Wrong home', withdrawnBy: 'commissioner@home.test' })
    await expect(
      withdrawMarketEvent(database.db, home.councilId, event.id, { reason: 'again' }, actor),
    ).rejects.toBeInstanceOf(ConflictError)
    await expect(
      updateMarketEvent(
        database.db,
        home.councilId,
        event.id,
        { occurredOn: '2026-02-02', peopleAffected: '1' },
        actor,
      ),
    ).rejects.toBeInstanceOf(ConflictError)
  })
})

describe('the summary', () => {
  let councilId: number
  beforeAll(async () => {
    // A council of its own, so every event in it is one of these.
    const fixture = await seedCouncil(database, 'SUMS', testConfig())
    councilId = fixture.councilId
    const { db } = database
    const [north] = await db.insert(localities).values({ councilId, name: 'North' }).returning()
    await db
      .update(locations)
      .set({ localityId: north?.id })
      .where(eq(locations.id, fixture.providerA.locationId))
    const homeCare = await addLocation(db, councilId, fixture.providerB.id, {
      cqcLocationId: '1-SUMS-HC',
      serviceTypes: ['home_care'],
      registeredBeds: null,
    })
    const a = String(fixture.providerA.locationId)
    const b = String(fixture.providerB.locationId)
    const inPeriod: MarketEventInput[] = [
      {
        kind: 'closure',
        locationId: a,
        occurredOn: '2026-01-10',
        bedsLost: '30',
        peopleAffected: '24',
        extraCost: '40000',
      },
      {
        kind: 'deregistration',
        locationId: b,
        occurredOn: '2026-02-20',
        bedsLost: '30',
        peopleAffected: '20',
      },
      {
        kind: 'provider_exit',
        providerId: String(fixture.providerB.id),
        occurredOn: '2026-03-01',
        homeCareHoursLost: '250.5',
        peopleAffected: '31',
        extraCost: '12500.50',
      },
      { kind: 'opening', locationId: String(homeCare), occurredOn: '2026-03-14', homeCareHoursGained: '120' },
      {
        kind: 'capacity_change',
        locationId: a,
        occurredOn: '2026-01-01',
        bedsLost: '4',
        bedsGained: '1',
        peopleAffected: '3',
      },
    ]
    for (const input of inPeriod) await record(input, councilId)
    // Outside the period, and withdrawn: neither counts.
    await record(
      { kind: 'closure', locationId: a, occurredOn: '2025-12-31', bedsLost: '30', peopleAffected: '9' },
      councilId,
    )
    const mistake = await record(
      { kind: 'closure', locationId: b, occurredOn: '2026-02-01', bedsLost: '30', peopleAffected: '30' },
      councilId,
    )
    await withdrawMarketEvent(database.db, councilId, mistake.id, { reason: 'Recorded twice' }, actor)
  })

  const PERIOD = { from: '2026-01-01', to: '2026-03-15' }

  it('agrees with the same figures added up in SQL', async () => {
    const summary = await marketEventsSummary(database.db, councilId, PERIOD)
    const result = await database.db.execute(sql`
        select kind, count(*)::int as events, sum(beds_lost)::int as beds_lost, sum(beds_gained)::int as beds_gained,
          sum(home_care_minutes_lost)::int as lost, sum(home_care_minutes_gained)::int as gained,
          sum(people_affected)::int as people, coalesce(sum(extra_cost_pence), 0)::bigint::text as cost
        from market_events
        where council_id = ${councilId} and withdrawn_at is null and occurred_on between '2026-01-01' and '2026-03-15'
        group by kind`)
    const byKind = (result as unknown as { rows: unknown[] }).rows as {
      kind: string
      events: number
      beds_lost: number
      beds_gained: number
      lost: number
      gained: number
      people: number
      cost: string
    }[]
    for (const line of summary.byKind) {
      const row = byKind.find((r) => r.kind === line.kind)
      expect(line, line.kind).toMatchObject({
        events: row?.events ?? 0,
        bedsLost: row?.beds_lost ?? 0,
        bedsGained: row?.beds_gained ?? 0,
        homeCareHoursLost: (row?.lost ?? 0) / 60,
        homeCareHoursGained: (row?.gained ?? 0) / 60,
        peopleAffected: row?.people ?? 0,
        extraCostPence: Number(row?.cost ?? 0),
      })
    }
  })

  it('gives Norfolk’s headline: the failures, the people they affected and what they cost', async () => {
    const summary = await marketEventsSummary(database.db, councilId, PERIOD)
    // Worked by hand from the events above.
    expect(summary).toMatchObject({
      events: 5,
      bedsLost: 64,
      bedsGained: 1,
      homeCareHoursLost: 250.5,
      homeCareHoursGained: 120,
      peopleAffected: 78,
      extraCostPence: 5_250_050,
      costNotKnown: 1,
      failures: { events: 3, bedsLost: 60, peopleAffected: 75, extraCostPence: 5_250_050, costNotKnown: 1 },
    })
    expect(summary.byKind.map((k) => [k.kind, k.events])).toEqual([
      ['provider_exit', 1],
      ['closure', 1],
      ['deregistration', 1],
      ['opening', 1],
      ['capacity_change', 1],
    ])
  })

  it('counts an event where its locations are, and a provider exit wherever the provider was', async () => {
    const [north] = await database.db.select().from(localities).where(eq(localities.councilId, councilId))
    // Only A is in North: its closure and its change in capacity.
    const inNorth = await marketEventsSummary(database.db, councilId, { ...PERIOD, localityId: north?.id })
    expect(inNorth.byKind.filter((k) => k.events > 0).map((k) => k.kind)).toEqual([
      'closure',
      'capacity_change',
    ])
    // Home care: the opening of the office, and the exit of the provider that ran it.
    const homeCare = await marketEventsSummary(database.db, councilId, {
      ...PERIOD,
      serviceType: 'home_care',
    })
    expect(homeCare.byKind.filter((k) => k.events > 0).map((k) => k.kind)).toEqual([
      'provider_exit',
      'opening',
    ])
  })

  it('lists the period’s events newest first, withdrawn ones marked and not counted', async () => {
    const list = await listMarketEvents(database.db, councilId, PERIOD, NOW)
    expect(list.events.map((e) => e.occurredOn)).toEqual([
      '2026-03-14',
      '2026-03-01',
      '2026-02-20',
      '2026-02-01',
      '2026-01-10',
      '2026-01-01',
    ])
    expect(list.events.filter((e) => e.withdrawnAt).map((e) => e.withdrawReason)).toEqual(['Recorded twice'])
    expect(list.summary.events).toBe(5)
    const byDefault = await listMarketEvents(database.db, councilId, {}, NOW)
    expect([byDefault.from, byDefault.to]).toEqual(['2025-03-16', '2026-03-15'])
    expect(
      await fieldsOf(listMarketEvents(database.db, councilId, { from: '2026-03-10', to: '2026-03-01' }, NOW)),
    ).toEqual({ from: 'The start date must be on or before the end date' })
  })
})
