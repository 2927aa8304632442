import type { Database } from './connection.ts'

/** A service function with its database already given: what the registry hands to callers. */
export type BoundToDatabase<F> = F extends (db: Database, ...args: infer A) => infer R
  ? (...args: A) => R
  : never

export type ServiceFunctions = Record<string, (db: Database, ...args: never[]) => unknown>

/**
 * Closes each service function over the database, so routes, the CLI and the scheduler call
 * `services.requests.publish(user, id)` and never hold the database themselves. The functions
 * keep their logic and signatures; only the first argument is given here.
 */
export function bindDatabase<T extends ServiceFunctions>(
  db: Database,
  functions: T,
): { [K in keyof T]: BoundToDatabase<T[K]> } {
  const bound: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(functions)) bound[name] = (...args: never[]) => fn(db, ...args)
  return bound as { [K in keyof T]: BoundToDatabase<T[K]> }
}
