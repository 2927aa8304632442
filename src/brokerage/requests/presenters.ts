// How a request reads on its pages: the summary sections of "Check your answers" and of the
// request page, built once so both say the same thing.

import { CLIENT_GROUP_LABELS, SPECIALISM_LABELS } from '../../providers/vocabulary.ts'
import { formatDate } from '../../shared/dates.ts'
import { formatPounds } from '../../shared/money.ts'
import { miles, nhsNumberText, plural } from '../rules/format.ts'
import {
  PRICE_UNIT_LABELS,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_STATUS_LABELS,
  type RequestAction,
  type RequestStatus,
  supportHoursText,
  weeklyHours,
  weeklyHoursText,
} from '../rules/index.ts'
import {
  CARER_GENDER_LABELS,
  DAY_LABELS,
  DAYS_OF_WEEK,
  SHARING_CONSENT_LABELS,
  URGENCY_LABELS,
} from './input.ts'
import type { RequestVisit, SourcingRequest } from './store.ts'
import { type DraftPage, pageAnswered, pageApplies, type WizardContext } from './wizard.ts'

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** Lines of text as HTML, each escaped. */
function lines(parts: string[]): string {
  return parts.map(escapeHtml).join('<br>')
}

/** Paragraphs typed by a person keep their line breaks. */
function paragraphs(text: string): string {
  return lines(text.split(/\r?\n/))
}

export const STATUS_TAG_CLASSES: Record<RequestStatus, string> = {
  draft: 'govuk-tag--grey',
  submitted: 'govuk-tag--blue',
  published: 'govuk-tag--light-blue',
  closed: 'govuk-tag--purple',
  returned: 'govuk-tag--orange',
  awarded: 'govuk-tag--green',
  started: 'govuk-tag--green',
  unsourced: 'govuk-tag--red',
  cancelled: 'govuk-tag--grey',
}

export function dateText(date: string | null): string {
  return date ? formatDate(date) : ''
}

