// What a sourcing request is made of, and how each answer is checked. Pure: the caller supplies
// today's date and the council's default distance. The same schemas serve the question pages
// (one section per page), the JSON API (all sections at once) and the simulator.

import { z } from 'zod'
import { normalisePostcode } from '../../geography/rules.ts'
import { CLIENT_GROUPS, SPECIALISMS } from '../../providers/vocabulary.ts'
import { exampleDate, isCalendarDate } from '../../shared/dates.ts'
import { requiredInput } from '../../shared/json-schema.ts'
import { parsePounds } from '../../shared/money.ts'
import { recordId } from '../../storable.ts'
import {
  addCalendarDays,
  CARER_GENDERS,
  type CarerGender,
  MAX_DISTANCE_LIMIT_MILES,
  REQUEST_SERVICE_TYPES,
  type RequestServiceType,
} from '../rules/index.ts'

export interface InputContext {
  /** Today in England, 'YYYY-MM-DD'. */
  today: string
  /** The council's default maximum distance, used when a request does not set its own. */
  defaultMaxDistanceMiles: number
}

export const DAYS_OF_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number]
export const DAY_LABELS: Record<DayOfWeek, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
}

export const URGENCIES = ['routine', 'urgent', 'emergency'] as const
export type Urgency = (typeof URGENCIES)[number]
export const URGENCY_LABELS: Record<Urgency, string> = {
  routine: 'Routine',
  urgent: 'Urgent',
  emergency: 'Emergency',
}

export const SEXES = ['female', 'male'] as const
export type Sex = (typeof SEXES)[number]

/**
 * How the carer-gender wish is stored in sourcing_requests.carer_gender: the gender, and whether
 * it is a condition (`_required`) or a wish the rank may weigh (`_preferred`).
 */
export const CARER_GENDER_CHOICES = [
  'female_preferred',
  'female_required',
  'male_preferred',
  'male_required',
] as const
export type CarerGenderChoice = (typeof CARER_GENDER_CHOICES)[number]
export const CARER_GENDER_LABELS: Record<CarerGenderChoice, string> = {
  female_preferred: 'Female care workers preferred',
  female_required: 'Female care workers only',
  male_preferred: 'Male care workers preferred',
  male_required: 'Male care workers only',
}

/** The stored carer-gender wish as the eligibility rules take it. */
export function carerGenderOf(
  stored: string | null | undefined,
): { gender: CarerGender; required: boolean } | null {
  if (!stored) return null
  const [gender, kind] = stored.split('_')
  if (!(CARER_GENDERS as readonly string[]).includes(gender ?? '')) return null
  return { gender: gender as CarerGender, required: kind === 'required' }
}

/** Most visits a home care pattern may have: 4 a day, every day, is 28; room to spare. */
export const MAX_VISITS = 50
/** Most carers one visit may need (hoists and the like need 2; a few need more). */
export const MAX_CARERS = 4
const MAX_TEXT = 5000
/** £1,000,000 in pence: far above any weekly or hourly price, well inside a 32-bit integer. */
const MAX_PENCE = 100_000_000
/** How far ahead a start date may be. */
const MAX_DAYS_AHEAD = 730

// ---------------------------------------------------------------------------------------------
// Small pieces

/** A blank form field counts as not given. */
function blank(value: unknown): unknown {
  if (typeof value === 'string' && value.trim() === '') return undefined
  return value === null ? undefined : value
}

/** A form's string of digits becomes a number; anything else is left for Zod to refuse. */
function numeric(value: unknown): unknown {
  const given = blank(value)
  if (typeof given !== 'string') return given
  const n = Number(given.trim())
  return Number.isNaN(n) ? given : n
}

/** A form field or JSON value as a list: one checkbox ticked arrives as a string. */
function list(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return []
  return Array.isArray(value) ? value.filter((v) => v !== '') : [value]
}

/** A checkbox or JSON boolean: 'yes', 'true', 'on' and true are yes; anything else no. */
function yes(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  return typeof value === 'string' && ['yes', 'true', 'on'].includes(value.trim().toLowerCase())
}

