import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import {
  addLocation,
  createTestRequest,
  NORWICH,
  setRequestStatus,
  shapeLocation,
} from '../../../test/support/offers-factory.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import {
  auditLog,
  eligibilityDecisions,
  inbox,
  locations,
  offers,
  outbox,
  packages,
} from '../../db/schema.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { placeRestriction } from '../../providers/quality/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { assembleEligibility, eligibilityOverview, explainEligibility } from '../invitations.ts'
import { cancel, closeRequest } from '../requests/service.ts'
import { addCalendarDays } from '../rules/index.ts'
import { award, evaluateOffers, markUnsourced } from './award.ts'
import { endPackage, listPackages, viewProviderPackage } from './packages.ts'
import { getOpportunity, listOpportunities, makeOffer, reviseOffer, withdrawOffer } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let home: Fixture
let scopeA: { councilId: number; providerOrganisationId: number }
let scopeB: { councilId: number; providerOrganisationId: number }
const ids = { far: 0, nursing: 0, inadequate: 0, homeCareA: 0, homeCareB: 0, homeCareFar: 0, closed: 0 }

// Points a given number of miles north of the person's postcode.
const north = (miles: number) => ({
  latitude: NORWICH.latitude + miles / 69.09,
  longitude: NORWICH.longitude,
})

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'SVC', testConfig())
  scopeA = { councilId: home.councilId, providerOrganisationId: home.providerA.id }
  scopeB = { councilId: home.councilId, providerOrganisationId: home.providerB.id }
  const { db } = database
  await shapeLocation(db, home.providerA.locationId, north(2))
  await shapeLocation(db, home.providerB.locationId, north(5))
  ids.far = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-FAR',
    name: 'Far Away House',
    ...north(60),
  })
  ids.nursing = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-NURSING',
    name: 'Nursing Only House',
    serviceTypes: ['nursing_home'],
    ...north(1),
  })
  ids.inadequate = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-BAD',
    name: 'Inadequate House',
    cqcRating: 'Inadequate',
    ...north(3),
  })
  ids.homeCareA = await addLocation(db, home.councilId, home.providerA.id, {
    cqcLocationId: '1-HCA',
    name: 'A Home Care Office',
    serviceTypes: ['home_care'],
    coverage: ['NR3', 'NR4'],
    ...north(40),
  })
  ids.homeCareB = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-HCB',
    name: 'B Home Care Office',
    serviceTypes: ['home_care'],
    ...north(4),
  })
  ids.homeCareFar = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-HCFAR',
    name: 'Distant Home Care',
    serviceTypes: ['home_care'],
    coverage: ['PE30'],
    ...north(50),
  })
  ids.closed = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-SHUT',
    name: 'Closed House',
    ...north(1),
  })
  await db.update(locations).set({ active: false }).where(eq(locations.id, ids.closed))
})
afterAll(async () => database.close())

async function activeLocationCount(): Promise<number> {
  const rows = await database.db
    .select({ id: locations.id })
    .from(locations)
    .where(and(eq(locations.councilId, home.councilId), eq(locations.active, true)))
  return rows.length
}

