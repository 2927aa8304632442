// The reporting period every market page and report takes: London dates, checked the same way
// everywhere, and the GOV.UK date boxes that carry them in a form.

import type { FieldError } from '../errors.ts'
import { londonDate } from '../shared/dates.ts'
import { dateFromForm, field } from '../web/forms.ts'

/** The earliest date a period may start: before it there was no eBrokerage to report on. */
export const EARLIEST_DATE = '2000-01-01'

/**
 * The period asked for, with `defaultFrom` supplying a missing start and today a missing end;
 * what is wrong with it goes into `errors`.
 */
export function checkPeriod(
  terms: { from?: string | undefined; to?: string | undefined },
  defaultFrom: (to: string) => string,
  now: Date,
  errors: FieldError[],
): { from: string; to: string } {
  const today = londonDate(now)
  const to = terms.to || today
  const from = terms.from || defaultFrom(to)
  if (from < EARLIEST_DATE) errors.push({ field: 'from', message: 'The start date must be in 2000 or later' })
  if (to > today) errors.push({ field: 'to', message: 'The end date must be today or in the past' })
  if (from > to) errors.push({ field: 'from', message: 'The start date must be on or before the end date' })
  return { from, to }
}

/** A GOV.UK date input's boxes as 'YYYY-MM-DD', or a plain `name` parameter; '' when empty. */
export function dateParam(query: unknown, name: string): string {
  return dateFromForm(query, name) || field(query, name).trim()
}

/** The from and to boxes as the user typed them, to show back with an error. */
export function typedPeriodValues(query: unknown): Record<string, string> {
  const values: Record<string, string> = {}
  for (const name of ['from', 'to']) {
    const [year, month, day] = dateParam(query, name).split('-')
    values[`${name}-day`] = field(query, `${name}-day`) || (day ?? '')
    values[`${name}-month`] = field(query, `${name}-month`) || (month ?? '')
    values[`${name}-year`] = field(query, `${name}-year`) || (year && year !== 'invalid' ? year : '')
  }
  return values
}

/** The from and to boxes filled with a period's dates. */
export function periodBoxes(period: { from: string; to: string }): Record<string, string> {
  const [fy, fm, fd] = period.from.split('-') as [string, string, string]
  const [ty, tm, td] = period.to.split('-') as [string, string, string]
  return {
    'from-day': String(Number(fd)),
    'from-month': String(Number(fm)),
    'from-year': fy,
    'to-day': String(Number(td)),
    'to-month': String(Number(tm)),
    'to-year': ty,
  }
}
