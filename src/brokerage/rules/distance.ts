// Great-circle distance. The rules keep their own copy so that they stay free of other domains'
// code; it is the same formula and radius as src/geography.

export interface Point {
  latitude: number
  longitude: number
}

/** The mean Earth radius in miles. */
export const EARTH_RADIUS_MILES = 3958.8

const toRadians = (degrees: number) => (degrees * Math.PI) / 180

/** Haversine distance in miles: "as the crow flies", which is how councils state a maximum distance. */
export function greatCircleMiles(a: Point, b: Point): number {
  const dLat = toRadians(b.latitude - a.latitude)
  const dLon = toRadians(b.longitude - a.longitude)
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2
  // Rounding can push h a hair above 1 for antipodal points.
  return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, Math.sqrt(h)))
}
