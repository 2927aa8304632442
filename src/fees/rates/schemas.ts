// The rate book's API shapes, for the handlers and the OpenAPI document.
import { z } from 'zod'

export const rateQuerySchema = z.object({
  at: z.iso.date({ error: 'at must be a date, like 2027-04-01' }).optional(),
})

const rateSchema = z.object({
  id: z.int(),
  serviceType: z.string(),
  clientGroup: z.string(),
  band: z.enum(['standard', 'enhanced', 'complex']),
  localityId: z.int().nullable(),
  locality: z.string().nullable().describe('Null: the rate applies in every locality without its own'),
  pricePence: z.int(),
  unit: z.enum(['weekly', 'hourly', 'session']),
  effectiveFrom: z.iso.date(),
  effectiveTo: z.iso.date().nullable().describe('The last day the rate applies; null while it has no end'),
})

export const rateListSchema = z.object({
  at: z.iso.date(),
  rates: z.array(rateSchema),
})

export const rateUploadSchema = z.object({
  file: z
    .string()
    .describe(
      'A CSV file with columns service_type, client_group, band, locality, price, effective_from, effective_to',
    ),
})

export const rateImportReportSchema = z.object({
  status: z.enum(['completed', 'rejected']),
  rowsRead: z.int(),
  added: z.int(),
  rejected: z.array(z.object({ line: z.int(), reason: z.string() })),
})
