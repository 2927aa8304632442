// What the uplift API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { recordId } from '../../storable.ts'
import { MAX_YEAR, MIN_YEAR, UPLIFT_SECTORS } from './rules.ts'

const sectorCost = z.object({
  sector: z
    .string()
    .describe('A sector of the uplift table (home-support, older-people-residential, …) or "total"'),
  label: z.string(),
  packages: z.int().describe('Packages in force for at least one day of the year, brokered and imported'),
  upliftPercent: z.number().nullable().describe('The sector’s uplift; null in the total'),
  paySharePercent: z.number().nullable().describe('The share of the price that is pay; null in the total'),
  annualCostBeforePence: z
    .int()
    .describe('Weekly cost × days in force in the year ÷ 7, to the penny, summed'),
  annualCostAfterPence: z
    .int()
    .describe(
      'The new weekly cost (uplifted to the penny, at least the new rate) × days in force ÷ 7, summed',
    ),
  increasePence: z.int(),
  nlwPennyCostPence: z
    .int()
    .nullable()
    .describe('The cost in the year of each 1p an hour on the National Living Wage; null without NLW rates'),
})

export const upliftModelSchema = z.object({
  year: z.int().describe('The financial year starts on 1 April of this year'),
  label: z.string().describe('"2027/28"'),
  from: z.iso.date(),
  to: z.iso.date(),
  sectors: z.array(sectorCost),
  total: sectorCost,
  budget: z
    .object({
      budgetPence: z.int(),
      upliftPercent: z
        .number()
        .describe('The largest uniform uplift, to 0.01%, whose extra cost is within the budget'),
      increasePence: z.int(),
      capped: z.boolean().describe('The budget covers even a 100% uplift'),
    })
    .nullable(),
})

export const upliftParams = z.strictObject({
  year: z
    .string()
    .regex(/^\d{4}$/, 'The year is four digits, the year the financial year starts')
    .transform(Number)
    .refine((y) => y >= MIN_YEAR && y <= MAX_YEAR, `The year must be from ${MIN_YEAR} to ${MAX_YEAR}`),
})

export const upliftQuery = z.strictObject({
  scenario: z
    .string({ error: 'Give the scenario as JSON, like scenario={"default":5}' })
    .max(10_000, 'The scenario must be 10,000 characters or fewer')
    .describe(
      'The scenario as JSON: {"default": 5} is 5% for every sector; a sector key overrides it (a % or {"uplift", "payShare", "weeklyRatePence" for care homes, "hourlyRatePence" for home support and supported living}); payShare (default 60), nlwOldPence and nlwNewPence',
    ),
  budgetPence: z
    .string()
    .regex(/^\d{1,13}$/, 'The budget is a whole number of pence, not negative')
    .transform(Number)
    .optional()
    .describe('Also find the largest uniform uplift whose extra cost fits this budget (pence)'),
})

export const upliftScenarioBody = z
  .record(z.string(), z.unknown(), { error: 'Send the scenario as a JSON object, like {"default": 5}' })
  .describe('The scenario, as JSON: the same as the model’s scenario parameter, e.g. {"default": 5}')

export const upliftApplicationSchema = z.object({
  year: z.int(),
  label: z.string().describe('"2027/28"'),
  effectiveFrom: z.iso.date().describe('1 April of the year: the new prices and rates start then'),
  scenario: z.record(z.string(), z.unknown()).describe('The scenario applied, as given'),
  packagesChanged: z.int(),
  ratesAdded: z
    .int()
    .describe('Rates of the rate book uplifted from 1 April (their predecessors end on 31 March)'),
  providersWritten: z
    .int()
    .describe('Letters queued in the outbox, one per provider organisation with users'),
  annualCostBeforePence: z
    .int()
    .describe('The year’s cost of the live book before the uplift (as the model costs it)'),
  annualCostAfterPence: z.int(),
  appliedBy: z.string(),
  appliedAt: z.iso.datetime(),
  packages: z.array(
    z.object({
      ref: z.string().describe('PKG-<id> brokered through Caremarket; BOOK-<id> from the council’s book'),
      source: z.enum(['brokered', 'imported']),
      packageId: z.int(),
      provider: z.string(),
      location: z.string(),
      service: z.string(),
      sector: z.string(),
      effectiveFrom: z.iso.date(),
      oldWeeklyCostPence: z.int(),
      newWeeklyCostPence: z.int(),
    }),
  ),
})

// ---- Saved scenarios ----

export const scenarioParams = z.strictObject({
  year: upliftParams.shape.year,
  id: recordId('Scenario ID'),
})

export const scenarioBody = z.object({
  name: z
    .string({ error: 'Enter a name for the scenario' })
    .describe('A name of up to 100 characters, unique within the year, e.g. "NLW plus 1%"'),
  scenario: z
    .record(z.string(), z.unknown(), {
      error: 'Give the scenario as a JSON object, like {"default": 5}',
    })
    .describe(
      'The scenario as GET /api/v1/fees/uplifts/{year} takes it: {"default": 5} is 5% for every sector; a sector key overrides it; payShare, nlwOldPence and nlwNewPence',
    ),
})

export const chooseBody = z.object({
  rationale: z
    .string({ error: 'Enter how the uplift was decided' })
    .describe(
      'How the uplift was decided, published in the Market Position Statement, e.g. "Cabinet on 12 March 2027 agreed 5.5% for home support to match the NLW" (up to 1,000 characters)',
    ),
})

export const savedScenarioSchema = z.object({
  id: z.int(),
  year: z.int(),
  name: z.string(),
  scenario: z.record(z.string(), z.unknown()),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedBy: z.string(),
  updatedAt: z.iso.datetime(),
  chosen: z
    .object({ at: z.iso.datetime(), by: z.string(), rationale: z.string() })
    .nullable()
    .describe('Set on the one scenario of the year the council chose; null on the others'),
})

export const savedScenarioListSchema = z.object({
  year: z.int(),
  label: z.string(),
  scenarios: z.array(
    savedScenarioSchema.extend({
      costs: upliftModelSchema
        .omit({ budget: true })
        .describe('What the scenario costs against the live book today'),
    }),
  ),
})

export const upliftBookSchema = z.object({
  year: z.int(),
  label: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  packages: z
    .array(
      z.object({
        ref: z.string().describe('PKG-<id> brokered through Caremarket; BOOK-<id> from the council’s book'),
        source: z.enum(['brokered', 'imported']),
        id: z.int(),
        sector: z.enum(UPLIFT_SECTORS),
        serviceType: z.string(),
        clientGroup: z.string().nullable(),
        startDate: z.iso.date(),
        endDate: z.iso.date().nullable(),
        minutesPerWeek: z.int().nullable(),
        prices: z
          .array(z.object({ weeklyCostPence: z.int(), days: z.int() }))
          .describe('Each weekly price the package has in the year, with its days in force at it'),
      }),
    )
    .describe(
      'Every package the year is costed over. Σ round(weeklyCostPence × days ÷ 7) over every price is the model’s annualCostBeforePence; after a uniform uplift of p%, each price is first round(weeklyCostPence × (1 + p ÷ 100)).',
    ),
})