describe('inviting eligible locations', () => {
  it('stores a decision for every active location, and invites only those that qualify', async () => {
    const { requestId, invitation } = await createTestRequest(database.db, home.councilId)
    const decisions = await database.db
      .select()
      .from(eligibilityDecisions)
      .where(eq(eligibilityDecisions.requestId, requestId))
    expect(decisions.length).toBe(await activeLocationCount())
    expect(decisions.some((d) => d.locationId === ids.closed)).toBe(false)
    const invited = decisions.filter((d) => d.eligible).map((d) => d.locationId)
    expect(invited.sort()).toEqual([home.providerA.locationId, home.providerB.locationId].sort())
    expect(invitation?.invited).toBe(2)
    expect(invitation?.excluded).toBe(decisions.length - 2)
    const reasonOf = (id: number) => decisions.find((d) => d.locationId === id)?.reasons.map((r) => r.code)
    expect(reasonOf(ids.far)).toEqual(['too_far'])
    expect(reasonOf(ids.nursing)).toEqual(['service_type'])
    expect(reasonOf(ids.inadequate)).toEqual(['inadequate'])
    expect(reasonOf(ids.homeCareA)).toEqual(['service_type'])
  })

  it('writes the SQL pre-filter’s reasons in the same words as the rules', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const run = await assembleEligibility(database.db, {
      councilId: home.councilId,
      requestId,
      now: new Date(),
      fullScan: true,
    })
    const byRules = run.decisions.find((d) => d.locationId === ids.far)
    const [stored] = await database.db
      .select()
      .from(eligibilityDecisions)
      .where(and(eq(eligibilityDecisions.requestId, requestId), eq(eligibilityDecisions.locationId, ids.far)))
    expect(stored?.reasons).toEqual(byRules?.reasons)
    expect(stored?.reasons[0]?.text).toMatch(/^Too far: 60(\.\d)? miles from NR3, the limit is 15 miles$/)
    const nursing = run.decisions.find((d) => d.locationId === ids.nursing)
    const [storedNursing] = await database.db
      .select()
      .from(eligibilityDecisions)
      .where(
        and(eq(eligibilityDecisions.requestId, requestId), eq(eligibilityDecisions.locationId, ids.nursing)),
      )
    expect(storedNursing?.reasons).toEqual(nursing?.reasons)
  })

  it('decides the same with and without the pre-filter for the locations it keeps', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const now = new Date()
    const fast = await assembleEligibility(database.db, { councilId: home.councilId, requestId, now })
    const full = await assembleEligibility(database.db, {
      councilId: home.councilId,
      requestId,
      now,
      fullScan: true,
    })
    expect(fast.decisions.length).toBeLessThan(full.decisions.length)
    for (const decision of fast.decisions) {
      expect(full.decisions.find((d) => d.locationId === decision.locationId)).toEqual(decision)
    }
    expect(fast.decisions.filter((d) => d.eligible)).toEqual(full.decisions.filter((d) => d.eligible))
  })

  it('invites home care by district coverage, or an office within the distance', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId, {
      serviceType: 'home_care',
      visits: [{ days: ['mon', 'tue'], windowStart: '08:00', windowEnd: '09:00', durationMinutes: 30 }],
    })
    const a = await explainEligibility(database.db, home.councilId, requestId, ids.homeCareA)
    expect(a.decision?.eligible).toBe(true)
    const b = await explainEligibility(database.db, home.councilId, requestId, ids.homeCareB)
    expect(b.decision?.eligible).toBe(true)
    const far = await explainEligibility(database.db, home.councilId, requestId, ids.homeCareFar)
    expect(far.decision?.eligible).toBe(false)
    expect(far.summary).toMatch(/^Not invited: Does not cover NR3, and its office is 50(\.\d)? miles away/)
    const care = await explainEligibility(database.db, home.councilId, requestId, home.providerA.locationId)
    expect(care.decision?.reasons.map((r) => r.code)).toEqual(['service_type'])
  })

  it('explains a location that was not active at publication, and refuses another council’s', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const closed = await explainEligibility(database.db, home.councilId, requestId, ids.closed)
    expect(closed.decision).toBeNull()
    expect(closed.summary).toMatch(/not active on the register/)
    await expect(explainEligibility(database.db, home.councilId + 999, requestId, ids.far)).rejects.toThrow(
      NotFoundError,
    )
  })

  it('lists invited locations and finds any by name or CQC ID with its reasons', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const overview = await eligibilityOverview(database.db, home.councilId, requestId, { search: '1-far' })
    expect(overview.invitedCount).toBe(2)
    expect(overview.notInvitedCount).toBe((await activeLocationCount()) - 2)
    expect(overview.invited.map((e) => e.location.name).sort()).toEqual(['SVC A House', 'SVC B House'])
    expect(overview.search?.results.map((r) => r.location.name)).toEqual(['Far Away House'])
    expect(overview.search?.results[0]?.summary).toMatch(/^Not invited: Too far/)
    const byName = await eligibilityOverview(database.db, home.councilId, requestId, { search: 'inadequate' })
    expect(byName.search?.results[0]?.summary).toBe(
      'Not invited: Rated Inadequate: inadequate services are not invited',
    )
  })

  it('tells each invited organisation once, in the app and by email, without personal details', async () => {
    const before = await database.db.select().from(inbox)
    const beforeMail = await database.db.select().from(outbox)
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const messages = (await database.db.select().from(inbox)).slice(before.length)
    expect(messages.map((m) => m.providerOrganisationId).sort()).toEqual(
      [home.providerA.id, home.providerB.id].sort(),
    )
    // The providers' invitations; the council's brokers are told of so few invited apart.
    const mail = (await database.db.select().from(outbox))
      .slice(beforeMail.length)
      .filter((m) => m.kind === 'brokerage_invitation')
    expect(mail.map((m) => m.toAddress).sort()).toEqual([home.emails.providerA, home.emails.providerB].sort())
    for (const text of [...messages.map((m) => m.body), ...mail.map((m) => m.bodyText)]) {
      expect(text).toContain(`request ${requestId}`)
      expect(text).toContain('NR3')
      expect(text).not.toContain('Applethwaite')
      expect(text).not.toContain('NR3 1QX')
      expect(text).not.toContain('1938')
    }
  })

  it('flags a “contact quality team” restriction on an invited location', async () => {
    await placeRestriction(
      database.db,
      home.councilId,
      home.providerB.locationId,
      { kind: 'contact_quality_team', startsOn: '2020-01-01', reason: 'Safeguarding review' },
      system,
    )
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const b = await explainEligibility(database.db, home.councilId, requestId, home.providerB.locationId)
    expect(b.decision?.eligible).toBe(true)
    expect(b.decision?.flags.map((f) => f.code)).toContain('quality_team_sign_off')
  })
})

