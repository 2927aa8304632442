import { type AnyColumn, sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core'
import { councilKey } from '../accounts/keys.ts'
import { localities, pcnAreas } from '../geography/schema.ts'
import { COUNCIL_ID_PREFIX } from './vocabulary.ts'

/**
 * Whose register a row comes from: CQC's (the import) or the council's own accreditation. The
 * database holds each to its IDs' prefix (COUNCIL_ID_PREFIX for the council's).
 */
const regulatorColumn = () => text().notNull().default('cqc')

function regulatorChecks(table: string, regulator: AnyColumn, id: AnyColumn) {
  return [
    check(`${table}_regulator_valid`, sql`${regulator} in ('cqc', 'council')`),
    check(
      `${table}_id_matches_regulator`,
      sql`(${regulator} = 'council') = (${id} like ${sql.raw(`'${COUNCIL_ID_PREFIX}%'`)})`,
    ),
  ]
}

/**
 * A provider as known to one council: a CQC-registered provider (its CQC provider ID), or an
 * organisation the council accredits itself (a council-issued ID in the same column).
 */
export const providerOrganisations = pgTable(
  'provider_organisations',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    cqcProviderId: text().notNull(),
    name: text().notNull(),
    regulator: regulatorColumn(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.councilId, t.cqcProviderId),
    ...regulatorChecks('provider_organisations', t.regulator, t.cqcProviderId),
  ],
)

/**
 * A location of a provider organisation: a CQC-regulated one (care home, home care office, ...), or
 * a service the council accredits itself (day opportunities, a micro-provider, a community group),
 * whose council-issued ID sits in cqc_location_id and whose accreditation stands in for a rating.
 */
export const locations = pgTable(
  'locations',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    providerOrganisationId: integer()
      .notNull()
      .references(() => providerOrganisations.id),
    cqcLocationId: text().notNull(),
    name: text().notNull(),
    address: text().notNull(),
    postcode: text(),
    latitude: doublePrecision(),
    longitude: doublePrecision(),
    registeredBeds: integer(),
    serviceTypes: text().array().notNull().default(sql`'{}'`),
    specialisms: text().array().notNull().default(sql`'{}'`),
    clientGroups: text().array().notNull().default(sql`'{}'`),
    cqcRating: text(),
    cqcRatingDate: date(),
    localityId: integer().references(() => localities.id),
    pcnAreaId: integer().references(() => pcnAreas.id),
    /** How the coordinates were found: full postcode, postcode district, or entered by a commissioner. */
    geoSource: text(),
    languages: text().array().notNull().default(sql`'{}'`),
    /** Whether the provider can supply male / female care workers; empty when not stated. */
    maleCareWorkers: boolean(),
    femaleCareWorkers: boolean(),
    regulator: regulatorColumn(),
    /** What kind of council-accredited service it is; null for CQC's locations. */
    accreditedKind: text(),
    active: boolean().notNull().default(true),
    deactivatedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.councilId, t.cqcLocationId),
    index().on(t.councilId, t.providerOrganisationId),
    // Eligibility searches a box around the person. A GiST index on the position answers the box
    // in both directions at once (a latitude range alone read a whole band of the country), and
    // a small partial index finds the locations with no position, which are always candidates.
    index('locations_active_position')
      .using('gist', sql`point(${t.longitude}, ${t.latitude})`)
      .where(sql`${t.active}`),
    index('locations_active_unplaced')
      .on(t.councilId)
      .where(sql`${t.active} and (${t.latitude} is null or ${t.longitude} is null)`),
    check(
      'locations_cqc_rating_valid',
      sql`${t.cqcRating} is null or ${t.cqcRating} in ('Outstanding', 'Good', 'Requires improvement', 'Inadequate')`,
    ),
    check('locations_beds_non_negative', sql`${t.registeredBeds} is null or ${t.registeredBeds} >= 0`),
    check(
      'locations_geo_source_valid',
      sql`${t.geoSource} is null or ${t.geoSource} in ('postcode', 'district', 'manual')`,
    ),
    ...regulatorChecks('locations', t.regulator, t.cqcLocationId),
    check(
      'locations_accredited_kind_valid',
      sql`(${t.regulator} = 'council') = (${t.accreditedKind} is not null)
        and (${t.accreditedKind} is null or ${t.accreditedKind} in ('day_opportunities', 'micro_provider', 'community_group'))`,
    ),
  ],
)

/**
 * The council's accreditations of a service it accredits itself: each period with the criteria
 * met and who accredited it. A renewal is a new row; the one in force (or else the latest) counts.
 */
export const locationAccreditations = pgTable(
  'location_accreditations',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    criteriaMet: text().array().notNull(),
    accreditedFrom: date().notNull(),
    accreditedTo: date().notNull(),
    /** The officer or panel that accredited the service. */
    accreditedBy: text().notNull(),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    recordedBy: text().notNull(),
  },
  (t) => [
    unique().on(t.locationId, t.accreditedFrom),
    index().on(t.councilId, t.locationId),
    check('location_accreditations_dates_ordered', sql`${t.accreditedTo} >= ${t.accreditedFrom}`),
    check('location_accreditations_criteria_given', sql`cardinality(${t.criteriaMet}) > 0`),
  ],
)

