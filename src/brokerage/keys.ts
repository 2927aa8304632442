// The keys of brokerage's rows that other domains' tables may hold as foreign keys (see
// src/accounts/keys.ts for why keys are published this way).
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { people, sourcingRequests } from './schema.ts'

export function requestKey(): AnyPgColumn {
  return sourcingRequests.id
}

export function personKey(): AnyPgColumn {
  return people.id
}
