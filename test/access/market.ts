import type { AccessRule } from './types.ts'

const EDITORS: AccessRule['allowed'] = ['commissioner', 'council_admin']

export const marketRules: AccessRule[] = [
  { route: 'GET /icl', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /icl.csv', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /api/v1/icl', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /api/v1/icl/snapshots', allowed: ['broker', 'commissioner', 'council_admin'] },
  {
    route: 'GET /councils/:code/market-position',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position`,
  },
  {
    route: 'GET /councils/:code/market-position/:sector',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position/home-care`,
  },
  {
    route: 'GET /councils/:code/market-position/:sector/key-data.csv',
    allowed: 'public',
    url: ({ home }) => `/councils/${home.code}/market-position/home-care/key-data.csv`,
  },
  { route: 'GET /market-position', allowed: EDITORS },
  {
    route: 'GET /market-position/:sector/edit',
    allowed: EDITORS,
    url: () => '/market-position/home-care/edit',
  },
  {
    route: 'POST /market-position/:sector/edit',
    allowed: EDITORS,
    url: () => '/market-position/home-care/edit',
  },
  { route: 'GET /admin/market-position', allowed: ['council_admin'] },
  { route: 'GET /insights', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /insights/report.html', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'POST /admin/market-position', allowed: ['council_admin'] },
  { route: 'GET /sufficiency', allowed: EDITORS },
  { route: 'GET /admin/sufficiency', allowed: ['council_admin'] },
  { route: 'POST /admin/sufficiency', allowed: ['council_admin'] },
]
