// A scenario from the page's form, for commissioners who would rather not write JSON: an uplift %
// for every sector, any sector's own %, the pay share and the National Living Wage in pounds. It
// makes the same JSON the API takes, checked by the same parseScenario, so one scenario has one
// meaning however it was given.
import type { FieldError } from '../../errors.ts'
import { ValidationError } from '../../errors.ts'
import { parsePounds } from '../../shared/money.ts'
import { parseScenario, UPLIFT_SECTORS } from './rules.ts'

/** The form's fields: "build-default", "build-home-support", …, "build-nlwOld", "build-nlwNew". */
export const BUILD_FIELDS = {
  default: 'build-default',
  payShare: 'build-payShare',
  nlwOldPence: 'build-nlwOld',
  nlwNewPence: 'build-nlwNew',
} as const

export const sectorField = (sector: string) => `build-${sector}`

const PERCENT = /^-?\d+(\.\d+)?$/

/** A % as typed ("4.55", "4.55%", " 5 "), or an error naming the field; '' is left out. */
function percentOf(text: string, field: string, errors: FieldError[]): number | undefined {
  const compact = text.replace(/[%\s]/g, '')
  if (compact === '') return undefined
  if (!PERCENT.test(compact)) {
    errors.push({ field, message: 'Enter a percentage as a number, like 4.55' })
    return undefined
  }
  return Number(compact)
}

function nlwPenceOf(text: string, field: string, errors: FieldError[]): number | undefined {
  if (text.trim() === '') return undefined
  const parsed = parsePounds(text)
  if (!parsed.ok) {
    errors.push({ field, message: 'Enter the National Living Wage an hour in pounds, like 12.71' })
    return undefined
  }
  return parsed.pence
}

/** Maps parseScenario's field names ("home-support", "nlwOldPence") to the form's. */
function formField(scenarioField: string): string {
  const key = scenarioField.split('.')[0] as string
  return key in BUILD_FIELDS ? BUILD_FIELDS[key as keyof typeof BUILD_FIELDS] : sectorField(key)
}

/** The scenario the form describes, as the JSON object the API takes; a ValidationError names the form's fields. */
export function scenarioFromForm(form: Record<string, string>): Record<string, unknown> {
  const errors: FieldError[] = []
  const scenario: Record<string, unknown> = {}
  const put = (key: string, value: number | undefined) => {
    if (value !== undefined) scenario[key] = value
  }
  put('default', percentOf(form[BUILD_FIELDS.default] ?? '', BUILD_FIELDS.default, errors))
  for (const sector of UPLIFT_SECTORS)
    put(sector, percentOf(form[sectorField(sector)] ?? '', sectorField(sector), errors))
  put('payShare', percentOf(form[BUILD_FIELDS.payShare] ?? '', BUILD_FIELDS.payShare, errors))
  put('nlwOldPence', nlwPenceOf(form[BUILD_FIELDS.nlwOldPence] ?? '', BUILD_FIELDS.nlwOldPence, errors))
  put('nlwNewPence', nlwPenceOf(form[BUILD_FIELDS.nlwNewPence] ?? '', BUILD_FIELDS.nlwNewPence, errors))
  if (errors.length === 0)
    try {
      parseScenario(scenario)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      for (const e of error.errors) errors.push({ field: formField(e.field), message: e.message })
    }
  if (errors.length > 0) throw new ValidationError(errors)
  return scenario
}

/**
 * The form's fields filled in from a scenario's JSON, where the form can say it (numbers only);
 * null when the scenario uses what only JSON can say (new rates, a sector's own pay share).
 */
export function formFromScenario(text: string): Record<string, string> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const form: Record<string, string> = {}
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'number') return null
    if (key === 'nlwOldPence' || key === 'nlwNewPence') form[BUILD_FIELDS[key]] = (entry / 100).toFixed(2)
    else if (key === 'default' || key === 'payShare') form[BUILD_FIELDS[key]] = String(entry)
    else if ((UPLIFT_SECTORS as readonly string[]).includes(key)) form[sectorField(key)] = String(entry)
    else return null
  }
  return form
}
