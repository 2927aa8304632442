// Uplift modelling's services, for the service registry (src/services.ts).
import type { Queryable } from '../../db/connection.ts'
import { createUpliftsService } from './service.ts'

export function createUpliftsServices({ db }: { db: Queryable }) {
  return { uplifts: createUpliftsService(db) }
}
