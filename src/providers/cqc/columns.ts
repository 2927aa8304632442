// Column names of the CQC register files, as public code that reads the real files uses them.
// CARE_DIRECTORY_FIELDS and HSCA_FIELDS are the one table of the titles each edition has used;
// headers are compared with headerKey, so capitals, spacing, NBSPs, a BOM and brackets may differ.
import { headerKey } from '../../spreadsheets/rows.ts'

/** Lines before the care directory's header row: title, blank, "This data was produced on ...", blank. */
export const CARE_DIRECTORY_PREAMBLE_LINES = 4

/** The care directory's header row, as CQC has published it since about 2023. */
export const CARE_DIRECTORY_COLUMNS = [
  'Name',
  'Also known as',
  'Address',
  'Postcode',
  'Phone number',
  "Service's website (if available)",
  'Service types',
  'Date of latest check',
  'Specialisms/services',
  'Provider name',
  'Local authority',
  'Region',
  'Location URL',
  'CQC Location ID (for office use only)',
  'CQC Provider ID (for office use only)',
] as const

/**
 * The columns the care directory parser reads, with every title CQC has published for each; the
 * first is today's and the one error messages name.
 * - 2017 to 2020 editions: "Local Authority", and the location ID column titled
 *   "CQC Location (for office use only" (no "ID", no closing bracket), the name scripts still use.
 * - Since about 2023: "Local authority" and "CQC Location ID (for office use only)".
 */
export const CARE_DIRECTORY_FIELDS = {
  name: ['Name'],
  address: ['Address'],
  postcode: ['Postcode'],
  serviceTypes: ['Service types'],
  latestCheck: ['Date of latest check'],
  specialisms: ['Specialisms/services'],
  providerName: ['Provider name'],
  localAuthority: ['Local authority', 'Local Authority'],
  locationId: [
    'CQC Location ID (for office use only)',
    'CQC Location (for office use only',
    'CQC Location (for office use only)',
  ],
  providerId: ['CQC Provider ID (for office use only)', 'CQC Provider (for office use only)'],
} as const satisfies Record<string, readonly string[]>

/** Enough of the header row to recognise a care directory file. */
export const CARE_DIRECTORY_IDENTITY: readonly (keyof typeof CARE_DIRECTORY_FIELDS)[] = [
  'name',
  'postcode',
  'serviceTypes',
  'providerName',
  'locationId',
  'providerId',
]

