// The register's reporting read model: the views through which other domains (the market's
// figures and events) read the provider register, never its tables. Their names and columns are
// the contract; providers may reshape their tables as long as the views keep their columns. Each is
// a plain projection of one table, which PostgreSQL inlines into the reader's query.
import { sql } from 'drizzle-orm'
import { boolean, integer, pgView, text, timestamp } from 'drizzle-orm/pg-core'
import { cqcImports, locations, providerOrganisations } from '../schema.ts'

/** Every location of the register, active or not, with what the market counts of it. */
export const providersLocationFacts = pgView('providers_location_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  providerOrganisationId: integer().notNull(),
  name: text().notNull(),
  postcode: text(),
  registeredBeds: integer(),
  /** The register's vocabulary (src/providers/vocabulary.ts). */
  serviceTypes: text().array().notNull(),
  specialisms: text().array().notNull(),
  clientGroups: text().array().notNull(),
  localityId: integer(),
  pcnAreaId: integer(),
  active: boolean().notNull(),
  /** When an import found it gone from the register; null while active. */
  deactivatedAt: timestamp({ withTimezone: true }),
}).as(
  sql`select id, council_id, provider_organisation_id, name, postcode, registered_beds, service_types,
      specialisms, client_groups, locality_id, pcn_area_id, active, deactivated_at
    from ${locations}`,
)

/** Every provider organisation of the register. */
export const providersOrganisationFacts = pgView('providers_organisation_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  name: text().notNull(),
}).as(sql`select id, council_id, name from ${providerOrganisations}`)

/** Every import of the CQC register file: running, completed or failed. */
export const providersImportFacts = pgView('providers_import_facts', {
  id: integer().notNull(),
  councilId: integer().notNull(),
  fileName: text().notNull(),
  status: text().notNull(),
  finishedAt: timestamp({ withTimezone: true }),
}).as(sql`select id, council_id, file_name, status, finished_at from ${cqcImports}`)
