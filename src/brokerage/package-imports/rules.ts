// Pure rules of importing the council's book of packages from its case or finance system: the
// columns, how each cell is read as people and systems write it, and what a row is. No I/O.
import { outcodeOf } from '../../geography/rules.ts'
import { CLIENT_GROUP_LABELS, CLIENT_GROUPS, type ClientGroup } from '../../providers/vocabulary.ts'
import { parseWrittenDate } from '../../shared/dates.ts'
import { parsePounds } from '../../shared/money.ts'
import { headerKey } from '../../spreadsheets/rows.ts'
import { AGE_BANDS, type AgeBand, ageBand } from '../offers/rules.ts'
import { referencesShape } from '../requests/input.ts'
import {
  isCareHome,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPES,
  type RequestServiceType,
} from '../rules/vocabulary.ts'

/** The columns a file has, by the title it gives them (compared by headerKey: any case, order, spacing). */
export const PACKAGE_COLUMNS = {
  personRef: 'person_ref',
  dateOfBirth: 'date_of_birth',
  ageBand: 'age_band',
  postcodeDistrict: 'postcode_district',
  clientGroup: 'client_group',
  serviceType: 'service_type',
  locationRef: 'location_ref',
  weeklyCost: 'weekly_cost',
  hoursPerWeek: 'hours_per_week',
  startDate: 'start_date',
  endDate: 'end_date',
  funding: 'funding',
} as const
export type PackageColumn = keyof typeof PACKAGE_COLUMNS

/** Columns every file must have; it must also have date_of_birth or age_band. */
const REQUIRED_COLUMNS: readonly PackageColumn[] = [
  'personRef',
  'postcodeDistrict',
  'clientGroup',
  'serviceType',
  'locationRef',
  'weeklyCost',
  'startDate',
  'funding',
]

export const FUNDING = ['council', 'health', 'joint', 'self_funder'] as const
type Funding = (typeof FUNDING)[number]

/** Where each column is in the header row, or what the header lacks. */
export function locatePackageColumns(
  header: readonly string[],
): { ok: true; index: Partial<Record<PackageColumn, number>> } | { ok: false; problem: string } {
  const positions = new Map<string, number>()
  header.forEach((title, position) => {
    const key = headerKey(title)
    if (key !== '' && !positions.has(key)) positions.set(key, position)
  })
  const index: Partial<Record<PackageColumn, number>> = {}
  for (const [column, title] of Object.entries(PACKAGE_COLUMNS) as [PackageColumn, string][]) {
    const position = positions.get(headerKey(title))
    if (position !== undefined) index[column] = position
  }
  const missing: string[] = REQUIRED_COLUMNS.filter((column) => index[column] === undefined).map(
    (column) => PACKAGE_COLUMNS[column],
  )
  if (index.dateOfBirth === undefined && index.ageBand === undefined)
    missing.push('date_of_birth or age_band')
  if (missing.length > 0)
    return {
      ok: false,
      problem:
        `The first row must be the column titles. Missing: ${missing.join(', ')}. ` +
        `Found: ${header.filter((t) => t.trim() !== '').join(', ') || 'nothing'}.`,
    }
  return { ok: true, index }
}

/** One good row, reduced to what Caremarket keeps. */
export interface PackageRow {
  line: number
  personRef: string
  ageBand: AgeBand
  outcode: string
  clientGroup: ClientGroup
  serviceType: RequestServiceType
  /** The CQC location ID as the register holds it ("1-123456789"). */
  cqcLocationId: string
  weeklyCostPence: number
  minutesPerWeek: number | null
  startDate: string
  endDate: string | null
  funding: Funding
}

/** The key that makes a row the same package again: person (in any case), location, service, start. */
export function naturalKey(row: {
  personRef: string
  locationId: number
  serviceType: string
  startDate: string
}): string {
  return JSON.stringify([row.personRef.toLowerCase(), row.locationId, row.serviceType, row.startDate])
}

/** Words compared as headerKey compares titles: "Home care", "home_care" and "HOME-CARE" are one. */
function vocabulary<T extends string>(entries: [T, readonly string[]][]): Map<string, T> {
  return new Map(entries.flatMap(([value, words]) => [value, ...words].map((w) => [headerKey(w), value])))
}

