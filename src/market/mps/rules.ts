// Pure rules of the Market Position Statement's key data: which packages and locations a row
// counts, the figures, and small-number suppression. No I/O.
import { formatRoundedPounds } from '../../shared/money.ts'
import type { KeyDataRowDefinition } from './sectors.ts'

export const DEFAULT_SUPPRESSION_THRESHOLD = 5
export const MIN_SUPPRESSION_THRESHOLD = 2
export const MAX_SUPPRESSION_THRESHOLD = 100
/** Spend is a year of the weekly cost the council is committed to today. */
const WEEKS_PER_YEAR = 52

/** One active package, reduced to what the figures need: no name, no address. */
export interface PackageFact {
  /** Who it is for, the same person across brokered and imported packages (brokerage_care_packages). */
  personKey: string
  /** Brokered through Caremarket, rather than from the council's own book. */
  brokered: boolean
  serviceType: string
  clientGroup: string | null
  weeklyCostPence: number
}

export interface LocationFact {
  id: number
  serviceTypes: readonly string[]
  clientGroups: readonly string[]
  registeredBeds: number | null
}

/** A location's effective rating: a CQC rating, or null when not yet inspected or audited. */
export type RatingOf = (locationId: number) => string | null

export interface RowFacts {
  weeklyCostPence: number
  people: number
  /** Of those people, the ones with a package brokered through Caremarket. */
  brokeredPeople: number
  locations: number
  /** Null where places are not counted (outside care homes). */
  places: number | null
  /** Locations with an effective rating; those not yet inspected are left out of the percentage. */
  rated: number
  goodOrOutstanding: number
}

function packageMatches(row: KeyDataRowDefinition, pkg: PackageFact): boolean {
  return (
    (row.requestServiceTypes as readonly string[]).includes(pkg.serviceType) &&
    pkg.clientGroup === row.clientGroup
  )
}

export function locationMatches(row: KeyDataRowDefinition, location: LocationFact): boolean {
  return (
    location.serviceTypes.includes(row.locationServiceType) &&
    !(row.excludeLocationServiceType && location.serviceTypes.includes(row.excludeLocationServiceType)) &&
    location.clientGroups.includes(row.clientGroup)
  )
}

/** The figures of one row from the active packages and the row's accredited locations. */
export function rowFacts(
  row: KeyDataRowDefinition,
  packages: readonly PackageFact[],
  accreditedLocations: readonly LocationFact[],
  ratingOf: RatingOf,
): RowFacts {
  const counted = packages.filter((p) => packageMatches(row, p))
  const locations = accreditedLocations.filter((l) => locationMatches(row, l))
  const ratings = locations.map((l) => ratingOf(l.id)).filter((r): r is string => r !== null)
  return {
    weeklyCostPence: counted.reduce((sum, p) => sum + p.weeklyCostPence, 0),
    people: new Set(counted.map((p) => p.personKey)).size,
    brokeredPeople: new Set(counted.filter((p) => p.brokered).map((p) => p.personKey)).size,
    locations: locations.length,
    places: row.countsPlaces ? locations.reduce((sum, l) => sum + (l.registeredBeds ?? 0), 0) : null,
    rated: ratings.length,
    goodOrOutstanding: ratings.filter((r) => r === 'Good' || r === 'Outstanding').length,
  }
}

/**
 * A published figure: its value, or why it is not shown. Not known: the market's size cannot be told
 * from what Caremarket brokered alone, so people and spend wait for the council's own book.
 */
export type Figure =
  | { kind: 'value'; value: number }
  | { kind: 'suppressed' }
  /** Large enough to show, but it and another figure together would tell a small number. */
  | { kind: 'withheld' }
  | { kind: 'not_applicable' }
  | { kind: 'not_known' }

export interface KeyDataFigures {
  annualSpendPence: Figure
  people: Figure
  brokeredPeople: Figure
  locations: Figure
  places: Figure
  /** Rounded to one decimal place. */
  goodOrOutstandingPercent: Figure
}

/** Any count below the threshold is suppressed, zero included: "fewer than 5" never says which. */
export function countFigure(count: number, threshold: number): Figure {
  return count < threshold ? { kind: 'suppressed' } : { kind: 'value', value: count }
}

/**
 * Suppresses small numbers. Spend is suppressed with the people it pays for, so one person's
 * cost is never shown; a percentage of fewer rated locations than the threshold is suppressed.
 * The people placed through Caremarket are suppressed too when the rest of the people are fewer
 * than the threshold, so the two figures cannot be subtracted to tell a small number. Until the
 * council has loaded its own book (`bookLoaded`), people and spend are not known: the packages
 * brokered through Caremarket are not the market.
 */
export function publishedFigures(facts: RowFacts, threshold: number, bookLoaded: boolean): KeyDataFigures {
  const fewPeople = facts.people < threshold
  const notBrokered = facts.people - facts.brokeredPeople
  return {
    annualSpendPence: !bookLoaded
      ? { kind: 'not_known' }
      : fewPeople
        ? { kind: 'suppressed' }
        : { kind: 'value', value: facts.weeklyCostPence * WEEKS_PER_YEAR },
    people: bookLoaded ? countFigure(facts.people, threshold) : { kind: 'not_known' },
    brokeredPeople:
      bookLoaded && notBrokered < threshold && facts.brokeredPeople >= threshold
        ? { kind: 'withheld' }
        : countFigure(facts.brokeredPeople, threshold),
    locations: countFigure(facts.locations, threshold),
    places: facts.places === null ? { kind: 'not_applicable' } : countFigure(facts.places, threshold),
    goodOrOutstandingPercent:
      facts.rated < threshold
        ? { kind: 'suppressed' }
        : { kind: 'value', value: Math.round((facts.goodOrOutstanding / facts.rated) * 1000) / 10 },
  }
}

export type FigureKind = 'money' | 'count' | 'percent'

/** How a figure reads on the page and in the CSV; suppressed counts say only "fewer than N". */
export function figureText(figure: Figure, kind: FigureKind, threshold: number): string {
  if (figure.kind === 'not_applicable') return 'Not applicable'
  if (figure.kind === 'not_known') return 'Not known'
  if (figure.kind === 'withheld') return 'suppressed'
  if (figure.kind === 'suppressed') return kind === 'count' ? `fewer than ${threshold}` : 'suppressed'
  if (kind === 'money') {
    const value = figure.value / 100
    return value >= 1_000_000 ? `£${(value / 1_000_000).toFixed(1)}m` : formatRoundedPounds(figure.value)
  }
  if (kind === 'percent') return `${figure.value.toFixed(1)}%`
  return figure.value.toLocaleString('en-GB')
}

/** The CSV's cell: a number, in exact pounds rather than £m, or the same words for suppressed figures. */
export function figureCsv(figure: Figure, kind: FigureKind, threshold: number): string | number {
  if (figure.kind === 'value' && kind === 'money') return Math.round(figure.value / 100)
  if (figure.kind === 'value') return figure.value
  return figureText(figure, kind, threshold)
}