/** The HSCA Active Locations sheet's header row (2026 edition, 122 columns). */
export const HSCA_COLUMNS = [
  'Location ID',
  'Location HSCA start date',
  'Dormant (Y/N)',
  'Care home?',
  'Location Name',
  'Location ODS Code',
  'Location Telephone Number',
  'Registered manager',
  'Location Web Address',
  'Care homes beds',
  'Location Type/Sector',
  'Location Inspection Directorate',
  'Location Primary Inspection Category',
  'Location Latest Overall Rating',
  'Publication Date',
  'Inherited Rating (Y/N)',
  'Location Region',
  'Location NHS Region',
  'Location Local Authority',
  'Location ONSPD CCG Code',
  'Location ONSPD CCG',
  'Location Commissioning CCG Code',
  'Location Commissioning CCG',
  'Location Street Address',
  'Location Address Line 2',
  'Location City',
  'Location County',
  'Location Postal Code',
  'Location PAF ID',
  'Location UPRN ID',
  'Location Latitude',
  'Location Longitude',
  'Location Parliamentary Constituency',
  'Brand ID',
  'Brand Name',
  'Provider Companies House Number',
  'Provider Charity Number',
  'Provider ID',
  'Provider Name',
  'Provider HSCA start date',
  'Provider Type/Sector',
  'Provider Inspection Directorate',
  'Provider Primary Inspection Category',
  'Provider Ownership Type',
  'Provider Telephone Number',
  'Provider Web Address',
  'Provider Street Address',
  'Provider Address Line 2',
  'Provider City',
  'Provider County',
  'Provider Postal Code',
  'Provider PAF ID',
  'Provider UPRN ID',
  'Provider Local Authority',
  'Provider Region',
  'Provider NHS Region',
  'Provider Latitude',
  'Provider Longitude',
  'Provider Parliamentary Constituency',
  'Provider Nominated Individual Name',
  'Provider Main Partner Name',
  'Regulated activity - Accommodation for persons who require nursing or personal care',
  'Regulated activity - Accommodation for persons who require treatment for substance misuse',
  'Regulated activity - Assessment or medical treatment for persons detained under the Mental Health Act 1983',
  'Regulated activity - Diagnostic and screening procedures',
  'Regulated activity - Family planning',
  'Regulated activity - Management of supply of blood and blood derived products',
  'Regulated activity - Maternity and midwifery services',
  'Regulated activity - Nursing care',
  'Regulated activity - Personal care',
  'Regulated activity - Services in slimming clinics',
  'Regulated activity - Surgical procedures',
  'Regulated activity - Termination of pregnancies',
  'Regulated activity - Transport services, triage and medical advice provided remotely',
  'Regulated activity - Treatment of disease, disorder or injury',
  'Service type - Acute services with overnight beds',
  'Service type - Acute services without overnight beds / listed acute services with or without overnight beds',
  'Service type - Ambulance service',
  'Service type - Blood and Transplant service',
  'Service type - Care home service with nursing',
  'Service type - Care home service without nursing',
  'Service type - Community based services for people who misuse substances',
  'Service type - Community based services for people with a learning disability',
  'Service type - Community based services for people with mental health needs',
  'Service type - Community health care services - Independent Midwives',
  'Service type - Community health care services - Nurses Agency only',
  'Service type - Community healthcare service',
  'Service type - Dental service',
  'Service type - Diagnostic and/or screening service',
  'Service type - Diagnostic and/or screening service - single handed sessional providers',
  'Service type - Doctors consultation service',
  'Service type - Doctors treatment service',
  'Service type - Domiciliary care service',
  'Service type - Extra Care housing services',
  'Service type - Hospice services',
  'Service type - Hospice services at home',
  'Service type - Hospital services for people with mental health needs, learning disabilities and problems with substance misuse',
  'Service type - Hyperbaric Chamber',
  'Service type - Long term conditions services',
  'Service type - Mobile doctors service',
  'Service type - Prison Healthcare Services',
  'Service type - Rehabilitation services',
  'Service type - Remote clinical advice service',
  'Service type - Residential substance misuse treatment and/or rehabilitation service',
  'Service type - Shared Lives',
  'Service type - Specialist college service',
  'Service type - Supported living service',
  'Service type - Urgent care services',
  'Service user band - Children 0-18 years',
  'Service user band - Dementia',
  'Service user band - Learning disabilities or autistic spectrum disorder',
  'Service user band - Mental Health',
  'Service user band - Older People',
  'Service user band - People detained under the Mental Health Act',
  'Service user band - People who misuse drugs and alcohol',
  'Service user band - People with an eating disorder',
  'Service user band - Physical Disability',
  'Service user band - Sensory Impairment',
  'Service user band - Whole Population',
  'Service user band - Younger Adults',
  'Location Dual Registered',
  'Primary ID (Dual registration locations)',
] as const

export const HSCA_SERVICE_TYPE_PREFIX = 'Service type - '
export const HSCA_SERVICE_USER_BAND_PREFIX = 'Service user band - '

/**
 * The single-valued columns the HSCA parser reads, with every title CQC has published for each
 * (the first is today's). CQC's other sheets of the same family spell some differently: "Care
 * Home?" and "Location Post Code" (the ratings workbook), which editions of this sheet have used too.
 */
