import { createHash, randomBytes } from 'node:crypto'
import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../errors.ts'
import { DEFAULT_COST_LOG2, hashPassword, verifyPassword } from './password.ts'
import { issuePasswordLink } from './passwords/links.ts'
import { passwordProblem } from './passwords/rules.ts'
import { ROLES, type Role } from './roles.ts'
import { councils, serviceSecrets, sessions, users } from './schema.ts'
import { teamIdsOf } from './teams.ts'

export type Council = typeof councils.$inferSelect

/** The signed-in user as every request sees it. */
export interface SessionUser {
  /** The user; for an API token, the user who made it, or 0 for a token made from the command line. */
  id: number
  email: string
  role: Role
  councilId: number
  councilCode: string
  councilName: string
  councilIsDemo: boolean
  providerOrganisationId: number | null
  /** The teams a social worker is in: they see those teams' requests, and their own. */
  teamIds?: readonly number[]
  /** Set when the request came with an API token rather than a signed-in session. */
  apiTokenId?: number
  /** The API token a person acts through (their own, or a system's on their behalf), for the audit log. */
  via?: string
}

export interface SessionPolicy {
  idleMinutes: number
  maxHours: number
}

export const newUserSchema = z
  .object({
    email: z
      .string()
      .trim()
      .min(1, 'Enter an email address')
      .max(254, 'Email address must be 254 characters or fewer')
      .email('Enter an email address in the correct format, like name@example.org')
      .transform((v) => v.toLowerCase()),
    role: z.enum(ROLES, { message: `Choose a role: one of ${ROLES.join(', ')}` }),
    // Only the command line sets one, to bring up the first administrator; everyone else is sent
    // an invitation to set their own, so no administrator ever knows a person's password.
    password: z.string().optional(),
    cqcProviderId: z.string().trim().optional(),
  })
  .superRefine((value, ctx) => {
    const problem = value.password === undefined ? null : passwordProblem(value.password)
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem })
    if (value.role === 'provider_user' && !value.cqcProviderId) {
      ctx.addIssue({
        code: 'custom',
        path: ['cqcProviderId'],
        message: 'Enter the CQC provider ID or council organisation ID for a provider user',
      })
    }
    if (value.role !== 'provider_user' && value.cqcProviderId) {
      ctx.addIssue({
        code: 'custom',
        path: ['cqcProviderId'],
        message: 'Only provider users belong to a provider',
      })
    }
  })

export type NewUser = z.input<typeof newUserSchema>

/**
 * Finds a provider organisation of the council by the ID it is known by: CQC's provider ID, or
 * the ID the council issued to an organisation it accredits itself. The register's, handed to
 * accounts by the service registry, so accounts never reads the register itself.
 */
type OrganisationLookup = (councilId: number, providerId: string) => Promise<{ id: number } | undefined>

export interface AccountsOptions {
  /** scrypt cost as a power of two; lowered only in tests. */
  passwordCostLog2?: number
  /** Needed to add a provider user. */
  findOrganisation?: OrganisationLookup
  /** Where emailed links point: this service's origin (passwordLinkBase). */
  linkBase?: string
}

async function findCouncilByCode(db: Queryable, code: string): Promise<Council | undefined> {
  const [row] = await db.select().from(councils).where(eq(councils.code, code.toUpperCase()))
  return row
}

export async function getCouncilByCode(db: Queryable, code: string): Promise<Council> {
  const council = await findCouncilByCode(db, code)
  if (!council) throw new NotFoundError(`No council has the code ${code}`)
  return council
}

export async function listCouncils(db: Queryable): Promise<Council[]> {
  return db.select().from(councils).orderBy(asc(councils.code))
}

