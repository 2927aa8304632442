import type { FieldError } from '../errors.ts'
import { type DateInput, dateInputOf, parseDateInput } from '../shared/dates.ts'

/** The GOV.UK error summary and per-field messages for a form, from a list of field errors. */
export function formErrors(errors: FieldError[]) {
  const fieldErrors: Record<string, string> = {}
  for (const error of errors) fieldErrors[error.field] ??= error.message
  return {
    errorList: Object.entries(fieldErrors).map(([field, message]) => ({ text: message, href: `#${field}` })),
    fieldErrors,
  }
}

// Any origin will do: only whether a value stays on it matters. `.invalid` can never resolve.
const RETURN_BASE = 'https://caremarket.invalid'
const MAX_RETURN_PATH_LENGTH = 2048

/**
 * A path inside this service to return to after sign-in; anything else becomes the home page.
 * The value is read as browsers read a Location header (the WHATWG URL parser drops tabs and
 * newlines and treats a backslash as `/`), and only the path, query and fragment the parser wrote out are
 * used. That path is parsed once more, because dot segments can leave it starting `//`
 * (`/.//evil` becomes `//evil`), which a browser would take for another host.
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > MAX_RETURN_PATH_LENGTH) return '/'
  const parsed = URL.parse(value, RETURN_BASE)
  if (parsed?.origin !== RETURN_BASE) return '/'
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`
  return URL.parse(path, RETURN_BASE)?.href === parsed.href ? path : '/'
}

/** Reads a form field as a string: a missing or repeated field is treated as empty. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}

/**
 * A GOV.UK date input's boxes (`${name}-day`, `-month`, `-year`) as the services take a date:
 * 'YYYY-MM-DD', '' when every box is empty, 'invalid' when the boxes hold no date's numbers. A date
 * that does not exist (31 2 2026) comes through as written, for the service to say so in its words.
 */
export function dateFromForm(body: unknown, name: string): string {
  const parsed = parseDateInput(typedDate(body, name))
  if (parsed.ok) return parsed.date
  if (parsed.problem === 'not-a-real-date') return parsed.written
  return parsed.problem === 'empty' ? '' : 'invalid'
}

function typedDate(body: unknown, name: string): DateInput {
  return {
    day: field(body, `${name}-day`),
    month: field(body, `${name}-month`),
    year: field(body, `${name}-year`),
  }
}

/** A date input's boxes as posted, to show them again after an error. */
export function typedDateParts(body: unknown, name: string): Record<string, string> {
  const { day, month, year } = typedDate(body, name)
  return { [`${name}-day`]: day, [`${name}-month`]: month, [`${name}-year`]: year }
}

/** A date input's boxes filled with a 'YYYY-MM-DD' date; none for no date. */
export function dateParts(name: string, date: string | null | undefined): Record<string, string> {
  const boxes = dateInputOf(date)
  if (!boxes) return {}
  return { [`${name}-day`]: boxes.day, [`${name}-month`]: boxes.month, [`${name}-year`]: boxes.year }
}
