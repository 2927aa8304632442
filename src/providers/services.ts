// The register's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { remindAllStaleProviders, remindStaleProviders } from './capacity/service.ts'
import {
  failAbandonedImports,
  getCqcImport,
  importCqcFile,
  listCqcImports,
  startCqcImport,
} from './cqc/import.ts'
import { findOrganisationByCqcId, getLocation, getOrganisation, listLocations } from './service.ts'

export interface ProvidersDependencies {
  db: Database
}

export function createProvidersServices({ db }: ProvidersDependencies) {
  return {
    register: bindDatabase(db, { findOrganisationByCqcId, getOrganisation, listLocations, getLocation }),
    cqcImports: bindDatabase(db, {
      importCqcFile,
      startCqcImport,
      getCqcImport,
      listCqcImports,
      failAbandonedImports,
    }),
    capacityReminders: bindDatabase(db, { remindStaleProviders, remindAllStaleProviders }),
  }
}

export type ProvidersServices = ReturnType<typeof createProvidersServices>
