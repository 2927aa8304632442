// SQL of quality's own tables: each location's rating history (CQC ratings and PAMMS audits) and
// its restrictions. No rules and no audit: the service decides, and writes the audit entry in the
// same transaction.
import { and, desc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm'
import { inIds } from '../../db/conditions.ts'
import type { Queryable } from '../../db/connection.ts'
import {
  locationAccreditations,
  locationKeyQuestionRatings,
  locationRatings,
  locations,
  providerOrganisations,
  restrictions,
} from '../schema.ts'
import type { CqcRating, KeyQuestion, RestrictionKind } from '../vocabulary.ts'
import type { RatingSource } from './rules.ts'

export type LocationRating = typeof locationRatings.$inferSelect
export type RestrictionRow = typeof restrictions.$inferSelect
/** A stored restriction; its kind typed, so it can go straight to restrictionEffect. */
export type Restriction = Omit<RestrictionRow, 'kind'> & { kind: RestrictionKind }

export function asRestriction(row: RestrictionRow): Restriction {
  return { ...row, kind: row.kind as RestrictionKind }
}

// ---------------------------------------------------------------------------------------------
// Ratings

/** How many of the locations belong to the council. */
export async function countLocationsInCouncil(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
): Promise<number> {
  const rows = await db
    .select({ id: locations.id })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), inArray(locations.id, [...locationIds])))
  return rows.length
}

/** The CQC ratings on record for these locations on these dates. */
export function storedCqcRatings(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  dates: readonly string[],
) {
  return db
    .select({
      id: locationRatings.id,
      locationId: locationRatings.locationId,
      ratedOn: locationRatings.ratedOn,
      rating: locationRatings.rating,
    })
    .from(locationRatings)
    .where(
      and(
        eq(locationRatings.councilId, councilId),
        eq(locationRatings.source, 'cqc'),
        inArray(locationRatings.locationId, [...locationIds]),
        inArray(locationRatings.ratedOn, [...dates]),
      ),
    )
}

/** Replaces a stored CQC rating that CQC republished differently. */
export async function correctRating(
  db: Queryable,
  id: number,
  rating: CqcRating,
  recordedBy: string,
): Promise<void> {
  await db
    .update(locationRatings)
    .set({ rating, recordedBy, recordedAt: new Date() })
    .where(eq(locationRatings.id, id))
}

/**
 * Adds ratings to the history, skipping any a concurrent writer added meanwhile (one per location,
 * source and date); returns the ones added.
 */
export function insertRatings(
  db: Queryable,
  rows: (typeof locationRatings.$inferInsert)[],
): Promise<LocationRating[]> {
  return db
    .insert(locationRatings)
    .values(rows)
    .onConflictDoNothing({
      target: [locationRatings.locationId, locationRatings.source, locationRatings.ratedOn],
    })
    .returning()
}

/** Every rating of a location in its history. */
export function ratingsOfLocation(
  db: Queryable,
  councilId: number,
  locationId: number,
): Promise<LocationRating[]> {
  return db
    .select()
    .from(locationRatings)
    .where(and(eq(locationRatings.councilId, councilId), eq(locationRatings.locationId, locationId)))
}

/**
 * For each location of the council among the ids: the register's CQC columns and the newest CQC
 * rating and PAMMS audit of its history, in one query.
 */
export function latestRatings(db: Queryable, councilId: number, locationIds: readonly number[]) {
  const latest = (source: RatingSource, alias: string) =>
    db
      .select({ rating: locationRatings.rating, ratedOn: locationRatings.ratedOn })
      .from(locationRatings)
      .where(and(eq(locationRatings.locationId, locations.id), eq(locationRatings.source, source)))
      .orderBy(desc(locationRatings.ratedOn))
      .limit(1)
      .as(alias)
  const latestCqc = latest('cqc', 'latest_cqc')
  const latestPamms = latest('pamms', 'latest_pamms')
  return db
    .select({
      id: locations.id,
      regulator: locations.regulator,
      cqcRating: locations.cqcRating,
      cqcRatingDate: locations.cqcRatingDate,
      historyCqcRating: latestCqc.rating,
      historyCqcOn: latestCqc.ratedOn,
      pammsRating: latestPamms.rating,
      pammsOn: latestPamms.ratedOn,
    })
    .from(locations)
    .leftJoinLateral(latestCqc, sql`true`)
    .leftJoinLateral(latestPamms, sql`true`)
    .where(and(eq(locations.councilId, councilId), inIds(locations.id, locationIds)))
}

/** Every accreditation of the council's locations among the ids, latest first. */
export function accreditationsOfLocations(db: Queryable, councilId: number, locationIds: readonly number[]) {
  return db
    .select({
      locationId: locationAccreditations.locationId,
      accreditedFrom: locationAccreditations.accreditedFrom,
      accreditedTo: locationAccreditations.accreditedTo,
      criteriaMet: locationAccreditations.criteriaMet,
      accreditedBy: locationAccreditations.accreditedBy,
    })
    .from(locationAccreditations)
    .where(
      and(
        eq(locationAccreditations.councilId, councilId),
        inIds(locationAccreditations.locationId, locationIds),
      ),
    )
    .orderBy(desc(locationAccreditations.accreditedFrom))
}

