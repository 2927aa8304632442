// Caremarket's own vocabulary. Imports from CQC formats map onto these values.

export const SERVICE_TYPES = [
  'residential_home',
  'nursing_home',
  'home_care',
  'supported_living',
  'extra_care_housing',
] as const
export type ServiceType = (typeof SERVICE_TYPES)[number]

export const SERVICE_TYPE_LABELS: Record<ServiceType, string> = {
  residential_home: 'Care home (residential)',
  nursing_home: 'Care home (nursing)',
  home_care: 'Home care',
  supported_living: 'Supported living',
  extra_care_housing: 'Extra care housing',
}

/**
 * Day opportunities are not a CQC-regulated activity, so CQC's files never list them: only the
 * services the council accredits itself offer them.
 */
export const DAY_OPPORTUNITIES = 'day_opportunities'
/** Every service type a location on the register may list: CQC's, and day opportunities. */
export type RegisterServiceType = ServiceType | typeof DAY_OPPORTUNITIES

export const REGISTER_SERVICE_TYPE_LABELS: Record<RegisterServiceType, string> = {
  ...SERVICE_TYPE_LABELS,
  day_opportunities: 'Day opportunities',
}

/**
 * The prefix of every ID the council issues to a service or organisation it accredits itself.
 * CQC's IDs begin "1-", so a council ID can never be one of CQC's.
 */
export const COUNCIL_ID_PREFIX = 'CA-'

/** The kinds of service the council accredits itself, outside CQC's regulation (seed 000). */
export const ACCREDITED_KINDS = ['day_opportunities', 'micro_provider', 'community_group'] as const
export type AccreditedKind = (typeof ACCREDITED_KINDS)[number]

export const ACCREDITED_KIND_LABELS: Record<AccreditedKind, string> = {
  day_opportunities: 'Day opportunities service',
  micro_provider: 'Micro-provider',
  community_group: 'Community group',
}

/** The services a council-accredited service may offer: none needs CQC registration to be bought. */
export const ACCREDITED_SERVICE_TYPES = [DAY_OPPORTUNITIES, 'home_care', 'supported_living'] as const

/** What the council checks before it accredits a service. */
export const ACCREDITATION_CRITERIA = [
  'safeguarding',
  'dbs_checks',
  'insurance',
  'training',
  'health_and_safety',
  'complaints',
] as const
export type AccreditationCriterion = (typeof ACCREDITATION_CRITERIA)[number]

export const ACCREDITATION_CRITERION_LABELS: Record<AccreditationCriterion, string> = {
  safeguarding: 'Safeguarding policy and lead',
  dbs_checks: 'DBS checks for staff and volunteers',
  insurance: 'Public liability insurance',
  training: 'Staff training',
  health_and_safety: 'Health and safety and risk assessments',
  complaints: 'Complaints procedure',
}

export const SPECIALISMS = [
  'dementia',
  'learning_disability',
  'mental_health',
  'physical_disability',
  'sensory_impairment',
  'substance_misuse',
  'eating_disorder',
] as const
export type Specialism = (typeof SPECIALISMS)[number]

export const SPECIALISM_LABELS: Record<Specialism, string> = {
  dementia: 'Dementia',
  learning_disability: 'Learning disability',
  mental_health: 'Mental health',
  physical_disability: 'Physical disability',
  sensory_impairment: 'Sensory impairment',
  substance_misuse: 'Substance misuse',
  eating_disorder: 'Eating disorder',
}

export const CLIENT_GROUPS = ['older_people', 'younger_adults'] as const
export type ClientGroup = (typeof CLIENT_GROUPS)[number]

export const CLIENT_GROUP_LABELS: Record<ClientGroup, string> = {
  older_people: 'Older people (65 and over)',
  younger_adults: 'Younger adults (18 to 64)',
}

/** CQC overall ratings. A location without one is "Not yet rated". */
export const CQC_RATINGS = ['Outstanding', 'Good', 'Requires improvement', 'Inadequate'] as const
export type CqcRating = (typeof CQC_RATINGS)[number]

/** CQC's five key questions, each rated on the same scale as the overall rating. */
export const KEY_QUESTIONS = ['safe', 'effective', 'caring', 'responsive', 'well_led'] as const
export type KeyQuestion = (typeof KEY_QUESTIONS)[number]
export const KEY_QUESTION_LABELS: Record<KeyQuestion, string> = {
  safe: 'Safe',
  effective: 'Effective',
  caring: 'Caring',
  responsive: 'Responsive',
  well_led: 'Well-led',
}

/** Bed types a care home reports vacancies for. */
export const BED_TYPES = [
  'residential',
  'nursing',
  'dementia_residential',
  'dementia_nursing',
  'learning_disability',
  'mental_health',
  'physical_disability',
  'respite',
] as const
export type BedType = (typeof BED_TYPES)[number]

export const BED_TYPE_LABELS: Record<BedType, string> = {
  residential: 'Residential',
  nursing: 'Nursing',
  dementia_residential: 'Dementia residential',
  dementia_nursing: 'Dementia nursing',
  learning_disability: 'Learning disability',
  mental_health: 'Mental health',
  physical_disability: 'Physical disability',
  respite: 'Respite',
}

export const RESTRICTION_KINDS = ['contact_quality_team', 'placement_limit', 'no_new_placements'] as const
export type RestrictionKind = (typeof RESTRICTION_KINDS)[number]

export const RESTRICTION_KIND_LABELS: Record<RestrictionKind, string> = {
  contact_quality_team: 'Contact quality team before placing',
  placement_limit: 'Limit placements per month',
  no_new_placements: 'No new placements',
}

export const LOT_STATUSES = ['applied', 'admitted', 'rejected', 'suspended', 'removed'] as const
export type LotStatus = (typeof LOT_STATUSES)[number]
