// One logger for the service, and one way to write an error into a log line: personal data never
// reaches the log, whether in a field, a URL or a failed query's parameters.
import { DrizzleQueryError } from 'drizzle-orm'
import { type DestinationStream, type Logger, pino } from 'pino'

/** Fields that hold secrets or personal data, wherever a logged object carries them. */
const PERSONAL_FIELDS = [
  'password',
  'token',
  'email',
  'toAddress',
  'name',
  'dateOfBirth',
  'nhsNumber',
  'postcode',
  'address',
  'phone',
]

const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["csrf-token"]',
  'res.headers["set-cookie"]',
  ...PERSONAL_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
]

export function createLogger(options: { level: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError, req: serializeRequest },
    },
    destination,
  )
}

/** A request as its log lines show it: query values are left out, since searches name people. */
function serializeRequest(request: { method?: string; url?: string; ip?: string }) {
  return { method: request.method, url: withoutQueryValues(request.url ?? ''), remoteAddress: request.ip }
}

function withoutQueryValues(url: string): string {
  return url.replace(/([?&][^=&#]*)=[^&#]*/g, '$1=…')
}

// The fields a PostgreSQL error carries that name the failure without repeating a value: never
// `detail` ("Key (email)=(…) already exists"), `where` or the parameters PGlite attaches.
const DATABASE_ERROR_FIELDS = [
  'code',
  'severity',
  'routine',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
]

interface DatabaseErrorLike extends Error {
  code: string
  severity?: string
  [field: string]: unknown
}

function isDatabaseError(error: Error): error is DatabaseErrorLike {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && 'severity' in error
}

/**
 * The one serializer for every logged error. A failed query is logged as its statement and
 * PostgreSQL's error code; its parameters, the values PostgreSQL quotes in its message, and the
 * error's detail are left out, since they can be anyone's name or date of birth.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) }
  const type = error.constructor?.name ?? error.name
  if (error instanceof DrizzleQueryError) {
    const message = `Failed query: ${error.query}`
    return {
      type,
      message,
      query: error.query,
      stack: withMessage(error.stack, type, message),
      ...(error.cause === undefined ? {} : { cause: serializeError(error.cause) }),
    }
  }
  if (isDatabaseError(error)) {
    const known = new Set(
      DATABASE_ERROR_FIELDS.map((field) => error[field]).filter((v) => typeof v === 'string'),
    )
    const message = withoutQuotedValues(error.message, known)
    return {
      type,
      message,
      ...Object.fromEntries(
        DATABASE_ERROR_FIELDS.filter((f) => error[f] !== undefined).map((f) => [f, error[f]]),
      ),
      stack: withMessage(error.stack, type, message),
    }
  }
  // Not pino's own serializer: it folds every cause's message, a failed query's too, into this one.
  const simple = Object.entries(error).filter(
    ([field, value]) => field !== 'cause' && ['string', 'number', 'boolean'].includes(typeof value),
  )
  return {
    type,
    message: error.message,
    ...Object.fromEntries(simple),
    stack: error.stack,
    ...(error.cause === undefined ? {} : { cause: serializeError(error.cause) }),
    ...(error instanceof AggregateError ? { errors: error.errors.map(serializeError) } : {}),
  }
}

/** PostgreSQL quotes the values it could not take; names it quotes (a constraint, a table) are kept. */
function withoutQuotedValues(message: string, names: Set<unknown>): string {
  return message.replace(/"([^"]*)"/g, (quoted, inner: string) => (names.has(inner) ? quoted : '"…"'))
}

/** The stack's frames under a first line that says only what the safe message says. */
function withMessage(stack: string | undefined, type: string, message: string): string {
  const frames = (stack ?? '').split('\n').filter((line) => /^\s+at /.test(line))
  return [`${type}: ${message}`, ...frames].join('\n')
}
