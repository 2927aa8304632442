// Who looks after a request: a broker takes it ("Assign to me") or gives it to a colleague broker
// of the same council. Not a change of status, so the request's version and place in the queues
// stay; the audit log records each assignment with who made it.

import { and, eq } from 'drizzle-orm'
import { z } from 'zod'
import type { SessionUser } from '../../accounts/service.ts'
import {
  type CouncilUser,
  findCouncilUserByEmail,
  getCouncilUser,
  listCouncilUsers,
  userEmails,
} from '../../accounts/users/service.ts'
import { recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { sourcingRequests } from '../schema.ts'
import { actorFor, ForbiddenError } from './callers.ts'
import { getRequest } from './records.ts'
import { lockRequestRow, type SourcingRequest } from './store.ts'

const optionalText = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
    ? undefined
    : value

export const assignmentSchema = z
  .object({
    userId: z.preprocess(
      optionalText,
      z.coerce
        .number({ error: 'userId must be the ID of a broker of this council' })
        .int({ error: 'userId must be the ID of a broker of this council' })
        .min(1, { error: 'userId must be the ID of a broker of this council' })
        .max(2_147_483_647, { error: 'userId must be the ID of a broker of this council' })
        .optional()
        .describe('The broker to assign it to, by user ID'),
    ),
    brokerEmail: z.preprocess(
      optionalText,
      z
        .string({ error: 'brokerEmail must be an email address' })
        .trim()
        .max(320, { error: 'brokerEmail must be 320 characters or fewer' })
        .optional()
        .describe('The broker to assign it to, by email address'),
    ),
  })
  .refine((value) => value.userId === undefined || value.brokerEmail === undefined, {
    message: 'Give userId or brokerEmail, not both',
    path: ['userId'],
  })
  .describe('Neither: the request is assigned to the broker asking')

/** A request's statuses in which nobody needs to look after it any more. */
const FINISHED = new Set(['started', 'cancelled'])

/** The council's active brokers, by email address: whom a request may be assigned to. */
export async function assignableBrokers(db: Queryable, councilId: number): Promise<CouncilUser[]> {
  return listCouncilUsers(db, councilId, { role: 'broker', status: 'active' })
}

/** The assigned brokers' email addresses, by user ID, for showing beside requests. */
export async function brokerEmails(
  db: Queryable,
  councilId: number,
  userIds: readonly (number | null)[],
): Promise<Map<number, string>> {
  return userEmails(
    db,
    councilId,
    userIds.filter((id): id is number => id !== null),
  )
}

async function chosenBroker(
  db: Queryable,
  caller: SessionUser,
  given: z.output<typeof assignmentSchema>,
): Promise<CouncilUser> {
  const field = given.brokerEmail !== undefined ? 'brokerEmail' : 'userId'
  const notBroker = (what: string) =>
    new ValidationError([{ field, message: `${what} is not an active broker of this council` }])
  let user: CouncilUser
  try {
    if (given.brokerEmail !== undefined)
      user = await findCouncilUserByEmail(db, caller.councilId, given.brokerEmail)
    else user = await getCouncilUser(db, caller.councilId, given.userId ?? caller.id)
  } catch (error) {
    if (error instanceof NotFoundError) throw notBroker(given.brokerEmail ?? `User ${given.userId}`)
    throw error
  }
  if (user.role !== 'broker' || user.status !== 'active') throw notBroker(user.email)
  return user
}

/**
 * Assigns the request to a broker of the caller's council: the one given by `userId` or
 * `brokerEmail`, or the caller. Only brokers assign; a started or cancelled request is not assigned.
 */
export async function assignRequest(
  db: Database,
  caller: SessionUser,
  requestId: number,
  input: unknown,
  options: { now?: Date } = {},
): Promise<SourcingRequest> {
  if (caller.role !== 'broker') throw new ForbiddenError('Only a broker can assign a request')
  const given = parseInput(assignmentSchema, input ?? {})
  await getRequest(db, caller, requestId)
  const broker = await chosenBroker(db, caller, given)
  await db.transaction(async (tx) => {
    const row = await lockRequestRow(tx, caller.councilId, requestId)
    if (!row) throw new NotFoundError('No such request')
    if (FINISHED.has(row.status))
      throw new ConflictError(`A ${row.status} request is not assigned to anyone any more`)
    const now = options.now ?? new Date()
    await tx
      .update(sourcingRequests)
      .set({ assignedBrokerId: broker.id, assignedAt: now })
      .where(and(eq(sourcingRequests.councilId, caller.councilId), eq(sourcingRequests.id, requestId)))
    await recordAudit(tx, actorFor(caller), {
      councilId: caller.councilId,
      action: 'request.assigned',
      entityType: 'sourcing_request',
      entityId: requestId,
      details: { from: row.assignedBrokerId, to: broker.id, toEmail: broker.email },
    })
  })
  return getRequest(db, caller, requestId)
}
