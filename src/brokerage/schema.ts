import { sql } from 'drizzle-orm'
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
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { councilKey, teamKey, userKey } from '../accounts/keys.ts'
import { localities, pcnAreas } from '../geography/schema.ts'
import { locationKey, providerOrganisationKey } from '../providers/keys.ts'
import { SEARCH_FOLD_FROM, SEARCH_FOLD_TO } from '../shared/search-text.ts'

const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`

/** A council's brokerage settings (weights, windows, thresholds), validated by the rules' Zod schema. */
export const councilSettings = pgTable('council_settings', {
  councilId: integer().primaryKey().references(councilKey),
  brokerage: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedBy: text(),
})

/** Bank holidays of England and Wales as the council's working-day calendar; its admin may edit them. */
export const bankHolidays = pgTable(
  'bank_holidays',
  {
    councilId: integer().notNull().references(councilKey),
    day: date().notNull(),
    name: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.councilId, t.day] })],
)

/**
 * The person needing care: as little personal data as the work needs (DOMAIN.md §3). Date of birth
 * and postcode are null only for a person known from the council's own book by case reference
 * (named by it), whose re-sourcing request stays a draft until someone completes their details.
 */
export const people = pgTable(
  'people',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    name: text().notNull(),
    dateOfBirth: date(),
    sex: text(),
    postcode: text(),
    outcode: text().notNull(),
    localityId: integer().references(() => localities.id),
    pcnAreaId: integer().references(() => pcnAreas.id),
    nhsNumber: text(),
    // How to reach the person and who speaks for them: kept from every provider until award, then
    // shown to the awarded provider only as far as sharingConsent allows (DOMAIN.md §5).
    addressLine1: text(),
    addressLine2: text(),
    town: text(),
    phone: text(),
    /** The representative or next of kin: { name, relationship, phone, email }. */
    representative: jsonb().$type<{
      name: string
      relationship: string
      phone: string | null
      email: string | null
    }>(),
    /** What the person agreed the awarded provider may be given: 'address', 'phone', 'representative'. */
    sharingConsent: text().array().notNull().default(sql`'{}'`),
    /**
     * The name as searches compare it (foldForSearch): accents off, ASCII letters lowered. Where
     * the engine has pg_trgm, a trigram index on it makes a search for part of a name an index
     * scan (created in the migration people_name_search, only if the extension can be had).
     */
    searchName: text()
      .notNull()
      .generatedAlwaysAs(
        sql.raw(`translate("name", ${quoted(SEARCH_FOLD_FROM)}, ${quoted(SEARCH_FOLD_TO)})`),
      ),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.councilId),
    index('people_nhs_number').on(t.councilId, t.nhsNumber),
    check('people_sex_valid', sql`${t.sex} is null or ${t.sex} in ('female', 'male')`),
  ],
)

export const sourcingRequests = pgTable(
  'sourcing_requests',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    personId: integer()
      .notNull()
      .references(() => people.id),
    createdByUserId: integer().references(userKey),
    /** The team whose caseload it is: its social workers see it; null for one made outside any team. */
    teamId: integer().references(teamKey),
    // The service type, client group, needs summary and start date are null only in a draft whose
    // question is not answered yet (sourcing_requests_answered_unless_draft).
    /** care_home_residential, care_home_nursing, care_home_dementia_residential, care_home_dementia_nursing, home_care, supported_living, day_opportunities */
    serviceType: text(),
    clientGroup: text(),
    specialisms: text().array().notNull().default(sql`'{}'`),
    needsSummary: text(),
    /**
     * Where distance is measured from: the person's postcode unless another was chosen, normalised
     * ("NR3 1QX"). Null only for a request made before it was kept whose postcode was not found.
     * Never shown to providers, who see districts only.
     */
    preferredPostcode: text(),
    /** The preferred postcode's district ("NR3"). */
    preferredOutcode: text(),
    /** The preferred postcode's centre; null when it could not be placed. */
    latitude: doublePrecision(),
    longitude: doublePrecision(),
    maxDistanceMiles: doublePrecision().notNull(),
    startDate: date(),
    urgency: text().notNull(),
    emergencyHours: integer(),
    inHospital: boolean().notNull().default(false),
    /** The usual price the social worker typed: used only when the council's rate book has no rate for the request. */
    usualPricePence: integer(),
    /** The rate book's band for the request: standard, enhanced or complex. */
    band: text().notNull().default('standard'),
    /** The broker's usual price instead of the rate book's, with the reason they gave; null when not overridden. */
    usualPriceOverridePence: integer(),
    usualPriceOverrideReason: text(),
    budgetPence: integer(),
    notesForProviders: text().notNull().default(''),
    carerGender: text(),
    language: text(),
    lotId: integer(),
    /**
     * Provider organisations never invited to this request: a re-sourcing request after a provider
     * failure leaves out the failing provider and every one of its locations.
     */
    excludedProviderIds: integer().array().notNull().default(sql`'{}'`),
    /**
     * Supported living: the hours of support a week the person needs, in minutes (support-worker
     * time, as home care counts care-worker time). Priced by the hour, it sets the package's weekly
     * cost. Null for every other service type, and in a draft not yet asked.
     */
    supportMinutesPerWeek: integer(),
    status: text().notNull().default('draft'),
    publishedAt: timestamp({ withTimezone: true }),
    deadlineAt: timestamp({ withTimezone: true }),
    closedAt: timestamp({ withTimezone: true }),
    cancelReason: text(),
    /**
     * The council's case system's references: the person's ID there and the case or service
     * agreement. Council-side only: they identify the person, so no provider ever reads them.
     */
    personRef: text(),
    caseRef: text(),
    /** The broker looking after it ("Assigned to me"): a broker of the same council, or nobody yet. */
    assignedBrokerId: integer().references(userKey),
    assignedAt: timestamp({ withTimezone: true }),
    /** Bumped on every transition, so two conflicting changes cannot both win. */
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.councilId, t.status),
    index().on(t.status, t.deadlineAt),
    index().on(t.teamId),
    index('sourcing_requests_assigned_broker').on(t.councilId, t.assignedBrokerId),
    // Brokers find a request by either reference in any case (lower() on both sides).
    index('sourcing_requests_person_ref_lower').on(t.councilId, sql`lower(${t.personRef})`),
    index('sourcing_requests_case_ref_lower').on(t.councilId, sql`lower(${t.caseRef})`),
    // A search by name or NHS number finds people first, then their requests and packages.
    index().on(t.personId),
    // The request list, most recently changed first, reads its page from this index backwards.
    index('sourcing_requests_recently_changed').on(t.councilId, t.updatedAt, t.id),
    check('sourcing_requests_urgency_valid', sql`${t.urgency} in ('routine', 'urgent', 'emergency')`),
    check(
      'sourcing_requests_status_valid',
      sql`${t.status} in ('draft', 'submitted', 'returned', 'published', 'closed', 'awarded', 'started', 'unsourced', 'cancelled')`,
    ),
    check(
      'sourcing_requests_support_minutes_positive',
      sql`${t.supportMinutesPerWeek} is null or ${t.supportMinutesPerWeek} > 0`,
    ),
    check(
      'sourcing_requests_prices_non_negative',
      sql`coalesce(${t.usualPricePence}, 0) >= 0 and coalesce(${t.budgetPence}, 0) >= 0`,
    ),
    check(
      'sourcing_requests_answered_unless_draft',
      // A draft cancelled before it was submitted keeps its unanswered questions.
      sql`${t.status} in ('draft', 'cancelled') or (${t.serviceType} is not null and ${t.clientGroup} is not null and ${t.needsSummary} is not null and ${t.startDate} is not null)`,
    ),
  ],
)

/** A home care visit in the request's pattern; each visit is a slot that can be awarded on its own. */
export const requestVisits = pgTable(
  'request_visits',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    days: text().array().notNull(),
    windowStart: text().notNull(),
    windowEnd: text().notNull(),
    durationMinutes: integer().notNull(),
    carers: integer().notNull().default(1),
  },
  (t) => [
    index().on(t.requestId),
    check('request_visits_positive', sql`${t.durationMinutes} > 0 and ${t.carers} between 1 and 4`),
  ],
)

/** Append-only history of every status change, with who, when and why. */
export const requestEvents = pgTable(
  'request_events',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    fromStatus: text(),
    toStatus: text().notNull(),
    reason: text(),
    actor: text().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.requestId, t.at),
    // The market figures find the requests first submitted in a period (PCN sufficiency).
    index().on(t.councilId, t.toStatus, t.at),
  ],
)

/** Why each location was or was not invited, for every publication round of a request. */
export const eligibilityDecisions = pgTable(
  'eligibility_decisions',
  {
    councilId: integer().notNull().references(councilKey),
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    round: integer().notNull(),
    locationId: integer().notNull().references(locationKey),
    eligible: boolean().notNull(),
    reasons: jsonb().$type<{ code: string; text: string }[]>().notNull(),
    flags: jsonb().$type<{ code: string; text: string }[]>().notNull().default(sql`'[]'::jsonb`),
    rankPenalty: integer().notNull().default(0),
    decidedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.round, t.locationId] }),
    index().on(t.councilId, t.locationId),
  ],
)

export const offers = pgTable(
  'offers',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    locationId: integer().notNull().references(locationKey),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    /** Weekly for care homes, hourly for home care; integer pence. */
    pricePence: integer().notNull(),
    earliestStart: date().notNull(),
    meetsAllNeeds: boolean().notNull(),
    notes: text().notNull().default(''),
    /** Home care: the request_visits ids this offer covers. */
    visitIds: integer().array().notNull().default(sql`'{}'`),
    status: text().notNull().default('submitted'),
    idempotencyKey: text(),
    /** SHA-256 of the request the Idempotency-Key came with: the same key with another request is refused. */
    idempotencyFingerprint: text(),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.requestId),
    index().on(t.councilId, t.providerOrganisationId),
    unique().on(t.requestId, t.providerOrganisationId, t.idempotencyKey),
    // One live offer per location per request.
    uniqueIndex('offers_one_live_per_location')
      .on(t.requestId, t.locationId)
      .where(sql`${t.status} = 'submitted'`),
    check('offers_price_non_negative', sql`${t.pricePence} >= 0`),
    check('offers_status_valid', sql`${t.status} in ('submitted', 'withdrawn', 'accepted', 'declined')`),
  ],
)

/** What an award commits the council to. Becomes active on its start date. */
export const packages = pgTable(
  'packages',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    offerId: integer()
      .notNull()
      .references(() => offers.id),
    personId: integer()
      .notNull()
      .references(() => people.id),
    locationId: integer().notNull().references(locationKey),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    serviceType: text().notNull(),
    agreedPricePence: integer().notNull(),
    // The request's usual price when it was awarded (a republished request may have widened it):
    // the accepted prices measure compares the agreed price with it without reading the request.
    usualPricePence: integer(),
    weeklyCostPence: integer().notNull(),
    minutesPerWeek: integer(),
    visitIds: integer().array().notNull().default(sql`'{}'`),
    topUpPencePerWeek: integer(),
    aboveUsualPriceReason: text(),
    choiceReason: text(),
    qualitySignOffBy: text(),
    startDate: date().notNull(),
    endDate: date(),
    endReason: text(),
    /** The request's case-system references, copied at award; never shown to providers. */
    personRef: text(),
    caseRef: text(),
    /**
     * The provider's answer to the award: 'awaiting' until they confirm or decline by confirmBy (a
     * date, the council's window in working days); packages from before handover are 'confirmed'.
     */
    confirmation: text().notNull().default('confirmed'),
    confirmBy: date(),
    respondedAt: timestamp({ withTimezone: true }),
    respondedBy: text(),
    declineReason: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdBy: text().notNull(),
  },
  (t) => [
    index().on(t.councilId, t.providerOrganisationId),
    index().on(t.requestId),
    // The market figures find the awards made in a period (accepted prices).
    index().on(t.councilId, t.createdAt),
    index('packages_person_ref_lower').on(t.councilId, sql`lower(${t.personRef})`),
    index('packages_case_ref_lower').on(t.councilId, sql`lower(${t.caseRef})`),
    index().on(t.personId),
    check('packages_prices_non_negative', sql`${t.agreedPricePence} >= 0 and ${t.weeklyCostPence} >= 0`),
    check('packages_confirmation_valid', sql`${t.confirmation} in ('awaiting', 'confirmed', 'declined')`),
    // The brokers' queue: a council's awards waiting for, or declined by, their provider.
    index().on(t.councilId, t.confirmation, t.confirmBy),
  ],
)

/**
 * A change of a package's weekly price from a date on (a fee uplift, for one): package prices are a
 * history. A package's own weekly cost (packages, imported_packages) is its price from its start;
 * each change holds from its date until the next. `source` says which table `package_id` is of
 * (brokered: packages; imported: imported_packages). `change_ref` names what made it (fee-uplift/2027),
 * so its maker can list its changes; `previous_weekly_cost_pence` is the price it replaced.
 * Read through brokerage_package_prices.
 */
export const packagePriceChanges = pgTable(
  'package_price_changes',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    source: text().$type<'brokered' | 'imported'>().notNull(),
    packageId: integer().notNull(),
    effectiveFrom: date().notNull(),
    weeklyCostPence: integer().notNull(),
    previousWeeklyCostPence: integer().notNull(),
    reason: text().notNull(),
    changeRef: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdBy: text().notNull(),
  },
  (t) => [
    uniqueIndex('package_price_changes_one_a_day').on(t.councilId, t.source, t.packageId, t.effectiveFrom),
    index().on(t.councilId, t.changeRef),
    check('package_price_changes_source', sql`${t.source} in ('brokered', 'imported')`),
    check(
      'package_price_changes_non_negative',
      sql`${t.weeklyCostPence} >= 0 and ${t.previousWeeklyCostPence} >= 0`,
    ),
  ],
)

/** One row per awarded slot: the unique key is what makes a slot impossible to award twice. */
export const awardedSlots = pgTable(
  'awarded_slots',
  {
    councilId: integer().notNull().references(councilKey),
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    /** 0 for a whole care home placement; the request_visits id for a home care visit. */
    slot: integer().notNull(),
    packageId: integer()
      .notNull()
      .references(() => packages.id),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.slot] })],
)

/** In-app messages to a provider organisation or a council user. */
export const inbox = pgTable(
  'inbox',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    providerOrganisationId: integer().references(providerOrganisationKey),
    userId: integer().references(userKey),
    subject: text().notNull(),
    body: text().notNull(),
    link: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.councilId, t.providerOrganisationId, t.createdAt)],
)

/**
 * An upload of the council's current book of packages from its case or finance system, and its
 * report. A file with any rejected row writes nothing, and is kept as 'rejected' with its rows.
 */
export const packageImports = pgTable(
  'package_imports',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    fileName: text().notNull(),
    /** The file is the whole book: active imported packages missing from it were ended. */
    full: boolean().notNull().default(false),
    status: text().notNull(),
    rowsRead: integer().notNull().default(0),
    added: integer().notNull().default(0),
    updated: integer().notNull().default(0),
    unchanged: integer().notNull().default(0),
    ended: integer().notNull().default(0),
    rejected: jsonb().$type<{ line: number; reason: string }[]>().notNull().default(sql`'[]'::jsonb`),
    startedBy: text().notNull(),
    finishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index().on(t.councilId, t.finishedAt),
    check('package_imports_status_valid', sql`${t.status} in ('completed', 'rejected')`),
  ],
)

/**
 * A package of care from the council's own book (its case or finance system), not brokered through
 * Caremarket: so the market's figures count the whole market. Only what they need is kept: the case
 * system's person reference, never a name; an age band, never a date of birth; the postcode
 * district, never the postcode. Its natural key is the person reference (in any case), the
 * location, the service type and the start date.
 */
export const importedPackages = pgTable(
  'imported_packages',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    personRef: text().notNull(),
    /** '18–64', '65–74', '75–84', '85+' or 'Under 18', as the Interim Care List bands ages. */
    ageBand: text().notNull(),
    outcode: text().notNull(),
    /** The district's locality and PCN area in the council's geography; null outside it. */
    localityId: integer().references(() => localities.id),
    pcnAreaId: integer().references(() => pcnAreas.id),
    clientGroup: text().notNull(),
    /** A request service type (src/brokerage/rules/vocabulary.ts). */
    serviceType: text().notNull(),
    locationId: integer().notNull().references(locationKey),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    weeklyCostPence: integer().notNull(),
    minutesPerWeek: integer(),
    startDate: date().notNull(),
    endDate: date(),
    /** council, health, joint, or self_funder (a self-funder whose care the council arranges). */
    funding: text().notNull(),
    /** The import that last added or changed it. */
    importId: integer()
      .notNull()
      .references(() => packageImports.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('imported_packages_natural_key').on(
      t.councilId,
      sql`lower(${t.personRef})`,
      t.locationId,
      t.serviceType,
      t.startDate,
    ),
    // The market's figures read a council's packages of a service type active on a date.
    index().on(t.councilId, t.serviceType, t.startDate),
    index().on(t.councilId, t.locationId),
    check(
      'imported_packages_figures_valid',
      sql`${t.weeklyCostPence} >= 0 and coalesce(${t.minutesPerWeek}, 0) >= 0 and (${t.endDate} is null or ${t.endDate} >= ${t.startDate})`,
    ),
    check(
      'imported_packages_funding_valid',
      sql`${t.funding} in ('council', 'health', 'joint', 'self_funder')`,
    ),
  ],
)

/**
 * A provider's notice that it will stop delivering a package (a hand-back): once per package, with
 * its reason and last day of care, and the linked request a broker made to re-source it.
 */
export const packageHandBacks = pgTable(
  'package_hand_backs',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    packageId: integer()
      .notNull()
      .references(() => packages.id),
    /** The request that placed the package. */
    requestId: integer()
      .notNull()
      .references(() => sourcingRequests.id),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    reason: text().notNull(),
    lastDay: date().notNull(),
    /** The council's notice period when notice was given, in days. */
    noticeDays: integer().notNull(),
    /** Why the notice is shorter than the council's notice period; null when it is not. */
    shortNoticeReason: text(),
    /** The linked request that re-sources the package, once a broker has made it. */
    resourcingRequestId: integer().references(() => sourcingRequests.id),
    resourcedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdBy: text().notNull(),
  },
  (t) => [unique().on(t.packageId), index().on(t.councilId, t.lastDay)],
)
