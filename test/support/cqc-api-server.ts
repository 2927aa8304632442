// A local HTTP server answering as CQC's public API documents: /changes/location pages of location
// IDs, and /locations/{id}. Tests give it the changes and locations, and can make any request fail
// (a 429 with Retry-After, a 5xx, a dropped connection) to see the real client try again.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const CQC_TEST_KEY = 'test-subscription-key'

/** What the server does with one request instead of answering it: an answer, or dropping the connection. */
type Interference = { status: number; headers?: Record<string, string>; body?: string } | 'drop'

export interface CqcApiServer {
  url: string
  /** Location IDs CQC lists as changed (any JSON value, to test malformed entries). */
  changes: unknown[]
  /** Location bodies by ID: an object is sent as JSON, a string as it is. Missing: 404. */
  locations: Map<string, unknown>
  /** Paths (with query) requested, in order. */
  requests: string[]
  /** Decides, per request, whether to interfere; undefined answers normally. */
  interfere: ((path: string, url: URL) => Interference | undefined) | undefined
  /** Answers the changes endpoint with this instead of its list (a malformed page). */
  changesBody: string | undefined
  close(): Promise<void>
}

export async function startCqcApiServer(): Promise<CqcApiServer> {
  const state: Omit<CqcApiServer, 'url' | 'close'> = {
    changes: [],
    locations: new Map(),
    requests: [],
    interfere: undefined,
    changesBody: undefined,
  }
  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    response.writeHead(status, { 'content-type': 'application/json', ...headers })
    response.end(text)
  }
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const path = url.pathname.replace(/^\/public\/v1/, '')
    state.requests.push(`${path}${url.search}`)
    if (request.headers['ocp-apim-subscription-key'] !== CQC_TEST_KEY)
      return send(response, 401, {
        statusCode: 401,
        message: 'Access denied due to invalid subscription key.',
      })
    const interference = state.interfere?.(path, url)
    if (interference === 'drop') return request.socket.destroy()
    if (interference)
      return send(response, interference.status, interference.body ?? '', interference.headers)
    if (path === '/changes/location') {
      if (state.changesBody !== undefined) return send(response, 200, state.changesBody)
      const page = Number(url.searchParams.get('page') ?? '1')
      const perPage = Number(url.searchParams.get('perPage') ?? '1000')
      const totalPages = Math.ceil(state.changes.length / perPage)
      const query = (p: number) =>
        `/changes/location?startTimestamp=${url.searchParams.get('startTimestamp')}&endTimestamp=${url.searchParams.get('endTimestamp')}&page=${p}&perPage=${perPage}`
      return send(response, 200, {
        total: state.changes.length,
        page,
        perPage,
        totalPages,
        firstPageUri: query(1),
        nextPageUri: page < totalPages ? query(page + 1) : null,
        lastPageUri: query(Math.max(1, totalPages)),
        changes: state.changes.slice((page - 1) * perPage, page * perPage),
      })
    }
    const location = /^\/locations\/([^/]+)$/.exec(path)
    if (location) {
      const body = state.locations.get(decodeURIComponent(location[1] ?? ''))
      if (body === undefined) return send(response, 404, { statusCode: 404, message: 'Resource not found' })
      return send(response, 200, body)
    }
    send(response, 404, { statusCode: 404, message: 'Resource not found' })
  }
  const server = createServer(handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/public/v1`,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  })
}
