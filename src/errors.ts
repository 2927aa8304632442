import type { z } from 'zod'

export interface FieldError {
  /** The form field or CLI option the message is about. */
  field: string
  message: string
}

/** Input that breaks a rule. Pages show it in a GOV.UK error summary; the API and CLI print it. */
export class ValidationError extends Error {
  readonly statusCode = 400
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '))
  }

  static fromZod(error: z.ZodError): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({ field: issue.path.join('.') || 'input', message: issue.message })),
    )
  }
}

export class NotFoundError extends Error {
  readonly statusCode = 404
}

export class ConflictError extends Error {
  readonly statusCode = 409
}

/** A well-formed request that cannot be carried out as sent, e.g. an Idempotency-Key reused for another request. */
export class UnprocessableError extends Error {
  readonly statusCode = 422
}

/** Parses with a Zod schema, turning failure into a ValidationError. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw ValidationError.fromZod(result.error)
  return result.data
}

/** Too many attempts at something limited, such as sign-in. Shown as the GOV.UK 'Too many attempts' page. */
export class TooManyAttemptsError extends Error {
  readonly statusCode = 429
}
