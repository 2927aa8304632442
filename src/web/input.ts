import fastifyMultipart, { type Multipart, type MultipartFile } from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type FieldError, ValidationError } from '../errors.ts'
import { type IdColumn, unstorableInteger, unstorableText } from '../storable.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Path parameters naming rows of a `bigint` column; every other ID parameter is an `integer`. */
    bigintParams?: readonly string[]
  }
}

/** A field called `id`, `somethingId` or `version` holds a row's ID or version: an `integer` column. */
const ID_FIELD = /^(id|[a-z][A-Za-z]*Id|version)$/
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/
/** Deeper than any form or API body Caremarket takes; refused before anything walks it. */
const MAX_INPUT_DEPTH = 32
/** Enough to say what is wrong without echoing a whole hostile body back. */
const MAX_REPORTED = 10

/**
 * Every route's input is checked here before its handler runs: no text PostgreSQL cannot store,
 * no nesting too deep to walk, and no ID too large for its column, in the path, the query or the
 * body. Routes still read IDs with `recordId`, which says what the ID is of; uploads are checked
 * as they are read, by `acceptUploads`.
 */
export const inputChecks = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request) => {
    const bigintParams = request.routeOptions.config.bigintParams ?? []
    const errors = [
      ...inputProblems(request.params, (name) => (bigintParams.includes(name) ? 'bigint' : 'integer')),
      ...inputProblems(request.query),
      ...inputProblems(request.body),
    ]
    if (errors.length > 0) throw new ValidationError(errors.slice(0, MAX_REPORTED))
  })
})

/**
 * Text anywhere in a parsed input (names too) that cannot be stored, nesting too deep to walk, and
 * IDs that do not fit their column.
 */
function inputProblems(input: unknown, idColumn: (name: string) => IdColumn = () => 'integer'): FieldError[] {
  const errors: FieldError[] = []
  // A stack rather than recursion: the input's shape is the sender's to choose.
  const pending = [{ value: input, name: '', path: '', depth: 0 }]
  for (let next = pending.pop(); next && errors.length < MAX_REPORTED; next = pending.pop()) {
    const { value, name, path, depth } = next
    const field = path || 'input'
    if (typeof value === 'string') {
      const problem = unstorableText(value)
      if (problem) errors.push({ field, message: `${field} ${problem}` })
    }
    if (
      ID_FIELD.test(name) &&
      (typeof value === 'number' || (typeof value === 'string' && INTEGER_TEXT.test(value)))
    ) {
      const problem = unstorableInteger(name, Number(value), idColumn(name))
      if (problem) errors.push({ field, message: problem })
    }
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue
    if (depth >= MAX_INPUT_DEPTH) {
      errors.push({ field, message: `${field} must not be nested more than ${MAX_INPUT_DEPTH} deep` })
      continue
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${printable(key)}` : printable(key)
      const problem = unstorableText(key)
      if (problem) errors.push({ field: childPath, message: `The name of ${childPath} ${problem}` })
      else pending.push({ value: child, name: key, path: childPath, depth: depth + 1 })
    }
  }
  return errors
}

/** A field name fit to show in an error message. */
function printable(name: string): string {
  return name.replace(/\p{Surrogate}|\p{Cc}/gu, '\uFFFD')
}

export interface UploadOptions {
  limits: { fileSize: number; files: number; fields: number; parts: number }
  /** Reads one uploaded file; what it returns is the file field's value in the body. */
  onFile: (request: FastifyRequest, file: MultipartFile) => Promise<unknown>
}

/**
 * Lets the routes of the plugin it is called in take multipart/form-data. Field names, values and
 * file names are checked as they arrive, and a body that is not valid multipart is a 400.
 */
export async function acceptUploads(app: FastifyInstance, options: UploadOptions): Promise<void> {
  // A file over the limit is cut off (`file.truncated`), for the route to report on its form.
  await app.register(fastifyMultipart, { limits: options.limits, throwFileSizeLimit: false })
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return
    const body: Record<string, unknown> = {}
    try {
      for await (const part of request.parts()) {
        const errors = partProblems(part)
        if (errors.length > 0) throw new ValidationError(errors)
        const value = part.type === 'file' ? await options.onFile(request, part) : part.value
        const earlier = body[part.fieldname]
        body[part.fieldname] =
          earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value]
      }
    } catch (error) {
      throw isMalformedUpload(error)
        ? new ValidationError([
            {
              field: 'body',
              message: `The upload is not valid multipart/form-data: ${(error as Error).message}`,
            },
          ])
        : error
    }
    request.body = body
  })
}

function partProblems(part: Multipart): FieldError[] {
  if (part.type === 'field') return inputProblems({ [part.fieldname]: part.value })
  const errors = inputProblems({ [part.fieldname]: '' })
  const problem = unstorableText(part.filename)
  const field = printable(part.fieldname)
  if (problem) errors.push({ field, message: `The name of the file in ${field} ${problem}` })
  return errors
}

/**
 * The multipart parser's own errors carry no status and no system call; a status is already a
 * client error, and a system call failing (the disk, say) is the service's problem.
 */
function isMalformedUpload(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ValidationError) return false
  return (error as { statusCode?: number }).statusCode === undefined && !('syscall' in error)
}
