// Plans one demo council as plain rows, without touching the database, so that the shape of the
// data can be reasoned about (and tested) apart from how it is stored.

import {
  CLIENT_GROUPS,
  type ClientGroup,
  type CqcRating,
  type ServiceType,
  type Specialism,
} from '../providers/vocabulary.ts'
import { hashSeed, Random } from '../shared/random.ts'
import { type Box, councilBox, type DistrictPlan, PostcodeMaker, planDistricts } from './geography.ts'
import {
  councilCode,
  councilName,
  HOME_KINDS,
  NAME_WORDS,
  PLURAL_HOME_NAMES,
  placeNames,
  streetAddress,
  UniqueNames,
} from './names.ts'

/** Ratings and their dates are relative to this day, never to the clock, so output is repeatable. */
const REFERENCE_DATE = '2026-01-01'

type Sector =
  | 'op_residential'
  | 'op_nursing'
  | 'home_care'
  | 'ya_residential'
  | 'ya_nursing'
  | 'supported_living'
  | 'extra_care'

type RatingMix = Record<CqcRating | 'none', number>

interface SectorSpec {
  count: number
  serviceType: ServiceType
  beds?: { mean: number; median: number; sigma: number; min: number; max: number }
  ratings: RatingMix
}

// Norfolk (DOMAIN.md §12): 184 residential homes with 5,997 places (70.6% good or outstanding),
// 54 nursing homes with 2,587 places (61.1%), 135 home care offices. The other sectors are sized so
// that a council has about 600 sites; the mixes give about 18% requires improvement, 3% inadequate
// and 2% outstanding overall, as CQC found in Norfolk in 2018/19.
const SECTORS: Record<Sector, SectorSpec> = {
  op_residential: {
    count: 184,
    serviceType: 'residential_home',
    beds: { mean: 5997 / 184, median: 30, sigma: 0.42, min: 10, max: 90 },
    ratings: { Outstanding: 0.02, Good: 0.686, 'Requires improvement': 0.23, Inadequate: 0.034, none: 0.03 },
  },
  op_nursing: {
    count: 54,
    serviceType: 'nursing_home',
    beds: { mean: 2587 / 54, median: 46, sigma: 0.3, min: 20, max: 100 },
    ratings: { Outstanding: 0.019, Good: 0.592, 'Requires improvement': 0.31, Inadequate: 0.05, none: 0.029 },
  },
  home_care: {
    count: 135,
    serviceType: 'home_care',
    ratings: { Outstanding: 0.025, Good: 0.75, 'Requires improvement': 0.15, Inadequate: 0.025, none: 0.05 },
  },
  ya_residential: {
    count: 140,
    serviceType: 'residential_home',
    beds: { mean: 7, median: 6, sigma: 0.5, min: 2, max: 24 },
    ratings: { Outstanding: 0.02, Good: 0.79, 'Requires improvement': 0.14, Inadequate: 0.02, none: 0.03 },
  },
  ya_nursing: {
    count: 8,
    serviceType: 'nursing_home',
    beds: { mean: 24, median: 22, sigma: 0.35, min: 10, max: 45 },
    ratings: { Outstanding: 0, Good: 0.75, 'Requires improvement': 0.2, Inadequate: 0.05, none: 0 },
  },
  supported_living: {
    count: 70,
    serviceType: 'supported_living',
    ratings: { Outstanding: 0.03, Good: 0.77, 'Requires improvement': 0.13, Inadequate: 0.02, none: 0.05 },
  },
  extra_care: {
    count: 16,
    serviceType: 'extra_care_housing',
    ratings: { Outstanding: 0.02, Good: 0.78, 'Requires improvement': 0.14, Inadequate: 0.01, none: 0.05 },
  },
}

// Providers per sector, as in Norfolk (106 home care providers from 135 offices; 497 providers at
// 693 sites overall): most run one site, a few run chains.
const FLAGSHIP = { residential: 6, nursing: 2 }
// Providers of the 230 older people's homes outside the flagship group.
const CARE_HOME_PROVIDERS = 180
const HOME_CARE_PROVIDERS = 106
const YOUNGER_ADULT_HOME_PROVIDERS = 95
const SUPPORTED_LIVING_BY_HOME_CARE = 25
const SUPPORTED_LIVING_PROVIDERS = 32
const EXTRA_CARE_BY_HOME_CARE = 10

interface ProviderPlan {
  cqcProviderId: string
  name: string
}

