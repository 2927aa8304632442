import { and, eq, like, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog, locations, lotMembershipEvents, lotMemberships } from '../../db/schema.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import {
  admittedLocations,
  apply,
  createLot,
  decide,
  getMembership,
  listLots,
  membershipHistory,
  type NewLot,
  providerMemberships,
} from './service.ts'

const commissioner = { kind: 'system', label: 'commissioner test' } as const
const provider = { kind: 'system', label: 'provider test' } as const

let database: DatabaseHandle
let home: Fixture
let other: Fixture
/** A second location of home's provider A, a home care office. */
let homeCareLocationId: number
let lotNumber = 0

beforeAll(async () => {
  database = await createTestDatabase()
  const config = testConfig()
  home = await seedCouncil(database, 'FWS', config)
  other = await seedCouncil(database, 'FWO', config)
  const [office] = await database.db
    .insert(locations)
    .values({
      councilId: home.councilId,
      providerOrganisationId: home.providerA.id,
      cqcLocationId: '1-FWS-OFFICE',
      name: 'FWS A Home Care Office',
      address: '2 A Street',
      serviceTypes: ['home_care'],
    })
    .returning()
  homeCareLocationId = office?.id as number
})
afterAll(async () => database.close())

function newLot(overrides: Partial<NewLot> = {}): NewLot {
  lotNumber += 1
  return {
    name: `Lot ${lotNumber}`,
    procurement: 'dps',
    questions: ['Do you accept the terms?', 'How many staff are trained in dementia care?'],
    opensOn: '2025-01-01',
    ...overrides,
  }
}

const scopeA = () => ({ councilId: home.councilId, providerOrganisationId: home.providerA.id })
const answers = { q1: 'Yes', q2: 'Twelve' }

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

async function fieldsOf(promise: Promise<unknown>): Promise<Record<string, string>> {
  const error = await errorOf(promise)
  expect(error).toBeInstanceOf(ValidationError)
  return Object.fromEntries((error as ValidationError).errors.map((e) => [e.field, e.message]))
}

describe('creating lots', () => {
  it('creates a lot with numbered questions, and audits it', async () => {
    const lot = await createLot(
      database.db,
      home.councilId,
      newLot({
        name: 'Home support – North locality',
        serviceType: 'home_care',
        procurement: 'framework',
        closesOn: '2025-03-31',
      }),
      commissioner,
    )
    expect(lot).toMatchObject({
      name: 'Home support – North locality',
      procurement: 'framework',
      serviceType: 'home_care',
      opensOn: '2025-01-01',
      closesOn: '2025-03-31',
      questions: [
        { id: 'q1', text: 'Do you accept the terms?' },
        { id: 'q2', text: 'How many staff are trained in dementia care?' },
      ],
    })
    const [entry] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'framework_lot.created'), eq(auditLog.entityId, String(lot.id))))
    expect(entry).toMatchObject({ councilId: home.councilId, actor: 'commissioner test' })
  })

  it('explains every problem with a new lot', async () => {
    const fields = await fieldsOf(
      createLot(
        database.db,
        home.councilId,
        { name: ' ', procurement: 'auction', questions: [], opensOn: '1 April' } as unknown as NewLot,
        commissioner,
      ),
    )
    expect(fields).toEqual({
      name: 'Enter a name for the lot',
      procurement: 'Choose a framework or a dynamic purchasing system',
      questions: 'Enter at least one question',
      opensOn: 'Enter the date applications open',
    })
  })

  it('needs a closing date for a framework, refuses one for a DPS, and keeps them in order', async () => {
    expect(
      await fieldsOf(
        createLot(database.db, home.councilId, newLot({ procurement: 'framework' }), commissioner),
      ),
    ).toEqual({
      closesOn: 'Enter the date applications close',
    })
    expect(
      await fieldsOf(
        createLot(database.db, home.councilId, newLot({ closesOn: '2025-12-31' }), commissioner),
      ),
    ).toEqual({
      closesOn: 'A dynamic purchasing system is always open: leave the closing date empty',
    })
    expect(
      await fieldsOf(
        createLot(
          database.db,
          home.councilId,
          newLot({ procurement: 'framework', closesOn: '2024-12-31' }),
          commissioner,
        ),
      ),
    ).toEqual({ closesOn: 'The closing date must be on or after the opening date' })
  })

  it('takes 1 to 20 questions and a known service type', async () => {
    const questions = Array.from({ length: 21 }, (_, i) => `Question ${i + 1}`)
    expect(
      await fieldsOf(createLot(database.db, home.councilId, newLot({ questions }), commissioner)),
    ).toEqual({
      questions: 'Enter no more than 20 questions',
    })
    const twenty = await createLot(
      database.db,
      home.councilId,
      newLot({ questions: questions.slice(0, 20) }),
      commissioner,
    )
    expect(twenty.questions.at(-1)).toEqual({ id: 'q20', text: 'Question 20' })
    expect(
      await fieldsOf(
        createLot(database.db, home.councilId, newLot({ serviceType: 'hospital' as never }), commissioner),
      ),
    ).toEqual({ serviceType: 'Choose a service type from the list' })
  })

  it('refuses a second lot of the same name in a council, but not in another council', async () => {
    await createLot(database.db, home.councilId, newLot({ name: 'Older people’s care homes' }), commissioner)
    const error = await errorOf(
      createLot(database.db, home.councilId, newLot({ name: 'Older people’s care homes' }), commissioner),
    )
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as Error).message).toBe('A lot called “Older people’s care homes” already exists')
    const elsewhere = await createLot(
      database.db,
      other.councilId,
      newLot({ name: 'Older people’s care homes' }),
      commissioner,
    )
    expect(elsewhere.councilId).toBe(other.councilId)
  })
})

