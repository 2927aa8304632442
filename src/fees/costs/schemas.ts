// The cost of care API's shapes, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { MAX_YEAR } from '../uplifts/rules.ts'
import { CARE_HOME_LINES, COST_SECTORS, FIRST_COST_YEAR, HOME_CARE_LINES } from './rules.ts'

const pence = z.int('Give pence, a whole number')

export const costReturnBodySchema = z.strictObject({
  locationId: z.int('Give the location’s ID, a whole number').positive(),
  year: z
    .int('Give the year the financial year starts, like 2026')
    .min(FIRST_COST_YEAR, `The year must be ${FIRST_COST_YEAR} or later`)
    .max(MAX_YEAR, `The year must be ${MAX_YEAR} or earlier`),
  sector: z.enum(COST_SECTORS, { error: `The sector is one of ${COST_SECTORS.join(', ')}` }),
  hourlyWagePence: pence
    .nullable()
    .optional()
    .describe(
      'The care worker’s hourly wage: required for home-support, optional for care homes; at least the NLW',
    ),
  lines: z
    .record(z.string().max(40), pence)
    .describe(
      `Each line in pence per resident a week (care homes: ${CARE_HOME_LINES.map((l) => l.key).join(', ')}) or per contact hour (home-support: ${HOME_CARE_LINES.map((l) => l.key).join(', ')}); none negative`,
    ),
})

export const costReturnSavedSchema = z.object({
  id: z.int(),
  replaced: z.boolean().describe('Whether it replaced the location’s earlier return for the year'),
})

export const returnUploadSchema = z.object({
  file: z
    .string()
    .describe(
      'A CSV file with columns cqc_location_id, year, sector, hourly_wage and the lines (in pounds), one row per location and year',
    ),
})

export const returnImportReportSchema = z.object({
  status: z
    .enum(['completed', 'partial', 'rejected'])
    .describe('partial: the good rows were saved, the rejected ones were not'),
  rowsRead: z.int(),
  saved: z.int(),
  rejected: z.array(z.object({ line: z.int(), reason: z.string() })),
})

export const costOfCareParams = z.object({
  year: z
    .string()
    .regex(/^\d{4}$/, 'The year is four digits, the year the financial year starts')
    .transform(Number)
    .refine(
      (y) => y >= FIRST_COST_YEAR && y <= MAX_YEAR,
      `The year must be from ${FIRST_COST_YEAR} to ${MAX_YEAR}`,
    ),
})

const quartilesSchema = z.object({
  lowerQuartilePence: z.int(),
  medianPence: z.int(),
  upperQuartilePence: z.int(),
})

export const costOfCareSchema = z.object({
  year: z.int(),
  yearLabel: z.string(),
  at: z.iso.date().describe('The day whose live packages give the fees paid'),
  nlwPence: z.int().nullable().describe('The National Living Wage on the year’s 1 April'),
  minReturnsPublished: z.int().describe('Fewer returns than this and a sector’s figures are suppressed'),
  sectors: z.array(
    z.object({
      sector: z.enum(COST_SECTORS),
      label: z.string(),
      kind: z
        .enum(['care_home', 'home_care'])
        .describe('care_home: per resident a week; home_care: per contact hour'),
      returns: z.int().nullable().describe('null when suppressed'),
      suppressed: z.boolean(),
      lines: z.array(quartilesSchema.extend({ key: z.string(), label: z.string() })).nullable(),
      total: quartilesSchema.nullable(),
      hourlyWage: quartilesSchema.nullable(),
      paid: z.object({
        packages: z.int(),
        averagePence: z.int().nullable().describe('Average fee per resident a week, or per contact hour'),
        volume: z.number().describe('Residents (care homes) or contact hours a year (home care)'),
      }),
      gap: z
        .object({
          perUnitPence: z.int().describe('Median cost less the average fee paid'),
          annualPence: z.int().describe('The gap per unit times the volume, for the year'),
        })
        .nullable(),
    }),
  ),
})
