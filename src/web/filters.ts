// Filters of list pages and API lists, the GOV.UK / MOJ filter pattern: each list's Zod schema is
// built from these fields, so a page's query string and the API's read the same way, and the page
// shows the filters chosen with a link taking each away.
import { z } from 'zod'
import { isCalendarDate } from '../shared/dates.ts'

/** An empty form field is a filter not chosen. */
const notChosen = (value: unknown) => (value === '' || value === null ? undefined : value)

const DAY_MONTH_YEAR = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/

/** A date typed as 27/3/2026 or 2026-03-27, as 'YYYY-MM-DD'; undefined when it is not a real date. */
function typedDate(text: string): string | undefined {
  const parts = DAY_MONTH_YEAR.exec(text)
  const date = parts
    ? `${parts[3]}-${(parts[2] ?? '').padStart(2, '0')}-${(parts[1] ?? '').padStart(2, '0')}`
    : text
  return isCalendarDate(date) ? date : undefined
}

/** An optional date filter: 27/3/2026 on a page, 2026-03-27 from the API; the message names the field. */
export function filterDate(label: string, description: string) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): string | undefined => {
      const given = notChosen(typeof value === 'string' ? value.trim() : value)
      if (given === undefined) return undefined
      const date = typeof given === 'string' ? typedDate(given) : undefined
      if (date === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${label} must be a real date, like 27/3/2026 or 2026-03-27`,
        })
        return z.NEVER
      }
      return date
    })
    .meta({ type: 'string', format: 'date', description })
}

/** An optional choice from a list; the message names the field. */
export function filterChoice<const T extends readonly [string, ...string[]]>(label: string, values: T) {
  return z.preprocess(
    notChosen,
    z.enum(values, { error: `${label} must be one of: ${values.join(', ')}` }).optional(),
  )
}

/** An optional ID of a row (a locality, a provider); the message names the field. */
export function filterId(label: string) {
  const message = `${label} must be a whole number from 1`
  return z.preprocess(
    notChosen,
    z.coerce
      .number({ error: message })
      .int({ error: message })
      .min(1, { error: message })
      .max(2_147_483_647, { error: message })
      .optional(),
  )
}

/**
 * An optional "whose": 'me' (the user asking), 'none' (nobody's) or a user's ID; the message names
 * the field. The caller turns 'me' into the user, so a link saying "assigned to me" works for anyone.
 */
export function filterAssignee(label: string, description: string) {
  const message = `${label} must be me, none or a user ID (a whole number from 1)`
  return z
    .unknown()
    .optional()
    .transform((value, ctx): 'me' | 'none' | number | undefined => {
      const given = notChosen(typeof value === 'string' ? value.trim().toLowerCase() : value)
      if (given === undefined) return undefined
      if (given === 'me' || given === 'none') return given
      const id = typeof given === 'string' && /^\d{1,10}$/.test(given) ? Number(given) : Number.NaN
      if (Number.isSafeInteger(id) && id >= 1 && id <= 2_147_483_647) return id
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    })
    .meta({ type: 'string', description })
}

/** Optional search text, trimmed; the message names the field. */
export function filterText(label: string, maxLength: number, description: string) {
  return z
    .preprocess(
      (value) => notChosen(typeof value === 'string' ? value.trim() : value),
      z
        .string({ error: `${label} must be text` })
        .max(maxLength, { error: `${label} must be ${maxLength} characters or fewer` })
        .optional(),
    )
    .describe(description)
}

/** The filters chosen, as a query string for links that keep them ('' when none is chosen). */
export function filterQuery(values: Record<string, string | number | undefined | null>): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value))
  return query.toString()
}

export interface ChosenFilter {
  /** What the filter is ("Status"). */
  heading: string
  /** What was chosen ("Published"). */
  text: string
  /** The same list without this filter. */
  removeHref: string
}

/** The filters chosen, each with a link to the list without it (MOJ "selected filters"). */
export function chosenFilters(
  path: string,
  values: Record<string, string | number | undefined | null>,
  describe: Record<string, { heading: string; text?: (value: string) => string }>,
): ChosenFilter[] {
  const chosen: ChosenFilter[] = []
  for (const [name, value] of Object.entries(values)) {
    const described = describe[name]
    if (!described || value === undefined || value === null || value === '') continue
    const rest = filterQuery({ ...values, [name]: undefined })
    chosen.push({
      heading: described.heading,
      text: described.text ? described.text(String(value)) : String(value),
      removeHref: rest ? `${path}?${rest}` : path,
    })
  }
  return chosen
}
