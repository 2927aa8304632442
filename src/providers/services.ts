// The register's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { areaChoices } from '../geography/service.ts'
import {
  capacitySummary,
  getProviderCapacity,
  recordCapacity,
  remindAllStaleProviders,
  remindStaleProviders,
} from './capacity/service.ts'
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
import { searchRegister } from './register-search.ts'
import { findOrganisationByCqcId, getLocation, getOrganisation, setLocationCoordinates } from './service.ts'

export interface ProvidersDependencies {
  db: Database
}

export function createProvidersServices({ db }: ProvidersDependencies) {
  return {
    register: bindDatabase(db, {
      findOrganisationByCqcId,
      getOrganisation,
      searchRegister,
      registerFilterChoices: areaChoices,
      getLocation,
      setLocationCoordinates,
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
    capacityReminders: bindDatabase(db, { remindStaleProviders, remindAllStaleProviders }),
    openReferral: bindDatabase(db, { feedCouncil, listServices, getService }),
  }
}

export type ProvidersServices = ReturnType<typeof createProvidersServices>
