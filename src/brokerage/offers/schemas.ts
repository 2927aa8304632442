// What the offers, awards and packages API answers with, as Zod schemas: /openapi.json documents
// them and tests hold the answers to them.
import { z } from 'zod'
import { pagedSchema } from '../../web/paging.ts'
import { CARER_GENDER_CHOICES, SEXES, URGENCIES } from '../requests/input.ts'
import { REQUEST_SERVICE_TYPES, REQUEST_STATUSES } from '../rules/index.ts'

const instant = z.iso.datetime()
const day = z.iso.date()
const note = z.object({ code: z.string(), text: z.string() })
const offerStatus = z.enum(['submitted', 'withdrawn', 'accepted', 'declined'])
const priceUnit = z.enum(['weekly', 'hourly', 'daily'])
const weights = z.object({ qualityWeight: z.number(), priceWeight: z.number(), distanceWeight: z.number() })

const visitView = z.object({
  id: z.int(),
  days: z.array(z.string()),
  daysText: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  durationMinutes: z.int(),
  carers: z.int(),
})

// ---- Eligibility ----

const decision = z.object({
  locationId: z.int(),
  round: z.int(),
  eligible: z.boolean(),
  reasons: z.array(note).describe('Why it was not invited'),
  flags: z.array(note).describe('Notes on an invited location'),
  rankPenalty: z.number(),
  decidedAt: instant,
})
const explanation = z.object({
  location: z.object({ id: z.int(), name: z.string(), cqcLocationId: z.string(), providerName: z.string() }),
  decision: decision
    .nullable()
    .describe('Null when the location was not active on the register at publication'),
  summary: z.string(),
})
export const eligibilitySchema = z.union([
  z
    .object({
      requestId: z.int(),
      round: z.int(),
      invitedCount: z.int(),
      notInvitedCount: z.int(),
      invited: z.array(explanation),
      search: z.object({ text: z.string(), results: z.array(explanation) }).nullable(),
      decisions: z.array(decision),
      offset: z.int(),
      limit: z.int(),
    })
    .describe('Without ?locationId='),
  explanation.describe('With ?locationId=: that location’s decision'),
])

// ---- Evaluation and award ----

const component = { score: z.number(), weight: z.number(), weighted: z.number() }
const scoredOffer = z.object({
  offerId: z.int(),
  locationId: z.int(),
  rank: z.int().describe('1 is the best; ranks are never shared'),
  total: z.number(),
  quality: z.object({
    ...component,
    rating: z.string(),
    /** What the rating stands on when it is not a CQC rating (the council's accreditation); null otherwise. */
    basis: z.string().nullable(),
  }),
  price: z.object({ ...component, pricePence: z.int(), lowestPricePence: z.int() }),
  distance: z.object({ ...component, miles: z.number().nullable() }),
  flags: z.object({
    aboveUsualPrice: z.boolean(),
    qualityTeamSignOff: z.boolean(),
    staleCapacity: z.boolean(),
    noVacancy: z
      .boolean()
      .describe('The latest capacity report shows no vacancy of the bed type (or no spare hours)'),
    lateStart: z.boolean().describe('The offer starts after the date care is needed'),
  }),
  lateStart: z
    .object({ days: z.int(), pointsPerDay: z.int(), penalty: z.number() })
    .describe('Days the offer starts late (0 on time) and the points taken off the total for it'),
  aboveUsualPriceByPence: z.int().nullable(),
  capacityAgeDays: z.int().nullable(),
  notes: z.array(note),
  submittedAt: instant,
})
const shortlist = z.object({
  ranked: z.array(scoredOffer),
  excluded: z.array(
    z.object({
      offerId: z.int(),
      locationId: z.int(),
      code: z.enum(['inadequate', 'no_new_placements', 'invalid_price']),
      text: z.string(),
    }),
  ),
  lowestPricePence: z.int().nullable(),
  weights,
})
const slotId = z.union([z.int(), z.string()])

