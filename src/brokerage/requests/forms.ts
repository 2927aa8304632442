// Form fields of the question pages, both ways: what a page shows for a saved draft, and what a
// posted form means to the service.

import type { FieldError } from '../../errors.ts'
import { formatPoundsInput } from '../../shared/money.ts'
import { dateFromForm, dateParts, field, formErrors, typedDateParts } from '../../web/forms.ts'
import type { SourcingRequest } from './store.ts'
import type { DraftPage } from './wizard.ts'

/** Every value of a repeated form field (ticked checkboxes); one value arrives as a string. */
function fields(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

const DATE_FIELDS = ['dateOfBirth', 'startDate']

/** Form values a page shows: what was posted (to redisplay after an error), as strings or lists. */
export type FormValues = Record<string, string | string[]>

/** What a page shows for a saved draft. */
export function valuesFor(page: DraftPage, request: SourcingRequest): FormValues {
  const { person } = request
  switch (page) {
    case 'person':
      return {
        name: person.name,
        ...dateParts('dateOfBirth', person.dateOfBirth),
        sex: person.sex ?? 'not_stated',
        postcode: person.postcode ?? '',
        nhsNumber: person.nhsNumber ?? '',
        personRef: request.personRef ?? '',
        caseRef: request.caseRef ?? '',
      }
    case 'contacts':
      return {
        addressLine1: person.address?.line1 ?? '',
        addressLine2: person.address?.line2 ?? '',
        town: person.address?.town ?? '',
        phone: person.phone ?? '',
        representativeName: person.representative?.name ?? '',
        representativeRelationship: person.representative?.relationship ?? '',
        representativePhone: person.representative?.phone ?? '',
        representativeEmail: person.representative?.email ?? '',
        sharingConsent: person.sharingConsent,
      }
    case 'service-type':
      return { serviceType: request.serviceType ?? '' }
    case 'needs':
      return {
        clientGroup: request.clientGroup ?? '',
        specialisms: request.specialisms,
        needsSummary: request.needsSummary ?? '',
      }
    case 'location':
      return {
        preferredPostcode: request.preferredPostcode ?? '',
        maxDistanceMiles: String(request.maxDistanceMiles),
      }
    case 'start':
      return {
        ...dateParts('startDate', request.startDate),
        urgency: request.startDate ? request.urgency : '',
        inHospital: request.inHospital ? 'yes' : '',
        emergencyHours: request.emergencyHours ? String(request.emergencyHours) : '',
      }
    case 'price':
      return {
        usualPricePounds: formatPoundsInput(request.usualPricePence),
        budgetPounds: formatPoundsInput(request.budgetPence),
      }
    case 'support':
      return {
        supportHoursPerWeek:
          request.supportMinutesPerWeek === null ? '' : String(request.supportMinutesPerWeek / 60),
      }
    case 'visits':
      return { carers: '1' }
    case 'carers':
      return { carerGender: request.carerGender ?? 'none', language: request.language ?? '' }
    case 'lot':
      return { lotId: request.lotId === null ? 'none' : String(request.lotId) }
    case 'notes':
      return { notesForProviders: request.notesForProviders }
  }
}

/** What a posted page means: the input for the service, and the values to show again after an error. */
export function inputFrom(
  page: DraftPage,
  body: unknown,
): { input: Record<string, unknown>; values: FormValues } {
  const text = (...names: string[]) => Object.fromEntries(names.map((n) => [n, field(body, n)]))
  const dates = (name: string) => typedDateParts(body, name)
  switch (page) {
    case 'person': {
      const values = {
        ...text('name', 'sex', 'postcode', 'nhsNumber', 'personRef', 'caseRef'),
        ...dates('dateOfBirth'),
      }
      return { input: { ...values, dateOfBirth: dateFromForm(body, 'dateOfBirth') }, values }
    }
    case 'contacts': {
      const typed: Record<string, string> = text(
        'addressLine1',
        'addressLine2',
        'town',
        'phone',
        'representativeName',
        'representativeRelationship',
        'representativePhone',
        'representativeEmail',
      )
      const sharingConsent = fields(body, 'sharingConsent')
      const given = (...names: string[]) => names.some((n) => (typed[n] ?? '').trim() !== '')
      return {
        input: {
          // A part left wholly blank is not recorded; a part begun must be finished.
          address: given('addressLine1', 'addressLine2', 'town')
            ? { line1: typed.addressLine1, line2: typed.addressLine2, town: typed.town }
            : undefined,
          phone: typed.phone,
          representative: given(
            'representativeName',
            'representativeRelationship',
            'representativePhone',
            'representativeEmail',
          )
            ? {
                name: typed.representativeName,
                relationship: typed.representativeRelationship,
                phone: typed.representativePhone,
                email: typed.representativeEmail,
              }
            : undefined,
          sharingConsent,
        },
        values: { ...typed, sharingConsent },
      }
    }
    case 'service-type':
      return { input: text('serviceType'), values: text('serviceType') }
    case 'needs': {
      const values = { ...text('clientGroup', 'needsSummary'), specialisms: fields(body, 'specialisms') }
      return { input: values, values }
    }
    case 'location':
      return {
        input: text('preferredPostcode', 'maxDistanceMiles'),
        values: text('preferredPostcode', 'maxDistanceMiles'),
      }
    case 'start': {
      const values = { ...text('urgency', 'inHospital', 'emergencyHours'), ...dates('startDate') }
      return { input: { ...values, startDate: dateFromForm(body, 'startDate') }, values }
    }
    case 'price':
      return {
        input: text('usualPricePounds', 'budgetPounds'),
        values: text('usualPricePounds', 'budgetPounds'),
      }
    case 'support':
      return { input: text('supportHoursPerWeek'), values: text('supportHoursPerWeek') }
    case 'visits': {
      const values = {
        ...text('windowStart', 'windowEnd', 'durationMinutes', 'carers'),
        days: fields(body, 'days'),
      }
      return { input: values, values }
    }
    case 'carers':
      return { input: text('carerGender', 'language'), values: text('carerGender', 'language') }
    case 'lot':
      return { input: text('lotId'), values: text('lotId') }
    case 'notes':
      return { input: text('notesForProviders'), values: text('notesForProviders') }
  }
}

/** The error summary links a date to its first box, as the GOV.UK date input pattern asks. */
export function pageErrors(errors: FieldError[]) {
  const { errorList, fieldErrors } = formErrors(errors)
  return {
    errorList: errorList.map((e) =>
      DATE_FIELDS.includes(e.href.slice(1)) ? { ...e, href: `${e.href}-day` } : e,
    ),
    fieldErrors,
  }
}