/** One import of the council's accreditation list, with its report, whether it was kept or refused. */
export const accreditationImports = pgTable(
  'accreditation_imports',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    fileName: text().notNull(),
    full: boolean().notNull().default(false),
    status: text().notNull(),
    added: integer().notNull().default(0),
    updated: integer().notNull().default(0),
    unchanged: integer().notNull().default(0),
    ended: integer().notNull().default(0),
    rejected: jsonb().$type<{ line: number; reason: string }[]>().notNull().default(sql`'[]'::jsonb`),
    importedBy: text().notNull(),
    importedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.councilId, t.importedAt),
    check('accreditation_imports_status_valid', sql`${t.status} in ('completed', 'rejected')`),
  ],
)

/** Every rating a location has had: CQC's from imports, the council's own PAMMS audits from commissioners. */
export const locationRatings = pgTable(
  'location_ratings',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    source: text().notNull(),
    rating: text().notNull(),
    ratedOn: date().notNull(),
    /** The PAMMS audit reference; empty for CQC. */
    reference: text(),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    recordedBy: text().notNull(),
  },
  (t) => [
    unique().on(t.locationId, t.source, t.ratedOn),
    index().on(t.councilId, t.locationId),
    check('location_ratings_source_valid', sql`${t.source} in ('cqc', 'pamms')`),
    check(
      'location_ratings_rating_valid',
      sql`${t.rating} in ('Outstanding', 'Good', 'Requires improvement', 'Inadequate')`,
    ),
  ],
)

/**
 * CQC's ratings of a location's five key questions (safe, effective, caring, responsive, well-led),
 * each with the date CQC published it, kept as a history like the overall rating's.
 */
export const locationKeyQuestionRatings = pgTable(
  'location_key_question_ratings',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    keyQuestion: text().notNull(),
    rating: text().notNull(),
    ratedOn: date().notNull(),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    recordedBy: text().notNull(),
  },
  (t) => [
    unique().on(t.locationId, t.keyQuestion, t.ratedOn),
    index().on(t.councilId, t.locationId),
    check(
      'location_key_question_ratings_key_question_valid',
      sql`${t.keyQuestion} in ('safe', 'effective', 'caring', 'responsive', 'well_led')`,
    ),
    check(
      'location_key_question_ratings_rating_valid',
      sql`${t.rating} in ('Outstanding', 'Good', 'Requires improvement', 'Inadequate')`,
    ),
  ],
)

/** Commissioners' restrictions on placing with a location. Lifting sets lifted_at; rows are never deleted. */
export const restrictions = pgTable(
  'restrictions',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    kind: text().notNull(),
    monthlyLimit: integer(),
    startsOn: date().notNull(),
    endsOn: date(),
    reason: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdBy: text().notNull(),
    liftedAt: timestamp({ withTimezone: true }),
    liftedBy: text(),
    liftReason: text(),
  },
  (t) => [
    index().on(t.councilId, t.locationId),
    check(
      'restrictions_kind_valid',
      sql`${t.kind} in ('contact_quality_team', 'placement_limit', 'no_new_placements')`,
    ),
    check(
      'restrictions_limit_only_for_limits',
      sql`(${t.kind} = 'placement_limit') = (${t.monthlyLimit} is not null) and (${t.monthlyLimit} is null or ${t.monthlyLimit} >= 0)`,
    ),
    check('restrictions_dates_ordered', sql`${t.endsOn} is null or ${t.endsOn} >= ${t.startsOn}`),
  ],
)

/** A framework or Dynamic Purchasing System lot, with the questions applicants answer. */
export const frameworkLots = pgTable(
  'framework_lots',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    name: text().notNull(),
    procurement: text().notNull(),
    serviceType: text(),
    description: text().notNull().default(''),
    questions: jsonb().$type<{ id: string; text: string }[]>().notNull().default(sql`'[]'::jsonb`),
    opensOn: date().notNull(),
    closesOn: date(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.councilId, t.name),
    check('framework_lots_procurement_valid', sql`${t.procurement} in ('framework', 'dps')`),
  ],
)

/** A location's membership of a lot; its current status. The history is in lot_membership_events. */
export const lotMemberships = pgTable(
  'lot_memberships',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    lotId: integer()
      .notNull()
      .references(() => frameworkLots.id),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    status: text().notNull(),
    answers: jsonb().$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.lotId, t.locationId),
    index().on(t.councilId, t.lotId),
    check(
      'lot_memberships_status_valid',
      sql`${t.status} in ('applied', 'admitted', 'rejected', 'suspended', 'removed')`,
    ),
  ],
)

/** Append-only: every change of a membership's status, effective from a date. */
export const lotMembershipEvents = pgTable(
  'lot_membership_events',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    membershipId: integer()
      .notNull()
      .references(() => lotMemberships.id),
    status: text().notNull(),
    effectiveOn: date().notNull(),
    reason: text(),
    actor: text().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.membershipId, t.effectiveOn)],
)

