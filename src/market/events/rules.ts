// The vocabulary of market events and the pure rules for their figures. No database here.

import { parsePounds } from '../../shared/money.ts'

export const MARKET_EVENT_KINDS = [
  'provider_exit',
  'closure',
  'deregistration',
  'opening',
  'capacity_change',
] as const
export type MarketEventKind = (typeof MARKET_EVENT_KINDS)[number]

export const MARKET_EVENT_KIND_LABELS: Record<MarketEventKind, string> = {
  provider_exit: 'Provider exit',
  closure: 'Location closure',
  deregistration: 'Deregistration',
  opening: 'New service opening',
  capacity_change: 'Change in capacity',
}

export const MARKET_EVENT_KIND_HINTS: Record<MarketEventKind, string> = {
  provider_exit:
    'The provider stops providing care in the council’s area: the exit covers all its locations.',
  closure: 'One care home, home care office or other service closes.',
  deregistration: 'CQC cancels the location’s registration, or it leaves the CQC register.',
  opening: 'A new care home, home care office or other service starts taking people.',
  capacity_change: 'A location’s registered beds, or the home care hours it can deliver, go up or down.',
}

/** The kinds that are market failures: care the council had to find again. */
const FAILURE_KINDS: readonly MarketEventKind[] = ['provider_exit', 'closure', 'deregistration']

export function isFailure(kind: MarketEventKind): boolean {
  return FAILURE_KINDS.includes(kind)
}

export const FIGURE_FIELDS = [
  'bedsLost',
  'bedsGained',
  'homeCareHoursLost',
  'homeCareHoursGained',
  'peopleAffected',
  'extraCost',
] as const
export type FigureField = (typeof FIGURE_FIELDS)[number]

/**
 * The figures that mean something for each kind: a failure loses and never gains, an opening gains
 * and affects no one, a change in capacity may go either way.
 */
export const KIND_FIGURES: Record<MarketEventKind, readonly FigureField[]> = {
  provider_exit: ['bedsLost', 'homeCareHoursLost', 'peopleAffected', 'extraCost'],
  closure: ['bedsLost', 'homeCareHoursLost', 'peopleAffected', 'extraCost'],
  deregistration: ['bedsLost', 'homeCareHoursLost', 'peopleAffected', 'extraCost'],
  opening: ['bedsGained', 'homeCareHoursGained'],
  capacity_change: [
    'bedsLost',
    'bedsGained',
    'homeCareHoursLost',
    'homeCareHoursGained',
    'peopleAffected',
    'extraCost',
  ],
}

export const MAX_BEDS = 10_000
export const MAX_PEOPLE = 100_000
const MAX_HOURS_PER_WEEK = 100_000
/** £100m: far above any one failure, low enough to catch a slipped decimal point. */
const MAX_EXTRA_COST_PENCE = 10_000_000_000
export const MAX_NOTES = 2_000

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string }

/** A whole number from 0 to max; empty is null. */
export function parseCount(
  input: string | number | null | undefined,
  what: string,
  max: number,
): Parsed<number | null> {
  const text = String(input ?? '')
    .trim()
    .replace(/,/g, '')
  if (text === '') return { ok: true, value: null }
  if (/^-/.test(text)) return { ok: false, problem: `${what} cannot be negative` }
  if (!/^\d+$/.test(text)) return { ok: false, problem: `${what} must be a whole number, like 12` }
  const value = Number(text)
  if (value > max) return { ok: false, problem: `${what} must be ${max.toLocaleString('en-GB')} or fewer` }
  return { ok: true, value }
}

/** Hours a week, to two decimal places, as minutes; empty is null. */
export function parseHours(input: string | number | null | undefined, what: string): Parsed<number | null> {
  const text = String(input ?? '')
    .trim()
    .replace(/,/g, '')
  if (text === '') return { ok: true, value: null }
  if (/^-/.test(text)) return { ok: false, problem: `${what} cannot be negative` }
  if (!/^\d+(\.\d{1,2})?$/.test(text))
    return { ok: false, problem: `${what} must be a number of hours, like 37.5` }
  const hours = Number(text)
  if (hours > MAX_HOURS_PER_WEEK)
    return { ok: false, problem: `${what} must be ${MAX_HOURS_PER_WEEK.toLocaleString('en-GB')} or fewer` }
  return { ok: true, value: Math.round(hours * 60) }
}

