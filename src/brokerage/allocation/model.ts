// The allocation optimiser (issue 19, part 3): who goes where when many people must be placed at
// once, after a closure or for a day's backlog of home care. Pure: it takes the facts already
// loaded (who needs care, which offers and reported vacancies eligibility allows for each, and how
// much of each resource is left) and returns two proposals: a mixed-integer programme solved with
// HiGHS, and a greedy baseline ("first come, best score") to compare it with.
//
// Variables: x[o] ∈ {0, 1} for each option o (a request met by an offer, or by a location's reported
// vacancy when it has made no offer).
// Objective: maximise Σ value(o) · x[o], where
//   value(o) = size(request) × urgency(request) × quality factor(o) − distance penalty(o)
//   size      = 1 for a placement; hours a week ÷ 10 for home care (so 10 hours weigh as one bed)
//   urgency   = 1 + 1 if in hospital + 1 if an emergency (0.5 if urgent) + min(days waiting, 28) ÷ 28
//   quality   = 0.5 + quality score ÷ 200 (0.5 for a score of 0 … 1 for Outstanding's 100)
//   distance  = 0.2 × min(1, miles ÷ the request's maximum distance); 0.2 when unknown
// Constraints:
//   - at most one placement per person (Σ over every option of the person's requests ≤ 1);
//   - each resource pool, e.g. beds of a type at a location, spare home care minutes a week of a
//     provider in a district, or the placements left this month under an "N per month" restriction:
//     Σ use(o, pool) · x[o] ≤ pool's amount;
//   - exclusions: options at an excluded location or provider are not variables at all.

import highsModule from 'highs'

// The package's types describe a CommonJS module, whose default import TypeScript types as the
// whole module; Node loads its ES module build, whose default export is the loader itself.
type HighsLoader = typeof highsModule.default
const loadHighs: HighsLoader =
  (highsModule as unknown as { default?: HighsLoader }).default ?? (highsModule as unknown as HighsLoader)

export type Urgency = 'routine' | 'urgent' | 'emergency'

export interface AllocationRequest {
  requestId: number
  personId: number
  /** What the broker reads: never shown to a provider. */
  label: string
  kind: 'placement' | 'hours'
  /** Care minutes a week for home care; ignored for a placement. */
  minutesPerWeek: number
  urgency: Urgency
  inHospital: boolean
  daysWaiting: number
  maxDistanceMiles: number
  /** The order requests came in: the greedy baseline serves them in this order. */
  arrivedAt: Date
  /** Locations and provider organisations the person will not go to. */
  excludedLocationIds?: readonly number[]
  excludedProviderIds?: readonly number[]
}

interface PoolUse {
  pool: string
  amount: number
}

export interface AllocationOption {
  requestId: number
  locationId: number
  locationName: string
  providerId: number
  /** The live offer this option accepts; null for a reported vacancy without an offer. */
  offerId: number | null
  /** The scoring quality score, 0..100. */
  quality: number
  qualityLabel: string
  distanceMiles: number | null
  /** What the option takes from each pool it draws on. */
  uses: readonly PoolUse[]
}

export interface AllocationPool {
  key: string
  /** What the broker reads, e.g. "Nursing beds at Elm House". */
  label: string
  amount: number
}

export interface AllocationProblem {
  requests: readonly AllocationRequest[]
  options: readonly AllocationOption[]
  pools: readonly AllocationPool[]
}

interface Assignment {
  requestId: number
  option: AllocationOption
  value: number
}

export interface AllocationResult {
  assignments: Assignment[]
  peoplePlaced: number
  /** Care hours a week met (home care only; a placement adds none). */
  hoursPlaced: number
  placementsMade: number
  objective: number
}

export interface OptimalResult extends AllocationResult {
  /** HiGHS's model status, or "Not solved" when the problem was too large to try. */
  status: string
  /** True when these assignments are the solver's; false when they are the greedy fallback's. */
  solved: boolean
  /** Why the solver's answer was not used, for the broker; null when it was. */
  note: string | null
  variables: number
  constraints: number
}

export interface AllocationLimits {
  /** More option variables than this is "too large": greedy is proposed instead. */
  maxVariables: number
  /** Seconds HiGHS may take before its best answer is not proven optimal. */
  timeLimitSeconds: number
}

