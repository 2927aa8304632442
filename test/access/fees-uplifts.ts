import { ConflictError } from '../../src/errors.ts'
import { createUpliftApplyService } from '../../src/fees/uplifts/apply.ts'
import type { AccessRule, MatrixContext } from './types.ts'

const READERS: AccessRule['allowed'] = ['commissioner', 'council_admin']
const SCENARIO = `?scenario=${encodeURIComponent('{"default":5}')}`
/** A year far off, whose uplift the matrix applies once so its application can be read. */
const APPLIED_YEAR = 2090

async function appliedYear({ database, home }: MatrixContext): Promise<number> {
  try {
    await createUpliftApplyService(database.db).applyUplift(
      home.councilId,
      APPLIED_YEAR,
      { default: 1 },
      { kind: 'system', label: 'test' },
    )
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error
  }
  return APPLIED_YEAR
}

/** Uplift modelling and applying: commissioners and council administrators, in their own council's book. */
export const feesUpliftsRules: AccessRule[] = [
  { route: 'GET /fees/uplifts', allowed: READERS },
  { route: 'GET /fees/uplifts/:year', allowed: READERS, url: () => `/fees/uplifts/2027${SCENARIO}` },
  {
    route: 'GET /api/v1/fees/uplifts/:year',
    allowed: READERS,
    url: () => `/api/v1/fees/uplifts/2027${SCENARIO}`,
  },
  // Without a scenario (the matrix posts an empty body): refused as bad input, never applied.
  { route: 'POST /fees/uplifts/:year/apply', allowed: READERS, url: () => '/fees/uplifts/2027/apply' },
  {
    route: 'POST /api/v1/fees/uplifts/:year/apply',
    allowed: READERS,
    url: () => '/api/v1/fees/uplifts/2027/apply',
  },
  {
    route: 'GET /fees/uplifts/:year/application',
    allowed: READERS,
    url: async (c) => `/fees/uplifts/${await appliedYear(c)}/application`,
  },
  {
    route: 'GET /fees/uplifts/:year/application.csv',
    allowed: READERS,
    url: async (c) => `/fees/uplifts/${await appliedYear(c)}/application.csv`,
  },
  {
    route: 'GET /api/v1/fees/uplifts/:year/application',
    allowed: READERS,
    url: async (c) => `/api/v1/fees/uplifts/${await appliedYear(c)}/application`,
  },
]
