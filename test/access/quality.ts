import type { DatabaseHandle } from '../../src/db/connection.ts'
import { placeRestriction } from '../../src/providers/quality/service.ts'
import { type AccessRule, EVERYONE, type MatrixContext, STAFF } from './types.ts'

const COMMISSIONER: AccessRule['allowed'] = ['commissioner']

// One restriction per database for the lift routes; the matrix posts an empty form, which lifts nothing.
const restrictionIds = new WeakMap<DatabaseHandle, Promise<number>>()

function restrictionOf({ database, home }: MatrixContext): Promise<number> {
  let id = restrictionIds.get(database)
  if (!id) {
    id = placeRestriction(
      database.db,
      home.councilId,
      home.providerA.locationId,
      { kind: 'contact_quality_team', startsOn: '2024-01-01', reason: 'Authorisation matrix' },
      { kind: 'system', label: 'test' },
    ).then((row) => row.id)
    restrictionIds.set(database, id)
  }
  return id
}

const location = ({ home }: MatrixContext) => `/locations/${home.providerA.locationId}`

export const qualityRules: AccessRule[] = [
  { route: 'GET /locations/:id/pamms/new', allowed: COMMISSIONER, url: (c) => `${location(c)}/pamms/new` },
  { route: 'POST /locations/:id/pamms', allowed: COMMISSIONER, url: (c) => `${location(c)}/pamms` },
  {
    route: 'GET /locations/:id/restrictions/new',
    allowed: COMMISSIONER,
    url: (c) => `${location(c)}/restrictions/new`,
  },
  {
    route: 'POST /locations/:id/restrictions',
    allowed: COMMISSIONER,
    url: (c) => `${location(c)}/restrictions`,
  },
  {
    route: 'GET /locations/:id/restrictions/:restrictionId/lift',
    allowed: COMMISSIONER,
    url: async (c) => `${location(c)}/restrictions/${await restrictionOf(c)}/lift`,
  },
  {
    route: 'POST /locations/:id/restrictions/:restrictionId/lift',
    allowed: COMMISSIONER,
    url: async (c) => `${location(c)}/restrictions/${await restrictionOf(c)}/lift`,
  },
  { route: 'GET /restrictions', allowed: STAFF },
  {
    route: 'GET /api/v1/locations/:id/quality',
    allowed: EVERYONE,
    url: ({ home }) => `/api/v1/locations/${home.providerA.locationId}/quality`,
  },
  { route: 'GET /api/v1/restrictions', allowed: STAFF },
]
