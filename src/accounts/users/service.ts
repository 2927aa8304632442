// A council's users through their life: listed and filtered, disabled and enabled, given another
// role or address, removed, sent a link to set their password, added in bulk. Every change is
// audited; none may leave the council without an active council administrator.
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, or, type SQL, sql } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { announceAccessChange } from '../access-changes.ts'
import { revokeTokensMadeBy } from '../api-tokens.ts'
import { expireLinksOf, issuePasswordLink } from '../passwords/links.ts'
import type { Role } from '../roles.ts'
import { councils, sessions, teamMembers, users } from '../schema.ts'
import { normaliseEmail } from '../service.ts'
import { twoFactorRecoveryCodes, userTwoFactor } from '../two-factor/schema.ts'
import {
  changeEmailSchema,
  changeRoleSchema,
  LAST_ADMIN,
  leavesNoAdmin,
  PROVIDER_ROLE_FIXED,
  type UserFilters,
  type UserStatus,
  userFiltersSchema,
  userStatus,
} from './rules.ts'

export interface CouncilUser {
  id: number
  email: string
  role: Role
  providerOrganisationId: number | null
  status: UserStatus
  /** Whether they sign in with a code from an authenticator app (set up and confirmed). */
  twoFactorEnabled: boolean
  createdAt: Date
  lastSignInAt: Date | null
}

const userColumns = {
  id: users.id,
  email: users.email,
  role: users.role,
  providerOrganisationId: users.providerOrganisationId,
  active: users.active,
  hasPassword: sql<boolean>`${users.passwordHash} is not null`,
  twoFactorEnabled: sql<boolean>`exists (select 1 from ${userTwoFactor} where ${userTwoFactor.userId} = ${users.id} and ${userTwoFactor.confirmedAt} is not null)`,
  createdAt: users.createdAt,
  lastSignInAt: users.lastSignInAt,
}

interface UserRow {
  id: number
  email: string
  role: string
  providerOrganisationId: number | null
  active: boolean
  hasPassword: boolean
  twoFactorEnabled: boolean
  createdAt: Date
  lastSignInAt: Date | null
}

function toCouncilUser(row: UserRow): CouncilUser {
  return {
    id: row.id,
    email: row.email,
    role: row.role as Role,
    providerOrganisationId: row.providerOrganisationId,
    status: userStatus(row),
    twoFactorEnabled: Boolean(row.twoFactorEnabled),
    createdAt: row.createdAt,
    lastSignInAt: row.lastSignInAt,
  }
}

const DAY_MS = 86_400_000

function filterConditions(filters: UserFilters): SQL[] {
  const conditions: SQL[] = []
  if (filters.teamId !== undefined)
    conditions.push(
      sql`${users.id} in (select ${teamMembers.userId} from ${teamMembers} where ${teamMembers.teamId} = ${filters.teamId})`,
    )
  if (filters.role) conditions.push(eq(users.role, filters.role))
  if (filters.status === 'disabled') conditions.push(eq(users.active, false))
  if (filters.status === 'invited') conditions.push(eq(users.active, true), isNull(users.passwordHash))
  if (filters.status === 'active') conditions.push(eq(users.active, true), isNotNull(users.passwordHash))
  if (filters.signedInWithinDays !== undefined)
    conditions.push(gt(users.lastSignInAt, new Date(Date.now() - filters.signedInWithinDays * DAY_MS)))
  if (filters.notSignedInForDays !== undefined) {
    const since = new Date(Date.now() - filters.notSignedInForDays * DAY_MS)
    conditions.push(or(isNull(users.lastSignInAt), lt(users.lastSignInAt, since)) as SQL)
  }
  return conditions
}

/** The council's users that match the filters, by email address. Removed users are never listed. */
export async function listCouncilUsers(
  db: Queryable,
  councilId: number,
  filters: Record<string, unknown> = {},
): Promise<CouncilUser[]> {
  const value = parseInput(userFiltersSchema, filters)
  const rows = await db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.councilId, councilId), isNull(users.removedAt), ...filterConditions(value)))
    .orderBy(asc(users.email))
  return rows.map(toCouncilUser)
}

export async function getCouncilUser(db: Queryable, councilId: number, userId: number): Promise<CouncilUser> {
  const [row] = await db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.id, userId), eq(users.councilId, councilId), isNull(users.removedAt)))
  if (!row) throw new NotFoundError(`No user ${userId} in this council`)
  return toCouncilUser(row)
}

