import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import type { Actor } from '../../audit/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog, locationRatings, locations } from '../../db/schema.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { restrictionEffect } from './rules.ts'
import {
  activeRestrictions,
  effectiveRatings,
  liftRestriction,
  locationQuality,
  placeRestriction,
  ratingHistory,
  recordCqcRating,
  recordCqcRatings,
  recordPammsAudit,
  restrictionRegister,
  todayInLondon,
} from './service.ts'

let database: DatabaseHandle
let home: Fixture
let other: Fixture
const commissioner: Actor = { kind: 'system', label: 'quality test' }
const cqcImport: Actor = { kind: 'system', label: 'cqc import' }

beforeAll(async () => {
  database = await createTestDatabase()
  const config = testConfig()
  home = await seedCouncil(database, 'QSV', config)
  other = await seedCouncil(database, 'QSO', config)
})
afterAll(async () => database.close())

async function validationErrors(promise: Promise<unknown>): Promise<Record<string, string>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  return Object.fromEntries((error as ValidationError).errors.map((e) => [e.field, e.message]))
}

async function auditEntries(action: string) {
  return database.db.select().from(auditLog).where(eq(auditLog.action, action))
}

async function newLocation(
  fixture: Fixture,
  name: string,
  values: Partial<typeof locations.$inferInsert> = {},
) {
  const [row] = await database.db
    .insert(locations)
    .values({
      councilId: fixture.councilId,
      providerOrganisationId: fixture.providerA.id,
      cqcLocationId: `1-${name.replace(/\W/g, '')}`,
      name,
      address: '2 Test Road',
      ...values,
    })
    .returning()
  if (!row) throw new Error('no location')
  return row
}