export async function addUser(
  db: Database,
  councilId: number,
  input: NewUser,
  actor: Actor,
  options: AccountsOptions = {},
): Promise<{ id: number; email: string; role: Role; invited: boolean }> {
  const value = parseInput(newUserSchema, input)
  // Hashed before the transaction: it takes a good part of a second on purpose.
  const passwordHash =
    value.password === undefined
      ? null
      : await hashPassword(value.password, options.passwordCostLog2 ?? DEFAULT_COST_LOG2)
  const providerOrganisationId = await providerOrganisationOf(councilId, value.cqcProviderId, options)
  return db.transaction((tx) =>
    insertUser(tx, councilId, { ...value, providerOrganisationId }, passwordHash, actor, options),
  )
}

/**
 * The register's organisation a provider user belongs to, looked up before the user's transaction:
 * the look-up is the register's and runs on its own connection, which on the embedded database
 * would wait for the transaction to end. Organisations are never deleted, and the foreign key
 * refuses the insert if one ever were.
 */
async function providerOrganisationOf(
  councilId: number,
  providerId: string | undefined,
  options: Pick<AccountsOptions, 'findOrganisation'>,
): Promise<number | null> {
  if (!providerId) return null
  if (!options.findOrganisation)
    throw new Error('Adding a provider user needs the register’s organisation lookup')
  const organisation = await options.findOrganisation(councilId, providerId)
  if (!organisation) {
    throw new ValidationError([
      {
        field: 'cqcProviderId',
        message: `No provider with the CQC provider ID or council organisation ID ${providerId} in this council`,
      },
    ])
  }
  return organisation.id
}

/** Adds one checked user within the caller's transaction: with the given password, or invited by email. */
export async function insertUser(
  tx: Queryable,
  councilId: number,
  value: z.output<typeof newUserSchema> & { providerOrganisationId: number | null },
  passwordHash: string | null,
  actor: Actor,
  options: AccountsOptions,
): Promise<{ id: number; email: string; role: Role; invited: boolean }> {
  if (passwordHash === null && !options.linkBase) throw new Error('an invitation needs the link base')
  const { providerOrganisationId } = value
  // Emails are unique per council (the index decides, so two adds at once cannot both win):
  // another council's accounts are never revealed.
  const [created] = await tx
    .insert(users)
    .values({ councilId, email: value.email, role: value.role, providerOrganisationId, passwordHash })
    .onConflictDoNothing({ target: [users.councilId, users.email], where: isNull(users.removedAt) })
    .returning({ id: users.id })
  if (!created)
    throw new ConflictError(`A user with the email address ${value.email} already exists in this council`)
  await recordAudit(tx, actor, {
    councilId,
    action: 'user.created',
    entityType: 'user',
    entityId: created.id,
    details: { email: value.email, role: value.role, providerOrganisationId, invited: passwordHash === null },
  })
  if (passwordHash === null)
    await issuePasswordLink(tx, { id: created.id, councilId, email: value.email }, 'invitation', {
      linkBase: options.linkBase as string,
      actor,
    })
  return { id: created.id, email: value.email, role: value.role, invited: passwordHash === null }
}

/** Email addresses of the council's active users of one role (the brokers told of a provider failure). */
export async function councilUserEmails(db: Queryable, councilId: number, role: Role): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.councilId, councilId), eq(users.role, role), eq(users.active, true)))
    .orderBy(asc(users.email))
  return rows.map((r) => r.email)
}

/** Email addresses of the active provider users of each organisation. */
export async function providerUserEmailsByOrganisation(
  db: Queryable,
  councilId: number,
  organisationIds: readonly number[],
): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>()
  if (organisationIds.length === 0) return result
  const rows = await db
    .select({ organisationId: users.providerOrganisationId, email: users.email })
    .from(users)
    .where(
      and(
        eq(users.councilId, councilId),
        inArray(users.providerOrganisationId, [...organisationIds]),
        eq(users.role, 'provider_user'),
        eq(users.active, true),
      ),
    )
    .orderBy(asc(users.email))
  for (const row of rows) {
    if (row.organisationId === null) continue
    const list = result.get(row.organisationId) ?? []
    list.push(row.email)
    result.set(row.organisationId, list)
  }
  return result
}