const requiredText = (missing: string, label: string, max = MAX_TEXT) =>
  z.preprocess(
    blank,
    z
      .string({ error: missing })
      .trim()
      .min(1, missing)
      .max(max, `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`),
  )

const optionalText = (label: string, max = MAX_TEXT) =>
  z
    .preprocess(
      (v) => blank(v) ?? '',
      z
        .string({ error: `${label} must be text` })
        .trim()
        .max(max, `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`),
    )
    .default('')

const id = (message: string) => z.preprocess(numeric, recordId('ID', { message }))

/** The NHS number's check digit: modulus 11 over the first nine digits, weighted 10 down to 2. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false
  let sum = 0
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i)
  const check = 11 - (sum % 11)
  if (check === 10) return false
  return (check === 11 ? 0 : check) === Number(value[9])
}

const nhsNumber = z.preprocess(
  (v) => (typeof v === 'string' ? blank(v.replace(/[\s-]/g, '')) : blank(v)),
  z
    .string({ error: 'Enter the NHS number as 10 digits' })
    .regex(/^\d{10}$/, 'Enter the NHS number as 10 digits, like 943 476 5919')
    .refine(isValidNhsNumber, 'Enter a real NHS number: the last digit does not match the others')
    .optional(),
)

function postcode(missing: string, options: { required: true }): z.ZodType<string, unknown>
function postcode(missing: string, options: { required: false }): z.ZodType<string | undefined, unknown>
function postcode(missing: string, options: { required: boolean }): z.ZodType<string | undefined, unknown> {
  const schema = z
    .unknown()
    .optional()
    .transform((value, ctx) => {
      const given = blank(value)
      if (given === undefined) {
        if (options.required) ctx.addIssue({ code: 'custom', message: missing })
        return options.required ? z.NEVER : undefined
      }
      const normal = typeof given === 'string' ? normalisePostcode(given) : null
      if (!normal) {
        ctx.addIssue({ code: 'custom', message: 'Enter a real postcode, like NR1 3QE' })
        return z.NEVER
      }
      return normal
    })
    .meta({ type: 'string', description: 'A UK postcode, like NR1 3QE' })
  return options.required ? requiredInput(schema) : schema
}

type DateCheck = [(date: string) => boolean, string]

/** A real calendar date 'YYYY-MM-DD', then each check in turn: the first that fails is the one reported. */
function calendarDate(missing: string, invalid: string, checks: DateCheck[]): z.ZodType<string, unknown>
function calendarDate(
  missing: string,
  invalid: string,
  checks: DateCheck[],
  options: { required: false },
): z.ZodType<string | undefined, unknown>
function calendarDate(
  missing: string,
  invalid: string,
  checks: DateCheck[],
  options = { required: true },
): z.ZodType<string | undefined, unknown> {
  const schema = z
    .unknown()
    .optional()
    .transform((value, ctx) => {
      const given = blank(value)
      if (given === undefined) {
        if (options.required) ctx.addIssue({ code: 'custom', message: missing })
        return options.required ? z.NEVER : undefined
      }
      if (typeof given !== 'string' || !isCalendarDate(given.trim())) {
        ctx.addIssue({ code: 'custom', message: invalid })
        return z.NEVER
      }
      const date = given.trim()
      for (const [ok, message] of checks) {
        if (!ok(date)) {
          ctx.addIssue({ code: 'custom', message })
          return z.NEVER
        }
      }
      return date
    })
    .meta({ type: 'string', format: 'date' })
  return options.required ? requiredInput(schema) : schema
}

/** An amount in pounds as pence; `moreThanZero` refuses £0 (a price nobody could be paid). */
const pounds = (label: string, options: { moreThanZero?: boolean } = {}) =>
  z
    .unknown()
    .optional()
    .transform((value, ctx) => {
      const parsed = parsePounds(value)
      const tooLow = parsed.ok && parsed.pence === 0 && options.moreThanZero
      if (parsed.ok && parsed.pence <= MAX_PENCE && !tooLow) return parsed.pence
      if (!parsed.ok && parsed.problem === 'empty') return null
      const message = tooLow
        ? `${label} must be more than £0`
        : parsed.ok
          ? `${label} must be £1,000,000 or less`
          : parsed.problem === 'negative'
            ? `${label} must be £0 or more`
            : `${label} must be an amount in pounds, like 950 or 22.50`
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    })
    .meta({ type: ['number', 'string'], description: 'An amount in pounds, like 950 or "1,234.50"' })

