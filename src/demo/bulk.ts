// Writing many rows at once for a generated history: one INSERT ... SELECT FROM unnest() per batch,
// one array parameter per column, on PostgreSQL and PGlite alike. Ids are chosen by the caller
// (OVERRIDING SYSTEM VALUE), so that rows can name each other before they are written; the
// identity sequences are moved past them afterwards.
import type { Database } from '../db/connection.ts'

/** A column's SQL type; arrays and jsonb travel as text and are cast in SQL. */
type ColumnType =
  | 'int'
  | 'bigint'
  | 'float8'
  | 'bool'
  | 'text'
  | 'date'
  | 'timestamptz'
  | 'int[]'
  | 'text[]'
  | 'jsonb'

export interface TableSpec {
  table: string
  columns: readonly (readonly [name: string, type: ColumnType])[]
  /** Whether the rows carry their own value for a generated identity column. */
  overriding?: boolean
}

/** A cell as it is handed over: arrays are written as PostgreSQL array literals, jsonb as JSON text. */
export type Cell = string | number | boolean | null | Date | readonly (string | number)[] | object

export interface RawClient {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>
}

/** The driver under Drizzle: node-postgres's pool or the PGlite client, both with query(text, params). */
export function rawClient(db: Database): RawClient {
  return (db as unknown as { $client: RawClient }).$client
}

interface PgliteLike extends RawClient {
  transaction<T>(run: (tx: RawClient) => Promise<T>): Promise<T>
}
interface PoolLike extends RawClient {
  connect(): Promise<RawClient & { release(): void }>
}

/**
 * Runs `run` in one transaction on the driver under Drizzle: PGlite's own transaction, or a
 * connection of node-postgres's pool held for it. Everything inside must use the client it is given.
 */
export async function withRawTransaction<T>(
  db: Database,
  run: (client: RawClient) => Promise<T>,
): Promise<T> {
  const client = rawClient(db)
  if ('transaction' in client && typeof client.transaction === 'function')
    return (client as PgliteLike).transaction(run)
  const connection = await (client as PoolLike).connect()
  try {
    await connection.query('begin')
    const result = await run(connection)
    await connection.query('commit')
    return result
  } catch (error) {
    await connection.query('rollback').catch(() => {})
    throw error
  } finally {
    connection.release()
  }
}

const ARRAY_TYPE: Record<ColumnType, string> = {
  int: 'int[]',
  bigint: 'bigint[]',
  float8: 'float8[]',
  bool: 'boolean[]',
  text: 'text[]',
  date: 'date[]',
  timestamptz: 'timestamptz[]',
  'int[]': 'text[]',
  'text[]': 'text[]',
  jsonb: 'text[]',
}

function arrayLiteral(values: readonly (string | number)[]): string {
  return `{${values.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`
}

function encode(type: ColumnType, value: Cell): unknown {
  if (value === null || value === undefined) return null
  if (type === 'int[]' || type === 'text[]') return arrayLiteral(value as readonly (string | number)[])
  if (type === 'jsonb') return JSON.stringify(value)
  if (value instanceof Date) return value.toISOString()
  return value
}

/** One INSERT statement for a batch of rows of a table. */
function insertStatement(spec: TableSpec): string {
  const names = spec.columns.map(([name]) => name)
  const params = spec.columns.map(([, type], i) => `$${i + 1}::${ARRAY_TYPE[type]}`)
  const selected = spec.columns.map(([name, type]) =>
    type === 'int[]' || type === 'text[]' || type === 'jsonb' ? `u.${name}::${type}` : `u.${name}`,
  )
  return `insert into ${spec.table} (${names.join(', ')}) ${spec.overriding ? 'overriding system value ' : ''}
    select ${selected.join(', ')} from unnest(${params.join(', ')}) as u(${names.join(', ')})`
}

const BATCH_ROWS = 10_000

/** Rows of one table waiting to be written, column by column. */
export class TableBuffer {
  private readonly statement: string
  private columns: unknown[][]
  private count = 0
  written = 0

  constructor(readonly spec: TableSpec) {
    this.statement = insertStatement(spec)
    this.columns = spec.columns.map(() => [])
  }

  get pending(): number {
    return this.count
  }

  add(row: readonly Cell[]): void {
    if (row.length !== this.spec.columns.length)
      throw new Error(`${this.spec.table}: ${row.length} values for ${this.spec.columns.length} columns`)
    for (let i = 0; i < row.length; i++)
      (this.columns[i] as unknown[]).push(
        encode((this.spec.columns[i] as [string, ColumnType])[1], row[i] as Cell),
      )
    this.count++
  }

  /** Writes everything added so far, a batch per statement. */
  async flush(client: RawClient): Promise<void> {
    const columns = this.columns
    const count = this.count
    this.columns = this.spec.columns.map(() => [])
    this.count = 0
    for (let start = 0; start < count; start += BATCH_ROWS) {
      const end = Math.min(count, start + BATCH_ROWS)
      await client.query(
        this.statement,
        columns.map((values) => values.slice(start, end)),
      )
    }
    this.written += count
  }
}

/** The highest id in a table, to allocate the next ones from. */
export async function maxId(client: RawClient, table: string): Promise<number> {
  const { rows } = await client.query(`select coalesce(max(id), 0)::bigint as id from ${table}`)
  return Number(rows[0]?.id ?? 0)
}

/** Moves a table's identity sequence past the ids written with OVERRIDING SYSTEM VALUE. */
export async function resetIdentity(client: RawClient, table: string): Promise<void> {
  await client.query(`
    select setval(pg_get_serial_sequence('${table}', 'id'), greatest(1, m), m > 0)
    from (select coalesce(max(id), 0) as m from ${table}) t`)
}
