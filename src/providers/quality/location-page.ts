// What the location page and the restrictions page show about quality, shaped for the templates.

import type { SessionUser } from '../../accounts/service.ts'
import { formatDate } from '../../shared/dates.ts'
import { field } from '../../web/forms.ts'
import type { RegisterScope } from '../service.ts'
import type { ProvidersServices } from '../services.ts'
import { NOT_YET_RATED, RATING_SOURCE_LABELS, ratingLabel } from './rules.ts'
import {
  type LocationQuality,
  type Restriction,
  type RestrictionView,
  type restrictionRegister,
  viewRestriction,
} from './service.ts'

/** Council staff see their council's register; a provider user only its own organisation. */
export function scopeOf(user: SessionUser): RegisterScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId }
}

// Keyed by a fixed word in the redirect, so the page never echoes text from the address.
const SUCCESS_MESSAGES: Record<string, string> = {
  'pamms-recorded': 'PAMMS audit recorded',
  'accredited-service-added': 'Council-accredited service added to the register',
  'restriction-placed': 'Restriction placed',
  'restriction-lifted': 'Restriction lifted',
  'coordinates-saved': 'Coordinates saved: distances are now measured from them',
  'coordinates-overridden':
    'Coordinates recorded, but the location’s postcode places it, so distances are still measured from the postcode',
}

const STATUS_TAGS: Record<RestrictionView['status'], { text: string; classes: string }> = {
  in_force: { text: 'In force', classes: 'govuk-tag--red' },
  scheduled: { text: 'Scheduled', classes: 'govuk-tag--yellow' },
  lifted: { text: 'Lifted', classes: 'govuk-tag--grey' },
  ended: { text: 'Ended', classes: 'govuk-tag--grey' },
}

export function describeRestrictionView(restriction: Restriction | RestrictionView, today: string) {
  const view = 'status' in restriction ? restriction : viewRestriction(restriction, today)
  return {
    ...view,
    statusTag: STATUS_TAGS[view.status],
    startsOnText: formatDate(view.startsOn),
    endsOnText: view.endsOn ? formatDate(view.endsOn) : 'No end date',
  }
}

function describeQuality(quality: LocationQuality, today: string) {
  const { effective } = quality
  const effectiveLabel =
    effective.source && effective.rating !== NOT_YET_RATED
      ? ratingLabel(effective.source, effective.rating)
      : effective.rating
  const history = quality.history.map((entry) => ({
    ...entry,
    ratedOnText: entry.ratedOn ? formatDate(entry.ratedOn) : 'Date not known',
  }))
  return {
    effective: {
      ...effective,
      label: effectiveLabel,
      // A PAMMS rating is scored on the CQC scale; say so when the words differ.
      scaleNote:
        effective.source === 'pamms' && effectiveLabel !== effective.rating
          ? `counts as ${effective.rating} on the CQC scale`
          : '',
      sourceText: effective.source
        ? `${RATING_SOURCE_LABELS[effective.source]}${effective.ratedOn ? `, ${formatDate(effective.ratedOn)}` : ''}`
        : '',
    },
    cqcRatings: history.filter((h) => h.source === 'cqc'),
    keyQuestions: quality.keyQuestions.map((entry) => ({ ...entry, ratedOnText: formatDate(entry.ratedOn) })),
    pammsAudits: history.filter((h) => h.source === 'pamms'),
    currentRestrictions: quality.currentRestrictions.map((r) => describeRestrictionView(r, today)),
    pastRestrictions: quality.pastRestrictions.map((r) => describeRestrictionView(r, today)),
  }
}

/** The quality part of the location page: ratings, restrictions, and what the signed-in user may do. */
export async function locationQualityPage(
  qualityService: Pick<ProvidersServices['quality'], 'locationQuality'>,
  user: SessionUser,
  locationId: number,
  query: unknown,
) {
  const quality = await qualityService.locationQuality(scopeOf(user), locationId)
  const today = quality.today
  return {
    quality: describeQuality(quality, today),
    canManageQuality: user.role === 'commissioner',
    successMessage: SUCCESS_MESSAGES[field(query, 'done')],
  }
}

type Register = Awaited<ReturnType<typeof restrictionRegister>>

/** The restrictions page: the summary Norfolk reports (seed 002) and the restrictions behind it. */
export function registerPage(register: Register) {
  const { summary } = register
  const percentText = (value: number | null) => (value === null ? '' : `${value.toFixed(1)}%`)
  return {
    onDateText: formatDate(register.onDate),
    total: {
      ...summary.total,
      servicesPercentText: percentText(summary.total.servicesPercent),
      bedsPercentText: percentText(summary.total.bedsPercent),
    },
    sectors: summary.sectors.map((s) => ({
      ...s,
      servicesPercentText: percentText(s.restricted.servicesPercent),
      bedsPercentText: percentText(s.restricted.bedsPercent),
    })),
    restrictions: register.restrictions.map((r) => ({
      ...describeRestrictionView(r, register.onDate),
      locationName: r.locationName,
      providerName: r.providerName,
      sectorLabel: summary.sectors.find((s) => s.sector === r.sector)?.label ?? '',
    })),
  }
}
