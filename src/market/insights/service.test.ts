import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { addLocation, createTestRequest } from '../../brokerage/offers/test-factory.ts'
import type { RequestServiceType } from '../../brokerage/rules/index.ts'
import { localities, offers, packages, people, requestEvents, restrictions } from '../../db/schema.ts'
import { ValidationError } from '../../errors.ts'
import { insightsReport } from './service.ts'

// January to mid-March is GMT, so these UTC instants fall on the same London dates.
const NOW = new Date('2026-03-15T12:00:00Z')
const PERIOD = { from: '2026-01-01', to: '2026-03-15' }
const START = new Date('2026-01-01T00:00:00Z')
const END = new Date('2026-03-15T23:59:59.999Z')

interface Spec {
  type: RequestServiceType
  north?: boolean
  submitted: string
  published: string
  offers: number
  usual: number | null
  award?: { at: string; price: number; minutes?: number; start?: string; end?: string }
}

const HISTORY: Spec[] = [
  {
    type: 'residential',
    north: true,
    submitted: '2026-01-05T10:00:00Z',
    published: '2026-01-05T12:00:00Z',
    offers: 2,
    usual: 95_000,
    award: { at: '2026-01-09T10:00:00Z', price: 100_000 },
  },
  {
    type: 'residential',
    submitted: '2026-02-01T09:00:00Z',
    published: '2026-02-01T10:00:00Z',
    offers: 1,
    usual: 95_000,
    award: { at: '2026-02-03T21:00:00Z', price: 90_000 },
  },
  {
    type: 'residential',
    submitted: '2026-02-11T09:00:00Z',
    published: '2026-02-11T10:00:00Z',
    offers: 3,
    usual: 95_000,
    award: { at: '2026-02-27T09:00:00Z', price: 96_000 },
  },
  {
    type: 'home_care',
    submitted: '2026-02-10T08:00:00Z',
    published: '2026-02-10T09:00:00Z',
    offers: 1,
    usual: 2_400,
    award: { at: '2026-02-20T15:00:00Z', price: 2_500, minutes: 600, start: '2026-02-23' },
  },
  {
    type: 'home_care',
    north: true,
    submitted: '2026-01-20T08:00:00Z',
    published: '2026-01-21T08:00:00Z',
    offers: 0,
    usual: 2_400,
  },
  {
    type: 'nursing',
    submitted: '2025-12-20T08:00:00Z',
    published: '2025-12-28T08:00:00Z',
    offers: 3,
    usual: null,
    award: { at: '2026-01-02T11:00:00Z', price: 120_000 },
  },
  {
    type: 'home_care',
    north: true,
    submitted: '2026-02-25T08:00:00Z',
    published: '2026-02-26T08:00:00Z',
    offers: 2,
    usual: 2_400,
    award: { at: '2026-03-01T10:00:00Z', price: 2_300, minutes: 420, start: '2026-03-02', end: '2026-03-20' },
  },
  {
    type: 'home_care',
    north: true,
    submitted: '2025-11-01T08:00:00Z',
    published: '2025-11-01T09:00:00Z',
    offers: 1,
    usual: 2_400,
    award: { at: '2025-11-05T10:00:00Z', price: 2_400, minutes: 300, start: '2025-11-10', end: '2026-02-15' },
  },
  // Awarded after the period's end: in no figure of the period, nor in its hours.
  {
    type: 'home_care',
    submitted: '2026-03-14T08:00:00Z',
    published: '2026-03-14T09:00:00Z',
    offers: 1,
    usual: 2_400,
    award: { at: '2026-03-15T13:00:00Z', price: 2_450, minutes: 120, start: '2026-03-15' },
  },
]

const within = (iso: string) => new Date(iso) >= START && new Date(iso) <= END

/** The textbook order statistic: sort, then interpolate between the ranks either side of p(n-1). */
function expectedQuantile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const i = p * (s.length - 1)
  const lo = Math.floor(i)
  return (s[lo] as number) + ((s[Math.ceil(i)] as number) - (s[lo] as number)) * (i - lo)
}

