import { issueApiToken } from '../../src/accounts/api-tokens.ts'
import { addUser } from '../../src/accounts/service.ts'
import { addTeamMember, createTeam } from '../../src/accounts/teams.ts'
import { type AccessRule, EVERYONE, type MatrixContext, STAFF } from './types.ts'

let freshUsers = 0

/** A broker of the home council made for the one request, so changing them touches nothing else. */
async function freshUserPath(
  { database, home }: MatrixContext,
  prefix: string,
  suffix = '',
): Promise<string> {
  const { id } = await addUser(
    database.db,
    home.councilId,
    { email: `matrix-${++freshUsers}@home.test`, role: 'broker', password: 'a long enough password' },
    { kind: 'system', label: 'test' },
    { passwordCostLog2: 10 },
  )
  return `${prefix}/${id}${suffix}`
}

const system = { kind: 'system', label: 'access matrix' } as const
let teamsMade = 0

/** A new team of the home council, with its broker in it (its social worker's teams decide what they see). */
async function teamOfHome({ database, home }: MatrixContext) {
  teamsMade += 1
  const team = await createTeam(database.db, home.councilId, { name: `Matrix team ${teamsMade}` }, system)
  const member = await addTeamMember(
    database.db,
    home.councilId,
    team.id,
    { email: home.emails.broker },
    system,
  )
  return { teamId: team.id, userId: member.userId }
}

/** A new token of the home council: rotating one changes its secret, which others may rely on. */
const freshToken =
  (prefix: string, provider = false) =>
  async ({ database, home }: MatrixContext) => {
    const made = await issueApiToken(
      database.db,
      {
        councilId: home.councilId,
        name: 'Matrix token',
        role: provider ? 'provider_user' : 'broker',
        providerOrganisationId: provider ? home.providerA.id : null,
        createdByUserId: null,
      },
      system,
    )
    return `${prefix}/${made.id}/rotate`
  }

