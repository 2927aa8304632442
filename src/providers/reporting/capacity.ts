// Capacity's "newest report" queries: the one place that says which of a location's vacancy and
// spare hours reports stands. The capacity pages, brokerage's shortlists and the market's figures
// (insights, PCN sufficiency) all read capacity through these.
import { and, desc, eq, gt, lte } from 'drizzle-orm'
import { inIds } from '../../db/conditions.ts'
import type { Queryable } from '../../db/connection.ts'
import { bedVacancyReports, dayPlaceReports, homeCareCapacityReports } from '../schema.ts'

export interface NewestBedVacancies {
  locationId: number
  bedType: string
  vacancies: number
  reportedAt: Date
}

/**
 * The newest vacancies per (location, bed type) of the given locations (or all the council's);
 * only those after `since`, up to `until`, or of one bed type, when given. A report counts as
 * current when it is newer than 7 days (staleSince), so `since` leaves the rest unread.
 */
export async function newestBedVacancies(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[] | 'all',
  only: { since?: Date; until?: Date; bedType?: string } = {},
): Promise<NewestBedVacancies[]> {
  if (locationIds !== 'all' && locationIds.length === 0) return []
  const conditions = [eq(bedVacancyReports.councilId, councilId)]
  if (locationIds !== 'all') conditions.push(inIds(bedVacancyReports.locationId, locationIds))
  if (only.since) conditions.push(gt(bedVacancyReports.reportedAt, only.since))
  if (only.until) conditions.push(lte(bedVacancyReports.reportedAt, only.until))
  if (only.bedType) conditions.push(eq(bedVacancyReports.bedType, only.bedType))
  return db
    .selectDistinctOn([bedVacancyReports.locationId, bedVacancyReports.bedType], {
      locationId: bedVacancyReports.locationId,
      bedType: bedVacancyReports.bedType,
      vacancies: bedVacancyReports.vacancies,
      reportedAt: bedVacancyReports.reportedAt,
    })
    .from(bedVacancyReports)
    .where(and(...conditions))
    .orderBy(
      bedVacancyReports.locationId,
      bedVacancyReports.bedType,
      desc(bedVacancyReports.reportedAt),
      desc(bedVacancyReports.id),
    )
}

export interface NewestSpareHomeCare {
  locationId: number
  outcode: string
  spareMinutesPerWeek: number
  reportedAt: Date
}

/**
 * The newest spare home care minutes a week per (location, postcode district) of the given
 * locations (or all the council's); of one district, after `since` or up to `until`, when given.
 */
export async function newestSpareHomeCare(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[] | 'all',
  only: { outcode?: string; since?: Date; until?: Date } = {},
): Promise<NewestSpareHomeCare[]> {
  if (locationIds !== 'all' && locationIds.length === 0) return []
  return db
    .selectDistinctOn([homeCareCapacityReports.locationId, homeCareCapacityReports.outcode], {
      locationId: homeCareCapacityReports.locationId,
      outcode: homeCareCapacityReports.outcode,
      spareMinutesPerWeek: homeCareCapacityReports.spareMinutesPerWeek,
      reportedAt: homeCareCapacityReports.reportedAt,
    })
    .from(homeCareCapacityReports)
    .where(
      and(
        eq(homeCareCapacityReports.councilId, councilId),
        locationIds === 'all' ? undefined : inIds(homeCareCapacityReports.locationId, locationIds),
        only.outcode ? eq(homeCareCapacityReports.outcode, only.outcode) : undefined,
        only.since ? gt(homeCareCapacityReports.reportedAt, only.since) : undefined,
        only.until ? lte(homeCareCapacityReports.reportedAt, only.until) : undefined,
      ),
    )
    .orderBy(
      homeCareCapacityReports.locationId,
      homeCareCapacityReports.outcode,
      desc(homeCareCapacityReports.reportedAt),
      desc(homeCareCapacityReports.id),
    )
}

export interface NewestDayPlaces {
  locationId: number
  placesPerDay: number
  reportedAt: Date
}

/** The newest spare places a day of each of the given day services. */
export async function newestDayPlaces(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
): Promise<NewestDayPlaces[]> {
  if (locationIds.length === 0) return []
  return db
    .selectDistinctOn([dayPlaceReports.locationId], {
      locationId: dayPlaceReports.locationId,
      placesPerDay: dayPlaceReports.placesPerDay,
      reportedAt: dayPlaceReports.reportedAt,
    })
    .from(dayPlaceReports)
    .where(and(eq(dayPlaceReports.councilId, councilId), inIds(dayPlaceReports.locationId, locationIds)))
    .orderBy(dayPlaceReports.locationId, desc(dayPlaceReports.reportedAt), desc(dayPlaceReports.id))
}
