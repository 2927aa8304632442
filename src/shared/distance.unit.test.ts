import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EARTH_RADIUS_MILES, greatCircleMiles, type Point } from './distance.ts'

// District centroids from ../shared/data/uk-outcodes.csv (OS open data).
const NR1 = { latitude: 52.62671, longitude: 1.31012 } // Norwich, easting 624000 northing 308400
const IP1 = { latitude: 52.06644, longitude: 1.14151 } // Ipswich, easting 615300 northing 245600
const SW1A = { latitude: 51.50265, longitude: -0.13111 } // Westminster
const M1 = { latitude: 53.47734, longitude: -2.23508 } // Manchester

const anywhere = fc.record({
  latitude: fc.double({ min: -90, max: 90, noNaN: true }),
  longitude: fc.double({ min: -180, max: 180, noNaN: true }),
})
// Where councils place people: Great Britain and a margin around it.
const britain = fc.record({
  latitude: fc.double({ min: 49, max: 61, noNaN: true }),
  longitude: fc.double({ min: -8, max: 2, noNaN: true }),
})

/**
 * The same distance by another route: the angle between the points' unit vectors from the
 * Earth's centre (from the chord between them), times the radius.
 */
function milesByVectors(a: Point, b: Point): number {
  const vector = ({ latitude, longitude }: Point): [number, number, number] => {
    const lat = (latitude * Math.PI) / 180
    const lon = (longitude * Math.PI) / 180
    return [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)]
  }
  const [ax, ay, az] = vector(a)
  const [bx, by, bz] = vector(b)
  const chord = Math.hypot(ax - bx, ay - by, az - bz)
  return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, chord / 2))
}

describe('greatCircleMiles', () => {
  it('gives a degree of a great circle as 2πR/360 miles, with R = 3958.8', () => {
    expect(EARTH_RADIUS_MILES).toBe(3958.8)
    expect(greatCircleMiles({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 1 })).toBeCloseTo(
      (2 * Math.PI * EARTH_RADIUS_MILES) / 360,
      9,
    )
    expect(greatCircleMiles({ latitude: 10, longitude: 20 }, { latitude: -10, longitude: -160 })).toBeCloseTo(
      Math.PI * EARTH_RADIUS_MILES,
      // Haversine is ill-conditioned between antipodes: good to a few yards there, not a hair.
      2,
    )
  })

  it('measures known district centroids', () => {
    expect(greatCircleMiles(NR1, IP1)).toBeCloseTo(39.36006, 4)
    expect(greatCircleMiles(SW1A, M1)).toBeCloseTo(162.62129, 4)
    expect(greatCircleMiles(NR1, SW1A)).toBeCloseTo(98.6, 0)
    // The Ordnance Survey grid puts NR1 and IP1 63.4 km (39.39 miles) apart on the flat.
    expect(
      Math.abs(greatCircleMiles(NR1, IP1) - Math.hypot(624000 - 615300, 308400 - 245600) / 1609.344),
    ).toBeLessThan(0.2)
  })

  it('agrees with the distance recomputed from the points’ vectors', () => {
    fc.assert(
      fc.property(britain, britain, (a, b) => {
        // A thousandth of a yard: both round a distance to two decimal places of a mile alike.
        expect(Math.abs(greatCircleMiles(a, b) - milesByVectors(a, b))).toBeLessThan(1e-6)
      }),
    )
    fc.assert(
      fc.property(anywhere, anywhere, (a, b) => {
        expect(Math.abs(greatCircleMiles(a, b) - milesByVectors(a, b))).toBeLessThan(1e-3)
      }),
    )
  })

  it('is zero for a point and itself, symmetric, and obeys the triangle inequality', () => {
    fc.assert(
      fc.property(anywhere, anywhere, anywhere, (a, b, c) => {
        expect(greatCircleMiles(a, a)).toBe(0)
        expect(greatCircleMiles(a, b)).toBeCloseTo(greatCircleMiles(b, a), 9)
        // A yard of slack for the same ill-conditioning near antipodes.
        expect(greatCircleMiles(a, c)).toBeLessThanOrEqual(
          greatCircleMiles(a, b) + greatCircleMiles(b, c) + 1e-3,
        )
        expect(greatCircleMiles(a, b)).toBeLessThanOrEqual(Math.PI * EARTH_RADIUS_MILES + 1e-3)
      }),
    )
  })
})
