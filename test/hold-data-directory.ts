// Opens the embedded database in a data directory and holds it until killed: a Caremarket process
// for tests to kill. Prints "ready" once the directory is open.
import { openDatabase } from '../src/db/connection.ts'

const dataDir = process.argv[2]
if (!dataDir) throw new Error('usage: hold-data-directory.ts <data dir>')
await openDatabase({ kind: 'pglite', dataDir })
process.stdout.write('ready\n')
setInterval(() => {}, 60_000)
