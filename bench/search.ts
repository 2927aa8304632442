// `npm run bench -- search`: brokers' request search over one council's 200,000 requests on
// PostgreSQL. A scratch database is migrated, one council is given 200,000 people and requests in
// bulk (SQL generate_series over the simulator's name lists: 40 first names × 144 surnames, so a
// surname matches about 1,400 people, a harder case than real names), and then the request list's
// service function (listRequests: the page of 50 and the total) is timed for each kind of search,
// against the unfiltered first page everyone opens as the baseline in the same run.
//
// SEARCH_BENCH_REQUESTS (default 200000) sets the size and SEARCH_BENCH_SAMPLES (default 60) the
// samples per case; BENCH_DATABASE_URL the server.

import { loadavg } from 'node:os'
import { sql } from 'drizzle-orm'
import { listRequests, type RequestFilters } from '../src/brokerage/requests/service.ts'
import { openDatabase } from '../src/db/connection.ts'
import { hashSeed, Random } from '../src/shared/random.ts'
import { FEMALE_NAMES, MALE_NAMES, SURNAME_ENDS, SURNAME_STARTS } from '../src/simulator/simulate.ts'
import { DEFAULT_SERVER, reachable, withScratchDatabase } from './brokerage-market.ts'
import { round, type Timing, timing } from './measure.ts'

const TARGET_P95_MS = 100
const WARMUP = 5
const PAGE = 50
const STATUSES = ['submitted', 'published', 'closed', 'awarded', 'started', 'unsourced', 'cancelled']
const SERVICE_TYPES = ['residential', 'nursing', 'dementia_residential', 'home_care', 'supported_living']

const log = (message: string) => process.stderr.write(`bench search: ${message}\n`)

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const literalArray = (values: readonly string[]) =>
  sql.raw(`array[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(',')}]::text[]`)

/** One council with `count` people and a request each, written in two statements. */
async function build(url: string, count: number) {
  const handle = await openDatabase({ kind: 'postgres', url })
  await handle.migrate()
  const { db } = handle
  const started = performance.now()
  const { rows } = (await db.execute(
    sql`insert into councils (code, name) values ('SRCH', 'Search Bench Council') returning id`,
  )) as unknown as { rows: { id: number }[] }
  const councilId = rows[0]?.id as number
  const firstNames = [...FEMALE_NAMES, ...MALE_NAMES]
  const surnames = SURNAME_STARTS.flatMap((start) => SURNAME_ENDS.map((end) => `${start}${end}`))
  // Names and NHS numbers from the row number, through a multiplicative hash so neighbours differ.
  await db.execute(sql`
    insert into people (council_id, name, date_of_birth, sex, postcode, outcode, nhs_number)
    select ${councilId},
      (${literalArray(firstNames)})[1 + (i::bigint * 7919) % ${firstNames.length}] || ' ' ||
        (${literalArray(surnames)})[1 + (i::bigint * 104729) % ${surnames.length}],
      date '1930-01-01' + (i % 12000), case when i % 2 = 0 then 'female' else 'male' end,
      'NR3 1QX', 'NR3', lpad(((i::bigint * 982451653) % 9000000000 + 1000000000)::text, 10, '0')
    from generate_series(1, ${count}) as i`)
  await db.execute(sql`
    insert into sourcing_requests (council_id, person_id, service_type, client_group, needs_summary,
      start_date, urgency, max_distance_miles, status, person_ref, case_ref, created_at, updated_at)
    select p.council_id, p.id,
      (${literalArray(SERVICE_TYPES)})[1 + p.id % ${SERVICE_TYPES.length}], 'older_people',
      'Needs help with washing and dressing.', date '2021-01-01' + (p.id % 1900), 'routine', 10,
      (${literalArray(STATUSES)})[1 + (p.id * 31) % ${STATUSES.length}],
      'LAS-' || p.id, 'SA ' || (p.id * 13), now() - (p.id % 1900) * interval '1 day',
      now() - (p.id % 1900) * interval '1 day' + interval '1 hour'
    from people p where p.council_id = ${councilId}`)
  await db.execute(sql`analyze`)
  const seconds = round((performance.now() - started) / 1000, 1)
  const { rows: indexRows } = (await db.execute(
    sql`select indexname from pg_indexes where indexname = 'people_search_name_trgm'`,
  )) as unknown as { rows: unknown[] }
  return { handle, councilId, seconds, trigramIndex: indexRows.length > 0, surnames }
}