interface LocationPlan {
  /** Index into CouncilPlan.providers. */
  provider: number
  cqcLocationId: string
  name: string
  address: string
  outcode: string
  postcode: string
  latitude: number
  longitude: number
  registeredBeds: number | null
  serviceTypes: ServiceType[]
  specialisms: Specialism[]
  clientGroups: ClientGroup[]
  cqcRating: CqcRating | null
  cqcRatingDate: string | null
}

export interface CouncilPlan {
  index: number
  code: string
  name: string
  box: Box
  localities: string[]
  pcnAreas: { name: string; locality: string }[]
  districts: DistrictPlan[]
  /** providers[0] is a care-home group with several homes: the demo provider user's organisation. */
  providers: ProviderPlan[]
  locations: LocationPlan[]
}

/** A CQC-style ID, unique across the whole demo: multiplying by 3^18 permutes 0..10^9-1. */
function cqcId(prefix: string, serial: number, offset: number): string {
  const value = (BigInt(serial) * 387_420_489n + BigInt(offset)) % 1_000_000_000n
  return `${prefix}${value.toString().padStart(9, '0')}`
}

/** Splits `total` into whole numbers in proportion to `shares` (largest remainder). */
function apportion<K extends string>(total: number, shares: Record<K, number>): Record<K, number> {
  const keys = Object.keys(shares) as K[]
  const sum = keys.reduce((s, k) => s + shares[k], 0)
  const exact = keys.map((k) => (total * shares[k]) / sum)
  const counts = exact.map(Math.floor)
  let left = total - counts.reduce((s, c) => s + c, 0)
  const byRemainder = keys
    .map((_, i) => i)
    .sort(
      (a, b) =>
        (exact[b] as number) - (counts[b] as number) - ((exact[a] as number) - (counts[a] as number)) ||
        a - b,
    )
  for (const i of byRemainder) {
    if (left === 0) break
    counts[i] = (counts[i] as number) + 1
    left--
  }
  return Object.fromEntries(keys.map((k, i) => [k, counts[i]])) as Record<K, number>
}

/** Bed counts with a realistic skew (a few large homes), adjusted to add up to exactly `total`. */
function bedCounts(
  rng: Random,
  count: number,
  total: number,
  spec: NonNullable<SectorSpec['beds']>,
): number[] {
  const beds = Array.from({ length: count }, () =>
    Math.min(spec.max, Math.max(spec.min, Math.round(spec.median * Math.exp(spec.sigma * rng.normal())))),
  )
  let gap = Math.min(count * spec.max, Math.max(count * spec.min, total)) - beds.reduce((s, b) => s + b, 0)
  while (gap !== 0) {
    const i = rng.int(0, count - 1)
    const b = beds[i] as number
    if (gap > 0 && b < spec.max) {
      beds[i] = b + 1
      gap--
    } else if (gap < 0 && b > spec.min) {
      beds[i] = b - 1
      gap++
    }
  }
  return beds
}

/** How many sites each of `providers` runs: mostly one, with chains grown by preferential attachment. */
function groupSizes(rng: Random, sites: number, providers: number, maxSize: number): number[] {
  const count = Math.max(1, Math.min(sites, providers))
  const sizes = new Array<number>(count).fill(1)
  for (let extra = sites - count; extra > 0; ) {
    const chains = sizes.flatMap((s, i) => (s > 1 && s < maxSize ? [i] : []))
    const i = chains.length > 0 && rng.chance(0.6) ? rng.pick(chains) : rng.int(0, count - 1)
    if ((sizes[i] as number) < maxSize) {
      sizes[i] = (sizes[i] as number) + 1
      extra--
    }
  }
  return sizes
}

