import { randomBytes } from 'node:crypto'
import { and, desc, eq, gt, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import { inIds } from '../db/conditions.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput, ValidationError } from '../errors.ts'
import { announceAccessChange } from './access-changes.ts'
import { COUNCIL_ROLES, type Role } from './roles.ts'
import { apiTokens, councils, users } from './schema.ts'
import { actorOf, hashToken, type SessionUser, toSessionUser } from './service.ts'
import { teamIdsOf } from './teams.ts'

// A recognisable prefix lets secret scanners and people spot a leaked Caremarket token.
const TOKEN_PREFIX = 'cm_'

/** A token lasts a year unless made for less: a forgotten token stops working on its own. */
export const DEFAULT_TOKEN_DAYS = 365
const MAX_TOKEN_DAYS = 730
/** After a rotation the old secret keeps working this long, so systems can change over. */
export const DEFAULT_ROTATION_GRACE_HOURS = 24
const MAX_ROTATION_GRACE_HOURS = 30 * 24

const tokenDays = z.coerce
  .number({ error: 'Enter the number of days the token lasts' })
  .int('Enter a whole number of days')
  .min(1, 'A token lasts at least 1 day')
  .max(MAX_TOKEN_DAYS, `A token lasts at most ${MAX_TOKEN_DAYS} days`)
  .default(DEFAULT_TOKEN_DAYS)

const rotationSchema = z.object({
  graceHours: z.coerce
    .number({ error: 'Enter how many hours the old secret keeps working' })
    .int('Enter a whole number of hours')
    .min(0, 'The old secret keeps working 0 hours or more')
    .max(MAX_ROTATION_GRACE_HOURS, `The old secret keeps working at most ${MAX_ROTATION_GRACE_HOURS} hours`)
    .default(DEFAULT_ROTATION_GRACE_HOURS),
  expiresInDays: tokenDays,
})

const blankAsUnset = (v: unknown) => (v === '' || v === null ? undefined : v)

const newTokenSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'Enter a name for the token')
      .max(100, 'Name must be 100 characters or fewer'),
    /** A person's email: the token acts as them. Without it the token is a system's, with `role`. */
    userEmail: z.preprocess(
      blankAsUnset,
      z
        .string()
        .trim()
        .max(254, 'Email address must be 254 characters or fewer')
        .transform((v) => v.toLowerCase())
        .optional(),
    ),
    role: z.preprocess(
      blankAsUnset,
      z.enum(COUNCIL_ROLES as [Role, ...Role[]], { message: 'Choose the role the token acts as' }).optional(),
    ),
    mayActOnBehalf: z.boolean().default(false),
    expiresInDays: z.preprocess(blankAsUnset, tokenDays),
  })
  .superRefine((value, ctx) => {
    if (value.userEmail && value.role)
      ctx.addIssue({
        code: 'custom',
        path: ['role'],
        message: 'A token that acts as a person has that person’s role: choose a person or a role, not both',
      })
    if (value.userEmail && value.mayActOnBehalf)
      ctx.addIssue({
        code: 'custom',
        path: ['mayActOnBehalf'],
        message: 'Only a system’s token may act on behalf of people; a person’s token acts as them alone',
      })
  })

export type NewApiToken = z.input<typeof newTokenSchema>

export interface ApiTokenRow {
  id: number
  name: string
  /** The system token's role; null for a token acting as a person. */
  role: Role | null
  userEmail: string | null
  mayActOnBehalf: boolean
  createdAt: Date
  expiresAt: Date
  previousExpiresAt: Date | null
  lastUsedAt: Date | null
  revokedAt: Date | null
}

/** Whose tokens: a provider user manages its organisation's, a council admin the council's own. */
function ownerConditions(owner: SessionUser) {
  return owner.providerOrganisationId
    ? [
        eq(apiTokens.councilId, owner.councilId),
        eq(apiTokens.providerOrganisationId, owner.providerOrganisationId),
      ]
    : [eq(apiTokens.councilId, owner.councilId), isNull(apiTokens.providerOrganisationId)]
}

/** Creates a token for the owner's own scope and returns its secret, which is shown once and never stored. */
export function createApiToken(
  db: Database,
  owner: SessionUser,
  input: NewApiToken,
): Promise<{ id: number; token: string }> {
  const value = parseInput(newTokenSchema, input)
  if (owner.providerOrganisationId && (value.userEmail || value.mayActOnBehalf))
    throw new ValidationError([
      { field: 'name', message: 'A provider’s token acts for its organisation, not for a person' },
    ])
  return issueApiToken(
    db,
    {
      councilId: owner.councilId,
      name: value.name,
      userEmail: value.userEmail ?? null,
      role: value.userEmail
        ? null
        : owner.providerOrganisationId
          ? 'provider_user'
          : (value.role ?? 'broker'),
      providerOrganisationId: owner.providerOrganisationId,
      mayActOnBehalf: value.mayActOnBehalf,
      expiresInDays: value.expiresInDays,
      createdByUserId: owner.id || null,
    },
    actorOf(owner),
  )
}

