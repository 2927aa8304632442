import type { AccessRule } from './types.ts'

const READERS: AccessRule['allowed'] = ['commissioner', 'council_admin']
const SCENARIO = `?scenario=${encodeURIComponent('{"default":5}')}`

/** Uplift modelling: commissioners and council administrators, in their own council's book. */
export const feesUpliftsRules: AccessRule[] = [
  { route: 'GET /fees/uplifts', allowed: READERS },
  { route: 'GET /fees/uplifts/:year', allowed: READERS, url: () => `/fees/uplifts/2027${SCENARIO}` },
  {
    route: 'GET /api/v1/fees/uplifts/:year',
    allowed: READERS,
    url: () => `/api/v1/fees/uplifts/2027${SCENARIO}`,
  },
]
