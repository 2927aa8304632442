// Offer submission through the HTTP API with 50 concurrent clients, and the raw INSERT rate of
// the same rows with `pg`, the baseline measured in the same run.

import { type ChildProcess, spawn } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import pg from 'pg'
import { log, type OfferJob } from './brokerage-market.ts'
import { percentile, round } from './measure.ts'

export const CONNECTIONS = 50

export interface ServerProcess {
  port: number
  stop(): Promise<void>
}

/** Starts the web service in a child process and waits until it listens. */
export async function startServer(engine: 'pglite' | 'postgres', target: string): Promise<ServerProcess> {
  const script = path.join(import.meta.dirname, 'brokerage-server.ts')
  // BENCH_CPU_PROFILE=<dir> writes the web service's CPU profile there, to see where an offer's time goes.
  const profile = process.env.BENCH_CPU_PROFILE
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []
  const child: ChildProcess = spawn(process.execPath, [...flags, '--import', 'tsx', script, engine, target], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { port: number }).port)
      } catch (error) {
        reject(error)
      }
    })
    child.once('exit', (code) => reject(new Error(`the web service exited with code ${code}`)))
    child.once('error', reject)
  })
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.stdin?.end()
      }),
  }
}

interface ApiResult {
  /** Offers made (201) per second over the measured run. */
  offersPerSecond: number
  offersMade: number
  seconds: number
  connections: number
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number }
  non2xx: number
  statusCodes: Record<string, number>
  errors: number
  timeouts: number
}

