// What the quality API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

const instant = z.iso.datetime()
const day = z.iso.date()
const datedRating = z.object({ rating: z.string(), ratedOn: day.nullable() })

const restriction = z.object({
  id: z.int(),
  locationId: z.int(),
  kind: z.string(),
  description: z.string(),
  monthlyLimit: z.int().nullable(),
  startsOn: day,
  endsOn: day.nullable(),
  reason: z.string(),
  status: z.enum(['scheduled', 'in_force', 'lifted', 'ended']),
  createdBy: z.string(),
  createdAt: instant,
  liftedAt: instant.nullable(),
  liftedBy: z.string().nullable(),
  liftReason: z.string().nullable(),
})

export const locationQualitySchema = z.object({
  locationId: z.int(),
  effectiveRating: z.object({
    rating: z.string(),
    source: z.enum(['cqc', 'pamms']).nullable(),
    ratedOn: day.nullable(),
    explanation: z.string().describe('Why this rating was chosen'),
    cqc: datedRating.nullable(),
    pamms: datedRating.nullable(),
  }),
  ratings: z.array(
    z.object({
      id: z.int().nullable(),
      source: z.enum(['cqc', 'pamms']),
      rating: z.string(),
      label: z.string(),
      ratedOn: day.nullable(),
      reference: z.string().nullable(),
      recordedBy: z.string().nullable(),
      recordedAt: instant.nullable(),
    }),
  ),
  restrictions: z.object({ current: z.array(restriction), past: z.array(restriction) }),
})

const share = { services: z.int(), beds: z.int() }
export const restrictionRegisterSchema = z.object({
  onDate: day,
  restrictions: z.array(
    restriction.extend({
      locationName: z.string(),
      providerName: z.string(),
      sector: z.string(),
      registeredBeds: z.int().nullable(),
    }),
  ),
  summary: z.object({
    total: z.object({
      allServices: z.int(),
      allBeds: z.int(),
      ...share,
      servicesPercent: z.number().nullable(),
      bedsPercent: z.number().nullable(),
    }),
    sectors: z.array(
      z.object({
        sector: z.string(),
        label: z.string(),
        allServices: z.int(),
        allBeds: z.int(),
        restricted: z.object({
          ...share,
          servicesPercent: z.number().nullable(),
          bedsPercent: z.number().nullable(),
        }),
        byKind: z.array(z.object({ kind: z.string(), label: z.string(), ...share })),
      }),
    ),
  }),
})
