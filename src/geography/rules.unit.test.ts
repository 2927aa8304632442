import { describe, expect, it } from 'vitest'
import {
  type CouncilDistrict,
  centroidKey,
  choosePoint,
  districtFor,
  normaliseOutcode,
  normalisePostcode,
  outcodeOf,
  parseCoordinate,
} from './rules.ts'

// District centroids from ../shared/data/uk-outcodes.csv (OS open data).
const NR1 = { latitude: 52.62671, longitude: 1.31012 } // Norwich, easting 624000 northing 308400
const IP1 = { latitude: 52.06644, longitude: 1.14151 } // Ipswich, easting 615300 northing 245600

describe('postcodes', () => {
  it('normalises valid postcodes and refuses anything else', () => {
    expect(normalisePostcode('nr13qe')).toBe('NR1 3QE')
    expect(normalisePostcode('  sw1a   1aa ')).toBe('SW1A 1AA')
    expect(normalisePostcode('NR1')).toBeNull()
    expect(normalisePostcode('NOT A CODE')).toBeNull()
    expect(normalisePostcode('')).toBeNull()
    expect(normaliseOutcode(' nr1 ')).toBe('NR1')
    expect(normaliseOutcode(' nr 3 ')).toBe('NR3')
    expect(normaliseOutcode('not a district')).toBeNull()
    expect(normaliseOutcode('NR1 3QE')).toBeNull()
  })

  it('finds the district of a postcode or of a district', () => {
    expect(outcodeOf('NR1 3QE')).toBe('NR1')
    expect(outcodeOf('ec1a1bb')).toBe('EC1A')
    expect(outcodeOf('ip1')).toBe('IP1')
    expect(outcodeOf('12345')).toBeNull()
    expect(outcodeOf(null)).toBeNull()
  })

  it('tells full postcodes from districts in a centroid file', () => {
    expect(centroidKey('nr1 3qe')).toEqual({ kind: 'postcode', value: 'NR1 3QE' })
    expect(centroidKey('NR1')).toEqual({ kind: 'outcode', value: 'NR1' })
    expect(centroidKey('Norwich')).toBeNull()
  })

  it('reads coordinates within range only', () => {
    expect(parseCoordinate('52.62671', 'latitude')).toBe(52.62671)
    expect(parseCoordinate('-4.48174', 'longitude')).toBe(-4.48174)
    // ONSPD marks postcodes without a grid reference with latitude 99.999999.
    expect(parseCoordinate('99.999999', 'latitude')).toBeNull()
    expect(parseCoordinate('', 'latitude')).toBeNull()
    expect(parseCoordinate('1e3', 'longitude')).toBeNull()
  })
})

describe('choosePoint', () => {
  const postcodeCentroid = { latitude: 52.6, longitude: 1.3 }
  const outcodeCentroid = { latitude: 52.5, longitude: 1.2 }
  const typed = { latitude: 52.4, longitude: 1.1 }

  it('prefers the full postcode, then postcode coordinates, then the district, then typed coordinates', () => {
    expect(
      choosePoint({ postcodeCentroid, outcodeCentroid, coordinates: { ...typed, source: 'postcode' } }),
    ).toEqual({ ...postcodeCentroid, source: 'postcode' })
    expect(
      choosePoint({ postcodeCentroid: null, outcodeCentroid, coordinates: { ...typed, source: 'postcode' } }),
    ).toEqual({ ...typed, source: 'postcode' })
    expect(
      choosePoint({ postcodeCentroid: null, outcodeCentroid, coordinates: { ...typed, source: 'manual' } }),
    ).toEqual({ ...outcodeCentroid, source: 'district' })
    expect(
      choosePoint({
        postcodeCentroid: null,
        outcodeCentroid: null,
        coordinates: { ...typed, source: 'manual' },
      }),
    ).toEqual({ ...typed, source: 'manual' })
    expect(choosePoint({ postcodeCentroid: null, outcodeCentroid: null, coordinates: null })).toEqual({
      latitude: null,
      longitude: null,
      source: null,
    })
  })
})

describe('districtFor', () => {
  const districts = new Map<string, CouncilDistrict>([
    ['NR1', { outcode: 'NR1', localityId: 1, pcnAreaId: 11, centroid: NR1 }],
    ['IP1', { outcode: 'IP1', localityId: 2, pcnAreaId: null, centroid: IP1 }],
    ['NR99', { outcode: 'NR99', localityId: 3, pcnAreaId: null, centroid: null }],
  ])

  it('uses the district of the outcode, else the nearest district centroid within 15 miles', () => {
    expect(districtFor('NR99', null, districts)?.localityId).toBe(3)
    // 9 miles from NR1's centroid, 37 from IP1's.
    expect(districtFor('NR9', { latitude: 52.6, longitude: 1.1 }, districts)?.outcode).toBe('NR1')
    expect(districtFor(null, { latitude: 52.1, longitude: 1.2 }, districts)?.outcode).toBe('IP1')
    // Cambridge (CB2) is 43 miles from the nearest, IP1: outside the council's area.
    expect(districtFor('CB2', { latitude: 52.16276, longitude: 0.13333 }, districts)).toBeNull()
    expect(districtFor('CB2', null, districts)).toBeNull()
    expect(districtFor(null, NR1, new Map())).toBeNull()
  })
})