export const DEFAULT_LIMITS: AllocationLimits = { maxVariables: 200_000, timeLimitSeconds: 20 }

const round6 = (n: number) => Math.round(n * 1e6) / 1e6

function urgencyWeight(r: Pick<AllocationRequest, 'urgency' | 'inHospital' | 'daysWaiting'>): number {
  const emergency = r.urgency === 'emergency' ? 1 : r.urgency === 'urgent' ? 0.5 : 0
  return 1 + (r.inHospital ? 1 : 0) + emergency + Math.min(Math.max(r.daysWaiting, 0), 28) / 28
}

function sizeOf(r: Pick<AllocationRequest, 'kind' | 'minutesPerWeek'>): number {
  return r.kind === 'placement' ? 1 : r.minutesPerWeek / 600
}

/** What placing the request through the option is worth; always above 0, so any placement counts. */
export function optionValue(request: AllocationRequest, option: AllocationOption): number {
  const quality = 0.5 + Math.min(100, Math.max(0, option.quality)) / 200
  const far =
    option.distanceMiles === null || request.maxDistanceMiles <= 0
      ? 1
      : Math.min(1, option.distanceMiles / request.maxDistanceMiles)
  const value = sizeOf(request) * urgencyWeight(request) * quality - 0.2 * far
  return round6(Math.max(0.001, value))
}

/** The options the model may use: those the person has not excluded, for a request in the problem. */
function usableOptions(
  problem: AllocationProblem,
): { option: AllocationOption; request: AllocationRequest }[] {
  const byId = new Map(problem.requests.map((r) => [r.requestId, r]))
  const out: { option: AllocationOption; request: AllocationRequest }[] = []
  for (const option of problem.options) {
    const request = byId.get(option.requestId)
    if (!request) continue
    if (request.excludedLocationIds?.includes(option.locationId)) continue
    if (request.excludedProviderIds?.includes(option.providerId)) continue
    out.push({ option, request })
  }
  return out
}

function summarise(problem: AllocationProblem, assignments: Assignment[]): AllocationResult {
  const byId = new Map(problem.requests.map((r) => [r.requestId, r]))
  let minutes = 0
  let placements = 0
  for (const a of assignments) {
    const r = byId.get(a.requestId) as AllocationRequest
    if (r.kind === 'hours') minutes += r.minutesPerWeek
    else placements += 1
  }
  const people = new Set(assignments.map((a) => byId.get(a.requestId)?.personId))
  return {
    assignments: assignments.sort((a, b) => a.requestId - b.requestId),
    peoplePlaced: people.size,
    hoursPlaced: Math.round((minutes / 60) * 100) / 100,
    placementsMade: placements,
    objective: round6(assignments.reduce((s, a) => s + a.value, 0)),
  }
}

/**
 * The greedy baseline: requests in the order they came (earliest first, then by id), each given
 * its best-valued option that still fits every pool; the person is then placed.
 */
export function allocateGreedy(problem: AllocationProblem): AllocationResult {
  const left = new Map(problem.pools.map((p) => [p.key, p.amount]))
  const optionsOf = new Map<number, { option: AllocationOption; value: number }[]>()
  for (const { option, request } of usableOptions(problem)) {
    const list = optionsOf.get(request.requestId) ?? []
    list.push({ option, value: optionValue(request, option) })
    optionsOf.set(request.requestId, list)
  }
  const placedPeople = new Set<number>()
  const assignments: Assignment[] = []
  const order = [...problem.requests].sort(
    (a, b) => a.arrivedAt.getTime() - b.arrivedAt.getTime() || a.requestId - b.requestId,
  )
  for (const request of order) {
    if (placedPeople.has(request.personId)) continue
    const choices = (optionsOf.get(request.requestId) ?? []).sort(
      (a, b) => b.value - a.value || a.option.locationId - b.option.locationId,
    )
    const fits = choices.find(({ option }) => option.uses.every((u) => (left.get(u.pool) ?? 0) >= u.amount))
    if (!fits) continue
    for (const u of fits.option.uses) left.set(u.pool, (left.get(u.pool) ?? 0) - u.amount)
    placedPeople.add(request.personId)
    assignments.push({ requestId: request.requestId, option: fits.option, value: fits.value })
  }
  return summarise(problem, assignments)
}

interface Variable {
  option: AllocationOption
  value: number
  personId: number
}

