import type { Role } from '../../src/accounts/roles.ts'
import type { DatabaseHandle } from '../../src/db/connection.ts'
import type { Fixture } from '../helpers.ts'

export const STAFF: Role[] = ['social_worker', 'broker', 'commissioner', 'council_admin']
export const EVERYONE: Role[] = [...STAFF, 'provider_user']

export interface MatrixContext {
  database: DatabaseHandle
  /** The council the requests are made in; its provider user works for providerA. */
  home: Fixture
}

/**
 * One row of the authorisation matrix: who may use a route. `url` gives a concrete address for
 * routes with parameters, pointing at records inside the caller's own scope (it may create them).
 */
export interface AccessRule {
  route: string
  allowed: 'public' | Role[]
  url?: (context: MatrixContext) => string | Promise<string>
}
