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
// Home care whose visits are given is met visit by visit instead, and where the council asks, every
// visit of a round goes to one provider (buildModel sets out the columns and rows). Options that can
// never be better are left out before the programme is built (candidateOptions), and the programme
// is solved as its independent parts, one by one (independentParts).

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
  /**
   * Home care allocated visit by visit: each visit of the round with its care minutes a week. Without
   * visits (or for a placement) the request is met whole, by one option, or not at all.
   */
  visits?: readonly AllocationVisit[]
  /** Every visit of the round to one provider (the council's setting); visits may be split otherwise. */
  sameProvider?: boolean
}

interface AllocationVisit {
  visitId: number
  minutesPerWeek: number
}

interface PoolUse {
  pool: string
  /** What the whole request takes from the pool. */
  amount: number
  /**
   * For a request allocated visit by visit: true when each visit takes its share of the amount (by
   * its minutes), like spare minutes; false or absent when the amount is taken once for each
   * location that serves any of its visits, like a placement under an "N per month" limit.
   */
  perVisit?: boolean
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
  /** The visits this option can serve, for a request allocated visit by visit; every visit when absent. */
  visitIds?: readonly number[]
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
  /** For a request allocated visit by visit: the visits this option is given. */
  visitIds?: number[]
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
  /** The programme's independent parts, each solved on its own (see independentParts); 0 when not solved. */
  parts: number
  /**
   * The options considered: every usable one, those left out because they can never be better
   * (exactly), and those left out by rank. With none left out by rank, the proposal is optimal
   * outright; otherwise it is optimal among the options kept.
   */
  candidates: { usable: number; kept: number; cutExactly: number; cutByRank: number }
}

export interface AllocationLimits {
  /** More option variables than this is "too large": greedy is proposed instead. */
  maxVariables: number
  /** Seconds HiGHS may take before its best answer is not proven optimal. */
  timeLimitSeconds: number
  /**
   * Each request's best options kept for the programme after the exact cuts (see
   * candidateOptions); Infinity keeps all, and the proposal is then optimal outright.
   */
  candidatesPerRequest: number
  /** False leaves the exact cuts out too (the benchmark compares); true when absent. */
  exactCuts?: boolean
  /**
   * False solves the programme whole rather than its independent parts one by one (the benchmark
   * compares); true when absent.
   */
  decompose?: boolean
}

/**
 * Every option that could be better is kept: in the benchmark, keeping only each person's 25 or
 * 10 best lost placements in closures and was no faster than the exact cuts alone (see
 * docs/decisions.md), so the cut by rank is there for a council that needs it, not used.
 */
export const DEFAULT_LIMITS: AllocationLimits = {
  maxVariables: 200_000,
  timeLimitSeconds: 20,
  candidatesPerRequest: Number.POSITIVE_INFINITY,
}

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

/** A request allocated visit by visit: home care whose visits are given. */
function byVisit(request: AllocationRequest): boolean {
  return request.kind === 'hours' && (request.visits?.length ?? 0) > 0
}

/** The visits of a request an option can serve. */
function coveredVisits(request: AllocationRequest, option: AllocationOption): readonly AllocationVisit[] {
  const visits = request.visits ?? []
  if (!option.visitIds) return visits
  const offered = new Set(option.visitIds)
  return visits.filter((v) => offered.has(v.visitId))
}

/**
 * What serving one visit through the option is worth: the visit's share of the whole option's
 * value (its minutes for the size, and its share of the minutes for the distance penalty), so
 * that serving every visit through one option is worth what serving the request whole is.
 */
function visitValue(request: AllocationRequest, option: AllocationOption, visit: AllocationVisit): number {
  const total = (request.visits ?? []).reduce((s, v) => s + v.minutesPerWeek, 0)
  const share = total > 0 ? visit.minutesPerWeek / total : 0
  const quality = 0.5 + Math.min(100, Math.max(0, option.quality)) / 200
  const far =
    option.distanceMiles === null || request.maxDistanceMiles <= 0
      ? 1
      : Math.min(1, option.distanceMiles / request.maxDistanceMiles)
  const value = (visit.minutesPerWeek / 600) * urgencyWeight(request) * quality - 0.2 * far * share
  return round6(Math.max(0.0001, value))
}

