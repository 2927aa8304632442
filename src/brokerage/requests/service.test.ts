import { Readable } from 'node:stream'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { placeInvitableLocation } from '../../../test/support/offers-factory.ts'
import { careHomeRequest, homeCareRequest, sessionUserOf } from '../../../test/support/request-users.ts'
import type { SessionUser } from '../../accounts/service.ts'
import { addTeamMember, createTeam, removeTeamMember } from '../../accounts/teams.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import {
  auditLog,
  councilDistricts,
  eligibilityDecisions,
  inbox,
  localities,
  requestEvents,
  sourcingRequests,
} from '../../db/schema.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { importCentroids } from '../../geography/service.ts'
import { createLot } from '../../providers/frameworks/service.ts'
import { NobodyToInviteError } from '../invitations.ts'
import { removeBankHoliday } from '../settings/service.ts'
import {
  addDraftVisit,
  cancel,
  changeRequest,
  closeRequest,
  createRequest,
  ForbiddenError,
  getRequest,
  listRequestEvents,
  listRequests,
  publish,
  removeDraftVisit,
  republish,
  returnToSocialWorker,
  saveDraftPage,
  startDraft,
  submit,
  transitionRequest,
} from './service.ts'
import { answeredRow, findRequestRow } from './store.ts'

/** Where the one placed postcode of these tests is: a preferred postcode away from the person's. */
const NEAR_FAMILY = { postcode: 'NR1 3QE', latitude: 52.6241, longitude: 1.3061 }

// Monday 2 March 2026, 10:00 in London (GMT).
const NOW = new Date('2026-03-02T10:00:00Z')
const clock = { now: NOW }

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let home: Fixture
let other: Fixture
let socialWorker: SessionUser
let anotherSocialWorker: SessionUser
let broker: SessionUser
let commissioner: SessionUser
let otherBroker: SessionUser

beforeAll(async () => {
  database = await createTestDatabase()
  const config = testConfig()
  home = await seedCouncil(database, 'RQS', config)
  other = await seedCouncil(database, 'RQX', config)
  await placeInvitableLocation(database.db, home)
  socialWorker = await sessionUserOf(database, home, 'social_worker')
  broker = await sessionUserOf(database, home, 'broker')
  commissioner = await sessionUserOf(database, home, 'commissioner')
  otherBroker = await sessionUserOf(database, other, 'broker')
  // A second social worker in the same council: the council admin acting as one is enough here.
  anotherSocialWorker = { ...(await sessionUserOf(database, home, 'council_admin')), role: 'social_worker' }
  await importCentroids(
    database.db,
    Readable.from(
      `postcode,latitude,longitude\n${NEAR_FAMILY.postcode},${NEAR_FAMILY.latitude},${NEAR_FAMILY.longitude}\n`,
    ),
  )
})
afterAll(async () => database.close())

async function validationErrorOf(promise: Promise<unknown>): Promise<Record<string, string>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return Object.fromEntries((error as ValidationError).errors.map((e) => [e.field, e.message]))
}

async function submitted(input = careHomeRequest()) {
  const created = await createRequest(database.db, socialWorker, input, clock)
  return submit(database.db, socialWorker, created.id, clock)
}

/** Moves a request on through transitionRequest, as the offers service does, for the later stages. */
async function moveTo(requestId: number, actions: ('publish' | 'close' | 'markUnsourced')[]) {
  for (const action of actions) {
    await database.db.transaction(async (tx) => {
      const row = await findRequestRow(tx, home.councilId, requestId)
      if (!row) throw new Error('no row')
      await transitionRequest(tx, row, action, { kind: 'system', label: 'test' }, { now: NOW })
    })
  }
}

