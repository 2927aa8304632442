// The vocabulary of market events, the pure rules for their figures, and the checks of what a
// commissioner enters. No database here.

import { z } from 'zod'
import { addCalendarDays } from '../../brokerage/rules/index.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import { isCalendarDate, londonDate } from '../../shared/dates.ts'
import { parsePounds } from '../../shared/money.ts'
import { EARLIEST_DATE } from '../period.ts'

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

const MAX_BEDS = 10_000
const MAX_PEOPLE = 100_000
const MAX_HOURS_PER_WEEK = 100_000
/** £100m: far above any one failure, low enough to catch a slipped decimal point. */
const MAX_EXTRA_COST_PENCE = 10_000_000_000
const MAX_NOTES = 2_000

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

// ---------------------------------------------------------------------------------------------
// What a commissioner enters

const text = z.union([z.string(), z.number()]).nullish()

function idField(message: string) {
  return text.transform((value, ctx): number | null => {
    const trimmed = String(value ?? '').trim()
    if (trimmed === '') return null
    if (!/^\d{1,9}$/.test(trimmed)) {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    return Number(trimmed)
  })
}

/** The date the event happened: a real date, from 2000 to today. */
export function occurredOnField(now: Date) {
  return text.transform((value, ctx): string => {
    const trimmed = String(value ?? '').trim()
    if (trimmed === '') {
      ctx.addIssue({ code: 'custom', message: 'Enter the date it happened' })
      return z.NEVER
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(trimmed) || !isCalendarDate(trimmed)) {
      ctx.addIssue({ code: 'custom', message: 'The date it happened must be a real date, like 27 3 2026' })
      return z.NEVER
    }
    if (trimmed > londonDate(now)) {
      ctx.addIssue({ code: 'custom', message: 'The date it happened must be today or in the past' })
      return z.NEVER
    }
    if (trimmed < EARLIEST_DATE) {
      ctx.addIssue({ code: 'custom', message: 'The date it happened must be in 2000 or later' })
      return z.NEVER
    }
    return trimmed
  })
}

export function placeSchema(now: Date) {
  return z.object({
    kind: z.enum(MARKET_EVENT_KINDS, { error: 'Choose what happened' }),
    locationId: idField('Choose the location from the list'),
    providerId: idField('Choose the provider from the list'),
    occurredOn: occurredOnField(now),
  })
}

const figureParsers: Record<
  FigureField,
  (value: string | number | null | undefined) => ReturnType<typeof parseCount>
> = {
  bedsLost: (v) => parseCount(v, 'Beds lost', MAX_BEDS),
  bedsGained: (v) => parseCount(v, 'Beds gained', MAX_BEDS),
  homeCareHoursLost: (v) => parseHours(v, 'Home care hours lost'),
  homeCareHoursGained: (v) => parseHours(v, 'Home care hours gained'),
  peopleAffected: (v) => parseCount(v, 'People affected', MAX_PEOPLE),
  extraCost: (v) => parseCost(v),
}

function figureField(name: FigureField) {
  return text.transform((value, ctx): number | null => {
    const parsed = figureParsers[name](value)
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.problem })
      return z.NEVER
    }
    return parsed.value
  })
}

export const figuresSchema = z.object({
  bedsLost: figureField('bedsLost'),
  bedsGained: figureField('bedsGained'),
  homeCareHoursLost: figureField('homeCareHoursLost'),
  homeCareHoursGained: figureField('homeCareHoursGained'),
  peopleAffected: figureField('peopleAffected'),
  extraCost: figureField('extraCost'),
  notes: z
    .string({ error: 'Enter the notes as text' })
    .trim()
    .max(MAX_NOTES, { error: `The notes must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer` })
    .nullish(),
})

export type Figures = z.infer<typeof figuresSchema>

const NOT_FOR: Record<FigureField, string> = {
  bedsLost: 'beds lost',
  bedsGained: 'beds gained',
  homeCareHoursLost: 'home care hours lost',
  homeCareHoursGained: 'home care hours gained',
  peopleAffected: 'people affected',
  extraCost: 'extra cost',
}