const maxDistanceMessage = `Maximum distance must be more than 0 and at most ${MAX_DISTANCE_LIMIT_MILES} miles`
const maxDistance = z.preprocess(
  numeric,
  z
    .number({ error: maxDistanceMessage })
    .positive(maxDistanceMessage)
    .max(MAX_DISTANCE_LIMIT_MILES, maxDistanceMessage)
    .optional(),
)

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/
/** 'H:MM' or 'HH.MM' as typed becomes 'HH:MM'. */
function clock(value: unknown): unknown {
  const given = blank(value)
  if (typeof given !== 'string') return given
  const match = /^(\d{1,2})[:.](\d{2})$/.exec(given.trim())
  return match ? `${(match[1] ?? '').padStart(2, '0')}:${match[2]}` : given.trim()
}
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5))

// ---------------------------------------------------------------------------------------------
// The sections: one question page each

export function personShape(ctx: InputContext) {
  const earliest = addCalendarDays(ctx.today, -130 * 366)
  return {
    name: requiredText('Enter the person’s full name', 'Name', 200),
    dateOfBirth: calendarDate(
      'Enter the person’s date of birth',
      'Date of birth must be a real date, like 27 3 1941',
      [
        [(v) => v < ctx.today, 'Date of birth must be in the past'],
        [(v) => v >= earliest, 'Date of birth must be a real date, like 27 3 1941'],
      ],
    ),
    sex: z.preprocess(
      (v) => (v === 'not_stated' ? undefined : blank(v)),
      z.enum(SEXES, { error: 'Choose female, male or not stated' }).optional(),
    ),
    postcode: postcode('Enter the person’s postcode', { required: true }),
    nhsNumber,
  }
}

// ---------------------------------------------------------------------------------------------
// How to reach the person, and who speaks for them: kept from providers until award

/** What the person may agree the awarded provider is given. */
const SHARING_CONSENTS = ['address', 'phone', 'representative'] as const
export type SharingConsent = (typeof SHARING_CONSENTS)[number]
export const SHARING_CONSENT_LABELS: Record<SharingConsent, string> = {
  address: 'Their address',
  phone: 'Their phone number',
  representative: 'Their representative or next of kin’s details',
}

const MAX_ADDRESS_LINE = 100

/** One line of an address or a name: printable, on one line, trimmed with single spaces; blank is none. */
function lineOfText(label: string, max = MAX_ADDRESS_LINE) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): string | undefined => {
      const given = blank(value)
      if (given === undefined) return undefined
      if (typeof given !== 'string' || UNPRINTABLE.test(given)) {
        ctx.addIssue({
          code: 'custom',
          message: `${label} must be letters, numbers and punctuation on one line`,
        })
        return z.NEVER
      }
      const text = given.trim().replace(/\s+/g, ' ')
      if (text.length > max) {
        ctx.addIssue({ code: 'custom', message: `${label} must be ${max} characters or fewer` })
        return z.NEVER
      }
      if (!/\p{L}|\p{N}/u.test(text)) {
        ctx.addIssue({ code: 'custom', message: `${label} must have letters or numbers in it` })
        return z.NEVER
      }
      return text
    })
    .meta({ type: 'string', maxLength: max })
}

/**
 * A UK phone number as typed: 10 or 11 digits starting 0, or +44 then the number without its 0;
 * spaces, brackets and hyphens allowed. Kept as typed, with single spaces.
 */
export function isUkPhoneNumber(text: string): boolean {
  if (!/^[+\d\s()-]+$/.test(text)) return false
  const compact = text.replace(/[\s()-]/g, '')
  return /^0[1-9]\d{8,9}$/.test(compact) || /^\+44[1-9]\d{8,9}$/.test(compact)
}

