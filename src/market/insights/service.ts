// The commissioners' market insights: response rate, time to source, home care hours commissioned,
// accepted prices and the quality mix, computed live from the platform's own records for a period.
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import {
  isCalendarDate,
  londonDate,
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
import { NOT_YET_RATED } from '../../providers/quality/rules.ts'
import { activeRestrictions, effectiveRatings } from '../../providers/quality/service.ts'
import {
  RESTRICTION_KIND_LABELS,
  RESTRICTION_KINDS,
  type RestrictionKind,
} from '../../providers/vocabulary.ts'
import { endOfLondonDay, startOfLondonDay } from '../icl/rules.ts'
import { checkPeriod } from '../period.ts'
import { MS_PER_DAY, percentage, percentChange, quantile, trendDates } from './rules.ts'

const DEFAULT_MONTHS = 6

const dateField = (label: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (/^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v)), {
      message: `${label} must be a real date`,
    })

export const insightsSchema = z.object({
  from: dateField('The start date'),
  to: dateField('The end date'),
  serviceType: z.string().trim().optional(),
  locality: z.string().trim().optional(),
})
export type InsightsInput = z.input<typeof insightsSchema>

export interface SourcingTimes {
  serviceType: RequestServiceType | null
  label: string
  awarded: number
  medianDays: number | null
  p90Days: number | null
}

export interface HoursPoint {
  date: string
  hoursPerWeek: number
  /** % change from the point before; null for the first. */
  change: number | null
}

export interface PriceLine {
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
  response: {
    published: number
    withOffers: number
    offers: number
    responseRate: number | null
    meanOffersPerRequest: number | null
  }
  timeToSource: { overall: SourcingTimes; byServiceType: SourcingTimes[] }
  /** Null when the service type chosen is not home care. */
  hours: { at: string; hoursPerWeek: number; trend: HoursPoint[] } | null
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
  }
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

  const type = serviceType as RequestServiceType | null
  const scope = { councilId, serviceType: type, localityId: localityRow?.id ?? null }
  const start = startOfLondonDay(from)
  const end = new Date(Math.min(endOfLondonDay(to).getTime(), now.getTime()))
  const [response, timeToSource, hours, prices, quality] = await Promise.all([
    responseFigures(db, scope, start, end),
    sourcingTimes(db, scope, start, end),
    type === null || type === 'home_care' ? homeCareHours(db, scope, from, to, now) : null,
    priceFigures(db, scope, start, end),
    qualityMix(db, scope, londonDate(now)),
  ])
  return {
    from,
    to,
    serviceType: type,
    locality,
    localities: localityRows.map((l) => l.name),
    response,
    timeToSource,
    hours,
    prices,
    quality,
  }
}

interface Scope {
  councilId: number
  serviceType: RequestServiceType | null
  localityId: number | null
}

/** The request (alias r) and its person (alias p) match the filters. */
function requestFilters(scope: Scope) {
  return sql`r.council_id = ${scope.councilId}
    ${scope.serviceType === null ? sql`` : sql`and r.service_type = ${scope.serviceType}`}
    ${scope.localityId === null ? sql`` : sql`and p.locality_id = ${scope.localityId}`}`
}

/** Requests first published in the period, and the offers each received (withdrawn ones too). */
async function responseFigures(db: Queryable, scope: Scope, start: Date, end: Date) {
  const rows = rowsOf<{ offers: number }>(
    await db.execute(sql`
      select (select count(*) from offers o where o.request_id = r.id)::int as offers
      from sourcing_requests r
      join people p on p.id = r.person_id
      join lateral (
        select min(e.at) as at from request_events e
        where e.request_id = r.id and e.to_status = 'published'
      ) published on true
      where ${requestFilters(scope)}
        and published.at >= ${start.toISOString()}::timestamptz
        and published.at <= ${end.toISOString()}::timestamptz`),
  )
  const published = rows.length
  const withOffers = rows.filter((r) => Number(r.offers) > 0).length
  const offers = rows.reduce((sum, r) => sum + Number(r.offers), 0)
  return {
    published,
    withOffers,
    offers,
    responseRate: percentage(withOffers, published),
    meanOffersPerRequest: published === 0 ? null : offers / published,
  }
}

function sourcingLine(serviceType: RequestServiceType | null, days: number[]): SourcingTimes {
  return {
    serviceType,
    label: serviceType === null ? 'All service types' : REQUEST_SERVICE_TYPE_LABELS[serviceType],
    awarded: days.length,
    medianDays: quantile(days, 0.5),
    p90Days: quantile(days, 0.9),
  }
}

