// What the package import API takes and answers, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

const rejectedRows = z
  .array(z.object({ line: z.int(), reason: z.string() }))
  .describe('Rows refused, with their line in the file (the titles are line 1) and why')

/** The report of one import: what the command line's --json prints, and its status. */
export const packageImportReportSchema = z.object({
  importId: z.int(),
  status: z
    .enum(['completed', 'rejected'])
    .describe('rejected: some row was rejected, so nothing was imported'),
  added: z.int().describe('Packages new to Caremarket'),
  updated: z.int().describe('Packages already imported whose details changed'),
  unchanged: z.int().describe('Packages already imported, as they were'),
  ended: z.int().describe('Packages whose end date this import newly set'),
  rejected: rejectedRows,
})

const importFields = {
  id: z.int(),
  fileName: z.string(),
  status: z
    .enum(['completed', 'rejected'])
    .describe('rejected: some row was rejected, so nothing was imported'),
  full: z.boolean().describe('The file was the whole book: active packages missing from it were ended'),
  rowsRead: z.int(),
  added: z.int(),
  updated: z.int(),
  unchanged: z.int(),
  ended: z.int(),
  startedBy: z.string(),
  finishedAt: z.iso.datetime(),
}

export const packageImportListSchema = z.object({ imports: z.array(z.object(importFields)) })

export const onePackageImportSchema = z.object({
  import: z.object({ ...importFields, rejected: rejectedRows }),
})

/** The upload's fields, as multipart/form-data. */
export const packageImportUploadSchema = z.object({
  file: z
    .string()
    .meta({ format: 'binary' })
    .describe(
      'The book of packages: CSV, or an Excel (.xlsx) or OpenDocument (.ods) workbook; the README lists the columns',
    ),
  full: z
    .enum(['yes'])
    .optional()
    .describe('The file is the whole book: active imported packages missing from it are ended'),
})