function ukPhone(label: string) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): string | undefined => {
      const given = blank(value)
      if (given === undefined) return undefined
      const text = typeof given === 'string' ? given.trim().replace(/\s+/g, ' ') : ''
      if (text.length > 30 || !isUkPhoneNumber(text)) {
        ctx.addIssue({
          code: 'custom',
          message: `Enter ${label} as a UK phone number, like 01632 960 001 or +44 7700 900 982`,
        })
        return z.NEVER
      }
      return text
    })
    .meta({ type: 'string', description: 'A UK phone number, like 01632 960 001 or +44 7700 900 982' })
}

const emailAddress = z
  .unknown()
  .optional()
  .transform((value, ctx): string | undefined => {
    const given = blank(value)
    if (given === undefined) return undefined
    const text = typeof given === 'string' ? given.trim() : ''
    if (text.length > 254 || !z.email().safeParse(text).success) {
      ctx.addIssue({
        code: 'custom',
        message: 'Enter an email address in the correct format, like name@example.org',
      })
      return z.NEVER
    }
    return text.toLowerCase()
  })
  .meta({ type: 'string', format: 'email' })

/** The person's home address: lines and town; its postcode is the person's postcode. */
const addressSchema = z
  .object(
    {
      line1: lineOfText('Address line 1'),
      line2: lineOfText('Address line 2'),
      town: lineOfText('Town or city', 60),
      /** Optional: when given it must be the person's postcode. */
      postcode: postcode('Enter the postcode', { required: false }),
    },
    { error: 'The address must be an object: { line1, line2, town }' },
  )
  .superRefine((address, ctx) => {
    if (!address.line1)
      ctx.addIssue({ code: 'custom', path: ['line1'], message: 'Enter the first line of the address' })
    if (!address.town) ctx.addIssue({ code: 'custom', path: ['town'], message: 'Enter the town or city' })
  })

const representativeSchema = z
  .object(
    {
      name: lineOfText('Representative’s name', 200),
      relationship: lineOfText('Relationship', 100),
      phone: ukPhone('the representative’s phone number'),
      email: emailAddress,
    },
    { error: 'The representative must be an object: { name, relationship, phone, email }' },
  )
  .superRefine((rep, ctx) => {
    if (!rep.name)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'Enter the representative’s name' })
    if (!rep.relationship)
      ctx.addIssue({
        code: 'custom',
        path: ['relationship'],
        message: 'Enter how the representative is related to the person, like daughter or friend',
      })
    if (!rep.phone && !rep.email)
      ctx.addIssue({
        code: 'custom',
        path: ['phone'],
        message: 'Enter the representative’s phone number or email address',
      })
  })
  .transform((rep) => ({
    name: rep.name as string,
    relationship: rep.relationship as string,
    phone: rep.phone ?? null,
    email: rep.email ?? null,
  }))

/** The contact details a request may record, all optional; the API's `person.address`, `.phone`, `.representative`. */
export const contactShape = {
  address: addressSchema.optional(),
  phone: ukPhone('the person’s phone number'),
  representative: representativeSchema.optional(),
  sharingConsent: z
    .preprocess(
      list,
      z
        .array(z.enum(SHARING_CONSENTS, { error: 'Choose what may be shared from the list' }), {
          error: 'Sharing consent must be a list of address, phone and representative',
        })
        .transform((values) => SHARING_CONSENTS.filter((c) => values.includes(c))),
    )
    .optional()
    .describe('What the person agreed the awarded provider may be given; none when left out'),
}

export type ContactInput = z.output<z.ZodObject<typeof contactShape>>

/** The person's postcode must be the address's, when the address gives one. */
function checkAddressPostcode(
  person: { postcode?: string; address?: { postcode?: string } },
  ctx: z.core.$RefinementCtx,
): void {
  const given = person.address?.postcode
  if (given && person.postcode && given !== person.postcode)
    ctx.addIssue({
      code: 'custom',
      path: ['address', 'postcode'],
      message: `The address’s postcode must be the person’s postcode, ${person.postcode}`,
    })
}

/** Most characters a case-system reference may have. */
const MAX_REFERENCE = 100
// Control characters (line breaks and tabs included), format characters and line or paragraph
// separators: a reference is one line of what can be seen and typed.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u

