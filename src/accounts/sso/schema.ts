import { sql } from 'drizzle-orm'
import { boolean, check, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { councils, users } from '../schema.ts'

/** A council's OpenID Connect identity provider. The client secret is encrypted (secret-box.ts). */
export const councilSsoSettings = pgTable(
  'council_sso_settings',
  {
    councilId: integer()
      .primaryKey()
      .references(() => councils.id),
    enabled: boolean().notNull().default(true),
    // What the sign-in button calls it: "Sign in with <providerName>".
    providerName: text().notNull(),
    issuerUrl: text().notNull(),
    clientId: text().notNull(),
    clientSecretEncrypted: text().notNull(),
    // Lower-case domains, without '@'; an email must end in one of them exactly.
    allowedDomains: text().array().notNull(),
    // The role given to someone unknown on their first sign-in, or null: no accounts made on sign-in.
    justInTimeRole: text(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'council_sso_settings_jit_role',
      sql`${t.justInTimeRole} is null or ${t.justInTimeRole} in ('social_worker', 'broker', 'commissioner', 'council_admin')`,
    ),
  ],
)

/** The identity provider's subject a user was matched to at their first single sign-on. */
export const userSsoIdentities = pgTable(
  'user_sso_identities',
  {
    // A person who works with two councils through one identity provider has an account, and a link, in each.
    councilId: integer()
      .notNull()
      .references(() => councils.id),
    userId: integer()
      .notNull()
      .references(() => users.id),
    issuer: text().notNull(),
    subject: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.councilId, t.issuer, t.subject), uniqueIndex().on(t.userId, t.issuer)],
)
