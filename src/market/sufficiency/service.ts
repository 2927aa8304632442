// PCN sufficiency: per PCN area and placement type, the sourcing record of the period and the
// capacity reported now, rated by the council's thresholds.
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { parseInput } from '../../errors.ts'
import { councilDistricts, localities, pcnAreas } from '../../geography/schema.ts'
import { STALE_AFTER_DAYS, staleSince } from '../../providers/capacity/rules.ts'
import { newestBedVacancies, newestSpareHomeCare } from '../../providers/reporting/capacity.ts'
import { providersLocationFacts } from '../../providers/reporting/views.ts'
import { londonDate } from '../../shared/dates.ts'
import { marketSettings } from '../schema.ts'
import {
  bedTypeFor,
  DEFAULT_SUFFICIENCY_THRESHOLDS,
  PLACEMENT_TYPES,
  type PlacementType,
  type RequestHistory,
  rateSufficiency,
  type SufficiencyInputs,
  type SufficiencyRating,
  type SufficiencyThresholds,
  sourcingFigures,
  successPercent,
  THRESHOLD_LIMITS,
} from './rules.ts'

const DAY_MS = 86_400_000

// ---------------------------------------------------------------------------------------------
// Settings

export async function getSufficiencyThresholds(
  db: Queryable,
  councilId: number,
): Promise<SufficiencyThresholds> {
  const [row] = await db
    .select({
      periodDays: marketSettings.sufficiencyPeriodDays,
      minRequests: marketSettings.sufficiencyMinRequests,
      sufficientSuccessPercent: marketSettings.sufficiencySufficientSuccessPercent,
      lowSuccessPercent: marketSettings.sufficiencyLowSuccessPercent,
      sufficientMedianDays: marketSettings.sufficiencySufficientMedianDays,
      lowMedianDays: marketSettings.sufficiencyLowMedianDays,
    })
    .from(marketSettings)
    .where(eq(marketSettings.councilId, councilId))
  return row ?? { ...DEFAULT_SUFFICIENCY_THRESHOLDS }
}

const wholeNumber = (key: keyof SufficiencyThresholds, missing: string) => {
  const { min, max } = THRESHOLD_LIMITS[key]
  const message = `Enter a whole number from ${min} to ${max}`
  return z.union([z.string(), z.number()], { error: message }).transform((value, ctx) => {
    const text = String(value).trim()
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: text === '' ? missing : message })
      return z.NEVER
    }
    return n
  })
}

const sufficiencyThresholdsSchema = z
  .object({
    periodDays: wholeNumber('periodDays', 'Enter how many days of requests to count'),
    minRequests: wholeNumber('minRequests', 'Enter the fewest requests that give a rating'),
    sufficientSuccessPercent: wholeNumber(
      'sufficientSuccessPercent',
      'Enter the % of requests sourced needed for Sufficient',
    ),
    lowSuccessPercent: wholeNumber(
      'lowSuccessPercent',
      'Enter the % of requests sourced below which it is Low',
    ),
    sufficientMedianDays: wholeNumber('sufficientMedianDays', 'Enter the most median days for Sufficient'),
    lowMedianDays: wholeNumber('lowMedianDays', 'Enter the median days above which it is Low'),
  })
  .superRefine((t, ctx) => {
    if (t.lowSuccessPercent >= t.sufficientSuccessPercent)
      ctx.addIssue({
        code: 'custom',
        path: ['lowSuccessPercent'],
        message: 'The % for Low must be less than the % for Sufficient',
      })
    if (t.sufficientMedianDays >= t.lowMedianDays)
      ctx.addIssue({
        code: 'custom',
        path: ['lowMedianDays'],
        message: 'The days for Low must be more than the days for Sufficient',
      })
  })

export async function updateSufficiencyThresholds(
  db: Database,
  councilId: number,
  input: unknown,
  actor: Actor,
): Promise<SufficiencyThresholds> {
  const thresholds = parseInput(sufficiencyThresholdsSchema, input)
  return db.transaction(async (tx) => {
    const before = await getSufficiencyThresholds(tx, councilId)
    const values = {
      sufficiencyPeriodDays: thresholds.periodDays,
      sufficiencyMinRequests: thresholds.minRequests,
      sufficiencySufficientSuccessPercent: thresholds.sufficientSuccessPercent,
      sufficiencyLowSuccessPercent: thresholds.lowSuccessPercent,
      sufficiencySufficientMedianDays: thresholds.sufficientMedianDays,
      sufficiencyLowMedianDays: thresholds.lowMedianDays,
      updatedAt: new Date(),
      updatedBy: actor.kind === 'user' ? actor.email : actor.label,
    }
    await tx
      .insert(marketSettings)
      .values({ councilId, ...values })
      .onConflictDoUpdate({ target: marketSettings.councilId, set: values })
    const changes = Object.fromEntries(
      (Object.keys(thresholds) as (keyof SufficiencyThresholds)[])
        .filter((key) => before[key] !== thresholds[key])
        .map((key) => [key, { from: before[key], to: thresholds[key] }]),
    )
    await recordAudit(tx, actor, {
      councilId,
      action: 'market_settings.sufficiency_updated',
      entityType: 'market_settings',
      entityId: councilId,
      details: changes,
    })
    return thresholds
  })
}