/**
 * A reference from the council's case system as typed: trimmed, runs of spaces made one, at most
 * MAX_REFERENCE characters, printable; blank is none (null). The search takes the same form.
 */
export function reference(label: string, description: string) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): string | null => {
      const given = blank(value)
      if (given === undefined) return null
      if (typeof given !== 'string' || UNPRINTABLE.test(given)) {
        ctx.addIssue({
          code: 'custom',
          message: `${label} must be letters, numbers and punctuation on one line`,
        })
        return z.NEVER
      }
      const text = given.trim().replace(/\s+/g, ' ')
      if (text.length > MAX_REFERENCE) {
        ctx.addIssue({ code: 'custom', message: `${label} must be ${MAX_REFERENCE} characters or fewer` })
        return z.NEVER
      }
      return text
    })
    .meta({ type: ['string', 'null'], maxLength: MAX_REFERENCE, description })
}

/** The council's case system's references: council-side only, never shown to providers. */
export const referencesShape = {
  personRef: reference(
    'Case system person ID',
    'The person’s ID in the council’s case system; never shown to providers',
  ),
  caseRef: reference(
    'Case or service agreement ID',
    'The case or service agreement ID in the council’s case system; never shown to providers',
  ),
}

export const serviceTypeShape = {
  serviceType: z.enum(REQUEST_SERVICE_TYPES, { error: 'Choose the type of care' }),
}

export const needsShape = {
  clientGroup: z.enum(CLIENT_GROUPS, { error: 'Choose the client group' }),
  specialisms: z.preprocess(
    list,
    z
      .array(z.enum(SPECIALISMS, { error: 'Choose needs from the list' }))
      .transform((values) => SPECIALISMS.filter((s) => values.includes(s))),
  ),
  needsSummary: requiredText('Describe the person’s needs', 'Needs summary'),
}

export function locationShape() {
  return {
    /** Where distance is measured from; the person's postcode when not given. */
    preferredPostcode: postcode('Enter a postcode', { required: false }),
    maxDistanceMiles: maxDistance,
  }
}

function startDateChecks(ctx: InputContext): DateCheck[] {
  const latest = addCalendarDays(ctx.today, MAX_DAYS_AHEAD)
  return [
    [(v) => v >= ctx.today, 'Start date must be today or in the future'],
    [(v) => v <= latest, 'Start date must be within 2 years'],
  ]
}

const START_DATE_MISSING = 'Enter the date care should start'
/** A start date still to come as the example, whenever the form is checked. */
const startDateInvalid = () => `Start date must be a real date, like ${exampleDate(14)}`

export function timingShape(ctx: InputContext) {
  return {
    startDate: calendarDate(START_DATE_MISSING, startDateInvalid(), startDateChecks(ctx)),
    urgency: z.enum(URGENCIES, { error: 'Choose how urgent the request is' }),
    inHospital: z.unknown().optional().transform(yes).meta({ type: 'boolean' }),
    emergencyHours: z.preprocess(
      numeric,
      z.union([z.literal(24), z.literal(48)], { error: 'Choose 24 or 48 hours' }).optional(),
    ),
  }
}

export const priceShape = {
  usualPricePounds: pounds('Usual price', { moreThanZero: true }),
  budgetPounds: pounds('Indicative budget'),
}

/** Most hours of support a week: two workers round the clock (2 × 168). */
const MAX_SUPPORT_HOURS = 336
const supportHoursMessage = `Enter the hours of support a week as a number more than 0 and at most ${MAX_SUPPORT_HOURS}, like 20 or 37.5`

/** Supported living's hours of support a week, kept as whole minutes. */
export const supportShape = {
  supportHoursPerWeek: z
    .preprocess(
      numeric,
      z
        .number({ error: supportHoursMessage })
        .positive(supportHoursMessage)
        .max(MAX_SUPPORT_HOURS, supportHoursMessage)
        .refine((hours) => Math.round(hours * 60) > 0, supportHoursMessage)
        .transform((hours) => Math.round(hours * 60))
        .optional(),
    )
    .describe(
      'Supported living only, and needed for it: hours of support a week (support-worker time), like 20 or 37.5. Priced by the hour, it sets the weekly cost.',
    ),
}

