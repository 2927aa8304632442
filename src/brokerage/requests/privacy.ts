// A request's free text as providers will read it (needs, language, notes), for the pages that
// show it before it is published, and the check publishing makes: anything left in it that looks
// like someone's identity is published only once the broker confirms they have checked it.
import { ValidationError } from '../../errors.ts'
import type { IdentifyingDetails, SuspectedIdentifierKind } from '../rules/identifiers.ts'
import {
  type ProviderTextField,
  type ProviderTextPreview,
  previewProviderText,
  suspectedIdentifiersSummary,
} from '../rules/provider-text.ts'

export { suspectedIdentifiersSummary }

export const IDENTIFIERS_CHECKED_FIELD = 'identifiersChecked'

interface RequestText {
  person: {
    name: string
    dateOfBirth: string | null
    postcode: string | null
    nhsNumber: string | null
    phone?: string | null
    /** A request's person carries its address; the people row, its first line. */
    address?: { line1: string } | null
    addressLine1?: string | null
    representative?: { name: string; phone: string | null; email: string | null } | null
  }
  preferredPostcode: string | null
  personRef?: string | null
  caseRef?: string | null
  needsSummary: string | null
  notesForProviders: string
  language: string | null
}

function identifyingDetails(
  request: Pick<RequestText, 'person' | 'preferredPostcode' | 'personRef' | 'caseRef'>,
): IdentifyingDetails {
  const { person } = request
  return {
    name: person.name,
    dateOfBirth: person.dateOfBirth,
    postcode: person.postcode,
    nhsNumber: person.nhsNumber,
    phone: person.phone ?? null,
    addressLine1: person.address?.line1 ?? person.addressLine1 ?? null,
    representative: person.representative ?? null,
    preferredPostcode: request.preferredPostcode,
    personRef: request.personRef,
    caseRef: request.caseRef,
  }
}

/** The free text each invited provider will read, with what is taken out and what looks like an identifier. */
export function providerPreview(request: RequestText): ProviderTextPreview[] {
  return previewProviderText(
    {
      needsSummary: request.needsSummary,
      notesForProviders: request.notesForProviders,
      language: request.language,
    },
    identifyingDetails(request),
  )
}

export interface ConfirmedIdentifiers {
  field: ProviderTextField
  kinds: SuspectedIdentifierKind[]
}

/**
 * Refuses to publish text with suspected identifiers left in it unless the broker has confirmed
 * checking it (400 on `identifiersChecked`). Returns what was confirmed, for the audit log.
 */
export function confirmProviderText(
  previews: readonly ProviderTextPreview[],
  identifiersChecked: boolean | undefined,
): ConfirmedIdentifiers[] {
  const summary = suspectedIdentifiersSummary(previews)
  if (summary === null) return []
  if (identifiersChecked !== true) {
    throw new ValidationError([
      {
        field: IDENTIFIERS_CHECKED_FIELD,
        message: `Providers would see what looks like ${summary}: confirm you have checked it identifies no one`,
      },
    ])
  }
  return previews.filter((p) => p.suspected.length > 0).map((p) => ({ field: p.field, kinds: p.suspected }))
}