/** What a visit (or, for null, the whole request) takes from a pool through an option. */
function useOf(request: AllocationRequest, use: PoolUse, visit: AllocationVisit | null): number {
  if (visit === null) return use.amount
  const total = (request.visits ?? []).reduce((s, v) => s + v.minutesPerWeek, 0)
  return total > 0 ? (use.amount * visit.minutesPerWeek) / total : 0
}

function summarise(problem: AllocationProblem, assignments: Assignment[]): AllocationResult {
  const byId = new Map(problem.requests.map((r) => [r.requestId, r]))
  let minutes = 0
  let placements = 0
  for (const a of assignments) {
    const r = byId.get(a.requestId) as AllocationRequest
    if (a.visitIds) {
      const chosen = new Set(a.visitIds)
      minutes += (r.visits ?? [])
        .filter((v) => chosen.has(v.visitId))
        .reduce((s, v) => s + v.minutesPerWeek, 0)
    } else if (r.kind === 'hours') minutes += r.minutesPerWeek
    else placements += 1
  }
  const people = new Set(assignments.map((a) => byId.get(a.requestId)?.personId))
  return {
    assignments: assignments.sort(
      (a, b) => a.requestId - b.requestId || a.option.locationId - b.option.locationId,
    ),
    peoplePlaced: people.size,
    hoursPlaced: Math.round((minutes / 60) * 100) / 100,
    placementsMade: placements,
    objective: round6(assignments.reduce((s, a) => s + a.value, 0)),
  }
}

/**
 * The greedy baseline: requests in the order they came (earliest first, then by id), each given
 * its best-valued option that still fits every pool; the person is then placed. A request
 * allocated visit by visit takes, visit by visit, the best option with room; when every visit must
 * go to one provider, it takes the option whose visits are worth most, with all the visits it can serve.
 */
export function allocateGreedy(problem: AllocationProblem): AllocationResult {
  const left = new Map(problem.pools.map((p) => [p.key, p.amount]))
  const fits = (request: AllocationRequest, uses: readonly PoolUse[], visit: AllocationVisit | null) =>
    uses.every((u) => (left.get(u.pool) ?? 0) >= useOf(request, u, visit) - 1e-9)
  const take = (request: AllocationRequest, uses: readonly PoolUse[], visit: AllocationVisit | null) => {
    for (const u of uses) left.set(u.pool, (left.get(u.pool) ?? 0) - useOf(request, u, visit))
  }
  const optionsOf = new Map<number, { option: AllocationOption; value: number }[]>()
  for (const { option, request } of usableOptions(problem)) {
    const list = optionsOf.get(request.requestId) ?? []
    const value = byVisit(request)
      ? coveredVisits(request, option).reduce((s, v) => s + visitValue(request, option, v), 0)
      : optionValue(request, option)
    list.push({ option, value })
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
    if (!byVisit(request)) {
      const chosen = choices.find(({ option }) => fits(request, option.uses, null))
      if (!chosen) continue
      take(request, chosen.option.uses, null)
      placedPeople.add(request.personId)
      assignments.push({ requestId: request.requestId, option: chosen.option, value: chosen.value })
      continue
    }
    const once = (o: AllocationOption) => o.uses.filter((u) => !u.perVisit)
    const split = (o: AllocationOption) => o.uses.filter((u) => u.perVisit)
    const given = new Map<AllocationOption, AllocationVisit[]>()
    if (request.sameProvider) {
      for (const { option } of choices) {
        if (!fits(request, once(option), null)) continue
        const visits = coveredVisits(request, option).filter((v) => {
          if (!fits(request, split(option), v)) return false
          take(request, split(option), v)
          return true
        })
        if (visits.length === 0) continue
        take(request, once(option), null)
        given.set(option, visits)
        break
      }
    } else {
      for (const visit of request.visits ?? []) {
        const best = choices
          .filter(({ option }) => coveredVisits(request, option).includes(visit))
          .map(({ option }) => ({ option, value: visitValue(request, option, visit) }))
          .sort((a, b) => b.value - a.value || a.option.locationId - b.option.locationId)
          .find(
            ({ option }) =>
              fits(request, split(option), visit) && (given.has(option) || fits(request, once(option), null)),
          )
        if (!best) continue
        if (!given.has(best.option)) take(request, once(best.option), null)
        take(request, split(best.option), visit)
        given.set(best.option, [...(given.get(best.option) ?? []), visit])
      }
    }
    if (given.size === 0) continue
    placedPeople.add(request.personId)
    for (const [option, visits] of given) {
      assignments.push({
        requestId: request.requestId,
        option,
        value: round6(visits.reduce((s, v) => s + visitValue(request, option, v), 0)),
        visitIds: visits.map((v) => v.visitId),
      })
    }
  }
  return summarise(problem, assignments)
}

