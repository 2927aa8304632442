// Finding requests: the filters brokers and social workers search the council's requests with, the
// same on the list page, its CSV and GET /api/v1/requests; the choices the filter panel offers.
// Council staff only: providers never search by a person's identity (they never see it).
import { z } from 'zod'
import { csvText } from '../../web/csv.ts'
import { filterAssignee, filterChoice, filterDate, filterId, filterText } from '../../web/filters.ts'
import { REQUEST_SERVICE_TYPES, REQUEST_STATUSES } from '../rules/index.ts'
import { reference } from './input.ts'
import { REQUEST_SERVICE_TYPE_LABELS, REQUEST_STATUS_LABELS } from './presenters.ts'
import { REQUEST_QUEUES } from './queues.ts'
import type { RequestSummary } from './store.ts'

const MAX_SEARCH = 200

/**
 * The filters of a request search (paging apart). `label` names each field in its messages: the
 * API names the parameter, a page the label its reader sees.
 */
function filtersQuery(label: (parameter: string, onPage: string) => string) {
  return z.object({
    q: filterText(
      label('q', 'Search'),
      MAX_SEARCH,
      'Words of the person’s name in any order (any case, accents or not), the request ID, the NHS number (any spacing) or a case-system person or case ID',
    ),
    status: filterChoice(label('status', 'Status'), REQUEST_STATUSES),
    serviceType: filterChoice(label('serviceType', 'Type of care'), REQUEST_SERVICE_TYPES),
    localityId: filterId(label('localityId', 'Locality')),
    pcnAreaId: filterId(label('pcnAreaId', 'PCN')),
    createdFrom: filterDate(label('createdFrom', 'Made on or after'), 'Made on or after this date (England)'),
    createdTo: filterDate(label('createdTo', 'Made on or before'), 'Made on or before this date (England)'),
    startFrom: filterDate(
      label('startFrom', 'Care starts on or after'),
      'Care to start on or after this date',
    ),
    startTo: filterDate(label('startTo', 'Care starts on or before'), 'Care to start on or before this date'),
    externalRef: reference(
      label('externalRef', 'Case system ID'),
      'Requests whose case-system person ID or case ID is this, in any case and ignoring spaces around it',
    ),
    assignedTo: filterAssignee(
      label('assignedTo', 'Assigned to'),
      'The broker looking after the request: me (the user asking), none (nobody yet) or a broker’s user ID',
    ),
    queue: filterChoice(label('queue', 'Queue'), REQUEST_QUEUES).describe(
      'Only the requests in one of the home page’s queues, oldest first: to-publish (submitted), closing-soon (published, closing today or tomorrow), to-award (closed with offers), no-offers (published or closed with none), to-republish (unsourced), my-drafts (the caller’s drafts), returned (returned to the social worker)',
    ),
  })
}

/** The API's request filters: each message names its parameter. */
export const requestFiltersQuery = filtersQuery((parameter) => parameter)
/** The list page's filters: each message names the field as the page labels it. */
export const requestFiltersForm = filtersQuery((_, onPage) => onPage)

const CSV_HEADER = [
  'request',
  'person',
  'person ID',
  'case ID',
  'status',
  'type of care',
  'district',
  'start date',
  'urgency',
  'in hospital',
  'made',
  'offers close',
  'assigned broker',
] as const

/** Requests found, as CSV: every text cell is neutralised against formulas (web/csv.ts). */
export function requestsCsv(requests: (RequestSummary & { assignedBrokerEmail: string | null })[]): string {
  return csvText([
    CSV_HEADER,
    ...requests.map((r) => [
      r.id,
      r.personName,
      r.personRef,
      r.caseRef,
      REQUEST_STATUS_LABELS[r.status],
      r.serviceType ? REQUEST_SERVICE_TYPE_LABELS[r.serviceType] : null,
      r.outcode,
      r.startDate,
      r.urgency,
      r.inHospital ? 'yes' : 'no',
      r.createdAt.toISOString(),
      r.deadlineAt?.toISOString() ?? null,
      r.assignedBrokerEmail,
    ]),
  ])
}
