import { providerContacts } from '../../src/db/schema.ts'
import { type AccessRule, EVERYONE } from './types.ts'

export const profileRules: AccessRule[] = [
  { route: 'GET /provider/profile', allowed: ['provider_user'] },
  { route: 'POST /provider/profile/contacts', allowed: ['provider_user'] },
  {
    route: 'POST /provider/profile/contacts/:id/remove',
    allowed: ['provider_user'],
    // A contact of the home provider, created for each request since an allowed request removes it.
    url: async ({ database, home }) => {
      const [contact] = await database.db
        .insert(providerContacts)
        .values({
          councilId: home.councilId,
          providerOrganisationId: home.providerA.id,
          name: 'Matrix Contact',
          email: 'matrix@example.org',
        })
        .returning({ id: providerContacts.id })
      return `/provider/profile/contacts/${contact?.id}/remove`
    },
  },
  {
    route: 'GET /provider/profile/locations/:id',
    allowed: ['provider_user'],
    url: ({ home }) => `/provider/profile/locations/${home.providerA.locationId}`,
  },
  {
    route: 'POST /provider/profile/locations/:id',
    allowed: ['provider_user'],
    url: ({ home }) => `/provider/profile/locations/${home.providerA.locationId}`,
  },
  {
    route: 'GET /api/v1/locations/:id/profile',
    allowed: EVERYONE,
    url: ({ home }) => `/api/v1/locations/${home.providerA.locationId}/profile`,
  },
]
