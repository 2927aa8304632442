import { boolean, doublePrecision, index, integer, pgTable, text, unique } from 'drizzle-orm/pg-core'
import { councilKey } from '../accounts/keys.ts'

/** A council's operational areas, e.g. Norfolk's North, South, West, East and Norwich. */
export const localities = pgTable(
  'localities',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    name: text().notNull(),
  },
  (t) => [unique().on(t.councilId, t.name)],
)

/** Primary Care Network areas, each within one locality. */
export const pcnAreas = pgTable(
  'pcn_areas',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer().notNull().references(councilKey),
    localityId: integer()
      .notNull()
      .references(() => localities.id),
    name: text().notNull(),
  },
  (t) => [unique().on(t.councilId, t.name), index().on(t.localityId)],
)

/** Postcode district (outcode) centroids: national reference data, not tenant-owned. */
export const outcodes = pgTable('outcodes', {
  outcode: text().primaryKey(),
  latitude: doublePrecision().notNull(),
  longitude: doublePrecision().notNull(),
})

/** Full postcode centroids: national reference data, not tenant-owned. */
export const postcodes = pgTable('postcodes', {
  postcode: text().primaryKey(),
  latitude: doublePrecision().notNull(),
  longitude: doublePrecision().notNull(),
})

/** Which locality and PCN area each postcode district of a council falls in. */
export const councilDistricts = pgTable(
  'council_districts',
  {
    councilId: integer().notNull().references(councilKey),
    outcode: text().notNull(),
    localityId: integer()
      .notNull()
      .references(() => localities.id),
    pcnAreaId: integer().references(() => pcnAreas.id),
    rural: boolean().notNull(),
  },
  (t) => [unique().on(t.councilId, t.outcode)],
)
