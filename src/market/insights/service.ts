// The commissioners' market insights: response rate, time to source, home care hours commissioned,
// accepted prices and the quality mix, computed live from the platform's own records for a period.

import { type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { weeklyCostOn } from '../../brokerage/reporting/prices.ts'
import {
  isCareHome,
  type PriceUnit,
  priceUnitFor,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPE_MAP,
  REQUEST_SERVICE_TYPES,
  type RequestServiceType,
} from '../../brokerage/rules/index.ts'
import type { Queryable } from '../../db/connection.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { listLocalities } from '../../geography/service.ts'
import { type Availability, STALE_AFTER_DAYS } from '../../providers/capacity/rules.ts'
import { bedAvailability, DENOMINATOR } from '../../providers/capacity/service.ts'
import { NOT_YET_RATED } from '../../providers/quality/rules.ts'
import { activeRestrictions, effectiveRatings } from '../../providers/quality/service.ts'
import {
  BED_TYPE_LABELS,
  BED_TYPES,
  type BedType,
  RESTRICTION_KIND_LABELS,
  RESTRICTION_KINDS,
  type RestrictionKind,
} from '../../providers/vocabulary.ts'
import { isCalendarDate, londonDate, MONTH_NAMES } from '../../shared/dates.ts'
import { type MarketEventsSummary, marketEventsSummary } from '../events/service.ts'
import { type FailureResponsesSummary, failureResponsesSummary } from '../failures/service.ts'
import { endOfLondonDay, startOfLondonDay } from '../icl/rules.ts'
import { checkPeriod } from '../period.ts'
import {
  DEFAULT_HARD_TO_SERVE_DAYS,
  MAX_HARD_TO_SERVE_DAYS,
  percentage,
  percentChange,
  trendDates,
} from './rules.ts'

const DEFAULT_MONTHS = 6

const dateField = (label: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (/^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v)), {
      message: `${label} must be a real date`,
    })
    .describe(`${label}, YYYY-MM-DD`)

export const insightsSchema = z.object({
  from: dateField('The start date'),
  to: dateField('The end date'),
  serviceType: z.string().trim().optional(),
  locality: z.string().trim().optional(),
  hardToServeDays: z
    .union([z.string().trim(), z.number()])
    .optional()
    .refine(
      (v) =>
        v === undefined ||
        v === '' ||
        (/^\d{1,3}$/.test(String(v)) && Number(v) >= 1 && Number(v) <= MAX_HARD_TO_SERVE_DAYS),
      {
        message: `The days to count a request as hard to serve must be a whole number from 1 to ${MAX_HARD_TO_SERVE_DAYS}`,
      },
    ),
})

export interface SourcingTimes {
  serviceType: RequestServiceType | null
  label: string
  awarded: number
  medianDays: number | null
  p90Days: number | null
}

interface LocalitySourcingTimes {
  /** Null for people with no locality recorded. */
  localityId: number | null
  label: string
  awarded: number
  medianDays: number | null
  p90Days: number | null
}

export interface HardToServeLine {
  /** Unknown: the preferred postcode's district is not one of the council's, or was not recorded. */
  area: 'rural' | 'urban' | 'unknown' | 'all'
  label: string
  /** Requests published in the period whose days have passed and that were not cancelled by then. */
  requests: number
  /** Of those, the requests still without an award when the days had passed. */
  unsourced: number
  percentUnsourced: number | null
}

interface BedFigures {
  /** The instant the figures stand at: the end of the period's last day, or now if that is sooner. */
  at: Date
  staleAfterDays: number
  denominator: string
  /** The bed types shown: the one the chosen service type asks for, or every type. */
  bedTypes: { bedType: BedType; label: string }[]
  localities: Availability[]
  /** Every locality's homes together; the chosen locality's when there is one. */
  total: Availability
}

export interface HoursPoint {
  date: string
  hoursPerWeek: number
  /** % change from the point before; null for the first. */
  change: number | null
}

interface CareFigures {
  packages: number
  /** Distinct people, each counted once across brokered and imported packages. */
  people: number
  weeklyCostPence: number
}

interface CommissionedCare extends CareFigures {
  at: string
  /** Of those, the packages brokered through Caremarket. */
  brokered: CareFigures
}

interface PriceLine {
  serviceType: RequestServiceType
  label: string
  unit: PriceUnit
  awarded: number
  medianPricePence: number | null
}

