// Reading the offer, award and package forms: repeated fields and where errors belong.
import type { FieldError } from '../../errors.ts'

/** Every value of a repeated form field (ticked checkboxes); one value arrives as a string. */
export function fieldList(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
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