describe('applying', () => {
  it('records an application for the provider’s own location, with its answers, history and audit', async () => {
    const lot = await createLot(database.db, home.councilId, newLot(), commissioner)
    const membership = await apply(
      database.db,
      scopeA(),
      lot.id,
      { locationId: home.providerA.locationId, answers: { q1: ' Yes ', q2: 'Twelve', q9: 'ignored' } },
      provider,
      { today: '2025-02-03' },
    )
    expect(membership).toMatchObject({
      lotId: lot.id,
      locationId: home.providerA.locationId,
      locationName: 'FWS A House',
      providerName: 'FWS Care A Ltd',
      status: 'applied',
      answers: { q1: 'Yes', q2: 'Twelve' },
      since: '2025-02-03',
    })
    expect(await membershipHistory(database.db, home.councilId, membership.id)).toMatchObject([
      { status: 'applied', effectiveOn: '2025-02-03', reason: null, actor: 'provider test' },
    ])
    const [entry] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'lot_membership.applied'), eq(auditLog.entityId, String(membership.id))))
    expect(entry?.details).toEqual({
      lotId: lot.id,
      locationId: home.providerA.locationId,
      from: null,
      to: 'applied',
      effectiveOn: '2025-02-03',
    })
  })

  it('treats another provider’s location, or another council’s, as not found', async () => {
    const lot = await createLot(database.db, home.councilId, newLot(), commissioner)
    for (const locationId of [home.providerB.locationId, other.providerA.locationId]) {
      const error = await errorOf(apply(database.db, scopeA(), lot.id, { locationId, answers }, provider))
      expect(error).toBeInstanceOf(NotFoundError)
    }
    const otherLot = await createLot(database.db, other.councilId, newLot(), commissioner)
    expect(
      await errorOf(
        apply(
          database.db,
          scopeA(),
          otherLot.id,
          { locationId: home.providerA.locationId, answers },
          provider,
        ),
      ),
    ).toBeInstanceOf(NotFoundError)
  })

  it('requires a location and an answer to every question', async () => {
    const lot = await createLot(database.db, home.councilId, newLot(), commissioner)
    expect(
      await fieldsOf(
        apply(database.db, scopeA(), lot.id, { locationId: '', answers: { q1: 'Yes' } }, provider),
      ),
    ).toEqual({
      locationId: 'Choose a location',
      'answers.q2': 'Answer question 2',
    })
    expect(
      await fieldsOf(
        apply(
          database.db,
          scopeA(),
          lot.id,
          { locationId: home.providerA.locationId, answers: { q1: '  ', q2: 'x' } },
          provider,
        ),
      ),
    ).toEqual({ 'answers.q1': 'Answer question 1' })
  })

  it('refuses a second application, and one outside a framework’s window', async () => {
    const lot = await createLot(database.db, home.councilId, newLot(), commissioner)
    const input = { locationId: home.providerA.locationId, answers }
    await apply(database.db, scopeA(), lot.id, input, provider)
    const again = await errorOf(apply(database.db, scopeA(), lot.id, input, provider))
    expect(again).toBeInstanceOf(ConflictError)
    expect((again as Error).message).toBe('This location has already applied to this lot')

    const closed = await createLot(
      database.db,
      home.councilId,
      newLot({ procurement: 'framework', closesOn: '2025-03-31' }),
      commissioner,
    )
    const late = await errorOf(
      apply(database.db, scopeA(), closed.id, input, provider, { today: '2025-04-01' }),
    )
    expect(late).toBeInstanceOf(ConflictError)
    expect((late as Error).message).toBe('Applications closed on 31 March 2025')
    const early = await errorOf(
      apply(database.db, scopeA(), closed.id, input, provider, { today: '2024-12-31' }),
    )
    expect((early as Error).message).toBe('Applications open on 1 January 2025')
  })

  it('admits only locations registered for the lot’s service type', async () => {
    const lot = await createLot(
      database.db,
      home.councilId,
      newLot({ serviceType: 'home_care' }),
      commissioner,
    )
    const refused = await errorOf(
      apply(database.db, scopeA(), lot.id, { locationId: home.providerA.locationId, answers }, provider),
    )
    expect(refused).toBeInstanceOf(ConflictError)
    expect((refused as Error).message).toContain('This lot is for home care')
    const office = await apply(
      database.db,
      scopeA(),
      lot.id,
      { locationId: homeCareLocationId, answers },
      provider,
    )
    expect(office.status).toBe('applied')
  })

  it('lets a rejected location apply again to a DPS but not to a framework', async () => {
    const input = { locationId: home.providerA.locationId, answers }
    const dpsLot = await createLot(database.db, home.councilId, newLot(), commissioner)
    const first = await apply(database.db, scopeA(), dpsLot.id, input, provider, { today: '2025-02-01' })
    await decide(
      database.db,
      home.councilId,
      dpsLot.id,
      first.id,
      { decision: 'reject', reason: 'No dementia training' },
      commissioner,
      {
        today: '2025-02-05',
      },
    )
    const second = await apply(
      database.db,
      scopeA(),
      dpsLot.id,
      { ...input, answers: { q1: 'Yes', q2: 'Thirty' } },
      provider,
      {
        today: '2025-03-01',
      },
    )
    expect(second).toMatchObject({
      id: first.id,
      status: 'applied',
      answers: { q1: 'Yes', q2: 'Thirty' },
      since: '2025-03-01',
    })
    expect((await membershipHistory(database.db, home.councilId, first.id)).map((e) => e.status)).toEqual([
      'applied',
      'rejected',
      'applied',
    ])

    const frameworkLot = await createLot(
      database.db,
      home.councilId,
      newLot({ procurement: 'framework', closesOn: '2025-12-31' }),
      commissioner,
    )
    const applied = await apply(database.db, scopeA(), frameworkLot.id, input, provider, {
      today: '2025-02-01',
    })
    await decide(
      database.db,
      home.councilId,
      frameworkLot.id,
      applied.id,
      { decision: 'reject', reason: 'Late' },
      commissioner,
    )
    const refused = await errorOf(
      apply(database.db, scopeA(), frameworkLot.id, input, provider, { today: '2025-03-01' }),
    )
    expect(refused).toBeInstanceOf(ConflictError)
  })

  it('lists a provider’s own memberships only', async () => {
    const lot = await createLot(
      database.db,
      home.councilId,
      newLot({ name: 'Provider list lot' }),
      commissioner,
    )
    await apply(database.db, scopeA(), lot.id, { locationId: home.providerA.locationId, answers }, provider)
    await apply(
      database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerB.id },
      lot.id,
      { locationId: home.providerB.locationId, answers },
      provider,
    )
    const mine = (await providerMemberships(database.db, scopeA())).filter((m) => m.lotId === lot.id)
    expect(mine.map((m) => [m.lotName, m.locationName, m.status])).toEqual([
      ['Provider list lot', 'FWS A House', 'applied'],
    ])
  })
})

