// The database's clock, for changes that race each other on a lock. A change stamped with the time
// read after its lock is held is later than every change the lock made it wait for, whichever
// instance of the service made them: they all read one clock. The time is taken to the millisecond,
// as JavaScript dates hold it, so a time read here and one written by SQL compare the same way.
import { sql } from 'drizzle-orm'
import type { Queryable } from './connection.ts'

/** The database's time now, to the millisecond; `clock_timestamp()`, not the transaction's start. */
export const databaseNow = sql`date_trunc('milliseconds', clock_timestamp())`

/** Reads the database's time now. Read after taking a lock, it is later than what the lock waited for. */
export async function databaseClock(db: Queryable): Promise<Date> {
  const result = await db.execute(sql`select (extract(epoch from ${databaseNow}) * 1000)::float8 as ms`)
  const [row] = (result as unknown as { rows: { ms: number | string }[] }).rows
  return new Date(Number(row?.ms))
}