export interface InsightsReport {
  from: string
  to: string
  serviceType: RequestServiceType | null
  locality: string | null
  localities: string[]
  /** The days after publishing a request still without an award counts as hard to serve. */
  hardToServeDays: number
  response: {
    published: number
    withOffers: number
    offers: number
    responseRate: number | null
    meanOffersPerRequest: number | null
  }
  timeToSource: {
    overall: SourcingTimes
    byServiceType: SourcingTimes[]
    byLocality: LocalitySourcingTimes[]
  }
  /** Null when the service type chosen is not a care home. */
  beds: BedFigures | null
  hardToServe: {
    days: number
    /** Requests published in the period. */
    published: number
    /** Published less than the days ago: too recent to tell. */
    tooRecent: number
    /** Cancelled without an award before the days had passed: left out. */
    cancelled: number
    byArea: HardToServeLine[]
    total: HardToServeLine
  }
  /** Null when the service type chosen is not home care. */
  hours: { at: string; hoursPerWeek: number; brokeredHoursPerWeek: number; trend: HoursPoint[] } | null
  /** The packages active at the end of the period, brokered and from the council's own book. */
  commissioned: CommissionedCare
  prices: {
    awarded: number
    withUsualPrice: number
    aboveUsualPrice: number
    percentAbove: number | null
    byServiceType: PriceLine[]
  }
  quality: {
    /** Ratings are as they stand now, so the mix is today's whatever the period. */
    on: string
    locations: number
    rated: number
    goodOrOutstanding: number
    percentGoodOrOutstanding: number | null
    restrictions: { kind: RestrictionKind; label: string; count: number }[]
    /** Packages active at the end of the period, by today's effective rating of their location. */
    packages: {
      at: string
      active: number
      rated: number
      goodOrOutstanding: number
      percentGoodOrOutstanding: number | null
    }
  }
  /** Market events that happened in the period at locations in the filters (src/market/events). */
  events: MarketEventsSummary
  /** The council's responses to the failures of the period (the whole council, whatever the filters). */
  failureResponses: FailureResponsesSummary
  /** Providers' hand-backs given in the period, in the filters. */
  handBacks: HandBackFigures
}

interface HandBackLine {
  label: string
  handBacks: number
}

