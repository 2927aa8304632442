import { describe, expect, it } from 'vitest'
import {
  type AllocationOption,
  type AllocationProblem,
  type AllocationRequest,
  allocateGreedy,
  allocateOptimal,
  candidateOptions,
  DEFAULT_LIMITS,
  explain,
  independentParts,
  optionValue,
  warmUpOptimiser,
} from './model.ts'

const day = (n: number) => new Date(Date.UTC(2026, 11, n))

function request(id: number, extra: Partial<AllocationRequest> = {}): AllocationRequest {
  return {
    requestId: id,
    personId: id,
    label: `Person ${id}`,
    kind: 'placement',
    minutesPerWeek: 0,
    urgency: 'routine',
    inHospital: false,
    daysWaiting: 0,
    maxDistanceMiles: 10,
    arrivedAt: day(id),
    ...extra,
  }
}

function option(
  requestId: number,
  locationId: number,
  extra: Partial<AllocationOption> = {},
): AllocationOption {
  return {
    requestId,
    locationId,
    locationName: `Home ${locationId}`,
    providerId: locationId,
    offerId: null,
    quality: 75,
    qualityLabel: 'Good',
    distanceMiles: 1,
    uses: [{ pool: `beds:${locationId}`, amount: 1 }],
    ...extra,
  }
}

const bed = (locationId: number, amount = 1) => ({
  key: `beds:${locationId}`,
  label: `Beds at Home ${locationId}`,
  amount,
})

// Person 1 came first and likes home 1 a little more than home 2; person 2 can only go to home 1.
// Greedy gives home 1 to person 1 and leaves person 2 out; the optimum places both.
const contested: AllocationProblem = {
  requests: [request(1), request(2)],
  options: [option(1, 1, { quality: 100 }), option(1, 2, { quality: 75 }), option(2, 1)],
  pools: [bed(1), bed(2)],
}