export const foundationRules: AccessRule[] = [
  { route: 'GET /assets/*', allowed: 'public', url: () => '/assets/govuk-frontend.min.css' },
  { route: 'GET /docs', allowed: 'public' },
  { route: 'GET /openapi.json', allowed: 'public' },
  { route: 'GET /health', allowed: 'public' },
  { route: 'GET /accessibility', allowed: 'public' },
  { route: 'GET /sign-in', allowed: 'public' },
  { route: 'POST /sign-in', allowed: 'public' },
  { route: 'GET /sign-in/council', allowed: 'public' },
  { route: 'POST /sign-in/council', allowed: 'public' },
  { route: 'POST /sign-out', allowed: EVERYONE },
  { route: 'GET /', allowed: EVERYONE },
  // Section landing pages: the roles with a page in the section.
  { route: 'GET /sections/providers', allowed: STAFF },
  { route: 'GET /sections/market', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /sections/admin', allowed: ['commissioner', 'council_admin'] },
  { route: 'GET /provider/sections/organisation', allowed: ['provider_user'] },
  { route: 'GET /api/v1/me', allowed: EVERYONE },
  { route: 'GET /forgotten-password', allowed: 'public' },
  { route: 'POST /forgotten-password', allowed: 'public' },
  { route: 'GET /set-password', allowed: 'public' },
  { route: 'POST /set-password', allowed: 'public' },
  { route: 'GET /account', allowed: EVERYONE },
  { route: 'GET /account/password', allowed: EVERYONE },
  { route: 'POST /account/password', allowed: EVERYONE },
  { route: 'POST /account/sign-out-everywhere', allowed: EVERYONE },
  { route: 'GET /admin/users', allowed: ['council_admin'] },
  { route: 'GET /admin/users/new', allowed: ['council_admin'] },
  { route: 'POST /admin/users', allowed: ['council_admin'] },
  { route: 'GET /admin/users/import', allowed: ['council_admin'] },
  { route: 'POST /admin/users/import', allowed: ['council_admin'] },
  { route: 'GET /admin/users/:id', allowed: ['council_admin'], url: (c) => freshUserPath(c, '/admin/users') },
  ...(['disable', 'enable', 'role', 'email', 'two-factor-reset', 'send-link', 'remove'] as const).map(
    (action): AccessRule => ({
      route: `POST /admin/users/:id/${action}`,
      allowed: ['council_admin'],
      url: (c) => freshUserPath(c, '/admin/users', `/${action}`),
    }),
  ),
  { route: 'GET /api/v1/users', allowed: ['council_admin'] },
  { route: 'POST /api/v1/users', allowed: ['council_admin'] },
  { route: 'POST /api/v1/users/imports', allowed: ['council_admin'] },
  {
    route: 'POST /api/v1/users/:id/two-factor/reset',
    allowed: ['council_admin'],
    url: (c) => freshUserPath(c, '/api/v1/users', '/two-factor/reset'),
  },
  {
    route: 'GET /api/v1/users/:id',
    allowed: ['council_admin'],
    url: (c) => freshUserPath(c, '/api/v1/users'),
  },
  {
    route: 'PATCH /api/v1/users/:id',
    allowed: ['council_admin'],
    url: (c) => freshUserPath(c, '/api/v1/users'),
  },
  {
    route: 'DELETE /api/v1/users/:id',
    allowed: ['council_admin'],
    url: (c) => freshUserPath(c, '/api/v1/users'),
  },
  ...(['disable', 'enable'] as const).map(
    (action): AccessRule => ({
      route: `POST /api/v1/users/:id/${action}`,
      allowed: ['council_admin'],
      url: (c) => freshUserPath(c, '/api/v1/users', `/${action}`),
    }),
  ),
  { route: 'GET /admin/audit', allowed: ['council_admin'] },
  { route: 'GET /admin/api-tokens', allowed: ['council_admin'] },
  { route: 'POST /admin/api-tokens', allowed: ['council_admin'] },
  {
    route: 'POST /admin/api-tokens/:id/revoke',
    allowed: ['council_admin'],
    url: ({ home }) => `/admin/api-tokens/${home.councilApiTokenId}/revoke`,
  },
  {
    route: 'POST /admin/api-tokens/:id/rotate',
    allowed: ['council_admin'],
    url: freshToken('/admin/api-tokens'),
  },
  { route: 'POST /api/v1/api-token/rotate', allowed: EVERYONE },
  { route: 'GET /admin/teams', allowed: ['council_admin'] },
  { route: 'POST /admin/teams', allowed: ['council_admin'] },
  {
    route: 'GET /admin/teams/:id',
    allowed: ['council_admin'],
    url: async (context) => `/admin/teams/${(await teamOfHome(context)).teamId}`,
  },
  {
    route: 'POST /admin/teams/:id/members',
    allowed: ['council_admin'],
    url: async (context) => `/admin/teams/${(await teamOfHome(context)).teamId}/members`,
  },
  {
    route: 'POST /admin/teams/:id/members/:userId/remove',
    allowed: ['council_admin'],
    url: async (context) => {
      const { teamId, userId } = await teamOfHome(context)
      return `/admin/teams/${teamId}/members/${userId}/remove`
    },
  },
  { route: 'GET /provider/api-tokens', allowed: ['provider_user'] },
  {
    route: 'POST /provider/api-tokens/:id/rotate',
    allowed: ['provider_user'],
    url: freshToken('/provider/api-tokens', true),
  },
  { route: 'POST /provider/api-tokens', allowed: ['provider_user'] },
  {
    route: 'POST /provider/api-tokens/:id/revoke',
    allowed: ['provider_user'],
    url: ({ home }) => `/provider/api-tokens/${home.providerApiTokenId}/revoke`,
  },
  { route: 'GET /locations', allowed: STAFF },
  {
    route: 'GET /locations/:id',
    allowed: STAFF,
    url: ({ home }) => `/locations/${home.providerA.locationId}`,
  },
  {
    route: 'GET /locations/:id/coordinates',
    allowed: ['commissioner'],
    url: ({ home }) => `/locations/${home.providerA.locationId}/coordinates`,
  },
  {
    route: 'POST /locations/:id/coordinates',
    allowed: ['commissioner'],
    url: ({ home }) => `/locations/${home.providerA.locationId}/coordinates`,
  },
  { route: 'GET /provider', allowed: ['provider_user'] },
  {
    route: 'GET /provider/locations/:id',
    allowed: ['provider_user'],
    url: ({ home }) => `/provider/locations/${home.providerA.locationId}`,
  },
  { route: 'GET /api/v1/locations', allowed: EVERYONE },
  {
    route: 'GET /api/v1/locations/:id',
    allowed: EVERYONE,
    url: ({ home }) => `/api/v1/locations/${home.providerA.locationId}`,
  },
]
