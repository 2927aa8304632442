// What the CQC import tells other domains about the register's changes, inside the import's
// transaction: the market records its events from them (src/market/listeners.ts). Listeners
// register at composition (src/services.ts); the import never imports them.
import type { Actor } from '../../audit/service.ts'
import type { Transaction } from '../../db/connection.ts'
import { createEventBus } from '../../shared/events.ts'

/** The import the changes come from. */
export interface RegisterImport {
  councilId: number
  importId: number
  fileName: string
  actor: Actor
  /** When the import started: the day its changes happened, as the register does not say. */
  at: Date
  /** When the council's last completed import finished, or null before the first. */
  previousImportAt: Date | null
}

/** What listeners did about the changes, counted for the import's report and audit entry. */
export interface RegisterEventTally {
  recorded: number
  withdrawn: number
}

/** Why an import marked locations inactive: missing from a full file, or deregistered in CQC's API. */
export type DeregistrationCause = 'missing_from_full_file' | 'deregistered_by_cqc'

/** What a change to a location by a CQC import is, before any record is consulted. */
export type RegisterChange =
  | { change: 'opened'; registeredBeds: number | null }
  | { change: 'returned'; registeredBeds: number | null }
  | { change: 'beds'; before: number; after: number }

export interface RegisterEvents extends Record<string, unknown> {
  /** A batch of the file was written: its new, returning and resized locations. */
  registerChanged: {
    import: RegisterImport
    changes: { locationId: number; providerOrganisationId: number; change: RegisterChange }[]
    tally: RegisterEventTally
  }
  /** An import marked locations inactive: missing from a full file, or deregistered in CQC's API. */
  locationsDeregistered: {
    import: RegisterImport
    cause: DeregistrationCause
    locations: { locationId: number; providerOrganisationId: number; registeredBeds: number | null }[]
    tally: RegisterEventTally
  }
}

/** The register's events, one bus for the process: handlers act only on the transaction they are given. */
export const registerEvents = createEventBus<RegisterEvents, Transaction>()

/**
 * The change in one row of an import: a location new to a register that already had some opens;
 * an inactive one back in the file has returned; a change of registered beds where both the old
 * and the new figure are known (a format without beds keeps the old figure, so never counts).
 */
export function registerChange(
  existing: { active: boolean; registeredBeds: number | null } | undefined,
  registeredBeds: number | null,
  registerHadLocations: boolean,
): RegisterChange | null {
  if (!existing) return registerHadLocations ? { change: 'opened', registeredBeds } : null
  if (!existing.active) return { change: 'returned', registeredBeds }
  if (
    existing.registeredBeds !== null &&
    registeredBeds !== null &&
    existing.registeredBeds !== registeredBeds
  )
    return { change: 'beds', before: existing.registeredBeds, after: registeredBeds }
  return null
}
