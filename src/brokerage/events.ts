// What brokerage tells other domains about its changes, inside the transaction of each change.
// Listeners register at composition (src/services.ts); brokerage never imports them. The
// request's row is held by the emitting transaction (a transition updates it, an award locks
// it), so a listener's writes about one request are made one change after another.
import type { Transaction } from '../db/connection.ts'
import { createEventBus } from '../shared/events.ts'
import type { RequestStatus } from './rules/index.ts'

export interface BrokerageEvents extends Record<string, unknown> {
  /** A request moved through its state machine. */
  requestStatusChanged: {
    councilId: number
    requestId: number
    from: RequestStatus
    to: RequestStatus
    /** The package the change is about: the one an award made, or the one care started with. */
    packageId?: number
  }
  /** An award filled visits of a request without changing its status (home care still part-filled). */
  requestAwardedWithoutStatusChange: { councilId: number; requestId: number; packageId?: number }
  /** A package was ended on its last day of care. */
  packageEnded: { councilId: number; requestId: number; packageId: number; endDate: string }
  /**
   * A request's eligibility was decided for a round (publishing, republishing, or a change that
   * re-decides it): `eligible` locations are invited. Publishing to none is refused and rolled back.
   */
  requestEligibilityDecided: { councilId: number; requestId: number; round: number; eligible: number }
  /** The awarded provider confirmed it will provide the package. */
  packageConfirmed: { councilId: number; requestId: number; packageId: number }
  /** The awarded provider declined the package, with its reason; the request's other offers may be awarded. */
  packageDeclined: { councilId: number; requestId: number; packageId: number; reason: string }
  /** The provider gave notice on a package (a hand-back): care ends on its last day. */
  packageHandedBack: {
    councilId: number
    requestId: number
    packageId: number
    handBackId: number
    lastDay: string
    shortNotice: boolean
  }
}

/** Brokerage's events, one bus for the process: handlers act only on the transaction they are given. */
export const brokerageEvents = createEventBus<BrokerageEvents, Transaction>()
