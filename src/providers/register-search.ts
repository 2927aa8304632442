// Finding locations on the register: by name or CQC ID as people type them, by what they provide,
// their effective rating, where they are, whether they report vacancies and whether a restriction
// is in force; in natural order ("Care 2" before "Care 10"). The SQL narrows the council's
// locations by their own columns; the effective rating, restrictions and capacity come from their
// owners' one-query reads (quality, capacity), and the order from Intl's numeric collation. A
// council's register is thousands of locations, so the few columns of every candidate are read,
// then only the page's rows in full.
import { and, eq, ilike, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { inIds } from '../db/conditions.ts'
import type { Queryable } from '../db/connection.ts'
import { naturalOrder } from '../shared/natural-order.ts'
import { containsPattern } from '../shared/search-text.ts'
import { filterChoice, filterId, filterText } from '../web/filters.ts'
import { staleSince } from './capacity/rules.ts'
import { NOT_YET_RATED } from './quality/rules.ts'
import { activeRestrictions, effectiveRatings, todayInLondon } from './quality/service.ts'
import { newestBedVacancies, newestSpareHomeCare } from './reporting/capacity.ts'
import { locations, providerOrganisations } from './schema.ts'
import { type Location, latestAccreditedTo, type RegisterScope } from './service.ts'
import { CQC_RATINGS, SERVICE_TYPES } from './vocabulary.ts'

export const RATING_CHOICES = [...CQC_RATINGS, NOT_YET_RATED] as const

/** The register's filters (paging apart); `label` names each field in its messages. */
function filtersQuery(label: (parameter: string, onPage: string) => string) {
  return z.object({
    q: filterText(
      label('q', 'Name or CQC ID'),
      200,
      'Words of the location’s or provider’s name in any order, or a CQC location or provider ID in any case and spacing',
    ),
    serviceType: filterChoice(label('serviceType', 'Service type'), SERVICE_TYPES),
    rating: filterChoice(label('rating', 'Effective rating'), RATING_CHOICES),
    localityId: filterId(label('localityId', 'Locality')),
    pcnAreaId: filterId(label('pcnAreaId', 'PCN')),
    vacancies: filterChoice(label('vacancies', 'Vacancies'), ['yes', 'no'] as const).describe(
      'yes: vacant beds or spare home care hours reported in the last 7 days; no: none reported',
    ),
    restricted: filterChoice(label('restricted', 'Restriction'), ['yes', 'no'] as const).describe(
      'yes: a restriction is in force today; no: none is',
    ),
  })
}

/** The API's register filters: each message names its parameter. */
export const registerFiltersQuery = filtersQuery((parameter) => parameter)
/** The register page's filters: each message names the field as the page labels it. */
export const registerFiltersForm = filtersQuery((_, onPage) => onPage)

export type RegisterFilters = z.output<typeof registerFiltersQuery>

/** A CQC ID as people write it ("1-101 234 567", lower case) the way CQC does ("1-101234567"). */
function cqcIdOf(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase()
}

function columnConditions(scope: RegisterScope, filters: RegisterFilters): SQL[] {
  const conditions = [eq(locations.councilId, scope.councilId)]
  if (scope.providerOrganisationId)
    conditions.push(eq(locations.providerOrganisationId, scope.providerOrganisationId))
  const text = filters.q?.trim()
  if (text) {
    const names = text
      .split(/\s+/)
      .map(
        (word) =>
          or(
            ilike(locations.name, containsPattern(word)),
            ilike(providerOrganisations.name, containsPattern(word)),
          ) as SQL,
      )
    const cqcId = cqcIdOf(text)
    conditions.push(
      or(
        and(...names),
        sql`upper(replace(${locations.cqcLocationId}, ' ', '')) = ${cqcId}`,
        sql`upper(replace(${providerOrganisations.cqcProviderId}, ' ', '')) = ${cqcId}`,
      ) as SQL,
    )
  }
  if (filters.serviceType) conditions.push(sql`${filters.serviceType} = any(${locations.serviceTypes})`)
  if (filters.localityId !== undefined) conditions.push(eq(locations.localityId, filters.localityId))
  if (filters.pcnAreaId !== undefined) conditions.push(eq(locations.pcnAreaId, filters.pcnAreaId))
  return conditions
}

/** The candidates' ids whose vacancies, restrictions and rating match the filters. */
async function keepMatching(
  db: Queryable,
  councilId: number,
  ids: number[],
  filters: RegisterFilters,
  now: Date,
): Promise<Set<number>> {
  let kept = new Set(ids)
  if (filters.rating && kept.size > 0) {
    const ratings = await effectiveRatings(db, councilId, [...kept])
    kept = new Set([...kept].filter((id) => (ratings.get(id)?.rating ?? NOT_YET_RATED) === filters.rating))
  }
  if (filters.restricted && kept.size > 0) {
    const inForce = await activeRestrictions(db, councilId, [...kept], todayInLondon())
    const wanted = filters.restricted === 'yes'
    kept = new Set([...kept].filter((id) => (inForce.get(id)?.length ?? 0) > 0 === wanted))
  }
  if (filters.vacancies && kept.size > 0) {
    const since = staleSince(now)
    const [beds, hours] = await Promise.all([
      newestBedVacancies(db, councilId, [...kept], { since }),
      newestSpareHomeCare(db, councilId, [...kept], { since }),
    ])
    const withRoom = new Set([
      ...beds.filter((b) => b.vacancies > 0).map((b) => b.locationId),
      ...hours.filter((h) => h.spareMinutesPerWeek > 0).map((h) => h.locationId),
    ])
    const wanted = filters.vacancies === 'yes'
    kept = new Set([...kept].filter((id) => withRoom.has(id) === wanted))
  }
  return kept
}

/** The register's locations in scope that match, in natural order of name, a page at a time. */
export async function searchRegister(
  db: Queryable,
  scope: RegisterScope,
  filters: RegisterFilters,
  page: { offset: number; limit: number },
  now = new Date(),
): Promise<{ rows: (Location & { providerName: string; accreditedTo: string | null })[]; total: number }> {
  const candidates = await db
    .select({ id: locations.id, name: locations.name })
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(and(...columnConditions(scope, filters)))
  const kept = await keepMatching(
    db,
    scope.councilId,
    candidates.map((c) => c.id),
    filters,
    now,
  )
  const ordered = candidates
    .filter((c) => kept.has(c.id))
    .sort((a, b) => naturalOrder.compare(a.name, b.name) || a.id - b.id)
  const pageIds = ordered.slice(page.offset, page.offset + page.limit).map((c) => c.id)
  if (pageIds.length === 0) return { rows: [], total: ordered.length }
  const rows = await db
    .select({
      location: locations,
      providerName: providerOrganisations.name,
      accreditedTo: latestAccreditedTo,
    })
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(and(eq(locations.councilId, scope.councilId), inIds(locations.id, pageIds)))
  const byId = new Map(
    rows.map((r) => [
      r.location.id,
      { ...r.location, providerName: r.providerName, accreditedTo: r.accreditedTo },
    ]),
  )
  return {
    rows: pageIds.flatMap((id) => {
      const row = byId.get(id)
      return row ? [row] : []
    }),
    total: ordered.length,
  }
}
