// Names this process among all the Caremarket processes that share a database, so that work it
// leaves on record as running (an import) can be told apart from work of a process that has gone.
// The random part keeps a reused process number on the same host from passing for an old process.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'

export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
