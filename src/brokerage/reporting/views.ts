// Brokerage's reporting read model: the views through which other domains (the market's figures)
// read what brokerage records, never its tables. Their names and columns are the contract;
// brokerage may reshape its tables as long as the views keep their columns.
//
// Each is a plain projection (the slot fills one join, which every reader would make), so
// PostgreSQL inlines it into the reader's query and plans that as if it named the tables: the
// same indexes, the same plans. They carry ids, places and figures, never a person's name, date of
// birth or postcode: the Interim Care List's names come through histories.ts.
import { sql } from 'drizzle-orm'
import { boolean, date, integer, pgView, text, timestamp } from 'drizzle-orm/pg-core'
import {
  awardedSlots,
  importedPackages,
  offers,
  packageHandBacks,
  packageImports,
  packages,
  people,
  requestEvents,
  requestVisits,
  sourcingRequests,
} from '../schema.ts'

/** Every request, with what it asks for. Service type and client group are null in an unanswered draft. */
export const brokerageRequestFacts = pgView('brokerage_request_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  personId: integer().notNull(),
  serviceType: text(),
  clientGroup: text(),
  /** The district distance is measured from ("NR3"). */
  preferredOutcode: text(),
}).as(
  sql`select id, council_id, person_id, service_type, client_group, preferred_outcode
    from ${sourcingRequests}`,
)

/** Every change of a request's status, append-only: into `to_status` at `at`. */
export const brokerageStatusChanges = pgView('brokerage_status_changes', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  requestId: integer().notNull(),
  toStatus: text().notNull(),
  at: timestamp({ withTimezone: true }).notNull(),
}).as(sql`select id, council_id, request_id, to_status, at from ${requestEvents}`)

/** The home care visits a request asks for: each is a slot awarded on its own. */
export const brokerageVisitFacts = pgView('brokerage_visit_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  requestId: integer().notNull(),
  /** Days of the week ("mon" ... "sun"). */
  days: text().array().notNull(),
  durationMinutes: integer().notNull(),
  carers: integer().notNull(),
}).as(sql`select id, council_id, request_id, days, duration_minutes, carers from ${requestVisits}`)

/** When each slot of a request was filled: slot 0 is a whole placement, otherwise a visit's id. */
export const brokerageSlotFills = pgView('brokerage_slot_fills', {
  councilId: integer().notNull(),
  requestId: integer().notNull(),
  slot: integer().notNull(),
  filledAt: timestamp({ withTimezone: true }).notNull(),
}).as(
  sql`select s.council_id, s.request_id, s.slot, p.created_at as filled_at
    from ${awardedSlots} s join ${packages} p on p.id = s.package_id`,
)

/**
 * Every package of care an award made, but those the provider declined (they never start): active
 * from its start date until its end date (null while it goes on), awarded at `awarded_at`. Prices in pence; minutes a week for home care.
 */
export const brokeragePackageFacts = pgView('brokerage_package_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  requestId: integer().notNull(),
  personId: integer().notNull(),
  locationId: integer().notNull(),
  providerOrganisationId: integer().notNull(),
  serviceType: text().notNull(),
  startDate: date().notNull(),
  endDate: date(),
  awardedAt: timestamp({ withTimezone: true }).notNull(),
  minutesPerWeek: integer(),
  weeklyCostPence: integer().notNull(),
  agreedPricePence: integer().notNull(),
  /** The request's usual price when it was awarded; null when it had none. */
  usualPricePence: integer(),
}).as(
  sql`select id, council_id, request_id, person_id, location_id, provider_organisation_id, service_type,
      start_date, end_date, created_at as awarded_at, minutes_per_week, weekly_cost_pence,
      agreed_price_pence, usual_price_pence
    from ${packages}
    where confirmation <> 'declined'`,
)

/**
 * Every package of care the council commissions: those brokered through Caremarket and those of the
 * council's own book (imported from its case system), `source` telling them apart. A package the
 * book lists that Caremarket brokered (the same person reference, location and service type, over
 * overlapping dates) is counted once, as brokered. `person_key` counts people across both: the
 * case system's person reference where there is one, in any case. `recorded_at` is when an award
 * recorded a brokered package; null for the book's, whose past the case system records. Locality and
 * PCN area are where the person lives (a book's package: its postcode district's). Prices in pence;
 * minutes a week for home care.
 */
