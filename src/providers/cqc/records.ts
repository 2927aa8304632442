import type { ClientGroup, CqcRating, KeyQuestion, ServiceType, Specialism } from '../vocabulary.ts'

/** The three CQC register files Caremarket can import. */
const CQC_FORMATS = ['care-directory', 'hsca-active-locations', 'api-json'] as const
export type CqcFormat = (typeof CQC_FORMATS)[number]

// Not "CSV": either may come as a workbook (.xlsx or .ods).
export const CQC_FORMAT_LABELS: Record<CqcFormat, string> = {
  'care-directory': 'CQC care directory',
  'hsca-active-locations': 'CQC HSCA Active Locations sheet',
  'api-json': 'CQC API location JSON',
}

/** One CQC location in Caremarket's vocabulary, whatever file it came from. */
export interface CqcLocationRecord {
  /** 1-based physical line where the row starts (CSV) or 1-based item index (JSON), for error reports. */
  line: number
  cqcLocationId: string
  cqcProviderId: string
  /** Null when the source does not carry it: API location objects name only the provider ID. */
  providerName: string | null
  name: string
  /** Address lines joined with ", ", without the postcode; '' when the source has none. */
  address: string
  /** Normalised ("NR1 9ZZ"), or null when the source leaves it blank. */
  postcode: string | null
  latitude: number | null
  longitude: number | null
  registeredBeds: number | null
  serviceTypes: ServiceType[]
  specialisms: Specialism[]
  clientGroups: ClientGroup[]
  cqcRating: CqcRating | null
  /** 'YYYY-MM-DD'; null whenever cqcRating is null. */
  cqcRatingDate: string | null
  /** 'YYYY-MM-DD' of CQC's latest check or inspection, where the source gives it. */
  lastInspectionDate: string | null
  localAuthority: string | null
  /** The key questions' latest ratings, where the source gives them (CQC API location objects). */
  keyQuestionRatings: KeyQuestionRating[]
}

export interface KeyQuestionRating {
  keyQuestion: KeyQuestion
  rating: CqcRating
  /** 'YYYY-MM-DD' CQC published it. */
  ratedOn: string
}

export interface RejectedRow {
  /** The file's line; for an API import, the location's place in the run's list of changes. */
  line: number
  /** An API import's rows are named by CQC location ID as well. */
  locationId?: string
  reason: string
}

export type ParsedRow = { ok: true; record: CqcLocationRecord } | { ok: false; rejected: RejectedRow }

/** CQC values that have no Caremarket equivalent; reported once per file, never an error. */
interface UnmappedValues {
  serviceTypes: string[]
  specialisms: string[]
}

/** What a parser returns when it finishes (the generator's return value). */
export interface CqcParseSummary {
  format: CqcFormat
  accepted: number
  rejected: number
  bytes: number
  unmapped: UnmappedValues
}
