import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { MODULES } from '../../modules.ts'
import { createServices } from '../../services.ts'
import { buildApp } from '../../web/app.ts'
import { getBankHolidays, getBrokerageSettings } from './service.ts'

let app: FastifyInstance
let database: DatabaseHandle
let home: Fixture
let admin: Client

beforeAll(async () => {
  const config = testConfig({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  database = await createTestDatabase()
  app = await buildApp(createServices({ database: database, config: config }), {
    modules: MODULES,
    logger: pino({ level: 'silent' }),
  })
  await app.ready()
  home = await seedCouncil(database, 'SETH', config)
  admin = new Client(app)
  await admin.signIn(home.emails.council_admin)
})
afterAll(async () => {
  await app.close()
  await database.close()
})

describe('brokerage settings page', () => {
  it('shows the current settings and explains a refused change, keeping what was typed', async () => {
    const page = await admin.get('/admin/settings')
    expect(page.statusCode).toBe(200)
    expect(page.body).toMatch(/id="qualityWeight"[^>]*value="60"/)
    expect(page.body).toMatch(/id="maxDistanceMiles"[^>]*value="15"/)
    const refused = await admin.post('/admin/settings', {
      qualityWeight: '70',
      priceWeight: '40',
      distanceWeight: '0',
      maxDistanceMiles: '0',
      emergencyHours: '36',
      routineWorkingDays: '5',
      daysPerBlock: '28',
      capacityStaleDays: '7',
      lateStartPointsPerDay: '2',
      handBackNoticeDays: '28',

      confirmationWorkingDays: '2',
      allocationSameProvider: 'yes',
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('Maximum distance must be more than 0 and at most 200 miles')
    expect(refused.body).toContain('Emergency window must be 24 or 48 hours')
    expect(refused.body).toContain('href="#maxDistanceMiles"')
    expect(refused.body).toMatch(/id="qualityWeight"[^>]*value="70"/)
    const weights = await admin.post('/admin/settings', {
      qualityWeight: '70',
      priceWeight: '40',
      distanceWeight: '0',
      maxDistanceMiles: '15',
      emergencyHours: '24',
      routineWorkingDays: '5',
      daysPerBlock: '28',
      capacityStaleDays: '7',
      lateStartPointsPerDay: '2',
      handBackNoticeDays: '28',

      confirmationWorkingDays: '2',
      allocationSameProvider: 'yes',
    })
    expect(weights.statusCode).toBe(400)
    expect(weights.body).toContain(
      'The quality, price and distance weights must add up to 100; they add up to 110',
    )
    expect(weights.body).toContain('href="#qualityWeight"')
  })

  it('saves a valid change and says so', async () => {
    const saved = await admin.post('/admin/settings', {
      qualityWeight: '55',
      priceWeight: '35',
      distanceWeight: '10',
      maxDistanceMiles: '20',
      emergencyHours: '48',
      routineWorkingDays: '4',
      daysPerBlock: '21',
      capacityStaleDays: '10',
      lateStartPointsPerDay: '0',
      handBackNoticeDays: '14',

      confirmationWorkingDays: '3',
      allocationSameProvider: 'no',
    })
    expect(saved.statusCode).toBe(303)
    expect(saved.headers.location).toBe('/admin/settings?saved=1')
    expect((await admin.get('/admin/settings?saved=1')).body).toContain('Brokerage settings saved.')
    expect(await getBrokerageSettings(database.db, home.councilId)).toEqual({
      qualityWeight: 55,
      priceWeight: 35,
      distanceWeight: 10,
      maxDistanceMiles: 20,
      emergencyHours: 48,
      routineWorkingDays: 4,
      daysPerBlock: 21,
      capacityStaleDays: 10,
      lateStartPointsPerDay: 0,
      handBackNoticeDays: 14,

      confirmationWorkingDays: 3,
      allocationSameProvider: false,
    })
  })
})

describe('bank holidays page', () => {
  it('lists the seeded calendar by year, adds a day and removes one', async () => {
    const page = await admin.get('/admin/bank-holidays')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Easter Monday')
    expect(page.body).toContain('6 April 2026')

    const weekend = await admin.post('/admin/bank-holidays', {
      'date-day': '6',
      'date-month': '1',
      'date-year': '2029',
      name: 'Not a weekday',
    })
    expect(weekend.statusCode).toBe(400)
    expect(weekend.body).toContain('That date is a Saturday')
    expect(weekend.body).toContain('href="#date-day"')

    const added = await admin.post('/admin/bank-holidays', {
      'date-day': '1',
      'date-month': '1',
      'date-year': '2029',
      name: 'New Year’s Day',
    })
    expect(added.headers.location).toBe('/admin/bank-holidays?added=2029-01-01')
    const duplicate = await admin.post('/admin/bank-holidays', {
      'date-day': '1',
      'date-month': '1',
      'date-year': '2029',
      name: 'Again',
    })
    expect(duplicate.statusCode).toBe(409)
    expect(duplicate.body).toContain('1 January 2029 is already a bank holiday')

    const removed = await admin.post('/admin/bank-holidays/2026-04-06/delete', {})
    expect(removed.headers.location).toBe('/admin/bank-holidays?removed=2026-04-06')
    const holidays = await getBankHolidays(database.db, home.councilId)
    expect(holidays.has('2029-01-01')).toBe(true)
    expect(holidays.has('2026-04-06')).toBe(false)
    expect((await admin.post('/admin/bank-holidays/2026-04-06/delete', {})).statusCode).toBe(404)
  })

  it('is for council admins only', async () => {
    const broker = new Client(app)
    await broker.signIn(home.emails.broker)
    expect((await broker.get('/admin/bank-holidays')).statusCode).toBe(403)
    expect((await broker.post('/admin/settings', {})).statusCode).toBe(403)
  })
})