/** Append-only time series: care home vacancies by bed type. */
export const bedVacancyReports = pgTable(
  'bed_vacancy_reports',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    bedType: text().notNull(),
    vacancies: integer().notNull(),
    reportedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    reportedBy: text().notNull(),
    source: text().notNull(),
  },
  (t) => [
    index().on(t.councilId, t.locationId, t.reportedAt),
    // The market figures read the last 7 days of a whole council's reports.
    index().on(t.councilId, t.reportedAt),
    check('bed_vacancy_reports_non_negative', sql`${t.vacancies} >= 0`),
    check('bed_vacancy_reports_source_valid', sql`${t.source} in ('web', 'csv', 'api')`),
  ],
)

/** Append-only time series: spare home care hours (as minutes) per week by postcode district. */
export const homeCareCapacityReports = pgTable(
  'home_care_capacity_reports',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    outcode: text().notNull(),
    spareMinutesPerWeek: integer().notNull(),
    reportedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    reportedBy: text().notNull(),
    source: text().notNull(),
  },
  (t) => [
    index().on(t.councilId, t.locationId, t.reportedAt),
    // The market figures read the last 7 days of a whole council's reports.
    index().on(t.councilId, t.reportedAt),
    check('home_care_capacity_non_negative', sql`${t.spareMinutesPerWeek} >= 0`),
    check('home_care_capacity_source_valid', sql`${t.source} in ('web', 'csv', 'api')`),
  ],
)

/** Append-only time series: spare places a day at a day service. */
export const dayPlaceReports = pgTable(
  'day_place_reports',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    placesPerDay: integer().notNull(),
    reportedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    reportedBy: text().notNull(),
    source: text().notNull(),
  },
  (t) => [
    index().on(t.councilId, t.locationId, t.reportedAt),
    check('day_place_reports_non_negative', sql`${t.placesPerDay} >= 0`),
    check('day_place_reports_source_valid', sql`${t.source} in ('web', 'csv', 'api')`),
  ],
)

/** People a council can contact at a provider organisation. */
export const providerContacts = pgTable(
  'provider_contacts',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    providerOrganisationId: integer()
      .notNull()
      .references(() => providerOrganisations.id),
    name: text().notNull(),
    jobTitle: text(),
    email: text(),
    phone: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.councilId, t.providerOrganisationId)],
)

/** The postcode districts a home care location serves. */
export const locationCoverage = pgTable(
  'location_coverage',
  {
    councilId: integer().notNull().references(councilKey),
    locationId: integer()
      .notNull()
      .references(() => locations.id),
    outcode: text().notNull(),
  },
  (t) => [unique().on(t.locationId, t.outcode), index().on(t.councilId, t.outcode)],
)

/** One run of the CQC import, so a long import shows progress and its report stays on record. */
export const cqcImports = pgTable(
  'cqc_imports',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    /** 'file': an uploaded register file; 'api': the changes CQC's API lists for a window of time. */
    source: text().notNull().default('file'),
    /** The file's name; for an API import, what was imported ("CQC API changes"). */
    fileName: text().notNull(),
    /** An API import: the window of CQC's changes it reads. */
    changesFrom: timestamp({ withTimezone: true }),
    changesTo: timestamp({ withTimezone: true }),
    format: text(),
    full: boolean().notNull().default(false),
    localAuthority: text(),
    status: text().notNull().default('running'),
    bytesTotal: bigint({ mode: 'number' }),
    bytesRead: bigint({ mode: 'number' }).notNull().default(0),
    added: integer().notNull().default(0),
    updated: integer().notNull().default(0),
    unchanged: integer().notNull().default(0),
    deactivated: integer().notNull().default(0),
    rejected: jsonb()
      .$type<{ line: number; locationId?: string; reason: string }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    error: text(),
    startedBy: text().notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp({ withTimezone: true }),
    /** The process running the import (host:pid:random); null on imports from before it was kept. */
    ownerId: text(),
    /** Last sign of life from that process, while it runs (on PostgreSQL). */
    heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.councilId, t.startedAt),
    check('cqc_imports_status_valid', sql`${t.status} in ('running', 'completed', 'failed')`),
    check('cqc_imports_source_valid', sql`${t.source} in ('file', 'api')`),
  ],
)

/**
 * Where each council's import from CQC's API has got to. A run reads CQC's changes in a fixed
 * window [windowFrom, windowTo], a page at a time, each page committed with pagesDone, so an
 * interrupted run carries on at the next page of the same window (the list of a closed window
 * does not move). A completed run clears the window and leaves its end as nextFrom.
 */
export const cqcApiSyncs = pgTable('cqc_api_syncs', {
  councilId: integer().primaryKey().references(councilKey),
  /** Where the next run starts: the end of the last completed run's window. */
  nextFrom: timestamp({ withTimezone: true }),
  /** The unfinished run's window; null when no run is unfinished. */
  windowFrom: timestamp({ withTimezone: true }),
  windowTo: timestamp({ withTimezone: true }),
  /** The unfinished run's page size: its pages are numbered by it. */
  perPage: integer(),
  /** The unfinished run's pages committed so far. */
  pagesDone: integer().notNull().default(0),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
