import { and, eq, inArray, sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import {
  addBookPackage,
  placePerson,
  prepareFailingCouncil,
  rePlace,
} from '../../../test/support/failure-fixture.ts'
import { addLocation, NORWICH } from '../../../test/support/offers-factory.ts'
import type { Actor } from '../../audit/service.ts'
import { award } from '../../brokerage/offers/award.ts'
import { makeOffer } from '../../brokerage/offers/service.ts'
import type { SystemCaller } from '../../brokerage/requests/callers.ts'
import { closeRequest, submit } from '../../brokerage/requests/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import {
  eligibilityDecisions,
  failureCases,
  inbox,
  marketEvents,
  outbox,
  people,
  requestVisits,
  sourcingRequests,
} from '../../db/schema.ts'
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../errors.ts'
import { recordMarketEvent } from '../events/service.ts'
import {
  getResponse,
  getResponseById,
  openAtRiskResponse,
  openResponse,
  resourceResponse,
  resourceResponseById,
  setCaseOutcome,
  setOneOffCost,
} from './service.ts'

// Early March is GMT: these instants fall on the London dates they name.
const NOW = new Date('2026-03-02T10:00:00Z')
const LAST_DAY = '2026-03-10'
const actor: Actor = { kind: 'user', userId: null, councilId: 0, email: 'broker@home.test' }

let database: DatabaseHandle
let home: Fixture
let caller: SystemCaller
let failingAt: { locationId: number; providerOrganisationId: number }
let otherAt: { locationId: number; providerOrganisationId: number }

let homes = 0

/** A new home of provider A, so each test's closure affects only its own people. */
async function newFailingHome(): Promise<void> {
  homes++
  failingAt = {
    locationId: await addLocation(database.db, home.councilId, home.providerA.id, {
      cqcLocationId: `1-FAIL${homes}`,
      name: `Failing House ${homes}`,
      latitude: NORWICH.latitude,
      longitude: NORWICH.longitude,
      serviceTypes: ['residential_home', 'nursing_home', 'home_care'],
      coverage: ['NR3'],
    }),
    providerOrganisationId: home.providerA.id,
  }
}

async function closure(occurredOn = '2026-03-01'): Promise<number> {
  const event = await recordMarketEvent(
    database.db,
    home.councilId,
    {
      kind: 'closure',
      locationId: String(failingAt.locationId),
      providerId: '',
      occurredOn,
      bedsLost: '30',
      peopleAffected: '3',
    },
    actor,
    { now: NOW },
  )
  return event.id
}

async function requestsOfPeople(personIds: number[]) {
  return database.db
    .select()
    .from(sourcingRequests)
    .where(
      and(
        inArray(sourcingRequests.personId, personIds),
        sql`${sourcingRequests.excludedProviderIds} <> '{}'`,
      ),
    )
}

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'HOME', testConfig())
  await prepareFailingCouncil(database.db, home)
  caller = { kind: 'system', label: 'failure test', councilId: home.councilId }
  failingAt = { locationId: home.providerA.locationId, providerOrganisationId: home.providerA.id }
  otherAt = { locationId: home.providerB.locationId, providerOrganisationId: home.providerB.id }
})
beforeEach(newFailingHome)
afterAll(async () => database.close())