/**
 * The programme as HiGHS takes it: one binary column per usable option, in compressed sparse
 * column form, and one row per person and per pool an option draws on.
 */
function buildModel(problem: AllocationProblem): {
  variables: Variable[]
  rowUpper: number[]
  starts: Int32Array
  indices: Int32Array
  values: Float64Array
} {
  const variables: Variable[] = usableOptions(problem).map(({ option, request }) => ({
    option,
    value: optionValue(request, option),
    personId: request.personId,
  }))
  const poolAmount = new Map(problem.pools.map((p) => [p.key, p.amount]))
  const rowOf = new Map<string, number>()
  const rowUpper: number[] = []
  const row = (key: string, upper: number) => {
    let i = rowOf.get(key)
    if (i === undefined) {
      i = rowUpper.length
      rowOf.set(key, i)
      rowUpper.push(upper)
    }
    return i
  }
  const starts = new Int32Array(variables.length + 1)
  const indices: number[] = []
  const values: number[] = []
  variables.forEach((v, j) => {
    starts[j] = indices.length
    const entries = new Map<number, number>()
    entries.set(row(`person:${v.personId}`, 1), 1)
    for (const u of v.option.uses) {
      // A pool nobody reported has nothing in it.
      const i = row(`pool:${u.pool}`, poolAmount.get(u.pool) ?? 0)
      entries.set(i, (entries.get(i) ?? 0) + u.amount)
    }
    for (const [i, amount] of [...entries].sort((a, b) => a[0] - b[0])) {
      indices.push(i)
      values.push(amount)
    }
  })
  starts[variables.length] = indices.length
  return {
    variables,
    rowUpper,
    starts,
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
  }
}

/** HiGHS's model status codes in its own words (as its one-shot API reports them). */
const STATUS_NAMES: Record<number, string> = {
  0: 'Not Set',
  1: 'Load error',
  2: 'Model error',
  3: 'Presolve error',
  4: 'Solve error',
  5: 'Postsolve error',
  6: 'Empty',
  7: 'Optimal',
  8: 'Infeasible',
  9: 'Primal infeasible or unbounded',
  10: 'Unbounded',
  11: 'Bound on objective reached',
  12: 'Target for objective reached',
  13: 'Time limit reached',
  14: 'Iteration limit reached',
  15: 'Unknown',
  16: 'Solution limit reached',
  17: 'Interrupted',
}

type Highs = Awaited<ReturnType<typeof loadHighs>>
let highsInstance: Promise<Highs> | null = null
function highs(): Promise<Highs> {
  highsInstance ??= loadHighs()
  return highsInstance
}

/**
 * The optimal proposal, proven optimal by HiGHS (relative gap 0). When the problem is too large,
 * infeasible (a pool with less than nothing in it) or not solved in time, the greedy proposal is
 * returned instead with a note saying why.
 */
