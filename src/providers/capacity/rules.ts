// The capacity tracker's rules: what a valid report is, when it goes stale, and how the
// council-wide availability figures are worked out. Pure functions, no I/O.
import { BED_TYPE_LABELS, BED_TYPES, type BedType, DAY_OPPORTUNITIES } from '../vocabulary.ts'

/** Capacity older than this is stale: it no longer tells a broker whether there is a bed. */
export const STALE_AFTER_DAYS = 7
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The most spare home care one location may report for one postcode district in a week: 50 care
 * workers round the clock. Anything above is a typing mistake, not capacity.
 */
export const MAX_SPARE_HOURS_PER_WEEK = 168 * 50

export type Freshness = 'missing' | 'stale' | 'current'

export function staleSince(now: Date): Date {
  return new Date(now.getTime() - STALE_AFTER_DAYS * DAY_MS)
}

export function freshness(lastReportedAt: Date | null, now: Date): Freshness {
  if (!lastReportedAt) return 'missing'
  return lastReportedAt.getTime() <= staleSince(now).getTime() ? 'stale' : 'current'
}

export function isBedType(value: string): value is BedType {
  return (BED_TYPES as readonly string[]).includes(value)
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string }

/** Vacancies are a count of beds: a whole number, 0 or more. Text from a form or CSV, or a JSON number. */
export function parseVacancies(raw: unknown): Parsed<number> {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (text === '') return { ok: false, problem: 'enter the number of vacant beds' }
  if (/^-\d+$/.test(text)) return { ok: false, problem: 'vacancies cannot be negative' }
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    return { ok: false, problem: `vacancies must be a whole number, like 2, not "${text.slice(0, 20)}"` }
  return { ok: true, value: Number(text) }
}

/** Most spare places a day one day service can report: beyond any real day centre, so a typo is caught. */
const MAX_PLACES_PER_DAY = 1_000

/** Spare places a day at a day service: a whole number from 0. */
export function parsePlacesPerDay(raw: unknown): Parsed<number> {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (text === '') return { ok: false, problem: 'enter the spare places a day' }
  if (/^-\d+$/.test(text)) return { ok: false, problem: 'spare places cannot be negative' }
  if (!/^\d+$/.test(text))
    return {
      ok: false,
      problem: `spare places a day must be a whole number, like 4, not "${text.slice(0, 20)}"`,
    }
  const places = Number(text)
  if (places > MAX_PLACES_PER_DAY)
    return {
      ok: false,
      problem: `${text} spare places a day is more than ${MAX_PLACES_PER_DAY.toLocaleString('en-GB')}`,
    }
  return { ok: true, value: places }
}

/** Day services report spare places a day: those offering day opportunities. */
export function reportsDayPlaces(location: { serviceTypes: readonly string[] }): boolean {
  return location.serviceTypes.includes(DAY_OPPORTUNITIES)
}

/** Spare hours a week, to at most 2 decimal places, stored as whole minutes. */
export function parseSpareHours(raw: unknown): Parsed<number> {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (text === '') return { ok: false, problem: 'enter the spare hours a week' }
  if (/^-\d*(\.\d*)?$/.test(text)) return { ok: false, problem: 'spare hours cannot be negative' }
  if (!/^\d+(\.\d{1,2})?$/.test(text))
    return {
      ok: false,
      problem: `spare hours must be a number with up to 2 decimal places, like 12.5, not "${text.slice(0, 20)}"`,
    }
  const hours = Number(text)
  if (hours > MAX_SPARE_HOURS_PER_WEEK)
    return {
      ok: false,
      problem: `${text} spare hours a week is more than ${MAX_SPARE_HOURS_PER_WEEK.toLocaleString('en-GB')}, the most one location can report for one district`,
    }
  return { ok: true, value: Math.round(hours * 60) }
}

/** Minutes as hours for people: at most 2 decimal places, no trailing zeros. */
export function minutesToHours(minutes: number): string {
  return String(Math.round((minutes / 60) * 100) / 100)
}

/**
 * The check against registered beds. Bed types are separate counts of vacant beds, each bed
 * counted once under its most specific type, so together they cannot exceed the home's
 * registered beds. Respite is the exception: a respite vacancy is usually a bed also offered
 * under another type, so it is checked on its own against the registered beds.
 * Returns the problem, or null when the figures fit.
 */
export function bedTotalProblem(
  registeredBeds: number,
  vacancies: ReadonlyMap<BedType, number>,
): string | null {
  const respite = vacancies.get('respite') ?? 0
  const others = [...vacancies].filter(([type]) => type !== 'respite').reduce((sum, [, n]) => sum + n, 0)
  const beds = `${registeredBeds} registered bed${registeredBeds === 1 ? '' : 's'}`
  if (others > registeredBeds)
    return `vacancies other than respite add up to ${others}, more than its ${beds}`
  if (respite > registeredBeds) return `respite vacancies of ${respite} are more than its ${beds}`
  return null
}

/** The largest figure one bed type may have: a home cannot have more vacancies than beds. */
export function singleBedTypeProblem(registeredBeds: number, vacancies: number): string | null {
  return vacancies > registeredBeds
    ? `${vacancies} vacancies are more than its ${registeredBeds} registered bed${registeredBeds === 1 ? '' : 's'}`
    : null
}