// ---------------------------------------------------------------------------------------------
// The matrix

interface SufficiencyCell extends SufficiencyInputs {
  placementType: PlacementType
  successPercent: number | null
  rating: SufficiencyRating
  /** People living in the area with a package of this type active today, brokered or from the council's own book. */
  peopleSupported: number
  /** Of them, the people with one brokered through Caremarket. */
  peopleSupportedBrokered: number
}

export interface SufficiencyRow {
  pcnAreaId: number
  pcnArea: string
  locality: string
  cells: SufficiencyCell[]
}

export interface SufficiencyMatrix {
  thresholds: SufficiencyThresholds
  from: Date
  to: Date
  /** Vacancy and spare hours reports older than this many days are not counted. */
  staleAfterDays: number
  rows: SufficiencyRow[]
  /** Requests of the period whose person is in no PCN area, so in no row. */
  requestsWithoutArea: number
}

const key = (pcnAreaId: number, type: PlacementType) => `${pcnAreaId}:${type}`

/**
 * Each request submitted in the period, with what had become of it by the period's end. The
 * person's PCN area is where they live, kept on the person when the request was made. The period's
 * first submissions are found by index, so the work follows the period, not the whole history.
 */
async function requestHistories(db: Queryable, councilId: number, from: Date, to: Date) {
  const before = sql`${to.toISOString()}::timestamptz`
  const result = await db.execute(sql`
    select r.service_type, p.pcn_area_id, submitted.at as submitted_at, outcome.awarded_at,
      outcome.ever_unsourced, outcome.cancelled,
      (select count(*) from brokerage_offer_facts o where o.request_id = r.id and o.made_at < ${before})::int
        as offers
    from (
      select distinct e.request_id, e.at
      from brokerage_status_changes e
      where e.council_id = ${councilId} and e.to_status = 'submitted'
        and e.at >= ${from.toISOString()}::timestamptz and e.at < ${before}
        and not exists (
          select 1 from brokerage_status_changes f
          where f.request_id = e.request_id and f.to_status = 'submitted' and f.at < e.at
        )
    ) submitted
    join brokerage_request_facts r on r.id = submitted.request_id
    join brokerage_person_facts p on p.id = r.person_id
    cross join lateral (
      select min(e.at) filter (where e.to_status = 'awarded') as awarded_at,
        coalesce(bool_or(e.to_status = 'unsourced'), false) as ever_unsourced,
        coalesce(bool_or(e.to_status = 'cancelled'), false) as cancelled
      from brokerage_status_changes e
      where e.request_id = r.id and e.at < ${before}
    ) outcome
    where r.council_id = ${councilId}
      and r.service_type in (${sql.join(
        PLACEMENT_TYPES.map((t) => sql`${t}`),
        sql`, `,
      )})`)
  const rows = (
    result as unknown as {
      rows: {
        service_type: string
        pcn_area_id: number | null
        submitted_at: string | Date
        awarded_at: string | Date | null
        ever_unsourced: boolean
        cancelled: boolean
        offers: number
      }[]
    }
  ).rows
  return rows.map((r) => ({
    pcnAreaId: r.pcn_area_id === null ? null : Number(r.pcn_area_id),
    placementType: r.service_type as PlacementType,
    history: {
      submittedAt: new Date(r.submitted_at),
      awardedAt: r.awarded_at ? new Date(r.awarded_at) : null,
      everUnsourced: Boolean(r.ever_unsourced),
      cancelled: Boolean(r.cancelled),
      offers: Number(r.offers),
    } satisfies RequestHistory,
  }))
}

/**
 * People with a package of each placement type active on the date, by the PCN area where they live:
 * the council's own book and the packages brokered through Caremarket, each person counted once.
 */
async function peopleSupportedByArea(db: Queryable, councilId: number, on: string) {
  const rows = (
    (await db.execute(sql`
      select k.pcn_area_id, k.service_type, count(distinct k.person_key)::int as people,
        count(distinct k.person_key) filter (where k.source = 'brokered')::int as brokered
      from brokerage_care_packages k
      where k.council_id = ${councilId} and k.pcn_area_id is not null
        and k.service_type in (${sql.join(
          PLACEMENT_TYPES.map((t) => sql`${t}`),
          sql`, `,
        )})
        and k.start_date <= ${on}::date and (k.end_date is null or k.end_date >= ${on}::date)
      group by k.pcn_area_id, k.service_type`)) as unknown as {
      rows: { pcn_area_id: number; service_type: string; people: number; brokered: number }[]
    }
  ).rows
  return new Map(
    rows.map((r) => [
      key(Number(r.pcn_area_id), r.service_type as PlacementType),
      { people: Number(r.people), brokered: Number(r.brokered) },
    ]),
  )
}