export const evaluationSchema = z.object({
  request: z.object({
    id: z.int(),
    councilId: z.int(),
    personId: z.int(),
    createdByUserId: z.int().nullable(),
    teamId: z.int().nullable(),
    serviceType: z.enum(REQUEST_SERVICE_TYPES),
    clientGroup: z.string(),
    specialisms: z.array(z.string()),
    needsSummary: z.string(),
    preferredPostcode: z.string().nullable(),
    preferredOutcode: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    maxDistanceMiles: z.number(),
    startDate: day,
    urgency: z.enum(URGENCIES),
    emergencyHours: z.union([z.literal(24), z.literal(48)]).nullable(),
    inHospital: z.boolean(),
    usualPricePence: z
      .int()
      .nullable()
      .describe(
        'The usual price offers are compared with: the broker’s override, else the rate book’s for the band at the start date, else the price the social worker gave',
      ),
    band: z.enum(['standard', 'enhanced', 'complex']).describe('The rate book’s band for the request'),
    usualPriceOverridePence: z
      .int()
      .nullable()
      .describe('The broker’s usual price in place of the rate book’s'),
    usualPriceOverrideReason: z.string().nullable(),
    budgetPence: z.int().nullable(),
    notesForProviders: z.string(),
    carerGender: z.enum(CARER_GENDER_CHOICES).nullable(),
    language: z.string().nullable(),
    lotId: z.int().nullable(),
    excludedProviderIds: z
      .array(z.int())
      .describe('Provider organisations never invited: the failing provider, for a re-sourcing request'),
    supportMinutesPerWeek: z
      .int()
      .nullable()
      .describe('Supported living: the hours of support a week, in minutes; null otherwise'),
    status: z.enum(REQUEST_STATUSES),
    publishedAt: instant.nullable(),
    deadlineAt: instant.nullable(),
    closedAt: instant.nullable(),
    cancelReason: z.string().nullable(),
    personRef: z.string().nullable(),
    caseRef: z.string().nullable(),
    assignedBrokerId: z.int().nullable(),
    assignedAt: instant.nullable(),
    version: z.int(),
    createdAt: instant,
    updatedAt: instant,
  }),
  visits: z.array(visitView),
  priceUnit,
  weights: weights.extend({
    lateStartPointsPerDay: z.int().describe('Points off the total for each day an offer starts late'),
  }),
  shortlist: shortlist.describe('Every live offer, ranked together'),
  perVisit: z
    .object({
      slots: z.array(z.object({ slotId, shortlist, top: scoredOffer.nullable() })),
      unfilled: z.array(slotId),
    })
    .nullable()
    .describe('Home care: each visit’s own shortlist; null for a single placement'),
  offers: z.array(
    z.object({
      id: z.int(),
      locationId: z.int(),
      locationName: z.string(),
      cqcLocationId: z.string(),
      providerOrganisationId: z.int(),
      providerName: z.string(),
      pricePence: z.int(),
      priceText: z.string(),
      earliestStart: day,
      meetsAllNeeds: z.boolean(),
      notes: z.string(),
      visitIds: z.array(z.int()),
      status: offerStatus,
      statusLabel: z.string(),
      submittedAt: instant,
    }),
  ),
  awarded: z.array(z.object({ slot: z.int(), packageId: z.int() })),
  slots: z.array(z.int()).describe('Visit IDs; slot 0 is a whole placement'),
  unfilledSlots: z.array(z.int()),
  unfilledCareMinutesPerWeek: z.int(),
  onInterimCareList: z.boolean(),
})

export const awardResultSchema = z.object({
  packageId: z.int(),
  requestStatus: z.enum(['awarded', 'started']),
  weeklyCostPence: z.int(),
  unfilledVisitIds: z.array(z.int()),
  onInterimCareList: z.boolean(),
  declinedOfferIds: z.array(z.int()).describe('Offers declined because nothing is left for them to win'),
})

export const unsourcedResultSchema = z.object({ status: z.literal('unsourced'), declinedOffers: z.int() })

// ---- Packages ----

const packageFields = {
  id: z.int(),
  requestId: z.int(),
  offerId: z.int(),
  locationId: z.int(),
  locationName: z.string(),
  providerOrganisationId: z.int(),
  providerName: z.string(),
  serviceType: z.enum(REQUEST_SERVICE_TYPES),
  serviceLabel: z.string(),
  bedTypeLabel: z.string().nullable(),
  agreedPricePence: z.int(),
  agreedPriceText: z.string(),
  weeklyCostPence: z.int(),
  minutesPerWeek: z.int().nullable(),
  visitIds: z.array(z.int()),
  topUpPencePerWeek: z.int().nullable(),
  aboveUsualPriceReason: z.string().nullable(),
  choiceReason: z.string().nullable(),
  qualitySignOffBy: z.string().nullable(),
  startDate: day,
  endDate: day.nullable(),
  endReason: z.string().nullable(),
  state: z.enum(['starting', 'active', 'ended']),
  stateLabel: z.string(),
  confirmation: z
    .enum(['awaiting', 'confirmed', 'declined'])
    .describe('The provider’s answer to the award: awaiting until it confirms or declines'),
  confirmationLabel: z.string(),
  confirmBy: day.nullable().describe('The last day the provider has to confirm or decline'),
  confirmationOverdue: z.boolean(),
  respondedAt: instant.nullable(),
  declineReason: z.string().nullable().describe('Why the provider declined'),
  createdAt: instant,
  createdBy: z.string(),
}
const councilPackage = z.object({
  ...packageFields,
  person: z.object({ name: z.string(), outcode: z.string() }),
  personRef: z.string().nullable().describe('The request’s case-system person ID at award'),
  caseRef: z.string().nullable().describe('The request’s case or service agreement ID at award'),
})

export const packageListSchema = pagedSchema('packages', councilPackage)
/** The price the package is paid today, and each change of it since award (a fee uplift from 1 April). */
const packagePrices = {
  weeklyCostTodayPence: z
    .int()
    .describe('The weekly cost in force today: weeklyCostPence is the price at award'),
  priceChanges: z.array(
    z.object({
      effectiveFrom: day,
      weeklyCostPence: z.int(),
      previousWeeklyCostPence: z.int(),
      reason: z.string(),
    }),
  ),
}

