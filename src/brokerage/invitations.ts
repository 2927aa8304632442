import type { Transaction } from '../db/connection.ts'

/**
 * Decides, for every location of the council, whether it is invited to offer on a request that is
 * being published, stores each decision with its reasons, and notifies the invited providers.
 * Called by the request service inside the publishing transaction.
 */
export async function inviteEligibleLocations(
  _tx: Transaction,
  _request: { councilId: number; requestId: number; round: number; now: Date },
): Promise<{ invited: number; excluded: number }> {
  throw new Error('inviteEligibleLocations is being built')
}
