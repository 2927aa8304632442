import { randomBytes } from 'node:crypto'
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import { inIds } from '../db/conditions.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput, ValidationError } from '../errors.ts'
import { COUNCIL_ROLES, type Role } from './roles.ts'
import { apiTokens, councils, users } from './schema.ts'
import { actorOf, hashToken, type SessionUser } from './service.ts'

// A recognisable prefix lets secret scanners and people spot a leaked Caremarket token.
const TOKEN_PREFIX = 'cm_'

const newTokenSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Enter a name for the token')
    .max(100, 'Name must be 100 characters or fewer'),
  role: z
    .enum(COUNCIL_ROLES as [Role, ...Role[]], { message: 'Choose the role the token acts as' })
    .optional(),
})

export type ApiTokenRow = Pick<
  typeof apiTokens.$inferSelect,
  'id' | 'name' | 'role' | 'createdAt' | 'lastUsedAt' | 'revokedAt'
>

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
  input: { name: string; role?: string },
): Promise<{ id: number; token: string }> {
  const value = parseInput(newTokenSchema, input)
  return issueApiToken(
    db,
    {
      councilId: owner.councilId,
      name: value.name,
      role: owner.providerOrganisationId ? 'provider_user' : (value.role ?? 'broker'),
      providerOrganisationId: owner.providerOrganisationId,
      createdByUserId: owner.id,
    },
    actorOf(owner),
  )
}

/** Creates a token for any scope; the caller has decided it may (the CLI, run by the operator). */
export async function issueApiToken(
  db: Database,
  spec: {
    councilId: number
    name: string
    role: Role
    providerOrganisationId: number | null
    createdByUserId: number | null
  },
  actor: Actor,
): Promise<{ id: number; token: string }> {
  if ((spec.role === 'provider_user') !== (spec.providerOrganisationId !== null)) {
    throw new ValidationError([
      { field: 'provider', message: 'A provider_user token needs a provider, and only it' },
    ])
  }
  // The command line names tokens too; the same rule holds for it as for the pages.
  const { name } = parseInput(newTokenSchema.pick({ name: true }), { name: spec.name })
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({ ...spec, name, tokenHash: hashToken(token) })
      .returning({ id: apiTokens.id })
    if (!row) throw new Error('insert returned no row')
    await recordAudit(tx, actor, {
      councilId: spec.councilId,
      action: 'api_token.created',
      entityType: 'api_token',
      entityId: row.id,
      details: { name, role: spec.role },
    })
    return { id: row.id, token }
  })
}

export async function listApiTokens(db: Queryable, owner: SessionUser): Promise<ApiTokenRow[]> {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      role: apiTokens.role,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(and(...ownerConditions(owner)))
    .orderBy(desc(apiTokens.createdAt))
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
    // Delivered at commit to every process, so each forgets the token if it had kept it.
    await tx.execute(sql`select pg_notify(${API_TOKEN_REVOKED_CHANNEL}, ${String(row.id)})`)
  })
  forgetRevokedTokens([tokenId])
}

/**
 * Revokes, within the caller's transaction, every live token a user made: their systems lose access
 * with them (a user disabled or removed). Call forgetRevokedTokens with the ids once it commits.
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
        eq(apiTokens.createdByUserId, userId),
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
    await tx.execute(sql`select pg_notify(${API_TOKEN_REVOKED_CHANNEL}, ${String(row.id)})`)
  }
  return revoked.map((row) => row.id)
}

/** This process forgets revoked tokens at once, not when the notification comes round. */
export function forgetRevokedTokens(tokenIds: readonly number[]): void {
  for (const tokenId of tokenIds) for (const forget of revocationListeners) forget(tokenId)
}

/** The channel on which a revoked token's id is announced. */
export const API_TOKEN_REVOKED_CHANNEL = 'caremarket_api_token_revoked'
const revocationListeners = new Set<(tokenId: number) => void>()

/** Calls `forget` with the id of every token this process revokes; the result stops it. */
export function onApiTokenRevoked(forget: (tokenId: number) => void): () => void {
  revocationListeners.add(forget)
  return () => revocationListeners.delete(forget)
}

// Every API request resolves its token, so the query is built and (on PostgreSQL) planned once per
// database rather than per request: building and planning it had capped API requests at about a
// third of the rate of /health (bench brokerage). It reads only the columns an identity needs.
function prepareTokenLookup(db: Database) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      role: apiTokens.role,
      createdByUserId: apiTokens.createdByUserId,
      providerOrganisationId: apiTokens.providerOrganisationId,
      councilId: councils.id,
      councilCode: councils.code,
      councilName: councils.name,
      councilIsDemo: councils.isDemo,
      creatorEmail: users.email,
    })
    .from(apiTokens)
    .innerJoin(councils, eq(councils.id, apiTokens.councilId))
    .leftJoin(users, eq(users.id, apiTokens.createdByUserId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
    .prepare('resolve_api_token')
}
const tokenLookups = new WeakMap<Database, ReturnType<typeof prepareTokenLookup>>()

/** What an API token is known by in the database and in memory; null for what cannot be one. */
export function apiTokenHash(token: string): string | null {
  return token.startsWith(TOKEN_PREFIX) ? hashToken(token) : null
}

/** The identity of the token with this hash, read from the database; null when unknown or revoked. */
export async function lookUpApiToken(db: Database, hash: string): Promise<SessionUser | null> {
  let lookup = tokenLookups.get(db)
  if (!lookup) {
    lookup = prepareTokenLookup(db)
    tokenLookups.set(db, lookup)
  }
  const [row] = await lookup.execute({ hash })
  if (!row) return null
  return {
    id: row.createdByUserId ?? 0,
    email: `api-token:${row.name} (${row.creatorEmail ?? 'command line'})`,
    role: row.role as Role,
    councilId: row.councilId,
    councilCode: row.councilCode,
    councilName: row.councilName,
    councilIsDemo: row.councilIsDemo,
    providerOrganisationId: row.providerOrganisationId,
    apiTokenId: row.id,
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