const SERVICE_TYPE_WORDS = vocabulary<RequestServiceType>(
  REQUEST_SERVICE_TYPES.map((t) => [
    t,
    [
      REQUEST_SERVICE_TYPE_LABELS[t],
      REQUEST_SERVICE_TYPE_LABELS[t].replace('Care home: ', ''),
      ...({
        residential: ['residential care'],
        nursing: ['nursing care'],
        dementia_residential: ['residential dementia'],
        dementia_nursing: ['nursing dementia'],
        home_care: ['domiciliary care', 'home support'],
        supported_living: [],
        day_opportunities: ['day services', 'day care'],
      }[t] ?? []),
    ],
  ]),
)

const CLIENT_GROUP_WORDS = vocabulary<ClientGroup>(
  CLIENT_GROUPS.map((g) => [
    g,
    [
      CLIENT_GROUP_LABELS[g],
      ...(g === 'older_people' ? ['older people', 'older adults'] : ['younger adults', 'working age adults']),
    ],
  ]),
)

const FUNDING_WORDS = vocabulary<Funding>([
  ['council', ['local authority', 'la']],
  ['health', ['nhs', 'chc', 'continuing healthcare']],
  ['joint', ['joint funded', 'jointly funded']],
  ['self_funder', ['self funder', 'self funded', 'self funder arranged by the council']],
])

const AGE_BAND_WORDS = vocabulary<AgeBand>([
  ['Under 18', ['under 18']],
  ...AGE_BANDS.map((band): [AgeBand, string[]] => [
    band,
    band === '85+' ? ['85 and over', '85 plus', '85 over'] : [band.replace('–', ' to ')],
  ]),
])

/** Beyond any week's care: 24 hours × 7 days × 4 carers. */
const MAX_HOURS_PER_WEEK = 672
const MAX_WEEKLY_COST_PENCE = 100_000 * 100
const OLDEST_YEARS = 125

/**
 * A CQC location ID as people write it ("1 - 123 456 789", "1-123456789 ", a long dash, small
 * letters) as the register holds it; null when it is not one. Whether the register has it is the
 * register's to say.
 */
export function cqcLocationIdOf(text: string): string | null {
  const id = text
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, '')
    .toUpperCase()
  return /^[A-Z0-9][A-Z0-9-]{2,39}$/.test(id) ? id : null
}

function hoursAsMinutes(text: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.replace(/\s+/g, ''))
  if (!match) return null
  return Math.round(Number(match[1]) * 60 + Number(`0.${match[2] ?? '0'}`) * 60)
}

function yearsBefore(date: string, years: number): string {
  return `${String(Number(date.slice(0, 4)) - years).padStart(4, '0')}${date.slice(4)}`
}

/**
 * Reads one row of the file: the row Caremarket keeps, or every reason it cannot. `today` is the
 * import's date in England: a date of birth becomes the person's age band on it.
 */