describe('CQC rating history', () => {
  it('records a rating once, however often the import repeats it', async () => {
    const location = await newLocation(home, 'Repeat House')
    const db = database.db
    expect(await recordCqcRating(db, home.councilId, location.id, 'Good', '2023-05-01', cqcImport)).toBe(
      'added',
    )
    expect(await recordCqcRating(db, home.councilId, location.id, 'Good', '2023-05-01', cqcImport)).toBe(
      'unchanged',
    )
    expect(
      await recordCqcRating(db, home.councilId, location.id, 'Inadequate', '2024-02-01', cqcImport),
    ).toBe('added')
    const rows = await db.select().from(locationRatings).where(eq(locationRatings.locationId, location.id))
    expect(rows.map((r) => [r.source, r.rating, r.ratedOn, r.recordedBy]).sort()).toEqual([
      ['cqc', 'Good', '2023-05-01', 'cqc import'],
      ['cqc', 'Inadequate', '2024-02-01', 'cqc import'],
    ])
    // The register's latest-rating columns are the import's to keep, not this function's.
    const [after] = await db.select().from(locations).where(eq(locations.id, location.id))
    expect(after?.cqcRating).toBeNull()
    expect(after?.updatedAt.getTime()).toBe(location.updatedAt.getTime())
  })

  it('replaces a rating that CQC republished differently for the same date', async () => {
    const location = await newLocation(home, 'Corrected House')
    const db = database.db
    await recordCqcRating(db, home.councilId, location.id, 'Good', '2023-05-01', cqcImport)
    expect(
      await recordCqcRating(db, home.councilId, location.id, 'Requires improvement', '2023-05-01', cqcImport),
    ).toBe('corrected')
    const rows = await db.select().from(locationRatings).where(eq(locationRatings.locationId, location.id))
    expect(rows.map((r) => r.rating)).toEqual(['Requires improvement'])
  })

  it('records a batch in a few statements and reports what changed', async () => {
    const a = await newLocation(home, 'Batch A')
    const b = await newLocation(home, 'Batch B')
    const entries = [
      { locationId: a.id, rating: 'Good' as const, ratedOn: '2022-01-01' },
      { locationId: b.id, rating: 'Outstanding' as const, ratedOn: '2022-02-02' },
    ]
    expect(await recordCqcRatings(database.db, home.councilId, entries, cqcImport)).toEqual({
      added: 2,
      unchanged: 0,
      corrected: 0,
    })
    expect(await recordCqcRatings(database.db, home.councilId, entries, cqcImport)).toEqual({
      added: 0,
      unchanged: 2,
      corrected: 0,
    })
  })

  it('records a batch larger than one statement holds', async () => {
    const location = await newLocation(home, 'Long History')
    const day = (n: number) => new Date(Date.UTC(2000, 0, 1 + n)).toISOString().slice(0, 10)
    const entries = Array.from({ length: 1050 }, (_, n) => ({
      locationId: location.id,
      rating: 'Good' as const,
      ratedOn: day(n),
    }))
    expect(await recordCqcRatings(database.db, home.councilId, entries, cqcImport)).toEqual({
      added: 1050,
      unchanged: 0,
      corrected: 0,
    })
    const history = await ratingHistory(database.db, { councilId: home.councilId }, location.id)
    expect(history).toHaveLength(1050)
    expect(history[0]?.ratedOn).toBe(day(1049))
  })

  it('refuses an unknown rating, a bad date, and another council’s location', async () => {
    const db = database.db
    const id = home.providerA.locationId
    const unknown = await validationErrors(
      recordCqcRating(db, home.councilId, id, 'Excellent' as never, '2023-01-01', cqcImport),
    )
    expect(unknown.rating).toContain('The CQC rating must be one of')
    const badDate = await validationErrors(
      recordCqcRating(db, home.councilId, id, 'Good', '2023-02-30', cqcImport),
    )
    expect(badDate.ratedOn).toMatch(
      /^The date of the CQC rating must be a real date, like \d{1,2} \d{1,2} \d{4}$/,
    )
    await expect(
      recordCqcRating(db, home.councilId, other.providerA.locationId, 'Good', '2023-01-01', cqcImport),
    ).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('PAMMS audits', () => {
  it('stores the PAMMS rating on the CQC scale, audits it, and shows it in PAMMS words', async () => {
    const location = await newLocation(home, 'Audited House')
    const row = await recordPammsAudit(
      database.db,
      home.councilId,
      location.id,
      { rating: 'Excellent', ratedOn: '2024-03-04', reference: ' PAMMS/2024/17 ' },
      commissioner,
    )
    expect(row).toMatchObject({
      source: 'pamms',
      rating: 'Outstanding',
      ratedOn: '2024-03-04',
      reference: 'PAMMS/2024/17',
    })
    await recordPammsAudit(
      database.db,
      home.councilId,
      location.id,
      { rating: 'Poor', ratedOn: '2024-05-06', reference: 'PAMMS/2024/30' },
      commissioner,
    )
    const history = await ratingHistory(database.db, { councilId: home.councilId }, location.id)
    expect(history.map((h) => [h.source, h.rating, h.label, h.ratedOn])).toEqual([
      ['pamms', 'Inadequate', 'Poor', '2024-05-06'],
      ['pamms', 'Outstanding', 'Excellent', '2024-03-04'],
    ])
    const entries = (await auditEntries('pamms_audit.recorded')).filter(
      (e) => e.entityId === String(location.id),
    )
    expect(entries.map((e) => e.details)).toEqual([
      { ratingId: row.id, rating: 'Excellent', ratedOn: '2024-03-04', reference: 'PAMMS/2024/17' },
      expect.objectContaining({ rating: 'Poor', ratedOn: '2024-05-06' }),
    ])
    expect(entries[0]?.actor).toBe('quality test')
  })

  it('refuses a future date, a missing or long reference, and an unknown rating', async () => {
    const id = home.providerA.locationId
    const errors = await validationErrors(
      recordPammsAudit(
        database.db,
        home.councilId,
        id,
        { rating: 'Outstanding' as never, ratedOn: '2999-01-01', reference: '   ' },
        commissioner,
      ),
    )
    expect(errors).toEqual({
      rating: 'Choose the audit’s overall rating: Excellent, Good, Requires improvement, Poor',
      ratedOn: 'The date of the audit must be today or in the past',
      reference: 'Enter the audit reference',
    })
    const long = await validationErrors(
      recordPammsAudit(
        database.db,
        home.councilId,
        id,
        { rating: 'Good', ratedOn: '', reference: 'x'.repeat(101) },
        commissioner,
      ),
    )
    expect(long).toEqual({
      ratedOn: 'Enter the date of the audit',
      reference: 'The audit reference must be 100 characters or fewer',
    })
    // Today is allowed.
    const today = await recordPammsAudit(
      database.db,
      home.councilId,
      id,
      { rating: 'Good', ratedOn: todayInLondon(), reference: 'x'.repeat(100) },
      commissioner,
    )
    expect(today.ratedOn).toBe(todayInLondon())
  })

  it('refuses a second audit on the same date, and another council’s location', async () => {
    const location = await newLocation(home, 'Twice Audited')
    const audit = { rating: 'Good' as const, ratedOn: '2024-01-10', reference: 'R1' }
    await recordPammsAudit(database.db, home.councilId, location.id, audit, commissioner)
    await expect(
      recordPammsAudit(database.db, home.councilId, location.id, audit, commissioner),
    ).rejects.toBeInstanceOf(ConflictError)
    await expect(
      recordPammsAudit(database.db, other.councilId, location.id, audit, commissioner),
    ).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('effective ratings', () => {
  it('takes the most recent of CQC and PAMMS for many locations at once', async () => {
    const db = database.db
    const cqcNewer = await newLocation(home, 'CQC Newer', { cqcRating: 'Good', cqcRatingDate: '2024-04-01' })
    await recordPammsAudit(
      db,
      home.councilId,
      cqcNewer.id,
      { rating: 'Poor', ratedOn: '2024-03-01', reference: 'A' },
      commissioner,
    )
    const pammsNewer = await newLocation(home, 'PAMMS Newer', {
      cqcRating: 'Outstanding',
      cqcRatingDate: '2021-04-01',
    })
    await recordCqcRating(db, home.councilId, pammsNewer.id, 'Outstanding', '2021-04-01', cqcImport)
    await recordPammsAudit(
      db,
      home.councilId,
      pammsNewer.id,
      { rating: 'Requires improvement', ratedOn: '2023-03-01', reference: 'B' },
      commissioner,
    )
    const historyNewer = await newLocation(home, 'History Newer', {
      cqcRating: 'Good',
      cqcRatingDate: '2020-01-01',
    })
    await recordCqcRating(db, home.councilId, historyNewer.id, 'Inadequate', '2023-01-01', cqcImport)
    const unrated = await newLocation(home, 'Unrated')
    const ids = [cqcNewer.id, pammsNewer.id, historyNewer.id, unrated.id, other.providerA.locationId]
    const ratings = await effectiveRatings(db, home.councilId, ids)
    expect(ratings.get(cqcNewer.id)).toMatchObject({ rating: 'Good', source: 'cqc', ratedOn: '2024-04-01' })
    expect(ratings.get(pammsNewer.id)).toMatchObject({
      rating: 'Requires improvement',
      source: 'pamms',
      ratedOn: '2023-03-01',
    })
    expect(ratings.get(historyNewer.id)).toMatchObject({
      rating: 'Inadequate',
      source: 'cqc',
      ratedOn: '2023-01-01',
    })
    expect(ratings.get(unrated.id)).toMatchObject({ rating: 'Not yet rated', source: null })
    expect(ratings.has(other.providerA.locationId)).toBe(false)
    expect(ratings.size).toBe(4)
    expect((await effectiveRatings(db, home.councilId, [])).size).toBe(0)
  })

  it('shows the register’s CQC rating in the history when the history does not hold it', async () => {
    const history = await ratingHistory(database.db, { councilId: home.councilId }, home.providerB.locationId)
    expect(history).toEqual([
      expect.objectContaining({ id: null, source: 'cqc', rating: 'Good', ratedOn: null }),
    ])
    const quality = await locationQuality(
      database.db,
      { councilId: home.councilId },
      home.providerB.locationId,
    )
    expect(quality.effective).toMatchObject({ rating: 'Good', source: 'cqc', ratedOn: null })
  })

  it('keeps a provider user to its own organisation’s locations', async () => {
    const scope = { councilId: home.councilId, providerOrganisationId: home.providerA.id }
    await expect(ratingHistory(database.db, scope, home.providerB.locationId)).rejects.toBeInstanceOf(
      NotFoundError,
    )
    await expect(locationQuality(database.db, scope, home.providerB.locationId)).rejects.toBeInstanceOf(
      NotFoundError,
    )
    expect(await ratingHistory(database.db, scope, home.providerA.locationId)).not.toHaveLength(0)
  })
})

describe('restrictions', () => {
  const base = { startsOn: '2024-01-01', reason: 'Safeguarding concerns under review' }

  it('places a restriction and audits it', async () => {
    const location = await newLocation(home, 'Restricted House')
    const row = await placeRestriction(
      database.db,
      home.councilId,
      location.id,
      { ...base, kind: 'placement_limit', monthlyLimit: '3', endsOn: '2024-12-31' },
      commissioner,
    )
    expect(row).toMatchObject({
      kind: 'placement_limit',
      monthlyLimit: 3,
      startsOn: '2024-01-01',
      endsOn: '2024-12-31',
      createdBy: 'quality test',
      liftedAt: null,
    })
    const [entry] = (await auditEntries('restriction.placed')).filter((e) => e.entityId === String(row.id))
    expect(entry?.details).toEqual({
      locationId: location.id,
      kind: 'placement_limit',
      monthlyLimit: 3,
      startsOn: '2024-01-01',
      endsOn: '2024-12-31',
      reason: base.reason,
    })
  })

  it('refuses inconsistent restrictions with a message per field', async () => {
    const id = home.providerA.locationId
    const place = (input: Parameters<typeof placeRestriction>[3]) =>
      validationErrors(placeRestriction(database.db, home.councilId, id, input, commissioner))
    expect(await place({ kind: 'placement_limit', startsOn: '', reason: '' })).toEqual({
      monthlyLimit: 'Enter how many placements a month are allowed',
      startsOn: 'Enter the date the restriction starts',
      reason: 'Enter the reason for the restriction',
    })
    expect(await place({ ...base, kind: 'placement_limit', monthlyLimit: '0' })).toEqual({
      monthlyLimit: 'The monthly limit must be a whole number from 1 to 100',
    })
    expect(await place({ ...base, kind: 'placement_limit', monthlyLimit: 101 })).toEqual({
      monthlyLimit: 'The monthly limit must be a whole number from 1 to 100',
    })
    expect(await place({ ...base, kind: 'placement_limit', monthlyLimit: '2.5' })).toEqual({
      monthlyLimit: 'The monthly limit must be a whole number from 1 to 100',
    })
    expect(await place({ ...base, kind: 'no_new_placements', monthlyLimit: '4' })).toEqual({
      monthlyLimit: 'Leave the monthly limit empty unless the restriction limits placements per month',
    })
    expect(await place({ ...base, kind: 'no_new_placements', endsOn: '2023-12-31' })).toEqual({
      endsOn: 'The end date must be the same as or after the start date',
    })
    expect(await place({ ...base, kind: 'suspended' as never })).toEqual({
      kind: 'Choose the type of restriction',
    })
    expect(await place({ ...base, kind: 'no_new_placements', startsOn: '2024-13-01' })).toEqual({
      startsOn: expect.stringMatching(
        /^The date the restriction starts must be a real date, like \d{1,2} \d{1,2} \d{4}$/,
      ),
    })
    await expect(
      placeRestriction(
        database.db,
        other.councilId,
        id,
        { ...base, kind: 'no_new_placements' },
        commissioner,
      ),
    ).rejects.toBeInstanceOf(NotFoundError)
  })

  it('lifts a restriction once, with a reason, and audits it', async () => {
    const location = await newLocation(home, 'Lifted House')
    const placed = await placeRestriction(
      database.db,
      home.councilId,
      location.id,
      { ...base, kind: 'no_new_placements' },
      commissioner,
    )
    const missing = await validationErrors(
      liftRestriction(database.db, home.councilId, location.id, placed.id, { reason: ' ' }, commissioner),
    )
    expect(missing).toEqual({ reason: 'Enter the reason for lifting the restriction' })
    const lifted = await liftRestriction(
      database.db,
      home.councilId,
      location.id,
      placed.id,
      { reason: 'Action plan completed' },
      commissioner,
    )
    expect(lifted).toMatchObject({ liftedBy: 'quality test', liftReason: 'Action plan completed' })
    expect(lifted.liftedAt).toBeInstanceOf(Date)
    await expect(
      liftRestriction(database.db, home.councilId, location.id, placed.id, { reason: 'Again' }, commissioner),
    ).rejects.toThrow(new ConflictError('This restriction was already lifted by quality test'))
    const entries = (await auditEntries('restriction.lifted')).filter((e) => e.entityId === String(placed.id))
    expect(entries.map((e) => e.details)).toEqual([
      { locationId: location.id, kind: 'no_new_placements', reason: 'Action plan completed' },
    ])
    // The wrong location, or another council, cannot reach it.
    await expect(
      liftRestriction(
        database.db,
        home.councilId,
        home.providerA.locationId,
        placed.id,
        { reason: 'x' },
        commissioner,
      ),
    ).rejects.toBeInstanceOf(NotFoundError)
    await expect(
      liftRestriction(database.db, other.councilId, location.id, placed.id, { reason: 'x' }, commissioner),
    ).rejects.toBeInstanceOf(NotFoundError)
  })

  it('finds the restrictions in force on a date for many locations, for brokerage', async () => {
    const db = database.db
    const a = await newLocation(home, 'Active A')
    const b = await newLocation(home, 'Active B')
    const c = await newLocation(home, 'Active C')
    await placeRestriction(
      db,
      home.councilId,
      a.id,
      { ...base, kind: 'placement_limit', monthlyLimit: 2 },
      commissioner,
    )
    await placeRestriction(
      db,
      home.councilId,
      a.id,
      { kind: 'no_new_placements', startsOn: '2024-07-01', reason: 'Future' },
      commissioner,
    )
    await placeRestriction(
      db,
      home.councilId,
      b.id,
      { kind: 'no_new_placements', startsOn: '2023-01-01', endsOn: '2023-12-31', reason: 'Over' },
      commissioner,
    )
    const lifted = await placeRestriction(
      db,
      home.councilId,
      c.id,
      { ...base, kind: 'no_new_placements' },
      commissioner,
    )
    await liftRestriction(db, home.councilId, c.id, lifted.id, { reason: 'Improved' }, commissioner)

    const onJune = await activeRestrictions(db, home.councilId, [a.id, b.id, c.id], '2024-06-15')
    expect(onJune.get(a.id)?.map((r) => r.kind)).toEqual(['placement_limit'])
    expect(onJune.get(b.id)).toEqual([])
    // Lifted today: it was in force in June 2024, and is not from today on.
    expect(onJune.get(c.id)?.map((r) => r.id)).toEqual([lifted.id])
    const today = await activeRestrictions(db, home.councilId, [b.id, c.id], todayInLondon())
    expect(today.get(c.id)).toEqual([])
    const onJuly = await activeRestrictions(db, home.councilId, [a.id], '2024-07-01')
    expect(
      onJuly
        .get(a.id)
        ?.map((r) => r.kind)
        .sort(),
    ).toEqual(['no_new_placements', 'placement_limit'])
    const onB = await activeRestrictions(db, home.councilId, [b.id], '2023-06-01')
    expect(onB.get(b.id)).toHaveLength(1)
    // Another council sees nothing of this council's restrictions.
    expect((await activeRestrictions(db, other.councilId, [a.id], '2024-06-15')).get(a.id)).toEqual([])

    expect(restrictionEffect(onJune.get(a.id) ?? [], '2024-06-15', 1)).toMatchObject({
      eligible: true,
      placementsLeftThisMonth: 1,
    })
    expect(restrictionEffect(onJuly.get(a.id) ?? [], '2024-07-01', 0).eligible).toBe(false)
  })

  it('splits a location’s restrictions into current and past', async () => {
    const db = database.db
    const location = await newLocation(home, 'Split House')
    await placeRestriction(
      db,
      home.councilId,
      location.id,
      { ...base, kind: 'contact_quality_team' },
      commissioner,
    )
    await placeRestriction(
      db,
      home.councilId,
      location.id,
      { kind: 'no_new_placements', startsOn: '2020-01-01', endsOn: '2020-02-01', reason: 'Old' },
      commissioner,
    )
    const quality = await locationQuality(db, { councilId: home.councilId }, location.id, '2024-06-15')
    expect(quality.currentRestrictions.map((r) => [r.kind, r.status])).toEqual([
      ['contact_quality_team', 'in_force'],
    ])
    expect(quality.pastRestrictions.map((r) => [r.kind, r.status, r.description])).toEqual([
      ['no_new_placements', 'ended', 'No new placements'],
    ])
  })
})

describe('the restriction register', () => {
  it('counts restricted services and beds by sector against the live register', async () => {
    const database2 = await createTestDatabase()
    try {
      const fixture = await seedCouncil(database2, 'QSR', testConfig())
      const db = database2.db
      // The fixture has two residential homes of 30 beds. Add a nursing home, two home care
      // offices and an inactive home that must not count.
      const add = async (name: string, values: Partial<typeof locations.$inferInsert>) => {
        const [row] = await db
          .insert(locations)
          .values({
            councilId: fixture.councilId,
            providerOrganisationId: fixture.providerA.id,
            cqcLocationId: `1-${name}`,
            name,
            address: 'x',
            ...values,
          })
          .returning()
        return row?.id as number
      }
      const nursing = await add('Nursing', {
        serviceTypes: ['nursing_home', 'residential_home'],
        registeredBeds: 40,
      })
      const homeCare = await add('HomeCare', { serviceTypes: ['home_care'] })
      await add('HomeCare2', { serviceTypes: ['home_care'] })
      const inactive = await add('Closed', {
        serviceTypes: ['residential_home'],
        registeredBeds: 99,
        active: false,
      })
      const place = (locationId: number, kind: 'contact_quality_team' | 'no_new_placements') =>
        placeRestriction(
          db,
          fixture.councilId,
          locationId,
          { kind, startsOn: '2024-01-01', reason: 'r' },
          commissioner,
        )
      await place(fixture.providerA.locationId, 'contact_quality_team')
      await place(fixture.providerA.locationId, 'no_new_placements')
      await place(nursing, 'contact_quality_team')
      await place(homeCare, 'no_new_placements')
      await place(inactive, 'no_new_placements')

      const register = await restrictionRegister(db, fixture.councilId, '2024-06-01')
      expect(register.restrictions.map((r) => r.locationName).sort()).toEqual([
        'HomeCare',
        'Nursing',
        'QSR A House',
        'QSR A House',
      ])
      expect(register.summary.total).toEqual({
        allServices: 5,
        allBeds: 100,
        services: 3,
        beds: 70,
        servicesPercent: 60,
        bedsPercent: 70,
      })
      const residential = register.summary.sectors.find((s) => s.sector === 'residential_home')
      expect(residential?.byKind.find((k) => k.kind === 'no_new_placements')).toMatchObject({
        services: 1,
        beds: 30,
      })
      expect(residential?.byKind.find((k) => k.kind === 'contact_quality_team')).toMatchObject({
        services: 0,
      })
      const homeCareLine = register.summary.sectors.find((s) => s.sector === 'home_care')
      expect(homeCareLine?.restricted).toMatchObject({ services: 1, servicesPercent: 50 })
      // Before any restriction started, nothing is restricted.
      expect((await restrictionRegister(db, fixture.councilId, '2023-06-01')).summary.total.services).toBe(0)
    } finally {
      await database2.close()
    }
  })
})