/** One column of the programme: what it is, what it is worth, and its coefficients by row. */
interface Column {
  /** An option taken whole, a visit served by an option, an option serving some visits, or a provider chosen for a round. */
  kind: 'whole' | 'visit' | 'serves' | 'provider'
  request: AllocationRequest
  option: AllocationOption | null
  visit: AllocationVisit | null
  providerId: number | null
  value: number
  entries: Map<number, number>
}

/**
 * The programme as HiGHS takes it: binary columns in compressed sparse column form.
 * - A request met whole: one column per option, in the person's row (≤ 1) and each pool it uses.
 * - A request met visit by visit: a column per (visit, option) in the visit's row (≤ 1) and its
 *   share of each per-visit pool; a column per option ("serves") that pays the option's other pools
 *   once, with visit ≤ serves for each of its visits; and, where every visit must go to one
 *   provider, a column per provider, with serves ≤ provider and the providers in the person's row
 *   (≤ 1), so at most one provider serves the round.
 */
function buildModel(problem: AllocationProblem): {
  columns: Column[]
  rowUpper: number[]
  starts: Int32Array
  indices: Int32Array
  values: Float64Array
} {
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
  const add = (entries: Map<number, number>, i: number, amount: number) =>
    entries.set(i, (entries.get(i) ?? 0) + amount)
  // A pool nobody reported has nothing in it.
  const pool = (key: string) => row(`pool:${key}`, poolAmount.get(key) ?? 0)
  const columns: Column[] = []
  const providerColumn = new Map<string, Column>()
  let links = 0
  for (const { option, request } of usableOptions(problem)) {
    if (!byVisit(request)) {
      const entries = new Map<number, number>()
      add(entries, row(`person:${request.personId}`, 1), 1)
      for (const u of option.uses) add(entries, pool(u.pool), u.amount)
      columns.push({
        kind: 'whole',
        request,
        option,
        visit: null,
        providerId: null,
        value: optionValue(request, option),
        entries,
      })
      continue
    }
    const visits = coveredVisits(request, option)
    if (visits.length === 0) continue
    const serves: Column = {
      kind: 'serves',
      request,
      option,
      visit: null,
      providerId: null,
      value: 0,
      entries: new Map(),
    }
    for (const u of option.uses) if (!u.perVisit) add(serves.entries, pool(u.pool), u.amount)
    for (const visit of visits) {
      const entries = new Map<number, number>()
      add(entries, row(`visit:${request.requestId}:${visit.visitId}`, 1), 1)
      for (const u of option.uses) if (u.perVisit) add(entries, pool(u.pool), useOf(request, u, visit))
      const link = row(`link:${links++}`, 0)
      add(entries, link, 1)
      add(serves.entries, link, -1)
      columns.push({
        kind: 'visit',
        request,
        option,
        visit,
        providerId: null,
        value: visitValue(request, option, visit),
        entries,
      })
    }
    if (request.sameProvider) {
      const key = `${request.requestId}:${option.providerId}`
      let provider = providerColumn.get(key)
      if (!provider) {
        provider = {
          kind: 'provider',
          request,
          option: null,
          visit: null,
          providerId: option.providerId,
          value: 0,
          entries: new Map(),
        }
        add(provider.entries, row(`person:${request.personId}`, 1), 1)
        providerColumn.set(key, provider)
        columns.push(provider)
      }
      const link = row(`link:${links++}`, 0)
      add(serves.entries, link, 1)
      add(provider.entries, link, -1)
    }
    columns.push(serves)
  }
  const starts = new Int32Array(columns.length + 1)
  const indices: number[] = []
  const values: number[] = []
  columns.forEach((c, j) => {
    starts[j] = indices.length
    for (const [i, amount] of [...c.entries].sort((a, b) => a[0] - b[0])) {
      indices.push(i)
      values.push(amount)
    }
  })
  starts[columns.length] = indices.length
  return { columns, rowUpper, starts, indices: Int32Array.from(indices), values: Float64Array.from(values) }
}

