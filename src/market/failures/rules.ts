// The failure response's rules, pure: each person's state, their days to re-placement and gap in
// care, the response's figures, and the extra cost the failure put on the council.
import { addDays, differenceInCalendarDays, parseISO } from 'date-fns'
import { z } from 'zod'
import { median } from '../../shared/statistics.ts'

export const CASE_STATES = [
  'to_resource',
  'published',
  'offers_in',
  're_placed',
  'moved_elsewhere',
  'self_arranged',
  'in_hospital',
  'died',
] as const
export type CaseState = (typeof CASE_STATES)[number]

export const CASE_STATE_LABELS: Record<CaseState, string> = {
  to_resource: 'To re-source',
  published: 'Published',
  offers_in: 'Offers in',
  re_placed: 'Re-placed',
  moved_elsewhere: 'Moved elsewhere',
  self_arranged: 'Self-arranged',
  in_hospital: 'In hospital',
  died: 'Died',
}

/** What a broker records when a person's care was not (or not yet) re-placed through Caremarket. */
export const CASE_OUTCOMES = ['moved_elsewhere', 'self_arranged', 'in_hospital', 'died'] as const
export type CaseOutcome = (typeof CASE_OUTCOMES)[number]

/** The states in which a person's care is settled: no gap continues. */
const SETTLED: ReadonlySet<CaseState> = new Set(['re_placed', 'moved_elsewhere', 'self_arranged', 'died'])

export interface CaseFacts {
  /** The outcome the broker recorded, if any. */
  outcome: CaseOutcome | null
  /** The re-sourcing request's status; null before one is made. */
  requestStatus: string | null
  offers: number
  /** The re-placement: the package the re-sourcing request's award made. */
  replacement: { startDate: string; awardedOn: string; weeklyCostPence: number } | null
}

/**
 * A person's state: a re-placement through Caremarket is the fact that counts, whatever was
 * recorded before it (a person in hospital is re-placed when they leave); otherwise what the broker
 * recorded; otherwise how far the re-sourcing request has got.
 */
export function caseState(facts: CaseFacts): CaseState {
  if (facts.replacement) return 're_placed'
  if (facts.outcome) return facts.outcome
  if (facts.requestStatus === 'published' || facts.requestStatus === 'closed')
    return facts.offers > 0 ? 'offers_in' : 'published'
  return 'to_resource'
}

/**
 * Days without care between the last day and the re-placement's start (or today, while the person
 * is still waiting); zero when care follows on the next day. A person who moved, arranged their own
 * care or died is counted up to nothing: the council does not know their dates.
 */
export function gapDays(state: CaseState, facts: CaseFacts, lastDay: string, today: string): number {
  const firstDayNeeded = addDays(parseISO(lastDay), 1)
  if (facts.replacement)
    return Math.max(0, differenceInCalendarDays(parseISO(facts.replacement.startDate), firstDayNeeded))
  if (SETTLED.has(state)) return 0
  return Math.max(0, differenceInCalendarDays(addDays(parseISO(today), 1), firstDayNeeded))
}

/** Days from the notice to the award of the re-placement; null until re-placed. */
export function daysToReplace(facts: CaseFacts, noticeOn: string): number | null {
  if (!facts.replacement) return null
  return Math.max(0, differenceInCalendarDays(parseISO(facts.replacement.awardedOn), parseISO(noticeOn)))
}

/** The last day (31 March) of the financial year a date falls in. */
export function financialYearEnd(date: string): string {
  const [year, month] = date.split('-').map(Number) as [number, number]
  return `${month >= 4 ? year + 1 : year}-03-31`
}

/** Weeks of care from a start date to the end of its financial year, both days counted. */
export function weeksToYearEnd(startDate: string): number {
  const days = differenceInCalendarDays(parseISO(financialYearEnd(startDate)), parseISO(startDate)) + 1
  return Math.max(0, days) / 7
}

export interface CostLine {
  oldWeeklyPence: number
  replacement: { startDate: string; weeklyCostPence: number } | null
}

/**
 * The extra cost of the failure: over every re-placed person, (new weekly cost − old weekly cost) ×
 * the weeks from the re-placement's start to the end of that financial year, plus the one-off costs
 * entered. A cheaper re-placement counts against the rest. Whole pence; never below nothing.
 */
export function extraCost(lines: readonly CostLine[], oneOffPence: number): number {
  let total = 0
  for (const line of lines) {
    if (!line.replacement) continue
    total +=
      (line.replacement.weeklyCostPence - line.oldWeeklyPence) * weeksToYearEnd(line.replacement.startDate)
  }
  return Math.max(0, Math.round(total + oneOffPence))
}

export interface ResponseFigures {
  people: number
  rePlaced: number
  /** The median days from notice to re-placement; null before anyone is re-placed. */
  medianDaysToReplace: number | null
  /** People with at least a day without care. */
  withGap: number
  byState: Record<CaseState, number>
}

export function responseFigures(
  cases: readonly { state: CaseState; daysToReplace: number | null; gapDays: number }[],
): ResponseFigures {
  const byState = Object.fromEntries(CASE_STATES.map((s) => [s, 0])) as Record<CaseState, number>
  for (const c of cases) byState[c.state]++
  return {
    people: cases.length,
    rePlaced: byState.re_placed,
    medianDaysToReplace: median(cases.flatMap((c) => (c.daysToReplace === null ? [] : [c.daysToReplace]))),
    withGap: cases.filter((c) => c.gapDays > 0).length,
    byState,
  }
}

// ---------------------------------------------------------------------------------------------
// Input

const isoDate = z.iso.date({ error: 'Enter the last day of care as a real date, like 2027-03-31' })

export const openSchema = z.object({
  lastDay: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
    isoDate.optional(),
  ),
})

const optionalId = (message: string) =>
  z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? null : String(v).trim()),
    z
      .string()
      .regex(/^\d{1,9}$/, message)
      .transform(Number)
      .nullable(),
  )

export const atRiskSchema = z.object({
  providerId: optionalId('Choose the provider from the list'),
  locationId: optionalId('Choose the location from the list'),
  lastDay: openSchema.shape.lastDay,
})

export const resourceSchema = z.object({
  urgency: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
    z
      .enum(['emergency', 'urgent', 'routine'], { error: 'Choose emergency, urgent or routine' })
      .default('emergency'),
  ),
  emergencyHours: z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? null : Number(v)),
    z.union([z.literal(24), z.literal(48), z.null()], { error: 'The emergency window is 24 or 48 hours' }),
  ),
})

export const outcomeSchema = z.object({
  outcome: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
    z.enum(CASE_OUTCOMES, { error: 'Choose what happened' }).nullable(),
  ),
  note: z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z.string().trim().max(2000, 'The note must be 2,000 characters or fewer'),
  ),
})
