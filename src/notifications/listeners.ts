// Council staff are told of brokerage's changes: each handler runs in the transaction of the
// change (src/services.ts registers them), so a notification exists exactly when its change does.
// Brokerage never imports this file.
import { councilStaff, type StaffMember } from '../accounts/recipients.ts'
import type { BrokerageEvents } from '../brokerage/events.ts'
import {
  inCaseload,
  listRepublishDue,
  type RequestNotice,
  requestNotice,
} from '../brokerage/requests/service.ts'
import type { Database, Queryable, Transaction } from '../db/connection.ts'
import { formatDate, formatLondonDate } from '../shared/dates.ts'
import type { EventBus } from '../shared/events.ts'
import { FEW_PROVIDERS_THRESHOLD } from './kinds.ts'
import { givenOnceKeys, notifyStaff } from './staff.ts'

/**
 * The brokers to tell about a request: the one place that decides it. Every active broker of the
 * council until a request has a broker assigned to it; then that broker.
 */
async function brokersToTell(db: Queryable, request: RequestNotice): Promise<StaffMember[]> {
  // The broker who took the request, while still an active broker; otherwise everyone who might.
  if (request.assignedBrokerId !== null) {
    const assigned = await councilStaff(db, request.councilId, {
      roles: ['broker'],
      userIds: [request.assignedBrokerId],
    })
    if (assigned.length > 0) return assigned
  }
  return councilStaff(db, request.councilId, { roles: ['broker'] })
}

/**
 * The social worker who made the request, while their account is active and the request is still
 * in their caseload (their own, or their teams').
 */
async function requesterToTell(db: Queryable, request: RequestNotice): Promise<StaffMember[]> {
  if (request.createdByUserId === null) return []
  const [maker] = await councilStaff(db, request.councilId, {
    roles: ['social_worker'],
    userIds: [request.createdByUserId],
  })
  if (!maker) return []
  const scope = { councilId: maker.councilId, role: maker.role, id: maker.id, teamIds: maker.teamIds }
  return inCaseload(scope, request) ? [maker] : []
}