describe('creating a request', () => {
  it('stores the person, the request as a draft, its history and an audit entry', async () => {
    const request = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
    expect(request.status).toBe('draft')
    expect(request.person).toMatchObject({
      name: 'Winifred Applethwaite',
      dateOfBirth: '1938-04-17',
      sex: 'female',
      postcode: 'NR3 1QX',
      outcode: 'NR3',
      nhsNumber: '9434765919',
    })
    expect(request.usualPricePence).toBe(85_050)
    expect(request.budgetPence).toBeNull()
    expect(request.priceUnit).toBe('weekly')
    expect(request.maxDistanceMiles).toBe(15)
    expect(request.createdByUserId).toBe(socialWorker.id)
    const events = await listRequestEvents(database.db, home, request.id)
    expect(events.map((e) => [e.fromStatus, e.toStatus, e.actor])).toEqual([
      [null, 'draft', socialWorker.email],
    ])
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, 'sourcing_request'), eq(auditLog.entityId, String(request.id))))
    expect(audits.map((a) => a.action)).toEqual(['sourcing_request.created'])
  })

  it('records a home care visit pattern with its hours', async () => {
    const request = await createRequest(database.db, broker, homeCareRequest(), clock)
    expect(request.visits).toHaveLength(4)
    expect(request.visits[0]).toMatchObject({
      windowStart: '07:30',
      windowEnd: '09:00',
      durationMinutes: 45,
      carers: 2,
    })
    // (45 + 30 + 30 + 45) minutes a day, every day.
    expect(request.minutesPerWeek).toBe(150 * 7)
    expect(request.carerMinutesPerWeek).toBe((90 + 30 + 30 + 90) * 7)
    expect(request.carerGender).toBe('female_preferred')
    expect(request.language).toBe('Polish')
    expect(request.priceUnit).toBe('hourly')
  })

  it('refuses a start date in the past', async () => {
    const errors = await validationErrorOf(
      createRequest(database.db, socialWorker, careHomeRequest({ startDate: '2026-03-01' }), clock),
    )
    expect(errors.startDate).toBe('Start date must be today or in the future')
  })

  it('refuses home care without visits', async () => {
    const errors = await validationErrorOf(
      createRequest(database.db, socialWorker, homeCareRequest({ visits: [] }), clock),
    )
    expect(errors.visits).toBe('Add at least one visit for home care')
  })

  it('refuses a negative price and a request with neither price nor budget', async () => {
    const negative = await validationErrorOf(
      createRequest(database.db, socialWorker, careHomeRequest({ usualPricePounds: '-10' }), clock),
    )
    expect(negative.usualPricePounds).toBe('Usual price must be £0 or more')
    const neither = await validationErrorOf(
      createRequest(database.db, socialWorker, careHomeRequest({ usualPricePounds: '' }), clock),
    )
    expect(neither.usualPricePounds).toBe('Enter the usual price or an indicative budget')
  })

  it('refuses an NHS number whose check digit is wrong, and a postcode that is not one', async () => {
    const errors = await validationErrorOf(
      createRequest(
        database.db,
        socialWorker,
        careHomeRequest({
          person: {
            name: 'A Person',
            dateOfBirth: '1940-01-01',
            postcode: 'NR99 ZZZZ',
            nhsNumber: '943 476 5918',
          },
        }),
        clock,
      ),
    )
    expect(errors['person.nhsNumber']).toBe(
      'Enter a real NHS number: the last digit does not match the others',
    )
    expect(errors['person.postcode']).toBe('Enter a real postcode, like NR1 3QE')
  })

  it('refuses a visit that does not fit its window, and a lot that does not exist', async () => {
    const errors = await validationErrorOf(
      createRequest(
        database.db,
        socialWorker,
        homeCareRequest({
          visits: [
            { days: ['mon'], windowStart: '09:00', windowEnd: '09:30', durationMinutes: 45, carers: 5 },
          ],
        }),
        clock,
      ),
    )
    expect(errors['visits.0.durationMinutes']).toBe('The visit must fit in its time window of 30 minutes')
    expect(errors['visits.0.carers']).toBe('Enter the number of carers, from 1 to 4')
    const lot = await validationErrorOf(
      createRequest(database.db, socialWorker, careHomeRequest({ lotId: 999_999 }), clock),
    )
    expect(lot.lotId).toBe('Choose a lot from the list: there is no such lot')
  })

  it('can be made for a person the council already holds, and only its own', async () => {
    const first = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
    const { person: _person, ...rest } = careHomeRequest()
    const second = await createRequest(database.db, broker, { ...rest, personId: first.person.id }, clock)
    expect(second.person).toEqual(first.person)
    const elsewhere = await validationErrorOf(
      createRequest(database.db, otherBroker, { ...rest, personId: first.person.id }, clock),
    )
    expect(elsewhere.personId).toBe('There is no such person in your council')
    const neither = await validationErrorOf(createRequest(database.db, broker, rest, clock))
    expect(neither.person).toBe('Give the person’s details')
  })

  it('keeps the preferred postcode and its district: the person’s unless another is given', async () => {
    const own = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
    expect(own).toMatchObject({ preferredPostcode: 'NR3 1QX', preferredOutcode: 'NR3' })
    const near = await createRequest(
      database.db,
      socialWorker,
      careHomeRequest({ preferredPostcode: ' nr13qe ' }),
      clock,
    )
    expect(near).toMatchObject({
      preferredPostcode: NEAR_FAMILY.postcode,
      preferredOutcode: 'NR1',
      latitude: NEAR_FAMILY.latitude,
      longitude: NEAR_FAMILY.longitude,
      person: { postcode: 'NR3 1QX', outcode: 'NR3' },
    })
    const { person: _person, ...rest } = careHomeRequest()
    const again = await createRequest(database.db, broker, { ...rest, personId: own.person.id }, clock)
    expect(again).toMatchObject({ preferredPostcode: 'NR3 1QX', preferredOutcode: 'NR3' })
  })

  it('lets only social workers and brokers create requests', async () => {
    await expect(createRequest(database.db, commissioner, careHomeRequest(), clock)).rejects.toBeInstanceOf(
      ForbiddenError,
    )
  })
})