describe('deciding', () => {
  async function application(today = '2025-02-01') {
    const lot = await createLot(database.db, home.councilId, newLot(), commissioner)
    const membership = await apply(
      database.db,
      scopeA(),
      lot.id,
      { locationId: home.providerA.locationId, answers },
      provider,
      { today },
    )
    return { lot, membership }
  }

  it('admits, suspends, reinstates and removes, keeping every step with its reason', async () => {
    const { lot, membership } = await application()
    const steps = [
      { decision: 'admit', effectiveOn: '2025-02-10' },
      { decision: 'suspend', effectiveOn: '2025-05-01', reason: 'CQC rated inadequate' },
      { decision: 'reinstate', effectiveOn: '2025-07-01', reason: 'Re-inspected: good' },
      { decision: 'remove', effectiveOn: '2025-09-01', reason: 'Provider asked to leave' },
    ] as const
    for (const step of steps)
      await decide(database.db, home.councilId, lot.id, membership.id, step, commissioner)
    const detail = await getMembership(database.db, home.councilId, lot.id, membership.id)
    expect(detail).toMatchObject({
      status: 'removed',
      since: '2025-09-01',
      reason: 'Provider asked to leave',
    })
    expect(detail.history.map((e) => [e.status, e.effectiveOn, e.reason])).toEqual([
      ['applied', '2025-02-01', null],
      ['admitted', '2025-02-10', null],
      ['suspended', '2025-05-01', 'CQC rated inadequate'],
      ['admitted', '2025-07-01', 'Re-inspected: good'],
      ['removed', '2025-09-01', 'Provider asked to leave'],
    ])
    const entries = await database.db
      .select()
      .from(auditLog)
      .where(and(like(auditLog.action, 'lot_membership.%'), eq(auditLog.entityId, String(membership.id))))
    expect(entries.map((e) => e.action)).toEqual([
      'lot_membership.applied',
      'lot_membership.admit',
      'lot_membership.suspend',
      'lot_membership.reinstate',
      'lot_membership.remove',
    ])
    expect(entries[2]?.details).toMatchObject({
      from: 'admitted',
      to: 'suspended',
      reason: 'CQC rated inadequate',
    })
  })

  it('requires a reason to reject, suspend or remove', async () => {
    const { lot, membership } = await application()
    expect(
      await fieldsOf(
        decide(
          database.db,
          home.councilId,
          lot.id,
          membership.id,
          { decision: 'reject', reason: '  ' },
          commissioner,
        ),
      ),
    ).toEqual({ reason: 'Give the reason for the decision to reject this location' })
    expect(
      await fieldsOf(
        decide(
          database.db,
          home.councilId,
          lot.id,
          membership.id,
          { decision: 'approve' } as never,
          commissioner,
        ),
      ),
    ).toEqual({
      decision: 'Choose a decision',
    })
  })

  it('refuses a decision the status does not allow, and one dated before the current status', async () => {
    const { lot, membership } = await application('2025-03-01')
    const suspend = await errorOf(
      decide(
        database.db,
        home.councilId,
        lot.id,
        membership.id,
        { decision: 'suspend', reason: 'x' },
        commissioner,
      ),
    )
    expect(suspend).toBeInstanceOf(ConflictError)
    expect((suspend as Error).message).toBe('The membership is applied, so it cannot be suspended')
    expect(
      await fieldsOf(
        decide(
          database.db,
          home.councilId,
          lot.id,
          membership.id,
          { decision: 'admit', effectiveOn: '2025-02-28' },
          commissioner,
        ),
      ),
    ).toEqual({
      effectiveOn: 'The decision cannot take effect before 2025-03-01, when the current status took effect',
    })
  })

  it('does not reach another council’s membership, or one of another lot', async () => {
    const { lot, membership } = await application()
    const elsewhere = await errorOf(
      decide(database.db, other.councilId, lot.id, membership.id, { decision: 'admit' }, commissioner),
    )
    expect(elsewhere).toBeInstanceOf(NotFoundError)
    const otherLot = await createLot(database.db, home.councilId, newLot(), commissioner)
    expect(
      await errorOf(
        decide(database.db, home.councilId, otherLot.id, membership.id, { decision: 'admit' }, commissioner),
      ),
    ).toBeInstanceOf(NotFoundError)
    expect(await errorOf(membershipHistory(database.db, other.councilId, membership.id))).toBeInstanceOf(
      NotFoundError,
    )
  })

  it('lets exactly one of two commissioners deciding at once succeed', async () => {
    const { lot, membership } = await application()
    const results = await Promise.allSettled([
      decide(
        database.db,
        home.councilId,
        lot.id,
        membership.id,
        { decision: 'admit', expectedStatus: 'applied' },
        commissioner,
      ),
      decide(
        database.db,
        home.councilId,
        lot.id,
        membership.id,
        { decision: 'reject', reason: 'Incomplete answers', expectedStatus: 'applied' },
        commissioner,
      ),
    ])
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError)
    const winner = (won[0] as PromiseFulfilledResult<{ status: string }>).value.status
    const detail = await getMembership(database.db, home.councilId, lot.id, membership.id)
    expect(detail.status).toBe(winner)
    expect(detail.history.map((e) => e.status)).toEqual(['applied', winner])
    const decisions = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, 'lot_membership'), eq(auditLog.entityId, String(membership.id))))
    expect(decisions).toHaveLength(2)
  })

  // PGlite runs one transaction at a time, so only a server shows the conditional update refusing.
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'refuses a decision whose row another commissioner changed while it waited for the lock',
    async () => {
      const { lot, membership } = await application()
      const { pending } = await database.db.transaction(async (tx) => {
        await tx
          .update(lotMemberships)
          .set({ status: 'admitted' })
          .where(eq(lotMemberships.id, membership.id))
        const pending = decide(
          database.db,
          home.councilId,
          lot.id,
          membership.id,
          { decision: 'reject', reason: 'Too late' },
          commissioner,
        ).then(
          () => null,
          (error: unknown) => error,
        )
        let settled = false
        void pending.then(() => {
          settled = true
        })
        // Commit only once the decision has read 'applied' and is queued behind this transaction's row lock.
        while (!settled) {
          const waiting = await database.db.execute(
            sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          )
          if ((waiting as unknown as { rows: { n: number }[] }).rows[0]?.n) break
        }
        return { pending }
      })
      const error = await pending
      expect(error).toBeInstanceOf(ConflictError)
      expect((error as Error).message).toMatch(/^Someone else decided on this membership at the same moment/)
      expect(
        (await membershipHistory(database.db, home.councilId, membership.id)).map((e) => e.status),
      ).toEqual(['applied'])
    },
  )

  it('gives the loser of a race a conflict even when it did not say what it expected', async () => {
    const { lot, membership } = await application()
    const results = await Promise.allSettled(
      [1, 2].map(() =>
        decide(database.db, home.councilId, lot.id, membership.id, { decision: 'admit' }, commissioner),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(lost.reason).toBeInstanceOf(ConflictError)
    const events = await database.db
      .select()
      .from(lotMembershipEvents)
      .where(eq(lotMembershipEvents.membershipId, membership.id))
    expect(events.map((e) => e.status)).toEqual(['applied', 'admitted'])
  })
})

