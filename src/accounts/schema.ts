import { sql } from 'drizzle-orm'
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
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
    // Null until the person sets their own from the invitation link: no administrator knows it.
    passwordHash: text(),
    active: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp({ withTimezone: true }),
    // Removed users stay as rows, so the audit log and what they did keep their name; they cannot
    // sign in and are left out of every list.
    removedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    // A removed user's address may be given to a new account.
    uniqueIndex('users_council_id_email_index').on(t.councilId, t.email).where(sql`${t.removedAt} is null`),
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
    // Shown to the person on their sessions page, so they can tell their devices apart.
    userAgent: text(),
    ipAddress: text(),
  },
  (t) => [index().on(t.userId), index().on(t.expiresAt)],
)

/**
 * Single-use links that let a person set their password: an invitation for a new user, or a reset
 * when they have forgotten it. Only the SHA-256 of the token is stored.
 */
export const passwordLinks = pgTable(
  'password_links',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    userId: integer()
      .notNull()
      .references(() => users.id),
    purpose: text().notNull(),
    tokenHash: text().notNull().unique(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index().on(t.userId, t.createdAt),
    check('password_links_purpose_valid', sql`${t.purpose} in ('invitation', 'reset')`),
  ],
)

/** Secrets the service generates for itself on first start (cookie signing). */
export const serviceSecrets = pgTable('service_secrets', {
  name: text().primaryKey(),
  value: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

/**
 * A council's teams of social workers ("Hospital discharge team", "North locality"). A request
 * belongs to a team, and a social worker sees the requests of their teams (Caldicott need-to-know).
 */
export const teams = pgTable(
  'teams',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  // One name once per council, in any case, so two admins cannot make the same team twice.
  (t) => [uniqueIndex('teams_council_name_lower').on(t.councilId, sql`lower(${t.name})`)],
)

/** Who is in which team; a person may be in several. */
export const teamMembers = pgTable(
  'team_members',
  {
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    teamId: integer()
      .notNull()
      .references(() => teams.id),
    userId: integer()
      .notNull()
      .references(() => users.id),
    addedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index().on(t.userId)],
)

/**
 * When a user last opened a page whose news their home page counts ("new since your last visit"):
 * one row per user and page, moved forward on each visit.
 */
export const pageVisits = pgTable(
  'page_visits',
  {
    userId: integer()
      .notNull()
      .references(() => users.id),
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    /** Which page: 'opportunities', 'market-events'. */
    page: text().notNull(),
    visitedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.page] })],
)

/**
 * API tokens, stored as SHA-256 hashes. A token either acts as one person (`userId`: that user's
 * role and teams, and only while the user is active) or is a system's (`role`), within one
 * council, and a provider system's token also within one provider organisation.
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
    /** The secret's hash before the last rotation, valid until previousExpiresAt. */
    previousTokenHash: text().unique(),
    previousExpiresAt: timestamp({ withTimezone: true }),
    /** The person a user token acts as; null for a system's token. */
    userId: integer().references(() => users.id),
    /** The role a system's token acts as; null for a user token, which has its user's. */
    role: text(),
    providerOrganisationId: integer().references(providerOrganisationKey),
    /** A system's token may name, in X-On-Behalf-Of, a person of the council it acts for. */
    mayActOnBehalf: boolean().notNull().default(false),
    createdByUserId: integer().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull().default(sql`now() + interval '1 year'`),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index().on(t.councilId),
    index().on(t.userId),
    check(
      'api_tokens_provider_scope',
      sql`(${t.role} = 'provider_user') = (${t.providerOrganisationId} is not null)`,
    ),
    // A user token has its user's role and scope, and never names another person.
    check(
      'api_tokens_user_or_system',
      sql`(${t.userId} is null) = (${t.role} is not null) and (${t.userId} is null or (${t.providerOrganisationId} is null and not ${t.mayActOnBehalf}))`,
    ),
  ],
)
