// What the capacity API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

const instant = z.iso.datetime()

export const providerCapacitySchema = z.object({
  staleAfterDays: z.int(),
  locations: z.array(
    z.object({
      locationId: z.int(),
      cqcLocationId: z.string(),
      name: z.string(),
      registeredBeds: z.int().nullable(),
      lastReportedAt: instant.nullable(),
      freshness: z.enum(['missing', 'stale', 'current']),
      beds: z.array(z.object({ bedType: z.string(), vacancies: z.int(), reportedAt: instant })),
      dayPlaces: z
        .object({ placesPerDay: z.int(), reportedAt: instant })
        .nullable()
        .describe('A day service: its latest spare places a day'),
      homeCare: z.array(
        z.object({
          outcode: z.string(),
          spareHoursPerWeek: z.number(),
          spareMinutesPerWeek: z.int(),
          reportedAt: instant,
        }),
      ),
    }),
  ),
})

export const capacityReportedSchema = z.object({ saved: z.int(), reportedAt: instant })

/** Care home beds available in a locality (or in total), as capacity summarises them. */
export const localityAvailabilitySchema = z.object({
  localityId: z.int().nullable(),
  locality: z.string(),
  homes: z.int().describe('Active care homes with registered beds'),
  reportingHomes: z.int().describe('Of those, the homes that reported in the last 7 days'),
  reportingPercent: z.number().nullable(),
  registeredBedsOfReportingHomes: z.int(),
  vacancies: z.int(),
  percentAvailable: z.number().nullable(),
  byBedType: z.array(
    z.object({
      bedType: z.string(),
      label: z.string(),
      vacancies: z.int(),
      percentAvailable: z.number().nullable(),
    }),
  ),
})

export const capacitySummarySchema = z.object({
  generatedAt: instant,
  staleAfterDays: z.int(),
  denominator: z.string().describe('How the percentages are worked out, in words'),
  beds: z.object({ localities: z.array(localityAvailabilitySchema), total: localityAvailabilitySchema }),
  homeCare: z.object({
    locations: z.int(),
    reportingLocations: z.int(),
    reportingPercent: z.number().nullable(),
    spareHoursPerWeek: z.number(),
    byDistrict: z.array(z.object({ outcode: z.string(), spareHoursPerWeek: z.number(), locations: z.int() })),
  }),
})
