// What the frameworks API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { pagedSchema } from '../../web/paging.ts'
import { PROCUREMENTS } from './rules.ts'
import { onDateSchema } from './service.ts'

export const lotsSchema = pagedSchema(
  'lots',
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
)

/** `?on=`: the service checks it is a date, once it has found the lot; by default today. */
export const admittedQuery = onDateSchema.partial()

export const admittedSchema = z.object({
  lot: z.object({ id: z.int(), name: z.string(), procurement: z.enum(PROCUREMENTS) }),
  on: z.iso.date(),
  locationIds: z.array(z.int()),
})
