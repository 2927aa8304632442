// Passwords that no administrator knows: a new user is emailed an invitation to set their own, a
// person who has forgotten theirs asks for a reset link, and a signed-in person changes theirs.
// Links are single-use, stored only as their SHA-256, and expire (rules.ts).
import { randomBytes } from 'node:crypto'
import { and, count, eq, gt, isNull, ne, sql } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Config } from '../../config.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import { enqueueEmail } from '../../notifications/service.ts'
import { DEFAULT_COST_LOG2, hashPassword, verifyPassword } from '../password.ts'
import { councils, passwordLinks, sessions, users } from '../schema.ts'
import {
  actorOf,
  createSession,
  hashToken,
  normaliseEmail,
  type SessionOrigin,
  type SessionPolicy,
  type SessionUser,
} from '../service.ts'
import {
  LINK_LIFETIME_MS,
  type PasswordLinkPurpose,
  passwordProblem,
  RESET_LINKS_PER_ACCOUNT_PER_HOUR,
} from './rules.ts'

/** Where emailed links point: the configured origin, or the local one; never a request's Host header, which a client chooses. */
export function passwordLinkBase(config: Pick<Config, 'baseUrl' | 'port'>): string {
  return (config.baseUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '')
}

/** A link that is unknown, used, expired, or whose account can no longer sign in. */
export class PasswordLinkNotValidError extends Error {
  readonly statusCode = 400
  constructor() {
    super('This link has expired or has already been used')
  }
}

const EMAIL_KIND: Record<PasswordLinkPurpose, string> = {
  invitation: 'account_invitation',
  reset: 'password_reset',
}

function linkEmail(purpose: PasswordLinkPurpose, councilName: string, url: string) {
  if (purpose === 'invitation') {
    return {
      subject: `You have been invited to Caremarket for ${councilName}`,
      body: [
        `An administrator at ${councilName} has given you an account on Caremarket.`,
        '',
        'Set your password to start using it:',
        url,
        '',
        'The link works once and expires in 7 days. If it has expired, use "Forgotten your password?" on the sign-in page.',
      ].join('\n'),
    }
  }
  return {
    subject: 'Reset your Caremarket password',
    body: [
      `Someone asked to reset the password of your Caremarket account for ${councilName}.`,
      '',
      'Choose a new password:',
      url,
      '',
      'The link works once and expires in 1 hour. If you did not ask for it, you can ignore this email: your password has not changed.',
    ].join('\n'),
  }
}

function newLinkToken() {
  const token = randomBytes(32).toString('base64url')
  return { token, tokenHash: hashToken(token) }
}

/**
 * Makes a link for the user and puts its email in the outbox, within the caller's transaction.
 * Earlier links of the user stop working: only the newest email's link sets a password.
 */
export async function issuePasswordLink(
  tx: Queryable,
  user: { id: number; councilId: number; email: string },
  purpose: PasswordLinkPurpose,
  options: { linkBase: string; actor: Actor | null },
): Promise<void> {
  await expireLinksOf(tx, user.id)
  const { token, tokenHash } = newLinkToken()
  await tx.insert(passwordLinks).values({
    councilId: user.councilId,
    userId: user.id,
    purpose,
    tokenHash,
    expiresAt: sql`now() + make_interval(secs => ${LINK_LIFETIME_MS[purpose] / 1000})`,
  })
  const [council] = await tx
    .select({ name: councils.name })
    .from(councils)
    .where(eq(councils.id, user.councilId))
  const url = `${options.linkBase}/set-password?token=${token}`
  await enqueueEmail(tx, {
    councilId: user.councilId,
    kind: EMAIL_KIND[purpose],
    to: user.email,
    ...linkEmail(purpose, council?.name ?? 'your council', url),
  })
  await recordAudit(tx, options.actor, {
    councilId: user.councilId,
    action: purpose === 'invitation' ? 'user.invitation_sent' : 'user.password_reset_sent',
    entityType: 'user',
    entityId: user.id,
    details: { email: user.email },
  })
}

/** Links not yet used stop working: after a new one, a password change, a new address, a disabled account. */
export async function expireLinksOf(tx: Queryable, userId: number): Promise<void> {
  await tx
    .update(passwordLinks)
    .set({ expiresAt: sql`now()` })
    .where(
      and(
        eq(passwordLinks.userId, userId),
        isNull(passwordLinks.usedAt),
        gt(passwordLinks.expiresAt, sql`now()`),
      ),
    )
}

/**
 * "Forgotten your password?": emails a reset link to each active account of the address, in every
 * council it has one. The caller answers the same whatever happens here, and the same work is done
 * for an unknown address (a token made and hashed, the limit counted), so neither the answer nor
 * its timing tells whether an account exists. Each account is sent at most a few links an hour.
 */
export async function requestPasswordReset(
  db: Database,
  email: string,
  context: { ip: string; linkBase: string },
): Promise<void> {
  const address = normaliseEmail(email)
  await db.transaction(async (tx) => {
    const accounts = await tx
      .select({ id: users.id, councilId: users.councilId, email: users.email })
      .from(users)
      .where(and(eq(users.email, address), eq(users.active, true), isNull(users.removedAt)))
    if (accounts.length === 0) {
      newLinkToken()
      await recentResetLinks(tx, 0)
      await recordAudit(tx, null, {
        councilId: null,
        action: 'password_reset.requested',
        details: { email: address, outcome: 'unknown address', ip: context.ip },
      })
      return
    }
    for (const account of accounts) {
      if ((await recentResetLinks(tx, account.id)) >= RESET_LINKS_PER_ACCOUNT_PER_HOUR) {
        await recordAudit(tx, null, {
          councilId: account.councilId,
          action: 'password_reset.requested',
          entityType: 'user',
          entityId: account.id,
          details: { email: address, outcome: 'limited: too many links this hour', ip: context.ip },
        })
        continue
      }
      await issuePasswordLink(tx, account, 'reset', { linkBase: context.linkBase, actor: null })
    }
  })
}

