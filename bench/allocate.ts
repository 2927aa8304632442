// `npm run bench -- allocate`: the allocation optimiser (src/brokerage/allocation/model.ts) on
// simulated problems of 1,000 requests against 500 locations, solved by HiGHS to proven
// optimality (relative gap 0), and the greedy baseline on the same problem.
//
// - closure: 1,000 care home residents to re-place (4 bed types) across 500 homes in a 40-mile
//   square with 0 to 2 vacancies of each type; each person may go to a home of the right type
//   within 10 miles, a third of which have offered; "N per month" limits on a tenth of the homes.
// - backlog: 1,000 home care packages (3 to 20 hours a week) across 500 agency offices covering
//   2 to 6 of 25 districts, each with 0 to 10 spare hours a week in each district it covers.
//
// ALLOCATE_BENCH_SEEDS (default 3) problems of each kind; the figures are per problem. The
// objective gap is (optimal − greedy) ÷ greedy. The optimiser makes its exact cuts and keeps each
// person's best ALLOCATE_BENCH_CANDIDATES options (default: DEFAULT_LIMITS', every one); each
// problem is also solved once with no cut at all (unless ALLOCATE_BENCH_FULL=0), to show that the
// cuts and the split into independent parts keep the optimum (`sameAsFull`) and what they save
// (`full.seconds`); and, unless ALLOCATE_BENCH_WHOLE=0, once with the cuts but as one programme
// rather than part by part (`wholeSeconds`). No database: this measures the model alone, as
// the loading is the eligibility service's, benchmarked by `npm run bench -- brokerage`.

import { cpus, loadavg } from 'node:os'
import {
  type AllocationOption,
  type AllocationPool,
  type AllocationProblem,
  type AllocationRequest,
  allocateGreedy,
  allocateOptimal,
  DEFAULT_LIMITS,
  warmUpOptimiser,
} from '../src/brokerage/allocation/model.ts'
import { Random } from '../src/shared/random.ts'
import { round } from './measure.ts'

const REQUESTS = 1_000
const LOCATIONS = 500
const TARGET_SECONDS = 2
const BED_TYPES = ['residential', 'nursing', 'dementia_residential', 'dementia_nursing'] as const
const QUALITIES = [
  { score: 100, label: 'Outstanding' },
  { score: 75, label: 'Good' },
  { score: 75, label: 'Good' },
  { score: 50, label: 'Not yet rated' },
  { score: 40, label: 'Requires improvement' },
]

const log = (message: string) => process.stderr.write(`bench allocate: ${message}\n`)

function person(random: Random, id: number, extra: Partial<AllocationRequest>): AllocationRequest {
  const urgencies = ['routine', 'urgent', 'emergency'] as const
  return {
    requestId: id,
    personId: id,
    label: `Person ${id}`,
    kind: 'placement',
    minutesPerWeek: 0,
    urgency: random.pick(urgencies),
    inHospital: random.chance(0.2),
    daysWaiting: random.int(0, 40),
    maxDistanceMiles: 10,
    arrivedAt: new Date(Date.UTC(2026, 11, 1) + random.int(0, 10 * 86_400_000)),
    ...extra,
  }
}

function closureProblem(seed: number): AllocationProblem {
  const random = new Random(seed)
  const homes = Array.from({ length: LOCATIONS }, (_, i) => ({
    id: i + 1,
    x: random.between(0, 40),
    y: random.between(0, 40),
    types: BED_TYPES.filter(() => random.chance(0.5)),
    quality: random.pick(QUALITIES),
    limit: random.chance(0.1) ? random.int(1, 3) : null,
  }))
  const pools: AllocationPool[] = []
  for (const h of homes) {
    for (const t of h.types) pools.push({ key: `beds:${h.id}:${t}`, label: '', amount: random.int(0, 2) })
    if (h.limit !== null) pools.push({ key: `limit:${h.id}`, label: '', amount: h.limit })
  }
  const requests: AllocationRequest[] = []
  const options: AllocationOption[] = []
  for (let id = 1; id <= REQUESTS; id++) {
    const r = person(random, id, {})
    const at = { x: random.between(0, 40), y: random.between(0, 40) }
    const type = random.pick(BED_TYPES)
    requests.push(r)
    for (const h of homes) {
      if (!h.types.includes(type)) continue
      const miles = Math.hypot(h.x - at.x, h.y - at.y)
      if (miles > r.maxDistanceMiles) continue
      options.push({
        requestId: id,
        locationId: h.id,
        locationName: `Home ${h.id}`,
        providerId: h.id,
        offerId: random.chance(1 / 3) ? id * 1000 + h.id : null,
        quality: h.quality.score,
        qualityLabel: h.quality.label,
        distanceMiles: miles,
        uses: [
          { pool: `beds:${h.id}:${type}`, amount: 1 },
          ...(h.limit !== null ? [{ pool: `limit:${h.id}`, amount: 1 }] : []),
        ],
      })
    }
  }
  return { requests, options, pools }
}

