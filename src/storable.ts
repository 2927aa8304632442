// What PostgreSQL can store. Input that breaks these rules is refused where it arrives, with the
// field named, rather than failing in the database as a 500.
import { z } from 'zod'

/** The largest value of a PostgreSQL `integer`: the type of most of Caremarket's ids. */
const INTEGER_MAX = 2_147_483_647
/** The largest `bigint` id Caremarket reads: Drizzle reads them as JavaScript numbers. */
const BIGINT_ID_MAX = Number.MAX_SAFE_INTEGER

export type IdColumn = 'integer' | 'bigint'

function idColumnMax(column: IdColumn = 'integer'): number {
  return column === 'bigint' ? BIGINT_ID_MAX : INTEGER_MAX
}

/**
 * The one way to read the ID of a row, from a path, a query or a body: a positive whole number
 * no larger than its column holds.
 */
export function recordId(label: string, options: { column?: IdColumn; message?: string } = {}) {
  const message = options.message ?? `${label} must be a positive whole number`
  const max = idColumnMax(options.column)
  return z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(max, { error: options.message ?? tooLarge(label, max) })
}

/** Why a whole number does not fit a column of this type, or undefined when it does. */
export function unstorableInteger(label: string, value: number, column: IdColumn = 'integer') {
  const max = idColumnMax(column)
  return value > max || value < -max - 1 ? tooLarge(label, max) : undefined
}

function tooLarge(label: string, max: number): string {
  return `${label} must be no more than ${max.toLocaleString('en-GB')}`
}

// With the u flag a surrogate pair is one code point, so this matches only halves left alone.
const LONE_SURROGATE = /\p{Surrogate}/u

/** Why PostgreSQL cannot store this text, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character (U+0000)'
  if (LONE_SURROGATE.test(text)) return 'must not contain half of a Unicode surrogate pair'
  return undefined
}

/** Why an uploaded text file cannot be read, when it holds a NUL byte; `offset` is where `bytes` starts. */
export function nulByteProblem(bytes: Buffer, offset = 0): string | undefined {
  const at = bytes.indexOf(0)
  if (at < 0) return undefined
  return (
    `The file has a NUL byte at byte ${(offset + at + 1).toLocaleString('en-GB')}: it is not a text file, ` +
    'or it was saved as UTF-16. Save it as CSV (UTF-8) and try again'
  )
}
