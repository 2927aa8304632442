import type { FieldError } from '../errors.ts'

/** The GOV.UK error summary and per-field messages for a form, from a list of field errors. */
export function formErrors(errors: FieldError[]) {
  const fieldErrors: Record<string, string> = {}
  for (const error of errors) fieldErrors[error.field] ??= error.message
  return {
    errorList: Object.entries(fieldErrors).map(([field, message]) => ({ text: message, href: `#${field}` })),
    fieldErrors,
  }
}

/** A path inside this service to return to after sign-in; anything else becomes the home page. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return '/'
  return value
}

/** Reads a form field as a string: a missing or repeated field is treated as empty. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}
