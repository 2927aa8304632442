import { type Config, loadConfig } from '../config.ts'
import { type DatabaseHandle, openDatabase } from '../db/connection.ts'
import { createServices, type Services } from '../services.ts'

/** A mistake in how a command was called: printed without a stack trace, exit code 2. */
export class CliUsageError extends Error {}

export interface CliContext {
  config(): Config
  /** Opens and migrates the configured database, runs the work, and always closes it. */
  withDatabase<T>(work: (database: DatabaseHandle) => Promise<T>): Promise<T>
  /** The same, with the service registry over that database: what commands call. */
  withServices<T>(work: (services: Services) => Promise<T>): Promise<T>
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
  const withDatabase: CliContext['withDatabase'] = async (work) => {
    const database = await openConfiguredDatabase(getConfig())
    try {
      await database.migrate()
      return await work(database)
    } finally {
      await database.close()
    }
  }
  return cliContext(getConfig, withDatabase)
}

/** A context over the given configuration and database, the registry built over it for each run. */
export function cliContext(config: () => Config, withDatabase: CliContext['withDatabase']): CliContext {
  return {
    config,
    withDatabase,
    withServices: (work) => withDatabase((database) => work(createServices({ database, config: config() }))),
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
