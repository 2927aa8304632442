// Uplift modelling over the live book: one scenario, two or three side by side, and the uniform
// uplift that fits a budget.
import type { Database } from '../../db/connection.ts'
import { ValidationError } from '../../errors.ts'
import { createUpliftApplyService } from './apply.ts'
import { financialYear, modelUplift, type Scenario, type UpliftModel, upliftForBudget } from './rules.ts'
import { packagesInForce } from './store.ts'

export interface BudgetFit {
  budgetPence: number
  upliftPercent: number
  increasePence: number
  /** The budget covers even the largest uplift a scenario may ask for. */
  capped: boolean
}

/** The most scenarios compared side by side. */
const MAX_COMPARED = 3

export function createUpliftsService(db: Database) {
  return {
    ...createUpliftApplyService(db),
    /** Each scenario's costs for the financial year starting 1 April `year`, and the budget's fit. */
    async modelUplifts(
      councilId: number,
      year: number,
      scenarios: readonly Scenario[],
      budgetPence?: number,
    ): Promise<{ models: UpliftModel[]; budget: BudgetFit | null }> {
      const fy = financialYear(year)
      if (scenarios.length === 0 || scenarios.length > MAX_COMPARED)
        throw new ValidationError([
          { field: 'scenario', message: `Give from 1 to ${MAX_COMPARED} scenarios to compare` },
        ])
      const packages = await packagesInForce(db, councilId, fy.from, fy.to)
      const models = scenarios.map((s) => modelUplift(year, packages, s))
      const budget =
        budgetPence === undefined
          ? null
          : { budgetPence, ...upliftForBudget(year, packages, scenarios[0] as Scenario, budgetPence) }
      return { models, budget }
    },
  }
}

export type UpliftsService = ReturnType<typeof createUpliftsService>