/**
 * Creates a token for any scope; the caller has decided it may (the CLI, run by the operator). A
 * token acts as the person `userEmail` names (an active user of the same council), or is a
 * system's and acts as `role`.
 */
export async function issueApiToken(
  db: Database,
  spec: {
    councilId: number
    name: string
    /** The person the token acts as; left out (or null) for a system's token. */
    userEmail?: string | null
    role: Role | null
    providerOrganisationId: number | null
    mayActOnBehalf?: boolean
    expiresInDays?: number
    createdByUserId: number | null
  },
  actor: Actor,
): Promise<{ id: number; token: string; expiresAt: Date }> {
  if (!spec.userEmail && spec.role === null)
    throw new ValidationError([
      { field: 'role', message: 'Choose a person for the token to act as, or a role' },
    ])
  if (spec.role !== null && (spec.role === 'provider_user') !== (spec.providerOrganisationId !== null)) {
    throw new ValidationError([
      { field: 'provider', message: 'A provider_user token needs a provider, and only it' },
    ])
  }
  // The command line names tokens too; the same rules hold for it as for the pages.
  const value = parseInput(newTokenSchema, {
    name: spec.name,
    userEmail: spec.userEmail ?? undefined,
    role: spec.role === 'provider_user' ? undefined : (spec.role ?? undefined),
    mayActOnBehalf: spec.mayActOnBehalf ?? false,
    expiresInDays: spec.expiresInDays,
  })
  const token = newSecret()
  return db.transaction(async (tx) => {
    let userId: number | null = null
    if (value.userEmail) {
      const [person] = await tx
        .select({ id: users.id })
        .from(users)
        .where(
          and(eq(users.councilId, spec.councilId), eq(users.email, value.userEmail), eq(users.active, true)),
        )
      // Another council's people are never revealed: they are simply not found here.
      if (!person)
        throw new ValidationError([
          {
            field: 'userEmail',
            message: `No active user with the email address ${value.userEmail} in this council`,
          },
        ])
      userId = person.id
    }
    const [row] = await tx
      .insert(apiTokens)
      .values({
        councilId: spec.councilId,
        name: value.name,
        tokenHash: hashToken(token),
        userId,
        role: userId === null ? spec.role : null,
        providerOrganisationId: userId === null ? spec.providerOrganisationId : null,
        mayActOnBehalf: value.mayActOnBehalf,
        createdByUserId: spec.createdByUserId,
        expiresAt: sql`now() + make_interval(days => ${value.expiresInDays})`,
      })
      .returning({ id: apiTokens.id, expiresAt: apiTokens.expiresAt })
    if (!row) throw new Error('insert returned no row')
    await recordAudit(tx, actor, {
      councilId: spec.councilId,
      action: 'api_token.created',
      entityType: 'api_token',
      entityId: row.id,
      details: {
        name: value.name,
        ...(userId === null ? { role: spec.role } : { userId, userEmail: value.userEmail }),
        mayActOnBehalf: value.mayActOnBehalf,
        expiresAt: row.expiresAt.toISOString(),
      },
    })
    return { id: row.id, token, expiresAt: row.expiresAt }
  })
}

function newSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
}

export async function listApiTokens(db: Queryable, owner: SessionUser): Promise<ApiTokenRow[]> {
  const rows = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      role: apiTokens.role,
      userEmail: users.email,
      mayActOnBehalf: apiTokens.mayActOnBehalf,
      createdAt: apiTokens.createdAt,
      expiresAt: apiTokens.expiresAt,
      previousExpiresAt: apiTokens.previousExpiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(and(...ownerConditions(owner)))
    .orderBy(desc(apiTokens.createdAt))
  return rows.map((r) => ({ ...r, role: r.role as Role | null }))
}

export function revokeApiToken(db: Database, owner: SessionUser, tokenId: number): Promise<void> {
  return revoke(db, tokenId, owner.councilId, ownerConditions(owner), actorOf(owner))
}