export function readPackageRow(
  line: number,
  cells: readonly string[],
  index: Partial<Record<PackageColumn, number>>,
  today: string,
): { ok: true; row: PackageRow } | { ok: false; reason: string } {
  const cell = (column: PackageColumn) => {
    const at = index[column]
    return at === undefined ? '' : (cells[at] ?? '').trim()
  }
  const problems: string[] = []

  const personText = cell('personRef')
  const person = referencesShape.personRef.safeParse(personText)
  let personRef = ''
  if (!personText) problems.push('person_ref is empty: give the person’s ID in the case system')
  else if (!person.success || person.data === null)
    problems.push(
      `person_ref ${person.error?.issues[0]?.message.replace('Case system person ID ', '') ?? 'is not valid'}`,
    )
  else if (!/\d/.test(person.data))
    // Case systems number people; a reference with no digit is most likely a name, which is not kept.
    problems.push('person_ref has no digits: give the case system’s ID for the person, never a name')
  else personRef = person.data

  let band: AgeBand | undefined
  const birth = cell('dateOfBirth')
  const bandText = cell('ageBand')
  if (birth) {
    const date = parseWrittenDate(birth)
    if (!date) problems.push(`date_of_birth "${birth}" is not a date: write it as 1941-03-27 or 27/03/1941`)
    else if (date > today) problems.push('date_of_birth is in the future')
    else if (date < yearsBefore(today, OLDEST_YEARS))
      problems.push(`date_of_birth is more than ${OLDEST_YEARS} years ago`)
    else band = ageBand(date, today)
  } else if (bandText) {
    band = AGE_BAND_WORDS.get(headerKey(bandText.replace(/\+/g, ' plus')))
    if (!band) problems.push(`age_band "${bandText}" is not one of ${AGE_BANDS.join(', ')} or Under 18`)
  } else problems.push('date_of_birth and age_band are both empty: give one')

  const districtText = cell('postcodeDistrict')
  const outcode = outcodeOf(districtText)
  if (!districtText) problems.push('postcode_district is empty')
  else if (!outcode) problems.push(`postcode_district "${districtText}" is not a postcode district, like NR3`)

  const groupText = cell('clientGroup')
  const clientGroup = CLIENT_GROUP_WORDS.get(headerKey(groupText))
  if (!clientGroup) problems.push(`client_group "${groupText}" is not one of ${CLIENT_GROUPS.join(', ')}`)

  const typeText = cell('serviceType')
  const serviceType = SERVICE_TYPE_WORDS.get(headerKey(typeText))
  if (!serviceType)
    problems.push(`service_type "${typeText}" is not one of ${REQUEST_SERVICE_TYPES.join(', ')}`)

  const locationText = cell('locationRef')
  const cqcLocationId = cqcLocationIdOf(locationText)
  if (!locationText)
    problems.push(
      'location_ref is empty: give the CQC location ID, like 1-123456789, or the council’s ID of a service it accredits, like CA-DS-042',
    )
  else if (!cqcLocationId)
    problems.push(
      `location_ref "${locationText}" is not a CQC location ID, like 1-123456789, or a council ID, like CA-DS-042`,
    )

  const costText = cell('weeklyCost')
  const cost = parsePounds(costText)
  if (!cost.ok)
    problems.push(
      cost.problem === 'empty'
        ? 'weekly_cost is empty'
        : cost.problem === 'negative'
          ? 'weekly_cost is negative'
          : `weekly_cost "${costText}" is not an amount in pounds, like 1234.50`,
    )
  else if (cost.pence > MAX_WEEKLY_COST_PENCE) problems.push('weekly_cost is more than £100,000 a week')

  const hoursText = cell('hoursPerWeek')
  let minutesPerWeek: number | null = null
  // Hours are kept for care in the community; a care home's are its own business and left out.
  if (serviceType && !isCareHome(serviceType)) {
    if (hoursText) {
      minutesPerWeek = hoursAsMinutes(hoursText)
      if (minutesPerWeek === null || minutesPerWeek > MAX_HOURS_PER_WEEK * 60)
        problems.push(
          `hours_per_week "${hoursText}" is not a number of hours from 0 to ${MAX_HOURS_PER_WEEK}`,
        )
    } else if (serviceType === 'home_care')
      problems.push('hours_per_week is empty: home care needs its hours a week')
  }

  const startText = cell('startDate')
  const startDate = parseWrittenDate(startText)
  if (!startText) problems.push('start_date is empty')
  else if (!startDate)
    problems.push(`start_date "${startText}" is not a date: write it as 2024-04-01 or 01/04/2024`)
  const endText = cell('endDate')
  const endDate = endText ? parseWrittenDate(endText) : null
  if (endText && !endDate)
    problems.push(`end_date "${endText}" is not a date: write it as 2024-04-01 or 01/04/2024`)
  else if (startDate && endDate && endDate < startDate) problems.push('end_date is before start_date')

  const fundingText = cell('funding')
  const funding = FUNDING_WORDS.get(headerKey(fundingText))
  if (!funding) problems.push(`funding "${fundingText}" is not one of ${FUNDING.join(', ')}`)

  if (problems.length > 0) return { ok: false, reason: problems.join('; ') }
  return {
    ok: true,
    row: {
      line,
      personRef,
      ageBand: band as AgeBand,
      outcode: outcode as string,
      clientGroup: clientGroup as ClientGroup,
      serviceType: serviceType as RequestServiceType,
      cqcLocationId: cqcLocationId as string,
      weeklyCostPence: cost.ok ? cost.pence : 0,
      minutesPerWeek,
      startDate: startDate as string,
      endDate,
      funding: funding as Funding,
    },
  }
}
