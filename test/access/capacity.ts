import { type AccessRule, STAFF } from './types.ts'

export const capacityRules: AccessRule[] = [
  { route: 'GET /provider/capacity', allowed: ['provider_user'] },
  { route: 'POST /provider/capacity', allowed: ['provider_user'] },
  { route: 'GET /provider/capacity/upload', allowed: ['provider_user'] },
  { route: 'POST /provider/capacity/upload', allowed: ['provider_user'] },
  { route: 'GET /provider/capacity/templates/beds.csv', allowed: ['provider_user'] },
  { route: 'GET /provider/capacity/templates/home-care.csv', allowed: ['provider_user'] },
  { route: 'GET /api/v1/capacity', allowed: ['provider_user'] },
  { route: 'POST /api/v1/capacity', allowed: ['provider_user'] },
  { route: 'GET /capacity', allowed: STAFF },
  { route: 'GET /api/v1/capacity/summary', allowed: STAFF },
]
