// Fictional but self-consistent geography: each demo council sits in its own box of real English
// latitude and longitude, so that distances in miles mean what they would for a real council.

import type { Point } from '../shared/distance.ts'
import type { Random } from '../shared/random.ts'

export interface Box {
  south: number
  north: number
  west: number
  east: number
}

export interface DistrictPlan {
  outcode: string
  /** The main place, used in addresses and for naming. */
  place: string
  locality: string
  pcn: string
  rural: boolean
  centroid: Point
  /** Share of the council's population, so of its services. */
  weight: number
}

const MILES_PER_DEGREE_LATITUDE = 69.05

// Inland England from Cheshire to Suffolk and the Home Counties: every box inside it is on land or
// close to it, so coordinates look plausible on a map.
const REGION: Box = { south: 51.0, north: 53.4, west: -2.8, east: 1.4 }
// About Norfolk's size (41 by 59 miles): councils are never drawn bigger than this.
const MAX_CELL = { latitude: 0.6, longitude: 1.4 }
// Keeps a visible gap between neighbouring councils.
const CELL_GAP = 0.03

const DISTRICTS_PER_COUNCIL = 24
const CITY_DISTRICTS = 5
// Urban districts are 30% of the population, as in Norfolk (70.2% rural).
const URBAN_POPULATION_SHARE = 0.3
/** How far a postcode may lie from its district centroid. */
const URBAN_POSTCODE_RADIUS_MILES = 0.8
const RURAL_POSTCODE_RADIUS_MILES = 2
// Keeps every district centroid far enough inside its box that its postcodes stay inside too.
const BOX_INSET_MILES = RURAL_POSTCODE_RADIUS_MILES + 0.5

// Q, V and X are never the first letter of a real UK postcode area, so these can never clash
// with real reference data loaded into the same tables.
const AREA_FIRST_LETTERS = ['X', 'Q', 'V'] as const
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
// The letters Royal Mail uses in the last two characters of a postcode.
const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'

function milesPerDegreeLongitude(latitude: number): number {
  return 69.17 * Math.cos((latitude * Math.PI) / 180)
}

/** The point `east` and `north` miles from `origin` (flat-earth offsets are fine at county scale). */
function offsetMiles(origin: Point, east: number, north: number): Point {
  return {
    latitude: origin.latitude + north / MILES_PER_DEGREE_LATITUDE,
    longitude: origin.longitude + east / milesPerDegreeLongitude(origin.latitude),
  }
}

/**
 * Council `index` (0-based) of `scale`: a grid over the region, with cells as large as fit but
 * never bigger than Norfolk. Depends only on index and scale, never on the seed.
 */
export function councilBox(index: number, scale: number): Box {
  const height = REGION.north - REGION.south
  const width = REGION.east - REGION.west
  const midLatitude = (REGION.north + REGION.south) / 2
  let best = { rows: 1, cols: scale, cellLat: 0, cellLon: 0, side: -1 }
  for (let rows = 1; rows <= scale; rows++) {
    const cols = Math.ceil(scale / rows)
    const cellLat = Math.min(MAX_CELL.latitude, height / rows)
    const cellLon = Math.min(MAX_CELL.longitude, width / cols)
    // Prefer the grid whose cells have the longest short side, so boxes stay roughly square.
    const side = Math.min(cellLat * MILES_PER_DEGREE_LATITUDE, cellLon * milesPerDegreeLongitude(midLatitude))
    if (side > best.side) best = { rows, cols, cellLat, cellLon, side }
  }
  const row = Math.floor(index / best.cols)
  const col = index % best.cols
  // Centre the used grid in the region, so a single council sits in the middle of England.
  const top = REGION.north - (height - best.rows * best.cellLat) / 2
  const left = REGION.west + (width - best.cols * best.cellLon) / 2
  const north = top - row * best.cellLat
  const west = left + col * best.cellLon
  const gapLat = best.cellLat * CELL_GAP
  const gapLon = best.cellLon * CELL_GAP
  return {
    north: north - gapLat,
    south: north - best.cellLat + gapLat,
    west: west + gapLon,
    east: west + best.cellLon - gapLon,
  }
}

/** The postcode area and first district number of council `index`: XA1.., XB1.., then QA1.. and VA1... */
export function postcodeArea(index: number): { area: string; firstDistrict: number } {
  const areas = AREA_FIRST_LETTERS.length * LETTERS.length
  const first = AREA_FIRST_LETTERS[Math.floor(index / LETTERS.length) % AREA_FIRST_LETTERS.length]
  const area = `${first}${LETTERS[index % LETTERS.length]}`
  // Past 78 councils the areas are reused with higher district numbers (XA25.., XA49..).
  return { area, firstDistrict: 1 + Math.floor(index / areas) * DISTRICTS_PER_COUNCIL }
}

export function boxContains(box: Box, point: Point): boolean {
  return (
    point.latitude >= box.south &&
    point.latitude <= box.north &&
    point.longitude >= box.west &&
    point.longitude <= box.east
  )
}

function clampToBox(box: Box, point: Point, insetMiles: number): Point {
  const insetLat = insetMiles / MILES_PER_DEGREE_LATITUDE
  const insetLon = insetMiles / milesPerDegreeLongitude((box.north + box.south) / 2)
  const clamp = (value: number, low: number, high: number) =>
    low > high ? (low + high) / 2 : Math.min(high, Math.max(low, value))
  return {
    latitude: clamp(point.latitude, box.south + insetLat, box.north - insetLat),
    longitude: clamp(point.longitude, box.west + insetLon, box.east - insetLon),
  }
}

/**
 * Lays out a council like Norfolk: a city of five dense districts near the middle (its own
 * locality), and the rest of the districts spread out in North, South, West and East sectors
 * around it, two of them market towns. `places` must hold at least DISTRICTS_PER_COUNCIL - 4 names;
 * places[0] is the city.
 */
