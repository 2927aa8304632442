// The fees domain's services as the registry hands them out: each closes over the database.
import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import {
  costOfCareSummary,
  getReturn,
  importReturns,
  listReturns,
  returnLocations,
  submitReturn,
  submitReturnText,
} from './costs/service.ts'
import {
  addRate,
  endRate,
  exportRates,
  importRates,
  listRates,
  ratesAt,
  usualPriceAt,
} from './rates/service.ts'
import { createUpliftsService } from './uplifts/service.ts'

export function createFeesServices({ db }: { db: Database }) {
  return {
    feeRates: bindDatabase(db, {
      listRates,
      ratesAt,
      usualPriceAt,
      addRate,
      endRate,
      importRates,
      exportRates,
    }),
    uplifts: createUpliftsService(db),
    costReturns: bindDatabase(db, {
      returnLocations,
      listReturns,
      getReturn,
      submitReturn,
      submitReturnText,
      importReturns,
    }),
    /** The cost of care for a year: quartiles per sector, suppressed when few, and the gap to fees paid. */
    costOfCare: bindDatabase(db, { costOfCareSummary }),
  }
}

export type FeesServices = ReturnType<typeof createFeesServices>