describe('a draft, a question page at a time', () => {
  it('keeps unanswered questions as not answered, and refuses to submit until they are', async () => {
    const draft = await startDraft(
      database.db,
      socialWorker,
      { name: 'Albert Moss', dateOfBirth: '1931-11-02', sex: 'not_stated', postcode: 'NR2 4TE' },
      clock,
    )
    expect(draft).toMatchObject({ status: 'draft', serviceType: null, clientGroup: null, startDate: null })
    const errors = await validationErrorOf(submit(database.db, socialWorker, draft.id, clock))
    expect(Object.keys(errors)).toEqual(['service-type', 'needs', 'start', 'price'])
    expect(errors['service-type']).toBe('Answer the question about the type of care')
  })

  it('stores NULL for each unanswered question, not a placeholder', async () => {
    const draft = await startDraft(
      database.db,
      socialWorker,
      { name: 'Albert Moss', dateOfBirth: '1931-11-02', postcode: 'NR2 4TE' },
      clock,
    )
    expect(draft.needsSummary).toBeNull()
    const row = await findRequestRow(database.db, home.councilId, draft.id)
    expect(row).toMatchObject({ serviceType: null, clientGroup: null, needsSummary: null, startDate: null })
    expect(() => answeredRow(row as NonNullable<typeof row>)).toThrow(/is a draft/)
  })

  it('measures from the person’s postcode until another is chosen, and follows the person only then', async () => {
    const person = { name: 'Albert Moss', dateOfBirth: '1931-11-02', postcode: 'nr2 4te' }
    let draft = await startDraft(database.db, socialWorker, person, clock)
    expect(draft).toMatchObject({ preferredPostcode: 'NR2 4TE', preferredOutcode: 'NR2' })
    const save = (page: Parameters<typeof saveDraftPage>[3], input: Record<string, unknown>) =>
      saveDraftPage(database.db, socialWorker, draft.id, page, input, clock)
    draft = await save('person', { ...person, postcode: 'NR3 1QX' })
    expect(draft).toMatchObject({ preferredPostcode: 'NR3 1QX', preferredOutcode: 'NR3' })
    draft = await save('location', { preferredPostcode: 'nr1 3qe', maxDistanceMiles: '' })
    expect(draft).toMatchObject({
      preferredPostcode: NEAR_FAMILY.postcode,
      preferredOutcode: 'NR1',
      latitude: NEAR_FAMILY.latitude,
    })
    draft = await save('person', { ...person, postcode: 'NR2 4TE' })
    expect(draft).toMatchObject({
      preferredPostcode: NEAR_FAMILY.postcode,
      preferredOutcode: 'NR1',
      person: { postcode: 'NR2 4TE' },
    })
    draft = await save('location', { preferredPostcode: '', maxDistanceMiles: '' })
    expect(draft).toMatchObject({ preferredPostcode: 'NR2 4TE', preferredOutcode: 'NR2', latitude: null })
  })

  it('saves each page, asks for visits for home care, and submits once everything is answered', async () => {
    let draft = await startDraft(
      database.db,
      socialWorker,
      { name: 'Albert Moss', dateOfBirth: '1931-11-02', postcode: 'NR2 4TE', nhsNumber: '' },
      clock,
    )
    const save = (page: Parameters<typeof saveDraftPage>[3], input: Record<string, unknown>) =>
      saveDraftPage(database.db, socialWorker, draft.id, page, input, clock)
    draft = await save('service-type', { serviceType: 'home_care' })
    draft = await save('needs', {
      clientGroup: 'older_people',
      specialisms: 'dementia',
      needsSummary: 'Mild dementia.',
    })
    draft = await save('location', { preferredPostcode: '', maxDistanceMiles: '10' })
    draft = await save('start', {
      startDate: '2026-03-16',
      urgency: 'emergency',
      inHospital: 'yes',
      emergencyHours: '48',
    })
    draft = await save('price', { usualPricePounds: '', budgetPounds: '22' })
    draft = await save('carers', { carerGender: 'male_required', language: '' })
    draft = await save('notes', { notesForProviders: 'Key safe by the door.' })
    expect(draft).toMatchObject({
      serviceType: 'home_care',
      clientGroup: 'older_people',
      specialisms: ['dementia'],
      maxDistanceMiles: 10,
      startDate: '2026-03-16',
      urgency: 'emergency',
      emergencyHours: 48,
      inHospital: true,
      budgetPence: 2200,
      usualPricePence: null,
      carerGender: 'male_required',
      language: null,
    })
    const noVisits = await validationErrorOf(submit(database.db, socialWorker, draft.id, clock))
    expect(noVisits).toEqual({ visits: 'Answer the question about the home care visits' })

    draft = await addDraftVisit(
      database.db,
      socialWorker,
      draft.id,
      { days: ['mon', 'wed'], windowStart: '7:30', windowEnd: '09.00', durationMinutes: '30', carers: '1' },
      clock,
    )
    draft = await addDraftVisit(
      database.db,
      socialWorker,
      draft.id,
      { days: 'fri', windowStart: '18:00', windowEnd: '19:00', durationMinutes: '60', carers: '2' },
      clock,
    )
    expect(draft.visits.map((v) => [v.days, v.windowStart, v.windowEnd])).toEqual([
      [['mon', 'wed'], '07:30', '09:00'],
      [['fri'], '18:00', '19:00'],
    ])
    draft = await removeDraftVisit(database.db, socialWorker, draft.id, draft.visits[1]?.id as number, clock)
    expect(draft.visits).toHaveLength(1)

    const done = await submit(database.db, socialWorker, draft.id, clock)
    expect(done.status).toBe('submitted')
    await expect(save('notes', { notesForProviders: 'too late' })).rejects.toBeInstanceOf(ConflictError)
  })

  it('drops the visits and carer preferences when the type of care changes from home care', async () => {
    const created = await createRequest(database.db, socialWorker, homeCareRequest(), clock)
    const changed = await saveDraftPage(
      database.db,
      socialWorker,
      created.id,
      'service-type',
      { serviceType: 'nursing' },
      clock,
    )
    expect(changed.visits).toEqual([])
    expect(changed.carerGender).toBeNull()
    expect(changed.priceUnit).toBe('weekly')
  })

  it('keeps a draft to its creator and brokers', async () => {
    const draft = await startDraft(
      database.db,
      socialWorker,
      { name: 'Albert Moss', dateOfBirth: '1931-11-02', postcode: 'NR2 4TE' },
      clock,
    )
    // Outside the social worker's caseload the draft is not there at all.
    await expect(
      saveDraftPage(database.db, anotherSocialWorker, draft.id, 'notes', { notesForProviders: 'x' }, clock),
    ).rejects.toBeInstanceOf(NotFoundError)
    const byBroker = await saveDraftPage(
      database.db,
      broker,
      draft.id,
      'notes',
      { notesForProviders: 'x' },
      clock,
    )
    expect(byBroker.notesForProviders).toBe('x')
  })
})