describe('opening a response', () => {
  it('lists every person with a package running past the last day, the book’s too, once each, and tells people', async () => {
    const ada = await placePerson(database.db, home.councilId, failingAt, { name: 'Ada Open' })
    const bea = await placePerson(database.db, home.councilId, failingAt, {
      name: 'Bea Open',
      serviceType: 'home_care',
      weeklyCostPence: 40_000,
      visits: [{ days: ['mon', 'wed'], windowStart: '08:00', windowEnd: '09:00', durationMinutes: 45 }],
    })
    // Ended before the last day: not affected.
    const gone = await placePerson(database.db, home.councilId, failingAt, { name: 'Cy Gone' })
    await database.db.execute(sql`update packages set end_date = '2026-03-01' where id = ${gone.packageId}`)
    await addBookPackage(database.db, home.councilId, failingAt, 'OPEN-123')
    const eventId = await closure()

    const first = await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, {
      now: NOW,
    })
    expect(first.created).toBe(true)
    const again = await openResponse(database.db, home.councilId, eventId, { lastDay: '2026-04-01' }, actor, {
      now: NOW,
    })
    expect(again).toEqual({ response: first.response, created: false })

    const view = await getResponse(database.db, home.councilId, eventId, NOW)
    expect(view.cases.map((c) => c.person).sort()).toEqual([
      'Ada Open',
      'Bea Open',
      'Case reference OPEN-123',
    ])
    const book = view.cases.find((c) => c.fromBook)
    expect(book).toMatchObject({ funding: 'health', weeklyCostPence: 80_000, state: 'to_resource' })
    expect(view.cases.find((c) => c.personId === bea.personId)).toMatchObject({
      serviceType: 'home_care',
      minutesPerWeek: 90,
      weeklyCostPence: 40_000,
    })
    expect(view.cases.find((c) => c.personId === ada.personId)?.minutesPerWeek).toBeNull()
    expect(view.response.lastDay).toBe(LAST_DAY)

    // The failing provider is told (counts, no names); the brokers are emailed.
    const told = await database.db
      .select()
      .from(inbox)
      .where(eq(inbox.providerOrganisationId, home.providerA.id))
    expect(told.some((m) => m.body.includes('3 packages') && !m.body.includes('Ada'))).toBe(true)
    const emails = await database.db.select().from(outbox).where(eq(outbox.kind, 'provider_failure'))
    expect(emails.some((e) => e.toAddress.includes(home.emails.broker))).toBe(true)
  })

  it('opens one response when two commissioners open it at once', async () => {
    await placePerson(database.db, home.councilId, failingAt, { name: 'Mo Twice' })
    const eventId = await closure('2026-02-21')
    const both = await Promise.all([
      openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW }),
      openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW }),
    ])
    expect(both.filter((o) => o.created)).toHaveLength(1)
    expect(both[0]?.response.id).toBe(both[1]?.response.id)
    expect((await getResponse(database.db, home.councilId, eventId, NOW)).cases).toHaveLength(1)
  })

  it('refuses an event that is no failure, or withdrawn, and 404s another council’s', async () => {
    const opening = await recordMarketEvent(
      database.db,
      home.councilId,
      {
        kind: 'opening',
        locationId: String(otherAt.locationId),
        providerId: '',
        occurredOn: '2026-02-01',
        bedsGained: '3',
      },
      actor,
      { now: NOW },
    )
    await expect(
      openResponse(database.db, home.councilId, opening.id, {}, actor, { now: NOW }),
    ).rejects.toThrow(UnprocessableError)
    const withdrawn = await closure('2026-02-02')
    await database.db
      .update(marketEvents)
      .set({ withdrawnAt: NOW, withdrawnBy: 'x', withdrawReason: 'y' })
      .where(eq(marketEvents.id, withdrawn))
    await expect(
      openResponse(database.db, home.councilId, withdrawn, {}, actor, { now: NOW }),
    ).rejects.toThrow(ConflictError)
    await expect(
      openResponse(database.db, home.councilId + 999, opening.id, {}, actor, { now: NOW }),
    ).rejects.toThrow(NotFoundError)
  })
})

describe('a provider at risk', () => {
  it('opens a response without an event, once per place, and re-sources its people', async () => {
    const kit = await placePerson(database.db, home.councilId, failingAt, { name: 'Kit Risk' })
    const input = { locationId: String(failingAt.locationId), providerId: '', lastDay: LAST_DAY }
    const first = await openAtRiskResponse(database.db, home.councilId, input, actor, { now: NOW })
    expect(first.created).toBe(true)
    expect(first.response).toMatchObject({ marketEventId: null, providerOrganisationId: home.providerA.id })
    const again = await openAtRiskResponse(database.db, home.councilId, input, actor, { now: NOW })
    expect(again).toEqual({ response: first.response, created: false })
    const view = await getResponseById(database.db, home.councilId, first.response.id, NOW)
    expect(view.subject).toMatchObject({ eventId: null, title: expect.stringMatching(/ at risk$/) })
    expect(view.cases.map((c) => c.personId)).toEqual([kit.personId])
    const result = await resourceResponseById(database.db, caller, first.response.id, {}, actor, { now: NOW })
    expect(result.created).toBe(1)
    expect(await requestsOfPeople([kit.personId])).toHaveLength(1)
  })

  it('asks for the place and the last day', async () => {
    await expect(
      openAtRiskResponse(
        database.db,
        home.councilId,
        { providerId: '', locationId: '', lastDay: LAST_DAY },
        actor,
      ),
    ).rejects.toThrow(ValidationError)
    await expect(
      openAtRiskResponse(database.db, home.councilId, { providerId: String(home.providerA.id) }, actor),
    ).rejects.toThrow(ValidationError)
    await expect(
      openAtRiskResponse(database.db, home.councilId, { locationId: '999999', lastDay: LAST_DAY }, actor),
    ).rejects.toThrow(ValidationError)
  })
})

