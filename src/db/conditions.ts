// SQL conditions that more than one domain builds the same way.
import { type Column, type SQL, sql } from 'drizzle-orm'

/**
 * `column = any($1::int[])`: one parameter however many ids. `inArray` sends one parameter per id,
 * and eligibility asks about hundreds of locations at once, where building, parsing and binding
 * hundreds of parameters took longer than the queries themselves (bench brokerage).
 */
export function inIds(column: Column | SQL, ids: readonly number[]): SQL {
  return sql`${column} = any(${sql.param([...ids])}::int[])`
}