describe('what is refused at entry', () => {
  it('refuses a person’s postcode the council cannot place in or near its area, naming the field', async () => {
    const placed = await seedCouncil(database, 'RQP', testConfig())
    const [locality] = await database.db
      .insert(localities)
      .values({ councilId: placed.councilId, name: 'Norwich' })
      .returning({ id: localities.id })
    await database.db.insert(councilDistricts).values({
      councilId: placed.councilId,
      outcode: 'NR3',
      localityId: locality?.id as number,
      rural: false,
    })
    const worker = await sessionUserOf(database, placed, 'social_worker')
    // XA1 is no district of the council and has no known centre: nobody could ever be invited for it.
    const outside = careHomeRequest({
      person: { ...(careHomeRequest().person as object), postcode: 'XA1 1AA' },
    })
    expect(await validationErrorOf(createRequest(database.db, worker, outside, clock))).toEqual({
      'person.postcode': 'XA1 1AA is not in or near the council’s area: enter a postcode the council serves',
    })
    expect(
      await validationErrorOf(
        createRequest(database.db, worker, careHomeRequest({ preferredPostcode: 'XA1 1AA' }), clock),
      ),
    ).toEqual({
      preferredPostcode: 'XA1 1AA is not in or near the council’s area: enter a postcode the council serves',
    })
    const draft = await validationErrorOf(
      startDraft(
        database.db,
        worker,
        { name: 'Ada Example', dateOfBirth: '1940-02-03', postcode: 'XA1 1AA' },
        clock,
      ),
    )
    expect(draft).toEqual({
      postcode: 'XA1 1AA is not in or near the council’s area: enter a postcode the council serves',
    })
    // One of its own districts is placed.
    const inside = await createRequest(database.db, worker, careHomeRequest(), clock)
    expect(inside.person.localityId).toBe(locality?.id)
  })

  it('refuses a usual price of £0', async () => {
    expect(
      await validationErrorOf(
        createRequest(database.db, socialWorker, careHomeRequest({ usualPricePounds: '0' }), clock),
      ),
    ).toEqual({ usualPricePounds: 'Usual price must be more than £0' })
  })
})

