// The register as Open Referral UK 3.0 (the UK profile of HSDS 3.0). Pure functions, no I/O.
// Only what CQC already publishes about a location is mapped: no people, no capacity, no
// restrictions, nothing a council records about a provider.
import { createHash } from 'node:crypto'
import { SERVICE_TYPE_LABELS, SERVICE_TYPES, type ServiceType } from '../vocabulary.ts'

export const ORUK_VERSION = '3.0'
export const ORUK_PROFILE_URL = 'https://openreferraluk.org/'
/** The API the feed implements a part of, as HSDS's own example of the `/` endpoint names it. */
export const HSDS_OPENAPI_URL =
  'https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json'
export const DEFAULT_PER_PAGE = 50
export const MAX_PER_PAGE = 500

const CQC_SITE = 'https://www.cqc.org.uk'

// HSDS ids are UUIDs. Rows get a version 8 UUID that carries the kind of record and the row's id,
// so an id in the address leads back to its row without a table of ids; the vocabulary gets
// name-based (version 5) UUIDs, so they stay the same whatever order the vocabulary is in.
const ID_PREFIX = 'ca4e3a4b'
const ROW_KINDS = {
  service: 1,
  location: 2,
  serviceAtLocation: 3,
  address: 4,
  organization: 5,
  organizationIdentifier: 6,
  attribute: 7,
} as const
type RowKind = keyof typeof ROW_KINDS
const MAX_ROW_ID = 0xffff_ffff_ffff

export function rowUuid(kind: RowKind, id: number, sub = 0): string {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_ROW_ID) throw new Error(`No UUID for row ${id}`)
  const kindHex = ROW_KINDS[kind].toString(16).padStart(4, '0')
  const subHex = sub.toString(16).padStart(3, '0')
  return `${ID_PREFIX}-${kindHex}-8${subHex}-8000-${id.toString(16).padStart(12, '0')}`
}

/** The row id a UUID made by rowUuid carries, or null when it is not one of that kind. */
export function rowIdOf(kind: RowKind, uuid: string): number | null {
  const kindHex = ROW_KINDS[kind].toString(16).padStart(4, '0')
  const match = new RegExp(`^${ID_PREFIX}-${kindHex}-8000-8000-([0-9a-f]{12})$`).exec(uuid.toLowerCase())
  return match?.[1] ? Number.parseInt(match[1], 16) : null
}

// The namespace of Caremarket's name-based ids: itself a UUID made from the name "caremarket".
const NAMESPACE = nameUuidBytes(Buffer.alloc(16), 'caremarket')

function nameUuidBytes(namespace: Buffer, name: string): Buffer {
  const hash = createHash('sha1').update(namespace).update(name).digest().subarray(0, 16)
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80
  return hash
}

