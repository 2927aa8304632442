// Services the council accredits itself (day opportunities, micro-providers, community groups):
// what a service's entry must hold, the council-issued IDs, and what an import changes. Pure.
import { z } from 'zod'
import { normalisePostcode } from '../../geography/rules.ts'
import { exampleDate, isCalendarDate } from '../../shared/dates.ts'
import {
  ACCREDITATION_CRITERIA,
  ACCREDITATION_CRITERION_LABELS,
  ACCREDITED_KIND_LABELS,
  ACCREDITED_KINDS,
  ACCREDITED_SERVICE_TYPES,
  CLIENT_GROUP_LABELS,
  CLIENT_GROUPS,
  COUNCIL_ID_PREFIX,
  REGISTER_SERVICE_TYPE_LABELS,
  SPECIALISM_LABELS,
  SPECIALISMS,
} from '../vocabulary.ts'

const REFERENCE = /^[A-Z0-9][A-Z0-9-]{0,39}$/

/**
 * A council-issued ID as stored: the council's own reference with the council prefix, so it can
 * never be one of CQC's "1-..." IDs. "DS-042", "ds-042" and "CA-DS-042" are the same service.
 */
export function councilId(reference: string): string | null {
  const upper = reference.trim().toUpperCase()
  const bare = upper.startsWith(COUNCIL_ID_PREFIX) ? upper.slice(COUNCIL_ID_PREFIX.length) : upper
  return REFERENCE.test(bare) ? `${COUNCIL_ID_PREFIX}${bare}` : null
}

/** The next ID in a series the council issues itself ("CA-S000012"), after those already taken. */
export function nextCouncilId(series: 'S' | 'P', taken: readonly string[]): string {
  const pattern = new RegExp(`^${COUNCIL_ID_PREFIX}${series}(\\d+)$`)
  const highest = taken.reduce((max, id) => {
    const n = pattern.exec(id)?.[1]
    return n ? Math.max(max, Number(n)) : max
  }, 0)
  return `${COUNCIL_ID_PREFIX}${series}${String(highest + 1).padStart(6, '0')}`
}

function text(what: string, max: number) {
  const missing = `Enter ${what}`
  return z
    .string({ error: missing })
    .trim()
    .min(1, { error: missing })
    .max(max, { error: `${capitalise(what)} must be ${max} characters or fewer` })
}

function capitalise(what: string): string {
  return what.charAt(0).toUpperCase() + what.slice(1)
}

/** Several choices, from a form's checkboxes (a string or a list) or a file's cell ("a; b"). */
function choices<T extends string>(
  values: readonly T[],
  labels: Record<T, string>,
  what: string,
  atLeastOne: boolean,
) {
  return z
    .union([z.string(), z.array(z.string())], { error: `Choose ${what}` })
    .optional()
    .transform((value, ctx): T[] => {
      const given = (Array.isArray(value) ? value : (value ?? '').split(/[;|]/))
        .map((v) => v.trim())
        .filter((v) => v !== '')
      const chosen: T[] = []
      for (const entry of given) {
        const key = entry.toLowerCase().replace(/[\s-]+/g, '_')
        const match = values.find((v) => v === key || labels[v].toLowerCase() === entry.toLowerCase())
        if (!match) {
          ctx.addIssue({
            code: 'custom',
            message: `“${entry.slice(0, 60)}” is not one of the ${what}: use ${values.join(', ')}`,
          })
          return z.NEVER
        }
        if (!chosen.includes(match)) chosen.push(match)
      }
      if (atLeastOne && chosen.length === 0) {
        ctx.addIssue({ code: 'custom', message: `Choose at least one of the ${what}` })
        return z.NEVER
      }
      return chosen
    })
}

/** A date as a form ('YYYY-MM-DD' from its boxes) or a spreadsheet ('YYYY-MM-DD' or 'DD/MM/YYYY') gives it. */
function dateOf(what: string) {
  return z
    .string({ error: `Enter ${what}` })
    .optional()
    .transform((value, ctx) => {
      const trimmed = (value ?? '').trim()
      const british = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(trimmed)
      const date = british
        ? `${british[3]}-${(british[2] as string).padStart(2, '0')}-${(british[1] as string).padStart(2, '0')}`
        : trimmed
      if (date === '') {
        ctx.addIssue({ code: 'custom', message: `Enter ${what}` })
        return z.NEVER
      }
      if (!isCalendarDate(date)) {
        ctx.addIssue({
          code: 'custom',
          message: `${capitalise(what)} must be a real date, like ${exampleDate(30)}`,
        })
        return z.NEVER
      }
      return date
    })
}

function optionalReference(what: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const trimmed = (value ?? '').trim()
      if (trimmed === '') return null
      const id = councilId(trimmed)
      if (!id) {
        ctx.addIssue({
          code: 'custom',
          message: `${capitalise(what)} must be letters, digits and hyphens, 40 or fewer, like DS-042`,
        })
        return z.NEVER
      }
      return id
    })
}