describe('a broker changing a request', () => {
  it('changes a submitted request with a reason, and refuses one without', async () => {
    const request = await submitted()
    expect(
      await validationErrorOf(
        changeRequest(database.db, broker, request.id, { maxDistanceMiles: '20' }, clock),
      ),
    ).toEqual({ reason: 'Enter why you are changing the request' })
    await expect(
      changeRequest(database.db, socialWorker, request.id, { maxDistanceMiles: '20', reason: 'x' }, clock),
    ).rejects.toBeInstanceOf(ForbiddenError)
    const changed = await changeRequest(
      database.db,
      broker,
      request.id,
      { maxDistanceMiles: '20', reason: 'Nobody within 15 miles' },
      clock,
    )
    expect(changed.request).toMatchObject({ status: 'submitted', maxDistanceMiles: 20 })
    expect(changed.request.version).toBe(request.version + 1)
    expect(changed.changes).toEqual(['maximum distance 15 to 20 miles'])
    expect(changed.eligibility).toBeNull()
    const [audit] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'sourcing_request.changed'), eq(auditLog.entityId, String(request.id))))
    expect(audit?.details).toMatchObject({ reason: 'Nobody within 15 miles' })
  })

  it('decides a published request’s eligibility again, telling the providers no longer invited and inviting the new', async () => {
    const lot = await createLot(
      database.db,
      home.councilId,
      { name: 'Changed DPS', procurement: 'dps', questions: ['Terms?'], opensOn: '2020-01-01' },
      { kind: 'system', label: 'test' },
    )
    const request = await submitted()
    const published = await publish(database.db, broker, request.id, clock)
    expect(published.invitations.invited).toBe(1)
    const narrowed = await changeRequest(
      database.db,
      broker,
      request.id,
      { lotId: String(lot.id), reason: 'Must go through the DPS' },
      clock,
    )
    expect(narrowed.eligibility).toEqual({ round: 2, newlyInvited: 0, noLongerInvited: 1 })
    const told = await database.db
      .select({ subject: inbox.subject })
      .from(inbox)
      .where(and(eq(inbox.providerOrganisationId, home.providerB.id), eq(inbox.councilId, home.councilId)))
    expect(told.map((m) => m.subject)).toContain(
      `Request ${request.id} has changed: your location is no longer eligible`,
    )
    const widened = await changeRequest(
      database.db,
      broker,
      request.id,
      { lotId: 'none', reason: 'The DPS has no one' },
      clock,
    )
    expect(widened.eligibility).toEqual({ round: 3, newlyInvited: 1, noLongerInvited: 0 })
    expect(widened.request.status).toBe('published')
    expect(widened.request.deadlineAt?.toISOString()).toBe(published.request.deadlineAt?.toISOString())
    await moveTo(request.id, ['close'])
    await expect(
      changeRequest(database.db, broker, request.id, { maxDistanceMiles: '30', reason: 'x' }, clock),
    ).rejects.toBeInstanceOf(ConflictError)
  })
})

describe('returning a request to the social worker', () => {
  it('needs a note, lets the social worker change the request and submit it again', async () => {
    const request = await submitted()
    expect(
      await validationErrorOf(
        returnToSocialWorker(database.db, broker, request.id, { ...clock, reason: ' ' }),
      ),
    ).toEqual({ reason: 'Enter a note for the social worker' })
    await expect(
      returnToSocialWorker(database.db, socialWorker, request.id, { ...clock, reason: 'x' }),
    ).rejects.toBeInstanceOf(ForbiddenError)
    const returned = await returnToSocialWorker(database.db, broker, request.id, {
      ...clock,
      reason: 'Say whether she needs a hoist',
    })
    expect(returned.status).toBe('returned')
    await expect(publish(database.db, broker, request.id, clock)).rejects.toBeInstanceOf(ConflictError)
    await saveDraftPage(
      database.db,
      socialWorker,
      request.id,
      'needs',
      {
        clientGroup: 'older_people',
        specialisms: [],
        needsSummary: 'Needs a hoist to move from bed to chair.',
      },
      clock,
    )
    const again = await submit(database.db, socialWorker, request.id, clock)
    expect(again.status).toBe('submitted')
    expect(again.needsSummary).toBe('Needs a hoist to move from bed to chair.')
    const events = await listRequestEvents(database.db, home, request.id)
    expect(events.slice(-2).map((e) => [e.toStatus, e.reason])).toEqual([
      ['returned', 'Say whether she needs a hoist'],
      ['submitted', null],
    ])
  })
})

