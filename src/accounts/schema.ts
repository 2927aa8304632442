import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { providerOrganisationKey } from '../providers/keys.ts'

/** The tenant. Every tenant-owned row carries its council_id. */
export const councils = pgTable('councils', {
  id: integer().primaryKey().generatedAlwaysAsIdentity(),
  code: text().notNull().unique(),
  name: text().notNull(),
  isDemo: boolean().notNull().default(false),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

export const users = pgTable(
  'users',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    // Stored lower-case, and unique within a council: a person working with two councils has an
    // account in each, and sign-in asks which one when the password opens more than one.
    email: text().notNull(),
    role: text().notNull(),
    providerOrganisationId: integer().references(providerOrganisationKey),
    passwordHash: text().notNull(),
    active: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex().on(t.councilId, t.email),
    // Sign-in finds every council's account for an address.
    index().on(t.email),
    check(
      'users_role_valid',
      sql`${t.role} in ('social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user')`,
    ),
    // A provider user belongs to exactly one provider organisation; council staff to none.
    check(
      'users_provider_scope',
      sql`(${t.role} = 'provider_user') = (${t.providerOrganisationId} is not null)`,
    ),
  ],
)

/** Server-side sessions. The cookie holds a random token; only its SHA-256 is stored. */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text().primaryKey(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    userId: integer()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index().on(t.userId), index().on(t.expiresAt)],
)

/** Secrets the service generates for itself on first start (cookie signing). */
export const serviceSecrets = pgTable('service_secrets', {
  name: text().primaryKey(),
  value: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

/**
 * API tokens, stored as SHA-256 hashes. A token acts as one role within one council, and a
 * provider token also within one provider organisation.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    name: text().notNull(),
    tokenHash: text().notNull().unique(),
    role: text().notNull(),
    providerOrganisationId: integer().references(providerOrganisationKey),
    createdByUserId: integer().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index().on(t.councilId),
    check(
      'api_tokens_provider_scope',
      sql`(${t.role} = 'provider_user') = (${t.providerOrganisationId} is not null)`,
    ),
  ],
)
