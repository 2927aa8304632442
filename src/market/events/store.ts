// The SQL of market events, and the register's and brokerage's read models they are checked and
// counted against.
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/connection.ts'
import { NotFoundError } from '../../errors.ts'
import { localities } from '../../geography/schema.ts'
import {
  providersImportFacts,
  providersLocationFacts,
  providersOrganisationFacts,
} from '../../providers/reporting/views.ts'
import { isFailure, MARKET_EVENT_KIND_LABELS, type MarketEventKind } from './rules.ts'
import { marketEvents } from './schema.ts'

export type MarketEventRow = typeof marketEvents.$inferSelect

export interface PlaceLocation {
  id: number
  name: string
  postcode: string | null
  registeredBeds: number | null
  active: boolean
}

export async function locationOf(db: Queryable, councilId: number, id: number) {
  const [row] = await db
    .select({
      id: providersLocationFacts.id,
      name: providersLocationFacts.name,
      postcode: providersLocationFacts.postcode,
      registeredBeds: providersLocationFacts.registeredBeds,
      active: providersLocationFacts.active,
      providerOrganisationId: providersLocationFacts.providerOrganisationId,
    })
    .from(providersLocationFacts)
    .where(and(eq(providersLocationFacts.councilId, councilId), eq(providersLocationFacts.id, id)))
  return row
}

export async function providerOf(db: Queryable, councilId: number, id: number) {
  const [row] = await db
    .select({ id: providersOrganisationFacts.id, name: providersOrganisationFacts.name })
    .from(providersOrganisationFacts)
    .where(and(eq(providersOrganisationFacts.councilId, councilId), eq(providersOrganisationFacts.id, id)))
  return row
}

/**
 * The provider's locations that were registered on the date: active now, or made inactive by an
 * import on or after it.
 */
export async function providerLocations(
  db: Queryable,
  councilId: number,
  providerId: number,
  on: string,
): Promise<PlaceLocation[]> {
  return db
    .select({
      id: providersLocationFacts.id,
      name: providersLocationFacts.name,
      postcode: providersLocationFacts.postcode,
      registeredBeds: providersLocationFacts.registeredBeds,
      active: providersLocationFacts.active,
    })
    .from(providersLocationFacts)
    .where(
      and(
        eq(providersLocationFacts.councilId, councilId),
        eq(providersLocationFacts.providerOrganisationId, providerId),
        sql`(${providersLocationFacts.active} or ${providersLocationFacts.deactivatedAt} >= ${on}::date)`,
      ),
    )
    .orderBy(asc(providersLocationFacts.name), asc(providersLocationFacts.id))
}

export interface PackagesCounted {
  /** People with a package of care active at the locations on the date. */
  people: number
  /** Their home care, a week. */
  homeCareMinutes: number
}

/**
 * The people with a package active on the date at the given locations (or any location of the
 * provider), brokered or from the council's own book: started by then and not ended before it. A
 * person with two packages there counts once.
 */
export async function countActivePackages(
  db: Queryable,
  councilId: number,
  where: { locationIds: number[] } | { providerOrganisationId: number },
  on: string,
): Promise<PackagesCounted> {
  const at =
    'providerOrganisationId' in where
      ? sql`k.provider_organisation_id = ${where.providerOrganisationId}`
      : where.locationIds.length === 0
        ? sql`false`
        : sql`k.location_id in (${sql.join(
            where.locationIds.map((id) => sql`${id}`),
            sql`, `,
          )})`
  const [row] = rowsOf<{ people: number; minutes: number }>(
    await db.execute(sql`
      select count(distinct k.person_key)::int as people,
        coalesce(sum(k.minutes_per_week) filter (where k.service_type = 'home_care'), 0)::int as minutes
      from brokerage_care_packages k
      where k.council_id = ${councilId} and ${at}
        and k.start_date <= ${on}::date
        and (k.end_date is null or k.end_date >= ${on}::date)`),
  )
  return { people: Number(row?.people ?? 0), homeCareMinutes: Number(row?.minutes ?? 0) }
}

export async function getEventRow(
  db: Queryable,
  councilId: number,
  eventId: number,
): Promise<MarketEventRow> {
  const [row] = await db
    .select()
    .from(marketEvents)
    .where(and(eq(marketEvents.councilId, councilId), eq(marketEvents.id, eventId)))
  if (!row) throw new NotFoundError('No such market event')
  return row
}

export interface MarketEventView extends MarketEventRow {
  kind: MarketEventKind
  kindLabel: string
  failure: boolean
  providerName: string
  locationName: string | null
  postcode: string | null
  registeredBeds: number | null
  locality: string | null
  cqcImportFileName: string | null
}

export function viewQuery(db: Queryable) {
  return db
    .select({
      event: marketEvents,
      providerName: providersOrganisationFacts.name,
      locationName: providersLocationFacts.name,
      postcode: providersLocationFacts.postcode,
      registeredBeds: providersLocationFacts.registeredBeds,
      locality: localities.name,
      cqcImportFileName: providersImportFacts.fileName,
    })
    .from(marketEvents)
    .innerJoin(
      providersOrganisationFacts,
      eq(providersOrganisationFacts.id, marketEvents.providerOrganisationId),
    )
    .leftJoin(providersLocationFacts, eq(providersLocationFacts.id, marketEvents.locationId))
    .leftJoin(localities, eq(localities.id, providersLocationFacts.localityId))
    .leftJoin(providersImportFacts, eq(providersImportFacts.id, marketEvents.cqcImportId))
}

export function toView(row: Awaited<ReturnType<typeof viewQuery>>[number]): MarketEventView {
  const kind = row.event.kind as MarketEventKind
  return {
    ...row.event,
    kind,
    kindLabel: MARKET_EVENT_KIND_LABELS[kind],
    failure: isFailure(kind),
    providerName: row.providerName,
    locationName: row.locationName,
    postcode: row.postcode,
    registeredBeds: row.registeredBeds,
    locality: row.locality,
    cqcImportFileName: row.cqcImportFileName,
  }
}

/** Rows of a raw query, whichever driver ran it (both return { rows }). */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}
