// The demo council's rate book: three financial years of usual prices for every service type,
// client group and band, and a supplement for home care in the first locality, which has its own rate.
import { REQUEST_SERVICE_TYPES } from '../brokerage/rules/vocabulary.ts'
import { BANDS } from '../fees/rates/rules.ts'
import type { feeRates } from '../fees/rates/schema.ts'
import { CLIENT_GROUPS } from '../providers/vocabulary.ts'
import { USUAL_PRICE_POUNDS } from '../simulator/simulate.ts'

const BAND_FACTOR = { standard: 1, enhanced: 1.15, complex: 1.35 } as const
const CLIENT_GROUP_FACTOR = { older_people: 1, younger_adults: 1.08 } as const
/** 2025/26, 2026/27 (the prices the demo's requests were given) and 2027/28, open-ended. */
const YEARS = [
  { from: '2025-04-01', to: '2026-03-31', factor: 0.95 },
  { from: '2026-04-01', to: '2027-03-31', factor: 1 },
  { from: '2027-04-01', to: null, factor: 1.05 },
] as const

export function demoRateBook(
  councilId: number,
  ruralLocalityId: number | null,
): (typeof feeRates.$inferInsert)[] {
  const rows: (typeof feeRates.$inferInsert)[] = []
  for (const year of YEARS)
    for (const serviceType of REQUEST_SERVICE_TYPES)
      for (const clientGroup of CLIENT_GROUPS)
        for (const band of BANDS) {
          const pounds =
            USUAL_PRICE_POUNDS[serviceType] *
            BAND_FACTOR[band] *
            CLIENT_GROUP_FACTOR[clientGroup] *
            year.factor
          const common = {
            councilId,
            serviceType,
            clientGroup,
            band,
            effectiveFrom: year.from,
            effectiveTo: year.to,
          }
          rows.push({ ...common, localityId: null, pricePence: Math.round(pounds * 100) })
          if (serviceType === 'home_care' && ruralLocalityId !== null)
            rows.push({ ...common, localityId: ruralLocalityId, pricePence: Math.round(pounds * 100) + 150 })
        }
  return rows
}