/** Revokes any token of a council; for the operator at the command line. */
export function revokeCouncilApiToken(
  db: Database,
  councilId: number,
  tokenId: number,
  actor: Actor,
): Promise<void> {
  return revoke(db, tokenId, councilId, [eq(apiTokens.councilId, councilId)], actor)
}

async function revoke(
  db: Database,
  tokenId: number,
  councilId: number,
  scope: SQL[],
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt), ...scope))
      .returning({ id: apiTokens.id, name: apiTokens.name })
    if (!row) throw new NotFoundError(`No active token ${tokenId} in this council`)
    await recordAudit(tx, actor, {
      councilId,
      action: 'api_token.revoked',
      entityType: 'api_token',
      entityId: row.id,
      details: { name: row.name },
    })
    await announceAccessChange(tx, { tokenId: row.id })
  })
}

/**
 * Revokes, within the caller's transaction, every live token a user made or that acts as them:
 * their systems lose access with them (a user disabled or removed).
 */
export async function revokeTokensMadeBy(
  tx: Queryable,
  councilId: number,
  userId: number,
  actor: Actor,
): Promise<number[]> {
  const revoked = await tx
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(apiTokens.councilId, councilId),
        or(eq(apiTokens.createdByUserId, userId), eq(apiTokens.userId, userId)),
        isNull(apiTokens.revokedAt),
      ),
    )
    .returning({ id: apiTokens.id, name: apiTokens.name })
  for (const row of revoked) {
    await recordAudit(tx, actor, {
      councilId,
      action: 'api_token.revoked',
      entityType: 'api_token',
      entityId: row.id,
      details: { name: row.name, reason: 'its maker lost access' },
    })
    await announceAccessChange(tx, { tokenId: row.id })
  }
  return revoked.map((row) => row.id)
}

export interface RotationOptions {
  graceHours?: unknown
  expiresInDays?: unknown
}

/** Rotates one of the owner's tokens (the token pages). */
export function rotateApiToken(
  db: Database,
  owner: SessionUser,
  tokenId: number,
  options: RotationOptions = {},
): Promise<RotatedToken> {
  return rotate(db, tokenId, owner.councilId, ownerConditions(owner), actorOf(owner), options)
}

/** Rotates any token of a council; for the operator at the command line. */
export function rotateCouncilApiToken(
  db: Database,
  councilId: number,
  tokenId: number,
  actor: Actor,
  options: RotationOptions = {},
): Promise<RotatedToken> {
  return rotate(db, tokenId, councilId, [eq(apiTokens.councilId, councilId)], actor, options)
}

/** Rotates the token the API request came with: a system renews its own secret. */
export function rotateOwnApiToken(
  db: Database,
  caller: SessionUser,
  options: RotationOptions = {},
): Promise<RotatedToken> {
  if (caller.apiTokenId === undefined)
    throw new ValidationError([
      { field: 'authorization', message: 'Present the API token to rotate as a Bearer token' },
    ])
  return rotate(
    db,
    caller.apiTokenId,
    caller.councilId,
    [eq(apiTokens.councilId, caller.councilId)],
    actorOf(caller),
    options,
  )
}

export interface RotatedToken {
  id: number
  token: string
  expiresAt: Date
  /** Until when the secret it replaced still works. */
  previousExpiresAt: Date
}

/**
 * Gives a token a new secret and a new expiry. The old secret keeps working for the grace period,
 * so a system can change over without a gap; a secret rotated away before that is dropped.
 */
async function rotate(
  db: Database,
  tokenId: number,
  councilId: number,
  scope: SQL[],
  actor: Actor,
  options: RotationOptions,
): Promise<RotatedToken> {
  const { graceHours, expiresInDays } = parseInput(rotationSchema, {
    graceHours: blankAsUnset(options.graceHours),
    expiresInDays: blankAsUnset(options.expiresInDays),
  })
  const token = newSecret()
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({
        previousTokenHash: sql`${apiTokens.tokenHash}`,
        previousExpiresAt: sql`now() + make_interval(hours => ${graceHours})`,
        tokenHash: hashToken(token),
        expiresAt: sql`now() + make_interval(days => ${expiresInDays})`,
      })
      .where(
        and(
          eq(apiTokens.id, tokenId),
          isNull(apiTokens.revokedAt),
          gt(apiTokens.expiresAt, sql`now()`),
          ...scope,
        ),
      )
      .returning({
        id: apiTokens.id,
        name: apiTokens.name,
        expiresAt: apiTokens.expiresAt,
        previousExpiresAt: apiTokens.previousExpiresAt,
      })
    if (!row?.previousExpiresAt) throw new NotFoundError(`No active token ${tokenId} in this council`)
    await recordAudit(tx, actor, {
      councilId,
      action: 'api_token.rotated',
      entityType: 'api_token',
      entityId: row.id,
      details: {
        name: row.name,
        expiresAt: row.expiresAt.toISOString(),
        previousExpiresAt: row.previousExpiresAt.toISOString(),
      },
    })
    // Processes forget what they kept under the old secret, so its grace period is read afresh.
    await announceAccessChange(tx, { tokenId: row.id })
    return { id: row.id, token, expiresAt: row.expiresAt, previousExpiresAt: row.previousExpiresAt }
  })
}

