// The sectors of the Market Position Statement and what each row of a sector's key data counts.
// This is the one place where sectors map onto the register's and the requests' vocabularies.
import type { RegisterServiceType, RequestServiceType } from '../../brokerage/rules/index.ts'
import { CLIENT_GROUP_LABELS, type ClientGroup } from '../../providers/vocabulary.ts'

export const MPS_SECTORS = [
  'older-people-care-homes',
  'working-age-care-homes',
  'home-care',
  'supported-living',
  'day-services',
] as const
export type MpsSector = (typeof MPS_SECTORS)[number]

export function isMpsSector(value: string): value is MpsSector {
  return (MPS_SECTORS as readonly string[]).includes(value)
}

/** One row of a sector's key data table. */
export interface KeyDataRowDefinition {
  label: string
  /** Packages counted: those awarded for a request of one of these service types and this client group. */
  requestServiceTypes: readonly RequestServiceType[]
  clientGroup: ClientGroup
  /** Locations counted: those listing this service type and this client group. */
  locationServiceType: RegisterServiceType
  /** A care home registered for nursing counts only as a nursing home, as CQC's "with nursing" does. */
  excludeLocationServiceType?: RegisterServiceType
  /** Whether registered beds are counted as places (care homes only). */
  countsPlaces: boolean
}

export interface SectorDefinition {
  slug: MpsSector
  title: string
  summary: string
  rows: readonly KeyDataRowDefinition[]
}

function careHomeRows(clientGroup: ClientGroup): KeyDataRowDefinition[] {
  return [
    {
      label: 'Residential care homes',
      requestServiceTypes: ['residential', 'dementia_residential'],
      clientGroup,
      locationServiceType: 'residential_home',
      excludeLocationServiceType: 'nursing_home',
      countsPlaces: true,
    },
    {
      label: 'Nursing homes',
      requestServiceTypes: ['nursing', 'dementia_nursing'],
      clientGroup,
      locationServiceType: 'nursing_home',
      countsPlaces: true,
    },
  ]
}

/** Care in the community is split by client group, as the council's own tables split it. */
function byClientGroup(serviceType: RequestServiceType & RegisterServiceType): KeyDataRowDefinition[] {
  return (['older_people', 'younger_adults'] as const).map((clientGroup) => ({
    label: CLIENT_GROUP_LABELS[clientGroup],
    requestServiceTypes: [serviceType],
    clientGroup,
    locationServiceType: serviceType,
    countsPlaces: false,
  }))
}

export const SECTOR_DEFINITIONS: Readonly<Record<MpsSector, SectorDefinition>> = {
  'older-people-care-homes': {
    slug: 'older-people-care-homes',
    title: 'Care homes for older people',
    summary: 'Residential and nursing care homes for people aged 65 and over.',
    rows: careHomeRows('older_people'),
  },
  'working-age-care-homes': {
    slug: 'working-age-care-homes',
    title: 'Care homes for working-age adults',
    summary: 'Residential and nursing care homes for adults aged 18 to 64.',
    rows: careHomeRows('younger_adults'),
  },
  'home-care': {
    slug: 'home-care',
    title: 'Home care',
    summary: 'Care and support in people’s own homes.',
    rows: byClientGroup('home_care'),
  },
  'supported-living': {
    slug: 'supported-living',
    title: 'Supported living',
    summary: 'Care and support for people living in their own tenancies.',
    rows: byClientGroup('supported_living'),
  },
  'day-services': {
    slug: 'day-services',
    title: 'Day services',
    summary: 'Day opportunities away from home.',
    rows: byClientGroup('day_opportunities'),
  },
}
