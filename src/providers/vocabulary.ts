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
