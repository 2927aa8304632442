// How much work arrives in a simulated week, and how likely a provider is to answer. Pure.
//
// Weekly arrivals come from DOMAIN.md §12 (Norfolk) by turnover: in a steady state, the people
// starting a service each week are the people in it divided by how long they stay.
// - Home care: about 5,300 people; a package lasts about two years (104 weeks) on average
//   before the person moves to a care home, dies or no longer needs it: 5,300 / 104 ≈ 51 a week.
// - Care homes: 5,997 residential and 2,587 nursing places (about 8,500). About half are paid for
//   by the council (the rest self-funders, who do not come through brokerage). Residential stays
//   average about 2.5 years (130 weeks), nursing about a year (52 weeks):
//   5,997 × 0.5 / 130 ≈ 23 and 2,587 × 0.5 / 52 ≈ 25 a week, of which about a third have dementia.
// - Supported living and day opportunities are small next to these: a few a week each.
// Norfolk has 693 regulated sites; a council with fewer locations gets proportionally fewer.

import type { RequestServiceType } from '../rules/index.ts'

const NORFOLK_SITES = 693
const HOME_CARE_PEOPLE = 5_300
const HOME_CARE_WEEKS = 104
const RESIDENTIAL_PLACES = 5_997
const NURSING_PLACES = 2_587
const COUNCIL_FUNDED_SHARE = 0.5
const RESIDENTIAL_WEEKS = 130
const NURSING_WEEKS = 52
const DEMENTIA_SHARE = 1 / 3

/** Requests a Norfolk-sized council places each week, by service type. */
export function norfolkWeeklyArrivals(): Record<RequestServiceType, number> {
  const residential = (RESIDENTIAL_PLACES * COUNCIL_FUNDED_SHARE) / RESIDENTIAL_WEEKS
  const nursing = (NURSING_PLACES * COUNCIL_FUNDED_SHARE) / NURSING_WEEKS
  return {
    home_care: HOME_CARE_PEOPLE / HOME_CARE_WEEKS,
    residential: residential * (1 - DEMENTIA_SHARE),
    dementia_residential: residential * DEMENTIA_SHARE,
    nursing: nursing * (1 - DEMENTIA_SHARE),
    dementia_nursing: nursing * DEMENTIA_SHARE,
    supported_living: 3,
    day_opportunities: 2,
  }
}

/**
 * Weekly arrivals for a council with `locations` sites, times `volume` (1 is the full rate; a
 * smaller volume keeps a test or a quick demo short).
 */
export function weeklyArrivals(locations: number, volume = 1): Record<RequestServiceType, number> {
  const factor = (Math.max(0, locations) / NORFOLK_SITES) * Math.max(0, volume)
  const base = norfolkWeeklyArrivals()
  return Object.fromEntries(Object.entries(base).map(([type, rate]) => [type, rate * factor])) as Record<
    RequestServiceType,
    number
  >
}

/** Poisson-distributed count with the given mean (Knuth's method; means here are small). */
export function poisson(mean: number, uniform: () => number): number {
  if (mean <= 0) return 0
  // Large means: a rounded normal approximation avoids underflow of e^-mean.
  if (mean > 60) {
    const u = 1 - uniform()
    const v = uniform()
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z))
  }
  const limit = Math.exp(-mean)
  let k = 0
  let p = uniform()
  while (p > limit) {
    k++
    p *= uniform()
  }
  return k
}

export interface ResponderFacts {
  /** The location's postcode district is rural (council_districts.rural). */
  rural: boolean
  /** 0 (full, or nothing spare) to 1 (plenty of room). */
  capacity: number
}

/** How likely an urban location with plenty of room is to offer on a request it was invited to. */
const BASE_RESPONSE = 0.16
/** Rural providers answer less: travel between visits, fewer staff to spare. */
export const RURAL_FACTOR = 0.45

/**
 * The chance that an invited location makes an offer: highest for an urban location with room,
 * falling with rurality and to almost nothing when it has no capacity. Tuned so that about 60% of
 * requests get at least one offer across a demo council.
 */
export function responseProbability(facts: ResponderFacts): number {
  const capacity = Math.min(1, Math.max(0, facts.capacity))
  const p = BASE_RESPONSE * (facts.rural ? RURAL_FACTOR : 1) * (0.1 + 0.9 * capacity)
  return Math.min(1, Math.max(0, p))
}

/** The share of awards where the person chooses an offer other than the top-ranked one. */
export const PERSON_CHOOSES_OTHER = 0.15
/** The share of requests cancelled before they are published (the person died, or changed their mind). */
export const CANCELLED_BEFORE_PUBLISH = 0.03

/** Hours of support a week of supported-living requests: a few hours' outreach to shared 24-hour support. */
const SUPPORT_HOURS_PER_WEEK = [8, 12, 15, 20, 28, 35, 42, 56] as const

/**
 * The hours of support a week of the nth supported-living request: spread by its number, not
 * drawn, so adding them left the rest of a seeded history as it was.
 */
export function supportHoursPerWeek(n: number): number {
  return SUPPORT_HOURS_PER_WEEK[Math.abs(n) % SUPPORT_HOURS_PER_WEEK.length] as number
}