/** "Monday to Friday", "Saturday and Sunday", "Monday, Wednesday and Friday", "Every day". */
export function daysText(days: readonly string[]): string {
  if (days.length === 7) return 'Every day'
  const indexes = days.map((d) => DAYS_OF_WEEK.indexOf(d as (typeof DAYS_OF_WEEK)[number])).sort()
  const consecutive = indexes.every((n, i) => i === 0 || n === (indexes[i - 1] as number) + 1)
  const labels = indexes.map((i) => DAY_LABELS[DAYS_OF_WEEK[i] as (typeof DAYS_OF_WEEK)[number]])
  if (consecutive && labels.length > 2) return `${labels[0]} to ${labels[labels.length - 1]}`
  if (labels.length <= 1) return labels.join('')
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`
}

export function visitText(visit: RequestVisit): string {
  return `${daysText(visit.days)}, between ${visit.windowStart} and ${visit.windowEnd}, ${plural(visit.durationMinutes, 'minute')}, ${plural(visit.carers, 'carer')}`
}

function priceText(pence: number | null, request: SourcingRequest): string {
  if (pence === null) return 'Not given'
  return `${formatPounds(pence)}${request.priceUnit ? ` ${PRICE_UNIT_LABELS[request.priceUnit]}` : ''}`
}

interface SummaryRow {
  key: { text: string }
  value: { text?: string; html?: string }
  actions?: { items: { href: string; text: string; visuallyHiddenText: string }[] }
}

export interface SummarySection {
  title: string
  page: DraftPage
  rows: SummaryRow[]
}

export interface SummaryOptions {
  wizard: WizardContext
  /** "Change" links go back to each question page; absent on read-only pages. */
  changeHref?: (page: DraftPage) => string
  lotName?: string | null
  /** Whether distance is measured from the person's own postcode. */
  fromPersonsPostcode: boolean
}

const NOT_ANSWERED = { html: '<strong class="govuk-tag govuk-tag--yellow">Not answered yet</strong>' }

/** The sections of a request in question order, each row with its "Change" link when editing. */
export function summarySections(request: SourcingRequest, options: SummaryOptions): SummarySection[] {
  const row = (page: DraftPage, key: string, value: SummaryRow['value']): SummaryRow => ({
    key: { text: key },
    value,
    ...(options.changeHref
      ? {
          actions: {
            items: [
              {
                href: options.changeHref(page),
                text: pageAnswered(page, request, options.wizard) ? 'Change' : 'Answer',
                visuallyHiddenText: key.toLowerCase(),
              },
            ],
          },
        }
      : {}),
  })
  const answered = (page: DraftPage, value: SummaryRow['value']) =>
    pageAnswered(page, request, options.wizard) ? value : NOT_ANSWERED
  const { person } = request
  const sections: SummarySection[] = [
    {
      title: 'The person',
      page: 'person',
      rows: [
        row('person', 'Name', { text: person.name }),
        row('person', 'Date of birth', { text: dateText(person.dateOfBirth) }),
        row('person', 'Sex', {
          text: person.sex === 'female' ? 'Female' : person.sex === 'male' ? 'Male' : 'Not stated',
        }),
        row('person', 'Postcode', person.postcode === null ? NOT_ANSWERED : { text: person.postcode }),
        row('person', 'NHS number', {
          text: person.nhsNumber ? nhsNumberText(person.nhsNumber) : 'Not given',
        }),
        row('person', 'Case system person ID', { text: request.personRef ?? 'Not given' }),
        row('person', 'Case or service agreement ID', { text: request.caseRef ?? 'Not given' }),
      ],
    },
    {
      title: 'How to contact the person',
      page: 'contacts',
      rows: [
        row('contacts', 'Address', {
          text: person.address
            ? [person.address.line1, person.address.line2, person.address.town, person.postcode]
                .filter(Boolean)
                .join(', ')
            : 'Not given',
        }),
        row('contacts', 'Phone', { text: person.phone ?? 'Not given' }),
        row('contacts', 'Representative or next of kin', {
          text: person.representative
            ? [
                `${person.representative.name} (${person.representative.relationship})`,
                person.representative.phone,
                person.representative.email,
              ]
                .filter(Boolean)
                .join(', ')
            : 'Not given',
        }),
        row('contacts', 'The awarded provider may be given', {
          text:
            person.sharingConsent.length > 0
              ? person.sharingConsent.map((c) => SHARING_CONSENT_LABELS[c].toLowerCase()).join(', ')
              : 'None of these: the person has not agreed to share them',
        }),
      ],
    },
    {
      title: 'Care needed',
      page: 'service-type',
      rows: [
        row(
          'service-type',
          'Type of care',
          answered('service-type', {
            text: request.serviceType ? REQUEST_SERVICE_TYPE_LABELS[request.serviceType] : '',
          }),
        ),
        row(
          'needs',
          'Client group',
          answered('needs', { text: request.clientGroup ? CLIENT_GROUP_LABELS[request.clientGroup] : '' }),
        ),
        row(
          'needs',
          'Specialist needs',
          answered('needs', {
            text:
              request.specialisms.length > 0
                ? request.specialisms.map((s) => SPECIALISM_LABELS[s]).join(', ')
                : 'None',
          }),
        ),
        row('needs', 'Needs summary', answered('needs', { html: paragraphs(request.needsSummary ?? '') })),
      ],
    },
    {
      title: 'Location',
      page: 'location',
      rows: [
        row('location', 'Distance measured from', {
          text: options.fromPersonsPostcode
            ? `The person’s postcode, ${person.postcode}`
            : request.preferredPostcode
              ? `${request.preferredPostcode}, chosen for this request`
              : 'Another postcode chosen for this request',
        }),
        row('location', 'Maximum distance', { text: `${miles(request.maxDistanceMiles)} miles` }),
      ],
    },
    {
      title: 'Start and urgency',
      page: 'start',
      rows: [
        row('start', 'Start date', answered('start', { text: dateText(request.startDate) })),
        row('start', 'Urgency', {
          text:
            request.urgency === 'emergency'
              ? `Emergency: offers open for ${request.emergencyHours ? `${request.emergencyHours} hours` : 'the council’s emergency window'}`
              : URGENCY_LABELS[request.urgency],
        }),
        row('start', 'In hospital', { text: request.inHospital ? 'Yes: hospital discharge' : 'No' }),
      ],
    },
    {
      title: 'Price and budget',
      page: 'price',
      rows: [
        row(
          'price',
          'Usual price',
          answered('price', {
            text:
              options.wizard.hasRateBook === true
                ? request.usualPricePence === null
                  ? 'From the council’s rate book at the start date'
                  : `From the council’s rate book at the start date; ${priceText(request.usualPricePence, request)} where it has no rate`
                : priceText(request.usualPricePence, request),
          }),
        ),
        row(
          'price',
          'Indicative budget',
          answered('price', { text: priceText(request.budgetPence, request) }),
        ),
      ],
    },
  ]
  if (pageApplies('support', request, options.wizard) || request.supportMinutesPerWeek !== null) {
    sections.push({
      title: 'Support',
      page: 'support',
      rows: [
        row(
          'support',
          'Hours of support a week',
          answered('support', {
            text:
              request.supportMinutesPerWeek === null ? '' : supportHoursText(request.supportMinutesPerWeek),
          }),
        ),
      ],
    })
  }
  if (pageApplies('visits', request, options.wizard)) {
    sections.push({
      title: 'Visits',
      page: 'visits',
      rows: [
        row(
          'visits',
          'Visit pattern',
          request.visits.length > 0
            ? {
                html: `${lines(request.visits.map(visitText))}<br><br>${escapeHtml(
                  `${weeklyHoursText(weeklyHours(request.visits))} a week`,
                )}`,
              }
            : NOT_ANSWERED,
        ),
      ],
    })
    sections.push({
      title: 'Care workers',
      page: 'carers',
      rows: [
        row('carers', 'Gender of care workers', {
          text: request.carerGender ? CARER_GENDER_LABELS[request.carerGender] : 'No preference',
        }),
        row('carers', 'Language', { text: request.language || 'No preference' }),
      ],
    })
  }
  if (pageApplies('lot', request, options.wizard) || request.lotId !== null) {
    sections.push({
      title: 'Dynamic purchasing system',
      page: 'lot',
      rows: [
        row('lot', 'Lot', {
          text:
            request.lotId === null
              ? 'Open to all eligible providers'
              : (options.lotName ?? `Lot ${request.lotId}`),
        }),
      ],
    })
  }
  sections.push({
    title: 'Notes for providers',
    page: 'notes',
    rows: [
      row(
        'notes',
        'Notes',
        request.notesForProviders ? { html: paragraphs(request.notesForProviders) } : { text: 'None' },
      ),
    ],
  })
  return sections
}

export const ACTION_BUTTON_LABELS: Partial<Record<RequestAction, string>> = {
  submit: 'Submit request',
  publish: 'Publish to providers',
  close: 'Close to offers now',
  cancel: 'Cancel request',
  republish: 'Republish',
}

export { REQUEST_SERVICE_TYPE_LABELS, REQUEST_STATUS_LABELS }