describe('admitted locations on a date', () => {
  it('answers from the dated history: suspensions, reinstatement, removal and future decisions', async () => {
    const lot = await createLot(database.db, home.councilId, newLot({ name: 'Dated lot' }), commissioner)
    const house = await apply(
      database.db,
      scopeA(),
      lot.id,
      { locationId: home.providerA.locationId, answers },
      provider,
      {
        today: '2025-01-10',
      },
    )
    const office = await apply(
      database.db,
      scopeA(),
      lot.id,
      { locationId: homeCareLocationId, answers },
      provider,
      {
        today: '2025-01-12',
      },
    )
    const b = await apply(
      database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerB.id },
      lot.id,
      { locationId: home.providerB.locationId, answers },
      provider,
      { today: '2025-01-15' },
    )
    const run = (id: number, decision: string, effectiveOn: string, reason = 'reason') =>
      decide(
        database.db,
        home.councilId,
        lot.id,
        id,
        { decision, effectiveOn, reason } as never,
        commissioner,
      )
    await run(house.id, 'admit', '2025-02-01')
    await run(house.id, 'suspend', '2025-04-01')
    await run(house.id, 'reinstate', '2025-05-01')
    await run(office.id, 'admit', '2025-03-01')
    await run(office.id, 'remove', '2025-06-01')
    await run(b.id, 'reject', '2025-02-01')

    const on = (date: string) => admittedLocations(database.db, home.councilId, lot.id, date)
    expect(await on('2025-01-31')).toEqual([])
    expect(await on('2025-02-01')).toEqual([home.providerA.locationId])
    expect(await on('2025-03-15')).toEqual(
      [home.providerA.locationId, homeCareLocationId].sort((x, y) => x - y),
    )
    expect(await on('2025-04-15')).toEqual([homeCareLocationId])
    expect(await on('2025-05-01')).toEqual(
      [home.providerA.locationId, homeCareLocationId].sort((x, y) => x - y),
    )
    expect(await on('2025-06-01')).toEqual([home.providerA.locationId])

    // A suspension recorded now to take effect later leaves the location admitted until then.
    await run(house.id, 'suspend', '2025-08-01')
    expect(await on('2025-07-31')).toEqual([home.providerA.locationId])
    expect(await on('2025-08-01')).toEqual([])
  })

  it('is scoped to the council and checks the date', async () => {
    const lot = await createLot(database.db, home.councilId, newLot(), commissioner)
    expect(
      await errorOf(admittedLocations(database.db, other.councilId, lot.id, '2025-01-01')),
    ).toBeInstanceOf(NotFoundError)
    expect(await fieldsOf(admittedLocations(database.db, home.councilId, lot.id, '01/02/2025'))).toEqual({
      on: 'Enter a date',
    })
  })

  it('counts each lot’s memberships by status', async () => {
    const lot = await createLot(database.db, home.councilId, newLot({ name: 'Counted lot' }), commissioner)
    const a = await apply(
      database.db,
      scopeA(),
      lot.id,
      { locationId: home.providerA.locationId, answers },
      provider,
    )
    await apply(database.db, scopeA(), lot.id, { locationId: homeCareLocationId, answers }, provider)
    await decide(database.db, home.councilId, lot.id, a.id, { decision: 'admit' }, commissioner)
    const counted = (await listLots(database.db, home.councilId)).find((l) => l.id === lot.id)
    expect(counted?.counts).toEqual({ applied: 1, admitted: 1, rejected: 0, suspended: 0, removed: 0 })
    expect((await listLots(database.db, other.councilId)).some((l) => l.id === lot.id)).toBe(false)
  })
})