/** Email addresses are kept lower-case; sign-in and its limits read them the same way. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

// Verifying against a real hash of the same cost when the user is unknown keeps the timing the
// same either way, so response time does not reveal which email addresses have accounts.
const decoyHashes = new Map<number, Promise<string>>()

function decoyHash(costLog2: number): Promise<string> {
  let hash = decoyHashes.get(costLog2)
  if (!hash) {
    hash = hashPassword('decoy-password-for-timing', costLog2)
    decoyHashes.set(costLog2, hash)
  }
  return hash
}

/**
 * The accounts an email address and password open: usually one, or one in each council a person
 * works with. Failures are audited here; a success is recorded by recordSignIn once the person has
 * the account they chose.
 */
export async function verifySignIn(
  db: Database,
  email: string,
  password: string,
  context: { ip: string },
  options: AccountsOptions = {},
): Promise<SessionUser[]> {
  const normalised = normaliseEmail(email)
  const rows = await db
    .select({ user: users, council: councils })
    .from(users)
    .innerJoin(councils, eq(councils.id, users.councilId))
    .where(and(eq(users.email, normalised), isNull(users.removedAt)))
    .orderBy(asc(councils.name))
  const decoy = () => decoyHash(options.passwordCostLog2 ?? DEFAULT_COST_LOG2)
  if (rows.length === 0) {
    await verifyPassword(password, await decoy())
    await recordAudit(db, null, {
      councilId: null,
      action: 'sign_in.failed',
      details: { email: normalised, reason: 'unknown user', ip: context.ip },
    })
    return []
  }
  // Disabled accounts, and invited ones with no password yet, are checked too (the latter against
  // the decoy), so the time taken does not depend on which they are.
  const matches = await Promise.all(
    rows.map(async (row) =>
      row.user.passwordHash === null
        ? verifyPassword(password, await decoy()).then(() => false)
        : verifyPassword(password, row.user.passwordHash),
    ),
  )
  const opened = rows.filter((row, i) => matches[i] && row.user.active)
  if (opened.length > 0) return opened.map((row) => toSessionUser(row.user, row.council))
  // Each council sees only the failure of its own account.
  for (const [i, row] of rows.entries()) {
    await recordAudit(db, null, {
      councilId: row.user.councilId,
      action: 'sign_in.failed',
      entityType: 'user',
      entityId: row.user.id,
      details: {
        email: normalised,
        reason: matches[i]
          ? 'account disabled'
          : row.user.passwordHash === null
            ? 'no password set yet'
            : 'wrong password',
        ip: context.ip,
      },
    })
  }
  return []
}

/** Records the sign-in of an account verifySignIn opened. */
export async function recordSignIn(
  db: Database,
  user: SessionUser,
  // How they signed in, when it was more than a password: a second factor, or single sign-on.
  context: { ip: string; method?: string },
): Promise<void> {
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id))
  await recordAudit(db, actorOf(user), {
    councilId: user.councilId,
    action: 'sign_in.succeeded',
    entityType: 'user',
    entityId: user.id,
    details: context,
  })
}

/** The active accounts among these, for the person to choose one after their password opened them all. */
export async function activeAccounts(db: Queryable, userIds: readonly number[]): Promise<SessionUser[]> {
  if (userIds.length === 0) return []
  const rows = await db
    .select({ user: users, council: councils })
    .from(users)
    .innerJoin(councils, eq(councils.id, users.councilId))
    .where(and(inArray(users.id, [...userIds]), eq(users.active, true)))
    .orderBy(asc(councils.name))
  return rows.map((row) => toSessionUser(row.user, row.council))
}

export function actorOf(user: SessionUser): Actor {
  // A token made from the command line has no user behind it (id 0): the token's label names it.
  return {
    kind: 'user',
    userId: user.id || null,
    councilId: user.councilId,
    email: user.email,
    ...(user.via ? { via: user.via } : {}),
  }
}