/** Days from a request's first submission to its first award, for requests first awarded in the period. */
async function sourcingTimes(db: Queryable, scope: Scope, start: Date, end: Date) {
  const rows = rowsOf<{ service_type: string; submitted_at: string | Date; awarded_at: string | Date }>(
    await db.execute(sql`
      select r.service_type, submitted.at as submitted_at, awarded.at as awarded_at
      from sourcing_requests r
      join people p on p.id = r.person_id
      join lateral (
        select min(e.at) as at from request_events e
        where e.request_id = r.id and e.to_status = 'submitted'
      ) submitted on true
      join lateral (select min(k.created_at) as at from packages k where k.request_id = r.id) awarded on true
      where ${requestFilters(scope)}
        and submitted.at is not null
        and awarded.at >= ${start.toISOString()}::timestamptz
        and awarded.at <= ${end.toISOString()}::timestamptz`),
  )
  const days = rows.map((r) => ({
    serviceType: r.service_type as RequestServiceType,
    days: (new Date(r.awarded_at).getTime() - new Date(r.submitted_at).getTime()) / MS_PER_DAY,
  }))
  const byServiceType = REQUEST_SERVICE_TYPES.filter((t) => days.some((d) => d.serviceType === t)).map((t) =>
    sourcingLine(
      t,
      days.filter((d) => d.serviceType === t).map((d) => d.days),
    ),
  )
  return {
    overall: sourcingLine(
      null,
      days.map((d) => d.days),
    ),
    byServiceType,
  }
}

/**
 * Home care hours a week of the packages active at the end of each trend date: started by then,
 * not ended before it, and already awarded then (a package awarded later does not rewrite history).
 */
async function homeCareHours(db: Queryable, scope: Scope, from: string, to: string, now: Date) {
  const rows = rowsOf<{
    start_date: string
    end_date: string | null
    created_at: string | Date
    minutes_per_week: number | null
  }>(
    await db.execute(sql`
      select k.start_date::text as start_date, k.end_date::text as end_date, k.created_at, k.minutes_per_week
      from packages k
      join people p on p.id = k.person_id
      where k.council_id = ${scope.councilId} and k.service_type = 'home_care'
        ${scope.localityId === null ? sql`` : sql`and p.locality_id = ${scope.localityId}`}`),
  )
  const hoursOn = (date: string) => {
    const cutoff = Math.min(endOfLondonDay(date).getTime(), now.getTime())
    const minutes = rows
      .filter(
        (r) =>
          r.start_date <= date &&
          (r.end_date === null || r.end_date >= date) &&
          new Date(r.created_at).getTime() <= cutoff,
      )
      .reduce((sum, r) => sum + Number(r.minutes_per_week ?? 0), 0)
    return minutes / 60
  }
  let previous: number | null = null
  const trend = trendDates(from, to).map((date) => {
    const hoursPerWeek = hoursOn(date)
    const point = { date, hoursPerWeek, change: percentChange(previous, hoursPerWeek) }
    previous = hoursPerWeek
    return point
  })
  return { at: to, hoursPerWeek: hoursOn(to), trend }
}

/** Awards made in the period against their request's usual price. */
async function priceFigures(db: Queryable, scope: Scope, start: Date, end: Date) {
  const rows = rowsOf<{ service_type: string; agreed_price_pence: number; usual_price_pence: number | null }>(
    await db.execute(sql`
      select k.service_type, k.agreed_price_pence, r.usual_price_pence
      from packages k
      join sourcing_requests r on r.id = k.request_id
      join people p on p.id = r.person_id
      where ${requestFilters(scope)}
        and k.created_at >= ${start.toISOString()}::timestamptz
        and k.created_at <= ${end.toISOString()}::timestamptz`),
  )
  const withUsual = rows.filter((r) => r.usual_price_pence !== null)
  const above = withUsual.filter((r) => Number(r.agreed_price_pence) > Number(r.usual_price_pence)).length
  const byServiceType = REQUEST_SERVICE_TYPES.filter((t) => rows.some((r) => r.service_type === t)).map(
    (t): PriceLine => {
      const prices = rows.filter((r) => r.service_type === t).map((r) => Number(r.agreed_price_pence))
      return {
        serviceType: t,
        label: REQUEST_SERVICE_TYPE_LABELS[t],
        unit: priceUnitFor(t),
        awarded: prices.length,
        medianPricePence: quantile(prices, 0.5),
      }
    },
  )
  return {
    awarded: rows.length,
    withUsualPrice: withUsual.length,
    aboveUsualPrice: above,
    percentAbove: percentage(above, withUsual.length),
    byServiceType,
  }
}

/** Today's effective ratings and restrictions of the active locations that offer the service. */
async function qualityMix(db: Queryable, scope: Scope, today: string) {
  const wanted = scope.serviceType === null ? null : REQUEST_SERVICE_TYPE_MAP[scope.serviceType]
  const rows = rowsOf<{ id: number }>(
    await db.execute(sql`
      select l.id from locations l
      where l.council_id = ${scope.councilId} and l.active
        ${scope.localityId === null ? sql`` : sql`and l.locality_id = ${scope.localityId}`}
        ${wanted === null ? sql`` : sql`and ${wanted.serviceType} = any(l.service_types)`}
        ${sql.join(
          (wanted?.specialisms ?? []).map((s) => sql`and ${s} = any(l.specialisms)`),
          sql` `,
        )}`),
  )
  const ids = rows.map((r) => Number(r.id))
  const [ratings, restrictions] = await Promise.all([
    effectiveRatings(db, scope.councilId, ids),
    activeRestrictions(db, scope.councilId, ids, today),
  ])
  const rated = [...ratings.values()].filter((r) => r.rating !== NOT_YET_RATED)
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
  }
}
