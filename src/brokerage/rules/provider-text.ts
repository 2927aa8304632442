// The free text of a request that every invited provider reads before award (needs, language,
// notes), as they will read it: the person's own identifiers taken out, anything else that looks
// like someone's identity kept and flagged, so the broker checks it before publishing. Pure.

import { listOf } from './format.ts'
import {
  findIdentifiers,
  IDENTIFIER_LABELS,
  type IdentifyingDetails,
  type SuspectedIdentifierKind,
  type TextPart,
  textParts,
} from './identifiers.ts'

const PROVIDER_TEXT_FIELDS = [
  { field: 'needsSummary', label: 'Needs', name: 'the needs summary' },
  { field: 'language', label: 'Language', name: 'the language' },
  { field: 'notesForProviders', label: 'Notes for providers', name: 'the notes for providers' },
] as const
export type ProviderTextField = (typeof PROVIDER_TEXT_FIELDS)[number]['field']
export type ProviderTexts = Record<ProviderTextField, string | null>

export interface ProviderTextPreview {
  field: ProviderTextField
  /** As the provider's page labels it. */
  label: string
  parts: TextPart[]
  /** Kinds of suspected identifiers left in it, each once, in the order they appear. */
  suspected: SuspectedIdentifierKind[]
  /** How many of the person's own identifiers were taken out. */
  removed: number
}

/** Each field providers read that has text, as they will read it. */
export function previewProviderText(texts: ProviderTexts, person: IdentifyingDetails): ProviderTextPreview[] {
  return PROVIDER_TEXT_FIELDS.filter(({ field }) => (texts[field] ?? '').trim() !== '').map(
    ({ field, label }) => {
      const text = texts[field] as string
      const found = findIdentifiers(text, person)
      const suspected = [
        ...new Set(found.filter((f) => !f.own).map((f) => f.kind as SuspectedIdentifierKind)),
      ]
      return {
        field,
        label,
        parts: textParts(text, person),
        suspected,
        removed: found.filter((f) => f.own).length,
      }
    },
  )
}

/**
 * What the broker must check before publishing, in words ("a phone number in the needs summary and
 * a date in the notes for providers"), or null when nothing suspected is left. The text itself is
 * not repeated, so a refusal never carries anyone's details into logs.
 */
export function suspectedIdentifiersSummary(previews: readonly ProviderTextPreview[]): string | null {
  const found = previews
    .filter((p) => p.suspected.length > 0)
    .map((p) => {
      const name = PROVIDER_TEXT_FIELDS.find((f) => f.field === p.field)?.name ?? p.field
      return `${listOf(p.suspected.map((kind) => IDENTIFIER_LABELS[kind]))} in ${name}`
    })
  return found.length > 0 ? listOf(found) : null
}
