// Brokerage's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { areaChoices } from '../geography/service.ts'
import { confirmAllocation, proposeAllocation } from './allocation/service.ts'
import { startDueRequests } from './care-starts.ts'
import { closeDueRequests } from './deadlines.ts'
import { eligibilityOverview, explainEligibility, listDecisions } from './invitations.ts'
import { award, evaluateOffers, markUnsourced } from './offers/award.ts'
import { handBackOf, handBackPackage, providerHandBackOf, resourceHandBack } from './offers/hand-backs.ts'

import { awardsAwaitingProvider, confirmPackage, declinePackage } from './offers/handover.ts'
import { packageFilterChoices } from './offers/package-search.ts'
import {
  endPackage,
  getPackage,
  listPackages,
  listProviderPackages,
  packageAgreement,
  viewProviderPackage,
} from './offers/packages.ts'
import {
  getOpportunity,
  getOwnOffer,
  listOpportunities,
  listOwnOffers,
  makeOffer,
  reviseOffer,
  withdrawOffer,
} from './offers/service.ts'
import { markMessagesRead, organisationInbox } from './offers/store.ts'
import { importPackages } from './package-imports/service.ts'
import { getPackageImport, listPackageImports } from './package-imports/store.ts'
import { brokerageQueue, recordOpportunitiesVisit } from './queue.ts'
import {
  addDraftVisit,
  assignableBrokers,
  assignRequest,
  brokerEmails,
  cancel,
  changeRequest,
  closeRequest,
  createRequest,
  exportRequests,
  getRequest,
  listRequestEvents,
  listRequests,
  previewPublication,
  publish,
  removeDraftVisit,
  republish,
  requestLotChoices,
  returnToSocialWorker,
  saveDraftPage,
  setReferences,
  startDraft,
  submit,
  teamChoices,
  teamNameOf,
  wizardContext,
} from './requests/service.ts'
import { getUsualPrice, setUsualPrice } from './requests/usual-price.ts'
import {
  addBankHoliday,
  getBrokerageSettings,
  listBankHolidays,
  removeBankHoliday,
  updateBrokerageSettings,
} from './settings/service.ts'

export interface BrokerageDependencies {
  db: Database
}

export function createBrokerageServices({ db }: BrokerageDependencies) {
  return {
    usualPrice: bindDatabase(db, { getUsualPrice, setUsualPrice }),
    requests: bindDatabase(db, {
      listRequests,
      exportRequests,
      requestFilterChoices: areaChoices,
      listRequestEvents,
      getRequest,
      createRequest,
      startDraft,
      saveDraftPage,
      addDraftVisit,
      removeDraftVisit,
      wizardContext,
      requestLotChoices,
      submit,
      previewPublication,
      publish,
      closeRequest,
      cancel,
      changeRequest,
      returnToSocialWorker,
      republish,
      setReferences,
      assignRequest,
      assignableBrokers,
      brokerEmails,
      teamChoices,
      teamNameOf,
    }),
    offers: bindDatabase(db, {
      listOpportunities,
      getOpportunity,
      listOwnOffers,
      getOwnOffer,
      makeOffer,
      reviseOffer,
      withdrawOffer,
      organisationInbox,
      markMessagesRead,
      recordOpportunitiesVisit,
      evaluateOffers,
      award,
      markUnsourced,
      listPackages,
      packageFilterChoices,
      getPackage,
      endPackage,
      listProviderPackages,
      viewProviderPackage,
      handBackPackage,
      handBackOf,
      providerHandBackOf,
      resourceHandBack,

      confirmPackage,
      declinePackage,
      packageAgreement,
      awardsAwaitingProvider,
      eligibilityOverview,
      explainEligibility,
      listDecisions,
    }),
    /** What is waiting for each role, for their home page. */
    brokerageQueue: bindDatabase(db, { brokerageQueue }),
    /** The council's own book of packages, loaded from its case or finance system. */
    packageImports: bindDatabase(db, { importPackages, getPackageImport, listPackageImports }),
    brokerageSettings: bindDatabase(db, {
      getBrokerageSettings,
      updateBrokerageSettings,
      listBankHolidays,
      addBankHoliday,
      removeBankHoliday,
    }),
    /** The allocation optimiser: who goes where when many people must be placed at once. */
    allocation: bindDatabase(db, { proposeAllocation, confirmAllocation }),
    /** What time drives: closing requests at their deadline, starting them when care starts. */
    timedTransitions: bindDatabase(db, { closeDueRequests, startDueRequests }),
  }
}

export type BrokerageServices = ReturnType<typeof createBrokerageServices>
