// What the market events API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { MARKET_EVENT_KINDS } from './rules.ts'

const instant = z.iso.datetime()
const totals = {
  events: z.int(),
  bedsLost: z.int(),
  bedsGained: z.int(),
  homeCareHoursLost: z.number().describe('Hours a week'),
  homeCareHoursGained: z.number().describe('Hours a week'),
  peopleAffected: z.int(),
  extraCostPence: z.int().describe('The costs known so far'),
  costNotKnown: z.int().describe('Failures whose cost is not recorded yet'),
}

export const marketEventsSummarySchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  ...totals,
  failures: z.object(totals).describe('Provider exits, closures and deregistrations together'),
  byKind: z.array(z.object({ kind: z.enum(MARKET_EVENT_KINDS), label: z.string(), ...totals })),
})

export const marketEventsListSchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  summary: marketEventsSummarySchema.describe('Withdrawn events are left out'),
  events: z.array(
    z.object({
      id: z.int(),
      kind: z.enum(MARKET_EVENT_KINDS),
      kindLabel: z.string(),
      failure: z.boolean(),
      occurredOn: z.iso.date(),
      providerOrganisationId: z.int(),
      providerName: z.string(),
      locationId: z.int().nullable(),
      locationName: z.string().nullable(),
      locality: z.string().nullable(),
      bedsLost: z.int(),
      bedsGained: z.int(),
      homeCareHoursLost: z.number(),
      homeCareHoursGained: z.number(),
      peopleAffected: z.int(),
      peopleCounted: z.int().nullable(),
      extraCostPence: z.int().nullable().describe('Null while not yet known'),
      notes: z.string(),
      source: z.enum(['manual', 'cqc_import']),
      cqcImportId: z.int().nullable(),
      recordedAt: instant,
      recordedBy: z.string(),
      updatedAt: instant.nullable(),
      updatedBy: z.string().nullable(),
      withdrawnAt: instant.nullable(),
      withdrawnBy: z.string().nullable(),
      withdrawReason: z.string().nullable(),
    }),
  ),
})
