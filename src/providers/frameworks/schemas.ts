// What the frameworks API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { PROCUREMENTS } from './rules.ts'

export const lotsSchema = z.object({
  lots: z.array(
    z.object({
      id: z.int(),
      councilId: z.int(),
      name: z.string(),
      procurement: z.enum(PROCUREMENTS),
      serviceType: z.string().nullable(),
      description: z.string(),
      questions: z.array(z.object({ id: z.string(), text: z.string() })),
      opensOn: z.iso.date(),
      closesOn: z.iso.date().nullable(),
      createdAt: z.iso.datetime(),
      counts: z.record(z.string(), z.int()).describe('Memberships in each status'),
    }),
  ),
})

export const admittedQuery = z.object({
  on: z
    .preprocess(
      (v) => (v === '' ? undefined : v),
      z.iso.date({ error: 'Enter a date, for example 2025-04-01' }).optional(),
    )
    .describe('YYYY-MM-DD; by default today'),
})

export const admittedSchema = z.object({
  lot: z.object({ id: z.int(), name: z.string(), procurement: z.enum(PROCUREMENTS) }),
  on: z.iso.date(),
  locationIds: z.array(z.int()),
})