export const visitSchema = z
  .object({
    days: z.preprocess(
      list,
      z
        .array(z.enum(DAYS_OF_WEEK, { error: 'Choose days of the week from the list' }), {
          error: 'Choose the days of the visit',
        })
        .min(1, 'Choose at least one day for the visit')
        .transform((values) => DAYS_OF_WEEK.filter((d) => values.includes(d))),
    ),
    windowStart: z.preprocess(
      clock,
      z.string({ error: 'Enter the earliest time of the visit' }).regex(TIME, 'Enter a time like 07:30'),
    ),
    windowEnd: z.preprocess(
      clock,
      z.string({ error: 'Enter the latest time of the visit' }).regex(TIME, 'Enter a time like 09:00'),
    ),
    durationMinutes: z.preprocess(
      numeric,
      z
        .number({ error: 'Enter how long the visit lasts, in minutes' })
        .int('Enter the visit’s length in whole minutes')
        .min(5, 'A visit must last at least 5 minutes')
        .max(720, 'A visit must last 720 minutes (12 hours) or less'),
    ),
    carers: z
      .preprocess(
        (v) => numeric(v) ?? 1,
        z
          .number({ error: `Enter the number of carers, from 1 to ${MAX_CARERS}` })
          .int(`Enter the number of carers, from 1 to ${MAX_CARERS}`)
          .min(1, `Enter the number of carers, from 1 to ${MAX_CARERS}`)
          .max(MAX_CARERS, `Enter the number of carers, from 1 to ${MAX_CARERS}`),
      )
      .default(1),
  })
  .superRefine((visit, ctx) => {
    if (!TIME.test(visit.windowStart) || !TIME.test(visit.windowEnd)) return
    const window = minutesOf(visit.windowEnd) - minutesOf(visit.windowStart)
    if (window <= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowEnd'],
        message: 'The latest time must be after the earliest time',
      })
    } else if (visit.durationMinutes > window) {
      ctx.addIssue({
        code: 'custom',
        path: ['durationMinutes'],
        message: `The visit must fit in its time window of ${window} minutes`,
      })
    }
  })

export type VisitInput = z.input<typeof visitSchema>

export const carersShape = {
  carerGender: z.preprocess(
    (v) => (v === 'none' ? undefined : blank(v)),
    z.enum(CARER_GENDER_CHOICES, { error: 'Choose a carer gender preference from the list' }).optional(),
  ),
  language: optionalText('Language', 100),
}

export const notesShape = {
  notesForProviders: optionalText('Notes for providers'),
}

export const lotShape = {
  lotId: z.preprocess(
    (v) => (v === 'none' ? undefined : blank(v)),
    id('Choose a lot from the list').optional(),
  ),
}

// ---------------------------------------------------------------------------------------------
// Rules across fields, shared by the pages and the whole request

type Issues = z.core.$RefinementCtx

export function checkPrice(
  price: { usualPricePounds: number | null; budgetPounds: number | null },
  ctx: Issues,
): void {
  if (price.usualPricePounds === null && price.budgetPounds === null)
    ctx.addIssue({
      code: 'custom',
      path: ['usualPricePounds'],
      message: 'Enter the usual price or an indicative budget',
    })
}

function checkVisits(
  request: { serviceType: RequestServiceType; visits: readonly unknown[] },
  ctx: Issues,
): void {
  if (request.serviceType === 'home_care' && request.visits.length === 0)
    ctx.addIssue({ code: 'custom', path: ['visits'], message: 'Add at least one visit for home care' })
  if (request.serviceType !== 'home_care' && request.visits.length > 0)
    ctx.addIssue({ code: 'custom', path: ['visits'], message: 'Visits are only for home care' })
}