function isoDateBefore(reference: string, days: number): string {
  const date = new Date(`${reference}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() - days)
  return date.toISOString().slice(0, 10)
}

function pickSpecialisms(
  rng: Random,
  odds: Partial<Record<Specialism, number>>,
  atLeastOne?: Specialism[],
): Specialism[] {
  const chosen = (Object.keys(odds) as Specialism[]).filter((s) => rng.chance(odds[s] as number))
  if (atLeastOne && !chosen.some((s) => atLeastOne.includes(s))) chosen.push(rng.pick(atLeastOne))
  return chosen
}

function clientGroups(...groups: ClientGroup[]): ClientGroup[] {
  return CLIENT_GROUPS.filter((g) => groups.includes(g))
}

/** Needs and client groups as a sector typically registers them. */
function profile(rng: Random, sector: Sector): { specialisms: Specialism[]; clientGroups: ClientGroup[] } {
  switch (sector) {
    case 'op_residential':
      return {
        specialisms: pickSpecialisms(rng, {
          dementia: 0.65,
          physical_disability: 0.3,
          sensory_impairment: 0.15,
          mental_health: 0.12,
        }),
        clientGroups: rng.chance(0.2) ? clientGroups('older_people', 'younger_adults') : ['older_people'],
      }
    case 'op_nursing':
      return {
        specialisms: pickSpecialisms(rng, {
          dementia: 0.75,
          physical_disability: 0.45,
          mental_health: 0.2,
          sensory_impairment: 0.15,
        }),
        clientGroups: rng.chance(0.25) ? clientGroups('older_people', 'younger_adults') : ['older_people'],
      }
    case 'home_care':
      return {
        specialisms: pickSpecialisms(rng, {
          dementia: 0.7,
          physical_disability: 0.6,
          learning_disability: 0.3,
          mental_health: 0.3,
          sensory_impairment: 0.3,
          substance_misuse: 0.05,
          eating_disorder: 0.03,
        }),
        clientGroups: rng.chance(0.85) ? clientGroups('older_people', 'younger_adults') : ['older_people'],
      }
    case 'ya_residential':
      return {
        specialisms: pickSpecialisms(
          rng,
          {
            learning_disability: 0.7,
            mental_health: 0.25,
            physical_disability: 0.2,
            sensory_impairment: 0.1,
            substance_misuse: 0.05,
            eating_disorder: 0.03,
          },
          ['learning_disability', 'mental_health', 'physical_disability'],
        ),
        clientGroups: ['younger_adults'],
      }
    case 'ya_nursing':
      return {
        specialisms: pickSpecialisms(
          rng,
          { physical_disability: 0.6, mental_health: 0.3, learning_disability: 0.3 },
          ['physical_disability', 'mental_health', 'learning_disability'],
        ),
        clientGroups: ['younger_adults'],
      }
    case 'supported_living':
      return {
        specialisms: pickSpecialisms(
          rng,
          { learning_disability: 0.75, mental_health: 0.35, physical_disability: 0.2 },
          ['learning_disability', 'mental_health', 'physical_disability'],
        ),
        clientGroups: rng.chance(0.1) ? clientGroups('older_people', 'younger_adults') : ['younger_adults'],
      }
    case 'extra_care':
      return {
        specialisms: pickSpecialisms(rng, { dementia: 0.4, physical_disability: 0.4 }),
        clientGroups: rng.chance(0.3) ? clientGroups('older_people', 'younger_adults') : ['older_people'],
      }
  }
}

export interface PlanOptions {
  seed: number
  /** How many councils the whole demo has: it decides how big each council's box is. */
  scale: number
}

export function planCouncil(index: number, options: PlanOptions): CouncilPlan {
  const rng = new Random(hashSeed(options.seed, index))
  const box = councilBox(index, options.scale)
  const places = placeNames(rng, 20)
  const districts = planDistricts(rng, box, index, places)
  const city = places[0] as string
  const localities = ['North', 'South', 'West', 'East', city]
  const pcnAreas: CouncilPlan['pcnAreas'] = []
  for (const d of districts) {
    if (!pcnAreas.some((p) => p.name === d.pcn)) pcnAreas.push({ name: d.pcn, locality: d.locality })
  }

  // The first council matches Norfolk's figures exactly; the others vary a little around them.
  const vary = (n: number) => (index === 0 ? n : Math.max(1, Math.round(n * rng.between(0.92, 1.08))))
  const counts = Object.fromEntries(
    (Object.keys(SECTORS) as Sector[]).map((s) => [s, vary(SECTORS[s].count)]),
  ) as Record<Sector, number>
  // A Norfolk figure for `sectors`, scaled to this council's number of sites in them.
  const inProportion = (norfolk: number, ...sectors: Sector[]) => {
    const sum = (of: (s: Sector) => number) => sectors.reduce((total, s) => total + of(s), 0)
    return Math.max(1, Math.round((norfolk * sum((s) => counts[s])) / sum((s) => SECTORS[s].count)))
  }

  // Each sector's beds and ratings are dealt from shuffled decks, so the totals and the rating mix
  // hold exactly while which home gets what stays random.
  const decks = {} as Record<Sector, { beds: number[]; ratings: (CqcRating | null)[] }>
  for (const sector of Object.keys(SECTORS) as Sector[]) {
    const spec = SECTORS[sector]
    const n = counts[sector]
    const beds = spec.beds
      ? bedCounts(
          rng,
          n,
          Math.round(n * spec.beds.mean * (index === 0 ? 1 : rng.between(0.95, 1.05))),
          spec.beds,
        )
      : []
    const mix = apportion(n, spec.ratings)
    const ratings: (CqcRating | null)[] = []
    for (const [rating, k] of Object.entries(mix) as [keyof RatingMix, number][]) {
      for (let i = 0; i < k; i++) ratings.push(rating === 'none' ? null : rating)
    }
    decks[sector] = { beds, ratings: rng.shuffle(ratings) }
  }

  const cumulative: number[] = []
  districts.reduce((sum, d) => {
    cumulative.push(sum + d.weight)
    return sum + d.weight
  }, 0)
  const pickDistrict = (): DistrictPlan => {
    const u = rng.next()
    const i = cumulative.findIndex((c) => u < c)
    return districts[i === -1 ? districts.length - 1 : i] as DistrictPlan
  }

  const idOffsets = { provider: hashSeed(options.seed, 9), location: hashSeed(options.seed, 8) }
  const providers: ProviderPlan[] = []
  const locations: LocationPlan[] = []
  const providerNames = new UniqueNames()
  const locationNames = new UniqueNames()
  const postcodes = new PostcodeMaker(rng, box)

  const addProvider = (name: string, place: string): number => {
    providers.push({
      cqcProviderId: cqcId('1-9', index * 1_000_000 + providers.length, idOffsets.provider),
      name: providerNames.take(name, place),
    })
    return providers.length - 1
  }

  /** Adds one site; `name` gets the district's place so that names can mention the town. */
  const addLocation = (
    provider: number,
    sector: Sector,
    name: (place: string) => string,
    district = pickDistrict(),
  ) => {
    const deck = decks[sector]
    const spot = postcodes.next(district)
    const rating = deck.ratings.pop() ?? null
    const bad = rating === 'Requires improvement' || rating === 'Inadequate'
    // Poorly rated services are re-inspected sooner, so their ratings are more recent.
    const ratingAge = bad ? rng.int(20, 900) : rng.int(30, 2200)
    locations.push({
      provider,
      cqcLocationId: cqcId('1-8', index * 1_000_000 + locations.length, idOffsets.location),
      name: locationNames.take(name(district.place), district.place),
      address: streetAddress(rng, district.place),
      outcode: district.outcode,
      postcode: spot.postcode,
      latitude: spot.latitude,
      longitude: spot.longitude,
      registeredBeds: SECTORS[sector].beds ? (deck.beds.pop() ?? null) : null,
      serviceTypes: [SECTORS[sector].serviceType],
      ...profile(rng, sector),
      cqcRating: rating,
      cqcRatingDate: rating ? isoDateBefore(REFERENCE_DATE, ratingAge) : null,
    })
  }

  const homeName = (nursing: boolean) => () => {
    const word = rng.pick(NAME_WORDS)
    const base = rng.chance(0.15) ? rng.pick(PLURAL_HOME_NAMES) : `${word} ${rng.pick(HOME_KINDS)}`
    return nursing && rng.chance(0.4) ? `${base} Nursing Home` : base
  }

  // The flagship group comes first: the demo provider user works for it.
  const flagship = addProvider(`${rng.pick(NAME_WORDS)} Care Homes Ltd`, city)
  for (let i = 0; i < FLAGSHIP.residential; i++) addLocation(flagship, 'op_residential', homeName(false))
  for (let i = 0; i < FLAGSHIP.nursing; i++) addLocation(flagship, 'op_nursing', homeName(true))

  // Older people's care homes.
  const careHomeSectors = rng.shuffle([
    ...new Array<Sector>(Math.max(0, counts.op_residential - FLAGSHIP.residential)).fill('op_residential'),
    ...new Array<Sector>(Math.max(0, counts.op_nursing - FLAGSHIP.nursing)).fill('op_nursing'),
  ])
  let next = 0
  const careHomeProviders = inProportion(CARE_HOME_PROVIDERS, 'op_residential', 'op_nursing')
  for (const size of groupSizes(rng, careHomeSectors.length, careHomeProviders, 6)) {
    if (size === 1) {
      // A single home's provider is usually named after the home.
      const sector = careHomeSectors[next++] as Sector
      const district = pickDistrict()
      const siteName = homeName(sector === 'op_nursing')()
      addLocation(addProvider(`${siteName} Ltd`, district.place), sector, () => siteName, district)
      continue
    }
    const kind = rng.pick(['Care Group', 'Healthcare', 'Care Homes', 'Residential Care', 'Senior Living'])
    const provider = addProvider(`${rng.pick(NAME_WORDS)} ${kind} Ltd`, city)
    for (let i = 0; i < size; i++) {
      const sector = careHomeSectors[next++] as Sector
      addLocation(provider, sector, homeName(sector === 'op_nursing'))
    }
  }

  // Home care offices; some of these providers also run supported living and extra care.
  const homeCareProviders: { provider: number; brand: string }[] = []
  for (const size of groupSizes(rng, counts.home_care, inProportion(HOME_CARE_PROVIDERS, 'home_care'), 4)) {
    const kind = rng.pick(['Home Care', 'Homecare', 'Care at Home', 'Community Care', 'Home Support'])
    const brand = `${rng.pick(NAME_WORDS)} ${kind}`
    const provider = addProvider(`${brand} Ltd`, city)
    homeCareProviders.push({ provider, brand })
    for (let i = 0; i < size; i++) addLocation(provider, 'home_care', (place) => `${brand} (${place})`)
  }

  // Younger adults' care homes: small homes, often several run by one provider.
  const youngerSectors = rng.shuffle([
    ...new Array<Sector>(counts.ya_residential).fill('ya_residential'),
    ...new Array<Sector>(counts.ya_nursing).fill('ya_nursing'),
  ])
  next = 0
  const youngerProviders = inProportion(YOUNGER_ADULT_HOME_PROVIDERS, 'ya_residential', 'ya_nursing')
  for (const size of groupSizes(rng, youngerSectors.length, youngerProviders, 8)) {
    const kind = rng.pick(['Support', 'Living', 'Care Services', 'Lifestyles', 'Independence Trust'])
    const provider = addProvider(`${rng.pick(NAME_WORDS)} ${kind} Ltd`, city)
    for (let i = 0; i < size; i++) {
      const sector = youngerSectors[next++] as Sector
      // Small homes are often known by their address.
      addLocation(provider, sector, () =>
        rng.chance(0.5)
          ? `${rng.int(1, 99)} ${rng.pick(NAME_WORDS)} Close`
          : homeName(sector === 'ya_nursing')(),
      )
    }
  }

  // Supported living.
  const byHomeCare = Math.min(
    counts.supported_living,
    inProportion(SUPPORTED_LIVING_BY_HOME_CARE, 'supported_living'),
  )
  for (let i = 0; i < byHomeCare; i++) {
    const { provider, brand } = rng.pick(homeCareProviders)
    addLocation(provider, 'supported_living', (place) => `${brand} Supported Living (${place})`)
  }
  for (const size of groupSizes(
    rng,
    counts.supported_living - byHomeCare,
    inProportion(SUPPORTED_LIVING_PROVIDERS, 'supported_living'),
    4,
  )) {
    const brand = `${rng.pick(NAME_WORDS)} ${rng.pick(['Supported Living', 'Support Services', 'Community Support'])}`
    const provider = addProvider(`${brand} Ltd`, city)
    for (let i = 0; i < size; i++) addLocation(provider, 'supported_living', (place) => `${brand} (${place})`)
  }

  // Extra care housing: schemes run by home care providers or by housing associations.
  const schemeName = () => `${rng.pick(NAME_WORDS)} ${rng.pick(['Court', 'Gardens', 'Mews', 'Place'])}`
  const extraCareByHomeCare = Math.min(counts.extra_care, inProportion(EXTRA_CARE_BY_HOME_CARE, 'extra_care'))
  for (let i = 0; i < counts.extra_care; i++) {
    const provider =
      i < extraCareByHomeCare
        ? rng.pick(homeCareProviders).provider
        : addProvider(`${rng.pick(NAME_WORDS)} Housing ${rng.pick(['Association', 'Trust'])}`, city)
    addLocation(provider, 'extra_care', schemeName)
  }

  return {
    index,
    code: councilCode(index),
    name: councilName(index),
    box,
    localities,
    pcnAreas,
    districts,
    providers,
    locations,
  }
}
