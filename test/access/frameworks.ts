import { apply, createLot } from '../../src/providers/frameworks/service.ts'
import { type AccessRule, type MatrixContext, STAFF } from './types.ts'

const system = { kind: 'system', label: 'access matrix' } as const
const fixtures = new WeakMap<object, Promise<{ lotId: number; membershipId: number }>>()

/** One open DPS lot with an application from the home council's provider A, made once per database. */
function lotFixture({ database, home }: MatrixContext) {
  let fixture = fixtures.get(database)
  if (!fixture) {
    fixture = (async () => {
      const lot = await createLot(
        database.db,
        home.councilId,
        {
          name: 'Access matrix lot',
          procurement: 'dps',
          questions: ['Do you accept the council’s terms?'],
          opensOn: '2020-01-01',
        },
        system,
      )
      const membership = await apply(
        database.db,
        { councilId: home.councilId, providerOrganisationId: home.providerA.id },
        lot.id,
        { locationId: home.providerA.locationId, answers: { q1: 'Yes' } },
        system,
      )
      return { lotId: lot.id, membershipId: membership.id }
    })()
    fixtures.set(database, fixture)
  }
  return fixture
}

const lotUrl = (suffix: string) => async (context: MatrixContext) =>
  `/frameworks/${(await lotFixture(context)).lotId}${suffix}`

const membershipUrl = async (context: MatrixContext) => {
  const { lotId, membershipId } = await lotFixture(context)
  return `/frameworks/${lotId}/memberships/${membershipId}`
}

export const frameworksRules: AccessRule[] = [
  { route: 'GET /frameworks', allowed: STAFF },
  { route: 'GET /frameworks/new', allowed: ['commissioner'] },
  { route: 'POST /frameworks', allowed: ['commissioner'] },
  { route: 'GET /frameworks/:lotId', allowed: STAFF, url: lotUrl('') },
  { route: 'GET /frameworks/:lotId/memberships/:membershipId', allowed: STAFF, url: membershipUrl },
  {
    route: 'POST /frameworks/:lotId/memberships/:membershipId',
    allowed: ['commissioner'],
    url: membershipUrl,
  },
  { route: 'GET /provider/frameworks', allowed: ['provider_user'] },
  {
    route: 'GET /provider/frameworks/:lotId/apply',
    allowed: ['provider_user'],
    url: async (context) => `/provider/frameworks/${(await lotFixture(context)).lotId}/apply`,
  },
  {
    route: 'POST /provider/frameworks/:lotId/apply',
    allowed: ['provider_user'],
    url: async (context) => `/provider/frameworks/${(await lotFixture(context)).lotId}/apply`,
  },
  { route: 'GET /api/v1/frameworks', allowed: STAFF },
  {
    route: 'GET /api/v1/frameworks/:lotId/admitted',
    allowed: STAFF,
    url: async (context) => `/api/v1/frameworks/${(await lotFixture(context)).lotId}/admitted?on=2024-01-01`,
  },
]
