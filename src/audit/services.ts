// The audit log's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { listAudit } from './service.ts'

export function createAuditServices({ db }: { db: Database }) {
  return { audit: bindDatabase(db, { listAudit }) }
}

export type AuditServices = ReturnType<typeof createAuditServices>
