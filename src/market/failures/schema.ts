import { sql } from 'drizzle-orm'
import {
  bigint,
  check,
  date,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { councilKey } from '../../accounts/keys.ts'
import { personKey, requestKey } from '../../brokerage/keys.ts'
import { locationKey, providerOrganisationKey } from '../../providers/keys.ts'
import { marketEvents } from '../events/schema.ts'

/**
 * The council's response to a provider failure (Care Act 2014, ss. 48–52): for a market event
 * (closure, exit, deregistration) or a provider at risk, the people whose care must be re-sourced and
 * the last day of their care. One per event: opening it again returns this one.
 */
export const failureResponses = pgTable(
  'failure_responses',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    /** Null for a provider at risk, before anything has happened. */
    marketEventId: integer().references(() => marketEvents.id),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    /** Null when the whole provider is failing (an exit, or a provider at risk). */
    locationId: integer().references(locationKey),
    /** The last day the failing provider gives care; re-sourced care starts the day after. */
    lastDay: date().notNull(),
    /** The day the council had notice: the day the response was opened. */
    noticeOn: date().notNull(),
    /** One-off costs entered (moving, temporary staff, ...), in pence. */
    oneOffCostPence: bigint({ mode: 'number' }).notNull().default(0),
    /** The extra cost as last computed from the cases (see rules.ts), in pence. */
    extraCostPence: bigint({ mode: 'number' }).notNull().default(0),
    openedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    openedBy: text().notNull(),
  },
  (t) => [
    uniqueIndex('failure_responses_one_per_event')
      .on(t.marketEventId)
      .where(sql`${t.marketEventId} is not null`),
    // A provider (or one location of it) at risk has one response at a time.
    uniqueIndex('failure_responses_one_per_place_at_risk')
      .on(t.councilId, t.providerOrganisationId, sql`coalesce(${t.locationId}, 0)`)
      .where(sql`${t.marketEventId} is null`),
    index().on(t.councilId, t.openedAt),
    check('failure_responses_costs_non_negative', sql`${t.oneOffCostPence} >= 0`),
  ],
)

/**
 * A person whose care a failure response re-sources: their packages at the failing provider as they
 * stood when it was opened, the re-sourcing request made for them (at most one, ever), and what
 * happened to them when it was not a re-placement. One per person per response.
 */
export const failureCases = pgTable(
  'failure_cases',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    responseId: integer()
      .notNull()
      .references(() => failureResponses.id),
    /** brokerage_care_packages' person_key: one person across brokered packages and the book. */
    personKey: text().notNull(),
    /** The person Caremarket holds; null for a person known only from the council's own book. */
    personId: integer().references(personKey),
    /** Their brokered packages there (whose needs and visits a re-sourcing request copies). */
    packageIds: integer().array().notNull().default(sql`'{}'`),
    /** Their packages in the council's own book there. */
    importedPackageIds: integer().array().notNull().default(sql`'{}'`),
    locationId: integer().notNull().references(locationKey),
    serviceType: text().notNull(),
    /** Home care a week, in minutes; null for a bed. */
    minutesPerWeek: integer(),
    weeklyCostPence: integer().notNull(),
    funding: text().notNull(),
    /** The re-sourcing request: made exactly once. */
    requestId: integer().references(requestKey),
    resourcedAt: timestamp({ withTimezone: true }),
    /** What happened instead of (or before) a re-placement, as the broker records it. */
    outcome: text(),
    outcomeNote: text().notNull().default(''),
    outcomeAt: timestamp({ withTimezone: true }),
    outcomeBy: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('failure_cases_one_per_person').on(t.responseId, t.personKey),
    uniqueIndex('failure_cases_one_per_request').on(t.requestId).where(sql`${t.requestId} is not null`),
    index().on(t.councilId, t.responseId),
    check(
      'failure_cases_outcome_valid',
      sql`${t.outcome} is null or ${t.outcome} in ('moved_elsewhere', 'self_arranged', 'in_hospital', 'died')`,
    ),
  ],
)
