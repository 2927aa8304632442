// The market's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import {
  checkEventPlace,
  eventDefaults,
  getMarketEvent,
  listMarketEvents,
  locationMarketEvents,
  marketEventsSummary,
  placeOptions,
  recordMarketEvent,
  updateMarketEvent,
  withdrawMarketEvent,
} from './events/service.ts'
import {
  failureResponsesSummary,
  getResponse,
  getResponseById,
  openAtRiskResponse,
  openResponse,
  resourceResponse,
  resourceResponseById,
  resourcingRequestsOfEvent,
  responseIdOfEvent,
  setCaseOutcomeById,
  setOneOffCostById,
} from './failures/service.ts'
import { iclAt, iclReport, snapshotsInPeriod, takeDueSnapshots } from './icl/service.ts'
import { insightsReport } from './insights/service.ts'
import {
  getNarrative,
  getSuppressionThreshold,
  keyData,
  narrativeDates,
  publicCouncil,
  saveNarrative,
  updateMarketSettings,
} from './mps/service.ts'
import { marketQueue, recordMarketEventsVisit } from './queue.ts'
import { type MarketReportSources, marketReport } from './report/service.ts'
import {
  getSufficiencyThresholds,
  sufficiencyMatrix,
  updateSufficiencyThresholds,
} from './sufficiency/service.ts'

export interface MarketDependencies {
  db: Database
  /** What the committee report reads of other domains (the fees domain's cost of care). */
  reportSources?: MarketReportSources
}

export function createMarketServices({ db, reportSources = {} }: MarketDependencies) {
  return {
    icl: bindDatabase(db, { iclReport, iclAt, snapshotsInPeriod, takeDueSnapshots }),
    insights: bindDatabase(db, { insightsReport }),
    marketEvents: bindDatabase(db, {
      checkEventPlace,
      listMarketEvents,
      getMarketEvent,
      eventDefaults,
      placeOptions,
      recordMarketEvent,
      updateMarketEvent,
      withdrawMarketEvent,
      marketEventsSummary,
      locationMarketEvents,
      recordMarketEventsVisit,
    }),
    /** What is waiting for each role in the market, for their home page. */
    marketQueue: bindDatabase(db, { marketQueue }),

    failures: bindDatabase(db, {
      openResponse,
      openAtRiskResponse,
      resourceResponse,
      resourceResponseById,
      getResponse,
      getResponseById,
      responseIdOfEvent,
      resourcingRequestsOfEvent,
      setCaseOutcomeById,
      setOneOffCostById,
      failureResponsesSummary,
    }),
    mps: bindDatabase(db, {
      publicCouncil,
      getSuppressionThreshold,
      updateMarketSettings,
      getNarrative,
      narrativeDates,
      saveNarrative,
      keyData,
    }),
    sufficiency: bindDatabase(db, {
      getSufficiencyThresholds,
      updateSufficiencyThresholds,
      sufficiencyMatrix,
    }),
    marketReport: {
      marketReport: (council: { id: number; code: string; name: string }, input: unknown, now?: Date) =>
        marketReport(db, council, input, now, reportSources),
    },
  }
}

export type MarketServices = ReturnType<typeof createMarketServices>
