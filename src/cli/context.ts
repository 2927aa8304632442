import { type Config, loadConfig } from '../config.ts'
import { type DatabaseHandle, openDatabase } from '../db/connection.ts'

/** A mistake in how a command was called: printed without a stack trace, exit code 2. */
export class CliUsageError extends Error {}

export interface CliContext {
  config(): Config
  /** Opens and migrates the configured database, runs the work, and always closes it. */
  withDatabase<T>(work: (database: DatabaseHandle) => Promise<T>): Promise<T>
}

export function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  return openDatabase(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl }
      : { kind: 'pglite', dataDir: config.dataDir },
  )
}

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  let config: Config | undefined
  const getConfig = () => {
    config ??= loadConfig(env)
    return config
  }
  return {
    config: getConfig,
    async withDatabase(work) {
      const database = await openConfiguredDatabase(getConfig())
      try {
        await database.migrate()
        return await work(database)
      } finally {
        await database.close()
      }
    },
  }
}

/** Prints exactly one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function parseInteger(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value)
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new CliUsageError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`)
    }
    return parsed
  }
}