function backlogProblem(seed: number): AllocationProblem {
  const random = new Random(seed)
  const districts = Array.from({ length: 25 }, (_, i) => `D${i + 1}`)
  const agencies = Array.from({ length: LOCATIONS }, (_, i) => ({
    id: i + 1,
    covers: random.shuffle([...districts]).slice(0, random.int(2, 6)),
    quality: random.pick(QUALITIES),
  }))
  const pools: AllocationPool[] = []
  for (const a of agencies) {
    for (const d of a.covers)
      pools.push({ key: `minutes:${a.id}:${d}`, label: '', amount: random.int(0, 10) * 60 })
  }
  const requests: AllocationRequest[] = []
  const options: AllocationOption[] = []
  for (let id = 1; id <= REQUESTS; id++) {
    const minutes = random.int(3, 20) * 60
    const district = random.pick(districts)
    const r = person(random, id, { kind: 'hours', minutesPerWeek: minutes })
    requests.push(r)
    for (const a of agencies) {
      if (!a.covers.includes(district)) continue
      options.push({
        requestId: id,
        locationId: a.id,
        locationName: `Agency ${a.id}`,
        providerId: a.id,
        offerId: random.chance(1 / 3) ? id * 1000 + a.id : null,
        quality: a.quality.score,
        qualityLabel: a.quality.label,
        distanceMiles: random.between(0, 10),
        uses: [{ pool: `minutes:${a.id}:${district}`, amount: minutes }],
      })
    }
  }
  return { requests, options, pools }
}

async function measure(kind: string, problem: AllocationProblem) {
  const g0 = performance.now()
  const greedy = allocateGreedy(problem)
  const greedyMs = performance.now() - g0
  // Solved twice: the first solve of a problem in a process is slower (the WebAssembly code warms
  // up), and a broker's page solves again after each confirmation.
  const candidatesPerRequest =
    Number(process.env.ALLOCATE_BENCH_CANDIDATES) > 0
      ? Number(process.env.ALLOCATE_BENCH_CANDIDATES)
      : DEFAULT_LIMITS.candidatesPerRequest
  const limits = { maxVariables: 1_000_000, timeLimitSeconds: 300, candidatesPerRequest }
  const o0 = performance.now()
  const c0 = process.cpuUsage()
  const optimal = await allocateOptimal(problem, limits, greedy)
  const optimalMs = performance.now() - o0
  // The process's processor time too: on a shared machine it follows the model more than the load.
  const cpu = process.cpuUsage(c0)
  const a0 = performance.now()
  await allocateOptimal(problem, limits, greedy)
  const againMs = performance.now() - a0
  // The same programme solved whole rather than part by part, to show what the split saves.
  let wholeSeconds: number | null = null
  if (process.env.ALLOCATE_BENCH_WHOLE !== '0') {
    const w0 = performance.now()
    await allocateOptimal(problem, { ...limits, decompose: false }, greedy)
    wholeSeconds = round((performance.now() - w0) / 1000, 3)
  }
  let full: { seconds: number; objective: number; variables: number } | null = null
  if (process.env.ALLOCATE_BENCH_FULL !== '0') {
    const f0 = performance.now()
    const all = await allocateOptimal(
      problem,
      { ...limits, candidatesPerRequest: Number.POSITIVE_INFINITY, exactCuts: false, decompose: false },
      greedy,
    )
    full = {
      seconds: round((performance.now() - f0) / 1000, 3),
      objective: round(all.objective, 3),
      variables: all.variables,
    }
  }
  const gap = greedy.objective > 0 ? (optimal.objective - greedy.objective) / greedy.objective : 0
  const result = {
    kind,
    variables: optimal.variables,
    constraints: optimal.constraints,
    parts: optimal.parts,
    candidates: optimal.candidates,
    status: optimal.status,
    optimalSeconds: round(optimalMs / 1000, 3),
    optimalCpuSeconds: round((cpu.user + cpu.system) / 1e6, 3),
    optimalAgainSeconds: round(againMs / 1000, 3),
    wholeSeconds,
    greedySeconds: round(greedyMs / 1000, 3),
    objective: { optimal: round(optimal.objective, 3), greedy: round(greedy.objective, 3) },
    objectiveGapPercent: round(gap * 100, 2),
    peoplePlaced: { optimal: optimal.peoplePlaced, greedy: greedy.peoplePlaced },
    hoursPlaced: { optimal: optimal.hoursPlaced, greedy: greedy.hoursPlaced },
    full,
    sameAsFull: full === null ? null : Math.abs(full.objective - round(optimal.objective, 3)) < 1e-6,
  }
  log(JSON.stringify(result))
  return result
}

export async function runAllocateBenchmark() {
  const seeds = Number(process.env.ALLOCATE_BENCH_SEEDS) > 0 ? Number(process.env.ALLOCATE_BENCH_SEEDS) : 3
  // The WebAssembly code is compiled and warmed once per process (warmUpOptimiser, a small solve);
  // a process pays it once, before its first solve or beside it. It is timed on its own, so the
  // solves below are warm; ALLOCATE_BENCH_WARM=0 leaves it out, and the first solve is then cold.
  let warmUpSeconds: number | null = null
  if (process.env.ALLOCATE_BENCH_WARM !== '0') {
    const w0 = performance.now()
    await warmUpOptimiser()
    warmUpSeconds = round((performance.now() - w0) / 1000, 3)
    log(`warm-up ${warmUpSeconds} s`)
  }
  const runs = []
  for (let seed = 1; seed <= seeds; seed++) {
    runs.push(await measure('closure', closureProblem(seed)))
    runs.push(await measure('backlog', backlogProblem(seed)))
  }
  const worst = Math.max(...runs.map((r) => r.optimalSeconds))
  return {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverage: loadavg() },
    requests: REQUESTS,
    locations: LOCATIONS,
    targetSeconds: TARGET_SECONDS,
    warmUpSeconds,
    allOptimal: runs.every((r) => r.status === 'Optimal'),
    worstOptimalSeconds: worst,
    withinTarget: worst <= TARGET_SECONDS,
    runs,
  }
}
