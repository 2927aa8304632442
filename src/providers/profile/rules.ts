// Parsing what a provider says about itself. Pure functions, no I/O.
import { normaliseOutcode } from '../../geography/rules.ts'

export const MAX_LANGUAGES = 20
const MAX_LANGUAGE_LENGTH = 60
const MAX_COVERAGE_DISTRICTS = 300

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string }

/**
 * Postcode districts from free text: separated by commas, spaces or new lines, upper-cased,
 * each checked, duplicates dropped, in the order given.
 */
export function parseOutcodes(text: string): Parsed<string[]> {
  const entries = text.split(/[\s,;]+/).filter(Boolean)
  const districts = entries.map(normaliseOutcode)
  const invalid = entries.filter((_, i) => districts[i] === null).map((entry) => entry.toUpperCase())
  if (invalid.length > 0) {
    const shown = invalid.slice(0, 5).join(', ')
    return {
      ok: false,
      problem: `${shown}${invalid.length > 5 ? ` and ${invalid.length - 5} more` : ''} ${invalid.length === 1 ? 'is not a postcode district' : 'are not postcode districts'}. Enter districts like NR1 or PE30, separated by commas`,
    }
  }
  const unique = [...new Set(districts as string[])]
  if (unique.length > MAX_COVERAGE_DISTRICTS)
    return { ok: false, problem: `Enter ${MAX_COVERAGE_DISTRICTS} postcode districts or fewer` }
  return { ok: true, value: unique }
}

/** Languages from a comma-separated list: trimmed, blanks and repeats (in any case) dropped. */
export function parseLanguages(text: string): Parsed<string[]> {
  const seen = new Set<string>()
  const languages: string[] = []
  for (const entry of text.split(',')) {
    const language = entry.trim().replace(/\s+/g, ' ')
    if (!language || seen.has(language.toLowerCase())) continue
    if (language.length > MAX_LANGUAGE_LENGTH)
      return { ok: false, problem: `Each language must be ${MAX_LANGUAGE_LENGTH} characters or fewer` }
    seen.add(language.toLowerCase())
    languages.push(language)
  }
  if (languages.length > MAX_LANGUAGES)
    return { ok: false, problem: `Enter ${MAX_LANGUAGES} languages or fewer` }
  return { ok: true, value: languages }
}

export const WORKER_ANSWERS = ['yes', 'no', 'not_stated'] as const
export type WorkerAnswer = (typeof WORKER_ANSWERS)[number]

export function toWorkerAnswer(value: boolean | null): WorkerAnswer {
  return value === null ? 'not_stated' : value ? 'yes' : 'no'
}

export function fromWorkerAnswer(answer: WorkerAnswer): boolean | null {
  return answer === 'not_stated' ? null : answer === 'yes'
}