describe('the lifecycle', () => {
  it('refuses what the state machine refuses, with 409', async () => {
    const request = await submitted()
    await expect(submit(database.db, socialWorker, request.id, clock)).rejects.toThrow(
      'The request is already submitted.',
    )
    await expect(
      closeRequest(database.db, broker, request.id, { ...clock, reason: 'Enough offers' }),
    ).rejects.toBeInstanceOf(ConflictError)
    await expect(republish(database.db, broker, request.id, {}, clock)).rejects.toBeInstanceOf(ConflictError)
  })

  it('lets a social worker submit and cancel only their caseload’s requests, and only brokers publish', async () => {
    const created = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
    await expect(submit(database.db, anotherSocialWorker, created.id, clock)).rejects.toBeInstanceOf(
      NotFoundError,
    )
    await expect(
      cancel(database.db, anotherSocialWorker, created.id, { reason: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError)
    const refusals = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'caseload.refused'), eq(auditLog.entityId, String(created.id))))
    expect(refusals).toHaveLength(2)
    await submit(database.db, socialWorker, created.id, clock)
    await expect(publish(database.db, socialWorker, created.id, clock)).rejects.toBeInstanceOf(ForbiddenError)
    await expect(getRequest(database.db, otherBroker, created.id)).rejects.toThrow('No such request')
  })

  it('lets a colleague in the request’s team act on it, and not once they leave the team', async () => {
    const team = await createTeam(database.db, home.councilId, { name: 'Lifecycle team' }, system)
    for (const email of [home.emails.social_worker, home.emails.council_admin])
      await addTeamMember(database.db, home.councilId, team.id, { email }, system)
    const inTeam = { ...socialWorker, teamIds: [team.id] }
    const colleague = { ...anotherSocialWorker, teamIds: [team.id] }
    const created = await createRequest(database.db, inTeam, careHomeRequest(), clock)
    expect(created.teamId).toBe(team.id)
    expect(
      (await listRequests(database.db, colleague, { teamId: team.id })).requests.map((r) => r.id),
    ).toEqual([created.id])
    await submit(database.db, colleague, created.id, clock)
    await expect(getRequest(database.db, { ...colleague, teamIds: [] }, created.id)).rejects.toBeInstanceOf(
      NotFoundError,
    )
    await cancel(database.db, colleague, created.id, { reason: 'Covering while on leave', ...clock })
    for (const email of [home.emails.social_worker, home.emails.council_admin]) {
      const { id } = await sessionUserOf(
        database,
        home,
        email === home.emails.social_worker ? 'social_worker' : 'council_admin',
      )
      await removeTeamMember(database.db, home.councilId, team.id, id, system)
    }
  })

  it('needs a reason to cancel, keeps it, and cannot cancel twice', async () => {
    const request = await submitted()
    const blank = await validationErrorOf(
      cancel(database.db, socialWorker, request.id, { reason: '  ', ...clock }),
    )
    expect(blank.reason).toBe('Enter a reason for cancelling the request')
    const cancelled = await cancel(database.db, socialWorker, request.id, {
      reason: 'The person chose to arrange their own care',
      ...clock,
    })
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.cancelReason).toBe('The person chose to arrange their own care')
    const events = await listRequestEvents(database.db, home, request.id)
    expect(events.at(-1)).toMatchObject({
      fromStatus: 'submitted',
      toStatus: 'cancelled',
      reason: 'The person chose to arrange their own care',
    })
    await expect(cancel(database.db, broker, request.id, { reason: 'again', ...clock })).rejects.toThrow(
      'The request is already cancelled.',
    )
  })

  it('changes a request only at the version its caller saw', async () => {
    const created = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
    const stale = await findRequestRow(database.db, home.councilId, created.id)
    if (!stale) throw new Error('no row')
    await submit(database.db, socialWorker, created.id, { ...clock, expectedVersion: stale.version })
    await expect(
      cancel(database.db, socialWorker, created.id, { reason: 'x', expectedVersion: stale.version }),
    ).rejects.toThrow('This request has changed since you opened it.')
    // A transition from a stale read loses, even when the state machine would allow it.
    await expect(
      database.db.transaction((tx) =>
        transitionRequest(
          tx,
          { ...stale, status: 'submitted' },
          'cancel',
          { kind: 'system', label: 'test' },
          { reason: 'x' },
        ),
      ),
    ).rejects.toThrow('The request was changed by someone else at the same time.')
  })

  it('lets exactly one of two simultaneous submissions win', async () => {
    const created = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
    const outcomes = await Promise.allSettled([
      submit(database.db, socialWorker, created.id, clock),
      submit(database.db, broker, created.id, clock),
    ])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const [refused] = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[]
    expect(refused?.reason).toBeInstanceOf(ConflictError)
    const events = await database.db
      .select()
      .from(requestEvents)
      .where(eq(requestEvents.requestId, created.id))
    expect(events.filter((e) => e.toStatus === 'submitted')).toHaveLength(1)
  })

  it('closes idempotently: closing a closed request adds nothing', async () => {
    const request = await submitted()
    await database.db.transaction(async (tx) => {
      const row = await findRequestRow(tx, home.councilId, request.id)
      if (!row) throw new Error('no row')
      await transitionRequest(
        tx,
        row,
        'publish',
        { kind: 'system', label: 'test' },
        {
          now: NOW,
          set: { publishedAt: NOW, deadlineAt: new Date('2026-03-09T10:00:00Z') },
        },
      )
    })
    expect(
      await validationErrorOf(closeRequest(database.db, broker, request.id, { ...clock, reason: '  ' })),
    ).toEqual({ reason: 'Enter why you are closing the request to offers early' })
    const closed = await closeRequest(database.db, broker, request.id, {
      ...clock,
      reason: 'Three good offers are in',
    })
    expect(closed.status).toBe('closed')
    expect(closed.closedAt?.toISOString()).toBe(NOW.toISOString())
    expect(closed.deadlineAt?.toISOString()).toBe('2026-03-09T10:00:00.000Z')
    const again = await closeRequest(database.db, broker, request.id, {
      now: new Date('2026-03-03T10:00:00Z'),
      reason: 'Again',
    })
    expect(again.version).toBe(closed.version)
    expect(again.closedAt?.toISOString()).toBe(NOW.toISOString())
    const events = await listRequestEvents(database.db, home, request.id)
    expect(events.filter((e) => e.toStatus === 'closed')).toHaveLength(1)
    expect(events.at(-1)?.reason).toBe('Closed early: Three good offers are in')
  })

  it('lists the council’s requests by status, newest change first', async () => {
    const { requests, total } = await listRequests(
      database.db,
      { councilId: home.councilId },
      { status: 'cancelled' },
    )
    expect(total).toBeGreaterThan(0)
    expect(requests.every((r) => r.status === 'cancelled')).toBe(true)
    const elsewhere = await listRequests(database.db, { councilId: other.councilId })
    expect(elsewhere.total).toBe(0)
  })
})

