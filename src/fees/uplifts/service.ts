// Uplift modelling over the live book: one scenario, two or three side by side, the uniform uplift
// that fits a budget, the year's saved scenarios costed together, and applying one (apply.ts).
import { bindDatabase } from '../../db/bind.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ValidationError } from '../../errors.ts'
import { createUpliftApplyService, packageRef } from './apply.ts'
import {
  costedPackages,
  financialYear,
  financialYearLabel,
  modelUplift,
  type Scenario,
  type UpliftModel,
  upliftForBudget,
} from './rules.ts'
import {
  chooseScenario,
  chosenScenario,
  deleteScenario,
  getScenario,
  listScenarios,
  type SavedScenario,
  saveScenario,
  scenarioOf,
  updateScenario,
} from './scenarios.ts'
import { packagesInForce } from './store.ts'

interface BudgetFit {
  budgetPence: number
  upliftPercent: number
  increasePence: number
  /** The budget covers even the largest uplift a scenario may ask for. */
  capped: boolean
}

/** The most scenarios compared side by side. */
export const MAX_COMPARED = 3

/** Each scenario's costs for the financial year starting 1 April `year`, and the budget's fit. */
async function modelUplifts(
  db: Queryable,
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
}

/**
 * The packages the year is costed over, as the model reads them: every package of the live book in
 * force on at least one day of the year, with its days at each price. A sum over this list gives
 * the model's "before" to the penny (each price's weekly cost × days ÷ 7, rounded per price).
 */
async function bookOfYear(db: Queryable, councilId: number, year: number) {
  const fy = financialYear(year)
  const packages = costedPackages(year, await packagesInForce(db, councilId, fy.from, fy.to))
  return {
    year,
    label: financialYearLabel(year),
    from: fy.from,
    to: fy.to,
    packages: packages.map((p) => ({
      ref: packageRef(p.source, p.id),
      source: p.source,
      id: p.id,
      sector: p.sector,
      serviceType: p.serviceType,
      clientGroup: p.clientGroup,
      startDate: p.startDate,
      endDate: p.endDate,
      minutesPerWeek: p.minutesPerWeek,
      prices: p.prices,
    })),
  }
}

export interface SavedScenarioModels {
  year: number
  label: string
  /** Every saved scenario of the year with its costs, the chosen one first. */
  scenarios: { saved: SavedScenario; model: UpliftModel }[]
  chosen: { saved: SavedScenario; model: UpliftModel } | null
}

/** The year's saved scenarios, each costed against the live book (read once), for the committee report. */
export async function savedScenarioModels(
  db: Queryable,
  councilId: number,
  year: number,
): Promise<SavedScenarioModels> {
  const fy = financialYear(year)
  const saved = await listScenarios(db, councilId, year)
  const packages = saved.length === 0 ? [] : await packagesInForce(db, councilId, fy.from, fy.to)
  const scenarios = saved.map((s) => ({ saved: s, model: modelUplift(year, packages, scenarioOf(s)) }))
  return {
    year,
    label: financialYearLabel(year),
    scenarios,
    chosen: scenarios.find((s) => s.saved.chosen !== null) ?? null,
  }
}

export interface PublishedUplift {
  year: number
  label: string
  name: string
  rationale: string
  chosenAt: Date
  /** Each sector's uplift and new rate, as the council decided them; no costs. */
  sectors: Pick<UpliftModel['sectors'][number], 'sector' | 'label' | 'upliftPercent' | 'newRate'>[]
}

/** How the year's uplifts were decided, as the Market Position Statement publishes it: the chosen scenario only. */
async function publishedUplift(
  db: Queryable,
  councilId: number,
  year: number,
): Promise<PublishedUplift | null> {
  const chosen = await chosenScenario(db, councilId, year)
  if (!chosen?.chosen) return null
  const model = modelUplift(year, [], scenarioOf(chosen))
  return {
    year,
    label: model.label,
    name: chosen.name,
    rationale: chosen.chosen.rationale,
    chosenAt: chosen.chosen.at,
    sectors: model.sectors.map(({ sector, label, upliftPercent, newRate }) => ({
      sector,
      label,
      upliftPercent,
      newRate,
    })),
  }
}

export function createUpliftsService(db: Database) {
  return {
    ...createUpliftApplyService(db),
    ...bindDatabase(db, {
      modelUplifts,
      bookOfYear,
      savedScenarioModels,
      publishedUplift,
      listScenarios,
      getScenario,
      saveScenario,
      updateScenario,
      deleteScenario,
      chooseScenario,
    }),
  }
}

export type UpliftsService = ReturnType<typeof createUpliftsService>