function expectedFigures(specs: Spec[], asAt: Date = NOW) {
  const published = specs.filter((s) => within(s.published))
  const sourced = specs.filter((s) => s.award && within(s.award.at) && new Date(s.award.at) <= asAt)
  const days = (s: Spec) => (Date.parse(s.award?.at ?? '') - Date.parse(s.submitted)) / 86_400_000
  const hoursOn = (date: string) =>
    specs
      .filter(
        (s) =>
          s.type === 'home_care' &&
          s.award?.start !== undefined &&
          s.award.start <= date &&
          (s.award.end === undefined || s.award.end >= date) &&
          Date.parse(s.award.at) <= Math.min(Date.parse(`${date}T23:59:59.999Z`), asAt.getTime()),
      )
      .reduce((sum, s) => sum + (s.award?.minutes ?? 0), 0) / 60
  const withUsual = sourced.filter((s) => s.usual !== null)
  return {
    published: published.length,
    withOffers: published.filter((s) => s.offers > 0).length,
    offers: published.reduce((n, s) => n + s.offers, 0),
    days: sourced.map(days),
    daysOf: (type: string) => sourced.filter((s) => s.type === type).map(days),
    hoursOn,
    awarded: sourced.length,
    withUsual: withUsual.length,
    above: withUsual.filter((s) => (s.award?.price ?? 0) > (s.usual ?? 0)).length,
    pricesOf: (type: string) => sourced.filter((s) => s.type === type).map((s) => s.award?.price ?? 0),
  }
}

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'INSI', t.config)
  const { db } = t.database
  const [north] = await db.insert(localities).values({ councilId: home.councilId, name: 'North' }).returning()
  await db.insert(localities).values({ councilId: home.councilId, name: 'South' })
  const providers = [home.providerA, home.providerB]
  for (const [i, spec] of HISTORY.entries()) {
    const { requestId, personId } = await createTestRequest(db, home.councilId, {
      serviceType: spec.type,
      usualPricePence: spec.usual,
      person: { name: `Person ${i}` },
    })
    if (spec.north) await db.update(people).set({ localityId: north?.id }).where(eq(people.id, personId))
    await db.insert(requestEvents).values([
      {
        councilId: home.councilId,
        requestId,
        fromStatus: 'draft',
        toStatus: 'submitted',
        actor: 'test',
        at: new Date(spec.submitted),
      },
      {
        councilId: home.councilId,
        requestId,
        fromStatus: 'submitted',
        toStatus: 'published',
        actor: 'test',
        at: new Date(spec.published),
      },
    ])
    const offerIds: number[] = []
    for (let n = 0; n < spec.offers; n++) {
      const provider = providers[n % 2] as { id: number; locationId: number }
      const location =
        n < 2
          ? provider.locationId
          : await addLocation(db, home.councilId, provider.id, {
              cqcLocationId: `1-X${i}-${n}`,
              cqcRating: null,
            })
      const [offer] = await db
        .insert(offers)
        .values({
          councilId: home.councilId,
          requestId,
          locationId: location,
          providerOrganisationId: provider.id,
          pricePence: spec.award?.price ?? 1_000,
          earliestStart: '2026-01-01',
          meetsAllNeeds: true,
          // A withdrawn offer was still an offer received.
          status: n === 1 ? 'withdrawn' : 'submitted',
        })
        .returning()
      offerIds.push(offer?.id ?? 0)
    }
    if (spec.award) {
      const provider = providers[0] as { id: number; locationId: number }
      await db.insert(packages).values({
        councilId: home.councilId,
        requestId,
        offerId: offerIds[0] as number,
        personId,
        locationId: provider.locationId,
        providerOrganisationId: provider.id,
        serviceType: spec.type,
        agreedPricePence: spec.award.price,
        weeklyCostPence: spec.award.price,
        minutesPerWeek: spec.award.minutes ?? null,
        startDate: spec.award.start ?? spec.award.at.slice(0, 10),
        endDate: spec.award.end ?? null,
        createdAt: new Date(spec.award.at),
        createdBy: 'test',
      })
    }
  }
  // Quality: A and B are Good; add an Inadequate one, one never inspected, and an inactive Outstanding one.
  const bad = await addLocation(db, home.councilId, providers[0]?.id ?? 0, {
    cqcLocationId: '1-QBAD',
    cqcRating: 'Inadequate',
  })
  await addLocation(db, home.councilId, providers[1]?.id ?? 0, {
    cqcLocationId: '1-QOUT',
    cqcRating: 'Outstanding',
  }).then((id) => t.database.db.execute(`update locations set active = false where id = ${id}`))
  await db.insert(restrictions).values([
    {
      councilId: home.councilId,
      locationId: bad,
      kind: 'no_new_placements',
      startsOn: '2025-01-01',
      reason: 'x',
      createdBy: 'test',
    },
    {
      councilId: home.councilId,
      locationId: providers[0]?.locationId ?? 0,
      kind: 'contact_quality_team',
      startsOn: '2025-01-01',
      reason: 'x',
      createdBy: 'test',
    },
    // Ended: not in force.
    {
      councilId: home.councilId,
      locationId: providers[1]?.locationId ?? 0,
      kind: 'placement_limit',
      monthlyLimit: 2,
      startsOn: '2025-01-01',
      endsOn: '2025-02-01',
      reason: 'x',
      createdBy: 'test',
    },
    // Lifted: not in force.
    {
      councilId: home.councilId,
      locationId: bad,
      kind: 'contact_quality_team',
      startsOn: '2025-01-01',
      reason: 'x',
      createdBy: 'test',
      liftedAt: new Date(NOW.getTime() - 2 * 86_400_000),
      liftedBy: 'test',
      liftReason: 'better',
    },
  ])
})