function checkSupport(
  request: { serviceType: RequestServiceType; supportHoursPerWeek?: number | undefined },
  ctx: Issues,
): void {
  if (request.serviceType === 'supported_living' && request.supportHoursPerWeek === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['supportHoursPerWeek'],
      message: 'Enter the hours of support a week for supported living',
    })
  if (request.serviceType !== 'supported_living' && request.supportHoursPerWeek !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['supportHoursPerWeek'],
      message: 'Hours of support a week are only for supported living',
    })
}

/** Runs a rule across fields only when none of the fields it reads has an error of its own. */
function whenValid(...fields: string[]) {
  return {
    when: (payload: { issues: readonly { path?: readonly PropertyKey[] }[] }) =>
      !payload.issues.some((issue) => fields.includes(String(issue.path?.[0]))),
  }
}

/**
 * A whole request at once, as the API and the simulator give it. Where the council keeps a rate book
 * (`priceFromRateBook`) neither a usual price nor a budget is asked for here: the service checks the
 * book has a rate for the request once it knows the person's locality.
 */
export function newRequestSchema(ctx: InputContext, options: { priceFromRateBook?: boolean } = {}) {
  const price = options.priceFromRateBook ? () => undefined : checkPrice
  return (
    z
      .object({
        /** An existing person of the council; otherwise `person` describes a new one. */
        personId: id('Person ID must be a positive whole number').optional(),
        person: z
          .object({ ...personShape(ctx), ...contactShape }, { error: 'Give the person’s details' })
          .superRefine(checkAddressPostcode)
          .optional(),
        /** The team whose caseload it is; a social worker in one team may leave it out. */
        teamId: id('Team ID must be a positive whole number')
          .optional()
          .describe(
            'The team whose caseload the request is: one of the social worker’s teams (needed when they are in several; their one team otherwise), or any team of the council for a broker',
          ),
        ...referencesShape,
        ...serviceTypeShape,
        ...needsShape,
        ...locationShape(),
        ...timingShape(ctx),
        ...priceShape,
        visits: z
          .preprocess(
            (v) => blank(v) ?? [],
            z
              .array(visitSchema, { error: 'Visits must be a list' })
              .max(MAX_VISITS, `Enter no more than ${MAX_VISITS} visits`),
          )
          .default([]),
        ...supportShape,
        ...carersShape,
        ...notesShape,
        ...lotShape,
      })
      // Each rule across fields runs whenever the fields it reads are valid, so one answer's error
      // does not hide another's.
      .superRefine(
        (request, issues) => {
          if (request.personId === undefined && request.person === undefined)
            issues.addIssue({ code: 'custom', path: ['person'], message: 'Give the person’s details' })
          if (request.personId !== undefined && request.person !== undefined)
            issues.addIssue({
              code: 'custom',
              path: ['personId'],
              message: 'Give either an existing person’s ID or a new person’s details, not both',
            })
        },
        whenValid('person', 'personId'),
      )
      .superRefine(price, whenValid('usualPricePounds', 'budgetPounds'))
      .superRefine(checkVisits, whenValid('serviceType', 'visits'))
      .superRefine(checkSupport, whenValid('serviceType', 'supportHoursPerWeek'))
      .transform((request) => ({
        ...request,
        maxDistanceMiles: request.maxDistanceMiles ?? ctx.defaultMaxDistanceMiles,
        emergencyHours: request.urgency === 'emergency' ? (request.emergencyHours ?? null) : null,
        carerGender: request.serviceType === 'home_care' ? (request.carerGender ?? null) : null,
        language: request.serviceType === 'home_care' ? request.language || null : null,
      }))
  )
}

export type PersonInput = z.input<z.ZodObject<ReturnType<typeof personShape>>>

/** What republishing may widen: a longer distance, a bigger budget, another lot or none, a new start date. */
export function republishSchema(ctx: InputContext) {
  return z.object({
    maxDistanceMiles: maxDistance,
    budgetPounds: pounds('Indicative budget'),
    lotId: z.preprocess(
      (v) => (v === 'none' ? null : v === '' ? undefined : v),
      z.union([z.null(), id('Choose a lot from the list')]).optional(),
    ),
    startDate: calendarDate(START_DATE_MISSING, startDateInvalid(), startDateChecks(ctx), {
      required: false,
    }),
  })
}