/** The council's active locations, each with its PCN area (null where it is in none). */
async function activeLocationAreas(db: Queryable, councilId: number): Promise<Map<number, number | null>> {
  const rows = await db
    .select({ id: providersLocationFacts.id, pcnAreaId: providersLocationFacts.pcnAreaId })
    .from(providersLocationFacts)
    .where(and(eq(providersLocationFacts.councilId, councilId), eq(providersLocationFacts.active, true)))
  return new Map(rows.map((r) => [r.id, r.pcnAreaId]))
}

/**
 * Vacant beds by PCN area and bed type: each active home's newest report of each bed type, if
 * current, counted in the home's PCN area.
 */
async function vacanciesByArea(
  db: Queryable,
  councilId: number,
  areaOf: Map<number, number | null>,
  now: Date,
) {
  const newest = await newestBedVacancies(db, councilId, 'all', { since: staleSince(now), until: now })
  const totals = new Map<string, number>()
  for (const row of newest) {
    const pcnAreaId = areaOf.get(row.locationId)
    if (pcnAreaId === undefined || pcnAreaId === null) continue
    const k = `${pcnAreaId}:${row.bedType}`
    totals.set(k, (totals.get(k) ?? 0) + row.vacancies)
  }
  return totals
}

/**
 * Spare home care hours a week by PCN area: each active location's newest report per postcode
 * district, if current, counted in the district's PCN area.
 */
async function spareHoursByArea(
  db: Queryable,
  councilId: number,
  active: Map<number, number | null>,
  now: Date,
) {
  const [districtAreas, newest] = await Promise.all([
    db
      .select({ outcode: councilDistricts.outcode, pcnAreaId: councilDistricts.pcnAreaId })
      .from(councilDistricts)
      .where(and(eq(councilDistricts.councilId, councilId), isNotNull(councilDistricts.pcnAreaId))),
    newestSpareHomeCare(db, councilId, 'all', { since: staleSince(now), until: now }),
  ])
  const areaOfDistrict = new Map(districtAreas.map((d) => [d.outcode, d.pcnAreaId as number]))
  const minutes = new Map<number, number>()
  for (const row of newest) {
    const pcnAreaId = areaOfDistrict.get(row.outcode)
    if (!active.has(row.locationId) || pcnAreaId === undefined) continue
    minutes.set(pcnAreaId, (minutes.get(pcnAreaId) ?? 0) + row.spareMinutesPerWeek)
  }
  return new Map([...minutes].map(([id, m]) => [id, Math.round((m / 60) * 10) / 10]))
}

/** The sufficiency of every PCN area of the council for every placement type, as at `now`. */
export async function sufficiencyMatrix(
  db: Queryable,
  councilId: number,
  now = new Date(),
): Promise<SufficiencyMatrix> {
  const thresholds = await getSufficiencyThresholds(db, councilId)
  const from = new Date(now.getTime() - thresholds.periodDays * DAY_MS)
  const locationAreas = await activeLocationAreas(db, councilId)
  const [areas, requests, beds, hours, supported] = await Promise.all([
    db
      .select({ id: pcnAreas.id, name: pcnAreas.name, locality: localities.name })
      .from(pcnAreas)
      .innerJoin(localities, eq(localities.id, pcnAreas.localityId))
      .where(eq(pcnAreas.councilId, councilId))
      .orderBy(asc(localities.name), asc(pcnAreas.name)),
    requestHistories(db, councilId, from, now),
    vacanciesByArea(db, councilId, locationAreas, now),
    spareHoursByArea(db, councilId, locationAreas, now),
    peopleSupportedByArea(db, councilId, londonDate(now)),
  ])
  const histories = new Map<string, RequestHistory[]>()
  let requestsWithoutArea = 0
  for (const r of requests) {
    if (r.pcnAreaId === null) {
      requestsWithoutArea++
      continue
    }
    const k = key(r.pcnAreaId, r.placementType)
    histories.set(k, [...(histories.get(k) ?? []), r.history])
  }
  const rows = areas.map((area) => ({
    pcnAreaId: area.id,
    pcnArea: area.name,
    locality: area.locality,
    cells: PLACEMENT_TYPES.map((placementType): SufficiencyCell => {
      const bedType = bedTypeFor(placementType)
      const inputs: SufficiencyInputs = {
        ...sourcingFigures(histories.get(key(area.id, placementType)) ?? []),
        vacancies: bedType ? (beds.get(`${area.id}:${bedType}`) ?? null) : (hours.get(area.id) ?? null),
      }
      return {
        placementType,
        ...inputs,
        successPercent: successPercent(inputs),
        rating: rateSufficiency(inputs, thresholds),
        peopleSupported: supported.get(key(area.id, placementType))?.people ?? 0,
        peopleSupportedBrokered: supported.get(key(area.id, placementType))?.brokered ?? 0,
      }
    }),
  }))
  return { thresholds, from, to: now, staleAfterDays: STALE_AFTER_DAYS, rows, requestsWithoutArea }
}
