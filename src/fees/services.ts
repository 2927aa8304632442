// The fees domain's services as the registry hands them out: each closes over the database.
import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
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
  }
}

export type FeesServices = ReturnType<typeof createFeesServices>
