// When a user last opened a page whose news their home page counts: a provider's opportunities, a
// commissioner's market events. Opening the page moves the mark forward; the home page counts what
// came after it.
import { and, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../db/connection.ts'
import { pageVisits } from './schema.ts'

export type VisitedPage = 'opportunities' | 'market-events'

interface Visitor {
  id: number
  councilId: number
}

/** Marks the page as seen by the user now (the database's time unless given). */
export async function recordPageVisit(
  db: Queryable,
  user: Visitor,
  page: VisitedPage,
  at?: Date,
): Promise<void> {
  if (!user.id) return
  const visitedAt = at ?? sql`now()`
  await db
    .insert(pageVisits)
    .values({ userId: user.id, councilId: user.councilId, page, visitedAt })
    .onConflictDoUpdate({ target: [pageVisits.userId, pageVisits.page], set: { visitedAt } })
}

/** When the user last opened the page; null when never. */
export async function lastPageVisit(db: Queryable, user: Visitor, page: VisitedPage): Promise<Date | null> {
  if (!user.id) return null
  const [row] = await db
    .select({ visitedAt: pageVisits.visitedAt })
    .from(pageVisits)
    .where(
      and(
        eq(pageVisits.userId, user.id),
        eq(pageVisits.councilId, user.councilId),
        eq(pageVisits.page, page),
      ),
    )
  return row?.visitedAt ?? null
}