/** The bed types a care home is asked about, from what it is registered for. */
export function bedTypesFor(location: { serviceTypes: string[]; specialisms: string[] }): BedType[] {
  const residential = location.serviceTypes.includes('residential_home')
  const nursing = location.serviceTypes.includes('nursing_home')
  const types = new Set<BedType>()
  if (residential || !nursing) types.add('residential')
  if (nursing || !residential) types.add('nursing')
  if (location.specialisms.includes('dementia')) {
    if (residential) types.add('dementia_residential')
    if (nursing) types.add('dementia_nursing')
    if (!residential && !nursing) {
      types.add('dementia_residential')
      types.add('dementia_nursing')
    }
  }
  for (const specialism of ['learning_disability', 'mental_health', 'physical_disability'] as const)
    if (location.specialisms.includes(specialism)) types.add(specialism)
  types.add('respite')
  return BED_TYPES.filter((type) => types.has(type))
}

export function bedTypeLabel(type: string): string {
  return isBedType(type) ? BED_TYPE_LABELS[type] : type
}

// ---- Council-wide availability ----

export interface CareHome {
  id: number
  localityId: number | null
  registeredBeds: number
}

/** The latest vacancies of one bed type at one home, reported within the last 7 days. */
export interface CurrentVacancies {
  locationId: number
  bedType: string
  vacancies: number
}

export interface Availability {
  localityId: number | null
  locality: string
  /** Active care homes with registered beds. */
  homes: number
  /** Of those, the homes that reported in the last 7 days. */
  reportingHomes: number
  reportingPercent: number | null
  /** The denominator: registered beds of the reporting homes only. */
  registeredBedsOfReportingHomes: number
  /** Vacant beds of every type but respite, which would count some beds twice. */
  vacancies: number
  percentAvailable: number | null
  byBedType: { bedType: BedType; label: string; vacancies: number; percentAvailable: number | null }[]
}

/** A share as a percentage with one decimal place; null when there is nothing to divide by. */
function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null
}

/**
 * % of care home beds available, by locality and bed type: vacancies reported in the last 7 days
 * ÷ registered beds of the homes that reported in those 7 days. Homes that did not report are
 * left out of both, so silence is not read as "full"; the reporting share says how much of the
 * market the figure covers.
 */
export function summariseAvailability(
  homes: CareHome[],
  current: CurrentVacancies[],
  localities: { id: number; name: string }[],
): { localities: Availability[]; total: Availability } {
  const byHome = new Map<number, CurrentVacancies[]>()
  for (const row of current) byHome.set(row.locationId, [...(byHome.get(row.locationId) ?? []), row])

  const summarise = (localityId: number | null, locality: string, group: CareHome[]): Availability => {
    const reporting = group.filter((home) => byHome.has(home.id))
    const beds = reporting.reduce((sum, home) => sum + home.registeredBeds, 0)
    const perType = new Map<string, number>()
    for (const home of reporting)
      for (const row of byHome.get(home.id) ?? [])
        perType.set(row.bedType, (perType.get(row.bedType) ?? 0) + row.vacancies)
    const vacancies = [...perType].filter(([type]) => type !== 'respite').reduce((sum, [, n]) => sum + n, 0)
    return {
      localityId,
      locality,
      homes: group.length,
      reportingHomes: reporting.length,
      reportingPercent: percent(reporting.length, group.length),
      registeredBedsOfReportingHomes: beds,
      vacancies,
      percentAvailable: percent(vacancies, beds),
      byBedType: BED_TYPES.map((bedType) => ({
        bedType,
        label: BED_TYPE_LABELS[bedType],
        vacancies: perType.get(bedType) ?? 0,
        percentAvailable: percent(perType.get(bedType) ?? 0, beds),
      })),
    }
  }

  const rows = [...localities]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((l) =>
      summarise(
        l.id,
        l.name,
        homes.filter((home) => home.localityId === l.id),
      ),
    )
  const known = new Set(localities.map((l) => l.id))
  const unplaced = homes.filter((home) => home.localityId === null || !known.has(home.localityId))
  if (unplaced.length > 0) rows.push(summarise(null, 'No locality recorded', unplaced))
  return { localities: rows, total: summarise(null, 'All localities', homes) }
}

/** Care homes report vacancies: they need registered beds to report against. */
export function reportsBeds(location: {
  registeredBeds: number | null
  serviceTypes: readonly string[]
}): boolean {
  return (
    (location.registeredBeds ?? 0) > 0 ||
    location.serviceTypes.includes('residential_home') ||
    location.serviceTypes.includes('nursing_home')
  )
}

/** The reminder email to an organisation whose locations' capacity is out of date. */
export function reminderBody(councilName: string, organisationName: string, lines: string[]): string {
  return [
    'Hello,',
    '',
    `${councilName} uses Caremarket to see which care homes have vacancies and which home care services have spare hours, instead of phoning round.`,
    '',
    `The capacity of these locations of ${organisationName} has not been updated in the last ${STALE_AFTER_DAYS} days:`,
    '',
    ...lines.map((line) => `- ${line}`),
    '',
    'Please sign in to Caremarket and update it on the "Update capacity" page (/provider/capacity). If nothing has changed, submit the figures as they are: that marks them as up to date.',
    '',
    `This is an automatic reminder. You will get at most one every ${STALE_AFTER_DAYS} days while capacity is out of date.`,
  ].join('\n')
}