afterAll(async () => {
  await t?.close()
})

describe('insightsReport', () => {
  it('computes the response rate and mean offers per published request', async () => {
    const report = await insightsReport(t.database.db, home.councilId, PERIOD, NOW)
    const expected = expectedFigures(HISTORY)
    expect(report.response.published).toBe(expected.published)
    expect(report.response.withOffers).toBe(expected.withOffers)
    expect(report.response.offers).toBe(expected.offers)
    expect(report.response.responseRate).toBeCloseTo((expected.withOffers / expected.published) * 100, 9)
    expect(report.response.meanOffersPerRequest).toBeCloseTo(expected.offers / expected.published, 9)
    expect(report.response.withOffers).toBeLessThan(report.response.published)
  })

  it('computes the median and 90th percentile days to source, overall and by service type', async () => {
    const report = await insightsReport(t.database.db, home.councilId, PERIOD, NOW)
    const expected = expectedFigures(HISTORY)
    expect(report.timeToSource.overall.awarded).toBe(expected.days.length)
    expect(report.timeToSource.overall.medianDays).toBeCloseTo(
      expectedQuantile(expected.days, 0.5) ?? Number.NaN,
      9,
    )
    expect(report.timeToSource.overall.p90Days).toBeCloseTo(
      expectedQuantile(expected.days, 0.9) ?? Number.NaN,
      9,
    )
    const types = [
      ...new Set(
        HISTORY.filter((s) => s.award && within(s.award.at) && new Date(s.award.at) <= NOW).map(
          (s) => s.type,
        ),
      ),
    ]
    expect(report.timeToSource.byServiceType.map((l) => l.serviceType).sort()).toEqual(types.sort())
    for (const line of report.timeToSource.byServiceType) {
      const days = expected.daysOf(line.serviceType as string)
      expect(line.awarded).toBe(days.length)
      expect(line.medianDays).toBeCloseTo(expectedQuantile(days, 0.5) ?? Number.NaN, 9)
      expect(line.p90Days).toBeCloseTo(expectedQuantile(days, 0.9) ?? Number.NaN, 9)
    }
  })

  it('counts home care hours a week at the end of the period and at each month end', async () => {
    const report = await insightsReport(t.database.db, home.councilId, PERIOD, NOW)
    const expected = expectedFigures(HISTORY)
    expect(report.hours?.hoursPerWeek).toBeCloseTo(expected.hoursOn(PERIOD.to), 9)
    expect(report.hours?.trend.map((p) => p.date)).toEqual(['2026-01-31', '2026-02-28', PERIOD.to])
    const values = (report.hours?.trend ?? []).map((p) => p.hoursPerWeek)
    expect(values).toEqual(['2026-01-31', '2026-02-28', PERIOD.to].map((d) => expected.hoursOn(d)))
    expect(report.hours?.trend[0]?.change).toBeNull()
    expect(report.hours?.trend[1]?.change).toBeCloseTo(
      ((values[1] as number) / (values[0] as number) - 1) * 100,
      9,
    )
    // The figures move: a test of a flat line could not tell the dates apart.
    expect(new Set(values).size).toBe(values.length)
  })

  it('compares accepted prices with the usual price and gives the median by service type', async () => {
    const report = await insightsReport(t.database.db, home.councilId, PERIOD, NOW)
    const expected = expectedFigures(HISTORY)
    expect(report.prices.awarded).toBe(expected.awarded)
    expect(report.prices.withUsualPrice).toBe(expected.withUsual)
    expect(report.prices.aboveUsualPrice).toBe(expected.above)
    expect(report.prices.percentAbove).toBeCloseTo((expected.above / expected.withUsual) * 100, 9)
    for (const line of report.prices.byServiceType) {
      const prices = expected.pricesOf(line.serviceType)
      expect(line.awarded).toBe(prices.length)
      expect(line.medianPricePence).toBe(expectedQuantile(prices, 0.5))
    }
    expect(report.prices.byServiceType.map((l) => l.unit)).toContain('weekly')
  })

  it('gives the quality mix of active locations, leaving out those not yet inspected', async () => {
    const report = await insightsReport(t.database.db, home.councilId, PERIOD, NOW)
    const rows = (
      (await t.database.db.execute(
        `select cqc_rating from locations where council_id = ${home.councilId} and active`,
      )) as unknown as { rows: { cqc_rating: string | null }[] }
    ).rows
    const rated = rows.filter((r) => r.cqc_rating !== null)
    const good = rated.filter((r) => r.cqc_rating === 'Good' || r.cqc_rating === 'Outstanding')
    expect(report.quality.locations).toBe(rows.length)
    expect(report.quality.rated).toBe(rated.length)
    expect(report.quality.percentGoodOrOutstanding).toBeCloseTo((good.length / rated.length) * 100, 9)
    const counts = Object.fromEntries(report.quality.restrictions.map((r) => [r.kind, r.count]))
    expect(counts).toEqual({ contact_quality_team: 1, no_new_placements: 1, placement_limit: 0 })
  })

  it('narrows every figure to a locality and a service type', async () => {
    const report = await insightsReport(t.database.db, home.councilId, { ...PERIOD, locality: 'North' }, NOW)
    const expected = expectedFigures(HISTORY.filter((s) => s.north))
    expect(report.response.published).toBe(expected.published)
    expect(report.response.withOffers).toBe(expected.withOffers)
    expect(report.prices.awarded).toBe(expected.awarded)
    expect(report.hours?.hoursPerWeek).toBeCloseTo(expected.hoursOn(PERIOD.to), 9)
    expect(report.hours?.trend.map((p) => p.hoursPerWeek)).toEqual(
      ['2026-01-31', '2026-02-28', PERIOD.to].map((d) => expected.hoursOn(d)),
    )
    // Register locations have no locality here: none are in North.
    expect(report.quality.locations).toBe(0)

    const homeCare = await insightsReport(
      t.database.db,
      home.councilId,
      { ...PERIOD, serviceType: 'home_care' },
      NOW,
    )
    const expectedHomeCare = expectedFigures(HISTORY.filter((s) => s.type === 'home_care'))
    expect(homeCare.response.published).toBe(expectedHomeCare.published)
    expect(homeCare.timeToSource.overall.awarded).toBe(expectedHomeCare.days.length)
    expect(homeCare.prices.awarded).toBe(expectedHomeCare.awarded)
    const residential = await insightsReport(
      t.database.db,
      home.councilId,
      { ...PERIOD, serviceType: 'residential' },
      NOW,
    )
    expect(residential.hours).toBeNull()
    expect(residential.prices.awarded).toBe(
      expectedFigures(HISTORY.filter((s) => s.type === 'residential')).awarded,
    )
  })

  it('refuses a reversed range, a future date, an unknown locality or service type', async () => {
    const fieldsOf = async (input: Record<string, string>) => {
      try {
        await insightsReport(t.database.db, home.councilId, input, NOW)
        return []
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        return error.errors.map((e) => e.field)
      }
    }
    expect(await fieldsOf({ from: '2026-03-01', to: '2026-02-01' })).toEqual(['from'])
    expect(await fieldsOf({ to: '2099-01-01' })).toEqual(['to'])
    expect(await fieldsOf({ from: '2026-02-30' })).toEqual(['from'])
    expect(await fieldsOf({ locality: 'Atlantis' })).toEqual(['locality'])
    expect(await fieldsOf({ serviceType: 'spa' })).toEqual(['serviceType'])
    expect(await fieldsOf(PERIOD)).toEqual([])
  })
})
