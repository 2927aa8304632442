// Pure geography: postcodes and how a place is located. No I/O. (Distances: src/shared/distance.ts.)

import { isValid, toNormalised, toOutcode, validOutcode } from 'postcode'
import { greatCircleMiles, type Point } from '../shared/distance.ts'

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

const GEO_SOURCES = ['postcode', 'district', 'manual'] as const
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
const NEAREST_DISTRICT_MAX_MILES = 15

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
    const miles = greatCircleMiles(point, district.centroid)
    if (miles < nearestMiles) {
      nearest = district
      nearestMiles = miles
    }
  }
  return nearestMiles <= NEAREST_DISTRICT_MAX_MILES ? nearest : null
}