describe('offers', () => {
  it('shows providers only anonymised opportunities they were invited to', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId, {
      needsSummary: 'Winifred Applethwaite (NHS 943 476 5919) needs help at NR3 1QX, born 17/04/1938.',
    })
    const list = await listOpportunities(database.db, scopeA)
    const mine = list.find((o) => o.requestId === requestId)
    expect(mine?.ageBand).toBe('85+')
    expect(mine?.outcode).toBe('NR3')
    const text = JSON.stringify(mine)
    for (const secret of [
      'Winifred',
      'Applethwaite',
      '943 476 5919',
      '9434765919',
      'NR3 1QX',
      '1938-04-17',
      '17/04/1938',
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(mine?.needsSummary).toContain('[removed]')
    expect(mine?.matches.map((m) => m.locationId)).toEqual([home.providerA.locationId])
    expect(
      (await listOpportunities(database.db, scopeA, { serviceType: 'home_care' })).some(
        (o) => o.requestId === requestId,
      ),
    ).toBe(false)
    expect(
      (await listOpportunities(database.db, scopeA, { district: 'nr3' })).some(
        (o) => o.requestId === requestId,
      ),
    ).toBe(true)
    expect(
      (await listOpportunities(database.db, scopeA, { district: 'PE30' })).some(
        (o) => o.requestId === requestId,
      ),
    ).toBe(false)
  })

  it('makes one offer per Idempotency-Key, and refuses other providers’ and uninvited locations', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const terms = {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    }
    const first = await makeOffer(database.db, scopeA, system, requestId, terms, { idempotencyKey: 'k-1' })
    const again = await makeOffer(database.db, scopeA, system, requestId, terms, { idempotencyKey: 'k-1' })
    expect(first.created).toBe(true)
    expect(again.created).toBe(false)
    expect(again.offer.id).toBe(first.offer.id)
    const rows = await database.db.select().from(offers).where(eq(offers.requestId, requestId))
    expect(rows.length).toBe(1)
    await expect(makeOffer(database.db, scopeA, system, requestId, terms)).rejects.toThrow(ConflictError)
    const theirs = makeOffer(database.db, scopeA, system, requestId, {
      ...terms,
      locationId: home.providerB.locationId,
    })
    await expect(theirs).rejects.toThrow(ValidationError)
    await expect(theirs).rejects.toThrow(/your own locations/)
    const uninvited = makeOffer(database.db, scopeB, system, requestId, { ...terms, locationId: ids.far })
    await expect(uninvited).rejects.toThrow(/not invited/)
    await expect(
      makeOffer(database.db, scopeA, system, requestId, { ...terms, pricePence: -5 }),
    ).rejects.toThrow(/cannot be negative/)
  })

  it('audits each offer made, and keeps one live offer per location when ten arrive at once', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const terms = {
      locationId: home.providerA.locationId,
      pricePence: 91_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    }
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        makeOffer(database.db, scopeA, system, requestId, terms, { idempotencyKey: `race-${i}` }),
      ),
    )
    const made = results.filter((r) => r.status === 'fulfilled')
    expect(made.length).toBe(1)
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError)
    }
    const rows = await database.db.select().from(offers).where(eq(offers.requestId, requestId))
    expect(rows.map((r) => r.status)).toEqual(['submitted'])
    const audited = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'offer.submitted'), eq(auditLog.entityId, String(rows[0]?.id))))
    expect(audited.length).toBe(1)
    expect(audited[0]?.actor).toBe('test')
    expect(audited[0]?.councilId).toBe(home.councilId)
    expect(audited[0]?.details).toEqual({
      requestId,
      locationId: home.providerA.locationId,
      pricePence: 91_000,
      visitIds: [],
    })
  })

  it('makes each offer racing a close either before the close or not at all', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const terms = { pricePence: 90_000, earliestStart: '2099-01-01', meetsAllNeeds: true }
    const [a, closing, b] = await Promise.allSettled([
      makeOffer(database.db, scopeA, system, requestId, { ...terms, locationId: home.providerA.locationId }),
      closeRequest(database.db, { kind: 'system', label: 'test', councilId: home.councilId }, requestId),
      makeOffer(database.db, scopeB, system, requestId, { ...terms, locationId: home.providerB.locationId }),
    ])
    expect(closing.status).toBe('fulfilled')
    const rows = await database.db.select().from(offers).where(eq(offers.requestId, requestId))
    for (const attempt of [a, b]) {
      if (attempt.status === 'rejected') expect(attempt.reason).toBeInstanceOf(ConflictError)
      else expect(rows.some((r) => r.id === attempt.value.offer.id)).toBe(true)
    }
    expect(rows.length).toBe([a, b].filter((r) => r.status === 'fulfilled').length)
    await expect(
      makeOffer(database.db, scopeA, system, requestId, {
        ...terms,
        locationId: home.providerA.locationId,
        pricePence: 80_000,
      }),
    ).rejects.toThrow(/closed|already has an offer/)
  })

  it('declines every open offer and tells its provider when the council cancels the request', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const { offer } = await makeOffer(database.db, scopeA, system, requestId, {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    })
    await cancel(database.db, { kind: 'system', label: 'test', councilId: home.councilId }, requestId, {
      reason: 'The person moved to live with family',
    })
    const [row] = await database.db.select().from(offers).where(eq(offers.id, offer.id))
    expect(row?.status).toBe('declined')
    const told = await database.db
      .select()
      .from(inbox)
      .where(and(eq(inbox.providerOrganisationId, home.providerA.id), eq(inbox.councilId, home.councilId)))
    expect(told.some((m) => m.body.includes('cancelled'))).toBe(true)
  })

  it('refuses an offer, a revision or a withdrawal after the deadline', async () => {
    const now = new Date()
    const { requestId } = await createTestRequest(database.db, home.councilId, {
      deadlineAt: new Date(now.getTime() + 60_000),
    })
    const terms = {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    }
    const { offer } = await makeOffer(database.db, scopeA, system, requestId, terms, { now })
    const later = new Date(now.getTime() + 120_000)
    await expect(
      makeOffer(
        database.db,
        scopeB,
        system,
        requestId,
        { ...terms, locationId: home.providerB.locationId },
        { now: later },
      ),
    ).rejects.toThrow(/deadline for offers passed/)
    await expect(
      reviseOffer(database.db, scopeA, system, offer.id, { ...terms, version: 1 }, later),
    ).rejects.toThrow(ConflictError)
    await expect(withdrawOffer(database.db, scopeA, system, offer.id, later)).rejects.toThrow(ConflictError)
  })

  it('revises only the latest version, and withdraws', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const terms = {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    }
    const { offer } = await makeOffer(database.db, scopeA, system, requestId, terms)
    const { locationId: _, ...revision } = terms
    const revised = await reviseOffer(database.db, scopeA, system, offer.id, {
      ...revision,
      pricePence: 88_000,
      version: 1,
    })
    expect(revised.version).toBe(2)
    expect(revised.pricePence).toBe(88_000)
    await expect(
      reviseOffer(database.db, scopeA, system, offer.id, { ...revision, pricePence: 1, version: 1 }),
    ).rejects.toThrow(/now version 2/)
    await expect(
      reviseOffer(database.db, scopeB, system, offer.id, { ...revision, version: 2 }),
    ).rejects.toThrow(NotFoundError)
    const withdrawn = await withdrawOffer(database.db, scopeA, system, offer.id)
    expect(withdrawn.status).toBe('withdrawn')
    const detail = await getOpportunity(database.db, scopeA, requestId)
    expect(detail.offers.map((o) => o.status)).toEqual(['withdrawn'])
    await expect(getOpportunity(database.db, scopeA, requestId + 1000)).rejects.toThrow(NotFoundError)
  })
})

