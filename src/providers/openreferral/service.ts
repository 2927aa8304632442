// The public Open Referral UK feed of a council's register: active locations and their providers,
// read with only the columns CQC publishes, so nothing else can reach the feed by accident.
import { and, asc, count, eq } from 'drizzle-orm'
import { z } from 'zod'
import { type Council, getCouncilByCode } from '../../accounts/service.ts'
import type { Queryable } from '../../db/connection.ts'
import { NotFoundError, parseInput } from '../../errors.ts'
import { locations, providerOrganisations } from '../schema.ts'
import {
  DEFAULT_PER_PAGE,
  fullService,
  MAX_PER_PAGE,
  type PageRequest,
  type PublicLocation,
  pageOf,
  rowIdOf,
  serviceSummary,
} from './rules.ts'

/** A council by its code, or NotFoundError; a code no council could have is not looked up. */
export async function feedCouncil(db: Queryable, code: string): Promise<Council> {
  if (!/^[A-Za-z0-9-]{1,32}$/.test(code)) throw new NotFoundError(`No council has the code ${code}`)
  return getCouncilByCode(db, code)
}

const wholeNumber = (field: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, { error: `Enter ${field} as a whole number from 1` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: `${field} must be 1 or more` })
        .max(max, { error: `${field} must be ${max} or less` }),
    )

export const pageQuery = z.object({
  page: wholeNumber('page', 1_000_000).default(1).describe('The page, from 1'),
  per_page: wholeNumber('per_page', MAX_PER_PAGE)
    .default(DEFAULT_PER_PAGE)
    .describe(`How many on a page, 1 to ${MAX_PER_PAGE}`),
})

export function parsePageQuery(query: unknown): PageRequest {
  const { page, per_page } = parseInput(pageQuery, query)
  return { page, perPage: per_page }
}

const publicColumns = {
  id: locations.id,
  cqcLocationId: locations.cqcLocationId,
  name: locations.name,
  address: locations.address,
  postcode: locations.postcode,
  latitude: locations.latitude,
  longitude: locations.longitude,
  geoSource: locations.geoSource,
  serviceTypes: locations.serviceTypes,
  cqcRating: locations.cqcRating,
  cqcRatingDate: locations.cqcRatingDate,
  updatedAt: locations.updatedAt,
  organisationId: providerOrganisations.id,
  cqcProviderId: providerOrganisations.cqcProviderId,
  organisationName: providerOrganisations.name,
}

type PublicRow = Omit<PublicLocation, 'organisation'> & {
  organisationId: number
  cqcProviderId: string
  organisationName: string
}

function toPublicLocation(row: PublicRow): PublicLocation {
  const { organisationId, cqcProviderId, organisationName, ...rest } = row
  return { ...rest, organisation: { id: organisationId, cqcProviderId, name: organisationName } }
}

// CQC's public facts only: the council's own accredited services are not CQC's to publish.
const publishedIn = (councilId: number) =>
  and(eq(locations.councilId, councilId), eq(locations.active, true), eq(locations.regulator, 'cqc'))

export async function listServices(db: Queryable, council: Council, page: PageRequest) {
  const where = publishedIn(council.id)
  const [totalRow] = await db.select({ total: count() }).from(locations).where(where)
  const rows = await db
    .select(publicColumns)
    .from(locations)
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(where)
    .orderBy(asc(locations.name), asc(locations.id))
    .offset((page.page - 1) * page.perPage)
    .limit(page.perPage)
  return pageOf(
    page,
    totalRow?.total ?? 0,
    rows.map((row) => serviceSummary(toPublicLocation(row))),
  )
}

export async function getService(db: Queryable, council: Council, serviceId: string) {
  const locationId = rowIdOf('service', serviceId)
  const [row] =
    locationId === null
      ? []
      : await db
          .select(publicColumns)
          .from(locations)
          .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
          .where(and(eq(locations.id, locationId), publishedIn(council.id)))
  if (!row) throw new NotFoundError('No such service')
  return fullService(toPublicLocation(row))
}
