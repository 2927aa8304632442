// The market keeps its summaries by listening to brokerage's events, in brokerage's transaction.
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { createTestRequest, setRequestStatus } from '../../test/support/offers-factory.ts'
import { createCouncil } from '../accounts/service.ts'
import { brokerageEvents } from '../brokerage/events.ts'
import { markUnsourced } from '../brokerage/offers/award.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { sourcingRequests } from '../db/schema.ts'
import { iclAt } from './icl/service.ts'

const system = { kind: 'system', label: 'test' } as const
let database: DatabaseHandle
let councilId: number

beforeAll(async () => {
  database = await createTestDatabase()
  ;({ id: councilId } = await createCouncil(database.db, { code: 'LSTN', name: 'Listening Council' }, system))
})
afterAll(async () => database?.close())

async function closedRequest(): Promise<number> {
  const { requestId } = await createTestRequest(database.db, councilId, { publish: false })
  await setRequestStatus(database.db, requestId, 'closed')
  return requestId
}

describe('the market listening to brokerage', () => {
  it('puts a request brokerage marks unsourced on the Interim Care List', async () => {
    const requestId = await closedRequest()
    await markUnsourced(database.db, { councilId, actor: system }, requestId, {})
    const list = await iclAt(database.db, councilId, new Date())
    expect(list.entries.map((e) => e.requestId)).toContain(requestId)
  })

  it('fails brokerage’s change, and writes nothing, when a listener fails', async () => {
    const requestId = await closedRequest()
    const stop = brokerageEvents.on('requestStatusChanged', () => {
      throw new Error('the summary could not be kept')
    })
    try {
      await expect(markUnsourced(database.db, { councilId, actor: system }, requestId, {})).rejects.toThrow(
        'the summary could not be kept',
      )
    } finally {
      stop()
    }
    const [row] = await database.db
      .select({ status: sourcingRequests.status })
      .from(sourcingRequests)
      .where(eq(sourcingRequests.id, requestId))
    expect(row?.status).toBe('closed')
    const list = await iclAt(database.db, councilId, new Date())
    expect(list.entries.map((e) => e.requestId)).not.toContain(requestId)
  })
})