describe('ranking a late start', () => {
  it('flags an offer starting after care is needed and takes the council’s points a day off its total', async () => {
    const startDate = addCalendarDays(londonDate(new Date()), 14)
    const { requestId } = await createTestRequest(database.db, home.councilId, {
      usualPricePence: 95_000,
      startDate,
    })
    const terms = { pricePence: 90_000, meetsAllNeeds: true }
    const onTime = await makeOffer(database.db, scopeA, system, requestId, {
      ...terms,
      earliestStart: startDate,
      locationId: home.providerA.locationId,
    })
    const late = await makeOffer(database.db, scopeB, system, requestId, {
      ...terms,
      earliestStart: addCalendarDays(startDate, 3),
      locationId: home.providerB.locationId,
    })
    const evaluation = await evaluateOffers(database.db, { councilId: home.councilId }, requestId)
    const [first, second] = evaluation.shortlist.ranked
    expect(first?.offerId).toBe(onTime.offer.id)
    expect(second?.offerId).toBe(late.offer.id)
    expect(second?.lateStart).toEqual({ days: 3, pointsPerDay: 2, penalty: 6 })
    expect(second?.flags.lateStart).toBe(true)
    expect(second?.total).toBe((first?.total ?? 0) - 6)
    expect(evaluation.weights.lateStartPointsPerDay).toBe(2)
  })
})