/** Each figure that reads, the others as missing: so the kind's rules can be checked beside other errors. */
function readableFigures(input: Partial<Record<FigureField, unknown>>): Record<FigureField, number | null> {
  const figures = {} as Record<FigureField, number | null>
  for (const name of FIGURE_FIELDS) {
    const value = input[name]
    const parsed = figureParsers[name](typeof value === 'string' || typeof value === 'number' ? value : null)
    figures[name] = parsed.ok ? parsed.value : null
  }
  return figures
}

/**
 * What a kind asks of its figures: only its own, people affected for a failure, some change for a
 * change. A field already in error is left alone.
 */
export function checkFigures(
  kind: MarketEventKind,
  input: Partial<Record<FigureField, unknown>>,
  errors: FieldError[],
): void {
  const figures = readableFigures(input)
  const wrong = new Set(errors.map((e) => e.field))
  const add = (field: FigureField, message: string) => {
    if (!wrong.has(field)) errors.push({ field, message })
    wrong.add(field)
  }
  const allowed = KIND_FIGURES[kind]
  const label = MARKET_EVENT_KIND_LABELS[kind].toLowerCase()
  for (const name of FIGURE_FIELDS) {
    const value = figures[name]
    if (!allowed.includes(name) && value !== null && value !== 0)
      add(name, `A ${label} has no ${NOT_FOR[name]}`)
  }
  if (isFailure(kind) && figures.peopleAffected === null)
    add('peopleAffected', 'Enter the number of people affected, or 0 if there were none')
  if (
    kind === 'capacity_change' &&
    !figures.bedsLost &&
    !figures.bedsGained &&
    !figures.homeCareHoursLost &&
    !figures.homeCareHoursGained
  )
    add('bedsLost', 'Enter the beds or home care hours lost or gained')
}

export function issuesOf(result: { success: boolean; error?: z.ZodError }): FieldError[] {
  return result.success || !result.error ? [] : ValidationError.fromZod(result.error).errors
}

export type PlaceInput = {
  kind?: unknown
  locationId?: unknown
  providerId?: unknown
  occurredOn?: unknown
}

export type MarketEventInput = PlaceInput & Partial<Record<FigureField | 'notes', unknown>>

export function storedFigures(figures: Figures) {
  return {
    bedsLost: figures.bedsLost ?? 0,
    bedsGained: figures.bedsGained ?? 0,
    homeCareMinutesLost: figures.homeCareHoursLost ?? 0,
    homeCareMinutesGained: figures.homeCareHoursGained ?? 0,
    peopleAffected: figures.peopleAffected ?? 0,
    extraCostPence: figures.extraCost,
    notes: figures.notes ?? '',
  }
}

export type MarketEventUpdate = Partial<Record<FigureField | 'notes' | 'occurredOn', unknown>>

export const EDITABLE = [
  'occurredOn',
  'bedsLost',
  'bedsGained',
  'homeCareMinutesLost',
  'homeCareMinutesGained',
  'peopleAffected',
  'extraCostPence',
  'notes',
] as const

export const withdrawSchema = z.object({
  reason: z
    .string({ error: 'Enter why the event is being withdrawn' })
    .trim()
    .min(1, { error: 'Enter why the event is being withdrawn' })
    .max(MAX_NOTES, { error: `The reason must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer` }),
})

const DEFAULT_YEARS = 1

/** A year to the date: the period Norfolk counts its failures over. */
export function yearBefore(to: string): string {
  const [year, month, day] = to.split('-') as [string, string, string]
  const sameDay = `${Number(year) - DEFAULT_YEARS}-${month}-${day === '29' && month === '02' ? '28' : day}`
  return addCalendarDays(sameDay, 1)
}

const dateText = (label: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (/^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v)), {
      message: `${label} must be a real date`,
    })
    .describe(`${label}, YYYY-MM-DD`)

export const periodSchema = z.object({ from: dateText('The start date'), to: dateText('The end date') })
