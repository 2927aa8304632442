import { PGlite } from '@electric-sql/pglite'
import { openDatabase } from '../src/db/connection.ts'
let t0 = performance.now()
const p0 = new PGlite(); await p0.waitReady
console.log('bare pglite start ms', Math.round(performance.now() - t0))
t0 = performance.now()
const h = await openDatabase({ kind: 'memory' })
await h.migrate()
console.log('open+migrate ms', Math.round(performance.now() - t0))
t0 = performance.now()
// @ts-ignore
const client: PGlite = (h.db as any).$client
const blob = await client.dumpDataDir('none')
console.log('dump ms', Math.round(performance.now() - t0), 'size', blob.size)
t0 = performance.now()
const c2 = new PGlite({ loadDataDir: blob })
await c2.waitReady
const r = await c2.query('select count(*) from councils')
console.log('load ms', Math.round(performance.now() - t0), r.rows)
