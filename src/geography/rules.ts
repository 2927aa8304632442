// Pure geography: postcodes, distances and how a place is located. No I/O.

import { isValid, toNormalised, toOutcode, validOutcode } from 'postcode'

export interface Point {
  latitude: number
  longitude: number
}

/** The mean Earth radius in miles, as the haversine formula is usually given it. */
export const EARTH_RADIUS_MILES = 3958.8

const toRadians = (degrees: number) => (degrees * Math.PI) / 180

/** Great-circle distance in miles (haversine). */
export function milesBetween(a: Point, b: Point): number {
  const dLat = toRadians(b.latitude - a.latitude)
  const dLon = toRadians(b.longitude - a.longitude)
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2
  // atan2 rather than asin: asin loses precision as h nears 1, between almost antipodal points.
  return 2 * EARTH_RADIUS_MILES * Math.atan2(Math.sqrt(h), Math.sqrt(Math.max(0, 1 - h)))
}

/** Whether a full UK postcode is valid, whatever its spacing and capitals. */
export function isValidPostcode(raw: string): boolean {
  return isValid(raw.replace(/\s+/g, ''))
}

/** A full UK postcode in its normal form ("NR1 3QE"), or null when it is not one. */
export function normalisePostcode(raw: string | null | undefined): string | null {
  if (!raw) return null
  const compact = raw.replace(/\s+/g, '')
  return isValid(compact) ? toNormalised(compact) : null
}

/** A postcode district ("NR1") in capitals, or null when it is not one. */
export function normaliseOutcode(raw: string | null | undefined): string | null {
  if (!raw) return null
  const compact = raw.replace(/\s+/g, '').toUpperCase()
  return validOutcode(compact) ? compact : null
}

/** The district of a full postcode ("NR1 3QE" -> "NR1"), or the district itself when given one. */
export function outcodeOf(raw: string | null | undefined): string | null {
  if (!raw) return null
  const compact = raw.replace(/\s+/g, '')
  if (isValid(compact)) return toOutcode(compact)
  return normaliseOutcode(compact)
}

/** A centroid file's key: a full postcode or a postcode district, told apart by their shape. */
export type CentroidKey = { kind: 'postcode'; value: string } | { kind: 'outcode'; value: string }

export function centroidKey(raw: string): CentroidKey | null {
  const postcode = normalisePostcode(raw)
  if (postcode) return { kind: 'postcode', value: postcode }
  const outcode = normaliseOutcode(raw)
  return outcode ? { kind: 'outcode', value: outcode } : null
}

/** A coordinate as written in a file; null when it is not a number within range. */
export function parseCoordinate(
  raw: string | null | undefined,
  kind: 'latitude' | 'longitude',
): number | null {
  const value = raw?.trim() ?? ''
  if (!/^[-+]?\d+(?:\.\d+)?$/.test(value)) return null
  const number = Number(value)
  const limit = kind === 'latitude' ? 90 : 180
  return Number.isFinite(number) && Math.abs(number) <= limit ? number : null
}

export const GEO_SOURCES = ['postcode', 'district', 'manual'] as const
/** How a location's coordinates were found: its full postcode, its postcode district, or typed in. */
export type GeoSource = (typeof GEO_SOURCES)[number]

/** What is known about where something is, with the reference data found for its postcode. */
export interface PlacementEvidence {
  /** The centroid of the full postcode, from the postcode table. */
  postcodeCentroid: Point | null
  /**
   * Coordinates given with the input. 'postcode' when they are a postcode's own (CQC publishes
   * each location's ONSPD postcode coordinates); 'manual' when a commissioner typed them in.
   */
  coordinates: (Point & { source: 'postcode' | 'manual' }) | null
  /** The centroid of the postcode district, from the outcode table. */
  outcodeCentroid: Point | null
}

export interface PlacedPoint {
  latitude: number | null
  longitude: number | null
  source: GeoSource | null
}

/**
 * Where a place is, most precise first: its full postcode's centroid, then coordinates that are a
 * postcode's own, then its district's centroid, then coordinates a commissioner entered.
 */
export function choosePoint(evidence: PlacementEvidence): PlacedPoint {
  const { postcodeCentroid, coordinates, outcodeCentroid } = evidence
  if (postcodeCentroid) return { ...pointOf(postcodeCentroid), source: 'postcode' }
  if (coordinates?.source === 'postcode') return { ...pointOf(coordinates), source: 'postcode' }
  if (outcodeCentroid) return { ...pointOf(outcodeCentroid), source: 'district' }
  if (coordinates) return { ...pointOf(coordinates), source: 'manual' }
  return { latitude: null, longitude: null, source: null }
}

const pointOf = (point: Point): Point => ({ latitude: point.latitude, longitude: point.longitude })

/** One postcode district of a council, with its centroid when the outcode table has it. */
export interface CouncilDistrict {
  outcode: string
  localityId: number
  pcnAreaId: number | null
  centroid: Point | null
}

/**
 * How far a place may be from the nearest of a council's district centroids and still take that
 * district's locality: the default distance for placing in a care home (DOMAIN.md §5). A place
 * further away is not in the council's area, and a locality would only mislead.
 */
export const NEAREST_DISTRICT_MAX_MILES = 15

/**
 * The council district a place belongs to: the one with its outcode, or else — for a place with
 * coordinates but an unknown or out-of-area district — the district whose centroid is nearest,
 * if it is within NEAREST_DISTRICT_MAX_MILES. Null otherwise.
 */
export function districtFor(
  outcode: string | null,
  point: Point | null,
  districts: ReadonlyMap<string, CouncilDistrict>,
): CouncilDistrict | null {
  const own = outcode ? districts.get(outcode) : undefined
  if (own) return own
  if (!point) return null
  let nearest: CouncilDistrict | null = null
  let nearestMiles = Number.POSITIVE_INFINITY
  for (const district of districts.values()) {
    if (!district.centroid) continue
    const miles = milesBetween(point, district.centroid)
    if (miles < nearestMiles) {
      nearest = district
      nearestMiles = miles
    }
  }
  return nearestMiles <= NEAREST_DISTRICT_MAX_MILES ? nearest : null
}
