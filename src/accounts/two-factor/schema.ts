import { bigint, boolean, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { councils, users } from '../schema.ts'

/**
 * A user's TOTP authenticator. The secret is encrypted with the service's own key (secret-box.ts).
 * Until confirmedAt is set it is a set-up in progress and does not protect sign-in.
 */
export const userTwoFactor = pgTable('user_two_factor', {
  userId: integer()
    .primaryKey()
    .references(() => users.id),
  secretEncrypted: text().notNull(),
  confirmedAt: timestamp({ withTimezone: true }),
  // The newest 30-second step whose code was accepted: a code is taken once, never again in its window.
  lastUsedStep: bigint({ mode: 'number' }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})

/** One-time recovery codes, kept only as their SHA-256, each used at most once. */
export const twoFactorRecoveryCodes = pgTable(
  'two_factor_recovery_codes',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    userId: integer()
      .notNull()
      .references(() => users.id),
    codeHash: text().notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.userId)],
)

/**
 * Whether a council's staff must use two-factor sign-in. No row means the service's default:
 * required when NODE_ENV=production.
 */
export const councilTwoFactorSettings = pgTable('council_two_factor_settings', {
  councilId: integer()
    .primaryKey()
    .references(() => councils.id),
  requiredForCouncilStaff: boolean().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
