import { rowUuid, SERVICE_TYPE_TAXONOMY, SERVICE_TYPE_TERMS } from '../../src/providers/openreferral/rules.ts'
import type { AccessRule } from './types.ts'

/** Routes of open data, which anyone but a signed-in user (whose session it may carry) may keep briefly. */
export const OPEN_DATA_ROUTE = /^GET \/councils\/:code\/openreferral/

const feed = (code: string, path = '') => `/councils/${code}/openreferral${path}`

/** The Open Referral UK feed of a council's register is open data: anyone may read it. */
export const openReferralRules: AccessRule[] = [
  { route: 'GET /councils/:code/openreferral', allowed: 'public', url: ({ home }) => feed(home.code) },
  {
    route: 'GET /councils/:code/openreferral/services',
    allowed: 'public',
    url: ({ home }) => feed(home.code, '/services'),
  },
  {
    route: 'GET /councils/:code/openreferral/services/:id',
    allowed: 'public',
    url: ({ home }) => feed(home.code, `/services/${rowUuid('service', home.providerA.locationId)}`),
  },
  {
    route: 'GET /councils/:code/openreferral/taxonomies',
    allowed: 'public',
    url: ({ home }) => feed(home.code, '/taxonomies'),
  },
  {
    route: 'GET /councils/:code/openreferral/taxonomies/:id',
    allowed: 'public',
    url: ({ home }) => feed(home.code, `/taxonomies/${SERVICE_TYPE_TAXONOMY.id}`),
  },
  {
    route: 'GET /councils/:code/openreferral/taxonomy_terms',
    allowed: 'public',
    url: ({ home }) => feed(home.code, '/taxonomy_terms'),
  },
  {
    route: 'GET /councils/:code/openreferral/taxonomy_terms/:id',
    allowed: 'public',
    url: ({ home }) => feed(home.code, `/taxonomy_terms/${SERVICE_TYPE_TERMS[0]?.id}`),
  },
]
