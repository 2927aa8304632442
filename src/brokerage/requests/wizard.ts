// The question pages of a new request, one thing per page, in the order a social worker answers
// them, ending on "Check your answers". Pure: which pages apply and which are answered follow
// from the draft alone.
import type { SourcingRequest } from './store.ts'

const DRAFT_PAGES = [
  'person',
  'contacts',
  'service-type',
  'needs',
  'location',
  'start',
  'price',
  'support',
  'visits',
  'carers',
  'lot',
  'notes',
] as const
export type DraftPage = (typeof DRAFT_PAGES)[number]

export const DRAFT_PAGE_TITLES: Record<DraftPage, string> = {
  person: 'About the person',
  contacts: 'How to contact the person',
  'service-type': 'What type of care does the person need?',
  needs: 'The person’s needs',
  location: 'Where should the care be?',
  start: 'When should care start?',
  price: 'Price and budget',
  support: 'How many hours of support a week does the person need?',
  visits: 'Home care visits',
  carers: 'Care worker preferences',
  lot: 'Dynamic purchasing system',
  notes: 'Notes for providers',
}

/** Short names for the check-answers page and for errors about missing answers. */
export const DRAFT_PAGE_NAMES: Record<DraftPage, string> = {
  person: 'the person',
  contacts: 'the person’s contact details',
  'service-type': 'the type of care',
  needs: 'the person’s needs',
  location: 'where the care should be',
  start: 'when care should start',
  price: 'the usual price or budget',
  support: 'the hours of support a week',
  visits: 'the home care visits',
  carers: 'care worker preferences',
  lot: 'the dynamic purchasing system lot',
  notes: 'notes for providers',
}

export const CHECK_ANSWERS = 'check-answers'
export type NextStep = DraftPage | typeof CHECK_ANSWERS

export interface WizardContext {
  /** Whether the council has a DPS lot a request could be sourced through. */
  hasLots: boolean
  /** Whether the council keeps a rate book: the usual price then comes from it, and need not be typed. */
  hasRateBook?: boolean
}

type Draft = Pick<
  SourcingRequest,
  | 'serviceType'
  | 'clientGroup'
  | 'startDate'
  | 'usualPricePence'
  | 'budgetPence'
  | 'visits'
  | 'supportMinutesPerWeek'
> & {
  /** A person known from the council's book by case reference has no date of birth or postcode yet. */
  person?: { dateOfBirth: string | null; postcode: string | null }
}

export function isDraftPage(value: string): value is DraftPage {
  return (DRAFT_PAGES as readonly string[]).includes(value)
}

/**
 * Visits and carer preferences are asked only for home care, hours of support only for supported
 * living, the lot only when the council has one.
 */
export function pageApplies(page: DraftPage, draft: Draft, context: WizardContext): boolean {
  if (page === 'visits' || page === 'carers') return draft.serviceType === 'home_care'
  if (page === 'support') return draft.serviceType === 'supported_living'
  if (page === 'lot') return context.hasLots
  return true
}

/** Whether the page's required answers are in; pages of optional answers always are. */
export function pageAnswered(
  page: DraftPage,
  draft: Draft,
  context: Pick<WizardContext, 'hasRateBook'> = {},
): boolean {
  switch (page) {
    case 'person':
      return (
        draft.person === undefined || (draft.person.dateOfBirth !== null && draft.person.postcode !== null)
      )
    case 'service-type':
      return draft.serviceType !== null
    case 'needs':
      return draft.clientGroup !== null
    case 'start':
      return draft.startDate !== null
    case 'price':
      return draft.usualPricePence !== null || draft.budgetPence !== null || context.hasRateBook === true
    case 'visits':
      return draft.visits.length > 0
    case 'support':
      return draft.supportMinutesPerWeek !== null
    default:
      return true
  }
}

function applicablePages(draft: Draft, context: WizardContext): DraftPage[] {
  return DRAFT_PAGES.filter((page) => pageApplies(page, draft, context))
}

/** Pages that apply to the draft and still need an answer, in order. */
export function missingPages(draft: Draft, context: WizardContext): DraftPage[] {
  return applicablePages(draft, context).filter((page) => !pageAnswered(page, draft, context))
}

/**
 * Where to go after saving a page: the next page in order; or, when the user came from "Check
 * your answers", back there, unless the change opened a question still to answer (choosing home
 * care asks for visits).
 */
export function nextStep(
  page: DraftPage,
  draft: Draft,
  context: WizardContext,
  options: { returnToCheck: boolean },
): NextStep {
  if (options.returnToCheck) return missingPages(draft, context)[0] ?? CHECK_ANSWERS
  const pages = applicablePages(draft, context)
  const after = DRAFT_PAGES.slice(DRAFT_PAGES.indexOf(page) + 1).find((p) => pages.includes(p))
  return after ?? CHECK_ANSWERS
}

/** The page before this one, for the back link; null before the first page. */
export function previousStep(page: DraftPage, draft: Draft, context: WizardContext): DraftPage | null {
  const pages = applicablePages(draft, context)
  const before = DRAFT_PAGES.slice(0, DRAFT_PAGES.indexOf(page))
    .reverse()
    .find((p) => pages.includes(p))
  return before ?? null
}
