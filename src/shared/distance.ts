// Great-circle distance: the one formula and Earth radius every module measures miles with. The
// eligibility search's SQL (src/brokerage/invitations.ts) interpolates the same radius and writes
// the same formula, so a distance reads the same whether the database or the rules measured it.

export interface Point {
  latitude: number
  longitude: number
}

/** The mean Earth radius in miles, as the haversine formula is usually given it. */
export const EARTH_RADIUS_MILES = 3958.8

export const toRadians = (degrees: number) => (degrees * Math.PI) / 180

/** Haversine distance in miles: "as the crow flies", which is how councils state a maximum distance. */
export function greatCircleMiles(a: Point, b: Point): number {
  const dLat = toRadians(b.latitude - a.latitude)
  const dLon = toRadians(b.longitude - a.longitude)
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2
  // atan2 rather than asin: asin loses precision as h nears 1, between almost antipodal points,
  // and rounding can push h a hair above 1 there.
  return 2 * EARTH_RADIUS_MILES * Math.atan2(Math.sqrt(h), Math.sqrt(Math.max(0, 1 - h)))
}
