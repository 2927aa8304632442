// Webhooks' handlers of brokerage's events: each change a case system listens for becomes a
// delivery in the outbox, in the transaction of the change.
import type { BrokerageEvents } from '../brokerage/events.ts'
import type { Transaction } from '../db/connection.ts'
import type { EventBus, EventHandler } from '../shared/events.ts'
import { eventTypeOfStatus } from './rules.ts'
import { enqueueWebhookEvent } from './service.ts'

const onStatusChanged: EventHandler<BrokerageEvents['requestStatusChanged'], Transaction> = async (
  event,
  tx,
) => {
  const type = eventTypeOfStatus(event.to)
  if (!type) return
  await enqueueWebhookEvent(tx, {
    councilId: event.councilId,
    type,
    data: {
      requestId: event.requestId,
      status: event.to,
      ...(event.packageId !== undefined ? { packageId: event.packageId } : {}),
    },
  })
}

const onAwardedWithoutStatusChange: EventHandler<
  BrokerageEvents['requestAwardedWithoutStatusChange'],
  Transaction
> = async (event, tx) => {
  await enqueueWebhookEvent(tx, {
    councilId: event.councilId,
    type: 'request.awarded',
    data: {
      requestId: event.requestId,
      ...(event.packageId !== undefined ? { packageId: event.packageId } : {}),
    },
  })
}

const onPackageEnded: EventHandler<BrokerageEvents['packageEnded'], Transaction> = async (event, tx) => {
  await enqueueWebhookEvent(tx, {
    councilId: event.councilId,
    type: 'package.ended',
    data: { requestId: event.requestId, packageId: event.packageId, endDate: event.endDate },
  })
}

export function listenToBrokerageForWebhooks(bus: EventBus<BrokerageEvents, Transaction>): void {
  bus.on('requestStatusChanged', onStatusChanged)
  bus.on('requestAwardedWithoutStatusChange', onAwardedWithoutStatusChange)
  bus.on('packageEnded', onPackageEnded)
}
