import { and, desc, eq, lt, max, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Queryable } from '../db/connection.ts'
import { NotFoundError, parseInput } from '../errors.ts'
import { outbox } from './schema.ts'

export type OutboxMessage = typeof outbox.$inferSelect

/** Kinds of email Caremarket sends, each with the name people see in the outbox. */
export const EMAIL_KIND_LABELS: Record<string, string> = {
  capacity_reminder: 'Capacity reminder',
  brokerage_invitation: 'Invitation to offer',
  offer_outcome: 'Outcome of an offer',
  account_invitation: 'Invitation to set a password',
  password_reset: 'Password reset link',
  provider_failure: 'Provider failure',
  fee_uplift: 'Fee uplift letter',
}

const emailSchema = z.object({
  councilId: z.number().int().positive(),
  kind: z.string().trim().min(1).max(100),
  // Several recipients are separated by commas, as in an email header.
  to: z
    .string()
    .trim()
    .min(1, 'An email needs a recipient')
    .max(2000)
    .refine(
      (value) => value.split(',').every((address) => z.email().safeParse(address.trim()).success),
      'Every recipient must be an email address',
    ),
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((value) => !/[\r\n]/.test(value), 'A subject is one line'),
  body: z.string().min(1).max(100_000),
})

export type NewEmail = z.input<typeof emailSchema>

/**
 * Puts an email in the outbox. Call it with the transaction that makes the change the email is
 * about, so the email exists exactly when the change does; the sender delivers it later.
 */
export async function enqueueEmail(tx: Queryable, email: NewEmail): Promise<{ id: number }> {
  const value = parseInput(emailSchema, email)
  const [row] = await tx
    .insert(outbox)
    .values({
      councilId: value.councilId,
      kind: value.kind,
      toAddress: value.to,
      subject: value.subject,
      bodyText: value.body,
    })
    .returning({ id: outbox.id })
  if (!row) throw new Error('insert returned no row')
  return row
}

/** A council's messages, newest first, a page at a time (keyset on id). */
export async function listOutbox(
  db: Queryable,
  councilId: number,
  options: { before?: number; limit: number },
): Promise<OutboxMessage[]> {
  const conditions = [eq(outbox.councilId, councilId)]
  if (options.before !== undefined) conditions.push(lt(outbox.id, options.before))
  return db
    .select()
    .from(outbox)
    .where(and(...conditions))
    .orderBy(desc(outbox.id))
    .limit(options.limit)
}

export async function getOutboxMessage(db: Queryable, councilId: number, id: number): Promise<OutboxMessage> {
  const [row] = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.councilId, councilId), eq(outbox.id, id)))
  if (!row) throw new NotFoundError('No such message')
  return row
}

/**
 * When a message of this kind last went into the outbox for any of these addresses, or null.
 * Lets a sender of reminders keep to "at most one a week" without remembering anything else.
 */
export async function lastEmailed(
  db: Queryable,
  query: { councilId: number; kind: string; addresses: string[] },
): Promise<Date | null> {
  const addresses = query.addresses.map((a) => a.trim().toLowerCase()).filter(Boolean)
  if (addresses.length === 0) return null
  const [row] = await db
    .select({ at: max(outbox.createdAt) })
    .from(outbox)
    .where(
      and(
        eq(outbox.councilId, query.councilId),
        eq(outbox.kind, query.kind),
        sql`exists (select 1 from unnest(string_to_array(${outbox.toAddress}, ',')) as recipient(address)
          where lower(trim(recipient.address)) in ${addresses})`,
      ),
    )
  return row?.at ? new Date(row.at) : null
}