export async function allocateOptimal(
  problem: AllocationProblem,
  limits: AllocationLimits = DEFAULT_LIMITS,
  greedy: AllocationResult = allocateGreedy(problem),
): Promise<OptimalResult> {
  const usable = usableOptions(problem).length
  const fallback = (status: string, note: string, constraints = 0): OptimalResult => ({
    ...greedy,
    assignments: [...greedy.assignments],
    status,
    solved: false,
    note,
    variables: usable,
    constraints,
  })
  if (usable > limits.maxVariables) {
    return fallback(
      'Not solved',
      `Too large to optimise: ${usable.toLocaleString('en-GB')} possible placements, more than the ${limits.maxVariables.toLocaleString('en-GB')} allowed. The greedy proposal is shown instead.`,
    )
  }
  const model = buildModel(problem)
  const constraints = model.rowUpper.length
  if (model.variables.length === 0) {
    return { ...summarise(problem, []), status: 'Empty', solved: true, note: null, variables: 0, constraints }
  }
  const solver = await highs()
  const n = model.variables.length
  let outcome: { status: string; chosen: boolean[] }
  try {
    outcome = solver.withModel(
      {
        numCols: n,
        numRows: constraints,
        sense: solver.constants.objectiveSense.maximize,
        colCost: Float64Array.from(model.variables.map((v) => v.value)),
        colLower: new Float64Array(n),
        colUpper: new Float64Array(n).fill(1),
        rowLower: new Float64Array(constraints).fill(-solver.infinity),
        rowUpper: Float64Array.from(model.rowUpper),
        matrix: {
          format: 'csc',
          numRows: constraints,
          numCols: n,
          starts: model.starts,
          indices: model.indices,
          values: model.values,
        },
        integrality: new Int32Array(n).fill(solver.constants.variableType.integer),
      },
      (m) => {
        m.options.set({
          output_flag: false,
          mip_rel_gap: 0,
          time_limit: limits.timeLimitSeconds,
        })
        // Greedy's answer is a feasible start, so the solver begins with a good incumbent.
        const start = new Float64Array(n)
        const greedyPicks = new Set(greedy.assignments.map((a) => a.option))
        model.variables.forEach((v, j) => {
          if (greedyPicks.has(v.option)) start[j] = 1
        })
        m.setSolution({ colValue: start })
        m.run()
        const status = STATUS_NAMES[m.getModelStatus()] ?? 'Unknown'
        if (status !== 'Optimal') return { status, chosen: [] }
        const values = m.getSolution().colValue
        return { status, chosen: Array.from(values, (x) => x > 0.5) }
      },
    )
  } catch (error) {
    return fallback(
      'Solve error',
      `The optimiser could not solve this problem (${(error as Error).message}). The greedy proposal is shown instead.`,
      constraints,
    )
  }
  if (outcome.status !== 'Optimal') {
    const why =
      outcome.status === 'Infeasible'
        ? 'No allocation meets every constraint: a capacity report or placement limit leaves less than nothing.'
        : `The optimiser stopped without proving an optimal allocation (${outcome.status}).`
    return fallback(outcome.status, `${why} The greedy proposal is shown instead.`, constraints)
  }
  const assignments: Assignment[] = model.variables
    .filter((_, j) => outcome.chosen[j])
    .map((v) => ({ requestId: v.option.requestId, option: v.option, value: v.value }))
  return {
    ...summarise(problem, assignments),
    status: outcome.status,
    solved: true,
    note: null,
    variables: n,
    constraints,
  }
}

export interface PersonExplanation {
  requestId: number
  label: string
  optimal: Assignment | null
  greedy: Assignment | null
  /** Why the person went where the proposal puts them, in a broker's words. */
  why: string
}

/** For every request, where each run put the person and why the proposal differs from greedy. */
export function explain(
  problem: AllocationProblem,
  optimal: AllocationResult,
  greedy: AllocationResult,
): PersonExplanation[] {
  const inOptimal = new Map(optimal.assignments.map((a) => [a.requestId, a]))
  const inGreedy = new Map(greedy.assignments.map((a) => [a.requestId, a]))
  const optionsOf = new Map<number, number>()
  for (const { request } of usableOptions(problem)) {
    optionsOf.set(request.requestId, (optionsOf.get(request.requestId) ?? 0) + 1)
  }
  return problem.requests.map((request) => {
    const o = inOptimal.get(request.requestId) ?? null
    const g = inGreedy.get(request.requestId) ?? null
    const urgency = urgencyText(request)
    let why: string
    if (!o) {
      why =
        (optionsOf.get(request.requestId) ?? 0) === 0
          ? 'No offer or reported vacancy that meets their needs'
          : 'Every place that meets their needs is better used for people more urgent or with fewer choices'
    } else {
      const where = `${o.option.locationName}: ${o.option.qualityLabel}${
        o.option.distanceMiles === null ? '' : `, ${o.option.distanceMiles.toFixed(1)} miles away`
      }${o.option.offerId === null ? ', a reported vacancy with no offer yet' : ', offered'}`
      const versus = !g
        ? 'greedy would have left them unplaced'
        : g.option.locationId !== o.option.locationId
          ? `greedy would have sent them to ${g.option.locationName}, taking a place someone with fewer choices needs`
          : 'the same as greedy'
      why = `${where}; ${urgency}; ${versus}`
    }
    return { requestId: request.requestId, label: request.label, optimal: o, greedy: g, why }
  })
}

function urgencyText(r: AllocationRequest): string {
  const parts = [
    r.urgency === 'routine' ? 'routine' : r.urgency,
    ...(r.inHospital ? ['in hospital'] : []),
    `${r.daysWaiting} ${r.daysWaiting === 1 ? 'day' : 'days'} waiting`,
  ]
  return parts.join(', ')
}
