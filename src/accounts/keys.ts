// The keys of accounts' rows that other domains' tables may hold as foreign keys. A schema file
// refers to another domain's rows only through the keys that domain publishes (docs/decisions.md),
// so no domain imports another's schema.ts. Functions, not constants: schema files import each
// other's keys in a circle, and a function declaration is ready before its module has run.
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { councils, teams, users } from './schema.ts'

/** The council, which every tenant-owned row carries. */
export function councilKey(): AnyPgColumn {
  return councils.id
}

export function userKey(): AnyPgColumn {
  return users.id
}

export function teamKey(): AnyPgColumn {
  return teams.id
}