/** The user with this email address in the council, for the command line. */
export async function findCouncilUserByEmail(
  db: Queryable,
  councilId: number,
  email: string,
): Promise<CouncilUser> {
  const [row] = await db
    .select(userColumns)
    .from(users)
    .where(
      and(eq(users.councilId, councilId), eq(users.email, normaliseEmail(email)), isNull(users.removedAt)),
    )
  if (!row) throw new NotFoundError(`No user with the email address ${normaliseEmail(email)} in this council`)
  return toCouncilUser(row)
}

/**
 * Runs a change to one user with the council's row locked, so that changes which could take away
 * administrators happen one at a time: two administrators demoting each other at once see each
 * other's change, and the second is refused.
 */
async function changeUser<T>(
  db: Database,
  councilId: number,
  userId: number,
  change: (tx: Queryable, user: CouncilUser, activeAdminIds: number[]) => Promise<T>,
): Promise<T> {
  const result = await db.transaction(async (tx) => {
    await tx.select({ id: councils.id }).from(councils).where(eq(councils.id, councilId)).for('update')
    const user = await getCouncilUser(tx, councilId, userId)
    // Those who can sign in and administer now: invited administrators have no password yet.
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.councilId, councilId),
          eq(users.role, 'council_admin'),
          eq(users.active, true),
          isNotNull(users.passwordHash),
          isNull(users.removedAt),
        ),
      )
    return change(
      tx,
      user,
      admins.map((a) => a.id),
    )
  })
  return result
}

/** A user's access ends at once: their sessions end and the API tokens they made are revoked. */
async function cutAccess(
  tx: Queryable,
  user: CouncilUser,
  councilId: number,
  actor: Actor,
): Promise<number[]> {
  await tx.delete(sessions).where(eq(sessions.userId, user.id))
  await expireLinksOf(tx, user.id)
  // Every process forgets what the person's tokens resolved to, at commit.
  await announceAccessChange(tx, { userId: user.id })
  return revokeTokensMadeBy(tx, councilId, user.id, actor)
}

export async function disableUser(
  db: Database,
  councilId: number,
  userId: number,
  actor: Actor,
): Promise<CouncilUser> {
  const user = await changeUser(db, councilId, userId, async (tx, user, admins): Promise<CouncilUser> => {
    if (user.status === 'disabled') throw new ConflictError(`${user.email} is already disabled`)
    if (leavesNoAdmin(admins, user.id)) throw new ConflictError(LAST_ADMIN.disable)
    await tx.update(users).set({ active: false }).where(eq(users.id, user.id))
    const revoked = await cutAccess(tx, user, councilId, actor)
    await audit(tx, actor, councilId, user, 'user.disabled', { apiTokensRevoked: revoked.length })
    return { ...user, status: 'disabled' }
  })
  return user
}

export async function enableUser(
  db: Database,
  councilId: number,
  userId: number,
  actor: Actor,
): Promise<CouncilUser> {
  return changeUser(db, councilId, userId, async (tx, user) => {
    if (user.status !== 'disabled') throw new ConflictError(`${user.email} is not disabled`)
    const [row] = await tx
      .update(users)
      .set({ active: true })
      .where(eq(users.id, user.id))
      .returning(userColumns)
    await audit(tx, actor, councilId, user, 'user.enabled')
    return toCouncilUser(row as UserRow)
  })
}

/** Gives a council user another council role. Their sessions end, so the new role starts with a new session. */
export async function changeUserRole(
  db: Database,
  councilId: number,
  userId: number,
  input: { role: string },
  actor: Actor,
) {
  const { role } = parseInput(changeRoleSchema, input)
  return changeUser(db, councilId, userId, async (tx, user, admins) => {
    if (user.role === 'provider_user')
      throw new ValidationError([{ field: 'role', message: PROVIDER_ROLE_FIXED }])
    if (user.role === role) return user
    if (role !== 'council_admin' && leavesNoAdmin(admins, user.id)) throw new ConflictError(LAST_ADMIN.demote)
    await tx.update(users).set({ role }).where(eq(users.id, user.id))
    await tx.delete(sessions).where(eq(sessions.userId, user.id))
    // Tokens acting as the person take their new role: processes forget the old one.
    await announceAccessChange(tx, { userId: user.id })
    await audit(tx, actor, councilId, user, 'user.role_changed', { from: user.role, to: role })
    return { ...user, role }
  })
}

