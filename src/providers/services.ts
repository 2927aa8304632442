// The register's services as the registry hands them out: each closes over the database.

import type { Config } from '../config.ts'
import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { areaChoices } from '../geography/service.ts'
import {
  addAccreditedService,
  getAccreditationImport,
  importAccreditedServices,
  locationAccreditation,
} from './accredited/service.ts'
import {
  capacitySummary,
  getProviderCapacity,
  recordCapacity,
  remindAllStaleProviders,
  remindStaleProviders,
} from './capacity/service.ts'
import { importCqcApiChanges, startDueCqcApiImports } from './cqc/api-import.ts'
import {
  failAbandonedImports,
  getCqcImport,
  importCqcFile,
  listCqcImports,
  startCqcImport,
} from './cqc/import.ts'
import {
  admittedLocations,
  applicationChoices,
  apply,
  createLot,
  decide,
  getLot,
  getMembership,
  listLots,
  listMemberships,
  listOpenLots,
  providerMemberships,
} from './frameworks/service.ts'
import { feedCouncil, getService, listServices } from './openreferral/service.ts'
import {
  addContact,
  getLocationProfile,
  getProviderProfile,
  removeContact,
  updateLocationProfile,
} from './profile/service.ts'
import {
  getRestriction,
  liftRestriction,
  locationQuality,
  placeRestriction,
  recordPammsAudit,
  restrictionRegister,
} from './quality/service.ts'
import { providersQueue } from './queue.ts'
import { searchRegister } from './register-search.ts'
import {
  findOrganisationByCqcId,
  getLocation,
  getOrganisation,
  listLocations,
  setLocationCoordinates,
} from './service.ts'
export interface ProvidersDependencies {
  db: Database
  /** Where CQC's API is and the councils' subscription keys, for the daily import from it. */
  config: Pick<Config, 'cqcApi'>
}

export function createProvidersServices({ db, config }: ProvidersDependencies) {
  return {
    register: bindDatabase(db, {
      findOrganisationByCqcId,
      getOrganisation,
      listLocations,
      searchRegister,
      registerFilterChoices: areaChoices,
      getLocation,
      setLocationCoordinates,
    }),
    accredited: bindDatabase(db, {
      addAccreditedService,
      importAccreditedServices,
      getAccreditationImport,
      locationAccreditation,
    }),
    quality: bindDatabase(db, {
      locationQuality,
      recordPammsAudit,
      placeRestriction,
      liftRestriction,
      getRestriction,
      restrictionRegister,
    }),
    frameworks: bindDatabase(db, {
      createLot,
      getLot,
      listLots,
      listOpenLots,
      listMemberships,
      getMembership,
      providerMemberships,
      admittedLocations,
      applicationChoices,
      apply,
      decide,
    }),
    capacity: bindDatabase(db, { getProviderCapacity, recordCapacity, capacitySummary }),
    /** What is waiting for providers and commissioners on the register, for their home page. */
    providersQueue: bindDatabase(db, { providersQueue }),
    profile: bindDatabase(db, {
      getProviderProfile,
      getLocationProfile,
      addContact,
      removeContact,
      updateLocationProfile,
    }),
    cqcImports: bindDatabase(db, {
      importCqcFile,
      startCqcImport,
      getCqcImport,
      listCqcImports,
      failAbandonedImports,
    }),
    cqcApiImports: {
      ...bindDatabase(db, { importCqcApiChanges }),
      /** The daily job: starts each due council's run, over the configured API and keys. */
      startDue: (now: Date) => startDueCqcApiImports(db, { config, now }),
    },
    capacityReminders: bindDatabase(db, { remindStaleProviders, remindAllStaleProviders }),
    openReferral: bindDatabase(db, { feedCouncil, listServices, getService }),
  }
}

export type ProvidersServices = ReturnType<typeof createProvidersServices>