export function nameUuid(name: string): string {
  const hex = nameUuidBytes(NAMESPACE, name).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

// ---------------------------------------------------------------------------------------------
// Paging

export interface PageRequest {
  page: number
  perPage: number
}

export function pageOf<T>(request: PageRequest, totalItems: number, contents: T[]) {
  const totalPages = Math.ceil(totalItems / request.perPage)
  return {
    total_items: totalItems,
    total_pages: totalPages,
    page_number: request.page,
    size: contents.length,
    first_page: request.page === 1,
    last_page: request.page >= totalPages,
    empty: contents.length === 0,
    contents,
  }
}

// ---------------------------------------------------------------------------------------------
// Taxonomy: the register's service types

export const SERVICE_TYPE_TAXONOMY = {
  id: nameUuid('taxonomy:service-types'),
  name: 'Caremarket service types',
  description:
    'The kinds of adult social care service a council’s provider register records for each location.',
  version: '1',
}

export function serviceTypeTerm(type: ServiceType) {
  return {
    id: nameUuid(`taxonomy-term:service-types:${type}`),
    term: type,
    name: SERVICE_TYPE_LABELS[type],
    description: SERVICE_TYPE_LABELS[type],
    taxonomy: SERVICE_TYPE_TAXONOMY.name,
    taxonomy_id: SERVICE_TYPE_TAXONOMY.id,
  }
}

export const SERVICE_TYPE_TERMS = SERVICE_TYPES.map(serviceTypeTerm)

export function serviceTypeByTermId(id: string): ServiceType | null {
  return SERVICE_TYPES.find((type) => serviceTypeTerm(type).id === id.toLowerCase()) ?? null
}

// ---------------------------------------------------------------------------------------------
// Services

/** The public facts of one active location on a council's register, as CQC publishes them. */
export interface PublicLocation {
  id: number
  cqcLocationId: string
  name: string
  address: string
  postcode: string | null
  latitude: number | null
  longitude: number | null
  geoSource: string | null
  serviceTypes: string[]
  cqcRating: string | null
  cqcRatingDate: string | null
  updatedAt: Date
  organisation: { id: number; cqcProviderId: string; name: string }
}

function cqcLocationUrl(cqcLocationId: string): string {
  return `${CQC_SITE}/location/${encodeURIComponent(cqcLocationId)}`
}

function serviceDescription(location: PublicLocation): string {
  const types = knownServiceTypes(location).map((type) => SERVICE_TYPE_LABELS[type])
  const kinds = types.length > 0 ? types.join(', ') : 'Adult social care'
  const rating = location.cqcRating
    ? `CQC rating: ${location.cqcRating}${location.cqcRatingDate ? ` (${location.cqcRatingDate})` : ''}.`
    : 'Not yet rated by CQC.'
  return `${kinds}, registered with the Care Quality Commission. ${rating}`
}

function knownServiceTypes(location: PublicLocation): ServiceType[] {
  return SERVICE_TYPES.filter((type) => location.serviceTypes.includes(type))
}

/** The one-to-one fields of a service: what a list of services carries. */
export function serviceSummary(location: PublicLocation) {
  return {
    id: rowUuid('service', location.id),
    organization_id: rowUuid('organization', location.organisation.id),
    name: location.name,
    description: serviceDescription(location),
    url: cqcLocationUrl(location.cqcLocationId),
    status: 'active',
    last_modified: location.updatedAt.toISOString(),
  }
}

function organization(org: PublicLocation['organisation']) {
  const id = rowUuid('organization', org.id)
  return {
    id,
    name: org.name,
    description: `A provider registered with the Care Quality Commission (provider ID ${org.cqcProviderId}).`,
    uri: `${CQC_SITE}/provider/${encodeURIComponent(org.cqcProviderId)}`,
    organization_identifiers: [
      {
        id: rowUuid('organizationIdentifier', org.id),
        organization_id: id,
        identifier_scheme: 'GB-CQC',
        identifier_type: 'CQC provider ID',
        identifier: org.cqcProviderId,
      },
    ],
  }
}

/** The last comma-separated part of a CQC address is its town. */
function splitAddress(address: string): { lines: string; town: string } {
  const parts = address
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  if (parts.length < 2) return { lines: address.trim(), town: '' }
  return { lines: parts.slice(0, -1).join(', '), town: parts.at(-1) ?? '' }
}

function location(row: PublicLocation) {
  const id = rowUuid('location', row.id)
  const { lines, town } = splitAddress(row.address)
  // A postcode district's centre is not where the service is, so only a place's own position is shown.
  const placed = row.latitude !== null && row.longitude !== null && row.geoSource !== 'district'
  return {
    id,
    location_type: 'physical',
    name: row.name,
    external_identifier: row.cqcLocationId,
    external_identifier_type: 'CQC location ID',
    ...(placed ? { latitude: row.latitude, longitude: row.longitude } : {}),
    addresses: row.postcode
      ? [
          {
            id: rowUuid('address', row.id),
            location_id: id,
            address_1: lines,
            city: town,
            state_province: 'England',
            postal_code: row.postcode,
            country: 'GB',
            address_type: 'physical',
          },
        ]
      : [],
  }
}

/** A service in full: its organisation, its one location, and its service types as taxonomy terms. */
export function fullService(row: PublicLocation) {
  const summary = serviceSummary(row)
  const place = location(row)
  return {
    ...summary,
    organization: organization(row.organisation),
    service_at_locations: [
      {
        id: rowUuid('serviceAtLocation', row.id),
        service_id: summary.id,
        location_id: place.id,
        location: place,
      },
    ],
    attributes: knownServiceTypes(row).map((type) => {
      const term = serviceTypeTerm(type)
      return {
        id: rowUuid('attribute', row.id, SERVICE_TYPES.indexOf(type) + 1),
        link_id: summary.id,
        link_type: 'service',
        taxonomy_term_id: term.id,
        taxonomy_term: term,
      }
    }),
    // The register's contacts are people at the provider, which the council does not publish.
    contacts: [],
  }
}
