// Reading the offer, award and package forms: repeated fields, GOV.UK date inputs and pounds.
import type { FieldError } from '../../errors.ts'
import { field } from '../../web/forms.ts'

/** Every value of a repeated form field (ticked checkboxes); one value arrives as a string. */
export function fieldList(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/** A GOV.UK date input's three boxes as 'YYYY-MM-DD'; '' when all are empty; 'invalid' when not a date. */
export function dateFromForm(body: unknown, name: string): string {
  const day = field(body, `${name}-day`).trim()
  const month = field(body, `${name}-month`).trim()
  const year = field(body, `${name}-year`).trim()
  if (!day && !month && !year) return ''
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return 'invalid'
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
}

/** The three boxes' values of a date, to show it again in a form. */
export function dateParts(name: string, date: string | null | undefined): Record<string, string> {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return {}
  const [year, month, day] = date.split('-')
  return {
    [`${name}-day`]: String(Number(day)),
    [`${name}-month`]: String(Number(month)),
    [`${name}-year`]: year ?? '',
  }
}

/** Where an error about a service field belongs on a page: its input's id, as the error summary links it. */
export function onPage(errors: FieldError[], ids: Record<string, string>): FieldError[] {
  return errors.map((e) => {
    const head = e.field.split('.')[0] ?? e.field
    return { ...e, field: ids[e.field] ?? ids[head] ?? head }
  })
}

/** Positive whole numbers from form fields; anything else is dropped for the service to refuse. */
export function ids(values: string[]): number[] {
  return values.map(Number).filter((n) => Number.isInteger(n) && n > 0 && n <= 2_147_483_647)
}