describe('re-sourcing in bulk', () => {
  it('makes one urgent request per person, copying needs and visits, from the day after, leaving the failing provider out', async () => {
    const eve = await placePerson(database.db, home.councilId, failingAt, {
      name: 'Eve Copy',
      serviceType: 'home_care',
      needsSummary: 'Two carers for transfers; diabetic.',
      visits: [
        { days: ['mon', 'tue'], windowStart: '07:00', windowEnd: '08:00', durationMinutes: 30 },
        { days: ['sun'], windowStart: '19:00', windowEnd: '20:00', durationMinutes: 15 },
      ],
    })
    const eventId = await closure('2026-02-27')
    await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW })
    const result = await resourceResponse(database.db, caller, eventId, {}, actor, { now: NOW })
    expect(result.created).toBeGreaterThanOrEqual(1)
    expect(result.needReferral).toBe(0)

    const [made] = await requestsOfPeople([eve.personId])
    expect(made).toMatchObject({
      startDate: '2026-03-11',
      urgency: 'emergency',
      needsSummary: 'Two carers for transfers; diabetic.',
      serviceType: 'home_care',
      excludedProviderIds: [home.providerA.id],
      status: 'published',
    })
    const visits = await database.db
      .select()
      .from(requestVisits)
      .where(eq(requestVisits.requestId, made?.id ?? 0))
    expect(visits.map((v) => [v.days, v.windowStart, v.durationMinutes])).toEqual([
      [['mon', 'tue'], '07:00', 30],
      [['sun'], '19:00', 15],
    ])
    // Provider A's own location would have been invited; it is left out, B's is invited.
    const decisions = await database.db
      .select()
      .from(eligibilityDecisions)
      .where(eq(eligibilityDecisions.requestId, made?.id ?? 0))
    const a = decisions.find((d) => d.locationId === failingAt.locationId)
    expect(a?.eligible).toBe(false)
    expect(a?.reasons.map((r) => r.code)).toContain('excluded_provider')
    expect(decisions.find((d) => d.locationId === home.providerB.locationId)?.eligible).toBe(true)

    const view = await getResponse(database.db, home.councilId, eventId, NOW)
    expect(view.cases[0]).toMatchObject({ requestId: made?.id, state: 'published' })

    // Again: nothing new.
    const again = await resourceResponse(database.db, caller, eventId, {}, actor, { now: NOW })
    expect(again).toMatchObject({ created: 0, alreadyMade: 1, published: 0 })
    expect(await requestsOfPeople([eve.personId])).toHaveLength(1)
  })

  it('makes each request exactly once when two brokers run it at the same time', async () => {
    const placed = []
    for (let i = 0; i < 7; i++)
      placed.push(await placePerson(database.db, home.councilId, failingAt, { name: `Twin ${i}` }))
    const eventId = await closure('2026-02-26')
    await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW })
    const runs = await Promise.all([
      resourceResponse(database.db, caller, eventId, { urgency: 'urgent' }, actor, {
        now: NOW,
        batchSize: 2,
      }),
      resourceResponse(database.db, caller, eventId, { urgency: 'urgent' }, actor, {
        now: NOW,
        batchSize: 3,
      }),
      resourceResponse(database.db, caller, eventId, { urgency: 'urgent' }, actor, { now: NOW }),
    ])
    const view = await getResponse(database.db, home.councilId, eventId, NOW)
    const cases = view.cases.length
    expect(runs.reduce((sum, r) => sum + r.created, 0)).toBe(cases)
    const made = await requestsOfPeople(placed.map((p) => p.personId))
    expect(made).toHaveLength(placed.length)
    expect(new Set(made.map((r) => r.personId)).size).toBe(placed.length)
    expect(made.every((r) => r.urgency === 'urgent')).toBe(true)
    // Each request is published once, by whichever run came first; none is left for a broker.
    expect(runs.reduce((sum, r) => sum + r.published, 0)).toBe(cases)
    expect(runs.flatMap((r) => r.notPublished)).toEqual([])
    expect(made.every((r) => r.status === 'published')).toBe(true)
    expect(view.cases.every((c) => c.requestId !== null)).toBe(true)
  })

  it('loses a batch cut off part-way whole, and the next run makes the rest with no duplicate', async () => {
    const placed = []
    for (let i = 0; i < 5; i++)
      placed.push(await placePerson(database.db, home.councilId, failingAt, { name: `Crash ${i}` }))
    const eventId = await closure('2026-02-25')
    await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW })
    const all = await getResponse(database.db, home.councilId, eventId, NOW)
    let made = 0
    await expect(
      resourceResponse(database.db, caller, eventId, {}, actor, {
        now: NOW,
        batchSize: 2,
        afterEach: () => {
          made++
          // The process dies after the third request: the middle of the second batch.
          if (made === 3) throw new Error('killed')
        },
      }),
    ).rejects.toThrow('killed')
    const cut = await getResponse(database.db, home.councilId, eventId, NOW)
    expect(cut.cases.filter((c) => c.requestId !== null)).toHaveLength(2)
    expect(await requestsOfPeople(placed.map((p) => p.personId))).toHaveLength(2)

    const resumed = await resourceResponse(database.db, caller, eventId, {}, actor, {
      now: NOW,
      batchSize: 2,
    })
    expect(resumed.created).toBe(all.cases.length - 2)
    const requests = await requestsOfPeople(placed.map((p) => p.personId))
    expect(requests).toHaveLength(placed.length)
    expect(new Set(requests.map((r) => r.personId)).size).toBe(placed.length)
  })

  it('makes a draft for a person known only from the book, once, and leaves a person who died alone', async () => {
    await addBookPackage(database.db, home.councilId, failingAt, 'BOOK-9')
    const dan = await placePerson(database.db, home.councilId, failingAt, { name: 'Dan Died' })
    const eventId = await closure('2026-02-24')
    await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW })
    const view = await getResponse(database.db, home.councilId, eventId, NOW)
    const danCase = view.cases.find((c) => c.personId === dan.personId)
    await setCaseOutcome(database.db, home.councilId, eventId, danCase?.id ?? 0, { outcome: 'died' }, actor)
    const result = await resourceResponse(database.db, caller, eventId, {}, actor, { now: NOW })
    expect(result.needReferral).toBe(1)
    expect(await requestsOfPeople([dan.personId])).toHaveLength(0)
    const after = await getResponse(database.db, home.councilId, eventId, NOW)
    expect(after.cases.find((c) => c.personId === dan.personId)?.state).toBe('died')
    const bookCase = after.cases.find((c) => c.fromBook && c.person.includes('BOOK-9'))
    expect(bookCase?.state).toBe('to_resource')
    // The book's person: a draft named by the case reference, no name, date of birth or postcode invented.
    const [draft] = await database.db
      .select()
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, bookCase?.requestId ?? 0))
    expect(draft).toMatchObject({
      status: 'draft',
      personRef: 'BOOK-9',
      serviceType: 'residential',
      clientGroup: 'older_people',
      startDate: '2026-03-11',
      excludedProviderIds: [home.providerA.id],
    })
    const [person] = await database.db
      .select()
      .from(people)
      .where(eq(people.id, draft?.personId ?? 0))
    expect(person).toMatchObject({
      name: 'Case reference BOOK-9',
      dateOfBirth: null,
      postcode: null,
      outcode: 'NR3',
    })
    // Exactly once: a second run makes nothing more, and the draft cannot be submitted until completed.
    const again = await resourceResponse(database.db, caller, eventId, {}, actor, { now: NOW })
    expect(again).toMatchObject({ created: 0, needReferral: 1 })
    const refused = await submit(database.db, caller, draft?.id ?? 0, { now: NOW }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).errors.map((e) => e.field)).toContain('person')
  })
})

