// What the CQC import API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

const importFields = {
  id: z.int(),
  source: z.enum(['file', 'api']).describe('An uploaded register file, or the changes CQC’s API listed'),
  fileName: z.string().describe('The file’s name; for an API import, "CQC API changes"'),
  changesFrom: z.iso
    .datetime()
    .nullable()
    .describe('An API import: the start of the window of CQC’s changes it read'),
  changesTo: z.iso.datetime().nullable().describe('An API import: the end of that window'),
  format: z.string().nullable(),
  status: z.enum(['running', 'completed', 'failed']),
  full: z.boolean(),
  localAuthority: z.string().nullable(),
  bytesTotal: z.int().nullable(),
  bytesRead: z.int(),
  rowsRead: z.int().nullable().describe('While it runs: the rows read so far'),
  added: z.int(),
  updated: z.int(),
  unchanged: z.int(),
  deactivated: z.int(),
  ended: z
    .int()
    .describe(
      'The same as deactivated: under the name every import report uses (packages, accredited services)',
    ),
  error: z.string().nullable(),
  startedBy: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
}

export const importListSchema = z.object({ imports: z.array(z.object(importFields)) })

export const oneImportSchema = z.object({
  import: z.object({
    ...importFields,
    rejected: z
      .array(
        z.object({
          line: z.int().describe('The file’s line; for an API import, the place in its list of changes'),
          locationId: z.string().optional().describe('An API import: the CQC location ID'),
          reason: z.string(),
        }),
      )
      .describe('Rows refused, and why'),
  }),
})

/** The upload's fields, as multipart/form-data. */
export const importUploadSchema = z.object({
  file: z
    .string()
    .meta({ format: 'binary' })
    .describe('The CQC register: CSV, or the ODS or XLSX CQC publishes'),
  localAuthority: z.string().optional().describe('Import the locations of this local authority'),
  allLocalAuthorities: z.enum(['yes']).optional().describe('Import every local authority'),
  full: z.enum(['yes']).optional().describe('A full register: locations not in it are deactivated'),
})