export const packageSchema = councilPackage.extend({ ...packagePrices, visits: z.array(visitView) })

export const providerPackageSchema = z.object({ ...packageFields, outcode: z.string() })
export const providerPackageDetailSchema = z.object({
  ...packageFields,
  ...packagePrices,
  person: z.object({
    name: z.string(),
    dateOfBirth: day,
    sex: z.enum(SEXES).nullable(),
    postcode: z.string(),
    nhsNumber: z.string().nullable(),
    contacts: z
      .object({
        address: z
          .object({ line1: z.string(), line2: z.string().nullable(), town: z.string(), postcode: z.string() })
          .nullable(),
        phone: z.string().nullable(),
        representative: z
          .object({
            name: z.string(),
            relationship: z.string(),
            phone: z.string().nullable(),
            email: z.string().nullable(),
          })
          .nullable(),
        withheld: z
          .array(z.enum(['address', 'phone', 'representative']))
          .describe('Details recorded that the person did not agree to share'),
      })
      .describe('How to reach the person, as far as they agreed to share it'),
  }),
  councilContacts: z.array(
    z.object({
      role: z.string(),
      name: z.string().nullable(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      team: z.string().nullable(),
    }),
  ),
  needsSummary: z.string(),
  notesForProviders: z.string(),
  clientGroupLabel: z.string(),
  specialismLabels: z.array(z.string()),
  carerGenderLabel: z.string().nullable(),
  language: z.string().nullable(),
  neededFrom: day.nullable(),
  visits: z.array(visitView),
})

export const handoverResultSchema = z.object({
  packageId: z.int(),
  requestId: z.int(),
  confirmation: z.enum(['confirmed', 'declined']),
  respondedAt: instant,
})

// ---- Opportunities and offers ----

export const opportunitySchema = z
  .object({
    requestId: z.int(),
    status: z.enum(REQUEST_STATUSES),
    serviceType: z.enum(REQUEST_SERVICE_TYPES),
    serviceLabel: z.string(),
    ageBand: z.string(),
    sex: z.enum(SEXES).nullable(),
    outcode: z.string(),
    clientGroupLabel: z.string(),
    specialismLabels: z.array(z.string()),
    needsSummary: z.string(),
    notesForProviders: z.string(),
    carerGenderLabel: z.string().nullable(),
    language: z.string().nullable(),
    bedTypeLabel: z.string().nullable(),
    visits: z.array(visitView),
    careHoursPerWeek: z
      .number()
      .nullable()
      .describe('Care-worker hours a week (visits needing two carers count twice); null without visits'),
    careHoursText: z
      .string()
      .nullable()
      .describe('The week in words, visit time beside care-worker time where they differ'),
    supportHoursText: z
      .string()
      .nullable()
      .describe('Supported living: the hours of support a week the hourly price is for ("20 hours")'),
    startDate: day,
    urgency: z.enum(URGENCIES),
    urgencyLabel: z.string(),
    deadlineAt: instant.nullable(),
    publishedAt: instant.nullable().describe('When it was last published'),
    closedAt: instant.nullable().describe('When offers really closed; null while open'),
    priceUnit,
    priceUnitLabel: z.string(),
    matches: z.array(
      z.object({
        locationId: z.int(),
        locationName: z.string(),
        flags: z.array(note),
        rankPenalty: z.number(),
      }),
    ),
  })
  .describe('A request as providers see it before award: no name, date of birth, full postcode or NHS number')

export const offerSchema = z.object({
  id: z.int(),
  requestId: z.int(),
  locationId: z.int(),
  locationName: z.string(),
  pricePence: z.int(),
  earliestStart: day,
  meetsAllNeeds: z.boolean(),
  notes: z.string(),
  visitIds: z.array(z.int()),
  status: offerStatus,
  statusLabel: z.string(),
  version: z.int().describe('Give it back to revise the offer'),
  createdAt: instant,
  updatedAt: instant,
})

export const opportunityDetailSchema = z.object({
  opportunity: opportunitySchema,
  offers: z.array(offerSchema).describe('Your offers on it'),
  closedBecause: z
    .string()
    .nullable()
    .describe('Why offers can no longer be made or changed; null while they can'),
})

export const handBackSchemaOut = z.object({
  id: z.int(),
  packageId: z.int(),
  requestId: z.int().describe('The request that placed the package'),
  providerOrganisationId: z.int(),
  reason: z.string(),
  lastDay: z.iso.date().describe('The last day of care'),
  noticeDays: z.int().describe('The council’s notice period when notice was given, in days'),
  shortNoticeReason: z.string().nullable(),
  resourcingRequestId: z.int().nullable().describe('The linked request that re-sources the package'),
  resourcedAt: instant.nullable(),
  createdAt: instant,
  createdBy: z.string(),
})
