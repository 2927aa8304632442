// Pure rules of the CQC import: which rows belong to a council, and what a row changes.

import type { GeoSource } from '../../geography/rules.ts'
import type { CqcFormat, CqcLocationRecord } from './records.ts'

// Council names wrap the place in words CQC's "Local authority" column leaves out, and CQC
// writes some the other way round ("Bristol, City of"). Both sides are reduced to the place.
const LEADING_PHRASES = [
  'london borough of',
  'royal borough of',
  'metropolitan borough of',
  'borough of',
  'city and county of',
  'city of',
  'county of',
  'council of the',
  'council of',
]
const TRAILING_PHRASES = ['city of', 'county of']
const TRAILING_WORDS = new Set([
  'council',
  'county',
  'city',
  'borough',
  'district',
  'metropolitan',
  'corporation',
])

function words(name: string): string[] {
  return name
    .replace(/\([^)]*\)/g, ' ')
    .replace(/&/g, ' and ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
}

function placeWords(name: string): string[] {
  let list = words(name)
  const lower = () => list.map((word) => word.toLowerCase()).join(' ')
  for (const phrase of LEADING_PHRASES) {
    const length = phrase.split(' ').length
    if (lower().startsWith(`${phrase} `) && list.length > length) {
      list = list.slice(length)
      break
    }
  }
  for (const phrase of TRAILING_PHRASES) {
    const length = phrase.split(' ').length
    if (lower().endsWith(` ${phrase}`) && list.length > length) list = list.slice(0, -length)
  }
  while (list.length > 1 && TRAILING_WORDS.has((list.at(-1) as string).toLowerCase()))
    list = list.slice(0, -1)
  // "County Durham" is the place Durham County Council serves.
  if (list.length > 1 && list[0]?.toLowerCase() === 'county') list = list.slice(1)
  return list
}

/** The local authority a council serves, as CQC names it: "Norfolk County Council" -> "Norfolk". */
export function localAuthorityOfCouncil(councilName: string): string {
  return placeWords(councilName).join(' ')
}

/** What two local authority names are compared by: "Bristol, City of" and "Bristol City Council" agree. */
export function localAuthorityKey(name: string): string {
  return placeWords(name).join(' ').toLowerCase()
}

/**
 * Which rows an import keeps. With a local authority, a row must name the same one; a row that
 * names none is left out too, because it cannot be shown to be the council's. Without one (the
 * caller asked for every local authority), every row passes.
 */
export function inLocalAuthority(
  record: Pick<CqcLocationRecord, 'localAuthority'>,
  key: string | null,
): boolean {
  if (key === null) return true
  return record.localAuthority !== null && localAuthorityKey(record.localAuthority) === key
}

/** A register location offers at least one service Caremarket brokers; CQC files also list GPs, dentists... */
export function isCareService(record: Pick<CqcLocationRecord, 'serviceTypes'>): boolean {
  return record.serviceTypes.length > 0
}

/** What each file format carries. A field a format lacks keeps the register's current value. */
const FORMAT_CARRIES: Record<CqcFormat, { ratings: boolean; beds: boolean }> = {
  'care-directory': { ratings: false, beds: false },
  'hsca-active-locations': { ratings: true, beds: true },
  'api-json': { ratings: true, beds: true },
}

/** The columns of a location the import writes. */
export interface LocationValues {
  providerOrganisationId: number
  name: string
  address: string
  postcode: string | null
  latitude: number | null
  longitude: number | null
  registeredBeds: number | null
  serviceTypes: string[]
  specialisms: string[]
  clientGroups: string[]
  cqcRating: string | null
  cqcRatingDate: string | null
  localityId: number | null
  pcnAreaId: number | null
  geoSource: GeoSource | null
}

export interface CurrentLocation extends LocationValues {
  id: number
  active: boolean
}

/** Where the import should look for a location's coordinates, besides the postcode tables. */
export function knownCoordinates(
  record: Pick<CqcLocationRecord, 'latitude' | 'longitude' | 'postcode'>,
  current: CurrentLocation | undefined,
): { latitude: number; longitude: number; source: 'postcode' | 'manual' } | null {
  // CQC's coordinates are its location's postcode centroid (ONSPD).
  if (record.latitude !== null && record.longitude !== null)
    return { latitude: record.latitude, longitude: record.longitude, source: 'postcode' }
  if (!current || current.latitude === null || current.longitude === null) return null
  // A file without coordinates (the care directory) keeps those an earlier import found for the
  // same postcode, and those a commissioner entered.
  if (current.geoSource === 'postcode' && current.postcode === record.postcode)
    return { latitude: current.latitude, longitude: current.longitude, source: 'postcode' }
  if (current.geoSource === 'manual')
    return { latitude: current.latitude, longitude: current.longitude, source: 'manual' }
  return null
}

/** The values a row sets, keeping what its format does not carry from the current location. */
export function locationValuesFrom(
  record: CqcLocationRecord,
  format: CqcFormat,
  current: CurrentLocation | undefined,
  providerOrganisationId: number,
  place: Pick<LocationValues, 'latitude' | 'longitude' | 'localityId' | 'pcnAreaId' | 'geoSource'>,
): LocationValues {
  const carries = FORMAT_CARRIES[format]
  return {
    providerOrganisationId,
    name: record.name,
    address: record.address,
    postcode: record.postcode,
    latitude: place.latitude,
    longitude: place.longitude,
    registeredBeds: carries.beds ? record.registeredBeds : (current?.registeredBeds ?? null),
    serviceTypes: record.serviceTypes,
    specialisms: record.specialisms,
    clientGroups: record.clientGroups,
    cqcRating: carries.ratings ? record.cqcRating : (current?.cqcRating ?? null),
    cqcRatingDate: carries.ratings ? record.cqcRatingDate : (current?.cqcRatingDate ?? null),
    localityId: place.localityId,
    pcnAreaId: place.pcnAreaId,
    geoSource: place.geoSource,
  }
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, i) => value === b[i])

/**
 * Whether writing `values` would change the location (an inactive one always changes: it comes back).
 * Specialisms are left out: CQC's seed a new location, and from then on the provider keeps them in
 * its profile, so a re-import must neither overwrite nor count them.
 */
export function locationChanged(current: CurrentLocation, values: LocationValues): boolean {
  if (!current.active) return true
  return (
    current.providerOrganisationId !== values.providerOrganisationId ||
    current.name !== values.name ||
    current.address !== values.address ||
    current.postcode !== values.postcode ||
    current.latitude !== values.latitude ||
    current.longitude !== values.longitude ||
    current.registeredBeds !== values.registeredBeds ||
    !sameList(current.serviceTypes, values.serviceTypes) ||
    !sameList(current.clientGroups, values.clientGroups) ||
    current.cqcRating !== values.cqcRating ||
    current.cqcRatingDate !== values.cqcRatingDate ||
    current.localityId !== values.localityId ||
    current.pcnAreaId !== values.pcnAreaId ||
    current.geoSource !== values.geoSource
  )
}

/** The rating to add to the location's history, when the row brings a new one. */
export function newRating(
  current: Pick<LocationValues, 'cqcRating' | 'cqcRatingDate'> | undefined,
  values: Pick<LocationValues, 'cqcRating' | 'cqcRatingDate'>,
): { rating: string; ratedOn: string } | null {
  // History needs the date CQC published the rating; a rating without one stays current only.
  if (!values.cqcRating || !values.cqcRatingDate) return null
  if (current && current.cqcRating === values.cqcRating && current.cqcRatingDate === values.cqcRatingDate)
    return null
  return { rating: values.cqcRating, ratedOn: values.cqcRatingDate }
}