/** One job's POST: its own Idempotency-Key within the run. */
function offerRequest(job: OfferJob, tokens: Map<number, string>, run: string) {
  return {
    path: `/api/v1/requests/${job.requestId}/offers`,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${tokens.get(job.providerOrganisationId)}`,
      'idempotency-key': `${run}-${job.requestId}-${job.locationId}`,
    },
    body: JSON.stringify({
      locationId: job.locationId,
      pricePence: job.pricePence,
      earliestStart: job.earliestStart,
      visitIds: job.visitIds,
      meetsAllNeeds: true,
      notes: '',
    }),
  }
}

/**
 * Sends one POST per job, each with its own Idempotency-Key, from `connections` clients at once,
 * for at most `seconds`. Every client takes the next job from one shared list.
 */
function drive(
  port: number,
  jobs: OfferJob[],
  tokens: Map<number, string>,
  options: { seconds: number; connections: number; label: string },
): Promise<autocannon.Result> {
  let next = 0
  const run = `${options.label}-${process.pid}-${Date.now()}`
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: options.connections,
        amount: jobs.length,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const job = jobs[next++]
              // Never reached while `amount` is the number of jobs; kept so a surplus send is harmless.
              if (!job) return { ...request, method: 'GET', path: '/health' }
              return { ...request, method: 'POST', ...offerRequest(job, tokens, run) }
            },
          },
        ],
      },
      (error, result) => {
        clearTimeout(timer)
        if (error) reject(error)
        else resolve(result)
      },
    )
    const timer = setTimeout(() => instance.stop(), options.seconds * 1000)
  })
}

/**
 * Sends the jobs at a steady `rate` a second, one every 1/rate s whatever the answers, over at most
 * `connections` kept-alive connections (a send waits for a free one), and times each offer from the
 * moment it was due, so that an offer held up behind a slow one counts its wait too. autocannon's
 * own rate limit is no good here: each connection sends its share of a second back to back as soon
 * as the second starts, so most offers met a server as busy as at full speed.
 */
async function pace(
  port: number,
  jobs: OfferJob[],
  tokens: Map<number, string>,
  options: { rate: number; connections: number; label: string },
): Promise<ApiResult> {
  const run = `${options.label}-${process.pid}-${Date.now()}`
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections })
  const latencies: number[] = []
  const statusCodes: Record<string, number> = {}
  let errors = 0
  let timeouts = 0
  const send = (job: OfferJob, due: number) =>
    new Promise<void>((resolve) => {
      const { path: url, headers, body } = offerRequest(job, tokens, run)
      const request = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: url, headers, agent, timeout: 30_000 },
        (response) => {
          response.resume()
          response.once('end', () => {
            latencies.push(performance.now() - due)
            const code = String(response.statusCode)
            statusCodes[code] = (statusCodes[code] ?? 0) + 1
            resolve()
          })
        },
      )
      request.once('timeout', () => {
        timeouts++
        request.destroy()
      })
      request.once('error', () => {
        errors++
        resolve()
      })
      request.end(body)
    })
  const interval = 1000 / options.rate
  const started = performance.now()
  const sent: Promise<void>[] = []
  while (sent.length < jobs.length) {
    // Send every job that is due by now, then sleep until the next one is.
    const now = performance.now()
    for (let due = started + sent.length * interval; due <= now && sent.length < jobs.length; ) {
      sent.push(send(jobs[sent.length] as OfferJob, due))
      due = started + sent.length * interval
    }
    const next = started + sent.length * interval - performance.now()
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next)))
  }
  await Promise.all(sent)
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const made = statusCodes['201'] ?? 0
  return {
    offersPerSecond: Math.round(made / seconds),
    offersMade: made,
    seconds: round(seconds, 2),
    connections: options.connections,
    latencyMs: {
      p50: round(percentile(latencies, 50), 1),
      p90: round(percentile(latencies, 90), 1),
      p99: round(percentile(latencies, 99), 1),
      max: round(latencies.at(-1) ?? 0, 1),
      mean: round(latencies.reduce((sum, ms) => sum + ms, 0) / Math.max(1, latencies.length), 2),
    },
    non2xx: jobs.length - made - errors,
    statusCodes,
    errors,
    timeouts,
  }
}

function summarise(result: autocannon.Result): ApiResult {
  const statusCodes: Record<string, number> = {}
  const stats = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats
  for (const [code, { count }] of Object.entries(stats ?? {})) statusCodes[code] = count
  const made = statusCodes['201'] ?? result['2xx']
  return {
    offersPerSecond: Math.round(made / result.duration),
    offersMade: made,
    seconds: round(result.duration, 2),
    connections: result.connections,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.mean, 2),
    },
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

export interface ApiMeasurement extends ApiResult {
  warmup: { offersMade: number; non2xx: number }
  /**
   * Offers sent at a steady target rate over as many connections: the latency an offer sees at
   * that load, from the moment it was due. At full speed 50 clients always have 50 offers queued,
   * so latency there is mostly queueing (50 ÷ throughput) and says little about one offer.
   */
  atTargetRate: (ApiResult & { offeredPerSecond: number }) | null
}

/**
 * A short unmeasured warm-up on the first jobs (JIT, pools, caches); the measured run as fast as
 * the clients can go; then, when `targetRate` is given, `seconds` of offers sent at that rate.
 */
export async function measureApi(
  port: number,
  jobs: OfferJob[],
  tokens: Map<number, string>,
  options: { seconds: number; warmupJobs: number; targetRate?: number },
): Promise<ApiMeasurement> {
  const warm = jobs.slice(0, options.warmupJobs)
  log(`warming up with ${warm.length} offers`)
  const warmup = await drive(port, warm, tokens, { seconds: 30, connections: CONNECTIONS, label: 'warm' })
  // The run at the target rate keeps its own jobs for the full `seconds`, however fast the first went.
  const reserved = options.targetRate ? options.targetRate * options.seconds : 0
  const measured = jobs.slice(options.warmupJobs, jobs.length - reserved)
  log(`measuring: up to ${measured.length} offers or ${options.seconds} s, ${CONNECTIONS} connections`)
  const fastest = await drive(port, measured, tokens, {
    seconds: options.seconds,
    connections: CONNECTIONS,
    label: 'run',
  })
  const result = summarise(fastest)
  let atTargetRate: ApiMeasurement['atTargetRate'] = null
  if (options.targetRate) {
    log(`measuring at ${options.targetRate} offers/s for ${options.seconds} s, ${CONNECTIONS} connections`)
    const held = await pace(port, jobs.slice(jobs.length - reserved), tokens, {
      rate: options.targetRate,
      connections: CONNECTIONS,
      label: 'rate',
    })
    atTargetRate = { ...held, offeredPerSecond: options.targetRate }
    log(
      `at ${options.targetRate} offers/s: ${held.offersPerSecond} made a second, p99 ${held.latencyMs.p99} ms`,
    )
  }
  return { ...result, warmup: { offersMade: warmup['2xx'], non2xx: warmup.non2xx }, atTargetRate }
}

export interface RawInsertResult {
  rows: number
  seconds: number
  rowsPerSecond: number
  connections: number
  latencyMs: { p50: number; p99: number }
}

/**
 * The same offer rows inserted one statement each from `connections` connections at once: no
 * HTTP, authentication, checks or audit, only what the database itself costs.
 */
export async function rawInsert(url: string, jobs: OfferJob[]): Promise<RawInsertResult> {
  const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS })
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => pool.connect()))
  let next = 0
  const latencies: number[] = []
  const run = `raw-${Date.now()}`
  const started = performance.now()
  await Promise.all(
    clients.map(async (client) => {
      for (let job = jobs[next++]; job; job = jobs[next++]) {
        const t = performance.now()
        await client.query(
          `insert into offers (council_id, request_id, location_id, provider_organisation_id, price_pence,
             earliest_start, meets_all_needs, notes, visit_ids, idempotency_key, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, true, '', $7, $8, now(), now())`,
          [
            job.councilId,
            job.requestId,
            job.locationId,
            job.providerOrganisationId,
            job.pricePence,
            job.earliestStart,
            job.visitIds,
            `${run}-${job.requestId}-${job.locationId}`,
          ],
        )
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  for (const client of clients) client.release()
  // The API run needs the same pairs free again.
  await pool.query(`delete from offers where idempotency_key like $1`, [`${run}-%`])
  await pool.query('vacuum analyze offers')
  await pool.end()
  latencies.sort((a, b) => a - b)
  return {
    rows: jobs.length,
    seconds: round(seconds, 3),
    rowsPerSecond: Math.round(jobs.length / seconds),
    connections: CONNECTIONS,
    latencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
  }
}