describe('publishing', () => {
  it('stores the deadline from the council’s windows and calendar, the round and the history', async () => {
    const request = await submitted(careHomeRequest({ startDate: '2026-03-20' }))
    const result = await publish(database.db, broker, request.id, clock)
    // 18 days before the start: 5 working days from Monday 2 March.
    expect(result.window.deadline.toISOString()).toBe('2026-03-09T10:00:00.000Z')
    expect(result.round).toBe(1)
    expect(result.request.status).toBe('published')
    expect(result.request.publishedAt?.toISOString()).toBe(NOW.toISOString())
    expect(result.request.deadlineAt?.toISOString()).toBe('2026-03-09T10:00:00.000Z')
    expect(result.invitations).toBeDefined()
    const events = await listRequestEvents(database.db, home, request.id)
    expect(events.at(-1)).toMatchObject({
      fromStatus: 'submitted',
      toStatus: 'published',
      actor: broker.email,
    })
  })

  it('skips the bank holidays in the council’s calendar, as its admin keeps it', async () => {
    // Thursday 2 April 2026, 10:00 BST: Good Friday and Easter Monday follow.
    const easter = { now: new Date('2026-04-02T09:00:00Z') }
    const first = await createRequest(
      database.db,
      socialWorker,
      careHomeRequest({ startDate: '2026-04-20' }),
      easter,
    )
    await submit(database.db, socialWorker, first.id, easter)
    const withHolidays = await publish(database.db, broker, first.id, easter)
    expect(withHolidays.request.deadlineAt?.toISOString()).toBe('2026-04-13T09:00:00.000Z')

    await removeBankHoliday(database.db, home.councilId, '2026-04-06', { kind: 'system', label: 'test' })
    const second = await createRequest(
      database.db,
      socialWorker,
      careHomeRequest({ startDate: '2026-04-20' }),
      easter,
    )
    await submit(database.db, socialWorker, second.id, easter)
    const withoutEasterMonday = await publish(database.db, broker, second.id, easter)
    expect(withoutEasterMonday.request.deadlineAt?.toISOString()).toBe('2026-04-10T09:00:00.000Z')
  })

  it('gives an emergency the window the broker chose', async () => {
    const request = await submitted(
      careHomeRequest({ urgency: 'emergency', emergencyHours: 48, inHospital: true }),
    )
    const result = await publish(database.db, broker, request.id, clock)
    expect(result.window.kind).toBe('emergency')
    expect(result.request.deadlineAt?.toISOString()).toBe('2026-03-04T10:00:00.000Z')
  })

  it('republishes an unsourced request only wider, as a new round', async () => {
    const lot = await createLot(
      database.db,
      home.councilId,
      { name: 'Care homes DPS', procurement: 'dps', questions: ['Terms?'], opensOn: '2020-01-01' },
      { kind: 'system', label: 'test' },
    )
    const request = await submitted(careHomeRequest({ budgetPounds: '800', lotId: lot.id }))
    // Nobody is admitted to the lot: publishing is refused, saying why, and nothing changes.
    const refused = await publish(database.db, broker, request.id, clock).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(NobodyToInviteError)
    expect((refused as NobodyToInviteError).statusCode).toBe(422)
    expect((refused as NobodyToInviteError).exclusions).toEqual([
      { code: 'distance_unknown', label: 'cannot be measured from the preferred postcode', count: 1 },
      { code: 'not_on_lot', label: 'are not admitted to the DPS lot', count: 1 },
    ])
    expect((await getRequest(database.db, home, request.id)).status).toBe('submitted')
    expect(
      await database.db
        .select()
        .from(eligibilityDecisions)
        .where(eq(eligibilityDecisions.requestId, request.id)),
    ).toEqual([])
    await moveTo(request.id, ['publish', 'close', 'markUnsourced'])

    const narrower = await validationErrorOf(
      republish(database.db, broker, request.id, { maxDistanceMiles: '10', budgetPounds: '700' }, clock),
    )
    expect(narrower.maxDistanceMiles).toBe('Republishing can only widen the search: enter 15 miles or more')
    expect(narrower.budgetPounds).toBe(
      'Republishing can only widen the search: enter a budget of £800.00 or more',
    )

    const later = { now: new Date('2026-03-10T10:00:00Z') }
    const result = await republish(
      database.db,
      broker,
      request.id,
      { maxDistanceMiles: '25', budgetPounds: '900', lotId: 'none' },
      later,
    )
    expect(result.round).toBe(2)
    expect(result.request).toMatchObject({
      status: 'published',
      maxDistanceMiles: 25,
      budgetPence: 90_000,
      lotId: null,
      closedAt: null,
    })
    expect(result.request.deadlineAt?.toISOString()).toBe('2026-03-17T10:00:00.000Z')
    const events = await listRequestEvents(database.db, home, request.id)
    expect(events.at(-1)?.reason).toBe(
      'Widened: maximum distance 15 to 25 miles; budget £800.00 to £900.00; open to all providers, not only a DPS lot',
    )
  })
})