describe('allocation model', () => {
  it('places more people than greedy when the first comer takes a contested bed', async () => {
    const greedy = allocateGreedy(contested)
    expect(greedy.peoplePlaced).toBe(1)
    expect(greedy.assignments.map((a) => [a.requestId, a.option.locationId])).toEqual([[1, 1]])

    const optimal = await allocateOptimal(contested)
    expect(optimal.status).toBe('Optimal')
    expect(optimal.solved).toBe(true)
    expect(optimal.peoplePlaced).toBe(2)
    expect(optimal.assignments.map((a) => [a.requestId, a.option.locationId])).toEqual([
      [1, 2],
      [2, 1],
    ])
    expect(optimal.objective).toBeGreaterThan(greedy.objective)

    const why = explain(contested, optimal, greedy)
    expect(why[0]?.why).toContain('greedy would have sent them to Home 1')
    expect(why[1]?.why).toContain('greedy would have left them unplaced')
  })

  it('meets more home care hours than greedy within a provider’s spare hours', async () => {
    // 10 spare hours: greedy gives 4 to the first comer, leaving too few for the 8-hour package.
    const hours = (id: number, minutes: number) =>
      request(id, { kind: 'hours', minutesPerWeek: minutes, urgency: 'urgent' })
    const uses = (minutes: number) => [{ pool: 'minutes:7:NR3', amount: minutes }]
    const problem: AllocationProblem = {
      requests: [hours(1, 240), hours(2, 480)],
      options: [option(1, 7, { uses: uses(240) }), option(2, 7, { uses: uses(480) })],
      pools: [{ key: 'minutes:7:NR3', label: 'Spare hours', amount: 600 }],
    }
    expect(allocateGreedy(problem).hoursPlaced).toBe(4)
    const optimal = await allocateOptimal(problem)
    expect(optimal.hoursPlaced).toBe(8)
    expect(optimal.peoplePlaced).toBe(1)
  })

  it('places a person at most once, even with two requests', async () => {
    const problem: AllocationProblem = {
      requests: [request(1), request(2, { personId: 1 })],
      options: [option(1, 1), option(2, 2)],
      pools: [bed(1), bed(2)],
    }
    expect((await allocateOptimal(problem)).assignments).toHaveLength(1)
    expect(allocateGreedy(problem).assignments).toHaveLength(1)
  })

  it('never uses an excluded location or provider, nor more beds than reported', async () => {
    const problem: AllocationProblem = {
      requests: [
        request(1, { excludedLocationIds: [1] }),
        request(2, { excludedProviderIds: [2] }),
        request(3),
      ],
      options: [option(1, 1), option(2, 2), option(3, 3), option(1, 3)],
      pools: [bed(1), bed(2), bed(3)],
    }
    const optimal = await allocateOptimal(problem)
    // Person 1 may only use home 3, person 2 nothing, and home 3 has one bed: one of 1 and 3 is placed.
    expect(optimal.peoplePlaced).toBe(1)
    expect(optimal.assignments.map((a) => a.option.locationId)).toEqual([3])
    expect(allocateGreedy(problem).assignments.map((a) => [a.requestId, a.option.locationId])).toEqual([
      [1, 3],
    ])
  })

  it('keeps to an "N per month" limit across bed types', async () => {
    // Home 1 has a residential and a nursing bed but one placement left this month.
    const uses = (type: string) => [
      { pool: `beds:1:${type}`, amount: 1 },
      { pool: 'limit:1', amount: 1 },
    ]
    const problem: AllocationProblem = {
      requests: [request(1), request(2)],
      options: [option(1, 1, { uses: uses('residential') }), option(2, 1, { uses: uses('nursing') })],
      pools: [
        { key: 'beds:1:residential', label: '', amount: 1 },
        { key: 'beds:1:nursing', label: '', amount: 1 },
        { key: 'limit:1', label: '', amount: 1 },
      ],
    }
    expect((await allocateOptimal(problem)).peoplePlaced).toBe(1)
    expect(allocateGreedy(problem).peoplePlaced).toBe(1)
  })

  it('weighs urgency, quality and distance', () => {
    const base = request(1)
    expect(optionValue(request(1, { inHospital: true }), option(1, 1))).toBeGreaterThan(
      optionValue(base, option(1, 1)),
    )
    expect(optionValue(base, option(1, 1, { quality: 100 }))).toBeGreaterThan(
      optionValue(base, option(1, 1, { quality: 40 })),
    )
    expect(optionValue(base, option(1, 1, { distanceMiles: 1 }))).toBeGreaterThan(
      optionValue(base, option(1, 1, { distanceMiles: 9 })),
    )
  })

  it('falls back to greedy with a note when the problem is too large', async () => {
    const optimal = await allocateOptimal(contested, {
      maxVariables: 2,
      timeLimitSeconds: 5,
      candidatesPerRequest: 25,
    })
    expect(optimal.status).toBe('Not solved')
    expect(optimal.note).toMatch(/Too large to optimise: 3 possible placements/)
    expect(optimal.peoplePlaced).toBe(1)
  })

  it('falls back to greedy with a note when the time runs out before every part is solved', async () => {
    const optimal = await allocateOptimal(contested, {
      maxVariables: 100,
      timeLimitSeconds: 0,
      candidatesPerRequest: 25,
    })
    expect(optimal.status).toBe('Time limit reached')
    expect(optimal.solved).toBe(false)
    expect(optimal.note).toMatch(/stopped without proving an optimal allocation \(Time limit reached\)/)
    expect(optimal.peoplePlaced).toBe(1)
  })

  describe('home care visit by visit', () => {
    // A morning and an evening visit, 5 hours a week each; agencies 1 and 2 (different providers)
    // each have 5 spare hours in the district, and agency 2 is a little better rated.
    const round = (sameProvider: boolean): AllocationProblem => {
      const uses = (locationId: number) => [
        { pool: `minutes:${locationId}:NR3`, amount: 600, perVisit: true },
        { pool: `limit:${locationId}`, amount: 1 },
      ]
      return {
        requests: [
          request(1, {
            kind: 'hours',
            minutesPerWeek: 600,
            visits: [
              { visitId: 11, minutesPerWeek: 300 },
              { visitId: 12, minutesPerWeek: 300 },
            ],
            sameProvider,
          }),
        ],
        options: [option(1, 1, { uses: uses(1) }), option(1, 2, { uses: uses(2), quality: 100 })],
        pools: [
          { key: 'minutes:1:NR3', label: '', amount: 300 },
          { key: 'minutes:2:NR3', label: '', amount: 300 },
          { key: 'limit:1', label: '', amount: 5 },
          { key: 'limit:2', label: '', amount: 5 },
        ],
      }
    }

    it('splits a round between providers when the council allows it, meeting every visit', async () => {
      const optimal = await allocateOptimal(round(false))
      expect(optimal.status).toBe('Optimal')
      expect(optimal.hoursPlaced).toBe(10)
      expect(optimal.assignments.map((a) => [a.option.locationId, a.visitIds?.length])).toEqual([
        [1, 1],
        [2, 1],
      ])
      expect(allocateGreedy(round(false)).hoursPlaced).toBe(10)
    })

    it('gives every visit of a round to one provider when the council asks for it', async () => {
      const optimal = await allocateOptimal(round(true))
      expect(optimal.status).toBe('Optimal')
      expect(new Set(optimal.assignments.map((a) => a.option.providerId)).size).toBe(1)
      // Only 5 spare hours at either: one visit is met, at the better-rated agency.
      expect(optimal.hoursPlaced).toBe(5)
      expect(optimal.assignments.map((a) => [a.option.locationId, a.visitIds?.length])).toEqual([[2, 1]])
      const greedy = allocateGreedy(round(true))
      expect(new Set(greedy.assignments.map((a) => a.option.providerId)).size).toBe(1)
      expect(greedy.hoursPlaced).toBe(5)
    })

    it('falls back to greedy with a note when the problem is infeasible', async () => {
      // A report of less than nothing: options that can never fit are left out, but a round's
      // visit may take less than its whole, so the pool stays in the programme.
      const problem = round(false)
      const broken = {
        ...problem,
        pools: problem.pools.map((p) => (p.key === 'minutes:1:NR3' ? { ...p, amount: -1 } : p)),
      }
      const optimal = await allocateOptimal(broken)
      expect(optimal.status).toBe('Infeasible')
      expect(optimal.solved).toBe(false)
      expect(optimal.note).toMatch(/greedy proposal is shown instead/)
      expect(optimal.assignments).toEqual(allocateGreedy(broken).assignments)
    })

    it('serves only the visits an offer covers', async () => {
      const problem = round(false)
      const partial = {
        ...problem,
        options: [option(1, 2, { uses: problem.options[1]?.uses, visitIds: [12] })],
      }
      const optimal = await allocateOptimal(partial)
      expect(optimal.assignments.map((a) => a.visitIds)).toEqual([[12]])
    })
  })

  it('leaves out options that can never be better, and the rest beyond each person’s best few', async () => {
    // Person 1 could go to homes 1 to 4. Home 2 has room for everyone who could go there, so
    // homes 3 and 4, worth less to person 1, can never be better: they are left out exactly. Home 9
    // has no room at all.
    const problem: AllocationProblem = {
      requests: [request(1), request(2)],
      options: [
        option(1, 1, { quality: 100 }),
        option(1, 2, { quality: 75 }),
        option(1, 3, { quality: 50 }),
        option(1, 4, { quality: 40 }),
        option(1, 9, { quality: 100, distanceMiles: 0 }),
        option(2, 1),
      ],
      pools: [bed(1), bed(2), bed(3), bed(4), bed(9, 0)],
    }
    const all = await allocateOptimal(problem)
    expect(all.candidates).toEqual({ usable: 6, kept: 3, cutExactly: 3, cutByRank: 0 })
    expect(all.peoplePlaced).toBe(2)
    // Keeping only each person's best option still proposes at least greedy's answer, and says
    // how many options were left out by rank.
    const one = await allocateOptimal(problem, {
      maxVariables: 100,
      timeLimitSeconds: 5,
      candidatesPerRequest: 1,
    })
    expect(one.candidates.cutByRank).toBe(0)
    expect(one.objective).toBeGreaterThanOrEqual(allocateGreedy(problem).objective)
    // Where every home is wanted by both, each keeps only its best when only one is kept.
    const contestedHomes: AllocationProblem = {
      requests: [request(1), request(2)],
      options: [1, 2].flatMap((r) => [
        option(r, 1, { quality: 100 }),
        option(r, 2, { quality: 75 }),
        option(r, 3, { quality: 50 }),
      ]),
      pools: [bed(1), bed(2), bed(3)],
    }
    const ranked = candidateOptions(contestedHomes, 1)
    expect(ranked.options.map((o) => [o.requestId, o.locationId])).toEqual([
      [1, 1],
      [2, 1],
    ])
    expect(ranked.cutByRank).toBe(4)
  })

  it('splits the programme into parts that share no row, directly or through other columns', () => {
    // Columns 0 and 2 share row 1; column 3 shares row 4 with column 0's row 0 only through column 1.
    // Rows: column 0 → 0, 1; column 1 → 0, 4; column 2 → 1; column 3 → 4; column 4 → 2, 3; column 5 → 5.
    const starts = Int32Array.from([0, 2, 4, 5, 6, 8, 9])
    const indices = Int32Array.from([0, 1, 0, 4, 1, 4, 2, 3, 5])
    expect(independentParts(starts, indices, 6)).toEqual([[0, 1, 2, 3], [4], [5]])
  })

  it('solves independent districts part by part, to the optimum of the whole', async () => {
    // Two districts, each where greedy's first comer takes the hours a longer package needs.
    const hours = (id: number, minutes: number) =>
      request(id, { kind: 'hours', minutesPerWeek: minutes, urgency: 'urgent' })
    const uses = (district: string, minutes: number) => [{ pool: `minutes:7:${district}`, amount: minutes }]
    const problem: AllocationProblem = {
      requests: [hours(1, 240), hours(2, 480), hours(3, 240), hours(4, 480)],
      options: [
        option(1, 7, { uses: uses('NR3', 240) }),
        option(2, 7, { uses: uses('NR3', 480) }),
        option(3, 7, { uses: uses('NR5', 240) }),
        option(4, 7, { uses: uses('NR5', 480) }),
      ],
      pools: [
        { key: 'minutes:7:NR3', label: 'Spare hours', amount: 600 },
        { key: 'minutes:7:NR5', label: 'Spare hours', amount: 600 },
      ],
    }
    const split = await allocateOptimal(problem)
    const whole = await allocateOptimal(problem, { ...DEFAULT_LIMITS, decompose: false })
    expect(split.parts).toBe(2)
    expect(whole.parts).toBe(1)
    expect(split.status).toBe('Optimal')
    expect(split.hoursPlaced).toBe(16)
    expect(split.objective).toBe(whole.objective)
    expect(split.assignments.map((a) => a.requestId)).toEqual([2, 4])
  })

  it('warms the solver up on a small made-up problem', async () => {
    await expect(warmUpOptimiser(20)).resolves.toBeUndefined()
  })

  it('solves an empty problem', async () => {
    const optimal = await allocateOptimal({ requests: [request(1)], options: [], pools: [] })
    expect(optimal.peoplePlaced).toBe(0)
    expect(optimal.solved).toBe(true)
  })
})
