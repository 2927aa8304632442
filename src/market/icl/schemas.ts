// What the Interim Care List API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

const breakdown = z.array(z.object({ key: z.string(), people: z.int(), unfilledMinutesPerWeek: z.int() }))
const breakdowns = z.object({
  locality: breakdown,
  pcn: breakdown,
  ageGroup: breakdown,
  careType: breakdown,
  inHospital: breakdown,
})
const headline = {
  people: z.int(),
  unfilledMinutesPerWeek: z.int(),
  meanDaysWaiting: z.number().nullable(),
  medianDaysWaiting: z.number().nullable(),
}

export const iclReportSchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  locality: z.string().nullable(),
  at: z.iso.datetime().describe('The end of the period: the list as it stood then'),
  ...headline,
  unfilledHoursPerWeek: z.number(),
  added: z.int().describe('People added to the list in the period'),
  removed: z.int().describe('People taken off the list in the period'),
  breakdowns,
  entries: z.array(
    z.object({
      requestId: z.int(),
      personName: z.string(),
      submittedAt: z.iso.datetime(),
      daysWaiting: z.number(),
      unfilledMinutesPerWeek: z.int(),
      unfilledHoursPerWeek: z.number(),
      requestedMinutesPerWeek: z
        .int()
        .describe('All the request’s care minutes a week: the most that can be unfilled'),
      locality: z.string(),
      pcn: z.string(),
      ageGroup: z.string(),
      careType: z.string(),
      inHospital: z.boolean(),
      handBackPackageId: z
        .int()
        .nullable()
        .describe('The package its provider handed back, for a person on the list because of it'),
    }),
  ),
})

export const snapshotsSchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  snapshots: z.array(
    z.object({
      date: z.iso.date(),
      ...headline,
      added: z.int(),
      removed: z.int(),
      takenAt: z.iso.datetime(),
      breakdowns,
    }),
  ),
})