/** What an API token resolves to: who it acts as, until when, and whether it may name a person. */
export interface ResolvedApiToken {
  user: SessionUser
  /** The person a user token acts as; null for a system's token. */
  actingUserId: number | null
  mayActOnBehalf: boolean
  /** When this secret stops working (expiry, or the end of a rotation's grace period), in ms. */
  validUntil: number
}

const actingUsers = alias(users, 'acting_users')
const creators = alias(users, 'creators')

// Every API request resolves its token, so the query is built and (on PostgreSQL) planned once per
// database rather than per request: building and planning it had capped API requests at about a
// third of the rate of /health (bench brokerage). It reads only the columns an identity needs, and
// the person's role and teams as they are now, so a token of a disabled person finds nothing.
function prepareTokenLookup(db: Database) {
  const hash = sql.placeholder('hash')
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      role: apiTokens.role,
      tokenHash: apiTokens.tokenHash,
      expiresAt: apiTokens.expiresAt,
      previousExpiresAt: apiTokens.previousExpiresAt,
      mayActOnBehalf: apiTokens.mayActOnBehalf,
      providerOrganisationId: apiTokens.providerOrganisationId,
      councilId: councils.id,
      councilCode: councils.code,
      councilName: councils.name,
      councilIsDemo: councils.isDemo,
      creatorEmail: creators.email,
      actingUserId: actingUsers.id,
      actingEmail: actingUsers.email,
      actingRole: actingUsers.role,
      actingProviderOrganisationId: actingUsers.providerOrganisationId,
      actingTeamIds: teamIdsOf(actingUsers.id),
    })
    .from(apiTokens)
    .innerJoin(councils, eq(councils.id, apiTokens.councilId))
    .leftJoin(creators, eq(creators.id, apiTokens.createdByUserId))
    .leftJoin(actingUsers, and(eq(actingUsers.id, apiTokens.userId), eq(actingUsers.active, true)))
    .where(
      and(
        or(
          eq(apiTokens.tokenHash, hash),
          and(eq(apiTokens.previousTokenHash, hash), gt(apiTokens.previousExpiresAt, sql`now()`)),
        ),
        isNull(apiTokens.revokedAt),
        gt(apiTokens.expiresAt, sql`now()`),
        or(isNull(apiTokens.userId), isNotNull(actingUsers.id)),
      ),
    )
    .prepare('resolve_api_token')
}
const tokenLookups = new WeakMap<Database, ReturnType<typeof prepareTokenLookup>>()

/** What an API token is known by in the database and in memory; null for what cannot be one. */
export function apiTokenHash(token: string): string | null {
  return token.startsWith(TOKEN_PREFIX) ? hashToken(token) : null
}

/** How a system's token appears in the audit log and request histories. */
function systemLabel(row: { name: string; creatorEmail: string | null }): string {
  return `api-token:${row.name} (${row.creatorEmail ?? 'command line'})`
}

/**
 * The identity of the token with this hash, read from the database; null when unknown, revoked,
 * expired, rotated away past its grace period, or acting as a person who is no longer active.
 */
export async function lookUpApiToken(db: Database, hash: string): Promise<ResolvedApiToken | null> {
  let lookup = tokenLookups.get(db)
  if (!lookup) {
    lookup = prepareTokenLookup(db)
    tokenLookups.set(db, lookup)
  }
  const [row] = await lookup.execute({ hash })
  if (!row) return null
  const council = {
    councilId: row.councilId,
    councilCode: row.councilCode,
    councilName: row.councilName,
    councilIsDemo: row.councilIsDemo,
  }
  const validUntil = Math.min(
    row.expiresAt.getTime(),
    row.tokenHash === hash ? Number.POSITIVE_INFINITY : (row.previousExpiresAt?.getTime() ?? 0),
  )
  const user: SessionUser =
    row.actingUserId !== null
      ? {
          id: row.actingUserId,
          email: row.actingEmail as string,
          role: row.actingRole as Role,
          ...council,
          providerOrganisationId: row.actingProviderOrganisationId,
          teamIds: row.actingTeamIds,
          apiTokenId: row.id,
          via: `api-token:${row.name}`,
        }
      : {
          // A system's token has no person behind it.
          id: 0,
          email: systemLabel(row),
          role: row.role as Role,
          ...council,
          providerOrganisationId: row.providerOrganisationId,
          teamIds: [],
          apiTokenId: row.id,
        }
  return { user, actingUserId: row.actingUserId, mayActOnBehalf: row.mayActOnBehalf, validUntil }
}