export interface HandBackFigures {
  /** Hand-backs given (notice received) in the period, in the filters. */
  total: number
  /** Given with less notice than the council's notice period. */
  shortNotice: number
  byProvider: HandBackLine[]
  /** By the reason the provider gave, as they wrote it (the same words in any case are one reason). */
  byReason: HandBackLine[]
  /** Every month of the period, in order ("2026-03"), none left out. */
  byMonth: (HandBackLine & { month: string })[]
  /**
   * Home care hand-backs per 1,000 hours of home care delivered in the period: hand-backs of home
   * care packages ÷ (Σ over home care packages of care-worker minutes a week × days active in the
   * period ÷ 7 ÷ 60) × 1,000. Null for a service type other than home care, or with no hours.
   */
  homeCare: { handBacks: number; hoursDelivered: number; ratePer1000Hours: number | null } | null
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

function isServiceType(value: string): value is RequestServiceType {
  return (REQUEST_SERVICE_TYPES as readonly string[]).includes(value)
}

/** The first day of the month `months` months before the date's month. */
function monthsBefore(date: string, months: number): string {
  const [year, month] = date.split('-').map(Number) as [number, number]
  const index = year * 12 + (month - 1) - months
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`
}

/** The figures for a period (by default the six months to today), a service type and a locality. */
export async function insightsReport(
  db: Queryable,
  councilId: number,
  input: unknown,
  now = new Date(),
): Promise<InsightsReport> {
  const terms = parseInput(insightsSchema, input)
  const errors: FieldError[] = []
  const { from, to } = checkPeriod(terms, (end) => monthsBefore(end, DEFAULT_MONTHS - 1), now, errors)
  const serviceType = terms.serviceType || null
  if (serviceType !== null && !isServiceType(serviceType))
    errors.push({ field: 'serviceType', message: 'Choose one of the service types' })
  const localityRows = await listLocalities(db, councilId)
  const locality = terms.locality || null
  const localityRow = localityRows.find((l) => l.name === locality)
  if (locality !== null && !localityRow)
    errors.push({ field: 'locality', message: 'Choose one of the council’s localities' })
  if (errors.length > 0) throw new ValidationError(errors)
  const hardToServeDays =
    terms.hardToServeDays === undefined || terms.hardToServeDays === ''
      ? DEFAULT_HARD_TO_SERVE_DAYS
      : Number(terms.hardToServeDays)

  const type = serviceType as RequestServiceType | null
  const scope = { councilId, serviceType: type, localityId: localityRow?.id ?? null }
  const start = startOfLondonDay(from)
  const end = new Date(Math.min(endOfLondonDay(to).getTime(), now.getTime()))
  const [published, timeToSource, hours, prices, quality, commissioned] = await Promise.all([
    publishedRequests(db, scope, start, end, hardToServeDays, now),
    sourcingTimes(db, scope, start, end, localityRows),
    type === null || type === 'home_care' ? homeCareHours(db, scope, from, to, now) : null,
    priceFigures(db, scope, start, end),
    qualityMix(db, scope, londonDate(now), to, end),
    commissionedCare(db, scope, to, end),
  ])
  const [beds, events, failureResponses, handBacks] = await Promise.all([
    type === null || isCareHome(type) ? bedFigures(db, scope, end) : null,
    marketEventsSummary(db, councilId, { from, to, localityId: scope.localityId, serviceType: type }),
    failureResponsesSummary(db, councilId, { from, to }, now),
    handBackFigures(db, scope, from, to, start, end),
  ])
  const response = responseFigures(published)
  const hardToServe = hardToServeFigures(published, hardToServeDays)
  return {
    from,
    to,
    serviceType: type,
    locality,
    localities: localityRows.map((l) => l.name),
    hardToServeDays,
    response,
    timeToSource,
    hours,
    commissioned,
    beds,
    hardToServe,
    prices,
    quality,
    events,
    failureResponses,
    handBacks,
  }
}

/**
 * Only the hard-to-serve figures of the report's default period, for the commissioner's home page:
 * the same query and the same fold as the whole report, without its other sections.
 */
export async function hardToServeSummary(
  db: Queryable,
  councilId: number,
  now = new Date(),
): Promise<Pick<InsightsReport, 'from' | 'to' | 'hardToServe'>> {
  const { from, to } = checkPeriod({}, (end) => monthsBefore(end, DEFAULT_MONTHS - 1), now, [])
  const scope = { councilId, serviceType: null, localityId: null }
  const end = new Date(Math.min(endOfLondonDay(to).getTime(), now.getTime()))
  const published = await publishedRequests(
    db,
    scope,
    startOfLondonDay(from),
    end,
    DEFAULT_HARD_TO_SERVE_DAYS,
    now,
  )
  return { from, to, hardToServe: hardToServeFigures(published, DEFAULT_HARD_TO_SERVE_DAYS) }
}

interface Scope {
  councilId: number
  serviceType: RequestServiceType | null
  localityId: number | null
}

/** The person whose id `personId` holds lives in the chosen locality, if one is chosen. */
function inLocality(scope: Scope, personId: SQL) {
  return scope.localityId === null
    ? sql``
    : sql`and exists (select 1 from brokerage_person_facts p
        where p.id = ${personId} and p.locality_id = ${scope.localityId})`
}

/** The request's outcome (alias q, request_outcomes) matches the filters. */
function outcomeFilters(scope: Scope) {
  return sql`q.council_id = ${scope.councilId}
    ${scope.serviceType === null ? sql`` : sql`and q.service_type = ${scope.serviceType}`}
    ${inLocality(scope, sql`q.person_id`)}`
}

/** Requests first published in the period, in the districts of one rurality, and what became of them. */
interface PublishedInArea {
  /** Null: the preferred postcode's district is not one of the council's, or was not recorded. */
  rural: boolean | null
  published: number
  withOffers: number
  /** Offers received, withdrawn ones too. */
  offers: number
  tooRecent: number
  sourced: number
  cancelled: number
  unsourced: number
}

/**
 * Requests first published in the period, counted by the rurality of their preferred postcode's
 * district: the offers each received, and what had become of each `days` days after publishing.
 * Awarded by then is sourced; cancelled by then without an award is left out (the need went away,
 * so it says nothing about the market); neither is unsourced; and until those days have passed it
 * is too recent to tell. Read from the request_outcomes rollup by its index on the first
 * publication, and counted in the database: a period publishes tens of thousands of requests.
 */
async function publishedRequests(
  db: Queryable,
  scope: Scope,
  start: Date,
  end: Date,
  days: number,
  now: Date,
): Promise<PublishedInArea[]> {
  const rows = rowsOf<Record<string, number | string | boolean | null>>(
    await db.execute(sql`
      with judged as (
        select d.rural,
          (select count(*) from brokerage_offer_facts o where o.request_id = q.request_id) as offers,
          -- Whole days of 24 hours, as a clock counts them, whatever the clocks did in between.
          q.published_at + ${days * 86_400}::int * interval '1 second' as mark,
          q.awarded_at, q.cancelled_at
        from request_outcomes q
        left join council_districts d on d.council_id = q.council_id and d.outcode = q.preferred_outcode
        where ${outcomeFilters(scope)}
          and q.published_at >= ${start.toISOString()}::timestamptz
          and q.published_at <= ${end.toISOString()}::timestamptz
      ), outcomes as (
        select rural, offers, mark > ${now.toISOString()}::timestamptz as too_recent,
          coalesce(awarded_at <= mark, false) as sourced, coalesce(cancelled_at <= mark, false) as cancelled
        from judged
      )
      select rural, count(*)::int as published, count(*) filter (where offers > 0)::int as with_offers,
        coalesce(sum(offers), 0)::int as offers,
        count(*) filter (where too_recent)::int as too_recent,
        count(*) filter (where not too_recent and sourced)::int as sourced,
        count(*) filter (where not too_recent and not sourced and cancelled)::int as cancelled,
        count(*) filter (where not too_recent and not sourced and not cancelled)::int as unsourced
      from outcomes group by rural`),
  )
  return rows.map((r) => ({
    rural: r.rural === null ? null : Boolean(r.rural),
    published: Number(r.published),
    withOffers: Number(r.with_offers),
    offers: Number(r.offers),
    tooRecent: Number(r.too_recent),
    sourced: Number(r.sourced),
    cancelled: Number(r.cancelled),
    unsourced: Number(r.unsourced),
  }))
}

const sumOf = <T>(rows: readonly T[], figure: (row: T) => number) =>
  rows.reduce((sum, row) => sum + figure(row), 0)

/** Requests first published in the period, and the offers each received (withdrawn ones too). */
function responseFigures(areas: readonly PublishedInArea[]): InsightsReport['response'] {
  const published = sumOf(areas, (a) => a.published)
  const withOffers = sumOf(areas, (a) => a.withOffers)
  const offers = sumOf(areas, (a) => a.offers)
  return {
    published,
    withOffers,
    offers,
    responseRate: percentage(withOffers, published),
    meanOffersPerRequest: published === 0 ? null : offers / published,
  }
}

const noneAwarded = { awarded: 0, medianDays: null, p90Days: null }

/**
 * Days from a request's first submission to its first award, for requests first awarded in the
 * period, overall, by service type and by the person's locality; read from the request_outcomes
 * rollup by its index on the first award. The database takes the median and 90th percentile of each
 * group (percentile_cont: linear between the two nearest ranks, so the median of an even count is
 * the mean of the middle two), so that tens of thousands of awards never travel to the service.
 */
async function sourcingTimes(
  db: Queryable,
  scope: Scope,
  start: Date,
  end: Date,
  localities: readonly { id: number; name: string }[],
) {
  const rows = rowsOf<{
    grouped: number
    service_type: string | null
    locality_id: number | null
    awarded: number
    quantiles: number[]
  }>(
    await db.execute(sql`
      select grouping(s.service_type, s.locality_id) as grouped, s.service_type, s.locality_id,
        count(*)::int as awarded,
        percentile_cont(array[0.5, 0.9]) within group (order by s.days) as quantiles
      from (
        select q.service_type,
          -- Looked up for each award by key: cheaper than a join that reads every person.
          (select p.locality_id from brokerage_person_facts p where p.id = q.person_id) as locality_id,
          extract(epoch from q.awarded_at - q.submitted_at)::float8 / 86400 as days
        from request_outcomes q
        where ${outcomeFilters(scope)}
          and q.submitted_at is not null
          and q.awarded_at >= ${start.toISOString()}::timestamptz
          and q.awarded_at <= ${end.toISOString()}::timestamptz
      ) s
      group by grouping sets ((), (s.service_type), (s.locality_id))`),
  )
  // grouping() sets a bit for each column the row is not grouped by: 3 overall, 1 by service
  // type, 2 by locality (whose null is people with no locality recorded).
  const figures = (row: (typeof rows)[number] | undefined) =>
    row && Number(row.awarded) > 0
      ? {
          awarded: Number(row.awarded),
          medianDays: Number(row.quantiles[0]),
          p90Days: Number(row.quantiles[1]),
        }
      : noneAwarded
  const byType = rows.filter((r) => Number(r.grouped) === 1)
  const byPlace = rows.filter((r) => Number(r.grouped) === 2)
  const placeOf = (localityId: number | null) =>
    byPlace.find((r) => (r.locality_id === null ? null : Number(r.locality_id)) === localityId)
  const byLocality = [
    ...localities.map((l) => ({ localityId: l.id, label: l.name })),
    { localityId: null, label: 'No locality recorded' },
  ]
    .map((l): LocalitySourcingTimes => ({ ...l, ...figures(placeOf(l.localityId)) }))
    .filter((l) => l.awarded > 0)
  const byServiceType = REQUEST_SERVICE_TYPES.map(
    (t): SourcingTimes => ({
      serviceType: t,
      label: REQUEST_SERVICE_TYPE_LABELS[t],
      ...figures(byType.find((r) => r.service_type === t)),
    }),
  ).filter((l) => l.awarded > 0)
  return {
    overall: {
      serviceType: null,
      label: 'All service types',
      ...figures(rows.find((r) => Number(r.grouped) === 3)),
    } satisfies SourcingTimes,
    byServiceType,
    byLocality,
  }
}

/** A package (alias k, brokerage_care_packages) is for a person living in the chosen locality, if one is chosen. */
function packageInLocality(scope: Scope) {
  return scope.localityId === null ? sql`` : sql`and k.locality_id = ${scope.localityId}`
}

/**
 * Home care hours a week of the packages active at the end of each trend date, brokered and from the
 * council's own book: started by then, not ended before it, and, if brokered, already awarded then
 * (a package awarded later does not rewrite history; the book's past is the case system's record).
 * One pass over the packages sums every date's, each date's sum its own filtered aggregate: a join
 * of dates to packages made a row for every package on every date, three times the work.
 */
async function homeCareHours(db: Queryable, scope: Scope, from: string, to: string, now: Date) {
  const dates = trendDates(from, to)
  const sums = dates.map((date, i) => {
    const cutoff = new Date(Math.min(endOfLondonDay(date).getTime(), now.getTime())).toISOString()
    return sql`coalesce(sum(k.minutes_per_week) filter (where k.start_date <= ${date}::date
      and (k.end_date is null or k.end_date >= ${date}::date)
      and (k.recorded_at is null or k.recorded_at <= ${cutoff}::timestamptz)), 0)::bigint as ${sql.identifier(`m${i}`)}`
  })
  const last = new Date(Math.min(endOfLondonDay(to).getTime(), now.getTime())).toISOString()
  const [row] = rowsOf<Record<string, number | string>>(
    await db.execute(sql`
      select ${sql.join(sums, sql`, `)},
        coalesce(sum(k.minutes_per_week) filter (where k.source = 'brokered' and k.start_date <= ${to}::date
          and (k.end_date is null or k.end_date >= ${to}::date)
          and k.recorded_at <= ${last}::timestamptz), 0)::bigint as brokered
      from brokerage_care_packages k
      where k.council_id = ${scope.councilId} and k.service_type = 'home_care'
        ${packageInLocality(scope)}
        -- Only packages active on some trend date can count.
        and k.start_date <= ${to}::date and (k.end_date is null or k.end_date >= ${dates[0] ?? to}::date)`),
  )
  const minutesOn = new Map(dates.map((date, i) => [date, Number(row?.[`m${i}`] ?? 0)]))
  const hoursOn = (date: string) => (minutesOn.get(date) ?? 0) / 60
  let previous: number | null = null
  const trend = dates.map((date) => {
    const hoursPerWeek = hoursOn(date)
    const point = { date, hoursPerWeek, change: percentChange(previous, hoursPerWeek) }
    previous = hoursPerWeek
    return point
  })
  // The period's last day is always the trend's last date.
  return { at: to, hoursPerWeek: hoursOn(to), brokeredHoursPerWeek: Number(row?.brokered ?? 0) / 60, trend }
}

/**
 * The care the council commissions at the end of the period's last day, brokered and from its own
 * book: the packages active then, the people they are for and their weekly cost, with the part
 * brokered through Caremarket. Counted in the database over the service type's index.
 */
async function commissionedCare(
  db: Queryable,
  scope: Scope,
  to: string,
  end: Date,
): Promise<CommissionedCare> {
  const rows = rowsOf<{ source: string | null; packages: number; people: number; weekly: number | string }>(
    await db.execute(sql`
      select k.source, count(*)::int as packages, count(distinct k.person_key)::int as people,
        coalesce(sum(${weeklyCostOn('k', to)}), 0)::bigint as weekly
      from brokerage_care_packages k
      where k.council_id = ${scope.councilId}
        ${scope.serviceType === null ? sql`` : sql`and k.service_type = ${scope.serviceType}`}
        ${packageInLocality(scope)}
        and k.start_date <= ${to}::date
        and (k.end_date is null or k.end_date >= ${to}::date)
        and (k.recorded_at is null or k.recorded_at <= ${end.toISOString()}::timestamptz)
      group by grouping sets ((), (k.source))`),
  )
  const figures = (row: (typeof rows)[number] | undefined) => ({
    packages: Number(row?.packages ?? 0),
    people: Number(row?.people ?? 0),
    weeklyCostPence: Number(row?.weekly ?? 0),
  })
  return {
    at: to,
    // grouping sets: the row with no source is the total.
    ...figures(rows.find((r) => r.source === null)),
    brokered: figures(rows.find((r) => r.source === 'brokered')),
  }
}

/**
 * Awards made in the period against their request's usual price at award, counted and their median
 * price taken by service type in the database: a period holds tens of thousands of awards.
 */
async function priceFigures(db: Queryable, scope: Scope, start: Date, end: Date) {
  const rows = rowsOf<{
    service_type: string
    awarded: number
    with_usual: number
    above: number
    median: number | string
  }>(
    await db.execute(sql`
      select k.service_type, count(*)::int as awarded, count(k.usual_price_pence)::int as with_usual,
        count(*) filter (where k.agreed_price_pence > k.usual_price_pence)::int as above,
        percentile_cont(0.5) within group (order by k.agreed_price_pence) as median
      from brokerage_package_facts k
      where k.council_id = ${scope.councilId}
        ${scope.serviceType === null ? sql`` : sql`and k.service_type = ${scope.serviceType}`}
        ${inLocality(scope, sql`k.person_id`)}
        and k.awarded_at >= ${start.toISOString()}::timestamptz
        and k.awarded_at <= ${end.toISOString()}::timestamptz
      group by k.service_type`),
  )
  const total = (column: 'awarded' | 'with_usual' | 'above') =>
    rows.reduce((sum, r) => sum + Number(r[column]), 0)
  const withUsual = total('with_usual')
  const above = total('above')
  const byServiceType = REQUEST_SERVICE_TYPES.flatMap((t): PriceLine[] => {
    const row = rows.find((r) => r.service_type === t)
    return row
      ? [
          {
            serviceType: t,
            label: REQUEST_SERVICE_TYPE_LABELS[t],
            unit: priceUnitFor(t),
            awarded: Number(row.awarded),
            medianPricePence: Number(row.median),
          },
        ]
      : []
  })
  return {
    awarded: total('awarded'),
    withUsualPrice: withUsual,
    aboveUsualPrice: above,
    percentAbove: percentage(above, withUsual),
    byServiceType,
  }
}

/**
 * Today's effective ratings and restrictions of the active locations that offer the service, and
 * today's effective ratings of the locations of the packages active at the end of the period.
 */
async function qualityMix(db: Queryable, scope: Scope, today: string, to: string, end: Date) {
  const wanted = scope.serviceType === null ? null : REQUEST_SERVICE_TYPE_MAP[scope.serviceType]
  const [offering, placed] = await Promise.all([
    db.execute(sql`
      select l.id from providers_location_facts l
      where l.council_id = ${scope.councilId} and l.active
        ${scope.localityId === null ? sql`` : sql`and l.locality_id = ${scope.localityId}`}
        ${wanted === null ? sql`` : sql`and ${wanted.serviceType} = any(l.service_types)`}
        ${sql.join(
          (wanted?.specialisms ?? []).map((s) => sql`and ${s} = any(l.specialisms)`),
          sql` `,
        )}`),
    activePackages(db, scope, to, end),
  ])
  const ids = rowsOf<{ id: number }>(offering).map((r) => Number(r.id))
  // One look-up of ratings serves both: the placed locations are mostly the offering ones.
  const [ratingOf, restrictions] = await Promise.all([
    effectiveRatings(db, scope.councilId, [...new Set([...ids, ...placed.map((p) => p.locationId)])]),
    activeRestrictions(db, scope.councilId, ids, today),
  ])
  const ratings = ids.map((id) => ratingOf.get(id)).filter((r) => r !== undefined)
  const placedRated = placed.filter(
    (p) => (ratingOf.get(p.locationId)?.rating ?? NOT_YET_RATED) !== NOT_YET_RATED,
  )
  const placedGood = placedRated.filter((p) =>
    ['Good', 'Outstanding'].includes(ratingOf.get(p.locationId)?.rating ?? ''),
  )
  const packagesOf = (of: readonly { packages: number }[]) => of.reduce((sum, p) => sum + p.packages, 0)
  const rated = ratings.filter((r) => r.rating !== NOT_YET_RATED)
  const good = rated.filter((r) => r.rating === 'Good' || r.rating === 'Outstanding').length
  const inForce = [...restrictions.values()].flat()
  return {
    on: today,
    locations: ids.length,
    rated: rated.length,
    goodOrOutstanding: good,
    percentGoodOrOutstanding: percentage(good, rated.length),
    restrictions: RESTRICTION_KINDS.map((kind) => ({
      kind,
      label: RESTRICTION_KIND_LABELS[kind],
      count: inForce.filter((r) => r.kind === kind).length,
    })),
    packages: {
      at: to,
      active: packagesOf(placed),
      rated: packagesOf(placedRated),
      goodOrOutstanding: packagesOf(placedGood),
      percentGoodOrOutstanding: percentage(packagesOf(placedGood), packagesOf(placedRated)),
    },
  }
}

/**
 * How many packages active at the end of the period's last day each location has, brokered and from
 * the council's own book, as home care hours count them: started by then, not ended before it, and,
 * if brokered, already awarded at `end`.
 */
async function activePackages(db: Queryable, scope: Scope, to: string, end: Date) {
  const rows = rowsOf<{ location_id: number; packages: number }>(
    await db.execute(sql`
      select k.location_id, count(*)::int as packages
      from brokerage_care_packages k
      where k.council_id = ${scope.councilId}
        ${scope.serviceType === null ? sql`` : sql`and k.service_type = ${scope.serviceType}`}
        ${packageInLocality(scope)}
        and k.start_date <= ${to}::date
        and (k.end_date is null or k.end_date >= ${to}::date)
        and (k.recorded_at is null or k.recorded_at <= ${end.toISOString()}::timestamptz)
      group by k.location_id`),
  )
  return rows.map((r) => ({ locationId: Number(r.location_id), packages: Number(r.packages) }))
}

/**
 * % of care home beds available at the end of the period by bed type and locality, from the
 * capacity service: of the homes registered for the chosen care home type, in the chosen locality.
 */
async function bedFigures(db: Queryable, scope: Scope, at: Date): Promise<BedFigures> {
  const wanted = scope.serviceType === null ? null : REQUEST_SERVICE_TYPE_MAP[scope.serviceType]
  const beds = await bedAvailability(db, scope.councilId, at, {
    localityId: scope.localityId,
    serviceType: wanted?.serviceType ?? null,
    specialisms: wanted?.specialisms ?? [],
  })
  const shown = wanted?.bedType ? [wanted.bedType] : BED_TYPES
  return {
    at,
    staleAfterDays: STALE_AFTER_DAYS,
    denominator: DENOMINATOR,
    bedTypes: shown.map((bedType) => ({ bedType, label: BED_TYPE_LABELS[bedType] })),
    localities: beds.localities,
    total: beds.total,
  }
}

const AREA_LABELS = { rural: 'Rural', urban: 'Urban', unknown: 'Other or unknown district' } as const

/**
 * Requests published in the period still without an award `days` days after publishing, rural and
 * urban apart: the rurality of the district of the request's preferred postcode.
 */
function hardToServeFigures(areas: readonly PublishedInArea[], days: number): InsightsReport['hardToServe'] {
  const line = (
    area: HardToServeLine['area'],
    label: string,
    of: readonly PublishedInArea[],
  ): HardToServeLine => {
    const unsourced = sumOf(of, (a) => a.unsourced)
    const requests = sumOf(of, (a) => a.sourced) + unsourced
    return { area, label, requests, unsourced, percentUnsourced: percentage(unsourced, requests) }
  }
  const areaOf = (a: PublishedInArea) => (a.rural === null ? 'unknown' : a.rural ? 'rural' : 'urban')
  const byArea = (['rural', 'urban', 'unknown'] as const)
    .map((area) =>
      line(
        area,
        AREA_LABELS[area],
        areas.filter((a) => areaOf(a) === area),
      ),
    )
    // Districts outside the council's are rare: their line shows only when there are some.
    .filter((l) => l.area !== 'unknown' || l.requests > 0)
  return {
    days,
    published: sumOf(areas, (a) => a.published),
    tooRecent: sumOf(areas, (a) => a.tooRecent),
    cancelled: sumOf(areas, (a) => a.cancelled),
    byArea,
    total: line('all', 'All areas', areas),
  }
}

/** The months a period touches, in order, as "YYYY-MM". */
function monthsOf(from: string, to: string): string[] {
  const months: string[] = []
  for (
    let month = from.slice(0, 7);
    month <= to.slice(0, 7);
    month = monthsBefore(`${month}-01`, -1).slice(0, 7)
  )
    months.push(month)
  return months
}

/**
 * Providers' hand-backs given in the period (brokerage's `brokerage_hand_backs`), by provider, reason
 * and London month, and the home care hand-back rate per 1,000 hours of home care delivered: hours
 * as everywhere, care-worker time, each home care package's minutes a week for each day it was
 * active in the period, brokered and from the council's own book.
 */
async function handBackFigures(
  db: Queryable,
  scope: Scope,
  from: string,
  to: string,
  start: Date,
  end: Date,
): Promise<HandBackFigures> {
  const rows = rowsOf<{
    provider: string
    reason: string
    month: string
    service_type: string
    short_notice: boolean
  }>(
    await db.execute(sql`
      select coalesce(o.name, 'Provider ' || h.provider_organisation_id) as provider,
        btrim(h.reason) as reason, to_char(h.given_at at time zone 'Europe/London', 'YYYY-MM') as month,
        h.service_type, h.short_notice
      from brokerage_hand_backs h
      left join providers_organisation_facts o on o.id = h.provider_organisation_id
      where h.council_id = ${scope.councilId}
        and h.given_at >= ${start.toISOString()}::timestamptz and h.given_at <= ${end.toISOString()}::timestamptz
        ${scope.serviceType === null ? sql`` : sql`and h.service_type = ${scope.serviceType}`}
        ${scope.localityId === null ? sql`` : sql`and h.locality_id = ${scope.localityId}`}`),
  )
  // Lines keyed by `key`, each labelled as its first row writes it, most hand-backs first.
  const countBy = (
    key: (r: (typeof rows)[number]) => string,
    label: (r: (typeof rows)[number]) => string,
  ) => {
    const lines = new Map<string, HandBackLine>()
    for (const r of rows) {
      const line = lines.get(key(r)) ?? { label: label(r), handBacks: 0 }
      line.handBacks++
      lines.set(key(r), line)
    }
    return [...lines.values()].sort((a, b) => b.handBacks - a.handBacks || a.label.localeCompare(b.label))
  }
  const perMonth = new Map<string, number>()
  for (const r of rows) perMonth.set(r.month, (perMonth.get(r.month) ?? 0) + 1)
  let homeCare: HandBackFigures['homeCare'] = null
  if (scope.serviceType === null || scope.serviceType === 'home_care') {
    const [hours] = rowsOf<{ minutes: string | number | null }>(
      await db.execute(sql`
        select sum(k.minutes_per_week::numeric
          * (least(coalesce(k.end_date, ${to}::date), ${to}::date) - greatest(k.start_date, ${from}::date) + 1)
          / 7) as minutes
        from brokerage_care_packages k
        where k.council_id = ${scope.councilId} and k.service_type = 'home_care'
          ${packageInLocality(scope)}
          and k.start_date <= ${to}::date and (k.end_date is null or k.end_date >= ${from}::date)`),
    )
    const hoursDelivered = Number(hours?.minutes ?? 0) / 60
    const handBacks = rows.filter((r) => r.service_type === 'home_care').length
    homeCare = {
      handBacks,
      hoursDelivered,
      ratePer1000Hours: hoursDelivered > 0 ? (handBacks / hoursDelivered) * 1000 : null,
    }
  }
  return {
    total: rows.length,
    shortNotice: rows.filter((r) => r.short_notice).length,
    byProvider: countBy(
      (r) => r.provider,
      (r) => r.provider,
    ),
    byReason: countBy(
      (r) => r.reason.toLowerCase(),
      (r) => r.reason,
    ),
    byMonth: monthsOf(from, to).map((month) => ({
      month,
      label: `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`,
      handBacks: perMonth.get(month) ?? 0,
    })),
    homeCare,
  }
}