const requestLink = (requestId: number) => `/requests/${requestId}`

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`
}

async function onStatusChanged(
  event: BrokerageEvents['requestStatusChanged'],
  tx: Transaction,
): Promise<void> {
  if (!['submitted', 'closed', 'awarded', 'unsourced', 'cancelled'].includes(event.to)) return
  const request = await requestNotice(tx, event.councilId, event.requestId)
  if (!request) return
  const id = request.id
  const base = { councilId: request.councilId, requestId: id, link: requestLink(id) }
  switch (event.to) {
    case 'submitted':
      await notifyStaff(tx, await brokersToTell(tx, request), {
        ...base,
        kind: 'request_submitted',
        subject: `Request ${id} was submitted`,
        body: `Request ${id} was submitted for brokerage and is waiting to be published.`,
      })
      return
    case 'closed': {
      const offers = request.offers === 0 ? 'no offers' : plural(request.offers, 'offer', 'offers')
      await notifyStaff(tx, await brokersToTell(tx, request), {
        ...base,
        kind: 'request_closed',
        subject: `Request ${id} closed with ${offers}`,
        body:
          request.offers === 0
            ? `Request ${id} closed to offers with no offers. Mark it unsourced or cancel it.`
            : `Request ${id} closed to offers with ${offers}. Compare them and award the request.`,
      })
      return
    }
    case 'awarded':
      await tellRequesterAwarded(tx, request)
      return
    case 'unsourced':
      await notifyStaff(tx, await requesterToTell(tx, request), {
        ...base,
        kind: 'request_unsourced',
        subject: `Request ${id} is unsourced`,
        body: `No provider could be found for request ${id}. It is on the Interim Care List, and brokers will publish it again.`,
      })
      return
    case 'cancelled':
      await notifyStaff(tx, await requesterToTell(tx, request), {
        ...base,
        kind: 'request_cancelled',
        subject: `Request ${id} was cancelled`,
        body: `Request ${id} was cancelled. Its page says why.`,
      })
      return
  }
}

async function tellRequesterAwarded(tx: Transaction, request: RequestNotice): Promise<void> {
  await notifyStaff(tx, await requesterToTell(tx, request), {
    councilId: request.councilId,
    requestId: request.id,
    link: requestLink(request.id),
    kind: 'request_awarded',
    subject: `Request ${request.id} was awarded`,
    body: `Request ${request.id} was awarded to a provider. Its page shows the package.`,
  })
}

async function onAwardedWithoutStatusChange(
  event: BrokerageEvents['requestAwardedWithoutStatusChange'],
  tx: Transaction,
): Promise<void> {
  const request = await requestNotice(tx, event.councilId, event.requestId)
  if (request) await tellRequesterAwarded(tx, request)
}

async function onEligibilityDecided(
  event: BrokerageEvents['requestEligibilityDecided'],
  tx: Transaction,
): Promise<void> {
  if (event.eligible >= FEW_PROVIDERS_THRESHOLD) return
  const request = await requestNotice(tx, event.councilId, event.requestId)
  if (!request) return
  const id = request.id
  const subject =
    event.eligible === 0
      ? `Request ${id}: no provider is eligible`
      : `Request ${id}: only ${plural(event.eligible, 'provider is', 'providers are')} eligible`
  await notifyStaff(tx, await brokersToTell(tx, request), {
    councilId: request.councilId,
    requestId: id,
    link: requestLink(id),
    kind: 'few_eligible_providers',
    subject,
    body: `${subject.replace(`Request ${id}: `, '').replace(/^./, (c) => c.toUpperCase())} to offer on request ${id}. Consider widening it: its page shows why the others are not eligible.`,
  })
}

async function onPackageConfirmed(
  event: BrokerageEvents['packageConfirmed'],
  tx: Transaction,
): Promise<void> {
  const request = await requestNotice(tx, event.councilId, event.requestId)
  if (!request) return
  const id = request.id
  await notifyStaff(tx, [...(await brokersToTell(tx, request)), ...(await requesterToTell(tx, request))], {
    councilId: request.councilId,
    requestId: id,
    link: requestLink(id),
    kind: 'package_confirmed',
    subject: `Request ${id}: the provider confirmed the package`,
    body: `The provider awarded request ${id} confirmed it will deliver package ${event.packageId}.`,
  })
}

async function onPackageDeclined(event: BrokerageEvents['packageDeclined'], tx: Transaction): Promise<void> {
  const request = await requestNotice(tx, event.councilId, event.requestId)
  if (!request) return
  const id = request.id
  await notifyStaff(tx, [...(await brokersToTell(tx, request)), ...(await requesterToTell(tx, request))], {
    councilId: request.councilId,
    requestId: id,
    link: requestLink(id),
    kind: 'package_declined',
    subject: `Request ${id}: the provider declined the package`,
    // The provider's reason is kept in Caremarket, not emailed: it may say something of the person.
    body: `The provider awarded request ${id} declined package ${event.packageId}. Its page shows their reason; award the next offer or publish the request again.`,
  })
}

async function onPackageHandedBack(
  event: BrokerageEvents['packageHandedBack'],
  tx: Transaction,
): Promise<void> {
  const request = await requestNotice(tx, event.councilId, event.requestId)
  if (!request) return
  const id = request.id
  const lastDay = formatDate(event.lastDay)
  await notifyStaff(tx, [...(await brokersToTell(tx, request)), ...(await requesterToTell(tx, request))], {
    councilId: request.councilId,
    requestId: id,
    link: `/packages/${event.packageId}`,
    kind: 'package_handed_back',
    subject: `Request ${id}: the provider handed back package ${event.packageId}`,
    // The provider's reason stays in Caremarket, not emailed: it may say something of the person.
    body: `The provider of package ${event.packageId} (request ${id}) gave notice${event.shortNotice ? ', shorter than the council’s notice period,' : ''} that its last day of care is ${lastDay}. The package’s page shows their reason; re-source it from there.`,
  })
}

export function listenToBrokerageForNotifications(events: EventBus<BrokerageEvents, Transaction>): void {
  events.on('requestStatusChanged', onStatusChanged)
  events.on('requestAwardedWithoutStatusChange', onAwardedWithoutStatusChange)
  events.on('requestEligibilityDecided', onEligibilityDecided)
  events.on('packageConfirmed', onPackageConfirmed)
  events.on('packageDeclined', onPackageDeclined)
  events.on('packageHandedBack', onPackageHandedBack)
}

/**
 * Tells the brokers of each unsourced request whose republish date has come, once for each time it
 * was marked unsourced. Look-ups are made before each request's transaction.
 */
export async function notifyRepublishDue(
  db: Database,
  now: Date,
): Promise<{ requests: number; told: number }> {
  const due = await listRepublishDue(db, now)
  if (due.length === 0) return { requests: 0, told: 0 }
  const onceKey = (d: (typeof due)[number]) => `republish_due:${d.requestId}:${d.unsourcedAt.toISOString()}`
  const given = await givenOnceKeys(
    db,
    'republish_due',
    due.map((d) => d.requestId),
  )
  let requests = 0
  let told = 0
  for (const d of due) {
    if (given.has(onceKey(d))) continue
    const request = await requestNotice(db, d.councilId, d.requestId)
    if (!request) continue
    const brokers = await brokersToTell(db, request)
    const result = await db.transaction((tx) =>
      notifyStaff(tx, brokers, {
        councilId: d.councilId,
        requestId: d.requestId,
        link: requestLink(d.requestId),
        kind: 'republish_due',
        subject: `Request ${d.requestId} is due to be published again`,
        body: `Request ${d.requestId} has been unsourced since ${formatLondonDate(d.unsourcedAt)} and was due to be published again on ${formatLondonDate(d.dueAt)}. Widen it if that would help, and republish it.`,
        onceKey: onceKey(d),
      }),
    )
    requests++
    told += result.told.length
  }
  return { requests, told }
}
