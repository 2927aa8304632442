import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core'
import { councils } from '../accounts/schema.ts'
import { localities, pcnAreas } from '../geography/schema.ts'

/** A registered provider (CQC provider ID) as known to one council. */
export const providerOrganisations = pgTable(
  'provider_organisations',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    cqcProviderId: text().notNull(),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.councilId, t.cqcProviderId)],
)

/** A regulated location (care home, home care office, ...) of a provider organisation. */
export const locations = pgTable(
  'locations',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
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
    active: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique().on(t.councilId, t.cqcLocationId),
    index().on(t.councilId, t.providerOrganisationId),
    check(
      'locations_cqc_rating_valid',
      sql`${t.cqcRating} is null or ${t.cqcRating} in ('Outstanding', 'Good', 'Requires improvement', 'Inadequate')`,
    ),
    check('locations_beds_non_negative', sql`${t.registeredBeds} is null or ${t.registeredBeds} >= 0`),
  ],
)