describe('award', () => {
  it('ranks, awards the chosen offer once, declines the others and tells every bidder', async () => {
    const startDate = addCalendarDays(londonDate(new Date()), 14)
    const { requestId } = await createTestRequest(database.db, home.councilId, {
      usualPricePence: 95_000,
      startDate,
    })
    // Both start when care is needed: a late start would lose points.
    const terms = { pricePence: 90_000, earliestStart: startDate, meetsAllNeeds: true }
    const a = await makeOffer(database.db, scopeA, system, requestId, {
      ...terms,
      locationId: home.providerA.locationId,
    })
    const b = await makeOffer(database.db, scopeB, system, requestId, {
      ...terms,
      locationId: home.providerB.locationId,
      pricePence: 100_000,
    })
    const broker = { councilId: home.councilId, actor: system }
    await expect(award(database.db, broker, requestId, { offerId: a.offer.id })).rejects.toThrow(
      /Only a request that is closed can be awarded/,
    )
    await setRequestStatus(database.db, requestId, 'closed')
    const evaluation = await evaluateOffers(database.db, home, requestId)
    expect(evaluation.shortlist.ranked.map((r) => r.offerId)).toEqual([a.offer.id, b.offer.id])
    const top = evaluation.shortlist.ranked[0]
    expect(top?.quality).toEqual({ score: 75, weight: 60, weighted: 45, rating: 'Good', basis: null })
    expect(top?.price.score).toBe(100)
    expect(top?.total).toBe(85)
    const second = evaluation.shortlist.ranked[1]
    expect(second?.flags.aboveUsualPrice).toBe(true)
    expect(second?.flags.qualityTeamSignOff).toBe(true)

    // Choosing B, not top-ranked and above the usual price, needs reasons and the quality sign-off.
    const refused = award(database.db, broker, requestId, { offerId: b.offer.id })
    await expect(refused).rejects.toThrow(ValidationError)
    const errors = await refused.catch((e: ValidationError) => e.errors.map((x) => x.field))
    expect(errors).toEqual(['choiceReason', 'aboveUsualPrice', 'qualitySignOffBy'])
    await expect(
      award(database.db, broker, requestId, {
        offerId: b.offer.id,
        choiceReason: 'Near her daughter',
        aboveUsualPrice: { topUpPencePerWeek: 4_000 },
        qualitySignOffBy: 'Q. Team',
      }),
    ).rejects.toThrow(/amount above the usual price: £50.00 per week/)

    const result = await award(database.db, broker, requestId, {
      offerId: b.offer.id,
      choiceReason: 'Near her daughter',
      aboveUsualPrice: { topUpPencePerWeek: 5_000 },
      qualitySignOffBy: 'Q. Team',
    })
    expect(result.weeklyCostPence).toBe(100_000)
    expect(result.declinedOfferIds).toEqual([a.offer.id])
    // The package keeps the usual price it was agreed against, for the accepted prices measure.
    const [kept] = await database.db.select().from(packages).where(eq(packages.requestId, requestId))
    expect(kept?.usualPricePence).toBe(95_000)
    await expect(award(database.db, broker, requestId, { offerId: a.offer.id })).rejects.toThrow(
      ConflictError,
    )
    const statuses = await database.db.select().from(offers).where(eq(offers.requestId, requestId))
    expect(Object.fromEntries(statuses.map((o) => [o.id, o.status]))).toEqual({
      [a.offer.id]: 'declined',
      [b.offer.id]: 'accepted',
    })
    const told = await database.db.select().from(inbox).where(eq(inbox.councilId, home.councilId))
    expect(
      told
        .filter((m) => m.subject === `Your offer on request ${requestId} was accepted`)
        .map((m) => m.providerOrganisationId),
    ).toEqual([home.providerB.id])
    expect(
      told
        .filter((m) => m.subject === `Your offer on request ${requestId} was not successful`)
        .map((m) => m.providerOrganisationId),
    ).toEqual([home.providerA.id])

    const {
      packages: [pkg],
    } = await listPackages(database.db, home, { requestId })
    expect(pkg?.topUpPencePerWeek).toBe(5_000)
    expect(pkg?.choiceReason).toBe('Near her daughter')
    // Found by the person in any order and case, the provider, its state on a day and start dates.
    const ids = async (filters: Parameters<typeof listPackages>[2], now?: Date) =>
      (await listPackages(database.db, home, filters, now)).packages.map((p) => p.id)
    expect(await ids({ q: 'applethwaite WINI' })).toContain(result.packageId)
    expect(await ids({ q: '943 476 5919' })).toContain(result.packageId)
    expect(await ids({ q: 'applethwaite', providerOrganisationId: home.providerA.id })).not.toContain(
      result.packageId,
    )
    expect(await ids({ providerOrganisationId: home.providerB.id })).toContain(result.packageId)
    const packageStart = pkg?.startDate as string
    expect(await ids({ startFrom: packageStart, startTo: packageStart })).toContain(result.packageId)
    expect(await ids({ startTo: '2000-01-01' })).toEqual([])
    const dayBefore = new Date(Date.parse(packageStart) - 86_400_000)
    expect(await ids({ requestId, state: 'starting' }, dayBefore)).toEqual([result.packageId])
    expect(
      await ids({ requestId, state: 'active' }, new Date(Date.parse(packageStart) + 86_400_000)),
    ).toEqual([result.packageId])
    const paged = await listPackages(database.db, home, { requestId, limit: 1, offset: 1 })
    expect(paged).toMatchObject({ packages: [], total: 1 })
    const view = await viewProviderPackage(database.db, scopeB, system, result.packageId)
    expect(view.person.name).toBe('Winifred Applethwaite')
    await expect(viewProviderPackage(database.db, scopeA, system, result.packageId)).rejects.toThrow(
      NotFoundError,
    )
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'personal_data.viewed'))
    expect(audits.some((a) => (a.details as { packageId?: number }).packageId === result.packageId)).toBe(
      true,
    )

    const ended = await endPackage(database.db, broker, result.packageId, {
      endDate: '2099-12-31',
      reason: 'Moved away',
    })
    expect(ended.endDate).toBe('2099-12-31')
    await expect(
      endPackage(database.db, broker, result.packageId, { endDate: '2099-12-31', reason: 'Again' }),
    ).rejects.toThrow(ConflictError)
  })

  it('splits home care visit by visit, leaving an unfilled visit on the Interim Care List', async () => {
    const { requestId, visitIds } = await createTestRequest(database.db, home.councilId, {
      serviceType: 'home_care',
      usualPricePence: 2_500,
      visits: [
        {
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          windowStart: '07:30',
          windowEnd: '09:00',
          durationMinutes: 30,
          carers: 2,
        },
        { days: ['mon', 'wed', 'fri'], windowStart: '12:00', windowEnd: '13:00', durationMinutes: 45 },
        {
          days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
          windowStart: '20:00',
          windowEnd: '21:00',
          durationMinutes: 30,
        },
      ],
    })
    const [morning, lunch, evening] = visitIds as [number, number, number]
    const common = { earliestStart: '2099-01-01', meetsAllNeeds: true }
    const a = await makeOffer(database.db, scopeA, system, requestId, {
      ...common,
      locationId: ids.homeCareA,
      pricePence: 2_400,
      visitIds: [morning],
    })
    const b = await makeOffer(database.db, scopeB, system, requestId, {
      ...common,
      locationId: ids.homeCareB,
      pricePence: 2_300,
      visitIds: [lunch],
    })
    await expect(
      makeOffer(database.db, scopeB, system, requestId, {
        ...common,
        locationId: ids.homeCareB,
        pricePence: 2_300,
        visitIds: [evening],
      }),
    ).rejects.toThrow(ConflictError)
    await setRequestStatus(database.db, requestId, 'closed')
    const broker = { councilId: home.councilId, actor: system }
    const first = await award(database.db, broker, requestId, { offerId: a.offer.id })
    // 7 days × 30 minutes × 2 carers = 420 minutes = 7 hours at £24.00.
    expect(first.weeklyCostPence).toBe(16_800)
    expect(first.unfilledVisitIds).toEqual([lunch, evening])
    expect(first.onInterimCareList).toBe(true)
    const second = await award(database.db, broker, requestId, { offerId: b.offer.id, visitIds: [lunch] })
    expect(second.weeklyCostPence).toBe(5_175)
    expect(second.unfilledVisitIds).toEqual([evening])
    const evaluation = await evaluateOffers(database.db, home, requestId)
    expect(evaluation.request.status).toBe('awarded')
    expect(evaluation.unfilledSlots).toEqual([evening])
    expect(evaluation.unfilledCareMinutesPerWeek).toBe(210)
    expect(evaluation.onInterimCareList).toBe(true)
    await expect(
      award(database.db, broker, requestId, { offerId: b.offer.id, visitIds: [lunch] }),
    ).rejects.toThrow(ConflictError)
  })

  it('marks a closed request with no acceptable offer unsourced, and refuses an award on a cancelled one', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId)
    const { offer } = await makeOffer(database.db, scopeA, system, requestId, {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: false,
      notes: 'Cannot manage the stairs',
    })
    await setRequestStatus(database.db, requestId, 'closed')
    const broker = { councilId: home.councilId, actor: system }
    const result = await markUnsourced(database.db, broker, requestId, { inHospital: true })
    expect(result).toEqual({ status: 'unsourced', declinedOffers: 1 })
    const [row] = await database.db.select().from(offers).where(eq(offers.id, offer.id))
    expect(row?.status).toBe('declined')

    const cancelled = await createTestRequest(database.db, home.councilId)
    const made = await makeOffer(database.db, scopeA, system, cancelled.requestId, {
      locationId: home.providerA.locationId,
      pricePence: 90_000,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    })
    await setRequestStatus(database.db, cancelled.requestId, 'cancelled')
    await expect(award(database.db, broker, cancelled.requestId, { offerId: made.offer.id })).rejects.toThrow(
      /A request that is cancelled cannot be awarded/,
    )
  })
})