describe('the table', () => {
  /** The name of the check constraint a failed statement broke, whichever driver wrapped the error. */
  async function brokenConstraint(statement: Promise<unknown>): Promise<string | undefined> {
    let current: unknown = await statement.then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(current, 'the statement was refused').toBeDefined()
    for (let depth = 0; current && depth < 5; depth++) {
      const { constraint } = current as { constraint?: string }
      if (constraint) return constraint
      current = (current as { cause?: unknown }).cause
    }
    return undefined
  }

  it('refuses a request past draft without an answer, and keeps a draft without them', async () => {
    const draft = await startDraft(
      database.db,
      socialWorker,
      { name: 'Albert Moss', dateOfBirth: '1931-11-02', postcode: 'NR2 4TE' },
      clock,
    )
    const ofDraft = eq(sourcingRequests.id, draft.id)
    expect(
      await brokenConstraint(
        database.db.update(sourcingRequests).set({ status: 'submitted' }).where(ofDraft),
      ),
    ).toBe('sourcing_requests_answered_unless_draft')

    const request = await submitted()
    const ofRequest = eq(sourcingRequests.id, request.id)
    for (const unanswered of [
      { serviceType: null },
      { clientGroup: null },
      { needsSummary: null },
      { startDate: null },
    ])
      expect(
        await brokenConstraint(database.db.update(sourcingRequests).set(unanswered).where(ofRequest)),
        Object.keys(unanswered)[0],
      ).toBe('sourcing_requests_answered_unless_draft')
    const row = await findRequestRow(database.db, home.councilId, request.id)
    expect(answeredRow(row as NonNullable<typeof row>)).toMatchObject({
      serviceType: 'residential',
      startDate: '2026-03-20',
    })
  })
})

describe('the case system’s person and case IDs', () => {
  it('are kept on the request as typed, trimmed, changed with the person, and found in any case within the council', async () => {
    const created = await createRequest(
      database.db,
      broker,
      careHomeRequest({ personRef: ' MOS 1001 ', caseRef: 'CASE-88\u2003/ 2' }),
      clock,
    )
    expect(created).toMatchObject({ personRef: 'MOS 1001', caseRef: 'CASE-88 / 2' })
    const person = { name: 'Albert Moss', dateOfBirth: '1931-11-02', postcode: 'NR2 4TE' }
    const draft = await startDraft(database.db, socialWorker, { ...person, personRef: 'mos 1002' }, clock)
    expect(draft).toMatchObject({ personRef: 'mos 1002', caseRef: null })
    const changed = await saveDraftPage(
      database.db,
      socialWorker,
      draft.id,
      'person',
      { ...person, personRef: '', caseRef: 'case-88 / 2' },
      clock,
    )
    expect(changed).toMatchObject({ personRef: null, caseRef: 'case-88 / 2' })
    await createRequest(database.db, otherBroker, careHomeRequest({ personRef: 'MOS 1001' }), clock)

    const ids = async (externalRef: string, councilId = home.councilId) =>
      (await listRequests(database.db, { councilId }, { externalRef })).requests.map((r) => r.id).sort()
    expect(await ids('mos 1001')).toEqual([created.id])
    expect(await ids('Case-88 / 2')).toEqual([created.id, draft.id].sort())
    expect(await ids('MOS 100')).toEqual([])
    expect(await ids('mos 1002')).toEqual([])
    expect(
      (await listRequests(database.db, { councilId: other.councilId }, { externalRef: 'mos 1001' })).total,
    ).toBe(1)
  })

  it('refuses an ID on more than one line, with control characters, or longer than 100 characters', async () => {
    const errors = await validationErrorOf(
      createRequest(
        database.db,
        broker,
        careHomeRequest({ personRef: 'MOS\t1001', caseRef: 'C'.repeat(101) }),
        clock,
      ),
    )
    expect(errors).toEqual({
      personRef: 'Case system person ID must be letters, numbers and punctuation on one line',
      caseRef: 'Case or service agreement ID must be 100 characters or fewer',
    })
    const fine = await createRequest(
      database.db,
      broker,
      careHomeRequest({ personRef: 'P'.repeat(100), caseRef: null }),
      clock,
    )
    expect(fine).toMatchObject({ personRef: 'P'.repeat(100), caseRef: null })
  })
})
