// What the accreditation API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

export const addedServiceSchema = z.object({
  locationId: z.int().describe('The service on the register: /api/v1/locations/{locationId}'),
  serviceId: z.string().describe('The council-issued ID, always beginning CA-'),
})

export const accreditationImportSchema = z.object({
  importId: z.int(),
  status: z.enum(['completed', 'rejected']).describe('rejected: nothing was kept'),
  added: z.int(),
  updated: z.int(),
  unchanged: z.int(),
  ended: z.int().describe('Services of a full list that it no longer names, taken off the active register'),
  rejected: z.array(z.object({ line: z.int(), reason: z.string() })).describe('Rows refused, and why'),
})

/** The upload's fields, as multipart/form-data. */
export const accreditationUploadSchema = z.object({
  file: z
    .string()
    .meta({ format: 'binary' })
    .describe('The accreditation list: CSV or .xlsx, one service a row'),
  full: z
    .enum(['yes'])
    .optional()
    .describe('The whole list: the council’s services it does not name are ended'),
})