async function time(
  samples: number,
  run: (i: number) => Promise<{ total: number }>,
): Promise<Timing & { meanMatches: number }> {
  for (let i = 0; i < WARMUP; i++) await run(i)
  const times: number[] = []
  let matches = 0
  for (let i = 0; i < samples; i++) {
    const started = performance.now()
    matches += (await run(WARMUP + i)).total
    times.push(performance.now() - started)
  }
  return { ...timing(times), meanMatches: Math.round(matches / samples) }
}

async function postgresRun(url: string, count: number, samples: number) {
  log(`writing ${count.toLocaleString('en-GB')} people and requests`)
  const built = await build(url, count)
  const { handle, councilId, surnames } = built
  try {
    const rng = new Random(hashSeed(1, 0x5ea2c4))
    const search = (filters: (i: number) => RequestFilters) => (i: number) =>
      listRequests(handle.db, { councilId }, { ...filters(i), limit: PAGE, offset: 0 })
    const someId = () => 1 + rng.int(0, count - 1)
    const spaced = (nhs: string) => `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`
    // People to look for: their NHS numbers, and parts of their names typed in the other order.
    const { rows: sampled } = (await handle.db.execute(
      sql`select name, nhs_number from people where council_id = ${councilId} order by id % 997, id limit ${samples + WARMUP}`,
    )) as unknown as { rows: { name: string; nhs_number: string }[] }
    const partsReversed = (name: string) => {
      const [first = '', surname = ''] = name.split(' ')
      return `${surname.slice(2, 7).toLowerCase()} ${first.slice(0, 4)}`
    }
    log('timing')
    const cases = {
      baselineFirstPage: await time(
        samples,
        search(() => ({})),
      ),
      nameWholeSurname: await time(
        samples,
        search(() => ({ q: rng.pick(surnames) })),
      ),
      namePartsAnyOrder: await time(
        samples,
        search((i) => ({ q: partsReversed(sampled[i]?.name ?? '') })),
      ),
      nameWithStatusFilter: await time(
        samples,
        search(() => ({ q: rng.pick(surnames).toLowerCase(), status: 'published' })),
      ),
      requestId: await time(
        samples,
        search(() => ({ q: String(someId()) })),
      ),
      nhsNumberSpaced: await time(
        samples,
        search((i) => ({ q: spaced(sampled[i]?.nhs_number ?? '') })),
      ),
      caseSystemReference: await time(
        samples,
        search(() => ({ q: `las-${someId()}` })),
      ),
    }
    const nameCases = [cases.nameWholeSurname, cases.namePartsAnyOrder, cases.nameWithStatusFilter]
    return {
      // The machine's load while timing: these two cores are shared, and the figures move with it.
      loadAverage: loadavg().map((l) => round(l, 1)),
      requests: count,
      buildSeconds: built.seconds,
      trigramIndex: built.trigramIndex,
      pageSize: PAGE,
      samplesPerCase: samples,
      latencyMs: cases,
      target: { nameSearchP95Ms: TARGET_P95_MS },
      meetsTarget: nameCases.every((c) => c.p95 <= TARGET_P95_MS),
    }
  } finally {
    await handle.close()
  }
}

export async function runSearchBenchmark() {
  const count = envNumber('SEARCH_BENCH_REQUESTS', 200_000)
  const samples = envNumber('SEARCH_BENCH_SAMPLES', 60)
  const serverUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER
  const unreachable = await reachable(serverUrl)
  if (unreachable)
    return {
      postgres: { skipped: `PostgreSQL at ${new URL(serverUrl).host} is not reachable: ${unreachable}` },
    }
  return { postgres: await withScratchDatabase(serverUrl, (url) => postgresRun(url, count, samples)) }
}