async function recentResetLinks(tx: Queryable, userId: number): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(passwordLinks)
    .where(
      and(
        eq(passwordLinks.userId, userId),
        eq(passwordLinks.purpose, 'reset'),
        gt(passwordLinks.createdAt, sql`now() - interval '1 hour'`),
      ),
    )
  return row?.n ?? 0
}

/** Whom a link would set the password of, for its form; throws when it cannot be used. */
export async function checkPasswordLink(
  db: Queryable,
  token: string,
): Promise<{ email: string; purpose: PasswordLinkPurpose; councilName: string }> {
  const [row] = await db
    .select({ email: users.email, purpose: passwordLinks.purpose, councilName: councils.name })
    .from(passwordLinks)
    .innerJoin(users, eq(users.id, passwordLinks.userId))
    .innerJoin(councils, eq(councils.id, passwordLinks.councilId))
    .where(usableLink(token))
  if (!row) throw new PasswordLinkNotValidError()
  return { ...row, purpose: row.purpose as PasswordLinkPurpose }
}

function usableLink(token: string) {
  return and(
    eq(passwordLinks.tokenHash, hashToken(token)),
    isNull(passwordLinks.usedAt),
    gt(passwordLinks.expiresAt, sql`now()`),
    eq(users.active, true),
    isNull(users.removedAt),
  )
}

function newPasswordOrThrow(field: string, password: string): void {
  const problem = passwordProblem(password)
  if (problem) throw new ValidationError([{ field, message: problem }])
}

/**
 * Sets the password a link was sent for, and uses the link up: of two uses at once, one wins. Every
 * session of the account ends, so whoever knew the old password is signed out.
 */
export async function setPasswordWithLink(
  db: Database,
  token: string,
  password: string,
  options: { passwordCostLog2?: number } = {},
): Promise<{ email: string }> {
  newPasswordOrThrow('password', password)
  const passwordHash = await hashPassword(password, options.passwordCostLog2 ?? DEFAULT_COST_LOG2)
  return db.transaction(async (tx) => {
    const [link] = await tx
      .update(passwordLinks)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(passwordLinks.tokenHash, hashToken(token)),
          isNull(passwordLinks.usedAt),
          gt(passwordLinks.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: passwordLinks.userId, purpose: passwordLinks.purpose })
    if (!link) throw new PasswordLinkNotValidError()
    const [user] = await tx
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, link.userId), eq(users.active, true), isNull(users.removedAt)))
      .returning({ id: users.id, councilId: users.councilId, email: users.email })
    if (!user) throw new PasswordLinkNotValidError()
    await expireLinksOf(tx, user.id)
    await tx.delete(sessions).where(eq(sessions.userId, user.id))
    await recordAudit(tx, null, {
      councilId: user.councilId,
      action: link.purpose === 'invitation' ? 'user.password_set' : 'user.password_reset',
      entityType: 'user',
      entityId: user.id,
      details: { email: user.email },
    })
    return { email: user.email }
  })
}

/**
 * A signed-in person changes their password. Their other sessions end, and this one is replaced by
 * a new session whose token is returned: the old token is worth nothing afterwards.
 */
export async function changePassword(
  db: Database,
  user: SessionUser,
  sessionToken: string,
  input: { currentPassword: string; newPassword: string; confirmPassword?: string },
  context: { policy: SessionPolicy; origin: SessionOrigin; passwordCostLog2?: number },
): Promise<{ sessionToken: string }> {
  // Every problem with the form is told at once; the current password is checked when the rest is right.
  const errors: FieldError[] = []
  if (!input.currentPassword)
    errors.push({ field: 'currentPassword', message: 'Enter your current password' })
  const problem = passwordProblem(input.newPassword)
  if (problem) errors.push({ field: 'newPassword', message: problem })
  else if (input.newPassword === input.currentPassword)
    errors.push({
      field: 'newPassword',
      message: 'Your new password must be different from your current password',
    })
  if (input.confirmPassword !== undefined && input.newPassword && input.confirmPassword !== input.newPassword)
    errors.push({
      field: 'confirmPassword',
      message: 'The new passwords do not match. Type the same password twice',
    })
  if (errors.length > 0) throw new ValidationError(errors)
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id))
  if (!row?.passwordHash || !(await verifyPassword(input.currentPassword.slice(0, 1024), row.passwordHash)))
    throw new ValidationError([{ field: 'currentPassword', message: 'Your current password is not correct' }])
  const passwordHash = await hashPassword(input.newPassword, context.passwordCostLog2 ?? DEFAULT_COST_LOG2)
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id))
    await expireLinksOf(tx, user.id)
    const ended = await tx
      .delete(sessions)
      .where(and(eq(sessions.userId, user.id), ne(sessions.tokenHash, hashToken(sessionToken))))
      .returning({ tokenHash: sessions.tokenHash })
    await tx.delete(sessions).where(eq(sessions.tokenHash, hashToken(sessionToken)))
    const token = await createSession(tx, user, context.policy, context.origin)
    await recordAudit(tx, actorOf(user), {
      councilId: user.councilId,
      action: 'user.password_changed',
      entityType: 'user',
      entityId: user.id,
      details: { otherSessionsEnded: ended.length },
    })
    return { sessionToken: token }
  })
}
