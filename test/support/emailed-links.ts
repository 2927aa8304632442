// The links Caremarket emails people (invitations, password resets), read from the outbox as the
// SMTP sender would send them.
import { and, desc, eq } from 'drizzle-orm'
import type { Database } from '../../src/db/connection.ts'
import { outbox } from '../../src/db/schema.ts'

/** The path and query of the set-password link in the newest email of this kind to the address. */
export async function emailedLink(db: Database, to: string, kind = 'password_reset'): Promise<string> {
  const [message] = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toAddress, to), eq(outbox.kind, kind)))
    .orderBy(desc(outbox.id))
    .limit(1)
  const url = message?.bodyText.match(/https?:\/\/\S+\/set-password\?token=\S+/)?.[0]
  if (!url) throw new Error(`no ${kind} link emailed to ${to}`)
  const { pathname, search } = new URL(url)
  return `${pathname}${search}`
}

/** How many emails of this kind went to the address. */
export async function emailsTo(db: Database, to: string, kind: string): Promise<number> {
  const rows = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.toAddress, to), eq(outbox.kind, kind)))
  return rows.length
}
