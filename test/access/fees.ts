import { addRate } from '../../src/fees/rates/service.ts'
import type { AccessRule } from './types.ts'

const EDITORS = ['council_admin', 'commissioner'] as const
const READERS = ['council_admin', 'commissioner', 'broker'] as const

let year = 2100
/** A rate of its own for each check, far in the future, so each role finds one to end. */
async function rateToEnd({ database, home }: Parameters<NonNullable<AccessRule['url']>>[0]): Promise<string> {
  const year_ = year++
  const rate = await addRate(
    database.db,
    home.councilId,
    {
      serviceType: 'residential',
      clientGroup: 'older_people',
      band: 'standard',
      locality: '',
      price: '900',
      effectiveFrom: `${year_}-04-01`,
      effectiveTo: `${year_}-04-30`,
    },
    { kind: 'system', label: 'access matrix' },
  )
  return `/admin/fees/${rate.id}/end`
}

export const feesRules: AccessRule[] = [
  { route: 'GET /admin/fees', allowed: [...READERS] },
  { route: 'POST /admin/fees', allowed: [...EDITORS] },
  { route: 'POST /admin/fees/:rateId/end', allowed: [...EDITORS], url: rateToEnd },
  { route: 'POST /admin/fees/import', allowed: [...EDITORS] },
  { route: 'GET /admin/fees/rates.csv', allowed: [...READERS] },
  { route: 'GET /api/v1/fees/rates', allowed: [...READERS] },
  { route: 'POST /api/v1/fees/rates/imports', allowed: [...EDITORS] },
]
