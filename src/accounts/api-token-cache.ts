// Every API request names its token, and a provider's system sends many requests with one token,
// so each process keeps the identities it has resolved. Revocation must still take effect at once:
// a revoked token's id is announced with pg_notify to every process, and a process trusts what it
// kept only while it is listening for those announcements.
import type { Database, DatabaseHandle } from '../db/connection.ts'
import {
  API_TOKEN_REVOKED_CHANNEL,
  apiTokenHash,
  lookUpApiToken,
  noteTokenUse,
  onApiTokenRevoked,
} from './api-tokens.ts'
import type { SessionUser } from './service.ts'

/** A bound on how long a token is trusted without reading it again, whatever else happens. */
const MAX_AGE_MS = 5 * 60_000
/** A bound on memory: about 300 bytes a token. */
const MAX_ENTRIES = 50_000

export interface ApiTokenResolver {
  /** The identity an API token acts as, or null when it is unknown or revoked. */
  resolve(token: string): Promise<SessionUser | null>
  stop(): Promise<void>
}

export async function startApiTokenResolver(
  database: Pick<DatabaseHandle, 'db' | 'listen'>,
  now: () => number = Date.now,
): Promise<ApiTokenResolver> {
  const cache = new TokenCache(database.db, now)
  const stopForgetting = onApiTokenRevoked((id) => cache.forget(id))
  const stopListening = await database.listen(API_TOKEN_REVOKED_CHANNEL, {
    onMessage: (payload) => cache.forget(Number(payload)),
    onListening: () => cache.trust(),
    onInterrupted: () => cache.distrust(),
  })
  return {
    resolve: (token) => cache.resolve(token),
    stop: async () => {
      stopForgetting()
      cache.distrust()
      await stopListening()
    },
  }
}

class TokenCache {
  /** By token hash, oldest first. */
  private readonly entries = new Map<string, { user: SessionUser; at: number }>()
  private listening = false
  /** Counts revocations and interruptions, so that a lookup overtaken by one is not kept. */
  private changes = 0

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  async resolve(token: string): Promise<SessionUser | null> {
    const hash = apiTokenHash(token)
    if (hash === null) return null
    const kept = this.entries.get(hash)
    if (kept && this.listening && this.now() - kept.at < MAX_AGE_MS) {
      noteTokenUse(this.db, kept.user.apiTokenId as number)
      return kept.user
    }
    // A revocation heard while the lookup runs may postdate what it read, so its answer is not kept.
    const changes = this.changes
    const user = await lookUpApiToken(this.db, hash)
    if (!user) return null
    noteTokenUse(this.db, user.apiTokenId as number)
    if (this.listening && this.changes === changes) this.keep(hash, user)
    return user
  }

  private keep(hash: string, user: SessionUser): void {
    this.entries.delete(hash)
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(hash, { user, at: this.now() })
  }

  forget(tokenId: number): void {
    this.changes++
    for (const [hash, { user }] of this.entries) if (user.apiTokenId === tokenId) this.entries.delete(hash)
  }

  trust(): void {
    this.listening = true
    this.changes++
  }

  /** Announcements may be missed from now on, so nothing kept can be relied on. */
  distrust(): void {
    this.listening = false
    this.changes++
    this.entries.clear()
  }
}
