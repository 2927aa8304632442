// What the insights API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { REQUEST_SERVICE_TYPES } from '../../brokerage/rules/index.ts'
import { localityAvailabilitySchema as availability } from '../../providers/capacity/schemas.ts'
import { marketEventsSummarySchema } from '../events/schemas.ts'

const day = z.iso.date()
const times = {
  label: z.string(),
  awarded: z.int(),
  medianDays: z.number().nullable(),
  p90Days: z.number().nullable(),
}
const hardToServeLine = z.object({
  area: z.enum(['rural', 'urban', 'unknown', 'all']),
  label: z.string(),
  requests: z.int(),
  unsourced: z.int(),
  percentUnsourced: z.number().nullable(),
})

const handBackLine = z.object({ label: z.string(), handBacks: z.int() })

export const insightsReportSchema = z.object({
  from: day,
  to: day,
  serviceType: z.enum(REQUEST_SERVICE_TYPES).nullable(),
  locality: z.string().nullable(),
  localities: z.array(z.string()),
  hardToServeDays: z.int(),
  response: z.object({
    published: z.int(),
    withOffers: z.int(),
    offers: z.int(),
    responseRate: z.number().nullable(),
    meanOffersPerRequest: z.number().nullable(),
  }),
  timeToSource: z.object({
    overall: z.object({ serviceType: z.enum(REQUEST_SERVICE_TYPES).nullable(), ...times }),
    byServiceType: z.array(z.object({ serviceType: z.enum(REQUEST_SERVICE_TYPES).nullable(), ...times })),
    byLocality: z.array(z.object({ localityId: z.int().nullable(), ...times })),
  }),
  beds: z
    .object({
      at: z.iso.datetime(),
      staleAfterDays: z.int(),
      denominator: z.string(),
      bedTypes: z.array(z.object({ bedType: z.string(), label: z.string() })),
      localities: z.array(availability),
      total: availability,
    })
    .nullable()
    .describe('Null when the service type chosen is not a care home'),
  hardToServe: z.object({
    days: z.int(),
    published: z.int(),
    tooRecent: z.int(),
    cancelled: z.int(),
    byArea: z.array(hardToServeLine),
    total: hardToServeLine,
  }),
  hours: z
    .object({
      at: day,
      hoursPerWeek: z.number(),
      brokeredHoursPerWeek: z.number().describe('Of those hours, the ones brokered through Caremarket'),
      trend: z.array(z.object({ date: day, hoursPerWeek: z.number(), change: z.number().nullable() })),
    })
    .nullable()
    .describe('Null when the service type chosen is not home care'),
  commissioned: z
    .object({
      at: day,
      packages: z.int(),
      people: z.int(),
      weeklyCostPence: z.int(),
      brokered: z
        .object({ packages: z.int(), people: z.int(), weeklyCostPence: z.int() })
        .describe('Of those, the packages brokered through Caremarket'),
    })
    .describe(
      'Packages active at the end of the period: brokered through Caremarket and from the council’s own book (its case system), each person counted once',
    ),
  prices: z.object({
    awarded: z.int(),
    withUsualPrice: z.int(),
    aboveUsualPrice: z.int(),
    percentAbove: z.number().nullable(),
    byServiceType: z.array(
      z.object({
        serviceType: z.enum(REQUEST_SERVICE_TYPES),
        label: z.string(),
        unit: z.enum(['weekly', 'hourly', 'daily']),
        awarded: z.int(),
        medianPricePence: z.number().nullable(),
      }),
    ),
  }),
  quality: z.object({
    on: day,
    locations: z.int(),
    rated: z.int(),
    goodOrOutstanding: z.int(),
    percentGoodOrOutstanding: z.number().nullable(),
    restrictions: z.array(z.object({ kind: z.string(), label: z.string(), count: z.int() })),
    packages: z.object({
      at: day,
      active: z.int(),
      rated: z.int(),
      goodOrOutstanding: z.int(),
      percentGoodOrOutstanding: z.number().nullable(),
    }),
  }),
  events: marketEventsSummarySchema,
  failureResponses: z
    .object({
      responses: z.int(),
      people: z.int().describe('People whose care had to be re-sourced'),
      rePlaced: z.int(),
      medianDaysToReplace: z.number().nullable().describe('From notice to the award of the re-placement'),
      withGap: z.int().describe('People with at least a day without care'),
      extraCostPence: z
        .int()
        .describe('Computed: Σ (new − old weekly) × weeks to the year’s end, plus one-off costs'),
    })
    .describe('The responses to the failures of the period, for the whole council whatever the filters'),
  handBacks: z
    .object({
      total: z.int().describe('Hand-backs given (notice received) in the period, in the filters'),
      shortNotice: z.int().describe("Given with less notice than the council's notice period"),
      byProvider: z.array(handBackLine).describe('By provider organisation, most hand-backs first'),
      byReason: z
        .array(handBackLine)
        .describe('By the reason the provider gave, as written (the same words in any case are one reason)'),
      byMonth: z
        .array(handBackLine.extend({ month: z.string().describe('YYYY-MM, London') }))
        .describe('Every month of the period, in order'),
      homeCare: z
        .object({
          handBacks: z.int().describe('Hand-backs of home care packages given in the period'),
          hoursDelivered: z
            .number()
            .describe(
              'Hours of home care delivered in the period: Σ care-worker minutes a week × days active in the period ÷ 7 ÷ 60, brokered and from the council’s own book',
            ),
          ratePer1000Hours: z
            .number()
            .nullable()
            .describe('Home care hand-backs per 1,000 hours delivered; null with no hours'),
        })
        .nullable()
        .describe('Null when the service type chosen is not home care'),
    })
    .describe("Providers' hand-backs of packages given in the period"),
})
