import { randomBytes } from 'node:crypto'
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
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
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({ ...spec, tokenHash: hashToken(token) })
      .returning({ id: apiTokens.id })
    if (!row) throw new Error('insert returned no row')
    await recordAudit(tx, actor, {
      councilId: spec.councilId,
      action: 'api_token.created',
      entityType: 'api_token',
      entityId: row.id,
      details: { name: spec.name, role: spec.role },
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
  })
}

// Every API request resolves its token, so the query is built and (on PostgreSQL) planned once per
// database rather than per request: building and planning it had capped API requests at about a
// third of the rate of /health (bench brokerage).
function prepareTokenLookup(db: Database) {
  return db
    .select({ token: apiTokens, council: councils, creatorEmail: users.email })
    .from(apiTokens)
    .innerJoin(councils, eq(councils.id, apiTokens.councilId))
    .leftJoin(users, eq(users.id, apiTokens.createdByUserId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
    .prepare('resolve_api_token')
}
const tokenLookups = new WeakMap<Database, ReturnType<typeof prepareTokenLookup>>()

/** The identity an API token acts as, or null when it is unknown or revoked. */
export async function resolveApiToken(db: Database, token: string): Promise<SessionUser | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null
  let lookup = tokenLookups.get(db)
  if (!lookup) {
    lookup = prepareTokenLookup(db)
    tokenLookups.set(db, lookup)
  }
  const [row] = await lookup.execute({ hash: hashToken(token) })
  if (!row) return null
  const lastUsed = row.token.lastUsedAt?.getTime() ?? 0
  // Once a minute is precise enough to see which tokens are in use, without a write per request.
  if (Date.now() - lastUsed > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, row.token.id))
  }
  return {
    id: row.token.createdByUserId ?? 0,
    email: `api-token:${row.token.name} (${row.creatorEmail ?? 'command line'})`,
    role: row.token.role as Role,
    councilId: row.council.id,
    councilCode: row.council.code,
    councilName: row.council.name,
    councilIsDemo: row.council.isDemo,
    providerOrganisationId: row.token.providerOrganisationId,
    apiTokenId: row.token.id,
  }
}