/** Session and API tokens are stored only as their SHA-256, so a database leak does not leak them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function toSessionUser(user: typeof users.$inferSelect, council: Council): SessionUser {
  return {
    id: user.id,
    email: user.email,
    role: user.role as Role,
    councilId: council.id,
    councilCode: council.code,
    councilName: council.name,
    councilIsDemo: council.isDemo,
    providerOrganisationId: user.providerOrganisationId,
  }
}

/** The device a session was started from, for the person's list of their sessions. */
export interface SessionOrigin {
  userAgent?: string
  ip?: string
}

/** Starts a new session and returns the token for the cookie. Expired sessions are swept here. */
export async function createSession(
  db: Queryable,
  user: SessionUser,
  policy: SessionPolicy,
  origin: SessionOrigin = {},
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  const now = Date.now()
  await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, new Date(now)), lt(sessions.lastSeenAt, idleCutoff(policy, now))))
  await db.insert(sessions).values({
    tokenHash: hashToken(token),
    councilId: user.councilId,
    userId: user.id,
    expiresAt: new Date(now + policy.maxHours * 3_600_000),
    userAgent: origin.userAgent?.slice(0, 300) ?? null,
    ipAddress: origin.ip ?? null,
  })
  return token
}

function idleCutoff(policy: SessionPolicy, now: number): Date {
  return new Date(now - policy.idleMinutes * 60_000)
}

/** The user of a live session, or null when the token is unknown, expired or idle too long. */
export async function resolveSession(
  db: Database,
  token: string,
  policy: SessionPolicy,
): Promise<SessionUser | null> {
  const now = Date.now()
  const tokenHash = hashToken(token)
  const [row] = await db
    .select({ user: users, council: councils, lastSeenAt: sessions.lastSeenAt, teamIds: teamIdsOf(users.id) })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(councils, eq(councils.id, sessions.councilId))
    .where(
      and(
        eq(sessions.tokenHash, tokenHash),
        gt(sessions.expiresAt, new Date(now)),
        gt(sessions.lastSeenAt, idleCutoff(policy, now)),
        eq(users.active, true),
      ),
    )
  if (!row) return null
  // Touch at most once a minute: enough for idle expiry without a write on every request.
  if (now - row.lastSeenAt.getTime() > 60_000) {
    await db.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.tokenHash, tokenHash))
  }
  return { ...toSessionUser(row.user, row.council), teamIds: row.teamIds }
}

export async function endSession(db: Database, token: string, user: SessionUser): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)))
    await recordAudit(tx, actorOf(user), {
      councilId: user.councilId,
      action: 'sign_out',
      entityType: 'user',
      entityId: user.id,
    })
  })
}

/** A secret the service made for itself on first start, shared by every instance through the database. */
export async function loadServiceSecret(db: Database, name: string): Promise<string> {
  await db
    .insert(serviceSecrets)
    .values({ name, value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing()
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, name))
  if (!row) throw new Error(`service secret ${name} could not be stored`)
  return row.value
}

const councilCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{2,12}$/, 'Council code must be 2 to 12 letters or digits')
  .transform((v) => v.toUpperCase())

export async function createCouncil(
  db: Queryable,
  input: { code: string; name: string; isDemo?: boolean },
  actor: Actor,
): Promise<Council> {
  const code = parseInput(councilCodeSchema, input.code)
  if (await findCouncilByCode(db, code))
    throw new ConflictError(`A council with the code ${code} already exists`)
  const [council] = await db
    .insert(councils)
    .values({ code, name: input.name.trim(), isDemo: input.isDemo ?? false })
    .returning()
  if (!council) throw new Error('insert returned no row')
  await recordAudit(db, actor, {
    councilId: council.id,
    action: 'council.created',
    entityType: 'council',
    entityId: council.id,
  })
  return council
}
