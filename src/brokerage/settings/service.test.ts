import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog } from '../../db/schema.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { DEFAULT_BROKERAGE_SETTINGS, ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../rules/index.ts'
import {
  addBankHoliday,
  ensureBankHolidays,
  getBankHolidays,
  getBrokerageSettings,
  listBankHolidays,
  removeBankHoliday,
  updateBrokerageSettings,
} from './service.ts'

const admin = { kind: 'system', label: 'test admin' } as const
let database: DatabaseHandle
let home: Fixture
let other: Fixture

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'STG', testConfig())
  other = await seedCouncil(database, 'STX', testConfig())
})
afterAll(async () => database.close())

describe('brokerage settings', () => {
  it('start from the published defaults', async () => {
    expect(await getBrokerageSettings(database.db, home.councilId)).toEqual(DEFAULT_BROKERAGE_SETTINGS)
  })

  it('are checked together, saved for one council only, and audited with what changed', async () => {
    const refused = await updateBrokerageSettings(
      database.db,
      home.councilId,
      { ...DEFAULT_BROKERAGE_SETTINGS, qualityWeight: '70' },
      admin,
    ).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).errors).toEqual([
      {
        field: 'qualityWeight',
        message: 'The quality, price and distance weights must add up to 100; they add up to 110',
      },
    ])

    const saved = await updateBrokerageSettings(
      database.db,
      home.councilId,
      {
        ...DEFAULT_BROKERAGE_SETTINGS,
        qualityWeight: '50',
        priceWeight: '40',
        distanceWeight: '10',
        emergencyHours: '48',
      },
      admin,
    )
    expect(saved).toMatchObject({ qualityWeight: 50, distanceWeight: 10, emergencyHours: 48 })
    expect(await getBrokerageSettings(database.db, home.councilId)).toEqual(saved)
    expect(await getBrokerageSettings(database.db, other.councilId)).toEqual(DEFAULT_BROKERAGE_SETTINGS)
    const [audit] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'brokerage_settings.updated')))
    expect(audit?.details).toEqual({
      changed: {
        qualityWeight: { from: 60, to: 50 },
        distanceWeight: { from: 0, to: 10 },
        emergencyHours: { from: 24, to: 48 },
      },
    })
  })
})

describe('the bank holiday calendar', () => {
  it('is seeded with the bank holidays of England and Wales the first time it is read, once', async () => {
    await Promise.all([
      ensureBankHolidays(database.db, other.councilId),
      ensureBankHolidays(database.db, other.councilId),
    ])
    const holidays = await listBankHolidays(database.db, other.councilId)
    expect(holidays).toEqual(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => ({ date: h.date, name: h.name })))
  })

  it('keeps a removed holiday removed, and takes added days', async () => {
    await removeBankHoliday(database.db, home.councilId, '2026-12-28', admin)
    await addBankHoliday(database.db, home.councilId, { date: '2029-01-01', name: 'New Year’s Day' }, admin)
    const holidays = await getBankHolidays(database.db, home.councilId)
    expect(holidays.has('2026-12-28')).toBe(false)
    expect(holidays.has('2029-01-01')).toBe(true)
    expect(holidays.has('2026-12-25')).toBe(true)
    expect((await getBankHolidays(database.db, other.councilId)).has('2026-12-28')).toBe(true)
    const audits = await database.db
      .select({ action: auditLog.action, entityId: auditLog.entityId })
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.entityType, 'bank_holiday')))
    expect(audits).toEqual([
      { action: 'bank_holiday.removed', entityId: '2026-12-28' },
      { action: 'bank_holiday.added', entityId: '2029-01-01' },
    ])
  })

  it('refuses weekends, duplicates, unreal dates and blank names', async () => {
    const weekend = await addBankHoliday(
      database.db,
      home.councilId,
      { date: '2029-01-06', name: 'x' },
      admin,
    ).catch((e: unknown) => e)
    expect((weekend as ValidationError).errors).toEqual([
      {
        field: 'date',
        message:
          'That date is a Saturday: weekends are never working days, so add the substitute weekday instead',
      },
    ])
    await expect(
      addBankHoliday(database.db, home.councilId, { date: '2026-12-25', name: 'Christmas Day' }, admin),
    ).rejects.toBeInstanceOf(ConflictError)
    const unreal = await addBankHoliday(
      database.db,
      home.councilId,
      { date: '2029-02-30', name: '' },
      admin,
    ).catch((e: unknown) => e)
    expect((unreal as ValidationError).errors.map((e) => e.field).sort()).toEqual(['date', 'name'])
    await expect(removeBankHoliday(database.db, home.councilId, '2029-02-03', admin)).rejects.toThrow(
      'No such bank holiday',
    )
  })
})
