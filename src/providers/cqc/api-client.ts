// The HTTP client of CQC's public API: its list of changed locations and each location. Every
// request carries the subscription key (Ocp-Apim-Subscription-Key). A 429 (CQC's rate limit, with
// Retry-After), a 5xx, a timeout or a lost connection is tried again after a growing wait, up to
// API_ATTEMPTS tries; then, or on any other refusal, the request fails with a CqcApiError that
// says what was asked and what CQC answered.
import { setTimeout as wait } from 'node:timers/promises'
import { API_ATTEMPTS, type ChangesPage, changesPageSchema, cqcTimestamp, retryDelayMs } from './api-rules.ts'

/** CQC's API could not give what the import needs: the run stops, keeping the pages it finished. */
export class CqcApiError extends Error {}

export interface CqcApiClientOptions {
  /** e.g. https://api.service.cqc.org.uk/public/v1 */
  baseUrl: string
  subscriptionKey: string
  /** Tries of one request before giving up; default API_ATTEMPTS. */
  attempts?: number
  /** The first retry's wait when CQC does not say (Retry-After); default a second. */
  firstRetryMs?: number
  /** How long one try may take, connection and answer together. */
  timeoutMs?: number
  /** Waits between tries; tests give one that returns at once. */
  sleep?: (ms: number) => Promise<void>
  /** In [0, 1): the retry wait's jitter. */
  random?: () => number
}

/** A location as CQC's API answered: its JSON, or why there is none to read. */
type LocationAnswer = { found: true; body: unknown } | { found: false; reason: string }

export interface CqcApiClient {
  /** One page of the IDs of locations CQC changed in [from, to]. */
  changes(window: { from: Date; to: Date }, page: number, perPage: number): Promise<ChangesPage>
  location(locationId: string): Promise<LocationAnswer>
}

const DEFAULT_TIMEOUT_MS = 30_000

export function createCqcApiClient(options: CqcApiClientOptions): CqcApiClient {
  const attempts = options.attempts ?? API_ATTEMPTS
  const sleep = options.sleep ?? ((ms: number) => wait(ms).then(() => undefined))
  const random = options.random ?? Math.random
  const base = options.baseUrl.replace(/\/+$/, '')

  /** GETs a path, trying again on 429, 5xx and network failures. 404 is an answer, not a failure. */
  async function get(path: string, what: string): Promise<{ status: 200 | 404; body: string }> {
    let lastProblem = ''
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retryAfter: string | null = null
      try {
        const response = await fetch(`${base}${path}`, {
          headers: {
            'Ocp-Apim-Subscription-Key': options.subscriptionKey,
            Accept: 'application/json',
            'User-Agent': 'Caremarket',
          },
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        })
        if (response.status === 200) return { status: 200, body: await response.text() }
        // Read to the end, so the connection can be used again.
        await response.arrayBuffer().catch(() => undefined)
        if (response.status === 404) return { status: 404, body: '' }
        if (response.status !== 429 && response.status < 500)
          throw new CqcApiError(
            `CQC’s API refused ${what} with HTTP ${response.status}` +
              (response.status === 401 || response.status === 403
                ? ': check the subscription key (CAREMARKET_CQC_API_KEY).'
                : '.'),
          )
        retryAfter = response.headers.get('retry-after')
        lastProblem = response.status === 429 ? 'HTTP 429 (too many requests)' : `HTTP ${response.status}`
      } catch (error) {
        if (error instanceof CqcApiError) throw error
        lastProblem = networkProblem(error)
      }
      if (attempt < attempts)
        await sleep(retryDelayMs(attempt, retryAfter, new Date(), random(), options.firstRetryMs))
    }
    throw new CqcApiError(
      `CQC’s API did not answer ${what} after ${attempts} tries; the last answer was ${lastProblem}.`,
    )
  }

  return {
    async changes(window, page, perPage) {
      const query = new URLSearchParams({
        startTimestamp: cqcTimestamp(window.from),
        endTimestamp: cqcTimestamp(window.to),
        page: String(page),
        perPage: String(perPage),
      })
      const what = `page ${page} of the changes`
      const answer = await get(`/changes/location?${query}`, what)
      if (answer.status === 404) throw new CqcApiError(`CQC’s API has no ${what} (HTTP 404).`)
      let json: unknown
      try {
        json = JSON.parse(answer.body)
      } catch {
        throw new CqcApiError(`CQC’s API answered ${what} with something that is not JSON.`)
      }
      const parsed = changesPageSchema.safeParse(json)
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'the answer'}: ${i.message}`)
        throw new CqcApiError(
          `CQC’s API answered ${what} with something other than its list of changes (${problems.slice(0, 3).join('; ')}).`,
        )
      }
      return parsed.data
    },

    async location(locationId) {
      const answer = await get(`/locations/${encodeURIComponent(locationId)}`, `location ${locationId}`)
      if (answer.status === 404)
        return { found: false, reason: `CQC’s API has no location ${locationId} (HTTP 404)` }
      try {
        return { found: true, body: JSON.parse(answer.body) }
      } catch {
        return { found: false, reason: 'CQC’s API answered with something that is not JSON' }
      }
    },
  }
}

function networkProblem(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'no answer in time'
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined
  if (cause?.code) return `a failed connection (${cause.code})`
  return `a failed connection (${error instanceof Error ? error.message : String(error)})`
}
