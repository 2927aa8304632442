// The real web service for the offer benchmark, in a process of its own so that the load
// generator does not share its event loop. Prints {"port": n} once listening; stops when its
// stdin closes.
//   node --import tsx bench/brokerage-server.ts <pglite|postgres> <dataDir|url>

import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/connection.ts'
import { MODULES } from '../src/modules.ts'
import { createServices } from '../src/services.ts'
import { buildApp } from '../src/web/app.ts'

const [engine, target] = process.argv.slice(2)
if ((engine !== 'pglite' && engine !== 'postgres') || !target) {
  process.stderr.write('usage: brokerage-server.ts <pglite|postgres> <dataDir|url>\n')
  process.exit(2)
}
const database = await openDatabase(
  engine === 'pglite' ? { kind: 'pglite', dataDir: target } : { kind: 'postgres', url: target },
)
const config = loadConfig({ LOG_LEVEL: 'silent', CAREMARKET_PASSWORD_COST_LOG2: '10' })
const app = await buildApp(createServices({ database: database, config: config }), {
  modules: MODULES,
  logger: pino({ level: 'silent' }),
})
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await app.close()
  await database.close()
  process.exit(0)
}
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
process.on('SIGTERM', stop)
