// Word lists for fictional names. Place names are built from parts so that they sound English
// without being real places a reader might look up.

import type { Random } from '../shared/random.ts'

// biome-ignore format: a compact word list
const PLACE_STARTS = [
  'Bracken', 'Thorn', 'Heron', 'Otter', 'Wren', 'Kestrel', 'Sedge', 'Rush', 'Alder', 'Hazel',
  'Marl', 'Flint', 'Brindle', 'Cobble', 'Furze', 'Gorse', 'Lark', 'Moss', 'Reed', 'Rook',
  'Sorrel', 'Tansy', 'Teal', 'Whin', 'Yarrow', 'Quill', 'Fallow', 'Bittern', 'Plover', 'Dunnock',
] as const
// biome-ignore format: a compact word list
const PLACE_ENDS = [
  'ford', 'ham', 'by', 'thorpe', 'wick', 'stead', 'well', 'field', 'mere', 'ton', 'dale', 'bury',
  'worth', 'marsh', 'leigh', 'holme', 'hithe', 'combe',
] as const

// biome-ignore format: a compact word list
const COUNTY_STARTS = [
  'Fern', 'Heron', 'Bramble', 'Otter', 'Wren', 'Teal', 'Marl', 'Bracken', 'Sedge', 'Gorse',
  'Lark', 'Willow', 'Thistle', 'Fallow', 'Rowan', 'Plover', 'Quill', 'Whin', 'Sorrel', 'Furze',
  'Cobble', 'Tansy', 'Yarrow', 'Bittern', 'Flint', 'Moss', 'Rook', 'Alder', 'Hazel', 'Reed',
] as const
const COUNTY_ENDS = ['shire', 'vale', 'moor', 'dale', 'wold', 'mere', 'fen'] as const

/** Words for naming homes, streets and brands. */
// biome-ignore format: a compact word list
export const NAME_WORDS = [
  'Willow', 'Oak', 'Beech', 'Cedar', 'Elm', 'Rowan', 'Hazel', 'Alder', 'Holly', 'Laurel',
  'Maple', 'Linden', 'Juniper', 'Heron', 'Kestrel', 'Kingfisher', 'Swallow', 'Lark', 'Wren',
  'Robin', 'Meadow', 'Orchard', 'Riverside', 'Brook', 'Heath', 'Spring', 'Harvest', 'Primrose',
  'Bluebell', 'Foxglove', 'Heather', 'Lavender', 'Clover', 'Poppy', 'Sunflower', 'Chestnut',
  'Birch', 'Poplar', 'Magnolia', 'Acorn', 'Bramble', 'Larch', 'Sycamore', 'Hawthorn', 'Blackthorn',
  'Damson', 'Mulberry', 'Skylark', 'Owl', 'Dove', 'Avocet', 'Sandpiper', 'Millstone', 'Windmill',
  'Haven', 'Harbour', 'Beacon', 'Lantern', 'Compass', 'Horizon', 'Evergreen', 'Silverbirch',
] as const

// biome-ignore format: a compact word list
const STREET_KINDS = ['Lane', 'Road', 'Close', 'Way', 'Street', 'Drive', 'Avenue', 'Gardens', 'Row', 'Green'] as const
// biome-ignore format: a compact word list
const CLASSIC_STREETS = [
  'Church Lane', 'Mill Road', 'Station Road', 'High Street', 'Market Place', 'The Street',
  'School Lane', 'Back Lane', 'Common Road', 'Chapel Street', 'Ferry Lane', 'Green Lane',
] as const

// Lodge and House twice: the commonest names.
// biome-ignore format: a compact word list
export const HOME_KINDS = ['House', 'Lodge', 'Court', 'Manor', 'Grange', 'Hall', 'View', 'Lodge', 'House'] as const
// biome-ignore format: a compact word list
export const PLURAL_HOME_NAMES = [
  'The Willows', 'The Oaks', 'The Beeches', 'The Cedars', 'The Elms', 'The Rowans', 'The Hollies',
  'The Laurels', 'The Limes', 'The Poplars', 'The Firs', 'The Pines', 'The Chestnuts', 'The Maples',
  'The Larches', 'The Birches', 'The Meadows', 'The Orchards', 'The Gables', 'The Paddocks',
] as const

/** `count` distinct place names, shuffled by the seed. */
export function placeNames(rng: Random, count: number): string[] {
  const all: string[] = []
  for (const start of PLACE_STARTS) for (const end of PLACE_ENDS) all.push(`${start}${end}`)
  return rng.shuffle(all).slice(0, count)
}

/** Council names do not depend on the seed: DEMO is always "Demo Shire County Council (demo)". */
export function councilName(index: number): string {
  if (index === 0) return 'Demo Shire County Council (demo)'
  const n = index - 1
  const start = COUNTY_STARTS[n % COUNTY_STARTS.length]
  const end = COUNTY_ENDS[Math.floor(n / COUNTY_STARTS.length) % COUNTY_ENDS.length]
  return `Demo ${start}${end} County Council (demo)`
}

export function councilCode(index: number): string {
  return index === 0 ? 'DEMO' : `DEMO${String(index + 1).padStart(2, '0')}`
}

export function streetAddress(rng: Random, place: string): string {
  const street = rng.chance(0.3)
    ? rng.pick(CLASSIC_STREETS)
    : `${rng.pick(NAME_WORDS)} ${rng.pick(STREET_KINDS)}`
  return `${rng.int(1, 120)} ${street}, ${place}`
}

/** Keeps names unique within one council by adding the place, then a number, on a clash. */
export class UniqueNames {
  private readonly used = new Set<string>()

  take(candidate: string, place: string): string {
    let name = candidate
    // "Brand (Town)" becomes "Brand (Town 2)", as councils tell a chain's offices apart.
    const named = candidate.endsWith(`(${place})`)
    if (this.used.has(name) && !named) name = `${candidate} (${place})`
    for (let n = 2; this.used.has(name); n++) {
      name = named ? `${candidate.slice(0, -1)} ${n})` : `${candidate} (${place} ${n})`
    }
    this.used.add(name)
    return name
  }
}