/** Changes the address a user signs in with; links sent to the old address stop working. */
export async function changeUserEmail(
  db: Database,
  councilId: number,
  userId: number,
  input: { email: string },
  actor: Actor,
) {
  const { email } = parseInput(changeEmailSchema, input)
  return changeUser(db, councilId, userId, async (tx, user) => {
    if (user.email === email) return user
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.councilId, councilId), eq(users.email, email), isNull(users.removedAt)))
    if (taken)
      throw new ConflictError(`A user with the email address ${email} already exists in this council`)
    await tx.update(users).set({ email }).where(eq(users.id, user.id))
    await expireLinksOf(tx, user.id)
    await audit(tx, actor, councilId, user, 'user.email_changed', { from: user.email, to: email })
    return { ...user, email }
  })
}

/**
 * Removes a user: they can no longer sign in and leave every list, but the row stays, so the audit
 * log and their past work keep their name.
 */
export async function removeUser(db: Database, councilId: number, userId: number, actor: Actor) {
  const removed = await changeUser(db, councilId, userId, async (tx, user, admins) => {
    if (leavesNoAdmin(admins, user.id)) throw new ConflictError(LAST_ADMIN.remove)
    await tx.update(users).set({ active: false, removedAt: sql`now()` }).where(eq(users.id, user.id))
    const revoked = await cutAccess(tx, user, councilId, actor)
    await audit(tx, actor, councilId, user, 'user.removed', {
      role: user.role,
      apiTokensRevoked: revoked.length,
    })
    return { id: user.id, email: user.email }
  })
  return removed
}

/**
 * Clears a user's authenticator and recovery codes, for someone who has lost their authenticator
 * app. Their sessions end; if two-factor sign-in is required for them, they set up a new
 * authenticator at their next sign-in.
 */
export async function resetUserTwoFactor(
  db: Database,
  councilId: number,
  userId: number,
  actor: Actor,
): Promise<CouncilUser> {
  return changeUser(db, councilId, userId, async (tx, user) => {
    if (!user.twoFactorEnabled)
      throw new ConflictError(
        `${user.email} has not set up two-factor authentication, so there is nothing to reset`,
      )
    await tx.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, user.id))
    await tx.delete(userTwoFactor).where(eq(userTwoFactor.userId, user.id))
    await tx.delete(sessions).where(eq(sessions.userId, user.id))
    await audit(tx, actor, councilId, user, 'two_factor.reset')
    return { ...user, twoFactorEnabled: false }
  })
}

/**
 * Emails the user a link to set their password: a new invitation while they have none, else a reset
 * link. The administrator never sees the password or the link.
 */
export async function sendPasswordLink(
  db: Database,
  councilId: number,
  userId: number,
  actor: Actor,
  options: { linkBase: string },
): Promise<{ email: string; purpose: 'invitation' | 'reset' }> {
  return changeUser(db, councilId, userId, async (tx, user) => {
    if (user.status === 'disabled')
      throw new ConflictError(`${user.email} is disabled. Enable them before sending a link`)
    const purpose = user.status === 'invited' ? 'invitation' : 'reset'
    await issuePasswordLink(tx, { id: user.id, councilId, email: user.email }, purpose, {
      linkBase: options.linkBase,
      actor,
    })
    return { email: user.email, purpose }
  })
}

function audit(
  tx: Queryable,
  actor: Actor,
  councilId: number,
  user: CouncilUser,
  action: string,
  details: Record<string, unknown> = {},
) {
  return recordAudit(tx, actor, {
    councilId,
    action,
    entityType: 'user',
    entityId: user.id,
    details: { email: user.email, ...details },
  })
}

/** The email addresses of these users of the council (removed ones too: records keep naming them). */
export async function userEmails(
  db: Queryable,
  councilId: number,
  userIds: readonly number[],
): Promise<Map<number, string>> {
  const ids = [...new Set(userIds)]
  if (ids.length === 0) return new Map()
  const rows = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.councilId, councilId), inArray(users.id, ids)))
  return new Map(rows.map((row) => [row.id, row.email]))
}
