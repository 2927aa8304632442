// The keys of the register's rows that other domains' tables may hold as foreign keys (see
// src/accounts/keys.ts for why keys are published this way).
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { cqcImports, locations, providerOrganisations } from './schema.ts'

export function providerOrganisationKey(): AnyPgColumn {
  return providerOrganisations.id
}

export function locationKey(): AnyPgColumn {
  return locations.id
}

export function cqcImportKey(): AnyPgColumn {
  return cqcImports.id
}
