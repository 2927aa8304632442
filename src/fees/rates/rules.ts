// Pure rules of the rate book: its vocabulary, what a row must hold, and when two rates clash. No I/O.

import {
  PRICE_UNIT_LABELS,
  type PriceUnit,
  priceUnitFor,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPES,
  type RequestServiceType,
} from '../../brokerage/rules/vocabulary.ts'
import { CLIENT_GROUPS, type ClientGroup } from '../../providers/vocabulary.ts'
import { formatDate, parseWrittenDate } from '../../shared/dates.ts'
import { formatPounds, parsePounds } from '../../shared/money.ts'

export const BANDS = ['standard', 'enhanced', 'complex'] as const
export type Band = (typeof BANDS)[number]
export const BAND_LABELS: Record<Band, string> = {
  standard: 'Standard',
  enhanced: 'Enhanced',
  complex: 'Complex',
}

export const CLIENT_GROUP_LABELS: Record<ClientGroup, string> = {
  older_people: 'Older people',
  younger_adults: 'Younger adults',
}

/** The unit a service type's rate is in: a week in care homes, an hour at home, a session of day services. */
export function rateUnit(serviceType: RequestServiceType): PriceUnit {
  return priceUnitFor(serviceType)
}

export function unitLabel(unit: PriceUnit): string {
  return unit === 'daily' ? 'per session' : PRICE_UNIT_LABELS[unit]
}

/** A rate as the services take it: the price in pence, dates 'YYYY-MM-DD', locality by id (null: everywhere). */
export interface RateInput {
  serviceType: RequestServiceType
  clientGroup: ClientGroup
  band: Band
  localityId: number | null
  pricePence: number
  effectiveFrom: string
  effectiveTo: string | null
}

/** A rate as typed on the form or in a CSV row: text only. */
export interface RateText {
  serviceType: string
  clientGroup: string
  band: string
  locality: string
  price: string
  effectiveFrom: string
  effectiveTo: string
}

export interface RateProblem {
  field: keyof RateText
  message: string
}

function choice<T extends string>(text: string, values: readonly T[]): T | null {
  const key = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
  return (values as readonly string[]).includes(key) ? (key as T) : null
}

/**
 * Reads a typed rate, with the council's localities by name. Every problem is given, each naming
 * its field; a cell that would be a spreadsheet formula is never read as anything but text, and
 * fails like any other unknown value.
 */
export function readRate(
  text: RateText,
  localities: readonly { id: number; name: string }[],
): { ok: true; rate: RateInput } | { ok: false; problems: RateProblem[] } {
  const problems: RateProblem[] = []
  const serviceType = choice(text.serviceType, REQUEST_SERVICE_TYPES)
  if (!serviceType)
    problems.push({
      field: 'serviceType',
      message: `Service type must be one of ${REQUEST_SERVICE_TYPES.join(', ')}`,
    })
  const clientGroup = choice(text.clientGroup, CLIENT_GROUPS)
  if (!clientGroup)
    problems.push({
      field: 'clientGroup',
      message: `Client group must be one of ${CLIENT_GROUPS.join(', ')}`,
    })
  const band = choice(text.band, BANDS)
  if (!band) problems.push({ field: 'band', message: `Band must be one of ${BANDS.join(', ')}` })
  let localityId: number | null = null
  const localityName = text.locality.trim()
  if (localityName !== '') {
    const found = localities.find((l) => l.name.toLowerCase() === localityName.toLowerCase())
    if (found) localityId = found.id
    else
      problems.push({
        field: 'locality',
        message: 'Locality must be one of the council’s localities, or empty for all',
      })
  }
  const price = parsePounds(text.price)
  if (!price.ok || price.pence <= 0)
    problems.push({ field: 'price', message: 'Price must be an amount of money more than £0, like 950.00' })
  const effectiveFrom = parseWrittenDate(text.effectiveFrom)
  if (!effectiveFrom)
    problems.push({ field: 'effectiveFrom', message: 'Effective from must be a real date, like 2027-04-01' })
  let effectiveTo: string | null = null
  if (text.effectiveTo.trim() !== '') {
    effectiveTo = parseWrittenDate(text.effectiveTo)
    if (!effectiveTo)
      problems.push({
        field: 'effectiveTo',
        message: 'Effective to must be a real date, like 2028-03-31, or empty',
      })
    else if (effectiveFrom && effectiveTo < effectiveFrom)
      problems.push({
        field: 'effectiveTo',
        message: 'Effective to must be the same as or after effective from',
      })
  }
  if (problems.length > 0 || !serviceType || !clientGroup || !band || !price.ok || !effectiveFrom)
    return { ok: false, problems }
  return {
    ok: true,
    rate: { serviceType, clientGroup, band, localityId, pricePence: price.pence, effectiveFrom, effectiveTo },
  }
}

type Period = Pick<RateInput, 'effectiveFrom' | 'effectiveTo'>
type Keyed = Pick<RateInput, 'serviceType' | 'clientGroup' | 'band' | 'localityId'>

export function sameKey(a: Keyed, b: Keyed): boolean {
  return (
    a.serviceType === b.serviceType &&
    a.clientGroup === b.clientGroup &&
    a.band === b.band &&
    a.localityId === b.localityId
  )
}

/** Whether two periods share a day (an open end runs for ever). */
export function periodsOverlap(a: Period, b: Period): boolean {
  return (
    (b.effectiveTo === null || a.effectiveFrom <= b.effectiveTo) &&
    (a.effectiveTo === null || b.effectiveFrom <= a.effectiveTo)
  )
}

/** Whether a rate is in force on a date. */
export function inForce(rate: Period, date: string): boolean {
  return rate.effectiveFrom <= date && (rate.effectiveTo === null || date <= rate.effectiveTo)
}

/** A rate in words, to name it in a message: "Home care, older people, standard, everywhere: £25.00 from 1 April 2027". */
export function describeRate(rate: RateInput & { localityName?: string | null }): string {
  const where = rate.localityId === null ? 'everywhere' : (rate.localityName ?? `locality ${rate.localityId}`)
  const until = rate.effectiveTo === null ? '' : ` to ${formatDate(rate.effectiveTo)}`
  return `${REQUEST_SERVICE_TYPE_LABELS[rate.serviceType]}, ${CLIENT_GROUP_LABELS[rate.clientGroup]}, ${BAND_LABELS[rate.band]}, ${where}: ${formatPounds(rate.pricePence)} ${unitLabel(rateUnit(rate.serviceType))} from ${formatDate(rate.effectiveFrom)}${until}`
}