// ---------------------------------------------------------------------------------------------
// Restrictions

export async function insertRestriction(
  db: Queryable,
  values: typeof restrictions.$inferInsert,
): Promise<RestrictionRow | undefined> {
  const [row] = await db.insert(restrictions).values(values).returning()
  return row
}

/** Marks a restriction lifted, unless it already is (then undefined): a second, concurrent lift finds nothing. */
export async function markLifted(
  db: Queryable,
  restrictionId: number,
  lift: { liftedBy: string; liftReason: string },
): Promise<RestrictionRow | undefined> {
  const [row] = await db
    .update(restrictions)
    .set({ liftedAt: new Date(), ...lift })
    .where(and(eq(restrictions.id, restrictionId), isNull(restrictions.liftedAt)))
    .returning()
  return row
}

export async function restrictionById(
  db: Queryable,
  councilId: number,
  locationId: number,
  restrictionId: number,
): Promise<RestrictionRow | undefined> {
  const [row] = await db
    .select()
    .from(restrictions)
    .where(
      and(
        eq(restrictions.councilId, councilId),
        eq(restrictions.locationId, locationId),
        eq(restrictions.id, restrictionId),
      ),
    )
  return row
}

/** Every restriction of a location, latest start first. */
export function restrictionsOfLocation(
  db: Queryable,
  councilId: number,
  locationId: number,
): Promise<RestrictionRow[]> {
  return db
    .select()
    .from(restrictions)
    .where(and(eq(restrictions.councilId, councilId), eq(restrictions.locationId, locationId)))
    .orderBy(desc(restrictions.startsOn), desc(restrictions.id))
}

/** Narrows to restrictions whose dates cover the day; isInForce then applies lifting, the one definition. */
function datesCover(onDate: string): SQL[] {
  return [
    lte(restrictions.startsOn, onDate),
    or(isNull(restrictions.endsOn), gte(restrictions.endsOn, onDate)) as SQL,
  ]
}

/** The restrictions of these locations of the council whose dates cover the day. */
export function restrictionsCovering(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  onDate: string,
): Promise<RestrictionRow[]> {
  return db
    .select()
    .from(restrictions)
    .where(
      and(
        eq(restrictions.councilId, councilId),
        inIds(restrictions.locationId, locationIds),
        ...datesCover(onDate),
      ),
    )
}

/** The council's active register: services and registered beds for each set of service types. */
export function activeRegisterCounts(db: Queryable, councilId: number) {
  return db
    .select({
      serviceTypes: locations.serviceTypes,
      services: sql<number>`count(*)`.mapWith(Number),
      beds: sql<number>`coalesce(sum(${locations.registeredBeds}), 0)`.mapWith(Number),
    })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.active, true)))
    .groupBy(locations.serviceTypes)
}

/** The restrictions covering the day at the council's active locations, with their location and provider. */
export function restrictionsAtActiveLocations(db: Queryable, councilId: number, onDate: string) {
  return db
    .select({
      restriction: restrictions,
      locationName: locations.name,
      providerName: providerOrganisations.name,
      serviceTypes: locations.serviceTypes,
      registeredBeds: locations.registeredBeds,
    })
    .from(restrictions)
    .innerJoin(locations, eq(locations.id, restrictions.locationId))
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(and(eq(restrictions.councilId, councilId), eq(locations.active, true), ...datesCover(onDate)))
    .orderBy(locations.name, restrictions.startsOn, restrictions.id)
}

// ---------------------------------------------------------------------------------------------
// Key-question ratings

/** Adds key-question ratings, or corrects one CQC changed; returns the rows added or corrected. */
export async function upsertKeyQuestionRatings(
  db: Queryable,
  councilId: number,
  recordedBy: string,
  entries: readonly {
    locationId: number
    keyQuestion: KeyQuestion
    rating: CqcRating
    ratedOn: string
  }[],
): Promise<{ id: number }[]> {
  return db
    .insert(locationKeyQuestionRatings)
    .values(entries.map((entry) => ({ councilId, recordedBy, ...entry })))
    .onConflictDoUpdate({
      target: [
        locationKeyQuestionRatings.locationId,
        locationKeyQuestionRatings.keyQuestion,
        locationKeyQuestionRatings.ratedOn,
      ],
      set: { rating: sql`excluded.rating`, recordedBy, recordedAt: sql`now()` },
      setWhere: sql`${locationKeyQuestionRatings.rating} <> excluded.rating`,
    })
    .returning({ id: locationKeyQuestionRatings.id })
}

export function keyQuestionRatingRows(db: Queryable, councilId: number, locationId: number) {
  return db
    .select()
    .from(locationKeyQuestionRatings)
    .where(
      and(
        eq(locationKeyQuestionRatings.councilId, councilId),
        eq(locationKeyQuestionRatings.locationId, locationId),
      ),
    )
}