export const brokerageCarePackages = pgView('brokerage_care_packages', {
  source: text().$type<'brokered' | 'imported'>().notNull(),
  id: integer().notNull(),
  councilId: integer().notNull(),
  personKey: text().notNull(),
  locationId: integer().notNull(),
  providerOrganisationId: integer().notNull(),
  serviceType: text().notNull(),
  clientGroup: text(),
  startDate: date().notNull(),
  endDate: date(),
  recordedAt: timestamp({ withTimezone: true }),
  minutesPerWeek: integer(),
  weeklyCostPence: integer().notNull(),
  localityId: integer(),
  pcnAreaId: integer(),
}).as(
  sql`select 'brokered'::text as source, p.id, p.council_id,
      coalesce('ref:' || lower(p.person_ref), 'person:' || p.person_id) as person_key,
      p.location_id, p.provider_organisation_id, p.service_type, r.client_group, p.start_date, p.end_date,
      p.created_at as recorded_at, p.minutes_per_week, p.weekly_cost_pence, pe.locality_id, pe.pcn_area_id
    from ${packages} p
    join ${sourcingRequests} r on r.id = p.request_id
    join ${people} pe on pe.id = p.person_id
    where p.confirmation <> 'declined'
    union all
    select 'imported'::text, i.id, i.council_id, 'ref:' || lower(i.person_ref), i.location_id,
      i.provider_organisation_id, i.service_type, i.client_group, i.start_date, i.end_date,
      null::timestamptz, i.minutes_per_week, i.weekly_cost_pence, i.locality_id, i.pcn_area_id
    from ${importedPackages} i
    where not exists (
      select 1 from ${packages} b
      where b.council_id = i.council_id and lower(b.person_ref) = lower(i.person_ref)
        and b.location_id = i.location_id and b.service_type = i.service_type
        and b.start_date <= coalesce(i.end_date, 'infinity'::date)
        and coalesce(b.end_date, 'infinity'::date) >= i.start_date)`,
)

/** Every completed import of the council's book of packages. */
export const brokeragePackageImportFacts = pgView('brokerage_package_import_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  finishedAt: timestamp({ withTimezone: true }).notNull(),
}).as(sql`select id, council_id, finished_at from ${packageImports} where status = 'completed'`)

/** Every offer a request received, withdrawn and declined ones too. */
export const brokerageOfferFacts = pgView('brokerage_offer_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  requestId: integer().notNull(),
  madeAt: timestamp({ withTimezone: true }).notNull(),
}).as(sql`select id, council_id, request_id, created_at as made_at from ${offers}`)

/** Where each person lives, as the council's localities and PCN areas place them; null where unplaced. */
export const brokeragePersonFacts = pgView('brokerage_person_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  localityId: integer(),
  pcnAreaId: integer(),
}).as(sql`select id, council_id, locality_id, pcn_area_id from ${people}`)

/**
 * Every hand-back: a provider's notice that it will stop delivering a package, given at `given_at`,
 * with its reason and last day, the package's service type, place and care minutes a week (null
 * for a placement), and where the person lives. No names: the market counts them.
 */
export const brokerageHandBacks = pgView('brokerage_hand_backs', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  packageId: integer().notNull(),
  providerOrganisationId: integer().notNull(),
  locationId: integer().notNull(),
  serviceType: text().notNull(),
  reason: text().notNull(),
  lastDay: date().notNull(),
  givenAt: timestamp({ withTimezone: true }).notNull(),
  shortNotice: boolean().notNull(),
  minutesPerWeek: integer(),
  localityId: integer(),
}).as(
  sql`select h.id, h.council_id, h.package_id, h.provider_organisation_id, p.location_id, p.service_type,
      h.reason, h.last_day, h.created_at as given_at, h.short_notice_reason is not null as short_notice,
      p.minutes_per_week, pe.locality_id
    from ${packageHandBacks} h
    join ${packages} p on p.id = h.package_id
    join ${people} pe on pe.id = p.person_id`,
)
