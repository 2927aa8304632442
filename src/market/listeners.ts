// The market's reactions to other domains' changes, registered when the services are composed
// (src/services.ts): each runs in the transaction of the change, so the market's summaries are
// never behind what they summarise.
import type { BrokerageEvents } from '../brokerage/events.ts'
import type { Transaction } from '../db/connection.ts'
import type { RegisterEvents } from '../providers/cqc/register-events.ts'
import type { EventBus } from '../shared/events.ts'
import { recordRegisterChanges, recordRegisterDeregistrations } from './events/register.ts'
import { keepFailureCost } from './failures/service.ts'
import { keepIclSpells, statusChangeMovesList } from './icl/service.ts'
import { keepRequestOutcome } from './insights/outcomes.ts'

/** A status change rewrites the request's outcome, and its spells on the list when it can move it. */
async function keepAfterStatusChange(
  { councilId, requestId, from, to }: BrokerageEvents['requestStatusChanged'],
  tx: Transaction,
): Promise<void> {
  await keepRequestOutcome(tx, requestId)
  if (statusChangeMovesList(from, to)) await keepIclSpells(tx, councilId, requestId)
  // An award re-places a person of a failure response: its extra cost follows.
  if (to === 'awarded' || to === 'started') await keepFailureCost(tx, councilId, requestId)
}

/** A visit filled without a change of status can still take the person off the list. */
async function keepAfterAward(
  { councilId, requestId }: BrokerageEvents['requestAwardedWithoutStatusChange'],
  tx: Transaction,
): Promise<void> {
  await keepIclSpells(tx, councilId, requestId)
  await keepRequestOutcome(tx, requestId)
  await keepFailureCost(tx, councilId, requestId)
}

/** A package its provider declined frees its visits: they can go back on the list. */
async function keepAfterDecline(
  { councilId, requestId }: BrokerageEvents['packageDeclined'],
  tx: Transaction,
): Promise<void> {
  await keepIclSpells(tx, councilId, requestId)
  await keepRequestOutcome(tx, requestId)
}

export function listenToBrokerage(events: EventBus<BrokerageEvents, Transaction>): void {
  events.on('requestStatusChanged', keepAfterStatusChange)
  events.on('requestAwardedWithoutStatusChange', keepAfterAward)
  events.on('packageDeclined', keepAfterDecline)
}

export function listenToRegister(events: EventBus<RegisterEvents, Transaction>): void {
  events.on('registerChanged', recordRegisterChanges)
  events.on('locationsDeregistered', recordRegisterDeregistrations)
}