/** Why a token may not act for the person X-On-Behalf-Of names. */
export class OnBehalfRefusal extends Error {}

/**
 * The person a system's token acts for, named by email in X-On-Behalf-Of: an active member of
 * staff of the token's council, with their role and teams as they are now. The token must have
 * been given the permission. Refusals are audited, with the system and the name it gave.
 */
export async function actOnBehalfOf(
  db: Database,
  token: ResolvedApiToken,
  email: string,
): Promise<SessionUser> {
  const system = token.user
  const named = email.trim().toLowerCase()
  const refuse = async (message: string, reason: string) => {
    await recordAudit(db, actorOf(system), {
      councilId: system.councilId,
      action: 'api_token.on_behalf_refused',
      entityType: 'api_token',
      entityId: system.apiTokenId,
      details: { onBehalfOf: named.slice(0, 254), reason },
    })
    return new OnBehalfRefusal(message)
  }
  if (token.actingUserId !== null)
    throw await refuse(
      'This token acts as its own person: it cannot act on behalf of anyone else',
      'user token',
    )
  if (!token.mayActOnBehalf)
    throw await refuse(
      'This token is not allowed to act on behalf of people (X-On-Behalf-Of)',
      'not permitted',
    )
  const [row] = await db
    .select({ user: users, council: councils, teamIds: teamIdsOf(users.id) })
    .from(users)
    .innerJoin(councils, eq(councils.id, users.councilId))
    .where(and(eq(users.councilId, system.councilId), eq(users.email, named), eq(users.active, true)))
  // Another council's people are never revealed: they are simply not found here.
  if (!row || row.user.role === 'provider_user')
    throw await refuse(
      'X-On-Behalf-Of must name an active member of staff of the token’s council',
      row ? 'provider user' : 'no such active user in this council',
    )
  return {
    ...toSessionUser(row.user, row.council),
    teamIds: row.teamIds,
    apiTokenId: system.apiTokenId,
    via: system.email,
  }
}

/** How often a token's "last used" time is brought up to date: enough to see which tokens are in use. */
const LAST_USED_PRECISION_MS = 60_000
/** Uses are gathered this long before one statement records them all. */
const LAST_USED_FLUSH_MS = 1_000

/**
 * Records when tokens were last used, at most once a minute each and in one statement for all the
 * tokens used in a second. Writing it within the request had added a round trip to the first API
 * request of every token in each minute, half of all offers in bench brokerage. A use in the second
 * before the service stops may go unrecorded: it is a hint for the token list, not an audit record.
 */
class TokenUseRecorder {
  private readonly marked = new Map<number, number>()
  private readonly pending = new Map<Database, Set<number>>()
  private timer: NodeJS.Timeout | null = null

  use(db: Database, tokenId: number, now = Date.now()): void {
    if (now - (this.marked.get(tokenId) ?? 0) < LAST_USED_PRECISION_MS) return
    this.marked.set(tokenId, now)
    let ids = this.pending.get(db)
    if (!ids) {
      ids = new Set()
      this.pending.set(db, ids)
    }
    ids.add(tokenId)
    this.timer ??= setTimeout(() => void this.flush(), LAST_USED_FLUSH_MS).unref()
  }

  /** Writes every gathered use now. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const batches = [...this.pending]
    this.pending.clear()
    await Promise.all(
      batches.map(async ([db, ids]) => {
        try {
          await db
            .update(apiTokens)
            .set({ lastUsedAt: sql`now()` })
            .where(inIds(apiTokens.id, [...ids]))
        } catch {
          // The database may have closed under us (shutdown, a test's end); the hint is not worth a crash.
          for (const id of ids) this.marked.delete(id)
        }
      }),
    )
  }
}
const tokenUse = new TokenUseRecorder()

/** Notes that a token was used; the time is recorded within a second or so. */
export function noteTokenUse(db: Database, tokenId: number): void {
  tokenUse.use(db, tokenId)
}

/** Records the token uses gathered so far; for tests and an orderly shutdown. */
export function recordTokenUses(): Promise<void> {
  return tokenUse.flush()
}