describe('the tracker', () => {
  it('follows a re-placement awarded the normal way, and keeps the event’s cost as it happens', async () => {
    const lou = await placePerson(database.db, home.councilId, failingAt, {
      name: 'Lou Award',
      weeklyCostPence: 80_000,
    })
    const eventId = await closure('2026-02-22')
    await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW })
    await resourceResponse(database.db, caller, eventId, {}, actor, { now: NOW })
    const [request] = await requestsOfPeople([lou.personId])
    const requestId = request?.id ?? 0
    const scopeB = { councilId: home.councilId, providerOrganisationId: home.providerB.id }
    const { offer } = await makeOffer(
      database.db,
      scopeB,
      actor,
      requestId,
      {
        locationId: home.providerB.locationId,
        pricePence: 92_000,
        earliestStart: '2026-03-11',
        meetsAllNeeds: true,
      },
      { now: NOW },
    )
    await closeRequest(database.db, caller, requestId, { now: new Date('2026-03-04T11:00:00Z') })
    await award(
      database.db,
      { councilId: home.councilId, actor },
      requestId,
      { offerId: offer.id, choiceReason: 'Her sister lives there' },
      new Date('2026-03-04T12:00:00Z'),
    )
    const view = await getResponse(database.db, home.councilId, eventId, NOW)
    expect(view.cases[0]).toMatchObject({
      state: 're_placed',
      daysToReplace: 2,
      gapDays: 0,
      replacement: { weeklyCostPence: 92_000, choiceReason: 'Her sister lives there' },
    })
    // (92,000 − 80,000) × 3 weeks to 31 March, kept on the event by the award itself.
    expect(view.extraCostPence).toBe(36_000)
    const [event] = await database.db.select().from(marketEvents).where(eq(marketEvents.id, eventId))
    expect(event?.extraCostPence).toBe(36_000)
  })

  it('follows each person to re-placement with days, gap, choice, figures and the computed cost', async () => {
    const fay = await placePerson(database.db, home.councilId, failingAt, {
      name: 'Fay Track',
      weeklyCostPence: 90_000,
    })
    const gus = await placePerson(database.db, home.councilId, failingAt, {
      name: 'Gus Track',
      weeklyCostPence: 85_000,
    })
    const hal = await placePerson(database.db, home.councilId, failingAt, { name: 'Hal Track' })
    const ivy = await placePerson(database.db, home.councilId, failingAt, { name: 'Ivy Track' })
    const eventId = await closure('2026-02-23')
    await openResponse(database.db, home.councilId, eventId, { lastDay: LAST_DAY }, actor, { now: NOW })
    await resourceResponse(database.db, caller, eventId, {}, actor, { now: NOW })
    const before = await getResponse(database.db, home.councilId, eventId, NOW)
    const requestOf = (personId: number) => before.cases.find((c) => c.personId === personId)?.requestId ?? 0
    const caseOf = (personId: number) => before.cases.find((c) => c.personId === personId)?.id ?? 0

    // Fay: re-placed from the day after the last day, three weeks to 31 March, £100 a week more.
    await rePlace(database.db, home.councilId, requestOf(fay.personId), otherAt, {
      weeklyCostPence: 100_000,
      startDate: '2026-03-11',
      awardedAt: new Date('2026-03-05T12:00:00Z'),
      choiceReason: 'Near her daughter',
    })
    // Gus: re-placed four days late, 11 days before the year's end, £50 a week more.
    await rePlace(database.db, home.councilId, requestOf(gus.personId), otherAt, {
      weeklyCostPence: 90_000,
      startDate: '2026-03-21',
      awardedAt: new Date('2026-03-12T12:00:00Z'),
    })
    await setCaseOutcome(
      database.db,
      home.councilId,
      eventId,
      caseOf(hal.personId),
      {
        outcome: 'in_hospital',
        note: 'Admitted to the Norfolk and Norwich',
      },
      actor,
    )
    for (const bad of ['-5', 'lots', '100000000.01'])
      await expect(
        setOneOffCost(database.db, home.councilId, eventId, { oneOffCost: bad }, actor),
      ).rejects.toThrow(ValidationError)
    await setOneOffCost(database.db, home.councilId, eventId, { oneOffCost: '1,250' }, actor)

    // A week after the last day.
    const later = new Date('2026-03-17T10:00:00Z')
    const view = await getResponse(database.db, home.councilId, eventId, later)
    const of = (personId: number) => view.cases.find((c) => c.personId === personId)
    expect(of(fay.personId)).toMatchObject({
      state: 're_placed',
      daysToReplace: 3,
      gapDays: 0,
      replacement: { weeklyCostPence: 100_000, choiceReason: 'Near her daughter', startDate: '2026-03-11' },
    })
    expect(of(gus.personId)).toMatchObject({ state: 're_placed', daysToReplace: 10, gapDays: 10 })
    expect(of(hal.personId)).toMatchObject({
      state: 'in_hospital',
      outcomeNote: 'Admitted to the Norfolk and Norwich',
    })
    // Ivy is still waiting, since 11 March: 7 days without care by the 17th.
    expect(of(ivy.personId)).toMatchObject({ state: 'published', gapDays: 7 })
    expect(view.figures).toMatchObject({ people: 4, rePlaced: 2, medianDaysToReplace: 6.5, withGap: 3 })
    // (100,000 − 90,000) × 21/7 + (90,000 − 85,000) × 11/7 + 125,000
    expect(view.extraCostPence).toBe(Math.round(30_000 + (5_000 * 11) / 7 + 125_000))
    // The event's cost is the computed one now.
    const [event] = await database.db.select().from(marketEvents).where(eq(marketEvents.id, eventId))
    expect(event?.extraCostPence).toBe(view.extraCostPence)
    const [row] = await database.db
      .select()
      .from(failureCases)
      .where(eq(failureCases.id, caseOf(hal.personId)))
    expect(row?.outcome).toBe('in_hospital')
  })
})
