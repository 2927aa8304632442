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

import loadHighs from 'highs'

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

export interface PoolUse {
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

export interface Assignment {
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

export function urgencyWeight(r: Pick<AllocationRequest, 'urgency' | 'inHospital' | 'daysWaiting'>): number {
  const emergency = r.urgency === 'emergency' ? 1 : r.urgency === 'urgent' ? 0.5 : 0
  return 1 + (r.inHospital ? 1 : 0) + emergency + Math.min(Math.max(r.daysWaiting, 0), 28) / 28
}

export function sizeOf(r: Pick<AllocationRequest, 'kind' | 'minutesPerWeek'>): number {
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
function usableOptions(problem: AllocationProblem): { option: AllocationOption; request: AllocationRequest }[] {
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
    const fits = choices.find(({ option }) =>
      option.uses.every((u) => (left.get(u.pool) ?? 0) >= u.amount),
    )
    if (!fits) continue
    for (const u of fits.option.uses) left.set(u.pool, (left.get(u.pool) ?? 0) - u.amount)
    placedPeople.add(request.personId)
    assignments.push({ requestId: request.requestId, option: fits.option, value: fits.value })
  }
  return summarise(problem, assignments)
}

/** The programme in CPLEX LP format, with the option behind each variable. */
export function buildModel(problem: AllocationProblem): {
  text: string
  variables: { name: string; option: AllocationOption; value: number }[]
  constraints: number
} {
  const usable = usableOptions(problem)
  const variables = usable.map(({ option, request }, i) => ({
    name: `x${i}`,
    option,
    value: optionValue(request, option),
    personId: request.personId,
  }))
  const rows: string[] = []
  const byPerson = new Map<number, string[]>()
  const byPool = new Map<string, string[]>()
  for (const v of variables) {
    const list = byPerson.get(v.personId) ?? []
    list.push(v.name)
    byPerson.set(v.personId, list)
    for (const u of v.option.uses) {
      const terms = byPool.get(u.pool) ?? []
      terms.push(`${round6(u.amount)} ${v.name}`)
      byPool.set(u.pool, terms)
    }
  }
  for (const [personId, names] of byPerson) rows.push(` person${personId}: ${names.join(' + ')} <= 1`)
  const poolAmount = new Map(problem.pools.map((p) => [p.key, p.amount]))
  let p = 0
  for (const [key, terms] of byPool) {
    // A pool nobody reported has nothing in it.
    rows.push(` pool${p++}: ${terms.join(' + ')} <= ${round6(poolAmount.get(key) ?? 0)}`)
  }
  const objective =
    variables.length === 0 ? '0 empty' : variables.map((v) => `${v.value} ${v.name}`).join(' + ')
  const names = variables.length === 0 ? ['empty'] : variables.map((v) => v.name)
  const text = [
    'Maximize',
    ` value: ${objective}`,
    'Subject To',
    ...(rows.length > 0 ? rows : [' nothing: empty <= 0']),
    'Bounds',
    ...names.map((n) => ` 0 <= ${n} <= 1`),
    'Binary',
    ` ${names.join(' ')}`,
    'End',
  ].join('\n')
  return { text, variables, constraints: Math.max(rows.length, 1) }
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
  let solution: ReturnType<Highs['solve']>
  try {
    solution = (await highs()).solve(model.text, {
      output_flag: false,
      mip_rel_gap: 0,
      time_limit: limits.timeLimitSeconds,
    } as Parameters<Highs['solve']>[1])
  } catch (error) {
    return fallback(
      'Solve error',
      `The optimiser could not solve this problem (${(error as Error).message}). The greedy proposal is shown instead.`,
      model.constraints,
    )
  }
  if (solution.Status !== 'Optimal') {
    const why =
      solution.Status === 'Infeasible'
        ? 'No allocation meets every constraint: a capacity report or placement limit leaves less than nothing.'
        : `The optimiser stopped without proving an optimal allocation (${solution.Status}).`
    return fallback(solution.Status, `${why} The greedy proposal is shown instead.`, model.constraints)
  }
  const columns = solution.Columns as Record<string, { Primal: number }>
  const assignments: Assignment[] = model.variables
    .filter((v) => (columns[v.name]?.Primal ?? 0) > 0.5)
    .map((v) => ({ requestId: v.option.requestId, option: v.option, value: v.value }))
  return {
    ...summarise(problem, assignments),
    status: solution.Status,
    solved: true,
    note: null,
    variables: model.variables.length,
    constraints: model.constraints,
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
