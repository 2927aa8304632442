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
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { councilKey } from '../../accounts/keys.ts'
import { cqcImportKey, locationKey, providerOrganisationKey } from '../../providers/keys.ts'

/**
 * A change in the market's supply: a provider exit, a location's closure or deregistration, a new
 * service opening, or a change in its capacity, with the beds, home care hours and people it
 * touched and what the failure cost the council. Withdrawing one (recorded in error, or a location
 * back on the register) sets withdrawn_at; rows are never deleted.
 */
export const marketEvents = pgTable(
  'market_events',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    kind: text().notNull(),
    providerOrganisationId: integer().notNull().references(providerOrganisationKey),
    /** Null for a provider exit, which covers every location of the provider. */
    locationId: integer().references(locationKey),
    occurredOn: date().notNull(),
    bedsLost: integer().notNull().default(0),
    bedsGained: integer().notNull().default(0),
    /** Home care a week, as minutes like the rest of the platform. */
    homeCareMinutesLost: integer().notNull().default(0),
    homeCareMinutesGained: integer().notNull().default(0),
    peopleAffected: integer().notNull().default(0),
    /** The people Caremarket counted with a package there on the date, when the event was recorded. */
    peopleCounted: integer(),
    /** Null until the cost is known, often months later. */
    extraCostPence: bigint({ mode: 'number' }),
    notes: text().notNull().default(''),
    source: text().notNull().default('manual'),
    cqcImportId: integer().references(cqcImportKey),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    recordedBy: text().notNull(),
    updatedAt: timestamp({ withTimezone: true }),
    updatedBy: text(),
    withdrawnAt: timestamp({ withTimezone: true }),
    withdrawnBy: text(),
    withdrawReason: text(),
  },
  (t) => [
    index().on(t.councilId, t.occurredOn),
    index().on(t.councilId, t.locationId),
    // An import records at most one event per location: a retried or repeated import cannot double one.
    uniqueIndex('market_events_one_per_import_location')
      .on(t.cqcImportId, t.locationId)
      .where(sql`${t.cqcImportId} is not null`),
    check(
      'market_events_kind_valid',
      sql`${t.kind} in ('provider_exit', 'closure', 'deregistration', 'opening', 'capacity_change')`,
    ),
    check(
      'market_events_exit_has_no_location',
      sql`(${t.kind} = 'provider_exit') = (${t.locationId} is null)`,
    ),
    check(
      'market_events_figures_non_negative',
      sql`${t.bedsLost} >= 0 and ${t.bedsGained} >= 0 and ${t.homeCareMinutesLost} >= 0
        and ${t.homeCareMinutesGained} >= 0 and ${t.peopleAffected} >= 0
        and (${t.peopleCounted} is null or ${t.peopleCounted} >= 0)
        and (${t.extraCostPence} is null or ${t.extraCostPence} >= 0)`,
    ),
    check('market_events_source_valid', sql`${t.source} in ('manual', 'cqc_import')`),
    check('market_events_import_source', sql`(${t.source} = 'cqc_import') = (${t.cqcImportId} is not null)`),
  ],
)
