// Pure mappings from CQC's published labels onto Caremarket's vocabulary.
// Labels are compared case- and whitespace-insensitively: CQC's files are not consistent
// about capitals ("Care Home?" / "Care home?", "Sensory impairment" / "Sensory impairments").

import { isValid, toNormalised } from 'postcode'
import { dateOfParts, MONTH_NAMES, parseWrittenDate } from '../../shared/dates.ts'
import {
  CLIENT_GROUPS,
  type ClientGroup,
  CQC_RATINGS,
  type CqcRating,
  KEY_QUESTION_LABELS,
  KEY_QUESTIONS,
  type KeyQuestion,
  SERVICE_TYPES,
  type ServiceType,
  SPECIALISMS,
  type Specialism,
} from '../vocabulary.ts'

export type FieldResult<T> = { ok: true; value: T } | { ok: false; reason: string }

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value })
const fail = <T>(reason: string): FieldResult<T> => ({ ok: false, reason })

/** The key labels are compared by. */
export function labelKey(label: string): string {
  return label.trim().replace(/\s+/g, ' ').toLowerCase()
}

/** Text of a cell or JSON value; null when blank. */
export function text(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null
  const value = String(raw).trim()
  return value === '' ? null : value
}

/** The care directory separates multi-valued fields with '|'. */
export function splitMultiValue(raw: string | null | undefined): string[] {
  if (!raw) return []
  return raw
    .split('|')
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

/** HSCA flag columns hold 'Y' or are blank. */
export function isYes(raw: unknown): boolean {
  const value = text(raw)
  return value !== null && ['y', 'yes', 'true', '1'].includes(value.toLowerCase())
}

/** Address parts (possibly multi-line or comma-run-together) as one "a, b, c" line. */
export function joinAddress(parts: readonly unknown[]): string {
  return parts
    .flatMap((part) => (text(part) ?? '').split(/\s*[,\r\n]+\s*/))
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(', ')
}

// ---------------------------------------------------------------------------------------------
// Service types

// Care directory / API gacServiceTypes names, their descriptions (= HSCA "Service type - ..."
// column suffixes), and a few spellings seen in third-party exports.
const SERVICE_TYPE_ALIASES: Record<ServiceType, readonly string[]> = {
  nursing_home: ['Care home service with nursing', 'Nursing homes', 'Nursing home'],
  residential_home: ['Care home service without nursing', 'Residential homes', 'Residential home'],
  home_care: ['Domiciliary care service', 'Homecare agencies', 'Homecare agency', 'Home care agencies'],
  supported_living: ['Supported living service', 'Supported living'],
  extra_care_housing: [
    'Extra Care housing services',
    'Extra care housing service',
    'Extra care housing',
    // The API's gacServiceTypes pairs name "Supported housing" with "Extra Care housing services".
    'Supported housing',
  ],
}

/** The care directory's / API name for each service type (what the writers emit). */
export const CARE_DIRECTORY_SERVICE_TYPE_NAMES: Record<ServiceType, string> = {
  nursing_home: 'Nursing homes',
  residential_home: 'Residential homes',
  home_care: 'Homecare agencies',
  supported_living: 'Supported living',
  extra_care_housing: 'Supported housing',
}

/** The HSCA column suffix ("Service type - ...") and API gacServiceTypes description. */
export const HSCA_SERVICE_TYPE_NAMES: Record<ServiceType, string> = {
  nursing_home: 'Care home service with nursing',
  residential_home: 'Care home service without nursing',
  home_care: 'Domiciliary care service',
  supported_living: 'Supported living service',
  extra_care_housing: 'Extra Care housing services',
}

const SERVICE_TYPE_BY_KEY = new Map<string, ServiceType>(
  SERVICE_TYPES.flatMap((type) =>
    SERVICE_TYPE_ALIASES[type].map((alias) => [labelKey(alias), type] as const),
  ),
)

export function mapServiceType(label: string): ServiceType | undefined {
  return SERVICE_TYPE_BY_KEY.get(labelKey(label))
}

/** Maps CQC service type labels; labels with no Caremarket equivalent come back in `unmapped`. */
export function mapServiceTypes(labels: Iterable<string>): {
  serviceTypes: ServiceType[]
  unmapped: string[]
} {
  const found = new Set<ServiceType>()
  const unmapped: string[] = []
  for (const label of labels) {
    const type = mapServiceType(label)
    if (type) found.add(type)
    else if (label.trim() !== '' && !unmapped.includes(label.trim())) unmapped.push(label.trim())
  }
  return { serviceTypes: SERVICE_TYPES.filter((type) => found.has(type)), unmapped }
}

// ---------------------------------------------------------------------------------------------
// Specialisms, service user bands and client groups

// Care directory "Specialisms/services" and API specialisms names, then HSCA "Service user band - ..."
// suffixes, then wording used in CQC's service pages.
const SPECIALISM_ALIASES: Record<Specialism, readonly string[]> = {
  dementia: ['Dementia'],
  learning_disability: [
    'Learning disabilities',
    'Learning disability',
    'Learning disabilities or autistic spectrum disorder',
    'Caring for people with learning disabilities or autistic spectrum disorder',
  ],
  mental_health: ['Mental health conditions', 'Mental Health', 'Mental health condition'],
  physical_disability: ['Physical disabilities', 'Physical Disability'],
  sensory_impairment: ['Sensory impairments', 'Sensory impairment'],
  substance_misuse: ['Substance misuse problems', 'People who misuse drugs and alcohol', 'Substance misuse'],
  eating_disorder: ['Eating disorders', 'People with an eating disorder', 'Eating disorder'],
}

const CLIENT_GROUP_ALIASES: Record<ClientGroup, readonly string[]> = {
  older_people: ['Caring for adults over 65 yrs', 'Older People', 'Older people'],
  younger_adults: ['Caring for adults under 65 yrs', 'Younger Adults', 'Younger adults'],
}

/** The care directory's / API specialism name for each value (what the care directory writer emits). */
export const CARE_DIRECTORY_SPECIALISM_NAMES: Record<Specialism | ClientGroup, string> = {
  dementia: 'Dementia',
  learning_disability: 'Learning disabilities',
  mental_health: 'Mental health conditions',
  physical_disability: 'Physical disabilities',
  sensory_impairment: 'Sensory impairment',
  substance_misuse: 'Substance misuse problems',
  eating_disorder: 'Eating disorders',
  older_people: 'Caring for adults over 65 yrs',
  younger_adults: 'Caring for adults under 65 yrs',
}

/** The HSCA "Service user band - ..." column suffix for each value. */
export const HSCA_SERVICE_USER_BAND_NAMES: Record<Specialism | ClientGroup, string> = {
  dementia: 'Dementia',
  learning_disability: 'Learning disabilities or autistic spectrum disorder',
  mental_health: 'Mental Health',
  physical_disability: 'Physical Disability',
  sensory_impairment: 'Sensory Impairment',
  substance_misuse: 'People who misuse drugs and alcohol',
  eating_disorder: 'People with an eating disorder',
  older_people: 'Older People',
  younger_adults: 'Younger Adults',
}

type Need = { kind: 'specialism'; value: Specialism } | { kind: 'clientGroup'; value: ClientGroup }

const NEED_BY_KEY = new Map<string, Need>([
  ...SPECIALISMS.flatMap((value) =>
    SPECIALISM_ALIASES[value].map((alias) => [labelKey(alias), { kind: 'specialism', value }] as const),
  ),
  ...CLIENT_GROUPS.flatMap((value) =>
    CLIENT_GROUP_ALIASES[value].map((alias) => [labelKey(alias), { kind: 'clientGroup', value }] as const),
  ),
])

/**
 * Maps CQC specialisms / service user bands onto specialisms and client groups. Labels with no
 * Caremarket equivalent ("Caring for children", "Services for everyone", regulated activities the
 * care directory mixes in) come back in `unmapped`.
 */
export function mapSpecialisms(labels: Iterable<string>): {
  specialisms: Specialism[]
  clientGroups: ClientGroup[]
  unmapped: string[]
} {
  const specialisms = new Set<Specialism>()
  const clientGroups = new Set<ClientGroup>()
  const unmapped: string[] = []
  for (const label of labels) {
    const need = NEED_BY_KEY.get(labelKey(label))
    if (need?.kind === 'specialism') specialisms.add(need.value)
    else if (need?.kind === 'clientGroup') clientGroups.add(need.value)
    else if (label.trim() !== '' && !unmapped.includes(label.trim())) unmapped.push(label.trim())
  }
  return {
    specialisms: SPECIALISMS.filter((value) => specialisms.has(value)),
    clientGroups: CLIENT_GROUPS.filter((value) => clientGroups.has(value)),
    unmapped,
  }
}

// ---------------------------------------------------------------------------------------------
// Ratings

const RATING_BY_KEY = new Map<string, CqcRating>(CQC_RATINGS.map((rating) => [labelKey(rating), rating]))

// CQC's own ways of saying "no overall rating". Real files use all of these: under the new assessment
// approach locations with several services show "Not Rated", NHS rows "Not applicable", and the
// ratings files the rest. Rejecting them would drop real, registered locations.
const NO_RATING = new Set(
  [
    'Not yet rated',
    'Not rated',
    'No published rating',
    'Inspected but not rated',
    'Insufficient evidence to rate',
    'Not applicable',
  ].map(labelKey),
)

/** CQC's exact ratings (any capitals); blank or a "no rating" marker is null; anything else fails. */
export function parseRating(raw: unknown): FieldResult<CqcRating | null> {
  const value = text(raw)
  if (value === null) return ok(null)
  const key = labelKey(value)
  const rating = RATING_BY_KEY.get(key)
  if (rating) return ok(rating)
  if (NO_RATING.has(key)) return ok(null)
  return fail(`unknown rating "${value}"`)
}

const KEY_QUESTION_BY_KEY = new Map<string, KeyQuestion>(
  KEY_QUESTIONS.map((question) => [labelKey(KEY_QUESTION_LABELS[question]).replace(/[^a-z]/g, ''), question]),
)

/** A key question from CQC's name for it ("Safe", "Well-led", "Well led"); undefined for any other. */
export function parseKeyQuestion(raw: unknown): KeyQuestion | undefined {
  const value = text(raw)
  return value === null ? undefined : KEY_QUESTION_BY_KEY.get(value.toLowerCase().replace(/[^a-z]/g, ''))
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS = MONTH_NAMES.map((month) => month.toLowerCase())

function monthNumber(name: string): number | undefined {
  const key = name.toLowerCase()
  const index = MONTHS.findIndex((month) => month === key || (key.length >= 3 && month.startsWith(key)))
  return index === -1 ? undefined : index + 1
}

// The care directory writes "09/Jan/2026 - 00:00"; other forms are read as every file's dates are.
const DMY_MONTH =
  /^(\d{1,2})[/ -]([A-Za-z]{3,9})[/ -](\d{4})(?:[ T]+-?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/

/**
 * CQC dates as 'YYYY-MM-DD': ISO (API), dd/mm/yyyy (spreadsheet exports), dd/Mon/yyyy - HH:MM
 * (care directory) and "1 January 2023". Blank is null.
 */
export function parseCqcDate(raw: unknown): FieldResult<string | null> {
  const value = text(raw)
  if (value === null) return ok(null)
  const date = isoDateOf(value)
  return date ? ok(date) : fail(`invalid date "${value}"`)
}

function isoDateOf(value: string): string | null {
  const written = parseWrittenDate(value)
  if (written) return written
  const named = DMY_MONTH.exec(value)
  const month = named ? monthNumber(named[2] ?? '') : undefined
  return named && month ? dateOfParts(Number(named[3]), month, Number(named[1])) : null
}

// ---------------------------------------------------------------------------------------------
// Postcodes, beds and coordinates

/** A valid UK postcode, normalised ("NR1 9ZZ"); blank is null. */
export function parsePostcode(raw: unknown): FieldResult<string | null> {
  const value = text(raw)
  if (value === null) return ok(null)
  const compact = value.replace(/\s+/g, '')
  const normalised = isValid(compact) ? toNormalised(compact) : null
  return normalised ? ok(normalised) : fail(`invalid postcode "${value}"`)
}

/** Registered beds: a whole number of at least 0; blank is null. */
export function parseBeds(raw: unknown): FieldResult<number | null> {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return fail(`registered beds not a whole number "${raw}"`)
    return raw < 0 ? fail(`negative registered beds "${raw}"`) : ok(raw)
  }
  const value = text(raw)
  if (value === null) return ok(null)
  // Spreadsheet exports sometimes write whole numbers as "12.0".
  const match = /^(-?)(\d+)(?:\.0+)?$/.exec(value)
  if (!match) return fail(`registered beds not a whole number "${value}"`)
  if (match[1] === '-' && Number(match[2]) !== 0) return fail(`negative registered beds "${value}"`)
  return ok(Number(match[2]))
}

const COORDINATE_RANGE = { latitude: 90, longitude: 180 } as const

/** A decimal latitude or longitude; blank is null. */
export function parseCoordinate(
  raw: unknown,
  kind: keyof typeof COORDINATE_RANGE,
): FieldResult<number | null> {
  const value = typeof raw === 'number' ? raw : text(raw)
  if (value === null) return ok(null)
  const number =
    typeof value === 'number' ? value : /^-?\d+(?:\.\d+)?$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isFinite(number) || Math.abs(number) > COORDINATE_RANGE[kind])
    return fail(`invalid ${kind} "${value}"`)
  return ok(number)
}
