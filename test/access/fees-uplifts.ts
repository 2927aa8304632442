import { ConflictError } from '../../src/errors.ts'
import { createUpliftApplyService } from '../../src/fees/uplifts/apply.ts'
import { saveScenario } from '../../src/fees/uplifts/scenarios.ts'
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

let year = 2060
/** A saved scenario of its own for each check, each in a year of its own, so each role finds one to change or delete. */
async function savedScenario({ database, home }: MatrixContext, then = ''): Promise<string> {
  const year_ = year++
  const saved = await saveScenario(
    database.db,
    home.councilId,
    year_,
    { name: 'Matrix', scenario: { default: 5 } },
    { kind: 'system', label: 'access matrix' },
  )
  return `${year_}/scenarios/${saved.id}${then}`
}

/** Uplift modelling, saved scenarios and applying: commissioners and council administrators, in their own council's book. */
export const feesUpliftsRules: AccessRule[] = [
  { route: 'GET /fees/uplifts', allowed: READERS },
  { route: 'GET /fees/uplifts/:year', allowed: READERS, url: () => `/fees/uplifts/2027${SCENARIO}` },
  {
    route: 'POST /fees/uplifts/:year/scenarios',
    allowed: READERS,
    url: () => '/fees/uplifts/2027/scenarios',
  },
  {
    route: 'GET /fees/uplifts/:year/scenarios/:id/choose',
    allowed: READERS,
    url: async (c) => `/fees/uplifts/${await savedScenario(c, '/choose')}`,
  },
  {
    route: 'POST /fees/uplifts/:year/scenarios/:id/choose',
    allowed: READERS,
    url: async (c) => `/fees/uplifts/${await savedScenario(c, '/choose')}`,
  },
  {
    route: 'POST /fees/uplifts/:year/scenarios/:id/delete',
    allowed: READERS,
    url: async (c) => `/fees/uplifts/${await savedScenario(c, '/delete')}`,
  },
  {
    route: 'GET /api/v1/fees/uplifts/:year',
    allowed: READERS,
    url: () => `/api/v1/fees/uplifts/2027${SCENARIO}`,
  },
  {
    route: 'GET /api/v1/fees/uplifts/:year/packages',
    allowed: READERS,
    url: () => '/api/v1/fees/uplifts/2027/packages',
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
  {
    route: 'GET /api/v1/fees/uplifts/:year/scenarios',
    allowed: READERS,
    url: () => '/api/v1/fees/uplifts/2027/scenarios',
  },
  {
    route: 'POST /api/v1/fees/uplifts/:year/scenarios',
    allowed: READERS,
    url: () => '/api/v1/fees/uplifts/2027/scenarios',
  },
  {
    route: 'PUT /api/v1/fees/uplifts/:year/scenarios/:id',
    allowed: READERS,
    url: async (c) => `/api/v1/fees/uplifts/${await savedScenario(c)}`,
  },
  {
    route: 'DELETE /api/v1/fees/uplifts/:year/scenarios/:id',
    allowed: READERS,
    url: async (c) => `/api/v1/fees/uplifts/${await savedScenario(c)}`,
  },
  {
    route: 'POST /api/v1/fees/uplifts/:year/scenarios/:id/choose',
    allowed: READERS,
    url: async (c) => `/api/v1/fees/uplifts/${await savedScenario(c, '/choose')}`,
  },
]
