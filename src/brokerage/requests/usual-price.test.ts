import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { createTestRequest, NORWICH, shapeLocation } from '../../../test/support/offers-factory.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog } from '../../db/schema.ts'
import { ValidationError } from '../../errors.ts'
import { addRate } from '../../fees/rates/service.ts'
import { evaluateOffers } from '../offers/award.ts'
import { makeOffer } from '../offers/service.ts'
import { addCalendarDays } from '../rules/index.ts'
import { getUsualPrice, setUsualPrice } from './usual-price.ts'

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let home: Fixture
const START = '2099-06-01'

const rate = (band: string, price: string, effectiveFrom: string, effectiveTo = '') => ({
  serviceType: 'residential',
  clientGroup: 'older_people',
  band,
  locality: '',
  price,
  effectiveFrom,
  effectiveTo,
})

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'UPR', testConfig())
  await shapeLocation(database.db, home.providerA.locationId, {
    latitude: NORWICH.latitude + 2 / 69.09,
    longitude: NORWICH.longitude,
  })
})
afterAll(async () => database.close())

async function aboveUsualPrice(requestId: number): Promise<boolean | undefined> {
  const evaluation = await evaluateOffers(database.db, { councilId: home.councilId }, requestId)
  return evaluation.shortlist.ranked[0]?.flags.aboveUsualPrice
}

describe('a request’s usual price', () => {
  it('falls back to the typed price only when no rate applies, then takes the rate book’s at the start date', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId, {
      startDate: START,
      usualPricePence: 95_000,
    })
    await makeOffer(
      database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerA.id },
      system,
      requestId,
      {
        locationId: home.providerA.locationId,
        pricePence: 90_000,
        earliestStart: START,
        meetsAllNeeds: true,
      },
    )
    expect(await getUsualPrice(database.db, home.councilId, requestId)).toMatchObject({
      source: 'typed',
      pricePence: 95_000,
      ratePence: null,
    })
    expect(await aboveUsualPrice(requestId)).toBe(false)

    // A rate that starts the day after the start date, or ended the day before, does not apply.
    await addRate(database.db, home.councilId, rate('standard', '800', addCalendarDays(START, 1)), system)
    await addRate(
      database.db,
      home.councilId,
      rate('standard', '700', '2098-01-01', addCalendarDays(START, -1)),
      system,
    )
    expect((await getUsualPrice(database.db, home.councilId, requestId)).source).toBe('typed')

    await addRate(database.db, home.councilId, rate('standard', '850', START, START), system)
    expect(await getUsualPrice(database.db, home.councilId, requestId)).toMatchObject({
      source: 'rate_book',
      pricePence: 85_000,
      typedPence: 95_000,
      band: 'standard',
    })
    // The offer of £900 is now above the usual price: the score and the award flags use the rate book.
    expect(await aboveUsualPrice(requestId)).toBe(true)
  })

  it('follows the band, and takes a broker’s override only with a reason, audited', async () => {
    const { requestId } = await createTestRequest(database.db, home.councilId, { startDate: START })
    await makeOffer(
      database.db,
      { councilId: home.councilId, providerOrganisationId: home.providerA.id },
      system,
      requestId,
      {
        locationId: home.providerA.locationId,
        pricePence: 90_000,
        earliestStart: START,
        meetsAllNeeds: true,
      },
    )
    await addRate(database.db, home.councilId, rate('enhanced', '1000', '2099-01-01'), system)
    await setUsualPrice(
      database.db,
      home.councilId,
      requestId,
      { band: 'enhanced', overridePrice: '', reason: '' },
      system,
    )
    expect(await getUsualPrice(database.db, home.councilId, requestId)).toMatchObject({
      source: 'rate_book',
      pricePence: 100_000,
      band: 'enhanced',
    })
    expect(await aboveUsualPrice(requestId)).toBe(false)

    const noReason = setUsualPrice(
      database.db,
      home.councilId,
      requestId,
      { band: 'enhanced', overridePrice: '880', reason: ' ' },
      system,
    )
    await expect(noReason).rejects.toThrow(ValidationError)
    await expect(noReason).rejects.toThrow(/Enter why the usual price differs from the rate book/)
    await expect(
      setUsualPrice(
        database.db,
        home.councilId,
        requestId,
        { band: 'gold', overridePrice: '', reason: '' },
        system,
      ),
    ).rejects.toThrow(/Choose standard, enhanced or complex/)

    await setUsualPrice(
      database.db,
      home.councilId,
      requestId,
      { band: 'enhanced', overridePrice: '880', reason: 'Agreed with the commissioner for a bariatric room' },
      system,
    )
    expect(await getUsualPrice(database.db, home.councilId, requestId)).toMatchObject({
      source: 'override',
      pricePence: 88_000,
      ratePence: 100_000,
      overrideReason: 'Agreed with the commissioner for a bariatric room',
    })
    expect(await aboveUsualPrice(requestId)).toBe(true)
    const entries = await database.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, 'sourcing_request.usual_price_set'),
          eq(auditLog.entityId, String(requestId)),
        ),
      )
    expect(entries.map((e) => e.details)).toContainEqual(
      expect.objectContaining({
        overridePence: 88_000,
        previousPricePence: 100_000,
        previousSource: 'rate_book',
        reason: 'Agreed with the commissioner for a bariatric room',
      }),
    )
  })
})
