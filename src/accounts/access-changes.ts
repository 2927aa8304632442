// Processes keep the identities API tokens resolve to (api-token-cache.ts). When what a token may
// do changes (revoked, rotated, its person disabled or moved between teams), every process must
// forget it at once: the change is announced with pg_notify, delivered at commit to every process,
// and this process hears it directly too.
import { sql } from 'drizzle-orm'
import type { Queryable } from '../db/connection.ts'

/** The channel on which changed tokens and people are announced. */
export const ACCESS_CHANGED_CHANNEL = 'caremarket_api_token_revoked'

/** A token whose identity changed, or a person whose tokens all changed with them. */
export type AccessChange = { tokenId: number } | { userId: number }

const listeners = new Set<(change: AccessChange) => void>()

/** Calls `forget` with every change this process announces; the result stops it. */
export function onAccessChanged(forget: (change: AccessChange) => void): () => void {
  listeners.add(forget)
  return () => listeners.delete(forget)
}

/**
 * Announces a change inside the transaction that makes it. Other processes hear it at commit; this
 * one forgets at once (a lookup racing the commit is not kept: see the cache's change counter).
 */
export async function announceAccessChange(tx: Queryable, change: AccessChange): Promise<void> {
  await tx.execute(sql`select pg_notify(${ACCESS_CHANGED_CHANNEL}, ${encodeAccessChange(change)})`)
  for (const forget of listeners) forget(change)
}

/** A token's id as it always was ("12"), a person's as "user:12". */
function encodeAccessChange(change: AccessChange): string {
  return 'tokenId' in change ? String(change.tokenId) : `user:${change.userId}`
}

export function decodeAccessChange(payload: string): AccessChange | null {
  const user = /^user:(\d+)$/.exec(payload)
  if (user) return { userId: Number(user[1]) }
  return /^\d+$/.test(payload) ? { tokenId: Number(payload) } : null
}
