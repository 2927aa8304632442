// Brokerage's reporting read model: the views through which other domains (the market's figures)
// read what brokerage records, never its tables. Their names and columns are the contract;
// brokerage may reshape its tables as long as the views keep their columns.
//
// Each is a plain projection (the slot fills one join, which every reader would make), so
// PostgreSQL inlines it into the reader's query and plans that as if it named the tables: the
// same indexes, the same plans. They carry ids, places and figures, never a person's name, date of
// birth or postcode: the Interim Care List's names come through histories.ts.
import { type SQL, sql } from 'drizzle-orm'
import { boolean, date, integer, pgView, text, timestamp } from 'drizzle-orm/pg-core'
import {
  awardedSlots,
  importedPackages,
  offers,
  packageHandBacks,
  packageImports,
  packagePriceChanges,
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

/** A package's weekly price today: its latest change in force, else its own price from its start. */
function priceToday(source: SQL, alias: SQL): SQL {
  return sql`coalesce((select c.weekly_cost_pence from ${packagePriceChanges} c
      where c.council_id = ${alias}.council_id and c.source = ${source} and c.package_id = ${alias}.id
        and c.effective_from <= current_date
      order by c.effective_from desc limit 1), ${alias}.weekly_cost_pence) as weekly_cost_pence`
}

/**
 * Every package of care the council commissions: those brokered through Caremarket and those of the
 * council's own book (imported from its case system), `source` telling them apart. A package the
 * book lists that Caremarket brokered (the same person reference, location and service type, over
 * overlapping dates) is counted once, as brokered. `person_key` counts people across both: the
 * case system's person reference where there is one, in any case. `recorded_at` is when an award
 * recorded a brokered package; null for the book's, whose past the case system records. Locality and
 * PCN area are where the person lives (a book's package: its postcode district's). Prices in pence;
 * minutes a week for home care. `weekly_cost_pence` is the price in force today (the database's
 * date): a figure for another date or period reads brokerage_package_prices instead.
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
      p.created_at as recorded_at, p.minutes_per_week, ${priceToday(sql`'brokered'`, sql`p`)}, pe.locality_id, pe.pcn_area_id
    from ${packages} p
    join ${sourcingRequests} r on r.id = p.request_id
    join ${people} pe on pe.id = p.person_id
    where p.confirmation <> 'declined'
    union all
    select 'imported'::text, i.id, i.council_id, 'ref:' || lower(i.person_ref), i.location_id,
      i.provider_organisation_id, i.service_type, i.client_group, i.start_date, i.end_date,
      null::timestamptz, i.minutes_per_week, ${priceToday(sql`'imported'`, sql`i`)}, i.locality_id, i.pcn_area_id
    from ${importedPackages} i
    where not exists (
      select 1 from ${packages} b
      where b.council_id = i.council_id and lower(b.person_ref) = lower(i.person_ref)
        and b.location_id = i.location_id and b.service_type = i.service_type
        and b.start_date <= coalesce(i.end_date, 'infinity'::date)
        and coalesce(b.end_date, 'infinity'::date) >= i.start_date)`,
)

/**
 * Each package's prices as periods: from `effective_from` to `effective_to` (both included; null
 * while it holds), one row a period, keyed by brokerage_care_packages' `source` and `id`. The first
 * period is the price at award or import, from the package's start; each price change starts the
 * next. The package's own end date still ends its last period. A figure for a date D reads the
 * period with effective_from <= D <= effective_to; a figure for a span splits it at the periods.
 */
export const brokeragePackagePrices = pgView('brokerage_package_prices', {
  source: text().$type<'brokered' | 'imported'>().notNull(),
  id: integer().notNull(),
  councilId: integer().notNull(),
  effectiveFrom: date().notNull(),
  effectiveTo: date(),
  weeklyCostPence: integer().notNull(),
}).as(
  // Partitioned by council, source and id, so a reader's filter on them is applied before the window.
  sql`select source, id, council_id, effective_from, effective_to, weekly_cost_pence
    from (
      select source, id, council_id, effective_from, weekly_cost_pence,
        (lead(effective_from) over (partition by council_id, source, id order by effective_from, rank)
          - 1) as effective_to
      from (
        select 'brokered'::text as source, p.id, p.council_id, p.start_date as effective_from,
          p.weekly_cost_pence, 0 as rank
        from ${packages} p where p.confirmation <> 'declined'
        union all
        select 'imported'::text, i.id, i.council_id, i.start_date, i.weekly_cost_pence, 0
        from ${importedPackages} i
        union all
        select c.source, c.package_id, c.council_id, c.effective_from, c.weekly_cost_pence, 1
        from ${packagePriceChanges} c
      ) prices
    ) periods
    -- A change from a package's first day replaces its first price: that period is empty.
    where effective_to is null or effective_to >= effective_from`,
)

/** Every change of a package's price (brokerage_package_prices' periods start at them), with what made it. */
export const brokeragePackagePriceChanges = pgView('brokerage_package_price_changes', {
  councilId: integer().notNull(),
  source: text().$type<'brokered' | 'imported'>().notNull(),
  id: integer().notNull(),
  effectiveFrom: date().notNull(),
  weeklyCostPence: integer().notNull(),
  previousWeeklyCostPence: integer().notNull(),
  reason: text().notNull(),
  changeRef: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
}).as(
  sql`select council_id, source, package_id as id, effective_from, weekly_cost_pence,
      previous_weekly_cost_pence, reason, change_ref, created_at
    from ${packagePriceChanges}`,
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