/** Pounds and pence, with or without "£" and commas, as pence; empty is null (not known yet). */
export function parseCost(input: string | number | null | undefined): Parsed<number | null> {
  const parsed = parsePounds(input)
  if (!parsed.ok) {
    if (parsed.problem === 'empty') return { ok: true, value: null }
    if (parsed.problem === 'negative') return { ok: false, problem: 'The extra cost cannot be negative' }
    return { ok: false, problem: 'The extra cost must be an amount in pounds, like 25000 or 1,250.50' }
  }
  const { pence } = parsed
  if (pence > MAX_EXTRA_COST_PENCE)
    return { ok: false, problem: 'The extra cost must be £100,000,000 or less' }
  return { ok: true, value: pence }
}

/** Minutes a week as hours, to two decimal places at most. */
export function hoursOf(minutes: number): number {
  return Math.round((minutes / 60) * 100) / 100
}

/** Hours for a form box: "37.5", "0" as "", whole hours without decimals. */
export function hoursText(minutes: number | null | undefined): string {
  if (!minutes) return ''
  return String(hoursOf(minutes))
}

/** What a change to a location by a CQC import means for the market, before any record is consulted. */
export type RegisterChange =
  | { change: 'opened'; registeredBeds: number | null }
  | { change: 'returned'; registeredBeds: number | null }
  | { change: 'beds'; before: number; after: number }

/**
 * The market change in one row of an import: a location new to a register that already had some
 * opens; an inactive one back in the file has returned; a change of registered beds where both the
 * old and the new figure are known (a format without beds keeps the old figure, so never counts).
 */
export function registerChange(
  existing: { active: boolean; registeredBeds: number | null } | undefined,
  registeredBeds: number | null,
  registerHadLocations: boolean,
): RegisterChange | null {
  if (!existing) return registerHadLocations ? { change: 'opened', registeredBeds } : null
  if (!existing.active) return { change: 'returned', registeredBeds }
  if (
    existing.registeredBeds !== null &&
    registeredBeds !== null &&
    existing.registeredBeds !== registeredBeds
  )
    return { change: 'beds', before: existing.registeredBeds, after: registeredBeds }
  return null
}

/** One event's figures, as the summary adds them up. */
export interface EventFigures {
  kind: MarketEventKind
  bedsLost: number
  bedsGained: number
  homeCareMinutesLost: number
  homeCareMinutesGained: number
  peopleAffected: number
  extraCostPence: number | null
}

export interface EventTotals {
  events: number
  bedsLost: number
  bedsGained: number
  homeCareHoursLost: number
  homeCareHoursGained: number
  peopleAffected: number
  /** The costs known so far. */
  extraCostPence: number
  /** Failures whose cost is not recorded yet. */
  costNotKnown: number
}

/** Adds up events' figures. Costs not yet known count as unknown, never as £0. */
export function totalsOf(events: readonly EventFigures[]): EventTotals {
  let minutesLost = 0
  let minutesGained = 0
  const totals: EventTotals = {
    events: events.length,
    bedsLost: 0,
    bedsGained: 0,
    homeCareHoursLost: 0,
    homeCareHoursGained: 0,
    peopleAffected: 0,
    extraCostPence: 0,
    costNotKnown: 0,
  }
  for (const e of events) {
    totals.bedsLost += e.bedsLost
    totals.bedsGained += e.bedsGained
    minutesLost += e.homeCareMinutesLost
    minutesGained += e.homeCareMinutesGained
    totals.peopleAffected += e.peopleAffected
    // Only a failure is expected to cost the council something; a change in capacity rarely does.
    if (e.extraCostPence !== null) totals.extraCostPence += e.extraCostPence
    else if (isFailure(e.kind)) totals.costNotKnown++
  }
  totals.homeCareHoursLost = hoursOf(minutesLost)
  totals.homeCareHoursGained = hoursOf(minutesGained)
  return totals
}