/** Greedy's answer as a start for the solver: a feasible incumbent to begin with. */
function greedyStart(columns: readonly Column[], greedy: AllocationResult): Float64Array {
  const start = new Float64Array(columns.length)
  const whole = new Set<AllocationOption>()
  const visits = new Map<AllocationOption, Set<number>>()
  for (const a of greedy.assignments) {
    if (a.visitIds) visits.set(a.option, new Set(a.visitIds))
    else whole.add(a.option)
  }
  const providers = new Set(
    greedy.assignments.filter((a) => a.visitIds).map((a) => `${a.requestId}:${a.option.providerId}`),
  )
  columns.forEach((c, j) => {
    const picked =
      c.kind === 'whole'
        ? c.option !== null && whole.has(c.option)
        : c.kind === 'visit'
          ? c.option !== null && c.visit !== null && (visits.get(c.option)?.has(c.visit.visitId) ?? false)
          : c.kind === 'serves'
            ? c.option !== null && visits.has(c.option)
            : providers.has(`${c.request.requestId}:${c.providerId}`)
    if (picked) start[j] = 1
  })
  return start
}

/**
 * The options the programme considers for each request, fewer than every usable one:
 * - exactly: an option that needs more of a pool than the pool has is never possible; and an
 *   option worth less than one of the request's options whose pools can take every request that
 *   could draw on them (so that option is always free) is never better, as the person can always
 *   move to the free one. Dropping these keeps the optimum.
 * - by rank: then each request keeps its `keep` best-valued options (fewer distance-ties first).
 *   This may cut an option the optimum would use, so the answer is optimal for the options kept;
 *   `cutByRank` counts what was left out this way (0 means the answer is optimal outright).
 * Options in `always` (greedy's choices) are kept, so the proposal is never worse than greedy.
 */
