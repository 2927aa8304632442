import type { AccessRule } from './types.ts'

const READERS: AccessRule['allowed'] = ['commissioner', 'council_admin']

/** Cost returns: provider users, for their own organisation's locations; the cost of care: commissioners. */
export const feesCostsRules: AccessRule[] = [
  { route: 'GET /provider/cost-returns', allowed: ['provider_user'] },
  { route: 'GET /provider/cost-returns/new', allowed: ['provider_user'] },
  { route: 'POST /provider/cost-returns', allowed: ['provider_user'] },
  { route: 'POST /provider/cost-returns/import', allowed: ['provider_user'] },
  { route: 'GET /provider/cost-returns/template.csv', allowed: ['provider_user'] },
  { route: 'POST /api/v1/provider/cost-returns', allowed: ['provider_user'] },
  { route: 'POST /api/v1/provider/cost-returns/imports', allowed: ['provider_user'] },
  { route: 'GET /fees/cost-of-care', allowed: READERS },
  { route: 'GET /fees/cost-of-care/:year', allowed: READERS, url: () => '/fees/cost-of-care/2026' },
  {
    route: 'GET /fees/cost-of-care/:year/cost-of-care.csv',
    allowed: READERS,
    url: () => '/fees/cost-of-care/2026/cost-of-care.csv',
  },
  {
    route: 'GET /api/v1/fees/cost-of-care/:year',
    allowed: READERS,
    url: () => '/api/v1/fees/cost-of-care/2026',
  },
]
