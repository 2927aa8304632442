// What a sourcing request asks for, and how that maps onto the provider register's vocabulary.
import {
  type BedType,
  type CqcRating,
  DAY_OPPORTUNITIES,
  type RegisterServiceType,
  type Specialism,
} from '../../providers/vocabulary.ts'

export { REGISTER_SERVICE_TYPE_LABELS, type RegisterServiceType } from '../../providers/vocabulary.ts'

/** The service types a social worker chooses from (issue 4): four kinds of care home, then the rest. */
export const REQUEST_SERVICE_TYPES = [
  'residential',
  'nursing',
  'dementia_residential',
  'dementia_nursing',
  'home_care',
  'supported_living',
  'day_opportunities',
] as const
export type RequestServiceType = (typeof REQUEST_SERVICE_TYPES)[number]

export const REQUEST_SERVICE_TYPE_LABELS: Record<RequestServiceType, string> = {
  residential: 'Care home: residential',
  nursing: 'Care home: nursing',
  dementia_residential: 'Care home: dementia residential',
  dementia_nursing: 'Care home: dementia nursing',
  home_care: 'Home care',
  supported_living: 'Supported living',
  day_opportunities: 'Day opportunities',
}

export interface RegisterRequirement {
  /** The service type the location must offer. */
  serviceType: RegisterServiceType
  /** The bed type whose vacancies count; null outside care homes. */
  bedType: BedType | null
  /** Specialisms implied by the service type, on top of those the request lists. */
  specialisms: readonly Specialism[]
}

/**
 * How each requested service maps onto the register. The register lists service types and
 * specialisms, not bed types, so a dementia nursing bed is a nursing home with the dementia
 * specialism; the bed type says which vacancy reports count.
 */
export const REQUEST_SERVICE_TYPE_MAP: Readonly<Record<RequestServiceType, RegisterRequirement>> = {
  residential: { serviceType: 'residential_home', bedType: 'residential', specialisms: [] },
  nursing: { serviceType: 'nursing_home', bedType: 'nursing', specialisms: [] },
  dementia_residential: {
    serviceType: 'residential_home',
    bedType: 'dementia_residential',
    specialisms: ['dementia'],
  },
  dementia_nursing: { serviceType: 'nursing_home', bedType: 'dementia_nursing', specialisms: ['dementia'] },
  home_care: { serviceType: 'home_care', bedType: null, specialisms: [] },
  supported_living: { serviceType: 'supported_living', bedType: null, specialisms: [] },
  day_opportunities: { serviceType: DAY_OPPORTUNITIES, bedType: null, specialisms: [] },
}

const CARE_HOME_SERVICE_TYPES = [
  'residential',
  'nursing',
  'dementia_residential',
  'dementia_nursing',
] as const satisfies readonly RequestServiceType[]

export function isCareHome(serviceType: RequestServiceType): boolean {
  return (CARE_HOME_SERVICE_TYPES as readonly RequestServiceType[]).includes(serviceType)
}

/**
 * Where the person must be reached from. Care homes and day services are places the person goes
 * to, so the distance from their postcode counts; home care and supported living come to the
 * person, so covering their district is enough (or an office within the distance).
 */
export function reachRule(serviceType: RequestServiceType): 'distance' | 'coverage' {
  return serviceType === 'home_care' || serviceType === 'supported_living' ? 'coverage' : 'distance'
}

export type PriceUnit = 'weekly' | 'hourly' | 'daily'

export const PRICE_UNIT_LABELS: Record<PriceUnit, string> = {
  weekly: 'per week',
  hourly: 'per hour',
  daily: 'per day',
}

/** Care homes are priced by the week, care at home by the hour, day services by the day. */
export function priceUnitFor(serviceType: RequestServiceType): PriceUnit {
  if (isCareHome(serviceType)) return 'weekly'
  if (serviceType === 'day_opportunities') return 'daily'
  return 'hourly'
}

export const NOT_YET_RATED = 'Not yet rated'
/** The effective rating: the more recent of CQC's and the council's PAMMS audit, on the CQC scale. */
export type RatingValue = CqcRating | typeof NOT_YET_RATED

export const CARER_GENDERS = ['female', 'male'] as const
export type CarerGender = (typeof CARER_GENDERS)[number]
