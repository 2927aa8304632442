// Finding packages: the filters council staff narrow the council's packages with, the same on the
// packages page and GET /api/v1/packages, and the providers the filter panel offers.
import { z } from 'zod'
import type { Queryable } from '../../db/connection.ts'
import { organisationNames } from '../../providers/service.ts'
import { recordId } from '../../storable.ts'
import { filterChoice, filterDate, filterId, filterText } from '../../web/filters.ts'
import { reference } from '../requests/input.ts'
import { CONFIRMATIONS } from './handover.ts'
import { PACKAGE_STATES } from './rules.ts'

/** The filters of a package search (paging apart); `label` names each field in its messages. */
function filtersQuery(label: (parameter: string, onPage: string) => string) {
  return z.object({
    q: filterText(
      label('q', 'Person'),
      200,
      'The person: words of the name in any order (any case, accents or not), the NHS number in any spacing, or a case-system person or case ID',
    ),
    providerOrganisationId: filterId(label('providerOrganisationId', 'Provider')),
    state: filterChoice(label('state', 'Status'), PACKAGE_STATES),
    confirmation: filterChoice(label('confirmation', 'Provider’s answer'), CONFIRMATIONS),
    startFrom: filterDate(label('startFrom', 'Starts on or after'), 'Starting on or after this date'),
    startTo: filterDate(label('startTo', 'Starts on or before'), 'Starting on or before this date'),
  })
}

/** The API's package filters: each message names its parameter. */
export const packageFiltersQuery = filtersQuery((parameter) => parameter).extend({
  // Anything but a request's ID lists every package, as it always has.
  requestId: z
    .preprocess((v) => (typeof v === 'string' ? v : undefined), recordId('Request ID').optional())
    .catch(undefined),
  externalRef: reference(
    'externalRef',
    'Packages whose case-system person ID or case ID is this, in any case and ignoring spaces around it',
  ),
})

/** The packages page's filters: each message names the field as the page labels it. */
export const packageFiltersForm = filtersQuery((_, onPage) => onPage)

/** The providers the filter panel offers. */
export async function packageFilterChoices(db: Queryable, councilId: number) {
  return { providers: await organisationNames(db, councilId) }
}
