// Every API request names its token, and a provider's system sends many requests with one token,
// so each process keeps the identities it has resolved. Revocation, rotation and a change to the
// token's person (disabled, moved between teams) must still take effect at once: each is announced
// with pg_notify to every process (access-changes.ts), and a process trusts what it kept only while
// it is listening for those announcements, and never past the secret's expiry.
import type { Database, DatabaseHandle } from '../db/connection.ts'
import {
  ACCESS_CHANGED_CHANNEL,
  type AccessChange,
  decodeAccessChange,
  onAccessChanged,
} from './access-changes.ts'
import {
  actOnBehalfOf,
  apiTokenHash,
  lookUpApiToken,
  noteTokenUse,
  type ResolvedApiToken,
} from './api-tokens.ts'
import type { SessionUser } from './service.ts'

/** A bound on how long a token is trusted without reading it again, whatever else happens. */
const MAX_AGE_MS = 5 * 60_000
/** A bound on memory: about 300 bytes a token. */
const MAX_ENTRIES = 50_000

export interface ApiTokenResolver {
  /**
   * The identity an API token acts as, or null when it is unknown, revoked or expired. With
   * `onBehalfOf` (an email address), the person a system's token acts for; a token that may not is
   * refused with OnBehalfRefusal.
   */
  resolve(token: string, onBehalfOf?: string): Promise<SessionUser | null>
  stop(): Promise<void>
}

export async function startApiTokenResolver(
  database: Pick<DatabaseHandle, 'db' | 'listen'>,
  now: () => number = Date.now,
): Promise<ApiTokenResolver> {
  const cache = new TokenCache(database.db, now)
  const stopForgetting = onAccessChanged((change) => cache.forget(change))
  const stopListening = await database.listen(ACCESS_CHANGED_CHANNEL, {
    onMessage: (payload) => {
      const change = decodeAccessChange(payload)
      // A message that cannot be read may still have been a change: forget everything.
      if (change) cache.forget(change)
      else cache.forgetAll()
    },
    onListening: () => cache.trust(),
    onInterrupted: () => cache.distrust(),
  })
  return {
    resolve: async (token, onBehalfOf) => {
      const resolved = await cache.resolve(token)
      if (!resolved) return null
      return onBehalfOf === undefined ? resolved.user : actOnBehalfOf(database.db, resolved, onBehalfOf)
    },
    stop: async () => {
      stopForgetting()
      cache.distrust()
      await stopListening()
    },
  }
}

class TokenCache {
  /** By token hash, oldest first. */
  private readonly entries = new Map<string, { resolved: ResolvedApiToken; at: number }>()
  private listening = false
  /** Counts revocations and interruptions, so that a lookup overtaken by one is not kept. */
  private changes = 0

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  async resolve(token: string): Promise<ResolvedApiToken | null> {
    const hash = apiTokenHash(token)
    if (hash === null) return null
    const kept = this.entries.get(hash)
    const now = this.now()
    if (kept && this.listening && now - kept.at < MAX_AGE_MS && now < kept.resolved.validUntil) {
      noteTokenUse(this.db, kept.resolved.user.apiTokenId as number)
      return kept.resolved
    }
    // A change heard while the lookup runs may postdate what it read, so its answer is not kept.
    const changes = this.changes
    const resolved = await lookUpApiToken(this.db, hash)
    if (!resolved) return null
    noteTokenUse(this.db, resolved.user.apiTokenId as number)
    if (this.listening && this.changes === changes) this.keep(hash, resolved)
    return resolved
  }

  private keep(hash: string, resolved: ResolvedApiToken): void {
    this.entries.delete(hash)
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(hash, { resolved, at: this.now() })
  }

  forget(change: AccessChange): void {
    this.changes++
    for (const [hash, { resolved }] of this.entries) {
      const matches =
        'tokenId' in change
          ? resolved.user.apiTokenId === change.tokenId
          : resolved.actingUserId === change.userId
      if (matches) this.entries.delete(hash)
    }
  }

  forgetAll(): void {
    this.changes++
    this.entries.clear()
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
