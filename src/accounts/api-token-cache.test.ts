import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { ACCESS_CHANGED_CHANNEL } from './access-changes.ts'
import { type ApiTokenResolver, startApiTokenResolver } from './api-token-cache.ts'
import { issueApiToken, revokeCouncilApiToken } from './api-tokens.ts'
import { apiTokens, users } from './schema.ts'
import { addUser, createCouncil } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
const onPostgres = Boolean(process.env.TEST_DATABASE_URL)

let database: DatabaseHandle
let resolver: ApiTokenResolver
let councilId: number
let clock = Date.now()

beforeAll(async () => {
  database = await createTestDatabase()
  councilId = (await createCouncil(database.db, { code: 'CACHE', name: 'Cache Council' }, system)).id
  resolver = await startApiTokenResolver(database, () => clock)
})
afterAll(async () => {
  await resolver.stop()
  await database.close()
})

async function newToken(name: string) {
  return issueApiToken(
    database.db,
    { councilId, name, role: 'broker', providerOrganisationId: null, createdByUserId: null },
    system,
  )
}

/** Revokes behind the service's back, as no process would tell the others about. */
async function revokeSilently(id: number) {
  await database.db.update(apiTokens).set({ revokedAt: sql`now()` }).where(eq(apiTokens.id, id))
}

describe('resolved API tokens kept in memory', () => {
  it('are answered from memory, and forgotten when any process announces a revocation', async () => {
    const { id, token } = await newToken('kept')
    expect(await resolver.resolve(token)).toMatchObject({ apiTokenId: id, role: 'broker', councilId })
    await revokeSilently(id)
    // Still known: the database was not asked again.
    expect(await resolver.resolve(token)).toMatchObject({ apiTokenId: id })
    // Another process's revocation arrives as a notification.
    await database.db.execute(sql`select pg_notify(${ACCESS_CHANGED_CHANNEL}, ${String(id)})`)
    await expect.poll(() => resolver.resolve(token)).toBeNull()
  })

  it('stop working the moment this process revokes them', async () => {
    const { id, token } = await newToken('revoked here')
    expect(await resolver.resolve(token)).not.toBeNull()
    await revokeCouncilApiToken(database.db, councilId, id, system)
    expect(await resolver.resolve(token)).toBeNull()
  })

  it('are read again after five minutes whatever happens', async () => {
    const { id, token } = await newToken('aged')
    expect(await resolver.resolve(token)).not.toBeNull()
    await revokeSilently(id)
    clock += 4 * 60_000
    expect(await resolver.resolve(token)).not.toBeNull()
    clock += 60_000
    expect(await resolver.resolve(token)).toBeNull()
  })

  it('forget a person’s tokens when a change to the person is announced', async () => {
    const person = await addUser(
      database.db,
      councilId,
      { email: 'person@cache.test', role: 'social_worker', password: 'a long enough password' },
      system,
      { passwordCostLog2: 10 },
    )
    const { token } = await issueApiToken(
      database.db,
      {
        councilId,
        name: 'personal',
        userEmail: 'person@cache.test',
        role: null,
        providerOrganisationId: null,
        createdByUserId: null,
      },
      system,
    )
    expect(await resolver.resolve(token)).toMatchObject({ id: person.id, role: 'social_worker' })
    await database.db.update(users).set({ active: false }).where(eq(users.id, person.id))
    expect(await resolver.resolve(token)).not.toBeNull()
    // Another process disabled the person and said so.
    await database.db.execute(sql`select pg_notify(${ACCESS_CHANGED_CHANNEL}, ${`user:${person.id}`})`)
    await expect.poll(() => resolver.resolve(token)).toBeNull()
  })

  it('are not answered from memory past the secret’s expiry', async () => {
    clock = Date.now()
    const { id, token } = await newToken('expiring')
    await database.db
      .update(apiTokens)
      .set({ expiresAt: sql`now() + interval '1 minute'` })
      .where(eq(apiTokens.id, id))
    expect(await resolver.resolve(token)).not.toBeNull()
    await revokeSilently(id)
    expect(await resolver.resolve(token)).not.toBeNull()
    clock += 2 * 60_000
    expect(await resolver.resolve(token)).toBeNull()
  })

  it('refuse what is not a token without asking the database', async () => {
    expect(await resolver.resolve('not-a-token')).toBeNull()
    expect(await resolver.resolve('cm_unknown')).toBeNull()
  })

  it.skipIf(!onPostgres)(
    'are not trusted while the connection that hears revocations is down, and again once it is back',
    async () => {
      const { id, token } = await newToken('interrupted')
      expect(await resolver.resolve(token)).not.toBeNull()
      // Drop the listening connection: revocations announced now would be missed.
      await database.db.execute(sql`
        select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and query ilike ${`listen%${ACCESS_CHANGED_CHANNEL}%`}`)
      await revokeSilently(id)
      await expect.poll(() => resolver.resolve(token)).toBeNull()

      // Listening again (it retries after a second), tokens are kept once more.
      const again = await newToken('after the interruption')
      await expect
        .poll(
          async () => {
            await resolver.resolve(again.token)
            await revokeSilently(again.id)
            const kept = await resolver.resolve(again.token)
            await database.db.update(apiTokens).set({ revokedAt: null }).where(eq(apiTokens.id, again.id))
            return kept?.apiTokenId
          },
          { timeout: 10_000, interval: 500 },
        )
        .toBe(again.id)
    },
  )
})