export function candidateOptions(
  problem: AllocationProblem,
  keep: number,
  always: ReadonlySet<AllocationOption> = new Set(),
  exact = true,
): { options: AllocationOption[]; usable: number; cutExactly: number; cutByRank: number } {
  const usable = usableOptions(problem)
  const capacity = new Map(problem.pools.map((p) => [p.key, p.amount]))
  // What every request together could draw from each pool: a request met whole takes one option.
  const demand = new Map<string, number>()
  const byRequest = new Map<
    number,
    { option: AllocationOption; request: AllocationRequest; value: number }[]
  >()
  for (const { option, request } of usable) {
    const value = byVisit(request)
      ? coveredVisits(request, option).reduce((s, v) => s + visitValue(request, option, v), 0)
      : optionValue(request, option)
    const list = byRequest.get(request.requestId) ?? []
    list.push({ option, request, value })
    byRequest.set(request.requestId, list)
  }
  for (const list of byRequest.values()) {
    const most = new Map<string, number>()
    for (const { option, request } of list) {
      for (const u of option.uses) {
        // A round split visit by visit may pay a pool once for each location it uses.
        const amount = byVisit(request) && !u.perVisit ? u.amount * list.length : u.amount
        most.set(
          u.pool,
          byVisit(request) ? (most.get(u.pool) ?? 0) + amount : Math.max(most.get(u.pool) ?? 0, amount),
        )
      }
    }
    for (const [pool, amount] of most) demand.set(pool, (demand.get(pool) ?? 0) + amount)
  }
  const free = (o: AllocationOption) =>
    o.uses.every((u) => (capacity.get(u.pool) ?? 0) >= (demand.get(u.pool) ?? 0))
  const options: AllocationOption[] = []
  let cutExactly = 0
  let cutByRank = 0
  for (const list of byRequest.values()) {
    const whole = !byVisit(list[0]?.request as AllocationRequest)
    const ranked = list
      .filter(({ option }) => {
        const possible = !exact || !whole || option.uses.every((u) => (capacity.get(u.pool) ?? 0) >= u.amount)
        if (!possible && !always.has(option)) cutExactly++
        return possible || always.has(option)
      })
      .sort(
        (a, b) =>
          b.value - a.value ||
          (a.option.distanceMiles ?? Infinity) - (b.option.distanceMiles ?? Infinity) ||
          a.option.locationId - b.option.locationId,
      )
    const firstFree = exact && whole ? ranked.findIndex(({ option }) => free(option)) : -1
    ranked.forEach(({ option }, i) => {
      if (always.has(option) || i === firstFree) options.push(option)
      else if (firstFree >= 0 && i > firstFree) cutExactly++
      else if (i >= keep) cutByRank++
      else options.push(option)
    })
  }
  return { options, usable: usable.length, cutExactly, cutByRank }
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
 * The programme's independent parts: columns that share no row, directly or through other
 * columns, are in different parts (home care in different districts, care homes too far apart to
 * share a person). The optimum of the whole is the optimum of each part, so each part is solved on
 * its own: branch and bound then never searches combinations of choices that cannot affect each
 * other. Parts come largest first, each with its columns in ascending order.
 */
export function independentParts(starts: Int32Array, indices: Int32Array, numCols: number): number[][] {
  // Union-find over the rows; a column joins every row it has an entry in.
  const parent = new Map<number, number>()
  const find = (i: number): number => {
    let root = i
    while ((parent.get(root) ?? root) !== root) root = parent.get(root) as number
    while (i !== root) {
      const next = parent.get(i) as number
      parent.set(i, root)
      i = next
    }
    return root
  }
  for (let j = 0; j < numCols; j++) {
    const first = indices[starts[j] as number] as number
    for (let k = (starts[j] as number) + 1; k < (starts[j + 1] as number); k++) {
      const a = find(first)
      const b = find(indices[k] as number)
      if (a !== b) parent.set(b, a)
    }
  }
  const byRoot = new Map<number, number[]>()
  for (let j = 0; j < numCols; j++) {
    // A column with no entry is a part of its own.
    const root = starts[j] === starts[j + 1] ? -1 - j : find(indices[starts[j] as number] as number)
    const part = byRoot.get(root) ?? []
    part.push(j)
    byRoot.set(root, part)
  }
  return [...byRoot.values()].sort((a, b) => b.length - a.length)
}

/**
 * Solves one independent part of the programme with HiGHS, from greedy's answer, and marks the
 * columns it chooses in `chosen`. Returns HiGHS's model status.
 */
function solvePart(
  solver: Highs,
  model: ReturnType<typeof buildModel>,
  part: readonly number[],
  start: Float64Array,
  seconds: number,
  chosen: boolean[],
): string {
  const rowOf = new Map<number, number>()
  const rowUpper: number[] = []
  const starts = new Int32Array(part.length + 1)
  const indices: number[] = []
  const values: number[] = []
  part.forEach((j, local) => {
    starts[local] = indices.length
    for (let k = model.starts[j] as number; k < (model.starts[j + 1] as number); k++) {
      const row = model.indices[k] as number
      let i = rowOf.get(row)
      if (i === undefined) {
        i = rowUpper.length
        rowOf.set(row, i)
        rowUpper.push(model.rowUpper[row] as number)
      }
      indices.push(i)
      values.push(model.values[k] as number)
    }
  })
  starts[part.length] = indices.length
  const n = part.length
  const m = rowUpper.length
  return solver.withModel(
    {
      numCols: n,
      numRows: m,
      sense: solver.constants.objectiveSense.maximize,
      colCost: Float64Array.from(part, (j) => (model.columns[j] as Column).value),
      colLower: new Float64Array(n),
      colUpper: new Float64Array(n).fill(1),
      rowLower: new Float64Array(m).fill(-solver.infinity),
      rowUpper: Float64Array.from(rowUpper),
      matrix: {
        format: 'csc',
        numRows: m,
        numCols: n,
        starts,
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      },
      integrality: new Int32Array(n).fill(solver.constants.variableType.integer),
    },
    (highs) => {
      // Presolve off: the exact cuts and the split have already taken out what it would, and on
      // the benchmark's parts it cost more than it saved (see docs/decisions.md).
      highs.options.set({ output_flag: false, mip_rel_gap: 0, time_limit: seconds, presolve: 'off' })
      // Greedy's answer is a feasible start, so the solver begins with a good incumbent.
      highs.setSolution({ colValue: Float64Array.from(part, (j) => start[j] as number) })
      highs.run()
      const status = STATUS_NAMES[highs.getModelStatus()] ?? 'Unknown'
      if (status !== 'Optimal') return status
      const solution = highs.getSolution().colValue
      part.forEach((j, local) => {
        chosen[j] = (solution[local] as number) > 0.5
      })
      return status
    },
  )
}

/**
 * Loads HiGHS and runs it once on a small made-up problem with both kinds of resource (beds, and
 * spare minutes a week), so the WebAssembly code is compiled and warm before the first real
 * solve; a long-running process (the web server) calls it at start, so the first broker to ask
 * does not wait for it. The problem is the same every time (no randomness).
 */
export async function warmUpOptimiser(size = 200): Promise<void> {
  const locations = Math.max(2, Math.round(size / 4))
  let seed = 1
  const next = (n: number) => {
    seed = (seed * 48_271) % 2_147_483_647
    return seed % n
  }
  const pools: AllocationPool[] = []
  for (let l = 1; l <= locations; l++) {
    pools.push({ key: `beds:${l}`, label: '', amount: next(3) })
    pools.push({ key: `minutes:${l}`, label: '', amount: next(11) * 60 })
  }
  const requests: AllocationRequest[] = []
  const options: AllocationOption[] = []
  for (let id = 1; id <= size; id++) {
    const hours = id % 2 === 0
    const minutes = (3 + next(8)) * 60
    requests.push({
      requestId: id,
      personId: id,
      label: '',
      kind: hours ? 'hours' : 'placement',
      minutesPerWeek: hours ? minutes : 0,
      urgency: next(3) === 0 ? 'urgent' : 'routine',
      inHospital: next(5) === 0,
      daysWaiting: next(40),
      maxDistanceMiles: 10,
      arrivedAt: new Date(Date.UTC(2026, 0, 1) + next(10) * 86_400_000),
    })
    for (let k = 0; k < 12; k++) {
      const l = 1 + next(locations)
      options.push({
        requestId: id,
        locationId: l,
        locationName: '',
        providerId: l,
        offerId: null,
        quality: 25 * next(5),
        qualityLabel: '',
        distanceMiles: next(100) / 10,
        uses: [hours ? { pool: `minutes:${l}`, amount: minutes } : { pool: `beds:${l}`, amount: 1 }],
      })
    }
  }
  await allocateOptimal({ requests, options, pools }, { ...DEFAULT_LIMITS, decompose: false })
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
  const pruned = candidateOptions(
    problem,
    limits.candidatesPerRequest,
    new Set(greedy.assignments.map((a) => a.option)),
    limits.exactCuts ?? true,
  )
  const candidates = {
    usable: pruned.usable,
    kept: pruned.options.length,
    cutExactly: pruned.cutExactly,
    cutByRank: pruned.cutByRank,
  }
  // The programme's columns: one for an option met whole; one for each visit it can serve and one
  // more for an option met visit by visit (and a few for the providers, left out of the count).
  const requestOf = new Map(problem.requests.map((r) => [r.requestId, r]))
  const usable = pruned.options.reduce((n, o) => {
    const request = requestOf.get(o.requestId) as AllocationRequest
    return n + (byVisit(request) ? coveredVisits(request, o).length + 1 : 1)
  }, 0)
  const fallback = (status: string, note: string, constraints = 0): OptimalResult => ({
    ...greedy,
    assignments: [...greedy.assignments],
    status,
    solved: false,
    note,
    variables: usable,
    constraints,
    parts: 0,
    candidates,
  })
  if (usable > limits.maxVariables) {
    return fallback(
      'Not solved',
      `Too large to optimise: ${usable.toLocaleString('en-GB')} possible placements, more than the ${limits.maxVariables.toLocaleString('en-GB')} allowed. The greedy proposal is shown instead.`,
    )
  }
  const model = buildModel({ ...problem, options: pruned.options })
  const constraints = model.rowUpper.length
  if (model.columns.length === 0) {
    return {
      ...summarise(problem, []),
      status: 'Empty',
      solved: true,
      note: null,
      variables: 0,
      constraints,
      parts: 0,
      candidates,
    }
  }
  const solver = await highs()
  const n = model.columns.length
  const start = greedyStart(model.columns, greedy)
  const parts =
    (limits.decompose ?? true)
      ? independentParts(model.starts, model.indices, n)
      : [Array.from({ length: n }, (_, j) => j)]
  const began = performance.now()
  let outcome: { status: string; chosen: boolean[] } = { status: 'Optimal', chosen: new Array(n).fill(false) }
  try {
    for (const part of parts) {
      const left = limits.timeLimitSeconds - (performance.now() - began) / 1000
      const status =
        left > 0 ? solvePart(solver, model, part, start, left, outcome.chosen) : 'Time limit reached'
      if (status !== 'Optimal') {
        outcome = { status, chosen: [] }
        break
      }
    }
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
  const assignments: Assignment[] = []
  const visitsOf = new Map<AllocationOption, { visits: number[]; value: number }>()
  model.columns.forEach((c, j) => {
    if (!outcome.chosen[j] || !c.option) return
    if (c.kind === 'whole')
      assignments.push({ requestId: c.option.requestId, option: c.option, value: c.value })
    if (c.kind === 'visit' && c.visit) {
      const given = visitsOf.get(c.option) ?? { visits: [], value: 0 }
      given.visits.push(c.visit.visitId)
      given.value += c.value
      visitsOf.set(c.option, given)
    }
  })
  for (const [option, given] of visitsOf)
    assignments.push({
      requestId: option.requestId,
      option,
      value: round6(given.value),
      visitIds: given.visits,
    })
  return {
    ...summarise(problem, assignments),
    status: outcome.status,
    solved: true,
    note: null,
    variables: n,
    constraints,
    parts: parts.length,
    candidates,
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
  // A round split between providers has several assignments: the first names where the person goes.
  const first = (assignments: readonly Assignment[]) => {
    const out = new Map<number, Assignment>()
    for (const a of assignments) if (!out.has(a.requestId)) out.set(a.requestId, a)
    return out
  }
  const inOptimal = first(optimal.assignments)
  const inGreedy = first(greedy.assignments)
  const visitsGiven = new Map<number, number>()
  const providersOf = new Map<number, Set<number>>()
  for (const a of optimal.assignments) {
    visitsGiven.set(a.requestId, (visitsGiven.get(a.requestId) ?? 0) + (a.visitIds?.length ?? 0))
    providersOf.set(a.requestId, (providersOf.get(a.requestId) ?? new Set()).add(a.option.providerId))
  }
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
      const visits = request.visits?.length ?? 0
      const providers = providersOf.get(request.requestId)?.size ?? 1
      const round =
        o.visitIds && visits > 0
          ? `; ${visitsGiven.get(request.requestId) ?? 0} of ${visits} visits${providers > 1 ? `, split between ${providers} providers` : ''}`
          : ''
      why = `${where}${round}; ${urgency}; ${versus}`
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
