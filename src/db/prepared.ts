// Raw SQL that PostgreSQL parses and plans once per connection instead of on every call, the way
// drizzle's `.prepare(name)` does for its query builders. Only for statements on a hot path whose
// planning outweighs their work: planning the offer statement took three times as long as running
// it (bench brokerage). Values are given as `sql.placeholder(name)` in the statement.
import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Database } from './connection.ts'

// Placeholders and identifiers render the same whatever the casing; it only has to match connection.ts.
const dialect = new PgDialect({ casing: 'snake_case' })

type PreparedQuery = ReturnType<Database['_']['session']['prepareQuery']>

/** A named statement; call the result with the database and the placeholders' values. */
export function preparedSql<Row>(
  name: string,
  statement: SQL,
): (db: Database, values: Record<string, unknown>) => Promise<Row[]> {
  const query = dialect.sqlToQuery(statement)
  // One per database handle: a prepared query is bound to the session it was made on.
  const prepared = new WeakMap<Database, PreparedQuery>()
  return async (db, values) => {
    let run = prepared.get(db)
    if (!run) {
      run = db._.session.prepareQuery(query, undefined, name, false)
      prepared.set(db, run)
    }
    const result = (await run.execute(values)) as { rows: Row[] }
    return result.rows
  }
}