export const HSCA_FIELDS = {
  locationId: ['Location ID'],
  name: ['Location Name'],
  careHome: ['Care home?', 'Care Home?'],
  beds: ['Care homes beds', 'Care home beds'],
  rating: ['Location Latest Overall Rating'],
  ratingDate: ['Publication Date'],
  localAuthority: ['Location Local Authority'],
  street: ['Location Street Address'],
  addressLine2: ['Location Address Line 2'],
  city: ['Location City'],
  county: ['Location County'],
  postcode: ['Location Postal Code', 'Location Post Code', 'Location Postcode'],
  latitude: ['Location Latitude'],
  longitude: ['Location Longitude'],
  providerId: ['Provider ID'],
  providerName: ['Provider Name'],
} as const satisfies Record<string, readonly string[]>

/** Enough of the header row to recognise an HSCA Active Locations file. */
export const HSCA_IDENTITY: readonly (keyof typeof HSCA_FIELDS)[] = [
  'locationId',
  'name',
  'postcode',
  'providerId',
  'providerName',
]

/** The flag columns Caremarket maps; a file without them would silently lose every service type. */
export const HSCA_REQUIRED_FLAG_COLUMNS = [
  'Service type - Care home service with nursing',
  'Service type - Care home service without nursing',
  'Service type - Domiciliary care service',
  'Service type - Supported living service',
  'Service type - Extra Care housing services',
  'Service user band - Dementia',
  'Service user band - Learning disabilities or autistic spectrum disorder',
  'Service user band - Mental Health',
  'Service user band - Physical Disability',
  'Service user band - Sensory Impairment',
  'Service user band - People who misuse drugs and alcohol',
  'Service user band - People with an eating disorder',
  'Service user band - Older People',
  'Service user band - Younger Adults',
] as const

/** The API location fields the JSON parser reads. */
export const API_LOCATION_FIELDS = [
  'locationId',
  'providerId',
  'name',
  'postalAddressLine1',
  'postalAddressLine2',
  'postalAddressTownCity',
  'postalAddressCounty',
  'postalCode',
  'onspdLatitude',
  'onspdLongitude',
  'numberOfBeds',
  'localAuthority',
  'gacServiceTypes',
  'specialisms',
  'currentRatings.overall.rating',
  'currentRatings.overall.reportDate',
  'lastInspection.date',
  'registrationStatus',
  'organisationType',
] as const

export type FieldSpec = Record<string, readonly string[]>

// CQC has dropped "ID" from a title before ("CQC Location (for office use only"); a title that
// differs from a known one only by that word is the same column.
function withoutId(key: string): string {
  return key
    .split(' ')
    .filter((word) => word !== 'id')
    .join(' ')
}

/** Where each field's column is in a header row; fields with no column are listed in `missing`. */
export function locateColumns<F extends FieldSpec>(
  header: readonly string[],
  fields: F,
): { index: Partial<Record<keyof F, number>>; missing: string[] } {
  const exact = new Map<string, number>()
  const loose = new Map<string, number>()
  header.forEach((name, position) => {
    const key = headerKey(name)
    if (key === '') return
    if (!exact.has(key)) exact.set(key, position)
    if (!loose.has(withoutId(key))) loose.set(withoutId(key), position)
  })
  const index: Partial<Record<keyof F, number>> = {}
  const missing: string[] = []
  for (const [field, names] of Object.entries(fields) as [keyof F & string, readonly string[]][]) {
    const keys = names.map(headerKey)
    const position =
      keys.map((key) => exact.get(key)).find((p) => p !== undefined) ??
      keys.map((key) => loose.get(withoutId(key))).find((p) => p !== undefined)
    if (position === undefined) missing.push(names[0] ?? field)
    else index[field] = position
  }
  return { index, missing }
}

/** The columns whose titles start with `prefix` ("Service type - "), with the rest of each title. */
export function prefixedColumns(header: readonly string[], prefix: string): [number, string][] {
  const key = `${headerKey(prefix)} `
  return header.flatMap((name, position): [number, string][] => {
    if (!`${headerKey(name)} `.startsWith(key)) return []
    // The label is what follows the first dash: "Service type - Community health care services - ...".
    const dash = name.indexOf('-')
    return dash === -1
      ? []
      : [
          [
            position,
            name
              .slice(dash + 1)
              .replace(/\s+/g, ' ')
              .trim(),
          ],
        ]
  })
}
