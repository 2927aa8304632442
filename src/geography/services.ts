// Geography's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { importCentroids, listLocalities } from './service.ts'

export function createGeographyServices({ db }: { db: Database }) {
  return { geography: bindDatabase(db, { listLocalities, importCentroids }) }
}

export type GeographyServices = ReturnType<typeof createGeographyServices>