export function planDistricts(
  rng: Random,
  box: Box,
  index: number,
  places: readonly string[],
): DistrictPlan[] {
  const { area, firstDistrict } = postcodeArea(index)
  const centre: Point = { latitude: (box.north + box.south) / 2, longitude: (box.east + box.west) / 2 }
  const halfEast = ((box.east - box.west) / 2) * milesPerDegreeLongitude(centre.latitude) - BOX_INSET_MILES
  const halfNorth = ((box.north - box.south) / 2) * MILES_PER_DEGREE_LATITUDE - BOX_INSET_MILES
  const city = places[0] as string
  const cityCentre = offsetMiles(
    centre,
    rng.between(-0.1, 0.1) * halfEast,
    rng.between(-0.1, 0.1) * halfNorth,
  )

  interface Draft {
    place: string
    locality: string
    rural: boolean
    centroid: Point
    pcnGroup: number
  }
  const drafts: Draft[] = []

  // Postcode districts of a city are about a mile or two apart.
  const cityPcnNames = [`${city} Central`, `${city} North`, `${city} South`]
  for (let k = 0; k < CITY_DISTRICTS; k++) {
    const angle = ((45 + 90 * k + rng.between(-15, 15)) * Math.PI) / 180
    const radius = k === 0 ? 0 : rng.between(1.4, 1.9)
    drafts.push({
      place: city,
      locality: city,
      rural: false,
      centroid: offsetMiles(cityCentre, radius * Math.cos(angle), radius * Math.sin(angle)),
      // k = 1..4 sit north-west, south-west, south-east and north-east of the centre.
      pcnGroup: k === 0 ? 0 : k === 1 || k === 4 ? 1 : 2,
    })
  }

  // Sectors in compass order, counter-clockwise from east; each has one slot per district.
  const sectors = [
    { locality: 'East', start: -45, slots: 5, town: 2 },
    { locality: 'North', start: 45, slots: 5, town: -1 },
    { locality: 'West', start: 135, slots: 5, town: 2 },
    { locality: 'South', start: 225, slots: 4, town: -1 },
  ]
  let nextPlace = 1
  for (const sector of sectors) {
    for (let k = 0; k < sector.slots; k++) {
      const isTown = k === sector.town
      const angle =
        ((sector.start + ((k + 0.5 + rng.between(-0.25, 0.25)) * 90) / sector.slots) * Math.PI) / 180
      // Neighbouring districts alternate between an inner and an outer ring so they do not bunch.
      const radius = isTown
        ? rng.between(0.55, 0.7)
        : k % 2 === 0
          ? rng.between(0.45, 0.65)
          : rng.between(0.75, 0.95)
      drafts.push({
        place: places[nextPlace++] as string,
        locality: sector.locality,
        rural: !isTown,
        centroid: clampToBox(
          box,
          offsetMiles(cityCentre, radius * halfEast * Math.cos(angle), radius * halfNorth * Math.sin(angle)),
          BOX_INSET_MILES,
        ),
        // Three PCN areas per sector, each a run of neighbouring districts.
        pcnGroup: Math.floor((k * 3) / sector.slots),
      })
    }
  }

  const ruralCount = drafts.filter((d) => d.rural).length
  const urbanCount = drafts.length - ruralCount
  const rawWeights = drafts.map(
    (d) =>
      (d.rural ? (1 - URBAN_POPULATION_SHARE) / ruralCount : URBAN_POPULATION_SHARE / urbanCount) *
      rng.between(0.75, 1.25),
  )
  const totalWeight = rawWeights.reduce((sum, w) => sum + w, 0)

  const pcnNames = new Map<string, string>()
  return drafts.map((draft, i) => {
    const key = `${draft.locality}/${draft.pcnGroup}`
    if (!pcnNames.has(key)) {
      // A rural PCN is named after its first place, as real ones often are.
      pcnNames.set(
        key,
        draft.locality === city ? `${cityPcnNames[draft.pcnGroup]} PCN` : `${draft.place} PCN`,
      )
    }
    return {
      outcode: `${area}${firstDistrict + i}`,
      place: draft.place,
      locality: draft.locality,
      pcn: pcnNames.get(key) as string,
      rural: draft.rural,
      centroid: clampToBox(box, draft.centroid, BOX_INSET_MILES),
      weight: (rawWeights[i] as number) / totalWeight,
    }
  })
}

/** Hands out unique full postcodes near a district's centroid. */
export class PostcodeMaker {
  private readonly used = new Set<string>()

  constructor(
    private readonly rng: Random,
    private readonly box: Box,
  ) {}

  next(district: DistrictPlan): { postcode: string } & Point {
    let postcode: string
    do {
      const unit = `${UNIT_LETTERS[this.rng.int(0, UNIT_LETTERS.length - 1)]}${UNIT_LETTERS[this.rng.int(0, UNIT_LETTERS.length - 1)]}`
      postcode = `${district.outcode} ${this.rng.int(0, 9)}${unit}`
    } while (this.used.has(postcode))
    this.used.add(postcode)
    const maxRadius = district.rural ? RURAL_POSTCODE_RADIUS_MILES : URBAN_POSTCODE_RADIUS_MILES
    // sqrt keeps points evenly spread over the disc rather than bunched at the centre.
    const radius = maxRadius * Math.sqrt(this.rng.next()) * 0.98
    const angle = this.rng.next() * 2 * Math.PI
    const point = clampToBox(
      this.box,
      offsetMiles(district.centroid, radius * Math.cos(angle), radius * Math.sin(angle)),
      0.1,
    )
    return { postcode, ...point }
  }
}