export const accreditedServiceSchema = z
  .object({
    serviceId: optionalReference('the service ID'),
    organisationId: optionalReference('the organisation ID'),
    organisationName: text('the organisation’s name', 200),
    kind: z.enum(ACCREDITED_KINDS, {
      error: `Choose the kind of service: ${ACCREDITED_KINDS.map((k) => ACCREDITED_KIND_LABELS[k]).join(', ')}`,
    }),
    name: text('the service’s name', 200),
    address: text('the address', 500),
    postcode: z
      .string({ error: 'Enter the postcode' })
      .optional()
      .transform((value, ctx) => {
        const trimmed = (value ?? '').trim()
        const postcode = normalisePostcode(trimmed)
        if (!postcode) {
          ctx.addIssue({
            code: 'custom',
            message: trimmed ? 'Enter a real postcode, like NR1 3QE' : 'Enter the postcode',
          })
          return z.NEVER
        }
        return postcode
      }),
    serviceTypes: choices(ACCREDITED_SERVICE_TYPES, REGISTER_SERVICE_TYPE_LABELS, 'services offered', true),
    specialisms: choices(SPECIALISMS, SPECIALISM_LABELS, 'specialisms', false),
    clientGroups: choices(CLIENT_GROUPS, CLIENT_GROUP_LABELS, 'client groups', true),
    criteriaMet: choices(
      ACCREDITATION_CRITERIA,
      ACCREDITATION_CRITERION_LABELS,
      'accreditation criteria',
      true,
    ),
    accreditedFrom: dateOf('the date the accreditation starts'),
    accreditedTo: dateOf('the date the accreditation ends'),
    accreditedBy: text('who accredited the service', 200),
  })
  .superRefine((value, ctx) => {
    if (value.accreditedFrom && value.accreditedTo && value.accreditedTo < value.accreditedFrom) {
      ctx.addIssue({
        code: 'custom',
        path: ['accreditedTo'],
        message: 'The date the accreditation ends must be on or after the date it starts',
      })
    }
  })

export type AccreditedServiceInput = z.input<typeof accreditedServiceSchema>
export type AccreditedService = z.output<typeof accreditedServiceSchema>

// ---------------------------------------------------------------------------------------------
// Import

/** The columns of an accreditation file, in the template's order; each names a field of the entry. */
export const IMPORT_COLUMNS = {
  service_id: 'serviceId',
  organisation_id: 'organisationId',
  organisation_name: 'organisationName',
  kind: 'kind',
  service_name: 'name',
  address: 'address',
  postcode: 'postcode',
  services: 'serviceTypes',
  specialisms: 'specialisms',
  client_groups: 'clientGroups',
  criteria_met: 'criteriaMet',
  accredited_from: 'accreditedFrom',
  accredited_to: 'accreditedTo',
  accredited_by: 'accreditedBy',
} as const satisfies Record<string, keyof AccreditedServiceInput>

/** The columns a file must have: an import finds each service again by its IDs. */
export const REQUIRED_IMPORT_COLUMNS = Object.keys(IMPORT_COLUMNS) as (keyof typeof IMPORT_COLUMNS)[]

/** A column title as people write it ("Service ID", "service-id") in the template's form. */
export function columnKey(title: string): string {
  return title
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
}

/** What the register holds of one accredited service, to tell whether an import changes it. */
export interface StoredAccreditedService {
  organisationId: string
  organisationName: string
  kind: string
  name: string
  address: string
  postcode: string | null
  serviceTypes: readonly string[]
  specialisms: readonly string[]
  clientGroups: readonly string[]
  active: boolean
  /** The accreditation that starts on the entry's start date, if one is on record. */
  accreditation: { criteriaMet: readonly string[]; accreditedTo: string; accreditedBy: string } | null
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v) => b.includes(v))

/** Whether an entry would change what the register holds of its service. */
export function entryChanges(stored: StoredAccreditedService, entry: AccreditedService): boolean {
  const a = stored.accreditation
  return !(
    stored.active &&
    stored.organisationId === entry.organisationId &&
    stored.organisationName === entry.organisationName &&
    stored.kind === entry.kind &&
    stored.name === entry.name &&
    stored.address === entry.address &&
    stored.postcode === entry.postcode &&
    sameSet(stored.serviceTypes, entry.serviceTypes) &&
    sameSet(stored.specialisms, entry.specialisms) &&
    sameSet(stored.clientGroups, entry.clientGroups) &&
    a !== null &&
    sameSet(a.criteriaMet, entry.criteriaMet) &&
    a.accreditedTo === entry.accreditedTo &&
    a.accreditedBy === entry.accreditedBy
  )
}
