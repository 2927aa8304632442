import type { Config } from '../config.ts'
import type { Database } from '../db/connection.ts'

/** What every domain's route plugin is given. */
export interface DomainOptions {
  db: Database
  config: Config
}
